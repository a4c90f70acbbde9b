/*
 * IKEv2 SK/SKF payload and ESP packet protection: integrity check and
 * decryption. RFC 7296 3.14 (SK payload), RFC 7383 2.5 (SKF), RFC 5282
 * (AES-GCM/CCM in IKEv2), RFC 7634 (ChaCha20-Poly1305), RFC 5930 and
 * RFC 3686 (AES-CTR), RFC 3602 (AES-CBC), RFC 2451 (3DES), RFC 2403/2404/
 * 4595/4868 (HMAC), RFC 3566 (AES-XCBC-MAC-96), RFC 4494 (AES-CMAC-96),
 * RFC 4303 (ESP), RFC 4106/4309 (AES-GCM/CCM in ESP).
 *
 * This is the only libcrypto user in analyze/ besides x509info.c. A
 * struct sk_ctx caches the fetched OpenSSL algorithms and a table of
 * keyed cipher and MAC contexts indexed by key (struct secret serial), so
 * decrypting many messages of thousands of interleaved SAs runs no
 * allocation and no key schedule per message once each key was seen.
 * A context is not thread-safe; use one per thread.
 *
 * Algorithms are named by their IANA "IKEv2 Transform Type 1/3" numbers
 * (ENCR 3 3DES, 11 NULL (ESP only), 12 AES_CBC, 13 AES_CTR, 14/15/16
 * AES_CCM_8/12/16, 18/19/20 AES_GCM_8/12/16, 28 CHACHA20_POLY1305; INTEG
 * 0 NONE, 1 HMAC_MD5_96, 2 HMAC_SHA1_96, 5 AES_XCBC_96, 6 HMAC_MD5_128,
 * 7 HMAC_SHA1_160, 8 AES_CMAC_96, 12 HMAC_SHA2_256_128, 13
 * HMAC_SHA2_384_192, 14 HMAC_SHA2_512_256). Integrity ids
 * SK_INTEG_NOCHECK(bytes) (private range) mean "an ICV of this many bytes
 * that we cannot check" (Wireshark's "ANY n-bits [No Checking]").
 *
 * Key and plaintext bytes are never written to the error message.
 */
#ifndef WFPDIAG_ANALYZE_SK_CRYPTO_H
#define WFPDIAG_ANALYZE_SK_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyze/secret.h"
#include "formats/buf.h"
#include "formats/rc.h"

/* Private-use integrity id (IANA 1024-65535): ICV of n bytes, unchecked. */
#define SK_INTEG_NOCHECK(n) ((uint16_t)(0xff00u | (n)))

struct sk_suite {
	uint16_t encr_id;       /* IANA Transform Type 1 id */
	uint16_t encr_key_bits; /* Key Length attribute; 0 = the fixed size */
	uint16_t integ_id;      /* IANA Transform Type 3 id; 0 for AEAD */
};

/* True when encr (with its key size) and integ are implemented and fit
 * together (AEAD ciphers take integ 0, others need an integ != 0). */
bool sk_suite_supported(const struct sk_suite *s);
bool sk_suite_is_aead(const struct sk_suite *s);
/* Per-message IV bytes in the SK payload / ESP packet. */
size_t sk_suite_iv_len(const struct sk_suite *s);
/* ICV bytes: truncated MAC length, or the AEAD tag length. */
size_t sk_suite_icv_len(const struct sk_suite *s);
/* Cipher block size (ciphertext must be a multiple); 1 for stream modes. */
size_t sk_suite_block_len(const struct sk_suite *s);
/* SK_e / ESP encryption key bytes including the salt (RFC 5282: 4 for
 * GCM, 3 for CCM; RFC 7634: 4 for ChaCha20; RFC 5930: 4 for CTR). */
size_t sk_suite_encr_key_len(const struct sk_suite *s);
/* SK_a / ESP integrity key bytes (0 for AEAD and NOCHECK). */
size_t sk_suite_integ_key_len(const struct sk_suite *s);
/* "AES_CBC_256/HMAC_SHA2_256_128"-style name into dst; returns dst. */
char *sk_suite_name(const struct sk_suite *s, char *dst, size_t len);

struct sk_ctx;

