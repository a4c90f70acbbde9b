/*
 * Tests for analyze/policy: the policy file (valid files, every error
 * with file:line:column, the seed's constraints: seed 004, Azure
 * IPsec/IKE policy), the checks on hand-built IKE SAs and CHILD_SA
 * negotiations, traffic-selector combinations and the NO_PROPOSAL_CHOSEN
 * explanation without a policy. Fixtures: tests/analyze/data/policy/.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "analyze/diag.h"
#include "analyze/ike_track.h"
#include "analyze/ikev2_registry.h"
#include "analyze/policy.h"
#include "ikebuild.h"
#include "testutil.h"

/* ---- helpers ------------------------------------------------------ */

static struct policy *
parse_str(const char *text, char *err, size_t errlen)
{
	return policy_parse((const uint8_t *)text, strlen(text), "t.conf",
	    err, errlen);
}

/* Parses text that must be valid. */
static struct policy *
must_parse(const char *text)
{
	char err[2048];
	struct policy *p = parse_str(text, err, sizeof(err));

	cr_assert_not_null(p, "policy did not parse: %s", err);
	cr_assert_str_empty(err);
	return p;
}

/* Parses text that must fail; returns the error text (static). */
static const char *
must_fail(const char *text)
{
	static char err[4096];
	struct policy *p = parse_str(text, err, sizeof(err));

	cr_assert_null(p, "policy parsed but should not: %s", text);
	cr_assert(err[0] != '\0');
	return err;
}

static struct policy *
load_fixture(const char *name, char *err, size_t errlen)
{
	char rel[128];
	uint8_t *data;
	size_t len;
	struct policy *p;

	snprintf(rel, sizeof(rel), "tests/analyze/data/policy/%s", name);
	data = tu_read_file(tu_src(rel), &len);
	cr_assert_not_null(data, "cannot read fixture %s", rel);
	p = policy_parse(data, len, name, err, errlen);
	free(data);
	return p;
}

static const char brief_policy[] =
	"IkeEncryption   = AES256\n"
	"IkeIntegrity    = SHA384\n"
	"DhGroup         = DHGroup24\n"
	"IpsecEncryption = GCMAES256\n"
	"IpsecIntegrity  = GCMAES256\n"
	"PfsGroup        = None\n";

/* Findings collected from a check. */
struct got {
	size_t n;
	struct policy_finding f[32];
};

static void
collect(const struct policy_finding *f, void *ctx)
{
	struct got *g = ctx;

	cr_assert_lt(g->n, 32);
	g->f[g->n++] = *f;
}

/* The finding whose text contains needle, or NULL. */
static const struct policy_finding *
find(const struct got *g, const char *needle)
{
	size_t i;

	for (i = 0; i < g->n; i++) {
		if (strstr(g->f[i].text, needle) != NULL)
			return &g->f[i];
	}
	return NULL;
}

static size_t
count_sev(const struct got *g, enum policy_severity s)
{
	size_t i, n = 0;

	for (i = 0; i < g->n; i++)
		n += g->f[i].severity == s;
	return n;
}

static void
dump(const struct got *g)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		cr_log_info("%s %s: %s", policy_severity_name(g->f[i].severity),
		    policy_area_name(g->f[i].area), g->f[i].text);
}

#define T(type, id, bits) IKEV2_TT_##type, IKEV2_##type##_##id, bits
/* Builds a proposal from (type, id, bits) triples ending in 0. */
static struct ikev2_proposal
mk(uint8_t proto, const uint16_t *spec)
{
	struct ikev2_proposal q;

	memset(&q, 0, sizeof(q));
	q.num = 1;
	q.protocol = proto;
	for (; spec[0] != 0; spec += 3)
		cr_assert_eq(ikev2_proposal_add(&q, (uint8_t)spec[0], spec[1],
		    spec[2]), RC_OK);
	return q;
}

static const uint16_t ike_aes128_sha1_dh2[] = {T(ENCR, AES_CBC, 128),
    T(INTEG, HMAC_SHA1_96, 0), T(PRF, HMAC_SHA1, 0), T(KE, MODP_1024, 0),
    0};
static const uint16_t ike_aes256_sha384_dh24[] = {T(ENCR, AES_CBC, 256),
    T(INTEG, HMAC_SHA2_384_192, 0), T(PRF, HMAC_SHA2_384, 0),
    T(KE, MODP_2048_256, 0), 0};
static const uint16_t ike_aes256_sha256_dh14[] = {T(ENCR, AES_CBC, 256),
    T(INTEG, HMAC_SHA2_256_128, 0), T(PRF, HMAC_SHA2_256, 0),
    T(KE, MODP_2048, 0), 0};
static const uint16_t ike_gcm256_prf384_dh24[] = {T(ENCR, AES_GCM_16, 256),
    T(PRF, HMAC_SHA2_384, 0), T(KE, MODP_2048_256, 0), 0};
static const uint16_t esp_gcm256[] = {T(ENCR, AES_GCM_16, 256),
    T(ESN, NO_EXT_SEQ, 0), 0};
static const uint16_t esp_gcm256_sha256[] = {T(ENCR, AES_GCM_16, 256),
    T(INTEG, HMAC_SHA2_256_128, 0), T(ESN, NO_EXT_SEQ, 0), 0};
static const uint16_t esp_aes256_sha256[] = {T(ENCR, AES_CBC, 256),
    T(INTEG, HMAC_SHA2_256_128, 0), T(ESN, NO_EXT_SEQ, 0), 0};
static const uint16_t esp_gcm256_pfs2048[] = {T(ENCR, AES_GCM_16, 256),
    T(KE, MODP_2048, 0), T(ESN, NO_EXT_SEQ, 0), 0};

/* A finalised IKEv2 SA with the given offers and choice. */
static struct ike_sa
mk_sa(const uint16_t *offer, const uint16_t *chosen)
{
	struct ike_sa sa;

	memset(&sa, 0, sizeof(sa));
	sa.serial = 7;
	sa.ike_major = 2;
	sa.auth_method = -1;
	sa.outcome = IKE_OUT_ESTABLISHED;
	if (offer != NULL) {
		sa.offers[0] = mk(IKEV2_PROTO_IKE, offer);
		sa.n_offers = sa.n_offers_total = 1;
		sa.ke_group_offered = sa.offers[0].xf[3].type == IKEV2_TT_KE ?
		    sa.offers[0].xf[3].id : 0;
	}
	if (chosen != NULL) {
		sa.has_chosen = true;
		sa.chosen = mk(IKEV2_PROTO_IKE, chosen);
	}
	return sa;
}

#define S(x) ((int64_t)(x) * 1000000000LL)

/* Appends an exchange at time t seconds to sa's timeline in ex[]. */
static void
add_exch(struct ike_sa *sa, struct ike_exchange *ex, uint8_t type, double t)
{
	struct ike_exchange *x = &ex[sa->n_exch];

	cr_assert_lt(sa->n_exch, IKE_SA_EXCHANGES);
	memset(x, 0, sizeof(*x));
	x->exchange = type;
	x->request_seen = x->answered = true;
	x->req_ns = x->last_req_ns = (int64_t)(t * 1e9);
	x->resp_ns = x->req_ns + 50000000;
	sa->exch = ex;
	sa->n_exch++;
	sa->n_exch_total++;
	sa->exch_cap = IKE_SA_EXCHANGES;
	if (type == IKEV2_EXCH_CREATE_CHILD_SA)
		sa->child_creates++;
	if (sa->first_ns == 0)
		sa->first_ns = x->req_ns;
	sa->last_ns = x->resp_ns;
}

static struct policy_ts_range
ts4(const char *lo, const char *hi)
{
	struct policy_ts_range r;

	memset(&r, 0, sizeof(r));
	r.family = 4;
	r.port_hi = 65535;
	cr_assert_eq(inet_pton(AF_INET, lo, r.start), 1);
	cr_assert_eq(inet_pton(AF_INET, hi, r.end), 1);
	return r;
}

/* ---- parsing ------------------------------------------------------ */

Test(policy, brief_example_parses_and_prints_back_in_admin_form)
{
	char err[512], text[2048], ike[64], ipsec[64];
	struct policy_values v;
	struct policy *p = load_fixture("valid-brief.conf", err, sizeof(err));

	cr_assert_not_null(p, "%s", err);
	policy_get_values(p, &v);
	cr_expect(v.has_algorithms);
	cr_expect_eq(v.sa_lifetime_s, 27000);
	cr_expect_eq(v.sa_lifetime_kb, 102400000);
	cr_expect_eq(v.ike_lifetime_s, 28800);
	cr_expect_eq(v.dpd_timeout_s, 45);
	cr_expect(v.policy_based_ts);
	cr_expect_eq(v.n_local, 2);
	cr_expect_eq(v.n_remote, 2);
	policy_ike_text(p, ike, sizeof(ike));
	policy_ipsec_text(p, ipsec, sizeof(ipsec));
	cr_expect_str_eq(ike, "AES256/SHA384/DHGroup24");
	cr_expect_str_eq(ipsec, "GCMAES256/GCMAES256/None");
	policy_text(p, text, sizeof(text));
	cr_expect(strstr(text, "\nLocalPrefixes                   = "
	    "192.168.0.0/16, 172.16.0.0/16\n") != NULL, "%s", text);
	cr_expect(strstr(text, "\nUsePolicyBasedTrafficSelectors  = true\n")
	    != NULL, "%s", text);
	policy_free(p);
}

