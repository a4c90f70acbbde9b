/*
 * X.509 certificate facts through libcrypto (see x509info.h). Every
 * libcrypto object is freed on every path (one cleanup label); text
 * goes through memory BIOs cut to the destination size.
 */
#include "analyze/x509info.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* RFC 2253 text of a name into dst (cut to fit). */
static void
name_text(const X509_NAME *n, char *dst, size_t cap)
{
	BIO *b = BIO_new(BIO_s_mem());
	int got;

	dst[0] = '\0';
	if (b == NULL)
		return;
	if (X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253) >= 0) {
		got = BIO_read(b, dst, (int)cap - 1);
		dst[got > 0 ? got : 0] = '\0';
	}
	BIO_free(b);
}

static int64_t
asn1_epoch(const ASN1_TIME *t)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return (int64_t)timegm(&tm);
}

static void
key_facts(X509 *x, struct x509info *o)
{
	EVP_PKEY *pk = X509_get0_pubkey(x);
	int id;

	(void)snprintf(o->key_type, sizeof(o->key_type), "?");
	if (pk == NULL)
		return;
	id = EVP_PKEY_get_base_id(pk);
	o->key_bits = EVP_PKEY_get_bits(pk);
	if (id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS)
		(void)snprintf(o->key_type, sizeof(o->key_type), "RSA");
	else if (id == EVP_PKEY_EC)
		(void)snprintf(o->key_type, sizeof(o->key_type), "EC");
	else if (id == EVP_PKEY_ED25519)
		(void)snprintf(o->key_type, sizeof(o->key_type), "ED25519");
	else if (id == EVP_PKEY_ED448)
		(void)snprintf(o->key_type, sizeof(o->key_type), "ED448");
	else if (id == EVP_PKEY_DSA)
		(void)snprintf(o->key_type, sizeof(o->key_type), "DSA");
}

static void
eku_facts(X509 *x, struct x509info *o)
{
	uint32_t flags = X509_get_extension_flags(x);
	EXTENDED_KEY_USAGE *eku;
	int i, nid;

	o->is_ca = (flags & EXFLAG_CA) != 0;
	o->has_eku = (flags & EXFLAG_XKUSAGE) != 0;
	if (!o->has_eku)
		return;
	eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL);
	for (i = 0; eku != NULL && i < sk_ASN1_OBJECT_num(eku); i++) {
		nid = OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, i));
		if (nid == NID_server_auth)
			o->eku |= X509INFO_EKU_SERVER_AUTH;
		else if (nid == NID_client_auth)
			o->eku |= X509INFO_EKU_CLIENT_AUTH;
		else if (nid == NID_ipsec_IKE)
			o->eku |= X509INFO_EKU_IPSEC_IKE;
		else if (nid == NID_anyExtendedKeyUsage)
			o->eku |= X509INFO_EKU_ANY;
		else if (nid == NID_ipsecEndSystem)
			o->eku |= X509INFO_EKU_IPSEC_END;
		else
			o->eku |= X509INFO_EKU_OTHER;
	}
	EXTENDED_KEY_USAGE_free(eku);
}

/* Appends one SAN entry as "TYPE:value" (comma separated). */
static void
san_add(struct x509info *o, const char *type, const char *val)
{
	size_t n = strlen(o->san);

	if (n + 1 < sizeof(o->san))
		(void)snprintf(o->san + n, sizeof(o->san) - n, "%s%s:%s",
		    n ? ", " : "", type, val);
}

static void
san_facts(X509 *x, struct x509info *o)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL,
	    NULL);
	const GENERAL_NAME *g;
	char buf[256];
	int i, len;

	for (i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens); i++) {
		g = sk_GENERAL_NAME_value(gens, i);
		if (g->type == GEN_DNS || g->type == GEN_EMAIL ||
		    g->type == GEN_URI) {
			len = ASN1_STRING_length(g->d.ia5);
			(void)snprintf(buf, sizeof(buf), "%.*s",
			    len < 200 ? len : 200,
			    (const char *)ASN1_STRING_get0_data(g->d.ia5));
			san_add(o, g->type == GEN_DNS ? "DNS" :
			    g->type == GEN_EMAIL ? "email" : "URI", buf);
		} else if (g->type == GEN_IPADD) {
			const unsigned char *a = ASN1_STRING_get0_data(
			    g->d.ip);

			len = ASN1_STRING_length(g->d.ip);
			if (len == 4)
				(void)snprintf(buf, sizeof(buf), "%u.%u.%u.%u",
				    a[0], a[1], a[2], a[3]);
			else
				(void)snprintf(buf, sizeof(buf), "(%d bytes)",
				    len);
			san_add(o, "IP", buf);
		}
	}
	GENERAL_NAMES_free(gens);
}

