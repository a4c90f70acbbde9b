/*
 * What the tracker knows about one IKE SA negotiation: its SPIs and
 * peers, the request/response exchanges in order (the timeline), the
 * proposals each side put on the wire, and counters. Filled by
 * ike_track.c from decoded messages; read by diag.c (findings) and
 * report_sa.c (our report section). Everything here is a copy: nothing
 * points into packet buffers.
 */
#ifndef WFPDIAG_ANALYZE_IKE_SA_H
#define WFPDIAG_ANALYZE_IKE_SA_H

#include <stdbool.h>
#include <stdint.h>

#include "analyze/ikev2_decode.h"
#include "analyze/ikev2_proposal.h"
#include "formats/netdecode.h"

/* An end-entity certificate seen in a decrypted CERT payload. */
struct ike_cert_seen {
	bool present;
	char subject[160], issuer[160];  /* RFC 2253 */
	int64_t not_before, not_after;   /* epoch seconds */
	int64_t used_at;                 /* capture time it was sent */
	uint8_t sha1[20];                /* thumbprint (endCertHash) */
	bool from_requested_ca;          /* a CERT sent with it has a key
	                                    hash the peer's CERTREQ named */
	uint8_t n_chain;                 /* CERT payloads sent */
};

/* Offers kept per SA (more are counted, not stored). */
#define IKE_SA_OFFERS 4
/* Exchanges kept in detail per SA; later ones are only counted. */
#define IKE_SA_EXCHANGES 48

struct ike_exchange {
	uint8_t exchange;          /* IKEv2 exchange type */
	bool from_initiator;       /* request sent by the original initiator */
	bool answered;
	bool request_seen;         /* false: only the response was captured */
	uint32_t msg_id;
	uint64_t req_frame, resp_frame;  /* first request / first response */
	int64_t req_ns, last_req_ns, resp_ns; /* epoch nanoseconds */
	uint32_t req_digest, resp_digest;     /* to tell retransmissions */
	uint16_t retransmissions;  /* request copies after the first */
	uint16_t resp_dups;        /* response copies after the first */
	uint32_t req_len, resp_len;           /* IKE message bytes */
	uint32_t req_sk_len, resp_sk_len;     /* SK/SKF payload bytes */
	uint16_t req_frags, resp_frags;       /* SKF fragments or IP frags */
	uint64_t req_skf_seen, resp_skf_seen; /* SKF fragment numbers seen
	                                         (bit n-1, first 64) */
	uint16_t resp_error;       /* first error notify in the response */
	uint32_t resp_error_value; /* its decoded value (group, MS code) */
	uint16_t req_error;        /* error notify in a request (INFO) */
	bool decrypted;            /* contents were decrypted */
	/* Payload chains, kept compact (rendered by ike_exchange_chain()):
	 * types in order (inner ones after an SK/SKF entry), notify types
	 * in order. */
	struct ike_chain {
		uint8_t n_pl, n_nt;
		bool decrypted;
		uint8_t sk_inner;  /* first inner type when still encrypted */
		uint8_t inner_at;  /* index of the first inner payload */
		uint8_t pl[14];
		uint16_t nt[6];
	} req, resp;
};

/* The chain of one side as text, tshark-like ("SA KE Ni N(COOKIE)",
 * "SK{IDr AUTH SA TSi TSr}"); returns dst. */
char *ike_exchange_chain(const struct ike_exchange *e, bool response,
    char *dst, size_t len);
/* True when that side's encrypted payload begins with a Notify and
 * could not be read (no keys). */
bool ike_exchange_notify_first(const struct ike_exchange *e, bool response);