Test(policy, text_parses_back_to_the_same_text)
{
	static const char *const fixtures[] = {"valid-brief.conf",
	    "valid-lists.conf", "valid-default-policy.crlf.conf"};
	char err[512], a[2048], b[2048];
	size_t i;

	for (i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		struct policy *p = load_fixture(fixtures[i], err, sizeof(err));
		struct policy *q;

		cr_assert_not_null(p, "%s: %s", fixtures[i], err);
		policy_text(p, a, sizeof(a));
		q = policy_parse((const uint8_t *)a, strlen(a), fixtures[i],
		    err, sizeof(err));
		cr_assert_not_null(q, "%s reparsed: %s\n%s", fixtures[i], err,
		    a);
		policy_text(q, b, sizeof(b));
		cr_expect_str_eq(a, b);
		policy_free(p);
		policy_free(q);
	}
}

Test(policy, lists_quotes_case_aliases_and_the_gcmase_typo_are_accepted)
{
	char err[512], ike[96], ipsec[96];
	struct policy_values v;
	struct policy *p = load_fixture("valid-lists.conf", err, sizeof(err));

	cr_assert_not_null(p, "%s", err);
	policy_ike_text(p, ike, sizeof(ike));
	policy_ipsec_text(p, ipsec, sizeof(ipsec));
	/* DHGroup2048 is DHGroup14, PFS14 is PFS2048, GCMASE256 GCMAES256 */
	cr_expect_str_eq(ike, "AES256,AES128/SHA256,SHA384/DHGroup14,ECP384");
	cr_expect_str_eq(ipsec, "GCMAES256,AES256/GCMAES256,SHA256/"
	    "PFS2048,None");
	policy_get_values(p, &v);
	cr_expect_eq(v.dpd_timeout_s, 40);	/* DpdTimeoutInSeconds alias */
	cr_expect_eq(v.n_local, 2);		/* IPv6 and IPv4 */
	cr_expect_eq(v.n_remote, 1);		/* bare address = /32 */
	cr_expect_not(v.policy_based_ts);
	cr_expect_eq(v.sa_lifetime_s, 27000);	/* defaults */
	cr_expect_eq(v.sa_lifetime_kb, 102400000);
	policy_free(p);
}

Test(policy, default_policy_may_set_only_dpd_and_traffic_selectors)
{
	char err[512], ike[32] = "x";
	struct policy_values v;
	struct policy *p = load_fixture("valid-default-policy.crlf.conf", err,
	    sizeof(err));

	cr_assert_not_null(p, "%s", err);
	policy_get_values(p, &v);
	cr_expect_not(v.has_algorithms);
	cr_expect_eq(v.dpd_timeout_s, 30);
	cr_expect(v.policy_based_ts);	/* "$True", lower-case key */
	cr_expect_eq(policy_ike_text(p, ike, sizeof(ike)), 0);
	cr_expect_str_empty(ike);
	policy_free(p);
}

Test(policy, empty_file_is_the_default_policy)
{
	struct policy *p = must_parse("# nothing but a comment\n\n   \n");
	struct policy_values v;

	policy_get_values(p, &v);
	cr_expect_not(v.has_algorithms);
	cr_expect_eq(v.dpd_timeout_s, 45);
	cr_expect_eq(v.sa_lifetime_s, 27000);
	cr_expect_eq(v.ike_lifetime_s, 28800);
	policy_free(p);
	p = policy_parse(NULL, 0, "empty", NULL, 0);
	cr_expect_not_null(p);
	policy_free(p);
}

Test(policy, syntax_errors_name_file_line_and_column)
{
	char err[4096];
	struct policy *p = load_fixture("bad-syntax.conf", err, sizeof(err));

	cr_assert_null(p);
	cr_expect(strstr(err, "bad-syntax.conf:1:15: expected '=' after "
	    "IkeEncryption\n") != NULL, "%s", err);
	cr_expect(strstr(err, "bad-syntax.conf:2:1: unknown key 'IkeCipher'\n")
	    != NULL, "%s", err);
	cr_expect(strstr(err, "bad-syntax.conf:3:11: DhGroup: 'DHGroup5' is "
	    "not one of None, DHGroup1, DHGroup2, DHGroup14, ECP256, ECP384, "
	    "DHGroup24\n") != NULL, "%s", err);
	cr_expect(strstr(err, "bad-syntax.conf:4:28: IpsecEncryption: empty "
	    "item in the list\n") != NULL, "%s", err);
	cr_expect(strstr(err, "bad-syntax.conf:5:34: "
	    "UsePolicyBasedTrafficSelectors: 'maybe' is not true or false\n")
	    != NULL, "%s", err);
	cr_expect(strstr(err, "bad-syntax.conf:6:17: LocalPrefixes: "
	    "10.1.0.1/16 has host bits set (the prefix is 10.1.0.0/16)\n") !=
	    NULL, "%s", err);
	cr_expect(strstr(err, "bad-syntax.conf:6:30: LocalPrefixes: "
	    "'10.300.0.0' is not an IPv4 or IPv6 address\n") != NULL, "%s",
	    err);
	cr_expect(strstr(err, "bad-syntax.conf:7:21: SALifeTimeSeconds: "
	    "'27000s' is not a whole number of seconds\n") != NULL, "%s", err);
	cr_expect(strstr(err, "bad-syntax.conf:9:1: DpdTimeoutSeconds already "
	    "set on line 8\n") != NULL, "%s", err);
	cr_expect(strstr(err, "bad-syntax.conf:10:18: RemotePrefixes: prefix "
	    "length '33' of 10.2.0.0 is not 0..32\n") != NULL, "%s", err);
	cr_expect(strstr(err, "bad-syntax.conf:11:11: PfsGroup has no value\n")
	    != NULL, "%s", err);
}

Test(policy, lifetime_and_dpd_ranges_follow_the_seed)
{
	char err[2048];
	struct policy *p = load_fixture("bad-lifetimes.conf", err,
	    sizeof(err));

	cr_assert_null(p);
	cr_expect(strstr(err, "bad-lifetimes.conf:1:21: SALifeTimeSeconds 299 "
	    "< minimum 300 seconds\n") != NULL, "%s", err);
	cr_expect(strstr(err, "bad-lifetimes.conf:2:23: SADataSizeKilobytes "
	    "1023 < minimum 1024 KB\n") != NULL, "%s", err);
	cr_expect(strstr(err, "bad-lifetimes.conf:3:21: DpdTimeoutSeconds "
	    "3601 > maximum 3600 seconds\n") != NULL, "%s", err);
	cr_expect(strstr(err, "bad-lifetimes.conf:4:22: IkeLifeTimeSeconds "
	    "takes one number, not a list\n") != NULL, "%s", err);
	p = load_fixture("bad-dpd-low.conf", err, sizeof(err));
	cr_assert_null(p);
	cr_expect_str_eq(err, "bad-dpd-low.conf:1:21: DpdTimeoutSeconds 8 < "
	    "minimum 9 seconds\n");
	/* The bounds themselves are allowed. */
	p = must_parse("SALifeTimeSeconds = 300\nSADataSizeKilobytes = 1024\n"
	    "DpdTimeoutSeconds = 9\n");
	policy_free(p);
	p = must_parse("DpdTimeoutSeconds = 3600\n"
	    "SALifeTimeSeconds = 2147483647\n");
	policy_free(p);
	cr_expect(strstr(must_fail("SALifeTimeSeconds = 2147483648\n"),
	    "t.conf:1:21: SALifeTimeSeconds 2147483648 > maximum 2147483647 "
	    "seconds") != NULL);
	cr_expect(strstr(must_fail("SALifeTimeSeconds = 99999999999999999999"
	    "\n"), "t.conf:1:21: SALifeTimeSeconds: value of 20 characters")
	    != NULL);
	cr_expect(strstr(must_fail("DpdTimeoutSeconds = -45\n"),
	    "'-45' is not a whole number") != NULL);
	cr_expect(strstr(must_fail("DpdTimeoutSeconds = +45\n"),
	    "'+45' is not a whole number") != NULL);
}

