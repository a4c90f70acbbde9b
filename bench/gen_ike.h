/*
 * IKEv2 message encoder for the bench generators (RFC 7296 3: header,
 * generic payload chain, SA/proposal/transform, KE, Nonce, Notify, Delete,
 * Vendor ID, TS, ID, AUTH, CERT, CERTREQ, CP; 3.14 SK; RFC 7383 2.5 SKF),
 * plus the IKEv1 ISAKMP header and payloads needed for a Main Mode
 * proposal and its notification (RFC 2408 3, RFC 2409 5). Encryption of
 * SK/SKF uses AES-CBC-256 + HMAC-SHA2-256-128 (RFC 3602, RFC 4868) when
 * keys are given, otherwise the encrypted part is PRNG bytes of the same
 * size. Writes only; never parses.
 */
#ifndef BENCH_GEN_IKE_H
#define BENCH_GEN_IKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench/gen_wire.h"

enum {
	IKE_SA_INIT = 34, IKE_AUTH = 35, IKE_CREATE_CHILD_SA = 36,
	IKE_INFORMATIONAL = 37,
	IKE_F_INIT = 0x08, IKE_F_RESP = 0x20,
	PL_SA = 33, PL_KE = 34, PL_IDI = 35, PL_IDR = 36, PL_CERT = 37,
	PL_CERTREQ = 38, PL_AUTH = 39, PL_NONCE = 40, PL_N = 41, PL_D = 42,
	PL_V = 43, PL_TSI = 44, PL_TSR = 45, PL_SK = 46, PL_CP = 47,
	PL_SKF = 53,
	PROTO_IKE = 1, PROTO_ESP = 3,
	XF_ENCR = 1, XF_PRF = 2, XF_INTEG = 3, XF_KE = 4, XF_ESN = 5,
	N_INVALID_SYNTAX = 7, N_NO_PROPOSAL_CHOSEN = 14,
	N_INVALID_KE_PAYLOAD = 17, N_AUTHENTICATION_FAILED = 24,
	N_MS_STATUS = 12345,
	N_INITIAL_CONTACT = 16384, N_NAT_SRC = 16388, N_NAT_DST = 16389,
	N_REKEY_SA = 16393, N_ESP_TFC_PADDING_NOT_SUPPORTED = 16394,
	N_MOBIKE_SUPPORTED = 16396, N_MULTIPLE_AUTH_SUPPORTED = 16404,
	N_FRAGMENTATION_SUPPORTED = 16430, N_SIGNATURE_HASH_ALGORITHMS = 16431,
};

struct ike_xf {
	uint8_t type;
	uint16_t id;
	uint16_t keylen;	/* bits; 0 = no Key Length attribute */
};

struct ike_prop {
	uint8_t num;
	uint8_t proto;
	uint32_t spi;		/* ESP/AH only (4 bytes on the wire) */
	uint8_t nxf;
	struct ike_xf xf[10];
};

/* A payload chain being encoded. np_off is the byte that receives the
 * next payload's type. */
struct ike_chain {
	struct gbuf b;
	size_t np_off;
};

struct ike_keys {
	uint8_t ei[32], er[32];	/* SK_ei / SK_er, AES-256 */
	uint8_t ai[32], ar[32];	/* SK_ai / SK_ar, HMAC-SHA2-256 */
};

/* Key exchange data length for a group (0 when unknown). */
size_t ike_ke_len(unsigned group);

/* Plain message: header now, payloads next, ike_finish() last. */
void ike_begin(struct ike_chain *c, uint8_t *mem, size_t cap,
    const uint8_t ispi[8], const uint8_t rspi[8], unsigned exch,
    unsigned flags, uint32_t msgid);
void ike_finish(struct ike_chain *c);
/* Inner chain for an SK payload (byte 0 receives the first type). */
void ike_inner_begin(struct ike_chain *c, uint8_t *mem, size_t cap);

