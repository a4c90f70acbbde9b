/*
 * Decryption in the analyzer's path (issue 6): key tables in, SK/SKF
 * payloads and ESP packets checked and decrypted with the keys that fit,
 * inner IKE payloads decoded into the message so the tracker and the
 * diagnosis see what was encrypted. Wraps keystore + sk_crypto + SKF
 * reassembly; never hands key bytes or ESP payloads out.
 */
#ifndef WFPDIAG_ANALYZE_IKE_DECRYPT_H
#define WFPDIAG_ANALYZE_IKE_DECRYPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyze/ikev2_decode.h"
#include "formats/buf.h"
#include "formats/rc.h"

enum ike_dec {
	IKE_DEC_CLEAR,     /* nothing encrypted in the message */
	IKE_DEC_NOKEY,     /* encrypted, no key for these SPIs */
	IKE_DEC_OK,        /* decrypted, inner payloads decoded */
	IKE_DEC_FRAGMENT,  /* SKF fragment kept until the message is whole */
	IKE_DEC_AUTH,      /* ICV mismatch: wrong key or corrupt message */
	IKE_DEC_BAD,       /* impossible lengths or padding, bad inner */
	IKE_DEC_EMPTY,     /* empty INFORMATIONAL of a verified side: not
	                      decrypted (see ike_decrypt_set_verify_all) */
};

struct ike_decrypt_stats {
	uint64_t ok, nokey, auth_failed, bad, fragments;
	uint64_t empty_skipped;  /* IKE_DEC_EMPTY */
	uint64_t esp_checked, esp_icv_bad, esp_nokey;
	uint64_t keys_ike, keys_esp, keys_skipped;
};

struct ike_decrypt;

struct ike_decrypt *ike_decrypt_new(void);
void ike_decrypt_free(struct ike_decrypt *d);

/*
 * Parses a key table (any format formats/keytab knows) and adds its keys.
 * RC_FORMAT when the text is no key table (err says so), other codes with
 * err naming the file, line and reason. Rows before an error are kept.
 */
enum rc ike_decrypt_add_keys(struct ike_decrypt *d, const char *name,
    const uint8_t *text, size_t len, char *err, size_t errlen) MUST_CHECK;
bool ike_decrypt_has_keys(const struct ike_decrypt *d);
/*
 * By default an INFORMATIONAL message whose SK payload announces no
 * inner payload (next payload NONE: a liveness check or its answer) is
 * not decrypted once a message from the same side of the same IKE SA has
 * passed its integrity check: it holds nothing to read, and on a gateway
 * capture re-checking thousands of them is most of a keyed analysis
 * (BENCHMARKS.md, "Decryption"). verify_all checks every message.
 */
void ike_decrypt_set_verify_all(struct ike_decrypt *d, bool verify_all);

/*
 * Decrypts the SK/SKF payload of msg (decoded from bytes) when keys are
 * known; on IKE_DEC_OK the inner payloads were appended to msg (views
 * into a buffer valid until the next call).
 */
enum ike_dec ike_decrypt_msg(struct ike_decrypt *d, const uint8_t *bytes,
    size_t len, struct ikev2_msg *msg);

/* ESP: checks the ICV of pkt (from the SPI on) with the SA's keys.
 * Returns IKE_DEC_OK (*next_header set when decrypted), IKE_DEC_AUTH,
 * IKE_DEC_NOKEY or IKE_DEC_BAD. */
enum ike_dec ike_decrypt_esp(struct ike_decrypt *d, const uint8_t *pkt,
    size_t len, uint8_t family, const uint8_t *dst, uint8_t *next_header);

/*
 * Appends Wireshark's ikev2_decryption_table (UAT text, comment line
 * first) holding the IKE SAs whose keys verified an ICV or AEAD tag on a
 * message seen so far: key sets bound by ICV (strongSwan logs) and table
 * rows that decrypted a message. *n gets the SAs written; *skipped the
 * verified ones Wireshark has no algorithm name for. The text holds keys:
 * the caller wipes out->data before freeing it and never prints it.
 * RC_OK, RC_LIMIT (out's cap), RC_NOMEM.
 */
enum rc ike_decrypt_export_ike(const struct ike_decrypt *d, struct buf *out,
    size_t *n, size_t *skipped) MUST_CHECK;
/* The same for ESP as Wireshark's esp_sa: the SAs with an SPI whose keys
 * verified a packet's ICV or tag (ike_decrypt_esp()). */
enum rc ike_decrypt_export_esp(const struct ike_decrypt *d, struct buf *out,
    size_t *n, size_t *skipped) MUST_CHECK;

const struct ike_decrypt_stats *ike_decrypt_stats(
    const struct ike_decrypt *d);
/* Last problem in words (never key bytes). */
const char *ike_decrypt_errmsg(const struct ike_decrypt *d);

#endif
