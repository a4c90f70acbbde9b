/*
 * cab_writer: our cabinets open in the tools the issue names (cabextract,
 * gcab, bsdtar/libarchive) with byte-identical members, limits split into
 * folders or refuse clearly, series rotate, names are checked, output is
 * atomic and 0600, and threads do not change a byte.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "cab_testlib.h"
#include "formats/cab_reader.h"
#include "formats/cab_writer.h"

struct member {
	const char *name;
	size_t size;
	int kind;
};

/* The interop matrix (the 100 MB member has its own test). */
static const struct member matrix[] = {
	{"empty.bin", 0, 0},
	{"one.bin", 1, 1},
	{"block.bin", 32768, 1},
	{"block-plus-one.bin", 32769, 1},
	{"capture.pcap", 700000, 0},
	{"noise.bin", 200000, 1},
	{"keys.txt", 5000, 0},
};
#define NMATRIX (sizeof(matrix) / sizeof(matrix[0]))

/* Writes each member into dir/in/ and packs them into dir/out.cab. */
static char *
make_cab(const char *dir, const struct member *m, size_t n, unsigned thr)
{
	struct cab_writer *w;
	char *in = ct_path(dir, "in"), *cab = ct_path(dir, "out.cab");
	size_t i;

	mkdir(in, 0700);
	cr_assert_eq(cab_writer_new(&w, cab, 6, thr), RC_OK);
	for (i = 0; i < n; i++) {
		char *p = ct_path(in, m[i].name);
		uint8_t *b = ct_bytes(m[i].size, m[i].kind, i + 1);

		ct_write(p, b, m[i].size);
		cr_assert_eq(cab_writer_add_file(w, m[i].name, p), RC_OK, "%s",
		    cab_writer_errmsg(w));
		free(b);
		free(p);
	}
	cr_assert_eq(cab_writer_finish(w), RC_OK, "%s", cab_writer_errmsg(w));
	cab_writer_free(w);
	free(in);
	return cab;
}

/* Every member extracted into dir/x equals its source in dir/in. */
static void
expect_identical(const char *dir, const struct member *m, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(ct_sh("cmp '%s/in/%s' '%s/x/%s'", dir, m[i].name, dir,
		    m[i].name));
}

Test(cab_writer, cabextract_tests_every_member_of_the_matrix)
{
	char *d, *cab, *out;
	size_t i;

	ct_need("cabextract");
	d = ct_tmpdir();
	cab = make_cab(d, matrix, NMATRIX, 2);
	out = ct_sh("cabextract -t '%s'", cab);
	for (i = 0; i < NMATRIX; i++)
		cr_expect(strstr(out, matrix[i].name) != NULL, "%s", out);
	cr_expect(strstr(out, "All done, no errors") != NULL, "%s", out);
	free(ct_sh("mkdir '%s/x' && cabextract -q -d '%s/x' '%s'", d, d, cab));
	expect_identical(d, matrix, NMATRIX);
	free(out);
}

Test(cab_writer, gcab_lists_and_extracts_identical_members)
{
	char *d, *cab, *out;
	size_t i;

	ct_need("gcab");
	d = ct_tmpdir();
	cab = make_cab(d, matrix, NMATRIX, 2);
	out = ct_sh("gcab -l '%s'", cab);
	for (i = 0; i < NMATRIX; i++)
		cr_expect(strstr(out, matrix[i].name) != NULL, "%s", out);
	free(out);
	free(ct_sh("mkdir '%s/x' && gcab -x -C '%s/x' '%s'", d, d, cab));
	expect_identical(d, matrix, NMATRIX);
}

Test(cab_writer, bsdtar_lists_and_extracts_identical_members)
{
	char *d, *cab, *out;
	size_t i;

	ct_need("bsdtar");
	d = ct_tmpdir();
	cab = make_cab(d, matrix, NMATRIX, 0);
	out = ct_sh("bsdtar -tf '%s'", cab);
	for (i = 0; i < NMATRIX; i++)
		cr_expect(strstr(out, matrix[i].name) != NULL, "%s", out);
	free(out);
	free(ct_sh("mkdir '%s/x' && bsdtar -xf '%s' -C '%s/x'", d, cab, d));
	expect_identical(d, matrix, NMATRIX);
}

