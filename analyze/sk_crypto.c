/*
 * IKEv2 SK/SKF and ESP integrity check and decryption (see sk_crypto.h for
 * the RFC list). Two private tables describe the algorithms by IANA id;
 * OpenSSL 3 EVP objects are fetched once per context and key schedules
 * are reused while the same struct secret (by serial) is in use, so the
 * per-message work is the MAC and the cipher over the bytes.
 *
 * Order of operations follows RFC 7296 3.14: the ICV is verified before
 * decryption; AEAD modes verify the tag over AAD and ciphertext and only
 * then is plaintext handed out.
 */
#include "analyze/sk_crypto.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "formats/limits.h"
#include "formats/rd.h"

#define IKE_HDR_LEN 28u  /* RFC 7296 3.1 */
#define PLD_SK 46u       /* RFC 7296 3.14 */
#define PLD_SKF 53u      /* RFC 7383 2.5 */
#define MAC_MAX 64u      /* largest MAC output (SHA-512) */
#define XCBC_BLOCK 16u

enum sk_mode { MODE_NULL, MODE_CBC, MODE_CTR, MODE_GCM, MODE_CCM,
	MODE_CHACHA };

struct encr_alg {
	uint16_t id;          /* IANA Transform Type 1 */
	enum sk_mode mode;
	uint8_t iv_len;       /* explicit IV on the wire */
	uint8_t block_len;    /* ciphertext multiple */
	uint8_t salt_len;     /* key bytes past the cipher key */
	uint8_t icv_len;      /* AEAD tag; 0 otherwise */
	uint16_t fixed_bits;  /* key size when not negotiable; 0 = AES */
	const char *name;     /* IANA name */
	const char *ossl;     /* OpenSSL name, or AES mode suffix */
};

/*
 * CBC rows name the ECB cipher: we chain the blocks ourselves (P_i =
 * D(C_i) xor C_(i-1), RFC 3602 / NIST SP 800-38A 6.2), so a keyed
 * context never needs re-initialising for the next message's IV, which
 * in OpenSSL 3 costs more than decrypting a short message.
 */

/* Sorted by id. RFC 2451, 2410, 3602, 5930, 5282, 7634. */
static const struct encr_alg encr_algs[] = {
	{3, MODE_CBC, 8, 8, 0, 0, 192, "3DES", "DES-EDE3-ECB"},
	{11, MODE_NULL, 0, 1, 0, 0, 0, "NULL", NULL},
	{12, MODE_CBC, 16, 16, 0, 0, 0, "AES_CBC", "ECB"},
	{13, MODE_CTR, 8, 1, 4, 0, 0, "AES_CTR", "CTR"},
	{14, MODE_CCM, 8, 1, 3, 8, 0, "AES_CCM_8", "CCM"},
	{15, MODE_CCM, 8, 1, 3, 12, 0, "AES_CCM_12", "CCM"},
	{16, MODE_CCM, 8, 1, 3, 16, 0, "AES_CCM_16", "CCM"},
	{18, MODE_GCM, 8, 1, 4, 8, 0, "AES_GCM_8", "GCM"},
	{19, MODE_GCM, 8, 1, 4, 12, 0, "AES_GCM_12", "GCM"},
	{20, MODE_GCM, 8, 1, 4, 16, 0, "AES_GCM_16", "GCM"},
	{28, MODE_CHACHA, 8, 1, 4, 16, 256, "CHACHA20_POLY1305",
	    "ChaCha20-Poly1305"},
};
#define N_ENCR (sizeof(encr_algs) / sizeof(encr_algs[0]))

enum mac_kind { MAC_HMAC, MAC_XCBC, MAC_CMAC, MAC_NOCHECK };

struct integ_alg {
	uint16_t id;          /* IANA Transform Type 3 (or NOCHECK) */
	enum mac_kind kind;
	uint8_t key_len;      /* SK_a bytes */
	uint8_t icv_len;      /* truncated output */
	const char *name;
	const char *digest;   /* HMAC digest name */
};

/* Sorted by id. RFC 2403, 2404, 3566, 4595, 4494, 4868. */
static const struct integ_alg integ_algs[] = {
	{1, MAC_HMAC, 16, 12, "HMAC_MD5_96", "MD5"},
	{2, MAC_HMAC, 20, 12, "HMAC_SHA1_96", "SHA1"},
	{5, MAC_XCBC, 16, 12, "AES_XCBC_96", NULL},
	{6, MAC_HMAC, 16, 16, "HMAC_MD5_128", "MD5"},
	{7, MAC_HMAC, 20, 20, "HMAC_SHA1_160", "SHA1"},
	{8, MAC_CMAC, 16, 12, "AES_CMAC_96", NULL},
	{12, MAC_HMAC, 32, 16, "HMAC_SHA2_256_128", "SHA2-256"},
	{13, MAC_HMAC, 48, 24, "HMAC_SHA2_384_192", "SHA2-384"},
	{14, MAC_HMAC, 64, 32, "HMAC_SHA2_512_256", "SHA2-512"},
	{SK_INTEG_NOCHECK(0), MAC_NOCHECK, 0, 0, "NONE", NULL},
	{SK_INTEG_NOCHECK(8), MAC_NOCHECK, 0, 8, "NOCHECK_64", NULL},
	{SK_INTEG_NOCHECK(12), MAC_NOCHECK, 0, 12, "NOCHECK_96", NULL},
	{SK_INTEG_NOCHECK(16), MAC_NOCHECK, 0, 16, "NOCHECK_128", NULL},
	{SK_INTEG_NOCHECK(20), MAC_NOCHECK, 0, 20, "NOCHECK_160", NULL},
	{SK_INTEG_NOCHECK(24), MAC_NOCHECK, 0, 24, "NOCHECK_192", NULL},
	{SK_INTEG_NOCHECK(32), MAC_NOCHECK, 0, 32, "NOCHECK_256", NULL},
};
#define N_INTEG (sizeof(integ_algs) / sizeof(integ_algs[0]))

/*
 * Keyed contexts, cached by key. A gateway capture interleaves thousands
 * of SAs, so consecutive messages rarely share a key; re-keying an
 * OpenSSL context costs far more than the message's own crypto (provider
 * dispatch, allocation, HMAC pads). A direct-mapped table keyed by the
 * secret's serial keeps one context per recently used key; a collision
 * just re-keys the slot. Contexts are created on first use.
 */
#define KEYED_SLOTS 2048u

struct keyed_cipher {
	EVP_CIPHER_CTX *x;
	const EVP_CIPHER *alg;  /* algorithm keyed in x */
	uint64_t key;           /* secret serial keyed; 0 = none */
};

struct keyed_mac {
	EVP_MAC_CTX *m;
	size_t row;             /* integ row m was made for */
	uint64_t key;           /* secret serial keyed; 0 = none */
};