Test(policy, gcmaes_encryption_needs_the_same_gcmaes_integrity)
{
	char err[2048];
	struct policy *p = load_fixture("bad-gcm-pairing.conf", err,
	    sizeof(err));

	cr_assert_null(p);
	cr_expect_str_eq(err, "bad-gcm-pairing.conf:4:19: IpsecEncryption "
	    "GCMAES256 needs IpsecIntegrity GCMAES256: Azure requires the same "
	    "GCMAES algorithm and key length for both\n");
	p = load_fixture("bad-gcm-keylength.conf", err, sizeof(err));
	cr_assert_null(p);
	cr_expect_str_eq(err, "bad-gcm-keylength.conf:5:30: IpsecIntegrity "
	    "GCMAES256 needs IpsecEncryption GCMAES256: Azure requires the "
	    "same GCMAES algorithm for both\n");
	/* A classic cipher cannot use a GCMAES "integrity". */
	cr_expect(strstr(must_fail("IkeEncryption=AES256\nIkeIntegrity=SHA256"
	    "\nDhGroup=DHGroup14\nIpsecEncryption=AES256\n"
	    "IpsecIntegrity=SHA256,GCMAES128\nPfsGroup=None\n"),
	    "t.conf:5:23: IpsecIntegrity GCMAES128 needs IpsecEncryption "
	    "GCMAES128") != NULL);
	cr_expect(strstr(must_fail("IkeEncryption=AES256\nIkeIntegrity=SHA256"
	    "\nDhGroup=DHGroup14\nIpsecEncryption=AES256,GCMAES128\n"
	    "IpsecIntegrity=GCMAES128\nPfsGroup=None\n"),
	    "t.conf:5:16: IpsecIntegrity lists only GCMAES") != NULL);
	/* The seed's own examples are fine. */
	p = must_parse("IkeEncryption=AES128\nIkeIntegrity=SHA1\n"
	    "DhGroup=DHGroup14\nIpsecEncryption=GCMAES128\n"
	    "IpsecIntegrity=GCMAES128\nPfsGroup=PFS14\n"
	    "SALifeTimeSeconds=14400\n");
	policy_free(p);
	p = must_parse("IkeEncryption=AES256\nIkeIntegrity=SHA384\n"
	    "DhGroup=DHGroup24\nIpsecEncryption=AES256\n"
	    "IpsecIntegrity=SHA256\nPfsGroup=None\nSALifeTimeSeconds=30000\n"
	    "SADataSizeKilobytes=102400000\nDpdTimeoutSeconds=45\n");
	policy_free(p);
}

Test(policy, partial_policy_is_refused)
{
	char err[1024];
	struct policy *p = load_fixture("bad-partial.conf", err, sizeof(err));

	cr_assert_null(p);
	cr_expect_str_eq(err, "bad-partial.conf:3:1: partial IPsec/IKE "
	    "policy, missing IpsecEncryption, IpsecIntegrity, PfsGroup: Azure "
	    "needs all algorithms for both IKE (main mode) and IPsec (quick "
	    "mode)\n");
}

Test(policy, algorithm_names_are_checked_per_field)
{
	/* SHA384 is IKE-only integrity in the seed's table. */
	cr_expect(strstr(must_fail("IpsecIntegrity = SHA384\n"),
	    "t.conf:1:18: IpsecIntegrity: 'SHA384' is not one of GCMAES128, "
	    "GCMAES192, GCMAES256, MD5, SHA1, SHA256") != NULL,
	    "%s", must_fail("IpsecIntegrity = SHA384\n"));
	/* PFS names are not DH names. */
	cr_expect(strstr(must_fail("PfsGroup = DHGroup14\n"),
	    "t.conf:1:12: PfsGroup: 'DHGroup14' is not one of") != NULL);
	/* Second item's column. */
	cr_expect(strstr(must_fail("IkeEncryption = AES256,  AES512\n"),
	    "t.conf:1:26: IkeEncryption: 'AES512'") != NULL);
	cr_expect(strstr(must_fail("IkeEncryption = AES256,,AES128\n"),
	    "t.conf:1:24: IkeEncryption: empty item") != NULL);
	cr_expect(strstr(must_fail("= AES256\n"), "t.conf:1:1: expected a "
	    "key") != NULL);
	cr_expect(strstr(must_fail("DhGroup: DHGroup14\n"), "t.conf:1:8: "
	    "expected '=' after DhGroup") != NULL);
}

Test(policy, caps_on_lists_are_errors)
{
	char text[1024];
	size_t i, n = 0;

	n += (size_t)snprintf(text + n, sizeof(text) - n, "LocalPrefixes = ");
	for (i = 0; i <= LIMIT_POLICY_PREFIXES; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s10.%zu.0.0/16",
		    i ? ", " : "", i);
	snprintf(text + n, sizeof(text) - n, "\n");
	cr_expect(strstr(must_fail(text), "LocalPrefixes: more than 16 "
	    "prefixes") != NULL);
	/* A long line is refused without reading past it. */
	{
		size_t len = LIMIT_TEXT_LINE + 10;
		char *big = malloc(len + 1);

		cr_assert_not_null(big);
		memset(big, 'A', len);
		big[len] = '\0';
		cr_expect(strstr(must_fail(big), "t.conf:1:1: line of 65546 "
		    "bytes > limit 65536") != NULL);
		free(big);
	}
}

Test(policy, load_reports_io_errors_with_the_path)
{
	char err[256];
	struct policy *p = policy_load("/nonexistent/policy.conf", err,
	    sizeof(err));

	cr_assert_null(p);
	cr_expect_str_eq(err, "/nonexistent/policy.conf: No such file or "
	    "directory");
	cr_expect_null(policy_load(NULL, err, sizeof(err)));
	cr_expect_str_eq(err, "policy: no file name");
	p = policy_load(tu_src("tests/analyze/data/policy/valid-brief.conf"),
	    err, sizeof(err));
	cr_assert_not_null(p, "%s", err);
	policy_free(p);
	policy_free(NULL);
}

Test(policy, samples_parse)
{
	static const char *const samples[] = {"samples/policy-azure-s2s.conf",
	    "samples/policy-vnet2vnet-gcm.conf",
	    "samples/policy-policy-based-ts.conf",
	    "samples/policy-default-dpd.conf"};
	char err[1024];
	size_t i;

	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		struct policy *p = policy_load(tu_src(samples[i]), err,
		    sizeof(err));

		cr_expect_not_null(p, "%s: %s", samples[i], err);
		policy_free(p);
	}
}

/*
 * Mutation test (STYLE.md 10): every truncation and every byte flip of a
 * valid file either parses or fails with a "name:line:col:" message;
 * nothing crashes (ASan watches).
 */
Test(policy, truncations_and_byte_flips_never_crash)
{
	char rel[] = "tests/analyze/data/policy/valid-brief.conf", err[4096];
	static const uint8_t flips[] = {0x00, '=', ',', '#', '\n', '/', 0xff,
	    ' ', '"'};
	size_t len, cut, i, f;
	uint8_t *data = tu_read_file(tu_src(rel), &len), *copy;

	cr_assert_not_null(data);
	copy = malloc(len);
	cr_assert_not_null(copy);
	for (cut = 0; cut <= len; cut++) {
		struct policy *p = policy_parse(data, cut, "m", err,
		    sizeof(err));

		cr_assert(p != NULL || strncmp(err, "m:", 2) == 0,
		    "cut %zu: %s", cut, err);
		policy_free(p);
	}
	for (i = 0; i < len; i++) {
		for (f = 0; f < sizeof(flips); f++) {
			struct policy *p;

			memcpy(copy, data, len);
			copy[i] = flips[f];
			p = policy_parse(copy, len, "m", err, sizeof(err));
			cr_assert(p != NULL || strncmp(err, "m:", 2) == 0,
			    "byte %zu = %u: %s", i, flips[f], err);
			policy_free(p);
		}
	}
	/* A tiny error buffer is still terminated. */
	{
		struct policy *p = policy_parse((const uint8_t *)"x = 1\n", 6,
		    "m", err, 4);

		cr_assert_null(p);
		cr_expect_str_eq(err, "m:1");
	}
	free(copy);
	free(data);
}

Test(policy, file_findings_follow_the_seeds_advice)
{
	struct got g = {0};
	struct policy *p = must_parse("DpdTimeoutSeconds = 10\n"
	    "IkeLifeTimeSeconds = 3600\nUsePolicyBasedTrafficSelectors = yes\n");

	policy_check_file(p, collect, &g);
	dump(&g);
	cr_assert_eq(g.n, 3);
	cr_expect_str_eq(g.f[0].text, "t.conf:1: DpdTimeoutSeconds 10 is "
	    "outside the recommended 30 to 45 s: shorter makes IKE rekey more "
	    "aggressively and the connection can appear disconnected");
	cr_expect_eq(g.f[0].area, POLICY_AREA_POLICY_FILE);
	cr_expect_eq(g.f[0].ike_serial, 0);
	cr_expect(strstr(g.f[1].text, "IkeLifeTimeSeconds 3600: Azure VPN "
	    "gateways fix main mode at 28800 s") != NULL);
	cr_expect_eq(g.f[2].severity, POLICY_WARNING);
	policy_free(p);
	g.n = 0;
	p = must_parse(brief_policy);
	policy_check_file(p, collect, &g);
	cr_expect_eq(g.n, 0);
	policy_free(p);
}

/* ---- IKE SA checks ------------------------------------------------ */

Test(policy, initiator_offer_outside_the_policy_is_a_mismatch)
{
	struct policy *p = must_parse(brief_policy);
	struct ike_sa sa = mk_sa(ike_aes128_sha1_dh2, NULL);
	struct got g = {0};

	sa.outcome = IKE_OUT_FAILED;
	policy_check_ike_sa(p, &sa, collect, &g);
	dump(&g);
	cr_assert_eq(g.n, 1);
	cr_expect_eq(g.f[0].ike_serial, 7);
	cr_expect_eq(g.f[0].area, POLICY_AREA_IKE_PROPOSAL);
	cr_expect_eq(g.f[0].severity, POLICY_MISMATCH);
	cr_expect_str_eq(g.f[0].text, "initiator offered AES128/SHA1/DHGroup2; "
	    "policy requires AES256/SHA384/DHGroup24: no proposal has the "
	    "policy's encryption, integrity or DH group");
	policy_free(p);
}

