/*
 * The key store: IKE SA key sets by (SPIi, SPIr) and ESP SA keys by (SPI,
 * optional destination), loaded from key tables (formats/keytab.h) with
 * their algorithm strings mapped to IANA suites (struct sk_suite).
 *
 * Key sets from strongSwan logs carry no SPIs: they are kept
 * "unassigned" and bound to an SA by keystore_try_unassigned(), which
 * verifies each candidate's ICV (RFC 7296 3.14) on a captured message
 * and, on a match, files the set under that message's SPIs. When the log
 * gave no proposal, the candidate suites are the ones the key lengths
 * allow. ESP key sets without an SPI are bound the same way by their ICV
 * (keystore_try_unassigned_esp); tcpdump's "key for any SA" (no SPI, no
 * integrity key) is a wildcard returned when no SPI matches.
 *
 * Lookups are hash-indexed (O(1) per packet). All keys are struct
 * secret, wiped on keystore_free(). Bounded by LIMIT_KEYS entries.
 */
#ifndef WFPDIAG_ANALYZE_KEYSTORE_H
#define WFPDIAG_ANALYZE_KEYSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyze/secret.h"
#include "analyze/sk_crypto.h"
#include "formats/keytab.h"
#include "formats/rc.h"

struct keystore_ike {
	uint8_t spi_i[8], spi_r[8];     /* wire order; valid when bound */
	bool bound;                     /* SPIs known */
	bool suite_known;               /* false: charon log without a
	                                   proposal and not yet bound */
	struct sk_suite suite;
	struct secret *sk_ei, *sk_er;   /* owned by the store; NULL absent */
	struct secret *sk_ai, *sk_ar;   /* NULL for AEAD or absent */
	enum keytab_format source;      /* where it came from */
	unsigned line;                  /* source line */
	bool verified_i, verified_r;    /* a message from that side passed
	                                   its integrity check */
};

struct keystore_esp {
	bool has_spi;
	uint32_t spi;                   /* host order */
	uint8_t dst_family;             /* 4, 6 or 0 = any destination */
	uint8_t dst[16];                /* network order */
	bool suite_known;
	bool esn;                       /* extended sequence numbers */
	bool wildcard;                  /* tcpdump key for any SA */
	bool initiator_dir;             /* charon: initiator->responder */
	struct sk_suite suite;
	struct secret *ekey;            /* cipher key || salt; owned */
	struct secret *akey;            /* NULL for AEAD / unchecked */
	enum keytab_format source;
	unsigned line;
	bool verified;                  /* a packet passed its integrity
	                                   check with these keys */
	uint8_t seen_family;            /* 4 or 6: that packet's IP */
};

/* What keystore_add_keytab() did. */
struct keystore_load {
	size_t ike_added;       /* with SPIs */
	size_t ike_unassigned;  /* without SPIs (charon) */
	size_t esp_added;
	size_t skipped;         /* unknown algorithm, bad key length ... */
	char first_skip[200];   /* why the first skipped row was skipped */
};

struct keystore;

struct keystore *keystore_new(void);
void keystore_free(struct keystore *ks);

/*
 * Copies every usable record of t into the store (keys become struct
 * secret). Rows whose algorithms are unknown or whose key lengths do not
 * fit the suite are counted in st->skipped. Returns RC_OK, RC_LIMIT
 * (LIMIT_KEYS) or RC_NOMEM.
 */
enum rc keystore_add_keytab(struct keystore *ks, const struct keytab *t,
    struct keystore_load *st) MUST_CHECK;

size_t keystore_ike_count(const struct keystore *ks);
size_t keystore_esp_count(const struct keystore *ks);

/* The bound key set for these SPIs (wire order), or NULL. Borrowed; valid
 * until the store is freed. */
/* Records that a message from the initiator (or responder) side of k
 * passed its integrity check. */
void keystore_ike_note_verified(struct keystore *ks,
    const struct keystore_ike *k, bool from_init);
const struct keystore_ike *keystore_find_ike(const struct keystore *ks,
    const uint8_t spi_i[8], const uint8_t spi_r[8]);