struct sk_ctx {
	EVP_CIPHER *ciphers[N_ENCR][3]; /* fetched lazily, by key size */
	struct keyed_cipher kcs[KEYED_SLOTS];
	struct keyed_cipher *kc;        /* the slot in use */
	EVP_MAC *hmac, *cmac;
	struct keyed_mac kms[KEYED_SLOTS];
	EVP_CIPHER *aes128_ecb;         /* XCBC (RFC 3566) */
	EVP_CIPHER_CTX *xctx;           /* AES-128-ECB keyed with K1 */
	uint8_t xk2[XCBC_BLOCK], xk3[XCBC_BLOCK];
	uint64_t xcbc_key;              /* secret serial K1..K3 derive from */
	uint8_t *scratch;               /* check-only plaintext; wiped */
	size_t scratch_cap;
	char msg[200];                  /* last error */
};

/* A byte range fed to a MAC or as AEAD AAD. */
struct seg {
	const uint8_t *p;
	size_t n;
};

static enum rc __attribute__((format(printf, 3, 4)))
fail(struct sk_ctx *c, enum rc rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
	va_end(ap);
	return rc;
}

static const struct encr_alg *
find_encr(uint16_t id, size_t *row)
{
	size_t i;

	for (i = 0; i < N_ENCR; i++) {
		if (encr_algs[i].id == id) {
			if (row != NULL)
				*row = i;
			return &encr_algs[i];
		}
	}
	return NULL;
}

static const struct integ_alg *
find_integ(uint16_t id, size_t *row)
{
	size_t i;

	for (i = 0; i < N_INTEG; i++) {
		if (integ_algs[i].id == id) {
			if (row != NULL)
				*row = i;
			return &integ_algs[i];
		}
	}
	return NULL;
}

/* Key bits actually used (fixed size, or the negotiated AES size); 0 when
 * the size is not allowed. Index 0..2 into ctx->ciphers. */
static unsigned
encr_bits(const struct encr_alg *ea, uint16_t bits, size_t *idx)
{
	*idx = 0;
	if (ea->mode == MODE_NULL)
		return bits == 0 ? 0 : UINT_MAX;
	if (ea->fixed_bits != 0)
		return bits == 0 || bits == ea->fixed_bits ? ea->fixed_bits : 0;
	switch (bits) {
	case 128:
		*idx = 0;
		return 128;
	case 192:
		*idx = 1;
		return 192;
	case 256:
		*idx = 2;
		return 256;
	default:
		return 0;
	}
}

bool
sk_suite_is_aead(const struct sk_suite *s)
{
	const struct encr_alg *ea = find_encr(s->encr_id, NULL);

	return ea != NULL && ea->icv_len > 0;
}

bool
sk_suite_supported(const struct sk_suite *s)
{
	const struct encr_alg *ea = find_encr(s->encr_id, NULL);
	size_t idx;

	if (ea == NULL || encr_bits(ea, s->encr_key_bits, &idx) == 0)
		return false;
	if (ea->icv_len > 0)
		return s->integ_id == 0;
	return find_integ(s->integ_id, NULL) != NULL;
}

size_t
sk_suite_iv_len(const struct sk_suite *s)
{
	const struct encr_alg *ea = find_encr(s->encr_id, NULL);

	return ea ? ea->iv_len : 0;
}

size_t
sk_suite_icv_len(const struct sk_suite *s)
{
	const struct encr_alg *ea = find_encr(s->encr_id, NULL);
	const struct integ_alg *ia;

	if (ea != NULL && ea->icv_len > 0)
		return ea->icv_len;
	ia = find_integ(s->integ_id, NULL);
	return ia ? ia->icv_len : 0;
}

size_t
sk_suite_block_len(const struct sk_suite *s)
{
	const struct encr_alg *ea = find_encr(s->encr_id, NULL);

	return ea ? ea->block_len : 0;
}

size_t
sk_suite_encr_key_len(const struct sk_suite *s)
{
	const struct encr_alg *ea = find_encr(s->encr_id, NULL);
	unsigned bits;
	size_t idx;

	if (ea == NULL)
		return 0;
	bits = encr_bits(ea, s->encr_key_bits, &idx);
	if (bits == 0)
		return 0;
	if (ea->mode == MODE_NULL)
		return 0;
	return bits / 8 + ea->salt_len;
}

size_t
sk_suite_integ_key_len(const struct sk_suite *s)
{
	const struct integ_alg *ia;

	if (sk_suite_is_aead(s))
		return 0;
	ia = find_integ(s->integ_id, NULL);
	return ia ? ia->key_len : 0;
}

char *
sk_suite_name(const struct sk_suite *s, char *dst, size_t len)
{
	const struct encr_alg *ea = find_encr(s->encr_id, NULL);
	const struct integ_alg *ia = find_integ(s->integ_id, NULL);
	char e[40], i[40];

	if (ea == NULL)
		(void)snprintf(e, sizeof(e), "ENCR_%u", s->encr_id);
	else if (ea->fixed_bits == 0 && ea->mode != MODE_NULL)
		(void)snprintf(e, sizeof(e), "%s_%u", ea->name,
		    s->encr_key_bits);
	else
		(void)snprintf(e, sizeof(e), "%s", ea->name);
	if (ia == NULL)
		(void)snprintf(i, sizeof(i), "INTEG_%u", s->integ_id);
	else
		(void)snprintf(i, sizeof(i), "%s", ia->name);
	if (s->integ_id == 0)
		(void)snprintf(dst, len, "%s", e);
	else
		(void)snprintf(dst, len, "%s/%s", e, i);
	return dst;
}

struct sk_ctx *
sk_ctx_new(void)
{
	struct sk_ctx *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->xctx = EVP_CIPHER_CTX_new();
	c->hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	c->cmac = EVP_MAC_fetch(NULL, "CMAC", NULL);
	c->aes128_ecb = EVP_CIPHER_fetch(NULL, "AES-128-ECB", NULL);
	if (c->xctx == NULL || c->hmac == NULL ||
	    c->cmac == NULL || c->aes128_ecb == NULL) {
		sk_ctx_free(c);
		return NULL;
	}
	return c;
}

void
sk_ctx_free(struct sk_ctx *c)
{
	size_t i, j;

	if (c == NULL)
		return;
	for (i = 0; i < N_ENCR; i++)
		for (j = 0; j < 3; j++)
			EVP_CIPHER_free(c->ciphers[i][j]);
	for (i = 0; i < KEYED_SLOTS; i++) {
		EVP_MAC_CTX_free(c->kms[i].m);
		EVP_CIPHER_CTX_free(c->kcs[i].x);
	}
	EVP_CIPHER_CTX_free(c->xctx);
	EVP_MAC_free(c->hmac);
	EVP_MAC_free(c->cmac);
	EVP_CIPHER_free(c->aes128_ecb);
	if (c->scratch != NULL) {
		explicit_bzero(c->scratch, c->scratch_cap);
		free(c->scratch);
	}
	explicit_bzero(c, sizeof(*c));
	free(c);
}

const char *
sk_ctx_errmsg(const struct sk_ctx *c)
{
	return c->msg;
}