Test(policy, responder_choice_is_checked_slot_by_slot)
{
	struct policy *p = must_parse(brief_policy);
	struct ike_sa sa = mk_sa(NULL, ike_aes256_sha256_dh14);
	struct got g = {0};

	sa.offers[0] = mk(IKEV2_PROTO_IKE, ike_aes256_sha384_dh24);
	sa.offers[1] = mk(IKEV2_PROTO_IKE, ike_aes256_sha256_dh14);
	sa.n_offers = sa.n_offers_total = 2;
	sa.ke_group_offered = IKEV2_KE_MODP_2048_256;
	policy_check_ike_sa(p, &sa, collect, &g);
	dump(&g);
	cr_assert_eq(g.n, 1);
	cr_expect_eq(g.f[0].severity, POLICY_MISMATCH);
	cr_expect_str_eq(g.f[0].text, "responder chose AES256/SHA256/DHGroup14: "
	    "integrity SHA256 is not the policy's SHA384, DH group DHGroup14 "
	    "is not the policy's DHGroup24");
	policy_free(p);
	/* With lists, "one of". */
	p = must_parse("IkeEncryption=AES256\nIkeIntegrity=SHA384, SHA1\n"
	    "DhGroup=DHGroup14\nIpsecEncryption=AES256\nIpsecIntegrity=SHA256"
	    "\nPfsGroup=None\n");
	g.n = 0;
	policy_check_ike_sa(p, &sa, collect, &g);
	dump(&g);
	cr_expect_not_null(find(&g, "responder chose AES256/SHA256/DHGroup14: "
	    "integrity SHA256 is not one of the policy's SHA384, SHA1"));
	policy_free(p);
}

Test(policy, fitting_negotiation_gets_one_info_naming_both_sides)
{
	struct policy *p = must_parse(brief_policy);
	struct ike_sa sa = mk_sa(ike_aes256_sha384_dh24, ike_aes256_sha384_dh24);
	struct got g = {0};

	policy_check_ike_sa(p, &sa, collect, &g);
	dump(&g);
	cr_assert_eq(g.n, 1);
	cr_expect_eq(g.f[0].severity, POLICY_INFO);
	cr_expect_str_eq(g.f[0].text, "initiator offered AES256/SHA384/"
	    "DHGroup24; responder chose AES256/SHA384/DHGroup24: fits the "
	    "policy AES256/SHA384/DHGroup24");
	policy_free(p);
}

Test(policy, aead_ike_proposal_uses_the_prf_as_integrity)
{
	struct policy *p = must_parse("IkeEncryption=GCMAES256\n"
	    "IkeIntegrity=SHA384\nDhGroup=DHGroup24\nIpsecEncryption=GCMAES256"
	    "\nIpsecIntegrity=GCMAES256\nPfsGroup=None\n");
	struct ike_sa sa = mk_sa(ike_gcm256_prf384_dh24, ike_gcm256_prf384_dh24);
	struct got g = {0};

	sa.ke_group_offered = IKEV2_KE_MODP_2048_256;
	policy_check_ike_sa(p, &sa, collect, &g);
	dump(&g);
	cr_assert_eq(g.n, 1);
	cr_expect_eq(g.f[0].severity, POLICY_INFO);
	cr_expect_not_null(find(&g, "fits the policy GCMAES256/SHA384/"
	    "DHGroup24"));
	policy_free(p);
}

Test(policy, offers_fitting_only_in_parts_say_so)
{
	struct policy *p = must_parse(brief_policy);
	static const uint16_t enc_ok[] = {T(ENCR, AES_CBC, 256),
	    T(INTEG, HMAC_SHA1_96, 0), T(PRF, HMAC_SHA1, 0),
	    T(KE, MODP_2048_256, 0), 0};
	static const uint16_t integ_ok[] = {T(ENCR, AES_CBC, 128),
	    T(INTEG, HMAC_SHA2_384_192, 0), T(PRF, HMAC_SHA2_384, 0),
	    T(KE, MODP_1024, 0), 0};
	struct ike_sa sa = mk_sa(enc_ok, NULL);
	struct got g = {0};

	sa.offers[1] = mk(IKEV2_PROTO_IKE, integ_ok);
	sa.n_offers = sa.n_offers_total = 2;
	policy_check_ike_sa(p, &sa, collect, &g);
	dump(&g);
	cr_expect_not_null(find(&g, "initiator offered AES256/SHA1/DHGroup24 "
	    "or AES128/SHA384/DHGroup2; policy requires AES256/SHA384/"
	    "DHGroup24: each algorithm is offered, but never together in one "
	    "proposal"));
	policy_free(p);
}

Test(policy, offers_beyond_the_kept_ones_soften_the_verdict)
{
	struct policy *p = must_parse(brief_policy);
	struct ike_sa sa = mk_sa(ike_aes128_sha1_dh2, NULL);
	struct got g = {0};

	sa.n_offers_total = 6;
	policy_check_ike_sa(p, &sa, collect, &g);
	cr_assert_eq(g.n, 1);
	cr_expect_eq(g.f[0].severity, POLICY_WARNING);
	cr_expect_not_null(find(&g, "(and 5 more proposals not kept)"));
	policy_free(p);
}

Test(policy, ke_payload_group_outside_the_policy_warns)
{
	struct policy *p = must_parse(brief_policy);
	static const uint16_t both[] = {T(ENCR, AES_CBC, 256),
	    T(INTEG, HMAC_SHA2_384_192, 0), T(PRF, HMAC_SHA2_384, 0),
	    T(KE, MODP_2048, 0), T(KE, MODP_2048_256, 0), 0};
	struct ike_sa sa = mk_sa(both, NULL);
	struct got g = {0};

	sa.ke_group_offered = IKEV2_KE_MODP_2048;
	policy_check_ike_sa(p, &sa, collect, &g);
	dump(&g);
	cr_expect_not_null(find(&g, "initiator's KE payload used DHGroup14; "
	    "policy requires DHGroup24: a responder with this policy answers "
	    "INVALID_KE_PAYLOAD"));
	/* The responder asking for a group outside the policy. */
	g.n = 0;
	sa.outcome = IKE_OUT_RETRIED;
	sa.ke_group_offered = IKEV2_KE_MODP_2048_256;
	sa.ke_group_requested = IKEV2_KE_ECP_256;
	policy_check_ike_sa(p, &sa, collect, &g);
	dump(&g);
	cr_assert_eq(g.n, 1);	/* a retried SA: only the KE news */
	cr_expect_str_eq(g.f[0].text, "responder asked for ECP256 "
	    "(INVALID_KE_PAYLOAD); policy requires DHGroup24");
	cr_expect_eq(g.f[0].severity, POLICY_MISMATCH);
	policy_free(p);
}

Test(policy, long_offers_print_four_names_per_slot)
{
	struct policy *p = must_parse(brief_policy);
	static const uint16_t many[] = {T(ENCR, AES_CBC, 128),
	    T(ENCR, AES_CBC, 192), T(ENCR, AES_CBC, 256), T(ENCR, 3DES, 0),
	    T(ENCR, AES_CTR, 128), T(ENCR, AES_CTR, 256),
	    T(INTEG, HMAC_SHA1_96, 0), T(PRF, HMAC_SHA1, 0),
	    T(KE, MODP_1024, 0), 0};
	struct ike_sa sa = mk_sa(many, NULL);
	struct got g = {0};

	sa.ke_group_offered = IKEV2_KE_MODP_1024;
	policy_check_ike_sa(p, &sa, collect, &g);
	dump(&g);
	cr_assert_eq(g.n, 1);
	cr_expect_str_eq(g.f[0].text, "initiator offered AES128,AES192,AES256,"
	    "DES3 +2 more/SHA1/DHGroup2; policy requires AES256/SHA384/"
	    "DHGroup24: no proposal has the policy's integrity or DH group");
	policy_free(p);
}

Test(policy, cookie_retry_adds_nothing_its_retry_will_not_say)
{
	struct policy *p = must_parse(brief_policy);
	struct ike_sa sa = mk_sa(ike_aes128_sha1_dh2, NULL);
	struct got g = {0};

	sa.outcome = IKE_OUT_RETRIED;
	sa.cookie_requested = true;
	policy_check_ike_sa(p, &sa, collect, &g);
	cr_expect_eq(g.n, 0);
	/* INVALID_KE_PAYLOAD retry whose offers lack the policy's group:
	 * the offers' mismatch (on the retry) says it, not the KE guess. */
	sa.cookie_requested = false;
	sa.ke_group_requested = IKEV2_KE_MODP_2048_256;
	policy_check_ike_sa(p, &sa, collect, &g);
	cr_expect_eq(g.n, 0);
	policy_free(p);
}

