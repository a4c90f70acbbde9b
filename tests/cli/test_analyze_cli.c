/*
 * The analyze command's contract: --help/--version, exit statuses per
 * kind of failure (docs/exit-status.md), messages naming the file and
 * place, results before a fault still reported, no partial report under
 * the final name.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

static char *
sample(const char *name)
{
	static char p[4096];

	snprintf(p, sizeof(p), "%s/samples/%s", TEST_SRCDIR, name);
	return p;
}

Test(analyze_cli, help_and_version_exit_zero)
{
	char *out;

	cr_expect_eq(tu_run_wfpdiag("analyze --help", &out), 0);
	cr_expect(strstr(out, "usage: wfpdiag analyze") != NULL);
	free(out);
	cr_expect_eq(tu_run_wfpdiag("--version", &out), 0);
	cr_expect(strstr(out, "wfpdiag ") == out);
	free(out);
	cr_expect_eq(tu_run_wfpdiag("--help", &out), 0);
	cr_expect(strstr(out, "analyze") != NULL);
	cr_expect(strstr(out, "capture") != NULL);
	free(out);
}

Test(analyze_cli, usage_errors_exit_two)
{
	cr_expect_eq(tu_run_wfpdiag("analyze", NULL), 2);
	cr_expect_eq(tu_run_wfpdiag("analyze --format nope x", NULL), 2);
	cr_expect_eq(tu_run_wfpdiag("frobnicate", NULL), 2);
	cr_expect_eq(tu_run_wfpdiag("", NULL), 2);
}

Test(analyze_cli, missing_file_is_unusable_input)
{
	char *out;

	cr_expect_eq(tu_run_wfpdiag("analyze -f text /nonexistent/x.pcap",
	    &out), 3);
	cr_expect(strstr(out, "/nonexistent/x.pcap") != NULL, "%s", out);
	free(out);
}

Test(analyze_cli, random_bytes_are_named_as_not_a_capture)
{
	uint8_t junk[512];
	char *path, args[4200], *out;
	size_t i;

	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 37 + 11);
	path = tu_write_temp(junk, sizeof(junk), ".bin");
	snprintf(args, sizeof(args), "analyze -f text %s", path);
	cr_expect_eq(tu_run_wfpdiag(args, &out), 3);
	cr_expect(strstr(out, path) != NULL, "%s", out);
	free(out);
	unlink(path);
	free(path);
}

/* A capture cut in the middle of a record: results up to the cut are
 * reported, the message names the file and the byte offset, exit 4. */
Test(analyze_cli, truncated_capture_reports_what_came_before)
{
	size_t len;
	uint8_t *d = tu_read_file(sample("no-proposal-chosen.pcap"), &len);
	char *path, args[4200], *out;

	cr_assert_not_null(d);
	path = tu_write_temp(d, len - 10, ".pcap");
	snprintf(args, sizeof(args), "analyze -f text %s", path);
	cr_expect_eq(tu_run_wfpdiag(args, &out), 4);
	cr_expect(strstr(out, "byte") != NULL, "offset named: %s", out);
	cr_expect(strstr(out, "IKE SAs: 1") != NULL, "%s", out);
	free(out);
	unlink(path);
	free(path);
	free(d);
}

Test(analyze_cli, unwritable_report_leaves_no_file_and_exits_five)
{
	char args[4200], *out;

	snprintf(args, sizeof(args), "analyze -o /nonexistent-dir/r.xml %s",
	    sample("ok-psk-esp.pcap"));
	cr_expect_eq(tu_run_wfpdiag(args, &out), 5);
	free(out);
}

Test(analyze_cli, xml_is_written_by_default_and_atomically)
{
	char dir[] = "/tmp/wfpdiag-cli-XXXXXX", args[4200], *out;
	char path[4200];
	struct stat st;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(args, sizeof(args), "cd %s && '%s' analyze %s", dir,
	    TEST_WFPDIAG, sample("ok-psk-esp.pcap"));
	cr_expect_eq(tu_run(args, &out), 0);
	free(out);
	snprintf(path, sizeof(path), "%s/wfpdiag.xml", dir);
	cr_expect_eq(stat(path, &st), 0, "wfpdiag.xml in the cwd");
	cr_expect_eq(st.st_mode & 0777, 0600, "reports may hold identities");
	snprintf(args, sizeof(args), "ls -A %s | wc -l", dir);
	tu_run(args, &out);
	cr_expect_eq(strtol(out, NULL, 10), 1, "no spool or temp file left");
	free(out);
	snprintf(args, sizeof(args), "rm -rf %s", dir);
	tu_run(args, NULL);
}