/* The OpenSSL cipher for a table row and key size, fetched once. */
static const EVP_CIPHER *
get_cipher(struct sk_ctx *c, size_t row, unsigned bits, size_t idx)
{
	const struct encr_alg *ea = &encr_algs[row];
	char name[48];

	if (c->ciphers[row][idx] != NULL)
		return c->ciphers[row][idx];
	if (ea->fixed_bits != 0)
		(void)snprintf(name, sizeof(name), "%s", ea->ossl);
	else
		(void)snprintf(name, sizeof(name), "AES-%u-%s", bits,
		    ea->ossl);
	c->ciphers[row][idx] = EVP_CIPHER_fetch(NULL, name, NULL);
	return c->ciphers[row][idx];
}

/* Scratch space of n bytes (check-only decryption); wiped by callers. */
static uint8_t *
scratch(struct sk_ctx *c, size_t n)
{
	uint8_t *p;

	if (n <= c->scratch_cap)
		return c->scratch;
	p = malloc(n);
	if (p == NULL)
		return NULL;
	if (c->scratch != NULL) {
		explicit_bzero(c->scratch, c->scratch_cap);
		free(c->scratch);
	}
	c->scratch = p;
	c->scratch_cap = n;
	return p;
}

/* --- integrity ------------------------------------------------------ */

/* Encrypts one block with the ECB context (XCBC helper). */
static bool
ecb_block(EVP_CIPHER_CTX *x, const uint8_t in[XCBC_BLOCK],
    uint8_t out[XCBC_BLOCK])
{
	int n = 0;

	return EVP_EncryptUpdate(x, out, &n, in, XCBC_BLOCK) == 1 &&
	    n == XCBC_BLOCK;
}

/* RFC 3566 4: K1, K2, K3 from K; xctx ends up keyed with K1. */
static bool
xcbc_setkey(struct sk_ctx *c, const struct secret *key)
{
	uint8_t k1[XCBC_BLOCK], cst[XCBC_BLOCK];
	bool ok;

	if (c->xcbc_key == secret_serial(key))
		return true;
	c->xcbc_key = 0;
	ok = EVP_EncryptInit_ex(c->xctx, c->aes128_ecb, NULL,
	    secret_data(key), NULL) == 1;
	(void)EVP_CIPHER_CTX_set_padding(c->xctx, 0);
	memset(cst, 0x01, sizeof(cst));
	ok = ok && ecb_block(c->xctx, cst, k1);
	memset(cst, 0x02, sizeof(cst));
	ok = ok && ecb_block(c->xctx, cst, c->xk2);
	memset(cst, 0x03, sizeof(cst));
	ok = ok && ecb_block(c->xctx, cst, c->xk3);
	ok = ok && EVP_EncryptInit_ex(c->xctx, c->aes128_ecb, NULL, k1,
	    NULL) == 1;
	(void)EVP_CIPHER_CTX_set_padding(c->xctx, 0);
	explicit_bzero(k1, sizeof(k1));
	if (ok)
		c->xcbc_key = secret_serial(key);
	return ok;
}

/* RFC 3566 4: AES-XCBC-MAC over the concatenated segments (full 16
 * bytes into out). The last block, full or 10*-padded, is XORed with K2
 * or K3 before its encryption. */
static bool
xcbc_mac(struct sk_ctx *c, const struct secret *key, const struct seg *sg,
    size_t nseg, uint8_t out[XCBC_BLOCK])
{
	uint8_t e[XCBC_BLOCK] = {0}, blk[XCBC_BLOCK];
	size_t have = 0, i, j, k;

	if (!xcbc_setkey(c, key))
		return false;
	for (i = 0; i < nseg; i++) {
		for (j = 0; j < sg[i].n; j++) {
			if (have == XCBC_BLOCK) {
				/* Not the last block: more input follows. */
				for (k = 0; k < XCBC_BLOCK; k++)
					blk[k] ^= e[k];
				if (!ecb_block(c->xctx, blk, e))
					return false;
				have = 0;
			}
			blk[have++] = sg[i].p[j];
		}
	}
	if (have == XCBC_BLOCK) {
		for (k = 0; k < XCBC_BLOCK; k++)
			blk[k] ^= c->xk2[k];
	} else {
		blk[have++] = 0x80;
		while (have < XCBC_BLOCK)
			blk[have++] = 0;
		for (k = 0; k < XCBC_BLOCK; k++)
			blk[k] ^= c->xk3[k];
	}
	for (k = 0; k < XCBC_BLOCK; k++)
		blk[k] ^= e[k];
	return ecb_block(c->xctx, blk, out);
}

static size_t
slot_of(uint64_t serial)
{
	return (size_t)((serial * 0x9e3779b97f4a7c15ULL) >> 32) &
	    (KEYED_SLOTS - 1);
}

/* A new EVP_MAC context for an integ row, with its parameters. */
static EVP_MAC_CTX *
new_mac(struct sk_ctx *c, size_t row)
{
	const struct integ_alg *ia = &integ_algs[row];
	OSSL_PARAM p[2];
	EVP_MAC_CTX *m;

	if (ia->kind == MAC_HMAC) {
		m = EVP_MAC_CTX_new(c->hmac);
		p[0] = OSSL_PARAM_construct_utf8_string(
		    OSSL_MAC_PARAM_DIGEST, (char *)(uintptr_t)ia->digest, 0);
	} else {
		m = EVP_MAC_CTX_new(c->cmac);
		p[0] = OSSL_PARAM_construct_utf8_string(
		    OSSL_MAC_PARAM_CIPHER, (char *)(uintptr_t)"AES-128-CBC",
		    0);
	}
	p[1] = OSSL_PARAM_construct_end();
	if (m != NULL && EVP_MAC_CTX_set_params(m, p) != 1) {
		EVP_MAC_CTX_free(m);
		m = NULL;
	}
	return m;
}

/* The cached MAC slot for key, holding a context of integ row row. */
static struct keyed_mac *
get_mac(struct sk_ctx *c, size_t row, const struct secret *key)
{
	struct keyed_mac *k = &c->kms[slot_of(secret_serial(key))];

	if (k->m != NULL && k->row == row)
		return k;
	EVP_MAC_CTX_free(k->m);
	k->m = new_mac(c, row);
	k->row = row;
	k->key = 0;
	return k->m != NULL ? k : NULL;
}

/* Points c->kc at the cipher slot for key, creating its context. */
static bool
use_cipher_slot(struct sk_ctx *c, const struct secret *key)
{
	c->kc = &c->kcs[slot_of(secret_serial(key))];
	if (c->kc->x == NULL) {
		c->kc->x = EVP_CIPHER_CTX_new();
		c->kc->alg = NULL;
		c->kc->key = 0;
	}
	return c->kc->x != NULL;
}

