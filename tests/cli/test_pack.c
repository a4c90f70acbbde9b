/*
 * wfpdiag pack: bundles files into a cabinet others can open, stores
 * basenames, refuses duplicates, and uses the exit statuses of
 * cli/commands.h (2 usage, 3 input, 5 output); no output file is left
 * behind on failure.
 */
#include <criterion/criterion.h>

#include "../formats/cab_testlib.h"

static char *dir;

static void
setup(void)
{
	uint8_t *b = ct_bytes(100000, 0, 1);
	char *p;

	dir = ct_tmpdir();
	p = ct_path(dir, "capture.pcap");
	ct_write(p, b, 100000);
	free(p);
	p = ct_path(dir, "keys.txt");
	ct_write(p, (const uint8_t *)"spi key\n", 8);
	free(p);
	mkdir(ct_path(dir, "sub"), 0700);
	p = ct_path(dir, "sub/keys.txt");
	ct_write(p, (const uint8_t *)"other\n", 6);
	free(p);
	free(b);
}

static int
pack(const char *args, char **out)
{
	char cmd[4096];

	snprintf(cmd, sizeof(cmd), "pack %s", args);
	return tu_run_wfpdiag(cmd, out);
}

TestSuite(pack, .init = setup);

Test(pack, bundles_files_under_their_basenames)
{
	char args[1024], *out, *cab = ct_path(dir, "out.cab");
	struct stat st;

	snprintf(args, sizeof(args), "'%s' '%s/capture.pcap' '%s/keys.txt'",
	    cab, dir, dir);
	cr_assert_eq(pack(args, &out), 0, "%s", out);
	cr_expect(strstr(out, cab) != NULL, "prints the path: %s", out);
	cr_expect(strstr(out, "2 members, 100008 bytes") != NULL, "%s", out);
	free(out);
	cr_assert_eq(stat(cab, &st), 0);
	cr_expect_eq(st.st_mode & 0777, 0600);
	if (tu_have_tool("cabextract")) {
		out = ct_sh("cabextract -t '%s'", cab);
		cr_expect(strstr(out, "capture.pcap") != NULL, "%s", out);
		cr_expect(strstr(out, "keys.txt") != NULL, "%s", out);
		cr_expect(strstr(out, dir) == NULL || strstr(out, "Testing "
		    "cabinet") != NULL);
		free(out);
		free(ct_sh("mkdir '%s/x' && cabextract -q -d '%s/x' '%s' && "
		    "cmp '%s/x/capture.pcap' '%s/capture.pcap'", dir, dir, cab,
		    dir, dir));
	}
}

Test(pack, help_and_bad_usage)
{
	char *out;

	cr_expect_eq(pack("--help", &out), 0);
	cr_expect(strstr(out, "usage: wfpdiag pack") != NULL, "%s", out);
	free(out);
	cr_expect_eq(pack("", &out), 2);
	free(out);
	cr_expect_eq(pack("only.cab", &out), 2);
	free(out);
	cr_expect_eq(pack("--level 12 x.cab y", &out), 2);
	free(out);
	cr_expect_eq(pack("--bogus x.cab y", &out), 2);
	free(out);
}

Test(pack, a_missing_input_is_exit_3_and_writes_nothing)
{
	char args[1024], *out, *cab = ct_path(dir, "m.cab");
	struct stat st;

	snprintf(args, sizeof(args), "'%s' '%s/capture.pcap' '%s/nope'", cab,
	    dir, dir);
	cr_expect_eq(pack(args, &out), 3, "%s", out);
	cr_expect(strstr(out, "nope") != NULL, "%s", out);
	free(out);
	cr_expect_neq(stat(cab, &st), 0);
}

Test(pack, duplicate_basenames_are_refused)
{
	char args[1024], *out, *cab = ct_path(dir, "d.cab");
	struct stat st;

	snprintf(args, sizeof(args), "'%s' '%s/keys.txt' '%s/sub/keys.txt'",
	    cab, dir, dir);
	cr_expect_eq(pack(args, &out), 2, "%s", out);
	cr_expect(strstr(out, "keys.txt") != NULL, "%s", out);
	free(out);
	cr_expect_neq(stat(cab, &st), 0);
}

Test(pack, a_name_that_is_not_utf8_is_refused)
{
	char args[1024], *out, *cab = ct_path(dir, "u.cab");
	char *bad = ct_path(dir, "bad\xff.txt");

	ct_write(bad, (const uint8_t *)"x", 1);
	snprintf(args, sizeof(args), "'%s' '%s'", cab, bad);
	cr_expect_eq(pack(args, &out), 3, "%s", out);
	cr_expect(strstr(out, "UTF-8") != NULL, "%s", out);
	free(out);
	free(bad);
}

Test(pack, an_unwritable_output_is_exit_5)
{
	char args[1024], *out;

	snprintf(args, sizeof(args), "/nonexistent/o.cab '%s/keys.txt'", dir);
	cr_expect_eq(pack(args, &out), 5, "%s", out);
	cr_expect(strstr(out, "/nonexistent/o.cab") != NULL, "%s", out);
	free(out);
}

Test(pack, split_size_rotates_into_complete_cabinets)
{
	char args[1024], *out, *cab = ct_path(dir, "r.cab");
	char *cab2 = ct_path(dir, "r-2.cab");
	struct stat st;

	snprintf(args, sizeof(args), "--split-size 140000 '%s' "
	    "'%s/capture.pcap' '%s/keys.txt'", cab, dir, dir);
	cr_assert_eq(pack(args, &out), 0, "%s", out);
	cr_expect(strstr(out, "r-2.cab") != NULL, "%s", out);
	free(out);
	cr_expect_eq(stat(cab, &st), 0);
	cr_expect_eq(stat(cab2, &st), 0);
	if (tu_have_tool("cabextract")) {
		free(ct_sh("cabextract -q -t '%s'", cab));
		free(ct_sh("cabextract -q -t '%s'", cab2));
	}
}
