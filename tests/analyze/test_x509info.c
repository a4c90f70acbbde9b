/*
 * analyze/x509info: fields of two fixture certificates (made with the
 * openssl CLI; expected values from "openssl x509 -nameopt RFC2253
 * -fingerprint -sha1 -dates" and "openssl x509 -pubkey | openssl pkey
 * -pubin -outform DER | sha1sum"), and garbage/truncated DER.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/x509info.h"
#include "testutil.h"

static uint8_t *
fixture(const char *name, size_t *len)
{
	char rel[256];
	uint8_t *d;

	snprintf(rel, sizeof(rel), "tests/analyze/data/crypto/%s", name);
	d = tu_read_file(tu_src(rel), len);
	cr_assert_not_null(d, "%s", rel);
	return d;
}

Test(x509info, rsa_ike_certificate_fields)
{
	size_t len;
	uint8_t *der = fixture("x509-rsa2048-ike.der", &len);
	struct x509info x;
	char hex[41];

	cr_assert_eq(x509info_parse(der, len, &x), RC_OK);
	cr_expect_str_eq(x.subject, "CN=gw.example.org,O=wfpdiag test,C=CH");
	cr_expect_str_eq(x.issuer, x.subject);
	cr_expect(x.self_signed);
	cr_expect_eq(x.not_before, 1795458110);
	cr_expect_eq(x.not_after, 2110818110);
	cr_expect_str_eq(x509info_hex20(x.sha1, hex),
	    "566d54d336ec9c50934263db070f3a75ba33e23f");
	cr_expect_str_eq(x509info_hex20(x.spki_sha1, hex),
	    "16889999cf76fdb39d2cc80ca21be35c4708f153");
	cr_expect_str_eq(x.key_type, "RSA");
	cr_expect_eq(x.key_bits, 2048);
	cr_expect(x.has_eku);
	cr_expect_eq(x.eku, X509INFO_EKU_SERVER_AUTH |
	    X509INFO_EKU_CLIENT_AUTH | X509INFO_EKU_IPSEC_IKE);
	cr_expect(!x.is_ca);
	cr_expect_str_eq(x.serial, "1234");
	cr_expect_str_eq(x.san,
	    "DNS:gw.example.org, IP:192.0.2.1, email:vpn@example.org");
	free(der);
}

Test(x509info, ec_ca_certificate_fields_and_escaped_names)
{
	size_t len;
	uint8_t *der = fixture("x509-ec256-ca.der", &len);
	struct x509info x;
	char hex[41];

	cr_assert_eq(x509info_parse(der, len, &x), RC_OK);
	cr_expect_str_eq(x.subject, "O=wfpdiag,CN=Test CA\\, with comma");
	cr_expect_eq(x.not_before, 1795458110);
	cr_expect_eq(x.not_after, 1826994110);
	cr_expect_str_eq(x509info_hex20(x.sha1, hex),
	    "53b4948c54007cba3e6f1e65518d80890dfc8c76");
	cr_expect_str_eq(x509info_hex20(x.spki_sha1, hex),
	    "b27c3fc5b5d745d425074b287d0445a4a9da2267");
	cr_expect_str_eq(x.key_type, "EC");
	cr_expect_eq(x.key_bits, 256);
	cr_expect(x.is_ca);
	cr_expect(!x.has_eku);
	cr_expect_str_eq(x.san, "");
	free(der);
}

Test(x509info, truncations_and_flipped_bytes_never_crash)
{
	size_t len, cut, i;
	uint8_t *der = fixture("x509-rsa2048-ike.der", &len);
	uint8_t *copy = malloc(len + 1);
	struct x509info x;
	enum rc rc;

	for (cut = 0; cut < len; cut++) {
		rc = x509info_parse(der, cut, &x);
		cr_expect(rc == RC_MALFORMED || rc == RC_SHORT, "cut %zu: %s",
		    cut, rc_name(rc));
	}
	memcpy(copy, der, len);
	copy[len] = 0;
	cr_expect_eq(x509info_parse(copy, len + 1, &x), RC_MALFORMED,
	    "trailing byte");
	for (i = 0; i < len; i++) {
		memcpy(copy, der, len);
		copy[i] ^= 0xff;
		rc = x509info_parse(copy, len, &x);
		cr_expect(rc == RC_OK || rc == RC_MALFORMED, "flip %zu", i);
	}
	cr_expect_eq(x509info_parse((const uint8_t *)"garbage", 7, &x),
	    RC_MALFORMED);
	cr_expect_eq(x509info_parse(NULL, 0, &x), RC_SHORT);
	free(copy);
	free(der);
}

/* The cache answers exactly what a fresh parse would, for hits, misses,
 * failures and near-identical certificates (one byte flipped: same
 * length, same slot pressure), and a flipped copy never gets the
 * original's answer. */
Test(x509info, cached_parse_answers_as_a_fresh_parse)
{
	size_t la, lb, i;
	uint8_t *a = fixture("x509-rsa2048-ike.der", &la);
	uint8_t *b = fixture("x509-ec256-ca.der", &lb);
	uint8_t *flip = malloc(la);
	struct x509info_cache *c = x509info_cache_new();
	struct x509info x, y;

	cr_assert_not_null(c);
	cr_assert_not_null(flip);
	for (int round = 0; round < 3; round++) {
		cr_assert_eq(x509info_parse_cached(c, a, la, &x), RC_OK);
		cr_assert_eq(x509info_parse(a, la, &y), RC_OK);
		cr_assert(memcmp(&x, &y, sizeof(x)) == 0, "round %d", round);
		cr_assert_eq(x509info_parse_cached(c, b, lb, &x), RC_OK);
		cr_assert_eq(x509info_parse(b, lb, &y), RC_OK);
		cr_assert(memcmp(&x, &y, sizeof(x)) == 0);
		cr_assert_eq(x509info_parse_cached(c, a, 10, &x),
		    x509info_parse(a, 10, &y));
	}
	for (i = 0; i < la; i += 7) {
		enum rc rc1, rc2;

		memcpy(flip, a, la);
		flip[i] ^= 0x01;
		rc1 = x509info_parse_cached(c, flip, la, &x);
		rc2 = x509info_parse(flip, la, &y);
		cr_assert_eq(rc1, rc2, "flip %zu", i);
		if (rc1 == RC_OK)
			cr_assert(memcmp(&x, &y, sizeof(x)) == 0, "flip %zu", i);
	}
	cr_assert_eq(x509info_parse_cached(c, NULL, 0, &x), RC_SHORT);
	cr_assert_eq(x509info_parse_cached(NULL, a, la, &x), RC_OK);
	x509info_cache_free(c);
	free(flip);
	free(a);
	free(b);
}