/* Full (untruncated) MAC of the segments into out (MAC_MAX bytes). */
static enum rc
mac_compute(struct sk_ctx *c, size_t row, const struct secret *key,
    const struct seg *sg, size_t nseg, uint8_t *out, size_t *out_len)
{
	const struct integ_alg *ia = &integ_algs[row];
	struct keyed_mac *k;
	size_t i, outl = 0;
	int ok;

	*out_len = XCBC_BLOCK;
	if (ia->kind == MAC_XCBC)
		return xcbc_mac(c, key, sg, nseg, out) ? RC_OK :
		    fail(c, RC_CRYPTO, "AES-XCBC computation failed");
	k = get_mac(c, row, key);
	if (k == NULL)
		return fail(c, RC_CRYPTO, "%s not available", ia->name);
	if (k->key == secret_serial(key)) {
		ok = EVP_MAC_init(k->m, NULL, 0, NULL);
	} else {
		k->key = 0;
		ok = EVP_MAC_init(k->m, secret_data(key), secret_len(key),
		    NULL);
		if (ok == 1)
			k->key = secret_serial(key);
	}
	for (i = 0; ok == 1 && i < nseg; i++)
		ok = EVP_MAC_update(k->m, sg[i].p, sg[i].n);
	if (ok == 1)
		ok = EVP_MAC_final(k->m, out, &outl, MAC_MAX);
	if (ok != 1 || outl < ia->icv_len) {
		k->key = 0;
		return fail(c, RC_CRYPTO, "%s computation failed", ia->name);
	}
	*out_len = outl;
	return RC_OK;
}

/* Compares the truncated MAC with icv: RC_OK or RC_AUTH. */
static enum rc
mac_verify(struct sk_ctx *c, size_t row, const struct secret *key,
    const struct seg *sg, size_t nseg, const uint8_t *icv, size_t icv_off)
{
	const struct integ_alg *ia = &integ_algs[row];
	uint8_t mac[MAC_MAX];
	size_t maclen;
	enum rc rc;

	rc = mac_compute(c, row, key, sg, nseg, mac, &maclen);
	if (rc != RC_OK)
		return rc;
	rc = CRYPTO_memcmp(mac, icv, ia->icv_len) == 0 ? RC_OK : RC_AUTH;
	explicit_bzero(mac, sizeof(mac));
	if (rc == RC_AUTH)
		return fail(c, RC_AUTH, "%s ICV (%u bytes at offset %zu) does "
		    "not match: wrong SK_a or corrupt message", ia->name,
		    ia->icv_len, icv_off);
	return RC_OK;
}

/* --- confidentiality ------------------------------------------------ */

/* Everything a decryption needs, resolved from the suite and keys. */
struct cipher_job {
	const struct encr_alg *ea;
	const EVP_CIPHER *alg;      /* NULL for MODE_NULL */
	const struct secret *key;   /* cipher key || salt */
	size_t key_len;             /* cipher key bytes (without salt) */
	const uint8_t *iv;          /* explicit IV (view) */
	const uint8_t *ct;          /* ciphertext (view) */
	size_t ct_len;
	const uint8_t *tag;         /* AEAD tag (view) */
	struct seg aad[2];          /* AEAD associated data */
	size_t naad;
};

/* Loads key (unless already keyed) and iv into the bulk context. */
static bool
cctx_init(struct sk_ctx *c, const struct cipher_job *j, const uint8_t *iv)
{
	bool same;
	int ok;

	if (!use_cipher_slot(c, j->key))
		return false;
	same = c->kc->alg == j->alg && c->kc->key == secret_serial(j->key);

	if (same && iv == NULL) {
		ok = 1; /* ECB: nothing to reset */
	} else if (same) {
		ok = EVP_DecryptInit_ex(c->kc->x, NULL, NULL, NULL, iv);
	} else {
		c->kc->key = 0;
		c->kc->alg = NULL;
		ok = EVP_DecryptInit_ex(c->kc->x, j->alg, NULL,
		    secret_data(j->key), iv);
		/* The flag survives IV-only re-inits of the same key. */
		if (ok == 1)
			ok = EVP_CIPHER_CTX_set_padding(c->kc->x, 0);
		if (ok == 1) {
			c->kc->alg = j->alg;
			c->kc->key = secret_serial(j->key);
		}
	}
	return ok == 1;
}

/* CBC over the ECB context: ECB-decrypt every block, then xor each with
 * the ciphertext block before it (the IV for the first). pt != ct. */
static enum rc
cbc_decrypt(struct sk_ctx *c, const struct cipher_job *j, uint8_t *pt)
{
	size_t b = j->ea->block_len, i, k;
	int n1 = 0;

	if (!cctx_init(c, j, NULL) ||
	    EVP_DecryptUpdate(c->kc->x, pt, &n1, j->ct, (int)j->ct_len) != 1 ||
	    (size_t)n1 != j->ct_len) {
		c->kc->key = 0;
		return fail(c, RC_CRYPTO, "%s decryption failed", j->ea->name);
	}
	for (i = 0; i < j->ct_len; i += b)
		for (k = 0; k < b; k++)
			pt[i + k] ^= i == 0 ? j->iv[k] : j->ct[i - b + k];
	return RC_OK;
}

/* CBC, or CTR (RFC 3686 4: counter block = nonce | IV | 1), into pt. */
static enum rc
plain_decrypt(struct sk_ctx *c, const struct cipher_job *j, uint8_t *pt)
{
	uint8_t ivb[16];
	int n1 = 0, n2 = 0;
	struct rd r;

	if (j->ea->mode == MODE_NULL) {
		r = rd_init(j->ct, j->ct_len);
		return rd_copy(&r, pt, j->ct_len) ? RC_OK : RC_SHORT;
	}
	if (j->ea->mode == MODE_CBC)
		return cbc_decrypt(c, j, pt);
	memcpy(ivb, secret_data(j->key) + j->key_len, 4);
	memcpy(ivb + 4, j->iv, 8);
	ivb[12] = 0;
	ivb[13] = 0;
	ivb[14] = 0;
	ivb[15] = 1;
	if (!cctx_init(c, j, ivb) ||
	    EVP_DecryptUpdate(c->kc->x, pt, &n1, j->ct, (int)j->ct_len) != 1 ||
	    EVP_DecryptFinal_ex(c->kc->x, pt + n1, &n2) != 1 ||
	    (size_t)n1 + (size_t)n2 != j->ct_len) {
		c->kc->key = 0;
		return fail(c, RC_CRYPTO, "%s decryption failed", j->ea->name);
	}
	return RC_OK;
}

/* CCM needs lengths and tag before the key (RFC 4309 4, 11-byte nonce). */
static bool
ccm_setup(struct sk_ctx *c, const struct cipher_job *j, const uint8_t *nonce)
{
	int n = 0;

	if (!use_cipher_slot(c, j->key))
		return false;
	c->kc->key = 0;
	c->kc->alg = NULL;
	return EVP_DecryptInit_ex(c->kc->x, j->alg, NULL, NULL, NULL) == 1 &&
	    EVP_CIPHER_CTX_ctrl(c->kc->x, EVP_CTRL_AEAD_SET_IVLEN, 11,
		NULL) == 1 &&
	    EVP_CIPHER_CTX_ctrl(c->kc->x, EVP_CTRL_AEAD_SET_TAG,
		j->ea->icv_len, (void *)(uintptr_t)j->tag) == 1 &&
	    EVP_DecryptInit_ex(c->kc->x, NULL, NULL, secret_data(j->key),
		nonce) == 1 &&
	    EVP_DecryptUpdate(c->kc->x, NULL, &n, NULL, (int)j->ct_len) == 1;
}