enum ike_outcome {
	IKE_OUT_PENDING = 0,       /* still being negotiated */
	IKE_OUT_ESTABLISHED,       /* IKE_AUTH completed */
	IKE_OUT_FAILED,            /* an error notify or a rule said so */
	IKE_OUT_UNANSWERED,        /* a request was never answered */
	IKE_OUT_RETRIED,           /* superseded by a retry (COOKIE,
	                              INVALID_KE_PAYLOAD) */
	IKE_OUT_ABANDONED,         /* one side stopped without a word */
	IKE_OUT_DELETED,           /* closed with Delete */
	IKE_OUT_INCOMPLETE,        /* capture ended mid-negotiation */
	IKE_OUT_MIDSTREAM,         /* capture started after setup */
};

struct ike_sa {
	uint64_t serial;           /* 1-based, order of first sight */
	uint64_t retry_of;         /* serial this one retries, 0 none */
	uint64_t retried_by;       /* serial that retried this, 0 none */
	uint8_t spi_i[8], spi_r[8];
	uint8_t ike_major;         /* 2 (1: ISAKMP, tracked coarsely) */
	struct net_addr init_addr, resp_addr;
	uint16_t init_port, resp_port;       /* latest */
	uint16_t first_init_port, first_resp_port;
	bool nat_t;                /* moved to UDP 4500 */
	bool seen_init_request;
	int64_t first_ns, last_ns;
	uint64_t first_frame, last_frame;
	uint32_t input;            /* index of the input it started in */
	enum net_tunnel tunnel;    /* its first message came in a tunnel */
	/* IKE_SA_INIT content */
	uint8_t n_offers;          /* initiator's IKE proposals (kept) */
	uint8_t n_offers_total;
	struct ikev2_proposal offers[IKE_SA_OFFERS];
	bool has_chosen;
	struct ikev2_proposal chosen; /* responder's choice */
	uint16_t ke_group_offered;
	uint16_t ke_group_requested; /* from INVALID_KE_PAYLOAD */
	bool certreq_from_resp, certreq_from_init;
	uint16_t n_ca_hashes;
	bool frag_supported_i, frag_supported_r;
	bool cookie_requested;
	bool ms_status_seen;
	uint32_t ms_status;        /* Win32 code from notify 12345 */
	char vendors[160];         /* names of Vendor IDs, joined */
	/* IKE_AUTH and later, when decrypted */
	uint32_t decrypted, decrypt_failed;  /* messages */
	uint8_t n_child_spis;
	uint32_t child_spis[8];    /* ESP SPIs from decrypted SA payloads */
	bool auth_has_cert_i;      /* initiator's IKE_AUTH carried CERT */
	/* First CHILD SA (decrypted IKE_AUTH): what policy checks need. */
	uint8_t n_child_offers;
	struct ikev2_proposal child_offers[2];
	bool has_child_chosen;
	struct ikev2_proposal child_chosen;
	uint8_t n_tsi, n_tsr;      /* responder's selectors (else offered) */
	struct ikev2_selector tsi[4], tsr[4];
	int16_t auth_method;       /* IKEv2 AUTH method, -1 unknown */
	char id_i[96], id_r[96];
	struct ike_cert_seen cert_i, cert_r; /* each side's end certificate */
	uint8_t n_req_ca_i, n_req_ca_r;  /* CA key hashes each side asked for */
	uint8_t req_ca_i[4][20], req_ca_r[4][20];
	/* timeline */
	uint16_t n_exch, exch_cap;
	uint32_t n_exch_total;
	struct ike_exchange *exch; /* owned, grows up to IKE_SA_EXCHANGES */
	/* INFORMATIONAL liveness (empty SK) and other counters */
	uint32_t liveness, liveness_unanswered;
	int64_t liveness_last_ns, liveness_max_gap_ns;
	uint32_t rekeys, child_creates, deletes, informational;
	uint32_t messages, retransmissions;
	uint32_t icmp_unreachable;
	uint32_t malformed;
	uint64_t esp_after_auth;   /* ESP packets on the pair after AUTH */
	uint32_t esp_sas;
	/* outcome, set by diag at finalisation */
	enum ike_outcome outcome;
	bool inferred;
	char outcome_text[160];
};

const char *ike_outcome_name(enum ike_outcome o);

#endif