static void
serial_text(X509 *x, struct x509info *o)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	char *hex = bn ? BN_bn2hex(bn) : NULL;

	(void)snprintf(o->serial, sizeof(o->serial), "%s", hex ? hex : "");
	OPENSSL_free(hex);
	BN_free(bn);
}

/* SHA-1 of the DER SubjectPublicKeyInfo (RFC 7296 3.7). */
static bool
spki_hash(X509 *x, uint8_t out[20])
{
	unsigned char *der = NULL;
	int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);

	if (n <= 0)
		return false;
	(void)SHA1(der, (size_t)n, out);
	OPENSSL_free(der);
	return true;
}

enum rc
x509info_parse(const uint8_t *der, size_t len, struct x509info *out)
{
	const unsigned char *p = der;
	X509 *x = NULL;
	enum rc rc = RC_OK;

	memset(out, 0, sizeof(*out));
	if (der == NULL || len == 0)
		return RC_SHORT;
	if (len > INT_MAX)
		return RC_MALFORMED;
	x = d2i_X509(NULL, &p, (long)len);
	if (x == NULL || (size_t)(p - der) != len) {
		rc = RC_MALFORMED;
		goto out;
	}
	name_text(X509_get_subject_name(x), out->subject,
	    sizeof(out->subject));
	name_text(X509_get_issuer_name(x), out->issuer, sizeof(out->issuer));
	out->self_signed = X509_NAME_cmp(X509_get_subject_name(x),
	    X509_get_issuer_name(x)) == 0;
	out->not_before = asn1_epoch(X509_get0_notBefore(x));
	out->not_after = asn1_epoch(X509_get0_notAfter(x));
	(void)SHA1(der, len, out->sha1);
	if (!spki_hash(x, out->spki_sha1)) {
		rc = RC_MALFORMED;
		goto out;
	}
	serial_text(x, out);
	key_facts(x, out);
	eku_facts(x, out);
	san_facts(x, out);
out:
	X509_free(x);
	return rc;
}

struct cache_entry {
	uint64_t hash;
	size_t len;             /* 0: empty */
	uint8_t *der;           /* owned copy */
	enum rc rc;
	struct x509info info;
};

struct x509info_cache {
	struct cache_entry e[X509INFO_CACHE_SLOTS];
};

struct x509info_cache *
x509info_cache_new(void)
{
	return calloc(1, sizeof(struct x509info_cache));
}

void
x509info_cache_free(struct x509info_cache *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < X509INFO_CACHE_SLOTS; i++)
		free(c->e[i].der);
	free(c);
}

/*
 * FNV-1a over the length, the first and the last 64 bytes: the serial
 * number sits near the start and the signature at the end, so different
 * certificates differ there; hashing every byte cost more than the
 * memcmp that confirms a hit. Collisions only cost a re-parse.
 */
static uint64_t
der_hash(const uint8_t *der, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ len;
	size_t i, head = len < 64 ? len : 64;

	for (i = 0; i < head; i++)
		h = (h ^ der[i]) * 0x100000001b3ULL;
	for (i = len - head; i < len; i++)
		h = (h ^ der[i]) * 0x100000001b3ULL;
	return h;
}

enum rc
x509info_parse_cached(struct x509info_cache *c, const uint8_t *der,
    size_t len, struct x509info *out)
{
	struct cache_entry *e;
	uint64_t h;
	uint8_t *copy;
	enum rc rc;

	if (c == NULL || der == NULL || len == 0 ||
	    len > X509INFO_CACHE_MAX_DER)
		return x509info_parse(der, len, out);
	h = der_hash(der, len);
	e = &c->e[h % X509INFO_CACHE_SLOTS];
	if (e->len == len && e->hash == h && memcmp(e->der, der, len) == 0) {
		*out = e->info;
		return e->rc;
	}
	rc = x509info_parse(der, len, out);
	if ((copy = realloc(e->der, len)) == NULL) {
		free(e->der);
		memset(e, 0, sizeof(*e));
		return rc;
	}
	e->rc = rc;
	memcpy(copy, der, len);
	e->der = copy;
	e->len = len;
	e->hash = h;
	e->info = *out;
	return e->rc;
}

char *
x509info_hex20(const uint8_t h[20], char hex[41])
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < 20; i++) {
		hex[2 * i] = digits[h[i] >> 4];
		hex[2 * i + 1] = digits[h[i] & 15];
	}
	hex[40] = '\0';
	return hex;
}