/* AEAD open (RFC 5282 4/5, RFC 7634 3): nonce = salt | IV, tag checked
 * before success is reported. RC_OK, RC_AUTH or RC_CRYPTO; on RC_AUTH
 * pt holds garbage the caller wipes. */
static enum rc
aead_decrypt(struct sk_ctx *c, const struct cipher_job *j, uint8_t *pt)
{
	uint8_t nonce[12];
	size_t salt = j->ea->salt_len, i;
	int n = 0, ok;
	bool ccm = j->ea->mode == MODE_CCM;

	memcpy(nonce, secret_data(j->key) + j->key_len, salt);
	memcpy(nonce + salt, j->iv, 8);
	if (ccm) {
		ok = ccm_setup(c, j, nonce);
	} else {
		ok = cctx_init(c, j, nonce) &&
		    EVP_CIPHER_CTX_ctrl(c->kc->x, EVP_CTRL_AEAD_SET_TAG,
			j->ea->icv_len, (void *)(uintptr_t)j->tag) == 1;
	}
	for (i = 0; ok && i < j->naad; i++)
		ok = EVP_DecryptUpdate(c->kc->x, NULL, &n, j->aad[i].p,
		    (int)j->aad[i].n) == 1;
	if (!ok) {
		c->kc->key = 0;
		return fail(c, RC_CRYPTO, "%s setup failed", j->ea->name);
	}
	/* CCM verifies the tag inside the update; the others in final. */
	ok = EVP_DecryptUpdate(c->kc->x, pt, &n, j->ct, (int)j->ct_len) == 1;
	if (ok && !ccm)
		ok = EVP_DecryptFinal_ex(c->kc->x, pt + n, &n) == 1;
	if (!ok) {
		if (ccm)
			c->kc->key = 0;
		return fail(c, RC_AUTH, "%s tag (%u bytes) does not match: "
		    "wrong SK_e or corrupt message", j->ea->name,
		    j->ea->icv_len);
	}
	return RC_OK;
}

/* Resolves suite and keys into j (algorithm rows, key length checks). */
static enum rc
job_setup(struct sk_ctx *c, const struct sk_suite *s,
    const struct secret *ekey, const struct secret *akey, bool need_akey,
    struct cipher_job *j, size_t *irow)
{
	size_t row, idx;
	unsigned bits;

	memset(j, 0, sizeof(*j));
	j->ea = find_encr(s->encr_id, &row);
	if (j->ea == NULL || !sk_suite_supported(s))
		return fail(c, RC_UNSUPPORTED, "suite encr %u/%u bits integ "
		    "%u not supported", s->encr_id, s->encr_key_bits,
		    s->integ_id);
	bits = encr_bits(j->ea, s->encr_key_bits, &idx);
	if (j->ea->icv_len == 0)
		(void)find_integ(s->integ_id, irow);
	if (j->ea->mode != MODE_NULL) {
		if (ekey == NULL)
			return fail(c, RC_NOKEY, "no encryption key");
		if (secret_len(ekey) != sk_suite_encr_key_len(s))
			return fail(c, RC_INVAL, "encryption key is %zu bytes, "
			    "%s needs %zu", secret_len(ekey), j->ea->name,
			    sk_suite_encr_key_len(s));
		j->alg = get_cipher(c, row, bits, idx);
		if (j->alg == NULL)
			return fail(c, RC_UNSUPPORTED, "libcrypto lacks %s",
			    j->ea->name);
		j->key = ekey;
		j->key_len = bits / 8;
	}
	if (j->ea->icv_len > 0 || integ_algs[*irow].kind == MAC_NOCHECK)
		return RC_OK;
	if (akey == NULL)
		return need_akey ? fail(c, RC_NOKEY, "no integrity key") :
		    RC_OK;
	/* XCBC and CMAC read exactly 16 key bytes. */
	if (integ_algs[*irow].kind != MAC_HMAC &&
	    secret_len(akey) != integ_algs[*irow].key_len)
		return fail(c, RC_INVAL, "integrity key is %zu bytes, %s needs "
		    "%u", secret_len(akey), integ_algs[*irow].name,
		    integ_algs[*irow].key_len);
	if (secret_len(akey) == 0)
		return fail(c, RC_INVAL, "integrity key is empty");
	return RC_OK;
}

enum rc
sk_mac(struct sk_ctx *c, uint16_t integ_id, const struct secret *key,
    const uint8_t *data, size_t len, uint8_t *out, size_t *out_len)
{
	struct seg sg = {data, len};
	size_t row;
	const struct integ_alg *ia = find_integ(integ_id, &row);

	c->msg[0] = '\0';
	if (ia == NULL || ia->kind == MAC_NOCHECK)
		return fail(c, RC_UNSUPPORTED, "integ %u", integ_id);
	if (ia->kind != MAC_HMAC && secret_len(key) != ia->key_len)
		return fail(c, RC_INVAL, "%s key is %zu bytes, needs %u",
		    ia->name, secret_len(key), ia->key_len);
	if (ia->kind == MAC_HMAC && secret_len(key) == 0)
		return fail(c, RC_INVAL, "integrity key is empty");
	return mac_compute(c, row, key, &sg, 1, out, out_len);
}

enum rc
sk_cipher_decrypt(struct sk_ctx *c, const struct sk_suite *s,
    const struct secret *key, const uint8_t *iv, const uint8_t *aad,
    size_t aad_len, const uint8_t *ct, size_t len, const uint8_t *tag,
    uint8_t *pt)
{
	struct cipher_job j;
	size_t irow = 0;
	enum rc rc;

	c->msg[0] = '\0';
	rc = job_setup(c, s, key, NULL, false, &j, &irow);
	if (rc != RC_OK)
		return rc;
	if (len > INT_MAX || (len % j.ea->block_len) != 0)
		return fail(c, RC_MALFORMED, "length %zu", len);
	j.iv = iv;
	j.ct = ct;
	j.ct_len = len;
	j.tag = tag;
	j.aad[0].p = aad;
	j.aad[0].n = aad_len;
	j.naad = 1;
	return j.ea->icv_len > 0 ? aead_decrypt(c, &j, pt) :
	    plain_decrypt(c, &j, pt);
}

/* --- IKEv2 SK / SKF --------------------------------------------------- */

/* Where the pieces of one SK/SKF payload are (views into the message). */
struct sk_layout {
	struct seg auth;      /* msg[0..ICV): what the MAC covers */
	struct seg aad;       /* msg[0..IV): AEAD associated data */
	const uint8_t *iv;
	const uint8_t *ct;
	size_t ct_len;
	const uint8_t *icv;
	size_t icv_len;
};