/*
 * Tries each unassigned IKE key set (at most LIMIT_UNASSIGNED_TRIES suite
 * candidates in all) on the SK/SKF payload at sk_off of msg, using the
 * sender's keys (SK_ei/SK_ai when from_initiator). The first set whose
 * ICV verifies is bound to the message's SPIs and its suite fixed; *out
 * points at it. RC_OK, RC_NOKEY (none matched), RC_SHORT/RC_MALFORMED
 * (message too short for an IKE header), RC_NOMEM.
 */
enum rc keystore_try_unassigned(struct keystore *ks, struct sk_ctx *c,
    const uint8_t *msg, size_t len, size_t sk_off, uint8_t sk_type,
    bool from_initiator, const struct keystore_ike **out) MUST_CHECK;

/* The ESP keys for spi (and dst when the entry names one; family 0 or
 * dst NULL match any), else a wildcard entry, else NULL. */
const struct keystore_esp *keystore_find_esp(const struct keystore *ks,
    uint32_t spi, uint8_t family, const uint8_t *dst);

/* Like keystore_try_unassigned() for one ESP packet (from the SPI on):
 * binds the first unassigned ESP key set whose ICV/tag verifies. */
enum rc keystore_try_unassigned_esp(struct keystore *ks, struct sk_ctx *c,
    const uint8_t *pkt, size_t len, const struct keystore_esp **out)
    MUST_CHECK;

/*
 * Maps algorithm text from a key table to a suite. Understands
 * Wireshark's IKEv2 and ESP UAT strings, tcpdump -E names ("aes128",
 * "sha1", "3des-cbc-hmac96"), strongSwan proposals
 * ("AES_CBC_256/HMAC_SHA2_256_128/PRF_..." in encr with integ "") and
 * IANA names. key_len (the encryption key bytes, 0 unknown) fills in the
 * AES key size where the text does not say it. *esn is set for "EXT_SEQ".
 * Returns false when the text names nothing we implement.
 */
bool keystore_map_alg(const char *encr, const char *integ, size_t key_len,
    struct sk_suite *out, bool *esn);

/* Wireshark's display strings for a suite (for writing UATs); NULL when
 * Wireshark has no string for it. keystore_ws_ikev2_encr() returns a
 * static buffer valid until its next call (not thread-safe). */
const char *keystore_ws_ikev2_encr(const struct sk_suite *s);
const char *keystore_ws_ikev2_integ(const struct sk_suite *s);
const char *keystore_ws_esp_encr(const struct sk_suite *s);
const char *keystore_ws_esp_integ(const struct sk_suite *s);

/* Records that an ESP packet (over IP family 4 or 6) passed its
 * integrity check with k. */
void keystore_esp_note_verified(struct keystore *ks,
    const struct keystore_esp *k, uint8_t family);
/*
 * The same for ESP, ready for keytab_write_ws_esp(): the SAs with an SPI
 * whose keys verified a packet's ICV or tag (keystore_esp_note_verified),
 * source address "*", destination when known. *n rows appended; verified
 * SAs Wireshark cannot name are counted in *skipped.
 */
enum rc keystore_export_verified_esp(const struct keystore *ks,
    struct keytab *t, size_t *n, size_t *skipped) MUST_CHECK;
/*
 * Appends the IKE sets whose keys are verified (bound, and a message of
 * either side passed its integrity check: keystore_ike_note_verified())
 * to t with Wireshark's algorithm strings, ready for
 * keytab_write_ws_ikev2(). *n gets the rows appended; verified sets whose
 * suite Wireshark cannot name (AES-XCBC, AES-CMAC, ChaCha20) are counted
 * in *skipped. Sets with "ANY n-bits [No Checking]" integrity are left
 * out (decrypting with them proves nothing). RC_OK, RC_LIMIT, RC_NOMEM.
 */
enum rc keystore_export_verified_ike(const struct keystore *ks,
    struct keytab *t, size_t *n, size_t *skipped) MUST_CHECK;

/*
 * Appends every bound IKE set and every ESP set with an SPI to t with
 * Wireshark's algorithm strings, ready for keytab_write_ws_ikev2/esp()
 * (capture puts these in the archive). Sets Wireshark cannot express are
 * counted in *skipped. RC_OK, RC_LIMIT, RC_NOMEM.
 */
enum rc keystore_export(const struct keystore *ks, struct keytab *t,
    size_t *skipped) MUST_CHECK;

#endif