Test(cab_writer, seven_zip_tests_and_extracts_identical_members)
{
	char *d, *cab, *out;

	ct_need("7zz");
	d = ct_tmpdir();
	cab = make_cab(d, matrix, NMATRIX, 2);
	out = ct_sh("7zz t '%s'", cab);
	cr_expect(strstr(out, "Everything is Ok") != NULL, "%s", out);
	free(out);
	free(ct_sh("7zz x -y -o'%s/x' '%s' >/dev/null", d, cab));
	expect_identical(d, matrix, NMATRIX);
}

Test(cab_writer, libarchive_reads_back_names_sizes_and_bytes)
{
	struct cab_reader *r = cab_reader_new();
	struct cab_member m;
	char *d = ct_tmpdir(), *cab;
	uint8_t *data, *want;
	size_t len, i;

	cab = make_cab(d, matrix, NMATRIX, 2);
	cr_assert_eq(cab_reader_open_file(r, cab), RC_OK, "%s",
	    cab_reader_errmsg(r));
	for (i = 0; i < NMATRIX; i++) {
		cr_assert_eq(cab_reader_next(r, &m), RC_OK, "%s",
		    cab_reader_errmsg(r));
		cr_expect_str_eq(m.name, matrix[i].name);
		cr_expect(m.size_known);
		cr_expect_eq(m.size, matrix[i].size);
		cr_assert_eq(cab_reader_read_all(r, 1u << 20, &data, &len),
		    RC_OK, "%s", cab_reader_errmsg(r));
		want = ct_bytes(matrix[i].size, matrix[i].kind, i + 1);
		cr_expect_eq(len, matrix[i].size);
		cr_expect(memcmp(data, want, len) == 0, "%s differs", m.name);
		free(data);
		free(want);
	}
	cr_expect_eq(cab_reader_next(r, &m), RC_EOF);
	cr_expect_str_eq(cab_reader_format(r), "cab");
	cab_reader_free(r);
}

Test(cab_writer, a_100_mb_incompressible_member_survives_every_tool)
{
	const struct member big[] = {{"big.bin", 100u << 20, 1}};
	char *d, *cab;
	struct stat st;

	ct_need("cabextract");
	ct_need("bsdtar");
	d = ct_tmpdir();
	cab = make_cab(d, big, 1, 2);
	cr_assert_eq(stat(cab, &st), 0);
	/* Stored blocks cost 15 bytes each: the cab stays within 0.1%. */
	cr_expect_lt(st.st_size, (off_t)(big[0].size + big[0].size / 1000));
	free(ct_sh("cabextract -q -t '%s'", cab));
	free(ct_sh("mkdir '%s/x' && bsdtar -xf '%s' -C '%s/x'", d, cab, d));
	expect_identical(d, big, 1);
	if (tu_have_tool("gcab"))
		free(ct_sh("rm -rf '%s/x' && mkdir '%s/x' && "
		    "gcab -x -C '%s/x' '%s'", d, d, d, cab));
	expect_identical(d, big, 1);
	if (tu_have_tool("7zz"))
		free(ct_sh("7zz t '%s' | grep -q 'Everything is Ok'", cab));
}

Test(cab_writer, many_members_are_all_listed)
{
	struct member many[600];
	char names[600][24], *d, *cab, *out;
	size_t i;

	ct_need("cabextract");
	for (i = 0; i < 600; i++) {
		snprintf(names[i], sizeof(names[i]), "m%04zu.txt", i);
		many[i] = (struct member){names[i], i * 37 % 3000,
		    (int)(i & 1)};
	}
	d = ct_tmpdir();
	cab = make_cab(d, many, 600, 2);
	free(ct_sh("cabextract -q -t '%s'", cab));
	out = ct_sh("bsdtar -tf '%s' | wc -l", cab);
	cr_expect_eq(strtol(out, NULL, 10), 600, "%s", out);
	free(out);
	free(ct_sh("mkdir '%s/x' && cabextract -q -d '%s/x' '%s'", d, d, cab));
	expect_identical(d, many, 600);
}

/* Our reader (libarchive) reads n members of size bytes each. */
static void
expect_all_read(const char *cab, unsigned n, size_t size)
{
	struct cab_reader *r = cab_reader_new();
	struct cab_member m;
	uint8_t *data;
	size_t len;
	unsigned i;

	cr_assert_eq(cab_reader_open_file(r, cab), RC_OK, "%s",
	    cab_reader_errmsg(r));
	for (i = 0; i < n; i++) {
		cr_assert_eq(cab_reader_next(r, &m), RC_OK, "%s",
		    cab_reader_errmsg(r));
		cr_assert_eq(cab_reader_read_all(r, 1u << 20, &data, &len),
		    RC_OK, "%s", cab_reader_errmsg(r));
		cr_expect_eq(len, size);
		free(data);
	}
	cr_expect_eq(cab_reader_next(r, &m), RC_EOF);
	cab_reader_free(r);
}