Test(policy, ikev1_and_uncaptured_init_are_said_not_checked)
{
	struct policy *p = must_parse(brief_policy);
	struct ike_sa sa = mk_sa(NULL, NULL);
	struct got g = {0};

	policy_check_ike_sa(p, &sa, collect, &g);
	cr_assert_eq(g.n, 1);
	cr_expect_str_eq(g.f[0].text, "IKE_SA_INIT not captured: IKE proposals "
	    "not checked against AES256/SHA384/DHGroup24");
	g.n = 0;
	sa.ike_major = 1;
	policy_check_ike_sa(p, &sa, collect, &g);
	cr_assert_eq(g.n, 1);
	cr_expect_str_eq(g.f[0].text, "IKEv1 negotiation: policy checks cover "
	    "IKEv2 only");
	/* NULL arguments do nothing. */
	policy_check_ike_sa(NULL, &sa, collect, &g);
	policy_check_ike_sa(p, NULL, collect, &g);
	policy_check_ike_sa(p, &sa, NULL, &g);
	cr_expect_eq(g.n, 1);
	policy_free(p);
}

Test(policy, default_policy_skips_algorithm_checks)
{
	struct policy *p = must_parse("DpdTimeoutSeconds = 45\n");
	struct ike_sa sa = mk_sa(ike_aes128_sha1_dh2, ike_aes128_sha1_dh2);
	struct got g = {0};

	policy_check_ike_sa(p, &sa, collect, &g);
	cr_expect_eq(g.n, 0);
	policy_free(p);
}

/* ---- lifetimes and DPD -------------------------------------------- */

Test(policy, frequent_rekeys_are_reported_against_the_sa_lifetime)
{
	struct policy *p = must_parse(brief_policy);
	struct ike_sa sa = mk_sa(ike_aes256_sha384_dh24, ike_aes256_sha384_dh24);
	struct ike_exchange ex[IKE_SA_EXCHANGES];
	struct got g = {0};

	add_exch(&sa, ex, IKEV2_EXCH_IKE_SA_INIT, 1000);
	add_exch(&sa, ex, IKEV2_EXCH_IKE_AUTH, 1000.1);
	/* three more children right after AUTH: one burst, not rekeys */
	add_exch(&sa, ex, IKEV2_EXCH_CREATE_CHILD_SA, 1000.5);
	add_exch(&sa, ex, IKEV2_EXCH_CREATE_CHILD_SA, 1001);
	add_exch(&sa, ex, IKEV2_EXCH_CREATE_CHILD_SA, 1001.5);
	/* then rekeys every ~3591 s (strongSwan-style jitter) */
	add_exch(&sa, ex, IKEV2_EXCH_CREATE_CHILD_SA, 1000.15 + 3591);
	add_exch(&sa, ex, IKEV2_EXCH_CREATE_CHILD_SA, 1000.15 + 3591 + 2);
	add_exch(&sa, ex, IKEV2_EXCH_CREATE_CHILD_SA, 1000.15 + 2 * 3588);
	add_exch(&sa, ex, IKEV2_EXCH_CREATE_CHILD_SA, 1000.15 + 3 * 3597);
	policy_check_ike_sa(p, &sa, collect, &g);
	dump(&g);
	cr_expect_not_null(find(&g, "CREATE_CHILD_SA rekeys every ~3600 s; "
	    "policy SA lifetime 27000 s: the peer's lifetime (or data limit) "
	    "is shorter; SA lifetimes are local settings and need not match"));
	cr_expect_eq(find(&g, "rekeys")->severity, POLICY_INFO);
	cr_expect_eq(find(&g, "rekeys")->area, POLICY_AREA_LIFETIME);
	policy_free(p);
}

Test(policy, rekeys_within_the_lifetime_are_info)
{
	struct policy *p = must_parse(brief_policy);
	struct ike_sa sa = mk_sa(ike_aes256_sha384_dh24, ike_aes256_sha384_dh24);
	struct ike_exchange ex[IKE_SA_EXCHANGES];
	struct got g = {0};

	add_exch(&sa, ex, IKEV2_EXCH_IKE_AUTH, 10);
	add_exch(&sa, ex, IKEV2_EXCH_CREATE_CHILD_SA, 10 + 26500);
	add_exch(&sa, ex, IKEV2_EXCH_CREATE_CHILD_SA, 10 + 2 * 26500);
	policy_check_ike_sa(p, &sa, collect, &g);
	dump(&g);
	cr_expect_not_null(find(&g, "CREATE_CHILD_SA rekeys every ~27000 s; "
	    "policy SA lifetime 27000 s"));
	cr_expect_eq(count_sev(&g, POLICY_WARNING), 0);
	policy_free(p);
}

Test(policy, sa_outliving_both_lifetimes_warns)
{
	struct policy *p = must_parse(brief_policy);
	struct ike_sa sa = mk_sa(ike_aes256_sha384_dh24, ike_aes256_sha384_dh24);
	struct ike_exchange ex[IKE_SA_EXCHANGES];
	struct got g = {0};

	add_exch(&sa, ex, IKEV2_EXCH_IKE_AUTH, 10);
	add_exch(&sa, ex, IKEV2_EXCH_CREATE_CHILD_SA, 10 + 40000);
	policy_check_ike_sa(p, &sa, collect, &g);
	dump(&g);
	cr_expect_not_null(find(&g, "CREATE_CHILD_SA exchanges up to ~40000 s "
	    "apart; policy SA lifetime 27000 s, IKE lifetime 28800 s"));
	cr_expect_eq(find(&g, "exchanges up to")->severity, POLICY_WARNING);
	/* No rekey at all over 35000 s of IKE traffic. */
	memset(&g, 0, sizeof(g));
	sa = mk_sa(ike_aes256_sha384_dh24, ike_aes256_sha384_dh24);
	add_exch(&sa, ex, IKEV2_EXCH_IKE_AUTH, 10);
	add_exch(&sa, ex, IKEV2_EXCH_INFORMATIONAL, 10 + 35000);
	policy_check_ike_sa(p, &sa, collect, &g);
	dump(&g);
	cr_expect_not_null(find(&g, "no CREATE_CHILD_SA in 35000 s after "
	    "IKE_AUTH; policy SA lifetime 27000 s, IKE lifetime 28800 s"));
	policy_free(p);
}

Test(policy, liveness_gaps_beyond_the_dpd_timeout_warn)
{
	struct policy *p = must_parse(brief_policy);
	struct ike_sa sa = mk_sa(ike_aes256_sha384_dh24, ike_aes256_sha384_dh24);
	struct got g = {0};

	sa.liveness = 5;
	sa.liveness_max_gap_ns = S(120);
	policy_check_ike_sa(p, &sa, collect, &g);
	dump(&g);
	cr_assert_not_null(find(&g, "liveness checks up to 120 s apart; policy "
	    "DPD timeout 45 s"));
	cr_expect_eq(find(&g, "liveness")->severity, POLICY_WARNING);
	cr_expect_eq(find(&g, "liveness")->area, POLICY_AREA_DPD);
	g.n = 0;
	sa.liveness_max_gap_ns = S(30);
	policy_check_ike_sa(p, &sa, collect, &g);
	cr_expect_not_null(find(&g, "liveness checks at most 30 s apart; "
	    "within policy DPD timeout 45 s"));
	g.n = 0;
	sa.liveness_unanswered = 2;
	policy_check_ike_sa(p, &sa, collect, &g);
	cr_expect_not_null(find(&g, "2 of 5 liveness checks went unanswered"));
	policy_free(p);
}

/* ---- CHILD_SA checks ---------------------------------------------- */

Test(policy, gcmaes_paired_with_sha_integrity_on_the_wire_is_a_mismatch)
{
	struct policy *p = must_parse(brief_policy);
	struct ikev2_proposal offers[2];
	struct policy_child c;
	struct got g = {0};

	offers[0] = mk(IKEV2_PROTO_ESP, esp_gcm256_sha256);
	offers[1] = mk(IKEV2_PROTO_ESP, esp_gcm256);
	memset(&c, 0, sizeof(c));
	c.exchange = IKEV2_EXCH_IKE_AUTH;
	c.offers = offers;
	c.n_offers = 2;
	c.chosen = &offers[1];
	policy_check_child(p, 9, &c, NULL, collect, &g);
	dump(&g);
	cr_assert_not_null(find(&g, "initiator offered IPsec encryption "
	    "GCMAES256 paired with integrity SHA256: Azure requires the same "
	    "GCMAES algorithm for both"));
	cr_expect_eq(find(&g, "paired")->area, POLICY_AREA_IPSEC_PROPOSAL);
	cr_expect_eq(find(&g, "paired")->severity, POLICY_MISMATCH);
	cr_expect_eq(find(&g, "paired")->ike_serial, 9);
	/* The second offer and the choice fit (PFS is not IKE_AUTH's). */
	cr_expect_not_null(find(&g, "responder chose GCMAES256/GCMAES256/None: "
	    "fits the policy GCMAES256/GCMAES256/None (PFS applies to "
	    "CREATE_CHILD_SA only)"));
	policy_free(p);
}