size_t ike_pl_begin(struct ike_chain *c, unsigned type);
void ike_pl_end(struct ike_chain *c, size_t start);
void ike_pl_raw(struct ike_chain *c, unsigned type, const void *body,
    size_t len);
void ike_pl_sa(struct ike_chain *c, const struct ike_prop *p, size_t n);
void ike_pl_ke(struct ike_chain *c, unsigned group, struct grng *r);
void ike_pl_nonce(struct ike_chain *c, struct grng *r, size_t n);
void ike_pl_notify(struct ike_chain *c, unsigned proto, uint32_t spi,
    unsigned type, const void *data, size_t dlen);
/* NAT_DETECTION_*_IP with SHA-1(SPIi | SPIr | IP | port), RFC 7296 2.23. */
void ike_pl_natd(struct ike_chain *c, unsigned type, const uint8_t ispi[8],
    const uint8_t rspi[8], const struct gaddr *a, unsigned port);
void ike_pl_id(struct ike_chain *c, unsigned type, unsigned idtype,
    const void *data, size_t len);
void ike_pl_auth(struct ike_chain *c, unsigned method, struct grng *r,
    size_t len);
/* TSi/TSr with one range covering a..b (both same family). */
void ike_pl_ts(struct ike_chain *c, unsigned type, const struct gaddr *lo,
    const struct gaddr *hi);
void ike_pl_delete(struct ike_chain *c, unsigned proto, const uint32_t *spi,
    size_t n);

/* Whole message carrying SK{inner} into out (cap bytes); returns its
 * length. by_init: sent by the original initiator (SK_ei/SK_ai). keys NULL:
 * random ciphertext and ICV. */
size_t ike_sk_msg(uint8_t *out, size_t cap, const uint8_t ispi[8],
    const uint8_t rspi[8], unsigned exch, unsigned flags, uint32_t msgid,
    const struct ike_chain *inner, const struct ike_keys *keys, bool by_init,
    struct grng *r);
/* The same as RFC 7383 SKF fragments of at most frag_size plaintext bytes:
 * writes up to max messages into out[i] (cap each), lengths into len[i];
 * returns the number of fragments. */
size_t ike_skf_msgs(uint8_t (*out)[1600], size_t *len, size_t max,
    const uint8_t ispi[8], const uint8_t rspi[8], unsigned exch,
    unsigned flags, uint32_t msgid, const struct ike_chain *inner,
    const struct ike_keys *keys, bool by_init, struct grng *r,
    size_t frag_size);

/* IKEv1 (RFC 2408 3.1 header; Identity Protection = 2, Informational = 5).
 * Main Mode message 1 offering nprop AES/SHA proposals; the responder's
 * NO-PROPOSAL-CHOSEN notification. Return the length. */
size_t ikev1_mm1(uint8_t *out, size_t cap, const uint8_t icookie[8],
    struct grng *r);
size_t ikev1_notify(uint8_t *out, size_t cap, const uint8_t icookie[8],
    const uint8_t rcookie[8], unsigned type, struct grng *r);
/* Main Mode message 2: the responder's chosen proposal (one transform). */
size_t ikev1_mm2(uint8_t *out, size_t cap, const uint8_t icookie[8],
    const uint8_t rcookie[8]);
/* Main Mode messages 3 and 4: KE (MODP-2048 size) and Nonce, random. */
size_t ikev1_mm_ke(uint8_t *out, size_t cap, const uint8_t icookie[8],
    const uint8_t rcookie[8], struct grng *r);
/* An encrypted message (E flag): Main Mode 5/6 (exchange 2, ID first,
 * msgid 0) or Quick Mode (exchange 32, HASH first); body random, body
 * bytes a multiple of 16. */
size_t ikev1_encrypted(uint8_t *out, size_t cap, const uint8_t icookie[8],
    const uint8_t rcookie[8], unsigned exchange, uint32_t msgid,
    size_t body, struct grng *r);

#endif