/* A fresh context; NULL when out of memory or libcrypto fails. */
struct sk_ctx *sk_ctx_new(void);
void sk_ctx_free(struct sk_ctx *c);
/* Last failure described with field names and numbers (never key or
 * plaintext bytes); "" after success. Valid until the next call. */
const char *sk_ctx_errmsg(const struct sk_ctx *c);

/*
 * The primitives, for known-answer tests and benchmarks. sk_mac() writes
 * the untruncated MAC (HMAC: digest size; XCBC/CMAC: 16 bytes; out needs
 * 64 bytes) and its length. sk_cipher_decrypt() decrypts len bytes of ct
 * with the suite's cipher: key is cipher key || salt, iv the explicit
 * 8/16-byte IV, aad/tag only for AEAD (tag of the suite's ICV length);
 * pt receives len bytes and must not overlap ct. RC_AUTH when an AEAD
 * tag does not match.
 */
enum rc sk_mac(struct sk_ctx *c, uint16_t integ_id, const struct secret *key,
    const uint8_t *data, size_t len, uint8_t *out, size_t *out_len)
    MUST_CHECK;
enum rc sk_cipher_decrypt(struct sk_ctx *c, const struct sk_suite *s,
    const struct secret *key, const uint8_t *iv, const uint8_t *aad,
    size_t aad_len, const uint8_t *ct, size_t len, const uint8_t *tag,
    uint8_t *pt) MUST_CHECK;

/* sk_decrypt() flags. */
#define SK_SKIP_ICV 0x1u /* forensic: decrypt even when the ICV does not
                            verify (non-AEAD only; AEAD tags are always
                            checked) and report icv_ok = false */

struct sk_result {
	uint8_t next_payload;  /* SK/SKF header Next Payload: the first inner
	                          payload type (SKF: only in fragment 1) */
	bool fragment;         /* SKF (53) rather than SK (46) */
	uint16_t frag_num;     /* SKF Fragment Number (1-based); 0 for SK */
	uint16_t frag_total;   /* SKF Total Fragments; 0 for SK */
	bool icv_checked;      /* an ICV/tag was computed and compared */
	bool icv_ok;           /* ... and matched */
	uint8_t pad_len;       /* Pad Length field */
	size_t plain_len;      /* inner payload bytes appended to out */
	size_t iv_off;         /* offset of the IV in the message */
	size_t icv_off;        /* offset of the ICV in the message */
};

/*
 * Checks and decrypts one SK (46) or SKF (53) payload.
 *
 *   msg, msg_len  the whole IKE message from the IKE header on (no
 *                 non-ESP marker); borrowed.
 *   sk_off        offset in msg of the SK/SKF generic payload header; the
 *                 payload must be the last one and its length field says
 *                 where it (and the ICV) ends.
 *   sk_type       46 (SK) or 53 (SKF).
 *   sk_e, sk_a    the sender's keys (SK_ei/SK_ai for messages from the
 *                 original initiator); sk_a NULL for AEAD/NOCHECK.
 *
 * The ICV is verified before anything is decrypted (for AEAD the tag over
 * AAD = msg[0..IV) and the ciphertext); then the padding is checked and
 * stripped. On RC_OK the inner payload bytes are appended to out and *res
 * is filled. Returns RC_SHORT (msg ends inside the declared payload),
 * RC_MALFORMED (impossible lengths, ciphertext not a block multiple, pad
 * length >= plaintext), RC_AUTH (ICV mismatch: wrong key or corrupt),
 * RC_UNSUPPORTED (algorithm), RC_NOKEY (a needed key is NULL), RC_INVAL
 * (a key has the wrong length), RC_LIMIT/RC_NOMEM (out), RC_CRYPTO. On
 * failure out is unchanged; *res holds what was parsed.
 */
enum rc sk_decrypt(struct sk_ctx *c, const uint8_t *msg, size_t msg_len,
    size_t sk_off, uint8_t sk_type, const struct sk_suite *s,
    const struct secret *sk_e, const struct secret *sk_a, unsigned flags,
    struct buf *out, struct sk_result *res) MUST_CHECK;

/*
 * Verifies only the ICV of an SK/SKF payload (non-AEAD: the MAC; AEAD:
 * needs sk_e and decrypts into scratch memory that is wiped). Cheap way to
 * test candidate keys (keystore_try_unassigned). Same returns as
 * sk_decrypt() minus padding errors.
 */