Test(policy, child_choice_outside_the_policy_names_each_slot)
{
	struct policy *p = must_parse(brief_policy);
	struct ikev2_proposal offer = mk(IKEV2_PROTO_ESP, esp_aes256_sha256);
	struct ikev2_proposal pfs = mk(IKEV2_PROTO_ESP, esp_gcm256_pfs2048);
	struct policy_child c;
	struct got g = {0};

	memset(&c, 0, sizeof(c));
	c.exchange = IKEV2_EXCH_CREATE_CHILD_SA;
	c.offers = &offer;
	c.n_offers = 1;
	c.chosen = &offer;
	policy_check_child(p, 9, &c, NULL, collect, &g);
	dump(&g);
	cr_expect_not_null(find(&g, "CREATE_CHILD_SA: initiator offered "
	    "AES256/SHA256/None; policy requires GCMAES256/GCMAES256/None: "
	    "no proposal has the policy's encryption or integrity"));
	cr_expect_not_null(find(&g, "CREATE_CHILD_SA: responder chose "
	    "AES256/SHA256/None: encryption AES256 is not the policy's "
	    "GCMAES256, integrity SHA256 is not the policy's GCMAES256"));
	/* PFS in a rekey when the policy says None. */
	g.n = 0;
	c.offers = &pfs;
	c.chosen = &pfs;
	policy_check_child(p, 9, &c, NULL, collect, &g);
	dump(&g);
	cr_expect_not_null(find(&g, "responder chose GCMAES256/GCMAES256/"
	    "PFS2048: PFS group PFS2048 is not the policy's None"));
	cr_expect_not_null(find(&g, "no proposal has the policy's PFS group"));
	/* ... which IKE_AUTH does not negotiate. */
	g.n = 0;
	c.exchange = IKEV2_EXCH_IKE_AUTH;
	policy_check_child(p, 9, &c, NULL, collect, &g);
	cr_expect_eq(count_sev(&g, POLICY_MISMATCH), 0);
	policy_free(p);
}

static const char ts_policy[] =
	"UsePolicyBasedTrafficSelectors = true\n"
	"LocalPrefixes  = 192.168.0.0/16, 172.16.0.0/16\n"
	"RemotePrefixes = 10.1.0.0/16, 10.2.0.0/16\n";

Test(policy, one_child_with_all_prefixes_covers_every_combination)
{
	struct policy *p = must_parse(ts_policy);
	struct policy_ts_range tsi[2], tsr[2];
	struct policy_child c;
	struct got g = {0};

	tsi[0] = ts4("10.1.0.0", "10.1.255.255");
	tsi[1] = ts4("10.2.0.0", "10.2.255.255");
	tsr[0] = ts4("192.168.0.0", "192.168.255.255");
	tsr[1] = ts4("172.16.0.0", "172.16.255.255");
	memset(&c, 0, sizeof(c));
	c.exchange = IKEV2_EXCH_IKE_AUTH;
	c.tsi = tsi;
	c.n_tsi = 2;
	c.tsr = tsr;
	c.n_tsr = 2;
	policy_check_child(p, 3, &c, NULL, collect, &g);
	dump(&g);
	cr_assert_eq(g.n, 1);
	cr_expect_str_eq(g.f[0].text, "traffic selectors cover all 4 "
	    "combinations of local and remote prefixes");
	policy_free(p);
}

Test(policy, missing_prefix_combinations_are_listed_like_the_seed)
{
	struct policy *p = must_parse(ts_policy);
	struct policy_ts_range tsi = ts4("10.1.0.0", "10.1.255.255");
	struct policy_ts_range tsr = ts4("192.168.0.0", "192.168.255.255");
	struct policy_child c;
	struct got g = {0};

	memset(&c, 0, sizeof(c));
	c.exchange = IKEV2_EXCH_IKE_AUTH;
	c.tsi = &tsi;
	c.n_tsi = 1;
	c.tsr = &tsr;
	c.n_tsr = 1;
	policy_check_child(p, 3, &c, NULL, collect, &g);
	dump(&g);
	cr_assert_eq(g.n, 1);
	cr_expect_eq(g.f[0].severity, POLICY_MISMATCH);
	cr_expect_eq(g.f[0].area, POLICY_AREA_TRAFFIC_SELECTORS);
	cr_expect_str_eq(g.f[0].text, "missing traffic-selector combinations "
	    "(3 of 4; policy-based selectors pair every remote prefix with "
	    "every local prefix): 10.1.0.0/16 <====> 172.16.0.0/16, "
	    "10.2.0.0/16 <====> 192.168.0.0/16, 10.2.0.0/16 <====> "
	    "172.16.0.0/16");
	policy_free(p);
}

Test(policy, combinations_accumulate_over_the_children_of_one_sa)
{
	struct policy *p = must_parse(ts_policy);
	static const char *const pairs[4][4] = {
		{"10.1.0.0", "10.1.255.255", "192.168.0.0", "192.168.255.255"},
		{"172.16.0.0", "172.16.255.255", "10.1.0.0", "10.1.255.255"},
		{"10.2.0.0", "10.2.255.255", "192.168.0.0", "192.168.255.255"},
		{"10.2.0.0", "10.2.255.255", "172.16.0.0", "172.16.255.255"},
	};
	struct policy_ts_cover cover;
	struct got g = {0};
	size_t i;

	policy_ts_cover_init(&cover);
	policy_check_ts_cover(p, 3, &cover, collect, &g);
	cr_expect_eq(g.n, 0);	/* no child seen: nothing to say */
	for (i = 0; i < 4; i++) {
		struct policy_ts_range a = ts4(pairs[i][0], pairs[i][1]);
		struct policy_ts_range b = ts4(pairs[i][2], pairs[i][3]);
		struct policy_child c;

		memset(&c, 0, sizeof(c));
		c.exchange = IKEV2_EXCH_CREATE_CHILD_SA;
		c.tsi = &a;
		c.n_tsi = 1;
		c.tsr = &b;
		c.n_tsr = 1;
		policy_check_child(p, 3, &c, &cover, collect, &g);
		cr_expect_eq(g.n, 0, "child %zu: no findings while folding", i);
		if (i == 2) {
			policy_check_ts_cover(p, 3, &cover, collect, &g);
			cr_assert_eq(g.n, 1);
			cr_expect_not_null(find(&g, "(1 of 4; "));
			cr_expect_not_null(find(&g, "10.2.0.0/16 <====> "
			    "172.16.0.0/16"));
			g.n = 0;
		}
	}
	policy_check_ts_cover(p, 3, &cover, collect, &g);
	cr_assert_eq(g.n, 1);
	cr_expect_str_eq(g.f[0].text, "traffic selectors cover all 4 "
	    "combinations of local and remote prefixes");
	cr_expect_eq(cover.children, 4);
	policy_free(p);
}

static struct policy_ts_range
ts6(const char *lo, const char *hi)
{
	struct policy_ts_range r;

	memset(&r, 0, sizeof(r));
	r.family = 6;
	r.port_hi = 65535;
	cr_assert_eq(inet_pton(AF_INET6, lo, r.start), 1);
	cr_assert_eq(inet_pton(AF_INET6, hi, r.end), 1);
	return r;
}

Test(policy, ipv6_prefixes_pair_only_with_ipv6)
{
	struct policy *p = must_parse("UsePolicyBasedTrafficSelectors = 1\n"
	    "LocalPrefixes  = 2001:db8:1::/48, 192.168.0.0/16\n"
	    "RemotePrefixes = 2001:db8:2::/48, 10.1.0.0/16\n");
	struct policy_ts_range tsi = ts6("2001:db8:2::",
	    "2001:db8:2:ffff:ffff:ffff:ffff:ffff");
	struct policy_ts_range tsr = ts6("2001:db8:1::",
	    "2001:db8:1:ffff:ffff:ffff:ffff:ffff");
	struct policy_child c;
	struct got g = {0};

	memset(&c, 0, sizeof(c));
	c.exchange = IKEV2_EXCH_IKE_AUTH;
	c.tsi = &tsi;
	c.n_tsi = 1;
	c.tsr = &tsr;
	c.n_tsr = 1;
	policy_check_child(p, 3, &c, NULL, collect, &g);
	dump(&g);
	cr_assert_eq(g.n, 1);
	/* two same-family pairs, not four; the IPv6 one is covered */
	cr_expect_str_eq(g.f[0].text, "missing traffic-selector combinations "
	    "(1 of 2; policy-based selectors pair every remote prefix with "
	    "every local prefix): 10.1.0.0/16 <====> 192.168.0.0/16");
	policy_free(p);
}