/*
 * RFC 7296 3.14 Encrypted payload, RFC 7383 2.5 Encrypted Fragment:
 *
 *                      1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Payload  |C|  RESERVED   |         Payload Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Fragment Number (SKF only)   | Total Fragments (SKF only)    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                     Initialization Vector                     |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                    Encrypted IKE Payloads                     ~
 * +               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |               |             Padding (0-255 octets)            |
 * +-+-+-+-+-+-+-+-+                               +-+-+-+-+-+-+-+-+
 * |                                               |  Pad Length   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                    Integrity Checksum Data                    ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
static enum rc
sk_parse(struct sk_ctx *c, const uint8_t *msg, size_t msg_len, size_t off,
    uint8_t type, const struct sk_suite *s, struct sk_layout *l,
    struct sk_result *res)
{
	struct rd m = rd_init(msg, msg_len), whole = m, body, icv;
	size_t hdr = type == PLD_SKF ? 8 : 4, iv_len = sk_suite_iv_len(s);
	size_t block = sk_suite_block_len(s);
	uint16_t plen;

	memset(res, 0, sizeof(*res));
	memset(l, 0, sizeof(*l));
	if (type != PLD_SK && type != PLD_SKF)
		return fail(c, RC_INVAL, "payload type %u is not SK (46) or "
		    "SKF (53)", type);
	if (off < IKE_HDR_LEN)
		return fail(c, RC_INVAL, "SK offset %zu < IKE header %u", off,
		    IKE_HDR_LEN);
	res->fragment = type == PLD_SKF;
	l->icv_len = sk_suite_icv_len(s);
	rd_skip(&m, off);
	res->next_payload = rd_u8(&m);
	(void)rd_u8(&m);
	plen = rd_be16(&m);
	if (!rd_ok(&m))
		return fail(c, RC_SHORT, "SK header at offset %zu needs 4 "
		    "bytes, message is %zu", off, msg_len);
	if (plen < hdr)
		return fail(c, RC_MALFORMED, "SK payload length %u < %zu at "
		    "offset %zu", plen, hdr, off);
	body = rd_sub(&m, (size_t)plen - 4);
	if (!rd_ok(&m))
		return fail(c, RC_SHORT, "SK payload length %u > %zu bytes "
		    "left at offset %zu", plen, msg_len - off, off);
	if (res->fragment) {
		res->frag_num = rd_be16(&body);
		res->frag_total = rd_be16(&body);
		if (res->frag_num == 0 || res->frag_num > res->frag_total)
			return fail(c, RC_MALFORMED, "SKF Fragment Number %u "
			    "not in 1..Total Fragments %u at offset %zu",
			    res->frag_num, res->frag_total, off + 4);
	}
	icv = rd_tail(&body, l->icv_len);
	l->icv = rd_bytes(&icv, l->icv_len);
	l->iv = rd_bytes(&body, iv_len);
	if (!rd_ok(&body) || l->icv == NULL)
		return fail(c, RC_MALFORMED, "SK payload length %u leaves no "
		    "room for header %zu + IV %zu + ICV %zu", plen, hdr, iv_len,
		    l->icv_len);
	l->ct_len = rd_left(&body);
	l->ct = rd_bytes(&body, l->ct_len);
	res->iv_off = off + hdr;
	res->icv_off = off + plen - l->icv_len;
	if (l->ct_len == 0 || l->ct_len % block != 0)
		return fail(c, RC_MALFORMED, "SK ciphertext length %zu is not "
		    "a positive multiple of block %zu at offset %zu",
		    l->ct_len, block, res->iv_off + iv_len);
	if (l->ct_len > INT_MAX)
		return fail(c, RC_LIMIT, "SK ciphertext length %zu", l->ct_len);
	l->auth.n = res->icv_off;
	l->auth.p = rd_bytes(&whole, l->auth.n);
	l->aad.p = l->auth.p;
	l->aad.n = res->iv_off;
	return RC_OK;
}

/* Shared by sk_decrypt and sk_check: parse, set up, verify a MAC ICV.
 * For AEAD the tag is verified by the caller's decryption. */
static enum rc
sk_prepare(struct sk_ctx *c, const uint8_t *msg, size_t msg_len,
    size_t off, uint8_t type, const struct sk_suite *s,
    const struct secret *ek, const struct secret *ak, bool verify,
    struct cipher_job *j, struct sk_layout *l, struct sk_result *res)
{
	size_t irow = 0;
	enum rc rc;

	c->msg[0] = '\0';
	rc = sk_parse(c, msg, msg_len, off, type, s, l, res);
	if (rc != RC_OK)
		return rc;
	rc = job_setup(c, s, ek, ak, verify, j, &irow);
	if (rc != RC_OK)
		return rc;
	j->iv = l->iv;
	j->ct = l->ct;
	j->ct_len = l->ct_len;
	j->tag = l->icv;
	j->aad[0] = l->aad;
	j->naad = 1;
	if (j->ea->icv_len > 0 || integ_algs[irow].kind == MAC_NOCHECK ||
	    !verify)
		return RC_OK;
	res->icv_checked = true;
	rc = mac_verify(c, irow, ak, &l->auth, 1, l->icv, res->icv_off);
	res->icv_ok = rc == RC_OK;
	return rc;
}

enum rc
sk_decrypt(struct sk_ctx *c, const uint8_t *msg, size_t msg_len,
    size_t sk_off, uint8_t sk_type, const struct sk_suite *s,
    const struct secret *sk_e, const struct secret *sk_a, unsigned flags,
    struct buf *out, struct sk_result *res)
{
	bool skip = (flags & SK_SKIP_ICV) != 0;
	struct cipher_job j;
	struct sk_layout l;
	uint8_t *pt;
	enum rc rc;

	rc = sk_prepare(c, msg, msg_len, sk_off, sk_type, s, sk_e, sk_a,
	    !skip || sk_a != NULL, &j, &l, res);
	if (rc == RC_AUTH && skip && !j.ea->icv_len)
		rc = RC_OK;     /* forensic mode: decrypt anyway */
	if (rc != RC_OK)
		return rc;
	rc = buf_reserve(out, l.ct_len);
	if (rc != RC_OK)
		return fail(c, rc, "plaintext of %zu bytes does not fit",
		    l.ct_len);
	pt = out->data + out->len;
	if (j.ea->icv_len > 0) {
		res->icv_checked = true;
		rc = aead_decrypt(c, &j, pt);
		res->icv_ok = rc == RC_OK;
	} else {
		rc = plain_decrypt(c, &j, pt);
	}
	if (rc == RC_OK) {
		res->pad_len = pt[l.ct_len - 1];
		if ((size_t)res->pad_len + 1 > l.ct_len)
			rc = fail(c, RC_MALFORMED, "SK Pad Length %u + 1 > "
			    "decrypted length %zu (offset %zu)", res->pad_len,
			    l.ct_len, res->icv_off - 1);
	}
	if (rc != RC_OK) {
		explicit_bzero(pt, l.ct_len);
		return rc;
	}
	res->plain_len = l.ct_len - 1 - res->pad_len;
	explicit_bzero(pt + res->plain_len, l.ct_len - res->plain_len);
	out->len += res->plain_len;
	return RC_OK;
}

