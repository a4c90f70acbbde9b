/*
 * Certificate facts for diagnosis (RFC 5280 4.1): who the certificate
 * names, who issued it, when it is valid, which keys it holds and what
 * it may be used for, and the hashes IKEv2 uses to refer to it: the
 * SHA-1 of the SubjectPublicKeyInfo that CERTREQ Certification Authority
 * lists carry (RFC 7296 3.7) and the SHA-1 thumbprint of the DER that
 * Windows shows. Wraps libcrypto's X.509 parser; any DER (garbage,
 * truncated) gives an rc, never a crash.
 */
#ifndef WFPDIAG_ANALYZE_X509INFO_H
#define WFPDIAG_ANALYZE_X509INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formats/rc.h"

/* Extended key usages we name (RFC 5280 4.2.1.12, RFC 4945 5.1.3.12). */
#define X509INFO_EKU_SERVER_AUTH 0x01u  /* 1.3.6.1.5.5.7.3.1 */
#define X509INFO_EKU_CLIENT_AUTH 0x02u  /* 1.3.6.1.5.5.7.3.2 */
#define X509INFO_EKU_IPSEC_IKE 0x04u    /* 1.3.6.1.5.5.7.3.17 */
#define X509INFO_EKU_ANY 0x08u          /* 2.5.29.37.0 */
#define X509INFO_EKU_IPSEC_END 0x10u    /* 1.3.6.1.5.5.7.3.5 (obsolete) */
#define X509INFO_EKU_OTHER 0x80u        /* something else */

struct x509info {
	char subject[512];      /* RFC 2253 string (truncated if longer) */
	char issuer[512];       /* RFC 2253 string */
	char serial[80];        /* hex, upper case */
	int64_t not_before;     /* seconds since the epoch, UTC */
	int64_t not_after;
	uint8_t sha1[20];       /* SHA-1 of the whole DER (thumbprint) */
	uint8_t spki_sha1[20];  /* SHA-1 of SubjectPublicKeyInfo (CERTREQ) */
	char key_type[16];      /* "RSA", "EC", "ED25519", "DSA", "?" */
	int key_bits;           /* modulus / curve size; 0 unknown */
	bool has_eku;           /* extendedKeyUsage present */
	unsigned eku;           /* X509INFO_EKU_* bits */
	bool is_ca;             /* basicConstraints cA */
	char san[512];          /* "DNS:a, IP:192.0.2.1, email:b" or "" */
	bool self_signed;       /* issuer == subject */
};

/*
 * Parses one DER certificate (borrowed). RC_OK and *out filled;
 * RC_MALFORMED when it is not a certificate or bytes follow it; RC_SHORT
 * when len is 0; RC_NOMEM. Strings longer than their field are cut.
 */
enum rc x509info_parse(const uint8_t *der, size_t len, struct x509info *out)
    MUST_CHECK;

/*
 * The same, remembering the last X509INFO_CACHE_SLOTS distinct
 * certificates: a gateway sends the same few certificates in thousands
 * of IKE_AUTH messages, and parsing one costs far more than the rest of
 * the message's analysis. A hit is checked byte for byte against the
 * stored DER. Certificates longer than X509INFO_CACHE_MAX_DER are parsed
 * every time.
 */
#define X509INFO_CACHE_SLOTS 64u
#define X509INFO_CACHE_MAX_DER 8192u
struct x509info_cache;
struct x509info_cache *x509info_cache_new(void);
void x509info_cache_free(struct x509info_cache *c);
enum rc x509info_parse_cached(struct x509info_cache *c, const uint8_t *der,
    size_t len, struct x509info *out) MUST_CHECK;

/* Copies one RFC 7296 CERTREQ hash (20 bytes) into hex (41 bytes). */
char *x509info_hex20(const uint8_t h[20], char hex[41]);

#endif
