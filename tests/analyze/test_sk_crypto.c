/*
 * analyze/sk_crypto: known-answer tests per primitive (vectors from the
 * RFCs named at each test), SK/SKF/ESP round trips over every suite,
 * mutation (wrong key, flipped bytes, truncation at every length), SKF
 * reassembly, and the real captures that come with keys
 * (../shared/corpus: wireshark/, openswan/, tcpdump/).
 */
#include <criterion/criterion.h>

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "analyze/sk_crypto.h"
#include "crypto_tu.h"
#include "formats/limits.h"
#include "testutil.h"

/* IANA ids used below (IKEv2 Transform Types 1 and 3). */
#define E_3DES 3
#define E_NULL 11
#define E_CBC 12
#define E_CTR 13
#define E_CCM8 14
#define E_CCM12 15
#define E_CCM16 16
#define E_GCM8 18
#define E_GCM12 19
#define E_GCM16 20
#define E_CHACHA 28
#define I_MD5_96 1
#define I_SHA1_96 2
#define I_XCBC 5
#define I_CMAC 8
#define I_SHA256 12
#define I_SHA384 13
#define I_SHA512 14

static struct sk_ctx *ctx;

static void
setup(void)
{
	ctx = sk_ctx_new();
	cr_assert_not_null(ctx);
}

static void
teardown(void)
{
	sk_ctx_free(ctx);
}

static void
expect_hex(const uint8_t *got, size_t n, const char *hex, const char *what)
{
	uint8_t want[512];
	size_t wn = ctu_hex(hex, want, sizeof(want));

	cr_assert_leq(n, wn, "%s: length %zu > %zu", what, n, wn);
	cr_expect_arr_eq(got, want, n, "%s differs", what);
}

/* --- suite arithmetic -------------------------------------------------- */

Test(sk_crypto, suite_lengths_follow_the_rfcs)
{
	struct sk_suite cbc = {E_CBC, 256, I_SHA256};
	struct sk_suite gcm = {E_GCM16, 256, 0};
	struct sk_suite ccm = {E_CCM8, 128, 0};
	struct sk_suite cha = {E_CHACHA, 0, 0};
	struct sk_suite ctr = {E_CTR, 192, I_SHA512};
	struct sk_suite des = {E_3DES, 0, I_MD5_96};
	char name[64];

	cr_expect(sk_suite_supported(&cbc));
	cr_expect_eq(sk_suite_iv_len(&cbc), 16);
	cr_expect_eq(sk_suite_icv_len(&cbc), 16);
	cr_expect_eq(sk_suite_block_len(&cbc), 16);
	cr_expect_eq(sk_suite_encr_key_len(&cbc), 32);
	cr_expect_eq(sk_suite_integ_key_len(&cbc), 32);
	cr_expect(sk_suite_is_aead(&gcm));
	cr_expect_eq(sk_suite_encr_key_len(&gcm), 36, "RFC 5282 7.1: 4 salt");
	cr_expect_eq(sk_suite_iv_len(&gcm), 8);
	cr_expect_eq(sk_suite_icv_len(&gcm), 16);
	cr_expect_eq(sk_suite_encr_key_len(&ccm), 19, "RFC 5282 7.1: 3 salt");
	cr_expect_eq(sk_suite_icv_len(&ccm), 8);
	cr_expect_eq(sk_suite_encr_key_len(&cha), 36, "RFC 7634 2: 4 salt");
	cr_expect_eq(sk_suite_encr_key_len(&ctr), 28, "RFC 5930 2: 4 nonce");
	cr_expect_eq(sk_suite_icv_len(&ctr), 32);
	cr_expect_eq(sk_suite_encr_key_len(&des), 24);
	cr_expect_eq(sk_suite_block_len(&des), 8);
	cr_expect_eq(sk_suite_icv_len(&des), 12);
	cr_expect_str_eq(sk_suite_name(&cbc, name, sizeof(name)),
	    "AES_CBC_256/HMAC_SHA2_256_128");
}