enum rc
sk_check(struct sk_ctx *c, const uint8_t *msg, size_t msg_len,
    size_t sk_off, uint8_t sk_type, const struct sk_suite *s,
    const struct secret *sk_e, const struct secret *sk_a)
{
	struct sk_result res;
	struct cipher_job j;
	struct sk_layout l;
	uint8_t *pt;
	enum rc rc;

	rc = sk_prepare(c, msg, msg_len, sk_off, sk_type, s, sk_e, sk_a, true,
	    &j, &l, &res);
	if (rc != RC_OK || j.ea->icv_len == 0)
		return rc;
	pt = scratch(c, l.ct_len);
	if (pt == NULL)
		return fail(c, RC_NOMEM, "no memory for %zu bytes", l.ct_len);
	rc = aead_decrypt(c, &j, pt);
	explicit_bzero(pt, l.ct_len);
	return rc;
}

/* --- ESP -------------------------------------------------------------- */

struct esp_layout {
	uint32_t spi, seq;
	uint8_t hdr[12];      /* SPI | (ESN high) | Seq for AEAD AAD */
	size_t hdr_len;
	struct seg auth[2];   /* SPI..trailer, then ESN high bits */
	size_t nauth;
	uint8_t esn[4];
};

/* RFC 4303 2: carves SPI, Seq, IV, ciphertext and ICV. */
static enum rc
esp_prepare(struct sk_ctx *c, const uint8_t *pkt, size_t len,
    const struct sk_suite *s, const struct secret *ek,
    const struct secret *ak, unsigned flags, uint32_t esn_hi,
    struct cipher_job *j, struct esp_layout *e, size_t *irow)
{
	struct rd r = rd_init(pkt, len), whole = r, icv;
	size_t icv_len = sk_suite_icv_len(s), block;
	enum rc rc;

	c->msg[0] = '\0';
	memset(e, 0, sizeof(*e));
	rc = job_setup(c, s, ek, ak, false, j, irow);
	if (rc != RC_OK)
		return rc;
	block = j->ea->block_len;
	e->spi = rd_be32(&r);
	e->seq = rd_be32(&r);
	if (!rd_ok(&r))
		return fail(c, RC_SHORT, "ESP header needs 8 bytes, packet is "
		    "%zu", len);
	icv = rd_tail(&r, icv_len);
	j->tag = rd_bytes(&icv, icv_len);
	j->iv = rd_bytes(&r, j->ea->iv_len);
	j->ct_len = rd_left(&r);
	j->ct = rd_bytes(&r, j->ct_len);
	if (!rd_ok(&r) || j->tag == NULL)
		return fail(c, RC_SHORT, "ESP packet of %zu bytes < header 8 + "
		    "IV %u + ICV %zu", len, j->ea->iv_len, icv_len);
	if (j->ct_len < 2 || j->ct_len % block != 0 || j->ct_len > INT_MAX)
		return fail(c, RC_MALFORMED, "ESP ciphertext length %zu is not "
		    "a multiple of block %zu holding the 2-byte trailer",
		    j->ct_len, block);
	e->hdr[0] = (uint8_t)(e->spi >> 24);
	e->hdr[1] = (uint8_t)(e->spi >> 16);
	e->hdr[2] = (uint8_t)(e->spi >> 8);
	e->hdr[3] = (uint8_t)e->spi;
	e->esn[0] = (uint8_t)(esn_hi >> 24);
	e->esn[1] = (uint8_t)(esn_hi >> 16);
	e->esn[2] = (uint8_t)(esn_hi >> 8);
	e->esn[3] = (uint8_t)esn_hi;
	e->hdr_len = 4;
	if (flags & ESP_ESN) {
		memcpy(e->hdr + 4, e->esn, 4);
		e->hdr_len = 8;
	}
	e->hdr[e->hdr_len++] = (uint8_t)(e->seq >> 24);
	e->hdr[e->hdr_len++] = (uint8_t)(e->seq >> 16);
	e->hdr[e->hdr_len++] = (uint8_t)(e->seq >> 8);
	e->hdr[e->hdr_len++] = (uint8_t)e->seq;
	j->aad[0].p = e->hdr;
	j->aad[0].n = e->hdr_len;
	j->naad = 1;
	e->auth[0].n = len - icv_len;
	e->auth[0].p = rd_bytes(&whole, e->auth[0].n);
	e->auth[1].p = e->esn;
	e->auth[1].n = 4;
	e->nauth = (flags & ESP_ESN) ? 2 : 1;
	return RC_OK;
}

/* Verifies the ESP MAC (non-AEAD) when a key is there; RC_NOKEY when not
 * and required. */
static enum rc
esp_mac(struct sk_ctx *c, const struct cipher_job *j, struct esp_layout *e,
    size_t irow, const struct secret *ak, bool required, bool *checked)
{
	enum rc rc;

	*checked = false;
	if (integ_algs[irow].kind == MAC_NOCHECK || ak == NULL)
		return required ? fail(c, RC_NOKEY, "no integrity key for "
		    "ESP SPI 0x%08x", e->spi) : RC_OK;
	*checked = true;
	rc = mac_verify(c, irow, ak, e->auth, e->nauth, j->tag, e->auth[0].n);
	return rc;
}

enum rc
esp_check(struct sk_ctx *c, const uint8_t *pkt, size_t len,
    const struct sk_suite *s, const struct secret *ekey,
    const struct secret *akey, unsigned flags, uint32_t esn_hi)
{
	struct esp_layout e;
	struct cipher_job j;
	size_t irow = 0;
	uint8_t *pt;
	bool checked;
	enum rc rc;

	rc = esp_prepare(c, pkt, len, s, ekey, akey, flags, esn_hi, &j, &e,
	    &irow);
	if (rc != RC_OK)
		return rc;
	if (j.ea->icv_len == 0)
		return esp_mac(c, &j, &e, irow, akey, true, &checked);
	pt = scratch(c, j.ct_len);
	if (pt == NULL)
		return fail(c, RC_NOMEM, "no memory for %zu bytes", j.ct_len);
	rc = aead_decrypt(c, &j, pt);
	explicit_bzero(pt, j.ct_len);
	return rc;
}

/* RFC 4303 2.4-2.6: Pad Length and Next Header end the plaintext. */
static enum rc
esp_trailer(struct sk_ctx *c, const uint8_t *pt, size_t n,
    struct esp_result *res)
{
	size_t i;

	res->next_header = pt[n - 1];
	res->pad_len = pt[n - 2];
	if ((size_t)res->pad_len + 2 > n)
		return fail(c, RC_MALFORMED, "ESP Pad Length %u + 2 > "
		    "decrypted length %zu (SPI 0x%08x seq %u)", res->pad_len, n,
		    res->spi, res->seq);
	res->payload_len = n - 2 - res->pad_len;
	res->pad_default = true;
	for (i = 0; i < res->pad_len; i++)
		if (pt[res->payload_len + i] != (uint8_t)(i + 1))
			res->pad_default = false;
	return RC_OK;
}