Test(policy, selectors_wider_outside_or_port_limited_are_flagged)
{
	struct policy *p = must_parse(ts_policy);
	struct policy_ts_range any = ts4("0.0.0.0", "255.255.255.255");
	struct policy_ts_range out = ts4("10.3.0.0", "10.3.255.255");
	struct policy_ts_range web = ts4("192.168.0.0", "192.168.255.255");
	struct policy_ts_range v6;
	struct policy_ts_range tsi[2], tsr[2];
	struct policy_child c;
	struct got g = {0};

	memset(&v6, 0, sizeof(v6));
	v6.family = 6;
	v6.port_hi = 65535;
	memset(v6.end, 0xff, 16);
	web.ip_proto = 6;
	web.port_lo = web.port_hi = 443;
	tsi[0] = any;
	tsi[1] = v6;	/* ::/0: no IPv6 prefixes, not judged */
	tsr[0] = out;
	tsr[1] = web;
	memset(&c, 0, sizeof(c));
	c.exchange = IKEV2_EXCH_IKE_AUTH;
	c.tsi = tsi;
	c.n_tsi = 2;
	c.tsr = tsr;
	c.n_tsr = 2;
	policy_check_child(p, 3, &c, NULL, collect, &g);
	dump(&g);
	cr_expect_not_null(find(&g, "TSi 0.0.0.0/0 is wider than the policy's "
	    "prefixes: with UsePolicyBasedTrafficSelectors the selectors must "
	    "name each prefix pair, not any-to-any"));
	cr_expect_not_null(find(&g, "TSr 10.3.0.0/16 is outside the policy's "
	    "prefixes (local 192.168.0.0/16, 172.16.0.0/16; remote "
	    "10.1.0.0/16, 10.2.0.0/16)"));
	cr_expect_not_null(find(&g, "TSr 192.168.0.0/16 protocol 6 ports "
	    "443-443 covers only part of the traffic"));
	cr_expect_null(find(&g, "::"));
	/* A non-address selector (family 0) is not judged at all. */
	g.n = 0;
	memset(&tsi[1], 0, sizeof(tsi[1]));
	c.tsi = &tsi[1];
	c.n_tsi = 1;
	c.tsr = &tsi[1];
	c.n_tsr = 1;
	policy_check_child(p, 3, &c, NULL, collect, &g);
	dump(&g);
	cr_assert_eq(g.n, 1);
	cr_expect_not_null(find(&g, "(4 of 4;"));
	/* TSr holds an outside prefix and a port-limited one: whatever
	 * TSi covers, no pair is whole. */
	cr_expect_not_null(find(&g, "missing traffic-selector combinations "
	    "(4 of 4;"));
	policy_free(p);
}

Test(policy, route_based_connection_notes_narrow_selectors)
{
	struct policy *p = must_parse("LocalPrefixes = 192.168.0.0/16\n"
	    "RemotePrefixes = 10.1.0.0/16\n");
	struct policy_ts_range a = ts4("10.1.0.0", "10.1.255.255");
	struct policy_ts_range b = ts4("192.168.1.0", "192.168.1.9");
	struct policy_ts_range any = ts4("0.0.0.0", "255.255.255.255");
	struct policy_child c;
	struct got g = {0};

	memset(&c, 0, sizeof(c));
	c.exchange = IKEV2_EXCH_IKE_AUTH;
	c.tsi = &a;
	c.n_tsi = 1;
	c.tsr = &b;
	c.n_tsr = 1;
	policy_check_child(p, 3, &c, NULL, collect, &g);
	dump(&g);
	cr_assert_eq(g.n, 1);
	cr_expect_eq(g.f[0].severity, POLICY_INFO);
	cr_expect_str_eq(g.f[0].text, "IKE_AUTH: TSi 10.1.0.0/16, TSr "
	    "192.168.1.0-192.168.1.9 are narrower than any-to-any: a "
	    "route-based connection (UsePolicyBasedTrafficSelectors = false) "
	    "uses 0.0.0.0/0; a policy-based peer needs "
	    "UsePolicyBasedTrafficSelectors = true");
	g.n = 0;
	c.tsi = &any;
	c.tsr = &any;
	policy_check_child(p, 3, &c, NULL, collect, &g);
	cr_expect_eq(g.n, 0);
	policy_free(p);
}

/* ---- NO_PROPOSAL_CHOSEN without a policy -------------------------- */

Test(policy, no_proposal_chosen_is_explained_from_the_wire)
{
	struct ike_sa sa = mk_sa(ike_aes128_sha1_dh2, NULL);
	struct ike_exchange ex[4];
	char buf[1024];
	size_t n;

	add_exch(&sa, ex, IKEV2_EXCH_IKE_SA_INIT, 1);
	ex[0].resp_error = IKEV2_N_NO_PROPOSAL_CHOSEN;
	n = policy_explain_no_proposal(&sa, NULL, buf, sizeof(buf));
	cr_expect_eq(n, strlen(buf));
	cr_expect_str_eq(buf, "the responder accepted none of the initiator's "
	    "1 IKE proposal: AES128/SHA1/DHGroup2 (IKE:AES_CBC_128/"
	    "HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024); every offer uses DH groups "
	    "of 1024 bits or less (DHGroup2 and below), which current gateways "
	    "refuse");
	cr_expect_null(strchr(buf, '\n'));
}

Test(policy, no_proposal_chosen_compares_with_what_the_responder_accepted)
{
	struct ike_sa sa = mk_sa(ike_aes128_sha1_dh2, NULL);
	struct ikev2_proposal known = mk(IKEV2_PROTO_IKE,
	    ike_aes256_sha384_dh24);
	char buf[1024];

	sa.offers[1] = mk(IKEV2_PROTO_IKE, ike_aes256_sha256_dh14);
	sa.n_offers = sa.n_offers_total = 2;
	policy_explain_no_proposal(&sa, &known, buf, sizeof(buf));
	cr_log_info("%s", buf);
	cr_expect(strstr(buf, "initiator's 2 IKE proposals: AES128/SHA1/"
	    "DHGroup2 (IKE:AES_CBC_128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024); "
	    "AES256/SHA256/DHGroup14 (") != NULL, "%s", buf);
	cr_expect(strstr(buf, ". This responder accepted AES256/SHA384/"
	    "DHGroup24 (IKE:AES_CBC_256/HMAC_SHA2_384_192/PRF_HMAC_SHA2_384/"
	    "MODP_2048_256) from the same initiator elsewhere in the capture: "
	    "INTEG: ") != NULL, "%s", buf);
	/* AES_CBC_256 is among the offers: no ENCR line. */
	cr_expect_null(strstr(buf, "ENCR:"), "%s", buf);
	cr_expect(strstr(buf, "; KE: initiator offered MODP_1024 or MODP_2048, "
	    "responder accepts MODP_2048_256") != NULL, "%s", buf);
	/* PRF follows the integrity: no line of its own */
	cr_expect_null(strstr(buf, "PRF:"), "%s", buf);
	cr_expect(strstr(buf, "INTEG: initiator offered HMAC_SHA1_96 or "
	    "HMAC_SHA2_256_128, responder accepts HMAC_SHA2_384_192") != NULL,
	    "%s", buf);
	cr_expect_null(strchr(buf, '\n'));
	/* Accepted before and offered now: the responder changed. */
	sa.offers[1] = known;
	policy_explain_no_proposal(&sa, &known, buf, sizeof(buf));
	cr_expect(strstr(buf, "the offers include it, so the responder's "
	    "configuration changed") != NULL, "%s", buf);
}

Test(policy, no_proposal_chosen_for_a_child_sa_says_it_is_encrypted)
{
	struct ike_sa sa = mk_sa(ike_aes256_sha384_dh24, ike_aes256_sha384_dh24);
	struct ike_exchange ex[4];
	char buf[512];

	add_exch(&sa, ex, IKEV2_EXCH_IKE_SA_INIT, 1);
	add_exch(&sa, ex, IKEV2_EXCH_IKE_AUTH, 1.2);
	ex[1].resp_error = IKEV2_N_NO_PROPOSAL_CHOSEN;
	policy_explain_no_proposal(&sa, NULL, buf, sizeof(buf));
	cr_expect_str_eq(buf, "the responder refused the CHILD_SA (ESP) "
	    "proposals of IKE_AUTH with NO_PROPOSAL_CHOSEN; they travel "
	    "encrypted, so only the session keys show them; the IKE SA itself "
	    "agreed on AES256/SHA384/DHGroup24 (IKE:AES_CBC_256/"
	    "HMAC_SHA2_384_192/PRF_HMAC_SHA2_384/MODP_2048_256)");
	sa = mk_sa(NULL, NULL);
	policy_explain_no_proposal(&sa, NULL, buf, sizeof(buf));
	cr_expect_str_eq(buf, "NO_PROPOSAL_CHOSEN to an IKE_SA_INIT request "
	    "that was not captured: the initiator's offers are unknown");
	cr_expect_eq(policy_explain_no_proposal(NULL, NULL, buf, sizeof(buf)),
	    0);
}

Test(policy, explanation_truncates_but_reports_the_full_length)
{
	struct ike_sa sa = mk_sa(ike_aes128_sha1_dh2, NULL);
	char small[16], big[1024];
	size_t n;

	n = policy_explain_no_proposal(&sa, NULL, big, sizeof(big));
	cr_expect_eq(policy_explain_no_proposal(&sa, NULL, small,
	    sizeof(small)), n);
	cr_expect_eq(strlen(small), sizeof(small) - 1);
	cr_expect_eq(strncmp(small, big, sizeof(small) - 1), 0);
	cr_expect_eq(policy_explain_no_proposal(&sa, NULL, NULL, 0), n);
}