Test(analyze_cli, stdin_is_read_with_dash)
{
	char args[4200], *out;

	snprintf(args, sizeof(args), "cat %s | '%s' analyze -f text -",
	    sample("init-timeout.pcap"), TEST_WFPDIAG);
	cr_expect_eq(tu_run(args, &out), 0);
	cr_expect(strstr(out, "ERROR_IPSEC_IKE_TIMED_OUT") != NULL, "%s",
	    out);
	free(out);
}

Test(analyze_cli, verbose_prints_one_line_per_ike_message)
{
	char args[4200], *out, *p;
	int lines = 0;

	snprintf(args, sizeof(args), "analyze -f text -v %s",
	    sample("ok-psk-esp.pcap"));
	cr_expect_eq(tu_run_wfpdiag(args, &out), 0);
	for (p = out; (p = strstr(p, " msgid=")) != NULL; p++)
		lines++;
	cr_expect_eq(lines, 6, "INIT, AUTH, INFORMATIONAL pairs: %s", out);
	cr_expect(strstr(out, "IKE_SA_INIT I request msgid=0") != NULL);
	free(out);
}

Test(analyze_cli, policy_findings_reach_summary_and_report)
{
	char args[8192], *out, xml[] = "/tmp/wfpdiag-pol-XXXXXX.xml";
	int fd = mkstemps(xml, 4);
	size_t len;
	uint8_t *doc;

	close(fd);
	snprintf(args, sizeof(args), "analyze -o %s -p %s/samples/"
	    "policy-azure-s2s.conf %s", xml, TEST_SRCDIR,
	    sample("no-proposal-chosen.pcap"));
	cr_expect_eq(tu_run_wfpdiag(args, &out), 0, "%s", out);
	cr_expect(strstr(out, "policy requires AES256/SHA384/DHGroup24") !=
	    NULL, "%s", out);
	free(out);
	doc = tu_read_file(xml, &len);
	cr_assert_not_null(doc);
	doc = realloc(doc, len + 1);
	doc[len] = 0;
	cr_expect(strstr((char *)doc, "<policyFindings numItems=\"1\">") !=
	    NULL);
	free(doc);
	unlink(xml);
	snprintf(args, sizeof(args), "analyze -f text -p /nonexistent.conf "
	    "%s", sample("no-proposal-chosen.pcap"));
	cr_expect_eq(tu_run_wfpdiag(args, &out), 3, "%s", out);
	cr_expect(strstr(out, "/nonexistent.conf") != NULL, "%s", out);
	free(out);
}

/* capture-info.txt's "address:" lines make the capture host the local
 * side: here the responder, which refused the proposal itself. */
Test(analyze_cli, capture_info_addresses_decide_the_local_side)
{
	char dir[] = "/tmp/wfpdiag-info-XXXXXX", cmd[8192], *out;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "cd %s && cp %s capture.pcap && printf "
	    "'wfpdiag-capture-info: 1\\naddress: 192.0.2.1\\n' > "
	    "capture-info.txt && '%s' pack -q t.cab capture.pcap "
	    "capture-info.txt && '%s' analyze -f xml -o r.xml t.cab && "
	    "cat r.xml", dir, sample("no-proposal-chosen.pcap"), TEST_WFPDIAG,
	    TEST_WFPDIAG);
	cr_assert_eq(tu_run(cmd, &out), 0, "%s", out);
	cr_expect(strstr(out, "<localAddrV4>192.0.2.1</localAddrV4>") != NULL,
	    "%s", out);
	cr_expect(strstr(out, "IKEEXT_SA_ROLE_RESPONDER") != NULL);
	cr_expect(strstr(out, "<failurePoint>IPSEC_FAILURE_ME</failurePoint>")
	    != NULL, "the local responder refused");
	free(out);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	tu_run(cmd, NULL);
}

/* Drops the decryption lines, which are the only ones allowed to differ
 * between the default and --verify-all. */