enum rc
esp_decrypt(struct sk_ctx *c, const uint8_t *pkt, size_t len,
    const struct sk_suite *s, const struct secret *ekey,
    const struct secret *akey, unsigned flags, uint32_t esn_hi,
    struct buf *inner, struct esp_result *res)
{
	struct esp_layout e;
	struct cipher_job j;
	size_t irow = 0;
	uint8_t *pt;
	enum rc rc;

	memset(res, 0, sizeof(*res));
	rc = esp_prepare(c, pkt, len, s, ekey, akey, flags, esn_hi, &j, &e,
	    &irow);
	res->spi = e.spi;
	res->seq = e.seq;
	if (rc != RC_OK)
		return rc;
	if (j.ea->icv_len == 0) {
		rc = esp_mac(c, &j, &e, irow, akey, false, &res->icv_checked);
		res->icv_ok = res->icv_checked && rc == RC_OK;
		if (rc != RC_OK)
			return rc;
	}
	pt = scratch(c, j.ct_len);
	if (pt == NULL)
		return fail(c, RC_NOMEM, "no memory for %zu bytes", j.ct_len);
	if (j.ea->icv_len > 0) {
		res->icv_checked = true;
		rc = aead_decrypt(c, &j, pt);
		res->icv_ok = rc == RC_OK;
	} else {
		rc = plain_decrypt(c, &j, pt);
	}
	if (rc == RC_OK)
		rc = esp_trailer(c, pt, j.ct_len, res);
	if (rc == RC_OK && inner != NULL) {
		rc = buf_append(inner, pt, res->payload_len);
		if (rc != RC_OK)
			(void)fail(c, rc, "inner packet of %zu bytes does not "
			    "fit", res->payload_len);
	}
	explicit_bzero(pt, j.ct_len);
	return rc;
}

/* --- SKF reassembly (RFC 7383 2.6) ----------------------------------- */

struct skf_msg {
	bool used;
	struct skf_key key;
	uint16_t total;                       /* Total Fragments */
	uint64_t have;                        /* bit n-1: fragment n held */
	uint8_t first_payload;                /* fragment 1's Next Payload */
	uint64_t stamp;                       /* insertion order (eviction) */
	size_t bytes;                         /* plaintext held */
	struct buf frag[LIMIT_SKF_FRAGMENTS]; /* plaintext per fragment */
};

struct skf_reasm {
	struct skf_msg slot[LIMIT_SKF_MESSAGES];
	uint64_t clock;
	size_t pending;
};

struct skf_reasm *
skf_reasm_new(void)
{
	return calloc(1, sizeof(struct skf_reasm));
}

static void
skf_drop(struct skf_reasm *r, struct skf_msg *m)
{
	size_t i;

	for (i = 0; i < LIMIT_SKF_FRAGMENTS; i++) {
		if (m->frag[i].data != NULL)
			explicit_bzero(m->frag[i].data, m->frag[i].cap);
		buf_fini(&m->frag[i]);
	}
	if (m->used)
		r->pending--;
	memset(m, 0, sizeof(*m));
}

void
skf_reasm_free(struct skf_reasm *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < LIMIT_SKF_MESSAGES; i++)
		skf_drop(r, &r->slot[i]);
	free(r);
}

size_t
skf_reasm_pending(const struct skf_reasm *r)
{
	return r->pending;
}

static bool
skf_key_eq(const struct skf_key *a, const struct skf_key *b)
{
	return memcmp(a->spi_i, b->spi_i, 8) == 0 &&
	    memcmp(a->spi_r, b->spi_r, 8) == 0 && a->msgid == b->msgid &&
	    a->from_initiator == b->from_initiator;
}

/* The slot for k: existing, free, or the oldest evicted. */
static struct skf_msg *
skf_slot(struct skf_reasm *r, const struct skf_key *k, uint16_t total)
{
	struct skf_msg *m, *oldest = NULL, *free_slot = NULL;
	size_t i;

	for (i = 0; i < LIMIT_SKF_MESSAGES; i++) {
		m = &r->slot[i];
		if (m->used && skf_key_eq(&m->key, k))
			return m;
		if (!m->used && free_slot == NULL)
			free_slot = m;
		if (m->used && (oldest == NULL || m->stamp < oldest->stamp))
			oldest = m;
	}
	m = free_slot;
	if (m == NULL) {
		m = oldest;
		skf_drop(r, m);
	}
	m->used = true;
	m->key = *k;
	m->total = total;
	m->stamp = r->clock++;
	for (i = 0; i < LIMIT_SKF_FRAGMENTS; i++)
		buf_init(&m->frag[i], LIMIT_SKF_BYTES);
	r->pending++;
	return m;
}

/* Appends all fragments in order to out, then frees the slot. */
static enum rc
skf_finish(struct skf_reasm *r, struct skf_msg *m, struct buf *out,
    uint8_t *first_payload)
{
	size_t i, start = out->len;
	enum rc rc = RC_OK;

	for (i = 0; i < m->total && rc == RC_OK; i++)
		rc = buf_append(out, m->frag[i].data, m->frag[i].len);
	if (rc != RC_OK)
		out->len = start;
	*first_payload = m->first_payload;
	skf_drop(r, m);
	return rc;
}

enum rc
skf_reasm_add(struct skf_reasm *r, const struct skf_key *k,
    const struct sk_result *res, const uint8_t *pt, size_t len,
    struct buf *out, uint8_t *first_payload, bool *complete)
{
	uint16_t n = res->frag_num, total = res->frag_total;
	struct skf_msg *m;
	enum rc rc;

	*complete = false;
	if (!res->fragment || n == 0 || n > total)
		return RC_MALFORMED;
	if (total > LIMIT_SKF_FRAGMENTS)
		return RC_LIMIT;
	m = skf_slot(r, k, total);
	if (m->total != total) {
		/* RFC 7383 2.6: all fragments carry the same total. */
		skf_drop(r, m);
		return RC_MALFORMED;
	}
	if (m->have & (UINT64_C(1) << (n - 1)))
		return RC_OK;   /* retransmitted fragment */
	if (len > LIMIT_SKF_BYTES - m->bytes) {
		skf_drop(r, m);
		return RC_LIMIT;
	}
	rc = buf_append(&m->frag[n - 1], pt, len);
	if (rc != RC_OK) {
		skf_drop(r, m);
		return rc;
	}
	m->bytes += len;
	m->have |= UINT64_C(1) << (n - 1);
	if (n == 1)
		m->first_payload = res->next_payload;
	if (m->have != (total == 64 ? UINT64_MAX :
	    (UINT64_C(1) << total) - 1))
		return RC_OK;
	*complete = true;
	return skf_finish(r, m, out, first_payload);
}