Test(policy, names_of_areas_and_severities)
{
	cr_expect_str_eq(policy_area_name(POLICY_AREA_TRAFFIC_SELECTORS),
	    "TRAFFIC_SELECTORS");
	cr_expect_str_eq(policy_area_name(POLICY_AREA_POLICY_FILE),
	    "POLICY_FILE");
	cr_expect_str_eq(policy_area_name(POLICY_AREA__COUNT), "UNKNOWN");
	cr_expect_str_eq(policy_severity_name(POLICY_MISMATCH), "MISMATCH");
	cr_expect_str_eq(policy_severity_name(POLICY_INFO), "INFO");
	cr_expect_str_eq(policy_severity_name(POLICY_SEVERITY__COUNT),
	    "UNKNOWN");
}

/* ---- through the real tracker ------------------------------------- */

/*
 * Message sequences built with tests/ikebuild go through ike_track and
 * diag as in the analyzer; the policy checks run in the done callback,
 * while the SA's timeline is still valid.
 */
static struct policy *trk_policy;
static struct diag *trk_diag;
static struct got trk_got;
static char trk_explain[1024];
static uint64_t trk_frame;
static struct net_addr trk_ini = {4, {10, 1, 0, 1}};
static struct net_addr trk_resp = {4, {192, 168, 0, 1}};

static void
trk_event(const struct fail_event *ev, void *ctx)
{
	(void)ev;
	(void)ctx;
}

static void
trk_done(struct ike_sa *sa, int64_t end_ns, bool at_end, void *ctx)
{
	(void)ctx;
	diag_ike_sa(trk_diag, sa, end_ns, at_end);
	policy_check_ike_sa(trk_policy, sa, collect, &trk_got);
	(void)policy_explain_no_proposal(sa, NULL, trk_explain,
	    sizeof(trk_explain));
}

static void
trk_feed(struct ike_track *tr, struct ikeb *m, bool from_initiator,
    double t)
{
	static struct ikev2_msg msg;
	struct ike_meta meta;

	memset(&meta, 0, sizeof(meta));
	ikeb_finish(m);
	cr_assert_eq(ikev2_decode(m->b, m->len, &msg), RC_OK, "%s",
	    msg.err_text);
	meta.ns = (int64_t)(t * 1e9);
	meta.frame = ++trk_frame;
	meta.src = from_initiator ? &trk_ini : &trk_resp;
	meta.dst = from_initiator ? &trk_resp : &trk_ini;
	meta.sport = meta.dport = 500;
	meta.bytes = m->b;
	meta.len = m->len;
	ike_track_message(tr, &meta, &msg);
}

/* One encrypted exchange from the initiator and its answer. */
static void
trk_sk_exchange(struct ike_track *tr, uint8_t exch, uint32_t msgid,
    uint8_t inner, double t)
{
	struct ikeb m;

	ikeb_start(&m, 0x1111, 0x2222, exch, IKEV2_FLAG_INITIATOR, msgid);
	ikeb_sk(&m, inner, 80);
	trk_feed(tr, &m, true, t);
	ikeb_start(&m, 0x1111, 0x2222, exch, IKEV2_FLAG_RESPONSE, msgid);
	ikeb_sk(&m, inner, 80);
	trk_feed(tr, &m, false, t + 0.02);
}

static struct ike_track *
trk_start(const char *policy_text)
{
	struct ike_track *tr;

	memset(&trk_got, 0, sizeof(trk_got));
	trk_explain[0] = '\0';
	trk_policy = must_parse(policy_text);
	trk_diag = diag_new(trk_event, NULL);
	tr = ike_track_new(trk_done, NULL);
	cr_assert(trk_diag != NULL && tr != NULL);
	return tr;
}

static void
trk_end(struct ike_track *tr, double t)
{
	ike_track_flush(tr, (int64_t)(t * 1e9));
	diag_finish(trk_diag);
	ike_track_free(tr);
	diag_free(trk_diag);
	policy_free(trk_policy);
}

static void
trk_init(struct ike_track *tr, uint16_t encr_bits, uint16_t integ,
    uint16_t prf, uint16_t group, bool refuse)
{
	struct ikeb m;

	ikeb_start(&m, 0x1111, 0, IKEV2_EXCH_IKE_SA_INIT,
	    IKEV2_FLAG_INITIATOR, 0);
	ikeb_sa_ike(&m, IKEV2_ENCR_AES_CBC, encr_bits, integ, prf, group);
	ikeb_ke(&m, group, 256);
	ikeb_nonce(&m);
	trk_feed(tr, &m, true, 0);
	ikeb_start(&m, 0x1111, refuse ? 0 : 0x2222, IKEV2_EXCH_IKE_SA_INIT,
	    IKEV2_FLAG_RESPONSE, 0);
	if (refuse) {
		ikeb_notify(&m, IKEV2_N_NO_PROPOSAL_CHOSEN, NULL, 0);
	} else {
		ikeb_sa_ike(&m, IKEV2_ENCR_AES_CBC, encr_bits, integ, prf,
		    group);
		ikeb_ke(&m, group, 256);
		ikeb_nonce(&m);
	}
	trk_feed(tr, &m, false, 0.01);
}

Test(policy, tracked_sa_gets_proposal_lifetime_and_dpd_findings)
{
	struct ike_track *tr = trk_start(brief_policy);
	uint32_t id = 1;
	double t;

	trk_init(tr, 256, IKEV2_INTEG_HMAC_SHA2_384_192,
	    IKEV2_PRF_HMAC_SHA2_384, IKEV2_KE_MODP_2048_256, false);
	trk_sk_exchange(tr, IKEV2_EXCH_IKE_AUTH, id++, IKEV2_PT_IDI, 0.1);
	/* liveness every 120 s; the peer rekeys its child every 3600 s */
	for (t = 120; t < 7300; t += 120) {
		if (t == 3600 || t == 7200)
			trk_sk_exchange(tr, IKEV2_EXCH_CREATE_CHILD_SA, id++,
			    IKEV2_PT_SA, t - 10);
		trk_sk_exchange(tr, IKEV2_EXCH_INFORMATIONAL, id++,
		    IKEV2_PT_NONE, t);
	}
	trk_end(tr, 7300);
	dump(&trk_got);
	cr_expect_not_null(find(&trk_got, "initiator offered AES256/SHA384/"
	    "DHGroup24; responder chose AES256/SHA384/DHGroup24: fits the "
	    "policy AES256/SHA384/DHGroup24"));
	cr_expect_not_null(find(&trk_got, "liveness checks up to 120 s apart; "
	    "policy DPD timeout 45 s"));
	/* Liveness checks fill the 48-exchange timeline before the second
	 * rekey: the finding says how much it saw. */
	cr_expect_not_null(find(&trk_got, "CREATE_CHILD_SA rekeys every ~3600 "
	    "s (first 1 of 2 exchanges kept); policy SA lifetime 27000 s"));
	cr_expect_eq(count_sev(&trk_got, POLICY_MISMATCH), 0);
}

Test(policy, tracked_sa_with_dense_liveness_estimates_rekeys)
{
	struct ike_track *tr = trk_start(brief_policy);
	uint32_t id = 1;
	double t;

	trk_init(tr, 256, IKEV2_INTEG_HMAC_SHA2_384_192,
	    IKEV2_PRF_HMAC_SHA2_384, IKEV2_KE_MODP_2048_256, false);
	trk_sk_exchange(tr, IKEV2_EXCH_IKE_AUTH, id++, IKEV2_PT_IDI, 0.1);
	for (t = 30; t <= 7200; t += 30) {
		if (t == 3600 || t == 7200)
			trk_sk_exchange(tr, IKEV2_EXCH_CREATE_CHILD_SA, id++,
			    IKEV2_PT_SA, t - 5);
		trk_sk_exchange(tr, IKEV2_EXCH_INFORMATIONAL, id++,
		    IKEV2_PT_NONE, t);
	}
	trk_end(tr, 7300);
	dump(&trk_got);
	cr_expect_not_null(find(&trk_got, "CREATE_CHILD_SA about every ~3600 s "
	    "(2 in 7199 s after IKE_AUTH; too few kept in the timeline to "
	    "time them); policy SA lifetime 27000 s: the peer's lifetime"));
	cr_expect_not_null(find(&trk_got, "liveness checks at most 30 s apart; "
	    "within policy DPD timeout 45 s"));
}

Test(policy, tracked_no_proposal_chosen_is_explained_and_checked)
{
	struct ike_track *tr = trk_start(brief_policy);

	trk_init(tr, 128, IKEV2_INTEG_HMAC_SHA1_96, IKEV2_PRF_HMAC_SHA1,
	    IKEV2_KE_MODP_1024, true);
	trk_end(tr, 60);
	dump(&trk_got);
	cr_expect_str_eq(trk_explain, "the responder accepted none of the "
	    "initiator's 1 IKE proposal: AES128/SHA1/DHGroup2 (IKE:AES_CBC_128/"
	    "HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024); every offer uses DH groups "
	    "of 1024 bits or less (DHGroup2 and below), which current gateways "
	    "refuse");
	cr_assert_eq(trk_got.n, 1);
	cr_expect_str_eq(trk_got.f[0].text, "initiator offered AES128/SHA1/"
	    "DHGroup2; policy requires AES256/SHA384/DHGroup24: no proposal "
	    "has the policy's encryption, integrity or DH group");
}