static void
drop_decryption_lines(char *s)
{
	char *p = s, *w = s;

	while (*p != '\0') {
		char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) + 1 : strlen(p);

		if (strncmp(p, "decryption: ", 12) != 0 &&
		    memmem(p, n, "empty INFORMATIONAL", 19) == NULL) {
			memmove(w, p, n);
			w += n;
		}
		p += n;
	}
	*w = '\0';
}

Test(analyze_cli, empty_liveness_of_a_verified_side_is_not_rechecked)
{
	char args[4200], *def, *all;

	snprintf(args, sizeof(args), "analyze -f text -k %s %s",
	    tu_src("samples/keys/ok-psk-esp.ikev2_decryption_table"),
	    sample("ok-psk-esp.pcap"));
	cr_assert_eq(tu_run_wfpdiag(args, &def), 0);
	snprintf(args, sizeof(args), "analyze -f text --verify-all -k %s %s",
	    tu_src("samples/keys/ok-psk-esp.ikev2_decryption_table"),
	    sample("ok-psk-esp.pcap"));
	cr_assert_eq(tu_run_wfpdiag(args, &all), 0);
	/* The Delete request is decrypted; its empty answer comes from a
	 * side (responder) whose IKE_AUTH already verified. */
	cr_expect(strstr(def, "decryption: 3 IKE messages decrypted") != NULL,
	    "%s", def);
	cr_expect(strstr(def, "  1 empty INFORMATIONAL messages") != NULL,
	    "%s", def);
	cr_expect(strstr(all, "decryption: 4 IKE messages decrypted") != NULL,
	    "%s", all);
	cr_expect(strstr(all, "empty INFORMATIONAL") == NULL, "%s", all);
	drop_decryption_lines(def);
	drop_decryption_lines(all);
	cr_expect_str_eq(def, all);
	free(def);
	free(all);
}

Test(analyze_cli, export_keys_needs_a_file_of_its_own)
{
	char args[8192], *out;

	snprintf(args, sizeof(args), "analyze -f text --export-keys - '%s'",
	    sample("no-proposal-chosen.pcap"));
	cr_expect_eq(tu_run_wfpdiag(args, &out), 2);
	cr_expect(strstr(out, "--export-keys") != NULL, "%s", out);
	free(out);
	snprintf(args, sizeof(args), "analyze -o /tmp/wfpdiag-same.xml "
	    "--export-keys /tmp/wfpdiag-same.xml '%s'",
	    sample("no-proposal-chosen.pcap"));
	cr_expect_eq(tu_run_wfpdiag(args, &out), 2, "%s", out);
	free(out);
	cr_expect_eq(access("/tmp/wfpdiag-same.xml", F_OK), -1,
	    "no report written on a usage error");
	snprintf(args, sizeof(args), "analyze -f text --export-keys "
	    "/tmp/wfpdiag-k --export-esp-keys /tmp/wfpdiag-k '%s'",
	    sample("no-proposal-chosen.pcap"));
	cr_expect_eq(tu_run_wfpdiag(args, &out), 2, "%s", out);
	cr_expect(strstr(out, "other key file") != NULL, "%s", out);
	free(out);
	snprintf(args, sizeof(args), "analyze -f text --export-esp-keys - "
	    "'%s'", sample("no-proposal-chosen.pcap"));
	cr_expect_eq(tu_run_wfpdiag(args, &out), 2, "%s", out);
	free(out);
	cr_expect_eq(access("/tmp/wfpdiag-k", F_OK), -1);
	cr_expect_eq(tu_run_wfpdiag("analyze --help", &out), 0);
	cr_expect(strstr(out, "--export-keys FILE") != NULL);
	cr_expect(strstr(out, "--export-esp-keys FILE") != NULL);
	free(out);
}

Test(analyze_cli, export_keys_to_an_unwritable_place_exits_five)
{
	char args[8192], *out;

	snprintf(args, sizeof(args), "analyze -f text --export-keys "
	    "/nonexistent/dir/table '%s'", sample("no-proposal-chosen.pcap"));
	cr_expect_eq(tu_run_wfpdiag(args, &out), 5, "%s", out);
	cr_expect(strstr(out, "/nonexistent/dir/table") != NULL, "%s", out);
	free(out);
}

