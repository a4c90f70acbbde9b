/*
 * analyze/keys_out: analyzer_export_ike_keys() on the recorded strongSwan
 * lab runs (tests/integration/lab/recorded/): charon log keys bound by
 * ICV come out as a Wireshark ikev2_decryption_table (mode 0600) that
 * reads back and verifies the same messages again; keys that verified
 * nothing stay out.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyze/analyzer.h"
#include "formats/keytab.h"
#include "testutil.h"

static const char *
rec(const char *scenario, const char *file)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/tests/integration/lab/recorded/%s/%s",
	    TEST_SRCDIR, scenario, file);
	return path;
}

static struct analyzer *
analyzer(void)
{
	struct analyzer_opts o;
	struct analyzer *an;
	char err[256];

	memset(&o, 0, sizeof(o));
	an = analyzer_new(&o, err, sizeof(err));
	cr_assert_not_null(an, "%s", err);
	return an;
}

/* Analyses scenario's capture with the given key files, exports to a
 * fresh temporary path (returned, caller frees) and gives the count. */
static char *
export(const char *scenario, const char *const *keys, size_t nkeys,
    size_t *n)
{
	char tmpl[] = "/tmp/wfpdiag-keys-XXXXXX";
	struct analyzer *an = analyzer();
	size_t skipped = 9, i;
	int fd = mkstemp(tmpl);

	cr_assert_geq(fd, 0);
	close(fd);
	for (i = 0; i < nkeys; i++)
		cr_assert_eq(analyzer_add_keys(an, keys[i]), RC_OK, "%s",
		    analyzer_errmsg(an));
	cr_assert_eq(analyzer_add_path(an, rec(scenario, "capture.pcap")),
	    RC_OK, "%s", analyzer_errmsg(an));
	cr_assert_eq(analyzer_finish(an), RC_OK, "%s", analyzer_errmsg(an));
	cr_assert_eq(analyzer_export_ike_keys(an, tmpl, n, &skipped), RC_OK,
	    "%s", analyzer_errmsg(an));
	cr_expect_eq(skipped, 0);
	analyzer_free(an);
	return strdup(tmpl);
}

Test(keys_out, charon_keys_bound_by_icv_export_as_a_wireshark_table)
{
	char ini[4096], res[4096];
	const char *keys[2] = {ini, res};
	struct keytab *t = keytab_new();
	const struct keytab_ike *r;
	struct stat sb;
	char *path;
	size_t n = 0;

	snprintf(ini, sizeof(ini), "%s", rec("success", "charon-ini.log"));
	snprintf(res, sizeof(res), "%s", rec("success", "charon-res.log"));
	path = export("success", keys, 2, &n);
	cr_expect_eq(n, 1, "both logs hold the one IKE SA: exported once");
	cr_assert_eq(stat(path, &sb), 0);
	cr_expect_eq(sb.st_mode & 0777, 0600, "holds keys: mode %o",
	    sb.st_mode & 0777);
	cr_assert_eq(keytab_load(t, KEYTAB_AUTO, path), RC_OK, "%s",
	    keytab_errmsg(t));
	cr_assert_eq(keytab_ike_count(t), 1);
	r = keytab_ike_at(t, 0);
	cr_expect_eq(r->format, KEYTAB_WS_IKEV2);
	cr_expect(r->has_spis);
	cr_expect_eq(memcmp(r->spi_i, "\x56\x97\xd3\x74\xb1\x65\xd7\xe0", 8),
	    0);
	cr_expect_eq(memcmp(r->spi_r, "\x88\x62\xee\x24\x46\x96\xc1\xb5", 8),
	    0);
	cr_expect_str_eq(r->encr, "AES-CBC-256 [RFC3602]");
	cr_expect_str_eq(r->integ, "HMAC_SHA2_256_128 [RFC4868]");
	cr_expect(r->sk_ei.len == 32 && r->sk_er.len == 32 &&
	    r->sk_ai.len == 32 && r->sk_ar.len == 32);
	keytab_free(t);
	unlink(path);
	free(path);
}

Test(keys_out, exported_table_reads_back_and_verifies_the_same_sa)
{
	char ini[4096];
	const char *keys[1] = {ini};
	char *first, *second;
	uint8_t *a, *b;
	size_t n = 0, n2 = 0, la, lb;

	snprintf(ini, sizeof(ini), "%s", rec("authfail", "charon-ini.log"));
	first = export("authfail", keys, 1, &n);
	cr_assert_eq(n, 1);
	keys[0] = first;
	second = export("authfail", keys, 1, &n2);
	cr_expect_eq(n2, 1, "the exported keys verify the capture again");
	a = tu_read_file(first, &la);
	b = tu_read_file(second, &lb);
	cr_assert(a != NULL && b != NULL);
	cr_expect(la == lb && memcmp(a, b, la) == 0, "same table twice");
	free(a);
	free(b);
	unlink(first);
	unlink(second);
	free(first);
	free(second);
}

Test(keys_out, keys_that_verify_nothing_are_left_out)
{
	/* the success run's keys on another run's capture: no message of
	 * it verifies, so nothing is exported (a header line only) */
	char ini[4096];
	const char *keys[1] = {ini};
	struct keytab *t = keytab_new();
	char *path;
	size_t n = 7;

	snprintf(ini, sizeof(ini), "%s", rec("success", "charon-ini.log"));
	path = export("ts", keys, 1, &n);
	cr_expect_eq(n, 0);
	cr_assert_eq(keytab_load(t, KEYTAB_AUTO, path), RC_OK, "%s",
	    keytab_errmsg(t));
	cr_expect_eq(keytab_ike_count(t), 0);
	keytab_free(t);
	unlink(path);
	free(path);
}

Test(keys_out, unwritable_path_fails_with_a_message)
{
	struct analyzer *an = analyzer();
	size_t n, skipped;

	cr_assert_eq(analyzer_finish(an), RC_OK);
	cr_expect_neq(analyzer_export_ike_keys(an, "/nonexistent/dir/table",
	    &n, &skipped), RC_OK);
	cr_expect(strstr(analyzer_errmsg(an), "/nonexistent/dir/table") !=
	    NULL, "%s", analyzer_errmsg(an));
	analyzer_free(an);
}