Test(sk_crypto, unsupported_and_inconsistent_suites_are_refused)
{
	struct sk_suite bad[] = {
		{E_CBC, 0, I_SHA256},     /* AES needs a key length */
		{E_CBC, 100, I_SHA256},
		{E_GCM16, 128, I_SHA256}, /* AEAD takes no integ */
		{E_CBC, 128, 0},          /* non-AEAD needs integ */
		{2, 0, I_SHA1_96},        /* ENCR_DES */
		{E_CBC, 128, 9},          /* AES-GMAC integ */
		{E_CHACHA, 128, 0},
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect(!sk_suite_supported(&bad[i]), "row %zu", i);
}

/* --- MAC known answers ------------------------------------------------- */

static void
kat_mac(uint16_t integ, const char *key, const uint8_t *data, size_t len,
    const char *want)
{
	struct secret *k = ctu_secret(key);
	uint8_t out[64];
	size_t n = 0;

	cr_assert_eq(sk_mac(ctx, integ, k, data, len, out, &n), RC_OK, "%s",
	    sk_ctx_errmsg(ctx));
	expect_hex(out, n, want, "MAC");
	cr_expect_eq(n * 2, strlen(want));
	secret_free(k);
}

/* RFC 2202 2 and 3, test case 2 ("Jefe"). */
Test(sk_crypto, hmac_md5_and_sha1_match_rfc2202, .init = setup,
    .fini = teardown)
{
	const char *d = "what do ya want for nothing?";

	kat_mac(I_MD5_96, "4a656665", (const uint8_t *)d, strlen(d),
	    "750c783e6ab0b503eaa86e310a5db738");
	kat_mac(I_SHA1_96, "4a656665", (const uint8_t *)d, strlen(d),
	    "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
}

/* RFC 4231 4.3, test case 2. */
Test(sk_crypto, hmac_sha2_matches_rfc4231, .init = setup, .fini = teardown)
{
	const char *d = "what do ya want for nothing?";

	kat_mac(I_SHA256, "4a656665", (const uint8_t *)d, strlen(d),
	    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	kat_mac(I_SHA384, "4a656665", (const uint8_t *)d, strlen(d),
	    "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
	    "8e2240ca5e69e2c78b3239ecfab21649");
	kat_mac(I_SHA512, "4a656665", (const uint8_t *)d, strlen(d),
	    "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
	    "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
}

/* RFC 3566 4.6, AES-XCBC-MAC-96 test cases 1-6 (full 128-bit MACs). */
Test(sk_crypto, aes_xcbc_matches_rfc3566, .init = setup, .fini = teardown)
{
	static const char *want[] = {
		"75f0251d528ac01c4573dfd584d79f29", /* 0 bytes */
		"5b376580ae2f19afe7219ceef172756f", /* 3 bytes */
		"d2a246fa349b68a79998a4394ff7a263", /* 16 bytes */
		"47f51b4564966215b8985c63055ed308", /* 20 bytes */
		"f54f0ec8d2b9f3d36807734bd5283fd4", /* 32 bytes */
		"becbb3bccdb518a30677d5481fb6b4d8", /* 34 bytes */
	};
	static const size_t lens[] = {0, 3, 16, 20, 32, 34};
	uint8_t msg[34];
	size_t i;

	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	for (i = 0; i < 6; i++)
		kat_mac(I_XCBC, "000102030405060708090a0b0c0d0e0f", msg,
		    lens[i], want[i]);
}

/* RFC 4493 4, AES-CMAC examples 1-4 (RFC 4494 truncates to 96 bits). */
Test(sk_crypto, aes_cmac_matches_rfc4493, .init = setup, .fini = teardown)
{
	uint8_t m[64];
	size_t n = ctu_hex("6bc1bee22e409f96e93d7e117393172a"
	    "ae2d8a571e03ac9c9eb76fac45af8e51"
	    "30c81c46a35ce411e5fbc1191a0a52ef"
	    "f69f2445df4f9b17ad2b417be66c3710", m, sizeof(m));
	const char *k = "2b7e151628aed2a6abf7158809cf4f3c";

	cr_assert_eq(n, 64);
	kat_mac(I_CMAC, k, m, 0, "bb1d6929e95937287fa37d129b756746");
	kat_mac(I_CMAC, k, m, 16, "070a16b46b4d4144f79bdd9dd04a287c");
	kat_mac(I_CMAC, k, m, 40, "dfa66747de9ae63030ca32611497c827");
	kat_mac(I_CMAC, k, m, 64, "51f0bebf7e3b9d92fc49741779363cfe");
}

/* --- cipher known answers ---------------------------------------------- */

static void
kat_cipher(const struct sk_suite *s, const char *key, const char *iv,
    const char *aad, const char *ct, const char *tag, const char *pt,
    enum rc want_rc)
{
	uint8_t ivb[16], aadb[64], ctb[256], tagb[16], out[256];
	struct secret *k = ctu_secret(key);
	size_t n, an;
	enum rc rc;

	(void)ctu_hex(iv, ivb, sizeof(ivb));
	an = ctu_hex(aad ? aad : "", aadb, sizeof(aadb));
	n = ctu_hex(ct, ctb, sizeof(ctb));
	(void)ctu_hex(tag ? tag : "", tagb, sizeof(tagb));
	rc = sk_cipher_decrypt(ctx, s, k, ivb, aadb, an, ctb, n, tagb, out);
	cr_assert_eq(rc, want_rc, "rc %s: %s", rc_name(rc),
	    sk_ctx_errmsg(ctx));
	if (rc == RC_OK)
		expect_hex(out, n, pt, "plaintext");
	secret_free(k);
}

/* RFC 3602 4, cases #1 and #2 (and #2 again: the cached key schedule
 * must take the new IV). */
Test(sk_crypto, aes_cbc_matches_rfc3602, .init = setup, .fini = teardown)
{
	struct sk_suite s = {E_CBC, 128, I_SHA1_96};

	kat_cipher(&s, "06a9214036b8a15b512e03d534120006",
	    "3dafba429d9eb430b422da802c9fac41", NULL,
	    "e353779c1079aeb82708942dbe77181a", NULL,
	    "53696e676c6520626c6f636b206d7367", RC_OK);
	kat_cipher(&s, "c286696d887c9aa0611bbb3e2025a45a",
	    "562e17996d093d28ddb3ba695a2e6f58", NULL,
	    "d296cd94c2cccf8a3a863028b5e1dc0a7586602d253cfff91b8266bea6d61ab1",
	    NULL, "000102030405060708090a0b0c0d0e0f"
	    "101112131415161718191a1b1c1d1e1f", RC_OK);
}

/* RFC 3686 6, test vectors #1 and #2: SK_e = key | nonce, counter block
 * = nonce | IV | 1. */
Test(sk_crypto, aes_ctr_matches_rfc3686, .init = setup, .fini = teardown)
{
	struct sk_suite s = {E_CTR, 128, I_SHA1_96};

	kat_cipher(&s, "ae6852f8121067cc4bf7a5765577f39e" "00000030",
	    "0000000000000000", NULL, "e4095d4fb7a7b3792d6175a3261311b8",
	    NULL, "53696e676c6520626c6f636b206d7367", RC_OK);
	kat_cipher(&s, "7e24067817fae0d743d6ce1f32539163" "006cb6db",
	    "c0543b59da48d90b", NULL,
	    "5104a106168a72d9790d41ee8edad388eb2e1efc46da57c8fce630df9141be28",
	    NULL, "000102030405060708090a0b0c0d0e0f"
	    "101112131415161718191a1b1c1d1e1f", RC_OK);
}

/* The GCM specification (McGrew & Viega), test case 4, split as RFC 4106
 * 4 / RFC 5282 splits the 96-bit nonce: salt cafebabe, IV
 * facedbaddecaf888. GCM_8/12 use the leftmost tag bytes. */
#define GCM4_CT "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e23" \
	"29aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091"
#define GCM4_PT "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d" \
	"8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
Test(sk_crypto, aes_gcm_matches_the_gcm_spec_test_case_4, .init = setup,
    .fini = teardown)
{
	struct sk_suite g16 = {E_GCM16, 128, 0}, g8 = {E_GCM8, 128, 0};
	struct sk_suite g12 = {E_GCM12, 128, 0};
	const char *key = "feffe9928665731c6d6a8f9467308308" "cafebabe";
	const char *aad = "feedfacedeadbeeffeedfacedeadbeefabaddad2";

	kat_cipher(&g16, key, "facedbaddecaf888", aad, GCM4_CT,
	    "5bc94fbc3221a5db94fae95ae7121a47", GCM4_PT, RC_OK);
	kat_cipher(&g8, key, "facedbaddecaf888", aad, GCM4_CT,
	    "5bc94fbc3221a5db", GCM4_PT, RC_OK);
	kat_cipher(&g12, key, "facedbaddecaf888", aad, GCM4_CT,
	    "5bc94fbc3221a5db94fae95a", GCM4_PT, RC_OK);
	kat_cipher(&g16, key, "facedbaddecaf888", aad, GCM4_CT,
	    "5bc94fbc3221a5db94fae95ae7121a48", GCM4_PT, RC_AUTH);
	kat_cipher(&g16, key, "facedbaddecaf889", aad, GCM4_CT,
	    "5bc94fbc3221a5db94fae95ae7121a47", GCM4_PT, RC_AUTH);
}

/* RFC 7539 2.8.2: nonce 07000000 | 4041424344454647 is salt | IV. */
Test(sk_crypto, chacha20_poly1305_matches_rfc7539, .init = setup,
    .fini = teardown)
{
	struct sk_suite s = {E_CHACHA, 0, 0};
	const char *key = "808182838485868788898a8b8c8d8e8f"
	    "909192939495969798999a9b9c9d9e9f" "07000000";
	const char *ct = "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2"
	    "b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6"
	    "a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585"
	    "808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116";
	const char *pt = "4c616469657320616e642047656e746c656d656e206f66207468"
	    "6520636c617373206f66202739393a204966204920636f756c64206f66666572"
	    "20796f75206f6e6c79206f6e652074697020666f722074686520667574757265"
	    "2c2073756e73637265656e20776f756c642062652069742e";

	kat_cipher(&s, key, "4041424344454647", "50515253c0c1c2c3c4c5c6c7", ct,
	    "1ae10b594f09e26a7e902ecbd0600691", pt, RC_OK);
	kat_cipher(&s, key, "4041424344454647", "50515253c0c1c2c3c4c5c6c7", ct,
	    "1ae10b594f09e26a7e902ecbd0600691", pt, RC_OK);
	kat_cipher(&s, key, "4041424344454647", "50515253c0c1c2c3c4c5c6c8", ct,
	    "1ae10b594f09e26a7e902ecbd0600691", pt, RC_AUTH);
}

/* --- synthetic SK messages: a test-side sealer (OpenSSL EVP directly,
 * MAC through the KAT-checked sk_mac) ---------------------------------- */

struct suite_case {
	struct sk_suite s;
	const char *ossl;  /* OpenSSL cipher name */
	size_t key, salt;  /* cipher key and salt bytes */
	int mode;          /* 0 CBC, 1 CTR, 2 GCM, 3 CCM, 4 ChaCha */
};

static const struct suite_case cases[] = {
	{{E_CBC, 128, I_SHA1_96}, "AES-128-CBC", 16, 0, 0},
	{{E_CBC, 192, I_SHA384}, "AES-192-CBC", 24, 0, 0},
	{{E_CBC, 256, I_SHA256}, "AES-256-CBC", 32, 0, 0},
	{{E_CBC, 256, I_SHA512}, "AES-256-CBC", 32, 0, 0},
	{{E_CBC, 128, I_XCBC}, "AES-128-CBC", 16, 0, 0},
	{{E_CBC, 128, I_CMAC}, "AES-128-CBC", 16, 0, 0},
	{{E_3DES, 0, I_MD5_96}, "DES-EDE3-CBC", 24, 0, 0},
	{{E_CTR, 128, I_SHA256}, "AES-128-CTR", 16, 4, 1},
	{{E_CTR, 256, I_SHA1_96}, "AES-256-CTR", 32, 4, 1},
	{{E_GCM8, 128, 0}, "AES-128-GCM", 16, 4, 2},
	{{E_GCM12, 192, 0}, "AES-192-GCM", 24, 4, 2},
	{{E_GCM16, 256, 0}, "AES-256-GCM", 32, 4, 2},
	{{E_CCM8, 128, 0}, "AES-128-CCM", 16, 3, 3},
	{{E_CCM12, 192, 0}, "AES-192-CCM", 24, 3, 3},
	{{E_CCM16, 256, 0}, "AES-256-CCM", 32, 3, 3},
	{{E_CHACHA, 0, 0}, "ChaCha20-Poly1305", 32, 4, 4},
};
#define N_CASES (sizeof(cases) / sizeof(cases[0]))

/* Encrypts in place (len bytes at p) with OpenSSL; tag out for AEAD. */
static void
seal_cipher(const struct suite_case *sc, const uint8_t *key,
    const uint8_t *iv, const uint8_t *aad, size_t aad_len, uint8_t *p,
    size_t len, uint8_t *tag, size_t tag_len)
{
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	EVP_CIPHER *ci = EVP_CIPHER_fetch(NULL, sc->ossl, NULL);
	uint8_t nonce[16] = {0};
	int n = 0, ivl = 12;

	cr_assert_not_null(ci);
	if (sc->mode == 0) {
		memcpy(nonce, iv, sk_suite_iv_len(&sc->s));
	} else {
		memcpy(nonce, key + sc->key, sc->salt);
		memcpy(nonce + sc->salt, iv, 8);
		if (sc->mode == 1)
			nonce[15] = 1;
		if (sc->mode == 3)
			ivl = 11;
	}
	cr_assert(EVP_EncryptInit_ex(x, ci, NULL, NULL, NULL));
	if (sc->mode >= 2) {
		cr_assert(EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_IVLEN, ivl,
		    NULL));
		if (sc->mode == 3)
			cr_assert(EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG,
			    (int)tag_len, NULL));
	}
	cr_assert(EVP_EncryptInit_ex(x, NULL, NULL, key, nonce));
	EVP_CIPHER_CTX_set_padding(x, 0);
	if (sc->mode == 3)
		cr_assert(EVP_EncryptUpdate(x, NULL, &n, NULL, (int)len));
	if (sc->mode >= 2)
		cr_assert(EVP_EncryptUpdate(x, NULL, &n, aad, (int)aad_len));
	cr_assert(EVP_EncryptUpdate(x, p, &n, p, (int)len));
	cr_assert(EVP_EncryptFinal_ex(x, p + n, &n));
	if (sc->mode >= 2)
		cr_assert(EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG,
		    (int)tag_len, tag));
	EVP_CIPHER_free(ci);
	EVP_CIPHER_CTX_free(x);
}

struct sealed {
	uint8_t msg[4096];
	size_t len;
	struct secret *ek, *ak;
};

/*
 * Builds IKE header | SK(46) or SKF(53, frag n/total) | IV | E(inner |
 * pad | padlen) | ICV. inner is "inner_len" bytes of a pattern.
 */
static void
seal_sk(const struct suite_case *sc, struct sealed *o, size_t inner_len,
    uint8_t type, uint16_t fn, uint16_t ft)
{
	const struct sk_suite *s = &sc->s;
	size_t ivl = sk_suite_iv_len(s), icvl = sk_suite_icv_len(s);
	size_t blk = sk_suite_block_len(s), hdr = type == 53 ? 8 : 4;
	size_t pad, ptl, off = 28, i, plen, total;
	uint8_t ek[64], ak[64], mac[64], tag[16];
	size_t ekl = sk_suite_encr_key_len(s), akl = sk_suite_integ_key_len(s);

	for (i = 0; i < sizeof(ek); i++) {
		ek[i] = (uint8_t)(0x40 + i);
		ak[i] = (uint8_t)(0x90 + i);
	}
	pad = blk > 1 ? (blk - (inner_len + 1) % blk) % blk : 3;
	ptl = inner_len + pad + 1;
	plen = hdr + ivl + ptl + icvl;
	total = off + plen;
	cr_assert_leq(total, sizeof(o->msg));
	memset(o->msg, 0, total);
	for (i = 0; i < 16; i++)
		o->msg[i] = (uint8_t)(i + 1);               /* SPIs */
	o->msg[16] = type;                                  /* next payload */
	o->msg[17] = 0x20;                                  /* IKEv2 */
	o->msg[18] = 35;                                    /* IKE_AUTH */
	o->msg[19] = 0x08;                                  /* initiator */
	o->msg[27] = (uint8_t)total;
	o->msg[26] = (uint8_t)(total >> 8);
	o->msg[off] = 35;                                   /* IDi inside */
	o->msg[off + 2] = (uint8_t)(plen >> 8);
	o->msg[off + 3] = (uint8_t)plen;
	if (type == 53) {
		o->msg[off + 5] = (uint8_t)fn;
		o->msg[off + 7] = (uint8_t)ft;
	}
	for (i = 0; i < ivl; i++)
		o->msg[off + hdr + i] = (uint8_t)(0xa0 + i);
	for (i = 0; i < inner_len; i++)
		o->msg[off + hdr + ivl + i] = (uint8_t)(i * 7 + fn);
	for (i = 0; i < pad; i++)
		o->msg[off + hdr + ivl + inner_len + i] = 0xee;
	o->msg[off + hdr + ivl + ptl - 1] = (uint8_t)pad;
	seal_cipher(sc, ek, o->msg + off + hdr, o->msg, off + hdr,
	    o->msg + off + hdr + ivl, ptl, tag, icvl);
	if (sk_suite_is_aead(s)) {
		memcpy(o->msg + total - icvl, tag, icvl);
		o->ak = NULL;
	} else {
		struct secret *k = secret_new(ak, akl);
		size_t ml;

		cr_assert_eq(sk_mac(ctx, s->integ_id, k, o->msg, total - icvl,
		    mac, &ml), RC_OK);
		memcpy(o->msg + total - icvl, mac, icvl);
		o->ak = k;
	}
	o->ek = secret_new(ek, ekl);
	o->len = total;
}

static void
sealed_free(struct sealed *o)
{
	secret_free(o->ek);
	secret_free(o->ak);
}

Test(sk_crypto, every_suite_decrypts_what_it_sealed, .init = setup,
    .fini = teardown)
{
	size_t i, lens[] = {0, 1, 15, 16, 17, 100, 1000}, l;
	char name[64];

	for (i = 0; i < N_CASES; i++) {
		for (l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
			struct sealed o;
			struct sk_result res;
			struct buf out;
			size_t k;
			enum rc rc;

			seal_sk(&cases[i], &o, lens[l], 46, 0, 0);
			buf_init(&out, 65536);
			rc = sk_decrypt(ctx, o.msg, o.len, 28, 46, &cases[i].s,
			    o.ek, o.ak, 0, &out, &res);
			sk_suite_name(&cases[i].s, name, sizeof(name));
			cr_expect_eq(rc, RC_OK, "%s len %zu: %s: %s", name,
			    lens[l], rc_name(rc), sk_ctx_errmsg(ctx));
			cr_expect_eq(out.len, lens[l], "%s", name);
			cr_expect_eq(res.next_payload, 35);
			cr_expect(res.icv_checked && res.icv_ok, "%s", name);
			for (k = 0; k < out.len; k++)
				cr_expect_eq(out.data[k], (uint8_t)(k * 7),
				    "%s byte %zu", name, k);
			cr_expect_eq(sk_check(ctx, o.msg, o.len, 28, 46,
			    &cases[i].s, o.ek, o.ak), RC_OK, "%s", name);
			buf_fini(&out);
			sealed_free(&o);
		}
	}
}

Test(sk_crypto, wrong_key_and_flipped_bytes_give_auth, .init = setup,
    .fini = teardown)
{
	size_t i, pos;
	char name[64];

	for (i = 0; i < N_CASES; i++) {
		struct sealed o;
		struct sk_result res;
		struct buf out;
		struct secret *bad;
		uint8_t kb[64];
		const struct secret *victim;

		seal_sk(&cases[i], &o, 40, 46, 0, 0);
		sk_suite_name(&cases[i].s, name, sizeof(name));
		buf_init(&out, 65536);
		victim = o.ak ? o.ak : o.ek;
		memcpy(kb, secret_data(victim), secret_len(victim));
		kb[0] ^= 1;
		bad = secret_new(kb, secret_len(victim));
		cr_expect_eq(sk_decrypt(ctx, o.msg, o.len, 28, 46,
		    &cases[i].s, o.ak ? o.ek : bad, o.ak ? bad : NULL, 0, &out,
		    &res), RC_AUTH, "%s wrong key", name);
		cr_expect_eq(out.len, 0, "no plaintext on failure");
		/* Flip one bit in each region: header, IV, ciphertext,
		 * ICV. Every byte before the ICV is covered. */
		for (pos = 0; pos < o.len; pos++) {
			enum rc rc;

			if (pos == 28 + 2 || pos == 28 + 3)
				continue; /* payload length: see truncation */
			o.msg[pos] ^= 0x10;
			rc = sk_decrypt(ctx, o.msg, o.len, 28, 46, &cases[i].s,
			    o.ek, o.ak, 0, &out, &res);
			cr_expect_eq(rc, RC_AUTH, "%s flip at %zu: %s", name,
			    pos, rc_name(rc));
			o.msg[pos] ^= 0x10;
		}
		secret_free(bad);
		buf_fini(&out);
		sealed_free(&o);
	}
}

Test(sk_crypto, truncation_at_every_length_never_crashes, .init = setup,
    .fini = teardown)
{
	size_t i, cut;

	for (i = 0; i < N_CASES; i++) {
		struct sealed o;
		struct sk_result res;
		struct buf out;

		seal_sk(&cases[i], &o, 33, 46, 0, 0);
		buf_init(&out, 65536);
		for (cut = 0; cut < o.len; cut++) {
			enum rc rc = sk_decrypt(ctx, o.msg, cut, 28, 46,
			    &cases[i].s, o.ek, o.ak, 0, &out, &res);

			if (cut < 28)
				cr_expect(rc == RC_SHORT, "cut %zu %s", cut,
				    rc_name(rc));
			else
				cr_expect(rc == RC_SHORT, "cut %zu: %s", cut,
				    rc_name(rc));
		}
		/* Declared SK length shrunk: the IV/ICV no longer fit or the
		 * ICV moves: never OK, never a crash. */
		for (cut = 0; cut < o.len - 28; cut++) {
			enum rc rc;

			o.msg[30] = (uint8_t)(cut >> 8);
			o.msg[31] = (uint8_t)cut;
			rc = sk_decrypt(ctx, o.msg, o.len, 28, 46, &cases[i].s,
			    o.ek, o.ak, 0, &out, &res);
			cr_expect(rc == RC_MALFORMED || rc == RC_AUTH,
			    "length %zu: %s", cut, rc_name(rc));
		}
		cr_expect_eq(out.len, 0);
		buf_fini(&out);
		sealed_free(&o);
	}
}

Test(sk_crypto, bad_pad_length_is_malformed_after_a_good_icv,
    .init = setup, .fini = teardown)
{
	const struct suite_case *sc = &cases[7]; /* AES-CTR: stream, so the
	                                            pad byte can be forged */
	struct sealed o;
	struct sk_result res;
	struct buf out;
	uint8_t mac[64];
	size_t ml, icvl = sk_suite_icv_len(&sc->s);

	seal_sk(sc, &o, 4, 46, 0, 0);
	/* Plaintext is 4 + 3 pad + 1; make Pad Length 200 by flipping the
	 * keystream-covered byte, then re-MAC. */
	o.msg[o.len - icvl - 1] ^= (uint8_t)(3 ^ 200);
	cr_assert_eq(sk_mac(ctx, sc->s.integ_id, o.ak, o.msg, o.len - icvl,
	    mac, &ml), RC_OK);
	memcpy(o.msg + o.len - icvl, mac, icvl);
	buf_init(&out, 65536);
	cr_expect_eq(sk_decrypt(ctx, o.msg, o.len, 28, 46, &sc->s, o.ek, o.ak,
	    0, &out, &res), RC_MALFORMED);
	cr_expect(strstr(sk_ctx_errmsg(ctx), "Pad Length 200") != NULL, "%s",
	    sk_ctx_errmsg(ctx));
	cr_expect_eq(out.len, 0);
	buf_fini(&out);
	sealed_free(&o);
}

Test(sk_crypto, cbc_ciphertext_not_a_block_multiple_is_malformed,
    .init = setup, .fini = teardown)
{
	struct sealed o;
	struct sk_result res;
	struct buf out;
	size_t plen;

	seal_sk(&cases[2], &o, 40, 46, 0, 0);
	plen = (size_t)o.msg[30] << 8 | o.msg[31];
	o.msg[31] = (uint8_t)(plen + 1);   /* one extra byte before the ICV */
	o.msg[30] = (uint8_t)((plen + 1) >> 8);
	o.len++;
	buf_init(&out, 65536);
	cr_expect_eq(sk_decrypt(ctx, o.msg, o.len, 28, 46, &cases[2].s, o.ek,
	    o.ak, 0, &out, &res), RC_MALFORMED);
	cr_expect(strstr(sk_ctx_errmsg(ctx), "multiple of block 16"));
	buf_fini(&out);
	sealed_free(&o);
}

Test(sk_crypto, missing_or_wrong_length_keys_are_reported, .init = setup,
    .fini = teardown)
{
	struct sealed o;
	struct sk_result res;
	struct buf out;
	struct secret *shortk = ctu_secret("0001");

	seal_sk(&cases[2], &o, 40, 46, 0, 0);
	buf_init(&out, 65536);
	cr_expect_eq(sk_decrypt(ctx, o.msg, o.len, 28, 46, &cases[2].s, NULL,
	    o.ak, 0, &out, &res), RC_NOKEY);
	cr_expect_eq(sk_decrypt(ctx, o.msg, o.len, 28, 46, &cases[2].s, o.ek,
	    NULL, 0, &out, &res), RC_NOKEY);
	cr_expect_eq(sk_decrypt(ctx, o.msg, o.len, 28, 46, &cases[2].s,
	    shortk, o.ak, 0, &out, &res), RC_INVAL);
	cr_expect(strstr(sk_ctx_errmsg(ctx), "2 bytes") != NULL);
	secret_free(shortk);
	buf_fini(&out);
	sealed_free(&o);
}

Test(sk_crypto, skip_icv_flag_decrypts_despite_a_bad_mac, .init = setup,
    .fini = teardown)
{
	struct sealed o;
	struct sk_result res;
	struct buf out;

	seal_sk(&cases[0], &o, 40, 46, 0, 0);
	o.msg[o.len - 1] ^= 1;
	buf_init(&out, 65536);
	cr_expect_eq(sk_decrypt(ctx, o.msg, o.len, 28, 46, &cases[0].s, o.ek,
	    o.ak, 0, &out, &res), RC_AUTH);
	cr_expect_eq(sk_decrypt(ctx, o.msg, o.len, 28, 46, &cases[0].s, o.ek,
	    o.ak, SK_SKIP_ICV, &out, &res), RC_OK);
	cr_expect(res.icv_checked && !res.icv_ok);
	cr_expect_eq(out.len, 40);
	buf_fini(&out);
	sealed_free(&o);
}

Test(sk_crypto, skf_fragments_decrypt_alone_and_reassemble, .init = setup,
    .fini = teardown)
{
	struct skf_reasm *r = skf_reasm_new();
	struct skf_key key = {.msgid = 1, .from_initiator = true};
	struct buf out, whole;
	uint16_t order[] = {3, 1, 1, 2};
	uint8_t first = 0;
	bool done = false;
	size_t i;

	cr_assert_not_null(r);
	buf_init(&whole, LIMIT_SKF_BYTES);
	buf_init(&out, 65536);
	for (i = 0; i < 4; i++) {
		struct sealed o;
		struct sk_result res;
		enum rc rc;

		seal_sk(&cases[11], &o, 100 + order[i], 53, order[i], 3);
		buf_reset(&out);
		rc = sk_decrypt(ctx, o.msg, o.len, 28, 53, &cases[11].s,
		    o.ek, o.ak, 0, &out, &res);
		cr_assert_eq(rc, RC_OK, "%s", sk_ctx_errmsg(ctx));
		cr_expect(res.fragment);
		cr_expect_eq(res.frag_num, order[i]);
		cr_expect_eq(res.frag_total, 3);
		cr_assert_eq(skf_reasm_add(r, &key, &res, out.data, out.len,
		    &whole, &first, &done), RC_OK);
		cr_expect_eq(done, i == 3, "complete only after the last");
		sealed_free(&o);
	}
	cr_expect_eq(whole.len, 101 + 102 + 103);
	cr_expect_eq(first, 35);
	cr_expect_eq(whole.data[101], (uint8_t)2, "fragment 2 follows 1");
	cr_expect_eq(skf_reasm_pending(r), 0);
	buf_fini(&out);
	buf_fini(&whole);
	skf_reasm_free(r);
}

Test(sk_crypto, skf_with_impossible_numbers_is_malformed, .init = setup,
    .fini = teardown)
{
	struct skf_reasm *r = skf_reasm_new();
	struct skf_key key = {.msgid = 7};
	struct sk_result res = {.fragment = true, .frag_num = 1,
	    .frag_total = 2};
	struct sealed o;
	struct buf out;
	uint8_t first;
	bool done;

	seal_sk(&cases[11], &o, 10, 53, 3, 2);
	buf_init(&out, 65536);
	cr_expect_eq(sk_decrypt(ctx, o.msg, o.len, 28, 53, &cases[11].s,
	    o.ek, NULL, 0, &out, &res), RC_MALFORMED);
	res.fragment = true;
	res.frag_num = 1;
	res.frag_total = 2;
	cr_expect_eq(skf_reasm_add(r, &key, &res, (const uint8_t *)"ab", 2,
	    &out, &first, &done), RC_OK);
	res.frag_num = 2;
	res.frag_total = 3;
	cr_expect_eq(skf_reasm_add(r, &key, &res, (const uint8_t *)"cd", 2,
	    &out, &first, &done), RC_MALFORMED, "total changed");
	res.frag_total = 65;
	cr_expect_eq(skf_reasm_add(r, &key, &res, (const uint8_t *)"cd", 2,
	    &out, &first, &done), RC_LIMIT);
	buf_fini(&out);
	sealed_free(&o);
	skf_reasm_free(r);
}

/* --- ESP ----------------------------------------------------------------- */

/* SPI | Seq | IV | E(payload | 1,2,3.. | padlen | nh) | ICV, RFC 4303. */
static void
seal_esp(const struct suite_case *sc, struct sealed *o, size_t plen)
{
	const struct sk_suite *s = &sc->s;
	size_t ivl = sk_suite_iv_len(s), icvl = sk_suite_icv_len(s);
	size_t blk = sk_suite_block_len(s), pad, ptl, i;
	uint8_t ek[64], ak[64], tag[16], aad[8], mac[64];
	size_t ekl = sk_suite_encr_key_len(s), akl = sk_suite_integ_key_len(s);

	for (i = 0; i < sizeof(ek); i++) {
		ek[i] = (uint8_t)(0x11 * i);
		ak[i] = (uint8_t)(0x33 + i);
	}
	blk = blk < 4 ? 4 : blk;
	pad = (blk - (plen + 2) % blk) % blk;
	ptl = plen + pad + 2;
	o->len = 8 + ivl + ptl + icvl;
	memcpy(o->msg, "\xc0\xff\xee\x01\x00\x00\x00\x05", 8);
	memcpy(aad, o->msg, 8);
	for (i = 0; i < ivl; i++)
		o->msg[8 + i] = (uint8_t)(0x5a ^ i);
	for (i = 0; i < plen; i++)
		o->msg[8 + ivl + i] = (uint8_t)(0x45 + i);
	for (i = 0; i < pad; i++)
		o->msg[8 + ivl + plen + i] = (uint8_t)(i + 1);
	o->msg[8 + ivl + ptl - 2] = (uint8_t)pad;
	o->msg[8 + ivl + ptl - 1] = 4;                  /* IPv4 inside */
	seal_cipher(sc, ek, o->msg + 8, aad, 8, o->msg + 8 + ivl, ptl, tag,
	    icvl);
	o->ek = secret_new(ek, ekl);
	o->ak = NULL;
	if (sk_suite_is_aead(s)) {
		memcpy(o->msg + o->len - icvl, tag, icvl);
	} else {
		size_t ml;

		o->ak = secret_new(ak, akl);
		cr_assert_eq(sk_mac(ctx, s->integ_id, o->ak, o->msg,
		    o->len - icvl, mac, &ml), RC_OK);
		memcpy(o->msg + o->len - icvl, mac, icvl);
	}
}

Test(sk_crypto, esp_check_and_decrypt_every_suite, .init = setup,
    .fini = teardown)
{
	size_t i, cut;
	char name[64];

	for (i = 0; i < N_CASES; i++) {
		struct sealed o;
		struct esp_result res;
		struct buf inner;
		enum rc rc;

		seal_esp(&cases[i], &o, 60);
		sk_suite_name(&cases[i].s, name, sizeof(name));
		buf_init(&inner, 65536);
		cr_expect_eq(esp_check(ctx, o.msg, o.len, &cases[i].s, o.ek,
		    o.ak, 0, 0), RC_OK, "%s: %s", name, sk_ctx_errmsg(ctx));
		rc = esp_decrypt(ctx, o.msg, o.len, &cases[i].s, o.ek, o.ak,
		    0, 0, &inner, &res);
		cr_expect_eq(rc, RC_OK, "%s: %s", name, sk_ctx_errmsg(ctx));
		cr_expect_eq(res.spi, 0xc0ffee01u);
		cr_expect_eq(res.seq, 5);
		cr_expect_eq(res.next_header, 4);
		cr_expect_eq(res.payload_len, 60);
		cr_expect(res.pad_default);
		cr_expect(res.icv_checked && res.icv_ok);
		cr_expect_eq(inner.len, 60);
		cr_expect_eq(inner.data[59], 0x45 + 59);
		o.msg[9] ^= 0x80;
		cr_expect_eq(esp_check(ctx, o.msg, o.len, &cases[i].s, o.ek,
		    o.ak, 0, 0), RC_AUTH, "%s flipped IV", name);
		o.msg[9] ^= 0x80;
		for (cut = 0; cut < o.len; cut++) {
			rc = esp_decrypt(ctx, o.msg, cut, &cases[i].s, o.ek,
			    o.ak, 0, 0, NULL, &res);
			cr_expect(rc == RC_SHORT || rc == RC_MALFORMED ||
			    rc == RC_AUTH, "%s cut %zu: %s", name, cut,
			    rc_name(rc));
		}
		buf_fini(&inner);
		sealed_free(&o);
	}
}

Test(sk_crypto, esp_without_integrity_key_decrypts_unchecked,
    .init = setup, .fini = teardown)
{
	struct sealed o;
	struct esp_result res;

	seal_esp(&cases[6], &o, 20);   /* 3DES / HMAC-MD5-96 */
	cr_expect_eq(esp_check(ctx, o.msg, o.len, &cases[6].s, o.ek, NULL, 0,
	    0), RC_NOKEY);
	cr_expect_eq(esp_decrypt(ctx, o.msg, o.len, &cases[6].s, o.ek, NULL,
	    0, 0, NULL, &res), RC_OK);
	cr_expect(!res.icv_checked);
	cr_expect_eq(res.next_header, 4);
	sealed_free(&o);
}

/* --- real captures with published keys ----------------------------------- */

#include "analyze/keystore.h"
#include "formats/keytab.h"

/* True when ../shared/corpus/<capture> exists. */
static bool
corpus_has(const char *capture)
{
	char rel[256];

	snprintf(rel, sizeof(rel), "corpus/%s", capture);
	return tu_shared(rel) != NULL;
}

/* The corpus key file for a capture (relative to ../shared). */
static const char *
corpus_key_file(const char *capture)
{
	if (strncmp(capture, "openswan/", 9) == 0)
		return "corpus/openswan/keys/KEYS.tsv";
	if (strncmp(capture, "wireshark/", 10) == 0)
		return "corpus/wireshark/keys/ikev2_decryption_table";
	return "corpus/tcpdump/ikev2pI2-secrets.txt";
}

/* A key store holding only the key row for one capture; NULL when the
 * corpus lacks the key file (callers skip, naming it). */
static struct keystore *
corpus_keys(const char *capture)
{
	struct keytab *all, *one;
	struct keystore *ks;
	struct keystore_load st;
	const char *base = strrchr(capture, '/') + 1;
	char path[4096];
	size_t i;

	if (tu_shared(corpus_key_file(capture)) == NULL)
		return NULL;
	snprintf(path, sizeof(path), "%s",
	    tu_shared(corpus_key_file(capture)));
	all = keytab_new();
	one = keytab_new();
	ks = keystore_new();
	cr_assert_eq(keytab_load(all, KEYTAB_AUTO, path), RC_OK, "%s",
	    keytab_errmsg(all));
	for (i = 0; i < keytab_ike_count(all); i++) {
		const struct keytab_ike *r = keytab_ike_at(all, i);

		if (r->label[0] == '\0' || strcmp(r->label, base) == 0)
			cr_assert_eq(keytab_add_ike(one, r), RC_OK);
	}
	cr_assert_eq(keystore_add_keytab(ks, one, &st), RC_OK);
	keytab_free(all);
	keytab_free(one);
	return ks;
}

/* Top-level inner payload chain must fill the plaintext exactly. */
static void
expect_chain_fills(const uint8_t *p, size_t n, uint8_t first,
    const char *what)
{
	size_t off = 0, plen;
	uint8_t np = first;
	int count = 0;

	while (np != 0 && count++ < 64) {
		cr_assert_leq(off + 4, n, "%s: payload header past the end",
		    what);
		np = p[off];
		plen = (size_t)p[off + 2] << 8 | p[off + 3];
		cr_assert_geq(plen, 4, "%s", what);
		off += plen;
	}
	cr_expect_eq(off, n, "%s: inner payloads end at %zu of %zu", what,
	    off, n);
}

/* AUTH payload data (RFC 7296 3.8) of the decrypted chain, as hex. */
static void
auth_data_hex(const uint8_t *p, size_t n, uint8_t first, char *hex,
    size_t cap)
{
	size_t off = 0, plen, i;
	uint8_t np = first, type;

	hex[0] = '\0';
	while (np != 0 && off + 4 <= n) {
		type = np;
		np = p[off];
		plen = (size_t)p[off + 2] << 8 | p[off + 3];
		if (type == 39 && plen > 8 && off + plen <= n) {
			for (i = 8; i < plen && 2 * (i - 8) + 3 < cap; i++)
				snprintf(hex + 2 * (i - 8), 3, "%02x",
				    p[off + i]);
			return;
		}
		if (plen < 4)
			return;
		off += plen;
	}
}

struct golden {
	char capture[160];
	unsigned frame;
	unsigned sk_np;
	int inner_np;   /* -1 unknown */
	enum rc rc;
};

static size_t
load_golden(struct golden *g, size_t max)
{
	size_t len, n = 0;
	uint8_t *text = tu_read_file(tu_src("tests/analyze/data/crypto/"
	    "corpus-sk.tsv"), &len);
	char *line, *save = NULL, inner[8], rc[8];

	cr_assert_not_null(text);
	text = realloc(text, len + 1);
	text[len] = '\0';
	for (line = strtok_r((char *)text, "\n", &save); line && n < max;
	    line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		cr_assert_eq(sscanf(line, "%159s %u %u %7s %7s", g[n].capture,
		    &g[n].frame, &g[n].sk_np, inner, rc), 5, "%s", line);
		g[n].inner_np = inner[0] == '-' ? -1 :
		    (int)strtol(inner, NULL, 10);
		g[n].rc = strcmp(rc, "OK") == 0 ? RC_OK :
		    strcmp(rc, "AUTH") == 0 ? RC_AUTH : RC_MALFORMED;
		n++;
	}
	free(text);
	return n;
}

static struct ctu_msg msgs[8];

/* Decrypts one golden row's message; returns the rc, fills out/res. */
static enum rc
golden_decrypt(const struct golden *g, struct keystore *ks,
    const struct ctu_msg **mp, unsigned flags, struct buf *out,
    struct sk_result *res, const struct keystore_ike **kp)
{
	char path[4096];
	const struct keystore_ike *k;
	const struct ctu_msg *m = NULL;
	bool from_i;
	int n, i;

	snprintf(path, sizeof(path), "%s/corpus/%s", TEST_SHARED,
	    g->capture);
	n = ctu_read_ike(path, msgs, 8);
	cr_assert_gt(n, 0, "%s unreadable", path);
	for (i = 0; i < n; i++)
		if (msgs[i].frame == g->frame)
			m = &msgs[i];
	cr_assert_not_null(m, "%s frame %u", g->capture, g->frame);
	cr_assert_neq(m->sk_off, 0, "%s frame %u has no SK", g->capture,
	    g->frame);
	k = keystore_find_ike(ks, m->spi_i, m->spi_r);
	cr_assert_not_null(k, "%s: no keys for the SPIs", g->capture);
	from_i = (m->flags & 0x08) != 0;
	*mp = m;
	*kp = k;
	return sk_decrypt(ctx, m->data, m->len, m->sk_off, m->sk_type,
	    &k->suite, from_i ? k->sk_ei : k->sk_er,
	    from_i ? k->sk_ai : k->sk_ar, flags, out, res);
}

Test(sk_crypto, corpus_captures_decrypt_as_tshark_does, .init = setup,
    .fini = teardown)
{
	struct golden g[64];
	size_t n, i, skipped = 0;
	const char *missing = NULL;

	if (tu_shared("corpus/MANIFEST.md") == NULL)
		cr_skip_test("../shared/corpus is absent");
	n = load_golden(g, 64);
	cr_assert_geq(n, 40);
	for (i = 0; i < n; i++) {
		struct keystore *ks = corpus_keys(g[i].capture);
		const struct keystore_ike *k;
		const struct ctu_msg *m;
		struct sk_result res;
		struct buf out;
		enum rc rc;

		if (ks == NULL || !corpus_has(g[i].capture)) {
			skipped++;
			missing = ks ? g[i].capture :
			    corpus_key_file(g[i].capture);
			keystore_free(ks);
			continue;
		}
		buf_init(&out, 65536);
		rc = golden_decrypt(&g[i], ks, &m, 0, &out, &res, &k);
		cr_expect_eq(rc, g[i].rc, "%s frame %u: %s (%s)", g[i].capture,
		    g[i].frame, rc_name(rc), sk_ctx_errmsg(ctx));
		cr_expect_eq(res.next_payload, g[i].sk_np, "%s", g[i].capture);
		if (rc == RC_OK) {
			cr_expect(res.icv_checked && res.icv_ok);
			if (g[i].inner_np >= 0)
				cr_expect_eq(out.data[0], g[i].inner_np,
				    "%s frame %u first inner Next Payload",
				    g[i].capture, g[i].frame);
			expect_chain_fills(out.data, out.len, res.next_payload,
			    g[i].capture);
		}
		buf_fini(&out);
		keystore_free(ks);
	}
	if (skipped == n)
		cr_skip_test("no corpus key files (last missing: %s)", missing);
	if (skipped > 0)
		cr_log_warn("%zu of %zu rows not checked: %s is absent",
		    skipped, n, missing);
}

/* wireshark/EXPECTATIONS.md: the AUTH data tshark shows in frame 3. */
Test(sk_crypto, corpus_wireshark_auth_data_matches_expectations,
    .init = setup, .fini = teardown)
{
	struct golden g[2] = {
		{"wireshark/ikev2-decrypt-aes256cbc.pcapng", 3, 35, 41, RC_OK},
		{"wireshark/ikev2-decrypt-aes256ccm16.pcapng", 3, 35, 41,
		    RC_OK},
	};
	const char *want[2] = {
		"e1a8d550064201a7ec024a85758d0673"
		    "c61c5c510ac13bcd225d6327f50da3d3",
		"fa2e74bdc01e30fb0b3ddc9723c9449095969da5"
		    "1f69e560209d2c2b7940210a",
	};
	size_t i;

	if (tu_shared("corpus/wireshark/keys/ikev2_decryption_table") == NULL)
		cr_skip_test("corpus/wireshark/keys/ikev2_decryption_table is "
		    "absent");
	for (i = 0; i < 2; i++) {
		struct keystore *ks = corpus_keys(g[i].capture);
		const struct keystore_ike *k;
		const struct ctu_msg *m;
		struct sk_result res;
		struct buf out;
		char hex[300];

		buf_init(&out, 65536);
		cr_assert_eq(golden_decrypt(&g[i], ks, &m, 0, &out, &res, &k),
		    RC_OK, "%s", sk_ctx_errmsg(ctx));
		auth_data_hex(out.data, out.len, res.next_payload, hex,
		    sizeof(hex));
		cr_expect_str_eq(hex, want[i], "%s", g[i].capture);
		buf_fini(&out);
		keystore_free(ks);
	}
}

Test(sk_crypto, corpus_ikev2pI2_decrypts_only_with_skip_icv, .init = setup,
    .fini = teardown)
{
	struct golden g = {"tcpdump/ikev2pI2.pcap", 2, 35, 39, RC_AUTH};
	const struct keystore_ike *k;
	const struct ctu_msg *m;
	struct keystore *ks;
	struct sk_result res;
	struct buf out;

	if (tu_shared("corpus/tcpdump/ikev2pI2-secrets.txt") == NULL)
		cr_skip_test("corpus/tcpdump/ikev2pI2-secrets.txt is absent");
	ks = corpus_keys(g.capture);
	buf_init(&out, 65536);
	cr_expect_eq(golden_decrypt(&g, ks, &m, 0, &out, &res, &k), RC_AUTH);
	cr_expect_eq(golden_decrypt(&g, ks, &m, SK_SKIP_ICV, &out, &res, &k),
	    RC_OK, "%s", sk_ctx_errmsg(ctx));
	cr_expect(res.icv_checked && !res.icv_ok);
	cr_expect_eq(out.data[0], 39, "IDi then AUTH, as tcpdump prints");
	expect_chain_fills(out.data, out.len, res.next_payload, "ikev2pI2");
	buf_fini(&out);
	keystore_free(ks);
}

Test(sk_crypto, corpus_mutations_give_auth_and_truncations_fail_cleanly,
    .init = setup, .fini = teardown)
{
	struct golden g[] = {
		{"openswan/lp74-alg-h2hR2__h2hI2.pcap", 1, 35, 39, RC_OK},
		{"openswan/ct13-parentI3__cryptoR2.pcap", 1, 36, 39, RC_OK},
		{"openswan/lp117-childanypolicy__parentI2.pcap", 1, 35, 39,
		    RC_OK},
		{"wireshark/ikev2-decrypt-aes256cbc.pcapng", 4, 36, 39, RC_OK},
		{"wireshark/ikev2-decrypt-aes256ccm16.pcapng", 4, 36, 39,
		    RC_OK},
	};
	size_t i, cut, done = 0;

	if (tu_shared("corpus/MANIFEST.md") == NULL)
		cr_skip_test("../shared/corpus is absent");
	for (i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
		struct keystore *ks = corpus_keys(g[i].capture);
		const struct keystore_ike *k;
		const struct ctu_msg *m;
		struct ctu_msg *mm;
		struct sk_result res;
		struct buf out;
		const struct secret *ek, *ak, *wek, *wak;
		bool from_i;

		if (ks == NULL || !corpus_has(g[i].capture)) {
			cr_log_warn("%s not mutated: it or %s is absent",
			    g[i].capture, corpus_key_file(g[i].capture));
			keystore_free(ks);
			continue;
		}
		done++;
		buf_init(&out, 65536);
		cr_assert_eq(golden_decrypt(&g[i], ks, &m, 0, &out, &res, &k),
		    RC_OK, "%s", g[i].capture);
		mm = (struct ctu_msg *)m;
		from_i = (mm->flags & 0x08) != 0;
		ek = from_i ? k->sk_ei : k->sk_er;
		ak = from_i ? k->sk_ai : k->sk_ar;
		wek = from_i ? k->sk_er : k->sk_ei;
		wak = from_i ? k->sk_ar : k->sk_ai;
		buf_reset(&out);
		/* The other direction's keys are the wrong keys. */
		cr_expect_eq(sk_decrypt(ctx, mm->data, mm->len, mm->sk_off, 46,
		    &k->suite, wek, wak, 0, &out, &res), RC_AUTH, "%s",
		    g[i].capture);
		mm->data[mm->len - 20] ^= 4;   /* last ciphertext block */
		cr_expect_eq(sk_decrypt(ctx, mm->data, mm->len, mm->sk_off, 46,
		    &k->suite, ek, ak, 0, &out, &res), RC_AUTH, "%s",
		    g[i].capture);
		mm->data[mm->len - 20] ^= 4;
		mm->data[20] ^= 1;             /* Message ID: AAD / MAC */
		cr_expect_eq(sk_decrypt(ctx, mm->data, mm->len, mm->sk_off, 46,
		    &k->suite, ek, ak, 0, &out, &res), RC_AUTH, "%s",
		    g[i].capture);
		mm->data[20] ^= 1;
		for (cut = 0; cut < mm->len; cut++) {
			enum rc rc = sk_decrypt(ctx, mm->data, cut,
			    mm->sk_off, 46, &k->suite, ek, ak, 0, &out, &res);

			cr_expect(rc == RC_SHORT || rc == RC_INVAL,
			    "%s cut %zu: %s", g[i].capture, cut, rc_name(rc));
		}
		cr_expect_eq(out.len, 0, "nothing decrypted on failure");
		buf_fini(&out);
		keystore_free(ks);
	}
	if (done == 0)
		cr_skip_test("no corpus key files for the mutated captures");
}