/* Swaps records a and b (0-based) of a little-endian classic pcap. */
static void
swap_records(uint8_t *d, size_t len, unsigned a, unsigned b)
{
	size_t off[64], sz[64], n = 0, p = 24;
	uint8_t *copy = malloc(len);

	cr_assert_not_null(copy);
	while (p + 16 <= len && n < 64) {
		uint32_t cap = (uint32_t)d[p + 8] | (uint32_t)d[p + 9] << 8 |
		    (uint32_t)d[p + 10] << 16 | (uint32_t)d[p + 11] << 24;

		off[n] = p;
		sz[n++] = 16 + cap;
		p += 16 + cap;
	}
	cr_assert(a < b && b < n);
	memcpy(copy, d, len);
	/* [a][between][b] -> [b][between][a] */
	p = off[a];
	memcpy(d + p, copy + off[b], sz[b]);
	p += sz[b];
	memcpy(d + p, copy + off[a] + sz[a], off[b] - off[a] - sz[a]);
	p += off[b] - off[a] - sz[a];
	memcpy(d + p, copy + off[a], sz[a]);
	free(copy);
}

/*
 * A capture merged from two interfaces can hold an answer before its
 * request: pairing, outcome, failures and the SA's first/last seen are
 * the same as in time order.
 */
Test(analyze_cli, a_response_before_its_request_changes_nothing)
{
	size_t len;
	uint8_t *d = tu_read_file(sample("ok-psk-esp.pcap"), &len);
	char *path, args[4200], *a, *b, *ra, *rb;
	char *xa = tu_write_temp((const uint8_t *)"", 0, ".xml");
	char *xb = tu_write_temp((const uint8_t *)"", 0, ".xml");
	size_t la, lb;

	cr_assert_not_null(d);
	snprintf(args, sizeof(args), "analyze -o %s %s", xa,
	    sample("ok-psk-esp.pcap"));
	cr_expect_eq(tu_run_wfpdiag(args, &a), 0);
	swap_records(d, len, 0, 1); /* IKE_SA_INIT response first */
	path = tu_write_temp(d, len, ".pcap");
	snprintf(args, sizeof(args), "analyze -o %s %s", xb, path);
	cr_expect_eq(tu_run_wfpdiag(args, &b), 0);
	cr_expect(strstr(b, "IKE SAs: 1, 1 established") != NULL, "%s", b);
	cr_expect(strstr(b, "failures: 0 events") != NULL, "%s", b);
	ra = (char *)tu_read_file(xa, &la);
	rb = (char *)tu_read_file(xb, &lb);
	cr_assert(ra != NULL && rb != NULL);
	cr_expect(strstr(rb, "<firstSeen>2026-01-15T08:00:00.000Z") != NULL,
	    "the SA starts at the request's stamp, not the first frame's");
	cr_expect(strstr(rb, "answered in frame 1 after 0.003 s") != NULL,
	    "the pair is found across the swap");
	free(a);
	free(b);
	free(ra);
	free(rb);
	unlink(path);
	unlink(xa);
	unlink(xb);
	free(path);
	free(xa);
	free(xb);
	free(d);
}

/* A capture without any IKE or ESP says so, rather than a bare
 * "0 events" that reads as "all is well". */
Test(analyze_cli, a_capture_without_ike_or_esp_gets_a_note)
{
	static const uint8_t pcap[] = {
	    0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff, 0, 0, 1, 0, 0, 0,
	    /* record: 42 bytes */
	    0, 0, 0x60, 0x65, 0, 0, 0, 0, 42, 0, 0, 0, 42, 0, 0, 0,
	    2, 2, 2, 2, 2, 2, 4, 4, 4, 4, 4, 4, 0x08, 0x00,
	    0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
	    0x14, 0xe9, 0, 53, 0, 8, 0, 0};
	char *path = tu_write_temp(pcap, sizeof(pcap), ".pcap"), args[4200];
	char *out;

	snprintf(args, sizeof(args), "analyze -f text %s", path);
	cr_expect_eq(tu_run_wfpdiag(args, &out), 0);
	cr_expect(strstr(out, "note: none of the 1 frames is IKE") != NULL,
	    "%s", out);
	free(out);
	snprintf(args, sizeof(args), "analyze -f text %s",
	    sample("init-timeout.pcap"));
	cr_expect_eq(tu_run_wfpdiag(args, &out), 0);
	cr_expect(strstr(out, "note: none") == NULL, "%s", out);
	free(out);
	unlink(path);
	free(path);
}