static uint16_t
le16_at(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

Test(cab_writer, members_that_overflow_a_folder_start_a_new_one)
{
	struct cab_limits lim = {100000, CAB_MAX_CABINET_BYTES, 100};
	struct cab_writer *w;
	char *d = ct_tmpdir(), *cab = ct_path(d, "f.cab");
	uint8_t *b = ct_bytes(60000, 0, 9), *hdr;
	size_t len;
	int i;

	cr_assert_eq(cab_writer_new(&w, cab, 6, 2), RC_OK);
	cab_writer_set_limits(w, &lim);
	for (i = 0; i < 4; i++) {
		char nm[16];

		snprintf(nm, sizeof(nm), "p%d", i);
		cr_assert_eq(cab_writer_add_mem(w, nm, b, 60000, 0), RC_OK);
	}
	cr_expect_eq(cab_writer_add_mem(w, "huge", b, 60000 + 40001, 0),
	    RC_LIMIT, "a member bigger than a folder is refused");
	cr_expect(strstr(cab_writer_errmsg(w), "huge") != NULL, "%s",
	    cab_writer_errmsg(w));
	cr_assert_eq(cab_writer_finish(w), RC_OK, "%s", cab_writer_errmsg(w));
	cab_writer_free(w);
	hdr = tu_read_file(cab, &len);
	cr_expect_eq(le16_at(hdr + 26), 4, "one folder per 60000-byte member");
	cr_expect_eq(le16_at(hdr + 28), 4);
	if (tu_have_tool("cabextract"))
		free(ct_sh("cabextract -q -t '%s'", cab));
	if (tu_have_tool("gcab"))
		free(ct_sh("mkdir '%s/g' && gcab -x -C '%s/g' '%s' && "
		    "test $(cat '%s'/g/p* | wc -c) = 240000", d, d, cab, d));
	/* libarchive reads every folder in order (our reader does). */
	expect_all_read(cab, 4, 60000);
	free(hdr);
	free(b);
}

Test(cab_writer, a_full_cabinet_refuses_the_member_and_stays_usable)
{
	struct cab_limits lim = {CAB_MAX_FOLDER_BYTES, 180000, 3};
	struct cab_writer *w;
	char *d = ct_tmpdir(), *cab = ct_path(d, "full.cab");
	uint8_t *b = ct_bytes(50000, 1, 3);

	cr_assert_eq(cab_writer_new(&w, cab, 6, 0), RC_OK);
	cab_writer_set_limits(w, &lim);
	cr_assert_eq(cab_writer_add_mem(w, "a", b, 50000, 0), RC_OK);
	cr_assert_eq(cab_writer_add_mem(w, "b", b, 50000, 0), RC_OK, "%s",
	    cab_writer_errmsg(w));
	cr_expect_eq(cab_writer_add_mem(w, "c", b, 50000, 0), RC_LIMIT,
	    "worst case of a third 50000-byte member passes 180000");
	cr_expect(strstr(cab_writer_errmsg(w), "'c'") != NULL, "%s",
	    cab_writer_errmsg(w));
	cr_expect_eq(cab_writer_count(w), 2);
	cr_assert_eq(cab_writer_finish(w), RC_OK, "%s", cab_writer_errmsg(w));
	cab_writer_free(w);
	if (tu_have_tool("cabextract"))
		free(ct_sh("cabextract -q -t '%s'", cab));
	free(b);
}

Test(cab_writer, the_member_count_limit_is_enforced)
{
	struct cab_limits lim = {CAB_MAX_FOLDER_BYTES, CAB_MAX_CABINET_BYTES,
	    2};
	struct cab_writer *w;
	char *d = ct_tmpdir(), *cab = ct_path(d, "n.cab");

	cr_assert_eq(cab_writer_new(&w, cab, 6, 0), RC_OK);
	cab_writer_set_limits(w, &lim);
	cr_assert_eq(cab_writer_add_mem(w, "a", "x", 1, 0), RC_OK);
	cr_assert_eq(cab_writer_add_mem(w, "b", "x", 1, 0), RC_OK);
	cr_expect_eq(cab_writer_add_mem(w, "c", "x", 1, 0), RC_LIMIT);
	cab_writer_free(w);
}

Test(cab_writer, a_series_rotates_into_complete_cabinets)
{
	struct cab_limits lim = {CAB_MAX_FOLDER_BYTES, 150000, 100};
	struct cab_series *s;
	char *d = ct_tmpdir(), *cab = ct_path(d, "set.cab"), *p;
	uint8_t *b = ct_bytes(50000, 1, 5);
	struct cab_writer_stats st;
	unsigned i;

	for (i = 0; i < 5; i++) {
		char nm[16];

		snprintf(nm, sizeof(nm), "part%u", i);
		p = ct_path(d, nm);
		ct_write(p, b, 50000);
		free(p);
	}
	cr_assert_eq(cab_series_new(&s, cab, 6, 2), RC_OK);
	cab_series_set_limits(s, &lim);
	for (i = 0; i < 5; i++) {
		char nm[16];

		snprintf(nm, sizeof(nm), "part%u", i);
		p = ct_path(d, nm);
		cr_assert_eq(cab_series_add_file(s, nm, p), RC_OK, "%s",
		    cab_series_errmsg(s));
		free(p);
	}
	cr_assert_eq(cab_series_finish(s), RC_OK, "%s", cab_series_errmsg(s));
	cr_expect_geq(cab_series_count(s), 3);
	cr_expect(strstr(cab_series_path(s, 1), "/set-2.cab") != NULL, "%s",
	    cab_series_path(s, 1));
	cab_series_stats(s, &st);
	cr_expect_eq(st.files, 5);
	for (i = 0; i < cab_series_count(s); i++) {
		struct cab_reader *r = cab_reader_new();
		struct cab_member m;

		cr_assert_eq(cab_reader_open_file(r, cab_series_path(s, i)),
		    RC_OK, "%s", cab_reader_errmsg(r));
		cr_expect_eq(cab_reader_next(r, &m), RC_OK, "%s",
		    cab_reader_errmsg(r));
		cab_reader_free(r);
		if (tu_have_tool("cabextract"))
			free(ct_sh("cabextract -q -t '%s'",
			    cab_series_path(s, i)));
	}
	cab_series_free(s);
	free(b);
}

Test(cab_writer, a_series_starts_a_cabinet_rather_than_a_folder)
{
	struct cab_limits lim = {100000, CAB_MAX_CABINET_BYTES, 100};
	struct cab_series *s;
	char *d = ct_tmpdir(), *cab = ct_path(d, "one.cab"), *p, *out;
	uint8_t *b = ct_bytes(60000, 0, 5), *hdr;
	size_t len;
	unsigned i;

	p = ct_path(d, "m");
	ct_write(p, b, 60000);
	cr_assert_eq(cab_series_new(&s, cab, 6, 2), RC_OK);
	cab_series_set_limits(s, &lim);
	for (i = 0; i < 3; i++) {
		char nm[16];

		snprintf(nm, sizeof(nm), "m%u", i);
		cr_assert_eq(cab_series_add_file(s, nm, p), RC_OK, "%s",
		    cab_series_errmsg(s));
	}
	cr_assert_eq(cab_series_finish(s), RC_OK, "%s", cab_series_errmsg(s));
	cr_expect_eq(cab_series_count(s), 3);
	for (i = 0; i < cab_series_count(s); i++) {
		hdr = tu_read_file(cab_series_path(s, i), &len);
		cr_expect_eq(le16_at(hdr + 26), 1, "one folder per cabinet");
		free(hdr);
	}
	if (tu_have_tool("bsdtar")) {
		/* Selective extraction, which multi-folder cabinets break in
		 * libarchive, works on every cabinet of a series. */
		out = ct_sh("bsdtar -xOf '%s' m1 | wc -c", cab_series_path(s,
		    1));
		cr_expect_eq(strtol(out, NULL, 10), 60000, "%s", out);
		free(out);
	}
	cab_series_free(s);
	free(p);
	free(b);
}

Test(cab_writer, names_are_checked_and_utf8_is_flagged)
{
	struct cab_writer *w;
	char *d = ct_tmpdir(), *cab = ct_path(d, "names.cab"), *out;
	char longname[300];
	uint8_t *hdr;
	size_t len;

	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	cr_assert_eq(cab_writer_new(&w, cab, 6, 0), RC_OK);
	cr_expect_eq(cab_writer_add_mem(w, "bad\xff.pcap", "x", 1, 0),
	    RC_INVAL);
	cr_expect_eq(cab_writer_add_mem(w, "\xc0\xaf", "x", 1, 0), RC_INVAL,
	    "overlong UTF-8");
	cr_expect_eq(cab_writer_add_mem(w, longname, "x", 1, 0), RC_INVAL);
	cr_expect_eq(cab_writer_add_mem(w, "../etc/passwd", "x", 1, 0),
	    RC_INVAL);
	cr_expect_eq(cab_writer_add_mem(w, "/abs", "x", 1, 0), RC_INVAL);
	cr_expect_eq(cab_writer_add_mem(w, "", "x", 1, 0), RC_INVAL);
	cr_assert_eq(cab_writer_add_mem(w, "Capture.pcap", "x", 1, 0), RC_OK);
	cr_expect_eq(cab_writer_add_mem(w, "capture.PCAP", "y", 1, 0),
	    RC_EXISTS, "Windows compares names ignoring case");
	cr_assert_eq(cab_writer_add_mem(w, "d\xc3\xa9j\xc3\xa0.txt", "z", 1,
	    0), RC_OK);
	cr_assert_eq(cab_writer_add_mem(w, "sub/dir.txt", "w", 1, 0), RC_OK);
	cr_assert_eq(cab_writer_finish(w), RC_OK);
	cab_writer_free(w);
	hdr = tu_read_file(cab, &len);
	/* CFFILE 1 (after "Capture.pcap"): attribs has _A_NAME_IS_UTF. */
	cr_expect_eq(le16_at(hdr + 44 + 16 + 13 + 14) & 0x80, 0x80);
	cr_expect_eq(le16_at(hdr + 44 + 14) & 0x80, 0, "ASCII name: no flag");
	cr_expect(memmem(hdr, len, "sub\\dir.txt", 12) != NULL,
	    "'/' is stored as the cabinet separator '\\'");
	free(hdr);
	if (tu_have_tool("bsdtar")) {
		out = ct_sh("LC_ALL=C.UTF-8 bsdtar -tf '%s'", cab);
		cr_expect(strstr(out, "d\xc3\xa9j\xc3\xa0.txt") != NULL, "%s",
		    out);
		cr_expect(strstr(out, "sub/dir.txt") != NULL, "%s", out);
		free(out);
	}
}

Test(cab_writer, output_is_0600_and_appears_only_when_finished)
{
	struct cab_writer *w;
	char *d = ct_tmpdir(), *cab = ct_path(d, "a.cab"), *out;
	struct stat st;
	mode_t old = umask(0);

	cr_assert_eq(cab_writer_new(&w, cab, 6, 2), RC_OK);
	cr_assert_eq(cab_writer_add_mem(w, "k.txt", "secret", 6, 0), RC_OK);
	cr_expect_neq(stat(cab, &st), 0, "nothing under the name yet");
	out = ct_sh("ls -A '%s' | wc -l", d);
	cr_expect_eq(strtol(out, NULL, 10), 0, "the spool is anonymous");
	free(out);
	cr_assert_eq(cab_writer_finish(w), RC_OK);
	cab_writer_free(w);
	umask(old);
	cr_assert_eq(stat(cab, &st), 0);
	cr_expect_eq(st.st_mode & 0777, 0600);
	out = ct_sh("ls -A '%s' | wc -l", d);
	cr_expect_eq(strtol(out, NULL, 10), 1, "no temporary file left");
	free(out);
}

Test(cab_writer, an_abandoned_or_failed_cabinet_leaves_no_file)
{
	struct cab_writer *w;
	char *d = ct_tmpdir(), *cab = ct_path(d, "gone.cab");
	char *src = ct_path(d, "src.bin"), *out;
	struct stat st;
	int fd;

	cr_assert_eq(cab_writer_new(&w, cab, 6, 2), RC_OK);
	cr_assert_eq(cab_writer_add_mem(w, "x", "12345", 5, 0), RC_OK);
	cab_writer_free(w);
	cr_expect_neq(stat(cab, &st), 0);

	/* An input that shrinks mid-member fails the writer for good. */
	ct_write(src, (const uint8_t *)"abc", 3);
	fd = open(src, O_RDONLY);
	cr_assert_eq(cab_writer_new(&w, cab, 6, 2), RC_OK);
	cr_expect_eq(cab_writer_add_fd(w, "short", fd, 100000, 0), RC_IO);
	cr_expect(strstr(cab_writer_errmsg(w), "'short'") != NULL, "%s",
	    cab_writer_errmsg(w));
	cr_expect_eq(cab_writer_finish(w), RC_IO);
	cab_writer_free(w);
	close(fd);
	cr_expect_neq(stat(cab, &st), 0, "no half-written cabinet");
	out = ct_sh("ls -A '%s' | wc -l", d);
	cr_expect_eq(strtol(out, NULL, 10), 1, "only src.bin remains");
	free(out);
}

Test(cab_writer, a_full_disk_fails_cleanly_and_leaves_nothing)
{
	struct cab_writer *w;
	char *d, *cab, *out, cmd[512];
	uint8_t *b = ct_bytes(300000, 1, 11);
	struct stat st;
	enum rc rc;

	if (!tu_is_root())
		cr_skip_test("needs root to mount a small tmpfs");
	d = ct_tmpdir();
	snprintf(cmd, sizeof(cmd), "mount -t tmpfs -o size=128k tmpfs '%s'",
	    d);
	if (system(cmd) != 0)
		cr_skip_test("cannot mount a tmpfs here");
	cab = ct_path(d, "full.cab");
	cr_assert_eq(cab_writer_new(&w, cab, 6, 2), RC_OK);
	rc = cab_writer_add_mem(w, "noise.bin", b, 300000, 0);
	if (rc == RC_OK)
		rc = cab_writer_finish(w);
	cr_expect_eq(rc, RC_IO, "300000 random bytes cannot fit in 128 KiB");
	cr_expect(strstr(cab_writer_errmsg(w), "full.cab") != NULL, "%s",
	    cab_writer_errmsg(w));
	cab_writer_free(w);
	cr_expect_neq(stat(cab, &st), 0, "no cabinet under the final name");
	out = ct_sh("ls -A '%s' | wc -l", d);
	cr_expect_eq(strtol(out, NULL, 10), 0, "no temporary file left");
	free(out);
	free(ct_sh("umount '%s'", d));
	free(b);
}

Test(cab_writer, threads_do_not_change_a_byte)
{
	char *d1 = ct_tmpdir(), *d2 = ct_tmpdir(), *c1, *c2;
	uint8_t *a, *b;
	size_t la, lb;

	c1 = make_cab(d1, matrix, NMATRIX, 0);
	c2 = make_cab(d2, matrix, NMATRIX, 3);
	a = tu_read_file(c1, &la);
	b = tu_read_file(c2, &lb);
	cr_assert_eq(la, lb);
	/* Files written at different moments may differ in date/time only;
	 * the data area follows the header, which is the same length. */
	cr_expect(memcmp(a + 300, b + 300, la - 300) == 0);
	free(a);
	free(b);
}

Test(cab_writer, incompressible_blocks_are_stored_and_compressible_shrink)
{
	struct cab_writer *w;
	struct cab_writer_stats st;
	char *d = ct_tmpdir(), *cab = ct_path(d, "s.cab");
	uint8_t *noise = ct_bytes(100000, 1, 7), *text = ct_bytes(100000, 0,
	    7);

	cr_assert_eq(cab_writer_new(&w, cab, 6, 2), RC_OK);
	cr_assert_eq(cab_writer_add_mem(w, "noise", noise, 100000, 0), RC_OK);
	cr_assert_eq(cab_writer_add_mem(w, "text", text, 100000, 0), RC_OK);
	cr_assert_eq(cab_writer_finish(w), RC_OK);
	cab_writer_stats(w, &st);
	cr_expect_eq(st.blocks, 7, "200000 bytes = 6 full blocks + 1");
	cr_expect_geq(st.stored, 3);
	cr_expect_lt(st.out_bytes, 150000);
	cr_expect_eq(st.in_bytes, 200000);
	cab_writer_free(w);
	if (tu_have_tool("cabextract"))
		free(ct_sh("cabextract -q -t '%s'", cab));
	free(noise);
	free(text);
}

Test(cab_writer, an_unwritable_directory_fails_at_creation)
{
	struct cab_writer *w;

	cr_expect_neq(cab_writer_new(&w, "/nonexistent-dir/x.cab", 6, 0),
	    RC_OK);
	cr_expect_null(w);
}
