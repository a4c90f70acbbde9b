/*
 * IKEv2 message decoding, RFC 7296 section 3 (plus RFC 7383 SKF). A pure
 * function of the message bytes: header, then the payload chain, each
 * payload validated (header fits, declared length >= header, fits in
 * what is left) before its body is interpreted.
 *
 * Decoded fields that are views (struct rd, pointers) point into the
 * caller's message buffer and are valid only as long as it is; anything
 * kept across packets must be copied (the SA tracker does).
 *
 * A malformed payload stops the walk; everything decoded before it stays
 * in the message and msg->err/err_off/err_text say what and where.
 */
#ifndef WFPDIAG_ANALYZE_IKEV2_DECODE_H
#define WFPDIAG_ANALYZE_IKEV2_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyze/ikev2_proposal.h"
#include "analyze/ikev2_registry.h"
#include "formats/limits.h"
#include "formats/rd.h"


struct ikev2_hdr {
	uint8_t spi_i[8];     /* network order */
	uint8_t spi_r[8];
	uint8_t next_payload;
	uint8_t major, minor; /* version nibbles */
	uint8_t exchange;
	uint8_t flags;
	uint32_t msg_id;
	uint32_t length;      /* as declared */
};

/* One payload of the chain as it appeared. */
struct ikev2_pl {
	uint8_t type;
	bool critical;
	uint16_t length;      /* declared, includes the 4-byte header */
	uint32_t offset;      /* of the generic header in the message */
};

struct ikev2_notif {
	uint8_t protocol;
	uint8_t spi_size;
	uint16_t type;
	const uint8_t *spi;   /* view, spi_size bytes */
	struct rd data;       /* view of the notification data */
	bool has_value;
	uint32_t value;       /* decoded number: DH group (INVALID_KE),
	                         Win32 code (MS_STATUS), ESP SPI (REKEY_SA
	                         4-byte SPI) */
	bool data_bad;        /* data length not what the RFC fixes */
};

struct ikev2_selector {
	uint8_t type;          /* TS_IPV4_ADDR_RANGE ... */
	uint8_t ip_proto;
	uint16_t start_port, end_port;
	uint8_t addr_len;      /* 4 or 16; 0 for other TS types */
	uint8_t start[16], end[16];
};

struct ikev2_identity {
	bool present;
	uint8_t type;
	struct rd data;        /* view */
};

struct ikev2_msg {
	struct ikev2_hdr hdr;
	uint32_t size;                 /* bytes given to the decoder */
	/* The chain, in order. */
	uint16_t n_pl;
	struct ikev2_pl pl[LIMIT_IKE_PAYLOADS];
	uint16_t n_pl_dropped;         /* payloads past LIMIT_IKE_PAYLOADS */
	/* First SA payload. */
	bool has_sa;
	uint8_t n_prop;
	struct ikev2_proposal prop[LIMIT_IKE_PROPOSALS];
	/* KE */
	bool has_ke;
	uint16_t ke_group;
	uint32_t ke_len;               /* key exchange data bytes */
	uint32_t nonce_len;
	struct ikev2_identity idi, idr;
	uint8_t n_cert;
	uint8_t cert_enc;              /* of the first CERT */
	struct rd cert;                /* first CERT data, view */
	uint8_t cert_encs[4];          /* first 4 CERTs: encoding, data */
	struct rd certs[4];
	uint8_t n_certreq;
	uint8_t certreq_enc;
	uint16_t n_ca_hashes;          /* 20-byte CA hashes in CERTREQs */
	struct rd ca_hashes;           /* first CERTREQ's data, view */
	bool has_auth;
	uint8_t auth_method;
	uint32_t auth_len;
	uint16_t n_notify;
	struct ikev2_notif notify[LIMIT_IKE_PAYLOADS];
	uint8_t n_delete;
	uint8_t del_protocol;          /* of the first Delete */
	uint16_t del_n_spi;
	uint8_t del_spi_size;
	struct rd del_spis;            /* view */
	uint8_t n_vendor;
	struct rd vendor[8];           /* first 8 Vendor IDs, views */
	uint8_t n_tsi, n_tsr;
	struct ikev2_selector tsi[LIMIT_IKE_TS], tsr[LIMIT_IKE_TS];
	bool has_cp;
	uint8_t cp_type;
	uint16_t cp_n_attr;
	bool has_eap;
	uint8_t eap_code, eap_id, eap_type; /* type 0 when absent */
	/* SK or SKF: the encrypted part stays opaque here. */
	bool has_sk;
	bool is_skf;
	uint8_t sk_inner;              /* next-payload field of SK/SKF */
	uint32_t sk_offset;            /* generic header offset */
	uint32_t sk_len;               /* payload length incl. header */
	uint16_t skf_number, skf_total;
	bool decrypted;                /* inner payloads below come from the
	                                  decrypted SK/SKF contents */
	uint16_t inner_start;          /* pl[] index of the first inner one */
	uint16_t n_unknown;            /* payload types we do not know */
	bool unknown_critical;         /* an unknown one had the C bit */
	/* First error, if any. */
	enum rc err;
	uint32_t err_off;              /* absolute offset in the message */
	char err_text[96];
};

/*
 * Decodes an IKEv2 message (starting at the IKE header, without the
 * NAT-T non-ESP marker). Fills *msg (which may be large: reuse one).
 * Returns OK, SHORT when the bytes end before the header or a payload
 * does, MALFORMED when a field is impossible, or FORMAT when the version
 * is not 2.x (use ikev1_decode for 1.x). On error, msg holds what was
 * decoded before the fault.
 */
enum rc ikev2_decode(const uint8_t *bytes, size_t len,
    struct ikev2_msg *msg) MUST_CHECK;

/*
 * Decodes the plaintext of a decrypted SK payload (or reassembled SKF
 * message), a payload chain starting with type first, into msg, which
 * already holds the outer message: inner payloads are appended to pl[]
 * (from inner_start) and fill the same decoded fields. plain must outlive
 * the views. Same returns as ikev2_decode; offsets in errors are relative
 * to the plaintext.
 */
enum rc ikev2_decode_inner(struct ikev2_msg *msg, const uint8_t *plain,
    size_t len, uint8_t first) MUST_CHECK;

/* Version byte check without decoding: 2 for IKEv2, 1 for ISAKMP, 0. */
int ike_major_version(const uint8_t *bytes, size_t len);

/* Finds the first notify of a type; NULL when absent. */
const struct ikev2_notif *ikev2_msg_notify(const struct ikev2_msg *msg,
    uint16_t type);
/* First error-type notify (< 16384), including MS_STATUS; NULL none. */
const struct ikev2_notif *ikev2_msg_error_notify(const struct ikev2_msg *m);

/*
 * The payload chain as text, tshark-like ("SA KE Nonce N(NAT_DETECTION_
 * SOURCE_IP) V"), into dst; returns dst.
 */
char *ikev2_msg_chain_text(const struct ikev2_msg *msg, char *dst,
    size_t len);

#endif