enum rc sk_check(struct sk_ctx *c, const uint8_t *msg, size_t msg_len,
    size_t sk_off, uint8_t sk_type, const struct sk_suite *s,
    const struct secret *sk_e, const struct secret *sk_a) MUST_CHECK;

/* ESP (RFC 4303 2):
 *    SPI(4) | Sequence Number(4) | IV | Payload | Padding | Pad Length(1)
 *    | Next Header(1) | ICV
 */
struct esp_result {
	uint32_t spi;          /* host order */
	uint32_t seq;          /* low 32 bits of the sequence number */
	bool icv_checked;      /* false when no integrity key was given */
	bool icv_ok;
	uint8_t next_header;   /* inner protocol (4 IPv4, 41 IPv6, 59 none) */
	uint8_t pad_len;
	bool pad_default;      /* padding is 1, 2, 3, ... (RFC 4303 2.4) */
	size_t payload_len;    /* inner packet bytes */
};

/* esp flags */
#define ESP_ESN 0x1u /* ESN: esn_hi is in the ICV / AAD (RFC 4303 2.2.1) */

/*
 * Checks the ICV of one ESP packet (pkt = from the SPI to the end of the
 * ICV; ESP-in-UDP callers strip the UDP header). RC_OK, RC_AUTH, RC_SHORT,
 * RC_MALFORMED, RC_NOKEY (no integrity key for a non-AEAD suite; AEAD
 * needs the encryption key), RC_UNSUPPORTED, RC_INVAL.
 */
enum rc esp_check(struct sk_ctx *c, const uint8_t *pkt, size_t len,
    const struct sk_suite *s, const struct secret *ekey,
    const struct secret *akey, unsigned flags, uint32_t esn_hi) MUST_CHECK;

/*
 * Checks (when akey is given or the suite is AEAD) and decrypts one ESP
 * packet, filling *res with the next header, pad and lengths. The inner
 * packet is appended to inner only when inner is not NULL (tests and
 * nested ESP); code that writes reports passes NULL. Without akey for a
 * non-AEAD suite the ICV is skipped (icv_checked = false), as tcpdump -E
 * does. Returns as esp_check() plus RC_MALFORMED for a bad pad length.
 */
enum rc esp_decrypt(struct sk_ctx *c, const uint8_t *pkt, size_t len,
    const struct sk_suite *s, const struct secret *ekey,
    const struct secret *akey, unsigned flags, uint32_t esn_hi,
    struct buf *inner, struct esp_result *res) MUST_CHECK;

/*
 * RFC 7383 2.5 reassembly of decrypted SKF fragments. Fragments are keyed
 * by (SPIi, SPIr, Message ID, direction); a message completes when all of
 * 1..total arrived. Bounded: LIMIT_SKF_MESSAGES messages in progress (the
 * oldest is dropped), LIMIT_SKF_FRAGMENTS per message, LIMIT_SKF_BYTES of
 * plaintext per message.
 */
struct skf_key {
	uint8_t spi_i[8], spi_r[8]; /* as on the wire */
	uint32_t msgid;
	bool from_initiator;        /* sender is the original initiator */
};

struct skf_reasm;

struct skf_reasm *skf_reasm_new(void);
void skf_reasm_free(struct skf_reasm *r);
/*
 * Adds one decrypted fragment (res from sk_decrypt, plaintext pt/len).
 * Returns RC_OK with *complete = true when the message is whole: the
 * concatenated plaintext is appended to out and *first_payload is
 * fragment 1's Next Payload; RC_OK with *complete = false while fragments
 * are missing (duplicates are ignored); RC_MALFORMED when number/total
 * disagree with earlier fragments; RC_LIMIT past a cap (the message is
 * dropped); RC_NOMEM.
 */
enum rc skf_reasm_add(struct skf_reasm *r, const struct skf_key *k,
    const struct sk_result *res, const uint8_t *pt, size_t len,
    struct buf *out, uint8_t *first_payload, bool *complete) MUST_CHECK;
/* Messages currently incomplete. */
size_t skf_reasm_pending(const struct skf_reasm *r);

#endif
