/*
 * Golden tests on samples/ (STYLE.md 10): each sample's text summary and
 * normalised XML report must equal samples/expected/ byte for byte, and
 * every report must validate against docs/wfpdiag-report.xsd. Samples
 * with throwaway keys are checked with and without them (exact vs
 * inferred diagnosis). scripts/update-golden.sh rewrites the expected
 * files; that is a reviewed step.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/report_validate.h"
#include "testutil.h"

static char *
slurp(const char *path)
{
	size_t len;
	uint8_t *d = tu_read_file(path, &len);
	char *s;

	if (d == NULL)
		return NULL;
	s = realloc(d, len + 1);
	s[len] = '\0';
	return s;
}

/* Runs a command from the source tree (relative paths as in goldens). */
static char *
run_in_src(const char *args, int *status)
{
	char cmd[8192];
	char *out = NULL;

	snprintf(cmd, sizeof(cmd), "cd '%s' && '%s' %s", TEST_SRCDIR,
	    TEST_WFPDIAG, args);
	*status = tu_run(cmd, &out);
	return out;
}

static int
check_sample(const char *name)
{
	char args[4096], keys[1024] = "", path[4096], stem[512];
	char xml[] = "/tmp/wfpdiag-golden-XXXXXX.xml", err[512], *out, *want;
	int status, bad = 0, fd = mkstemps(xml, 4);

	close(fd);
	snprintf(stem, sizeof(stem), "%.*s", (int)(strrchr(name, '.') - name),
	    name);
	snprintf(path, sizeof(path), "samples/keys/%s.ikev2_decryption_table",
	    stem);
	if (access(tu_src(path), R_OK) == 0)
		snprintf(keys, sizeof(keys), "-k %s", path);
	snprintf(args, sizeof(args), "analyze -f both -o %s %s samples/%s "
	    "| grep -v '^report: '", xml, keys, name);
	out = run_in_src(args, &status);
	snprintf(path, sizeof(path), "samples/expected/%s.txt", name);
	want = slurp(tu_src(path));
	cr_assert_not_null(want, "missing golden %s", path);
	if (strcmp(out, want) != 0) {
		cr_log_error("%s: summary differs from %s:\n%s", name, path,
		    out);
		bad++;
	}
	free(out);
	free(want);
	if (report_validate_file(xml, tu_src("docs/wfpdiag-report.xsd"), err,
	    sizeof(err)) != RC_OK) {
		cr_log_error("%s: report invalid: %s", name, err);
		bad++;
	}
	{
		char cmd[8192];

		snprintf(cmd, sizeof(cmd), "cd '%s' && scripts/"
		    "normalise-report.sh < %s", TEST_SRCDIR, xml);
		tu_run(cmd, &out);
	}
	snprintf(path, sizeof(path), "samples/expected/%s.xml", name);
	want = slurp(tu_src(path));
	cr_assert_not_null(want);
	if (strcmp(out, want) != 0) {
		cr_log_error("%s: report differs from %s", name, path);
		bad++;
	}
	free(out);
	free(want);
	unlink(xml);
	if (keys[0] != '\0') {
		snprintf(args, sizeof(args), "analyze -f text samples/%s", name);
		out = run_in_src(args, &status);
		snprintf(path, sizeof(path), "samples/expected/%s.nokeys.txt",
		    name);
		want = slurp(tu_src(path));
		if (want == NULL || strcmp(out, want) != 0) {
			cr_log_error("%s without keys differs from %s:\n%s",
			    name, path, out);
			bad++;
		}
		free(out);
		free(want);
	}
	return bad;
}

Test(golden, every_sample_matches_its_expected_summary_and_report)
{
	DIR *d = opendir(tu_src("samples"));
	struct dirent *e;
	int n = 0, bad = 0;

	cr_assert_not_null(d);
	while ((e = readdir(d)) != NULL) {
		if (strstr(e->d_name, ".pcap") == NULL)
			continue;
		bad += check_sample(e->d_name);
		n++;
	}
	closedir(d);
	cr_expect_gt(n, 10, "samples/ holds the bundled captures");
	cr_expect_eq(bad, 0, "%d golden mismatches", bad);
}

Test(golden, all_samples_together_give_one_merged_report)
{
	int status;
	char *out = run_in_src("analyze -f text samples/*.pcap "
	    "samples/*.pcapng", &status);

	cr_expect_eq(status, 0);
	cr_expect(strstr(out, "ERROR_IPSEC_IKE_POLICY_MATCH") != NULL);
	cr_expect(strstr(out, "ERROR_IPSEC_IKE_TIMED_OUT") != NULL);
	cr_expect(strstr(out, "ERROR_IPSEC_REPLAY_CHECK_FAILED") != NULL);
	free(out);
}
