/*
 * cab_reader: reads gcab's cabinets (stored and MSZIP), zip and tar.gz;
 * corrupt cabinets (truncated, bad checksum, lying sizes, overlapping
 * offsets) fail with a message naming the cabinet and the member, and no
 * mutation of a valid cabinet crashes it (run under ASan too).
 */
#include <criterion/criterion.h>

#include "cab_testlib.h"
#include "formats/cab_reader.h"
#include "formats/cab_writer.h"

/* Reads every member of an archive in memory; returns the first failure
 * (RC_OK when all read) and copies its message into msg. */
static enum rc
read_everything(const uint8_t *p, size_t len, char *msg, size_t msglen)
{
	struct cab_reader *r = cab_reader_new();
	struct cab_member m;
	uint8_t *data;
	size_t dlen;
	enum rc rc;

	rc = cab_reader_open_mem(r, p, len, "wfpdiag.cab");
	while (rc == RC_OK && (rc = cab_reader_next(r, &m)) == RC_OK) {
		rc = cab_reader_read_all(r, 1u << 24, &data, &dlen);
		if (rc == RC_OK)
			free(data);
	}
	snprintf(msg, msglen, "%s", cab_reader_errmsg(r));
	cab_reader_free(r);
	return rc == RC_EOF ? RC_OK : rc;
}

/* A small valid cabinet: report.xml (3000 B text), capture.pcap (100000 B
 * text, 4 blocks) in one folder, or one folder each when split. */
static uint8_t *
sample_cab(size_t *len, bool split)
{
	struct cab_limits lim = {100000, CAB_MAX_CABINET_BYTES, 100};
	struct cab_writer *w;
	char *d = ct_tmpdir(), *cab = ct_path(d, "s.cab");
	uint8_t *a = ct_bytes(3000, 0, 1), *b = ct_bytes(100000, 0, 2), *out;

	cr_assert_eq(cab_writer_new(&w, cab, 6, 0), RC_OK);
	if (split)
		cab_writer_set_limits(w, &lim);
	cr_assert_eq(cab_writer_add_mem(w, "report.xml", a, 3000, 0), RC_OK);
	cr_assert_eq(cab_writer_add_mem(w, "capture.pcap", b, 100000, 0),
	    RC_OK);
	cr_assert_eq(cab_writer_finish(w), RC_OK);
	cab_writer_free(w);
	out = tu_read_file(cab, len);
	cr_assert_not_null(out);
	unlink(cab);
	free(a);
	free(b);
	return out;
}

static uint32_t
le32_at(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static void
put_le16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void
put_le32(uint8_t *p, uint32_t v)
{
	put_le16(p, v & 0xFFFF);
	put_le16(p + 2, v >> 16);
}

/* Offset of CFDATA block b of folder 0. */
static size_t
block_at(const uint8_t *cab, unsigned b)
{
	size_t off = le32_at(cab + 36);

	while (b-- > 0)
		off += 8 + (cab[off + 4] | cab[off + 5] << 8);
	return off;
}

/* CFFILE entry i (names here are ASCII, so the walk is simple). */
static size_t
file_at(const uint8_t *cab, unsigned i)
{
	size_t off = le32_at(cab + 16);

	while (i-- > 0)
		off += 16 + strlen((const char *)cab + off + 16) + 1;
	return off;
}

#define EXPECT_NAMES(msg, member)                                          \
	do {                                                               \
		cr_expect(strstr(msg, "wfpdiag.cab") != NULL, "%s", msg);  \
		cr_expect(strstr(msg, "'" member "'") != NULL, "%s", msg); \
	} while (0)

Test(cab_reader, a_valid_cabinet_reads_completely)
{
	size_t len;
	uint8_t *cab = sample_cab(&len, false);
	char msg[700];

	cr_expect_eq(read_everything(cab, len, msg, sizeof(msg)), RC_OK, "%s",
	    msg);
	free(cab);
}

Test(cab_reader, truncation_names_the_cabinet_and_the_member_cut)
{
	size_t len, cut, data0;
	uint8_t *cab = sample_cab(&len, false);
	char msg[700];

	data0 = block_at(cab, 0);
	/* Block 0 holds report.xml and the start of capture.pcap: the
	 * message names the first member the block holds. */
	for (cut = data0 + 1; cut < block_at(cab, 1); cut += 31) {
		cr_expect_neq(read_everything(cab, cut, msg, sizeof(msg)),
		    RC_OK, "cut at %zu", cut);
		EXPECT_NAMES(msg, "report.xml");
	}
	for (cut = block_at(cab, 1); cut < len; cut += 97) {
		cr_expect_neq(read_everything(cab, cut, msg, sizeof(msg)),
		    RC_OK, "cut at %zu", cut);
		EXPECT_NAMES(msg, "capture.pcap");
	}
	/* Cut inside the header: the cabinet is named, nothing crashes. */
	for (cut = 0; cut < data0; cut++) {
		cr_expect_neq(read_everything(cab, cut, msg, sizeof(msg)),
		    RC_OK, "cut at %zu", cut);
		cr_expect(cut < 4 || strstr(msg, "wfpdiag.cab") != NULL,
		    "cut %zu: %s", cut, msg);
	}
	free(cab);
}

Test(cab_reader, a_flipped_cfdata_checksum_names_the_member)
{
	size_t len;
	uint8_t *cab = sample_cab(&len, false);
	char msg[700];

	cab[block_at(cab, 3)] ^= 0x5A;
	cr_expect_neq(read_everything(cab, len, msg, sizeof(msg)), RC_OK);
	EXPECT_NAMES(msg, "capture.pcap");
	cr_expect(strstr(msg, "Checksum") != NULL, "%s", msg);
	free(cab);
}

Test(cab_reader, a_cbdata_bigger_than_allowed_or_than_the_file_is_caught)
{
	size_t len, b1;
	uint8_t *cab = sample_cab(&len, false), *copy = malloc(len);
	char msg[700];

	memcpy(copy, cab, len);
	b1 = block_at(copy, 1);
	put_le16(copy + b1 + 4, 40000);
	cr_expect_eq(read_everything(copy, len, msg, sizeof(msg)),
	    RC_MALFORMED);
	EXPECT_NAMES(msg, "capture.pcap");
	cr_expect(strstr(msg, "cbData 40000") != NULL, "%s", msg);

	memcpy(copy, cab, len);
	b1 = block_at(copy, 3);
	put_le16(copy + b1 + 4, 30000); /* the last block; file ends first */
	cr_expect_eq(read_everything(copy, len, msg, sizeof(msg)), RC_SHORT);
	EXPECT_NAMES(msg, "capture.pcap");
	free(copy);
	free(cab);
}

Test(cab_reader, a_cbfile_that_lies_names_the_member)
{
	size_t len;
	uint8_t *cab = sample_cab(&len, false);
	char msg[700];

	put_le32(cab + file_at(cab, 1), 5000000);
	cr_expect_eq(read_everything(cab, len, msg, sizeof(msg)),
	    RC_MALFORMED);
	EXPECT_NAMES(msg, "capture.pcap");
	cr_expect(strstr(msg, "cbFile 5000000") != NULL, "%s", msg);
	free(cab);
}

Test(cab_reader, offsets_pointing_into_each_other_are_caught)
{
	size_t len;
	uint8_t *cab = sample_cab(&len, false), *copy = malloc(len);
	char msg[700];

	/* CFFOLDER.coffCabStart into the CFFILE table. */
	memcpy(copy, cab, len);
	put_le32(copy + 36, le32_at(copy + 16) + 4);
	cr_expect_eq(read_everything(copy, len, msg, sizeof(msg)),
	    RC_MALFORMED);
	EXPECT_NAMES(msg, "report.xml");
	cr_expect(strstr(msg, "coffCabStart") != NULL, "%s", msg);

	/* CFHEADER.coffFiles into the CFFOLDER table. */
	memcpy(copy, cab, len);
	put_le32(copy + 16, 38);
	cr_expect_eq(read_everything(copy, len, msg, sizeof(msg)),
	    RC_MALFORMED);
	cr_expect(strstr(msg, "wfpdiag.cab: CFHEADER.coffFiles 38") != NULL,
	    "%s", msg);
	free(copy);
	free(cab);
}

Test(cab_reader, overlapping_folders_are_caught)
{
	size_t len;
	uint8_t *cab = sample_cab(&len, true);
	char msg[700];

	cr_assert_eq(cab[26], 2, "the sample has two folders");
	/* Folder 1's data claims to start where folder 0's does. */
	put_le32(cab + 44, le32_at(cab + 36));
	cr_expect_eq(read_everything(cab, len, msg, sizeof(msg)),
	    RC_MALFORMED);
	cr_expect(strstr(msg, "wfpdiag.cab") != NULL, "%s", msg);
	cr_expect(strstr(msg, "overlap") != NULL ||
	    strstr(msg, "capture.pcap") != NULL, "%s", msg);
	free(cab);
}

Test(cab_reader, no_truncation_or_byte_flip_crashes_the_reader)
{
	size_t len, i, cut;
	uint8_t *cab = sample_cab(&len, true), *copy = malloc(len);
	char msg[700];
	unsigned bad = 0;

	for (cut = 0; cut < len; cut++)
		bad += read_everything(cab, cut, msg, sizeof(msg)) != RC_OK;
	cr_expect_eq(bad, len, "every truncation is an error");
	/* Flip every header byte and every 7th data byte, two ways. */
	for (i = 0; i < len; i += i < block_at(cab, 0) + 8 ? 1 : 7) {
		memcpy(copy, cab, len);
		copy[i] ^= 0xFF;
		(void)read_everything(copy, len, msg, sizeof(msg));
		memcpy(copy, cab, len);
		copy[i] ^= 0x01;
		(void)read_everything(copy, len, msg, sizeof(msg));
	}
	free(copy);
	free(cab);
}

/* gcab writes cabinets with stored (-c) and MSZIP (-c -z) folders. */
static void
read_gcab(bool compress)
{
	struct cab_reader *r = cab_reader_new();
	struct cab_member m;
	char *d, *out;
	uint8_t *a = ct_bytes(70000, 0, 3), *b = ct_bytes(40000, 1, 4), *data;
	size_t len;

	ct_need("gcab");
	d = ct_tmpdir();
	out = ct_path(d, "a.txt");
	ct_write(out, a, 70000);
	free(out);
	out = ct_path(d, "b.bin");
	ct_write(out, b, 40000);
	free(out);
	free(ct_sh("cd '%s' && gcab -c %s g.cab a.txt b.bin", d,
	    compress ? "-z" : ""));
	out = ct_path(d, "g.cab");
	cr_assert_eq(cab_reader_open_file(r, out), RC_OK, "%s",
	    cab_reader_errmsg(r));
	cr_assert_eq(cab_reader_next(r, &m), RC_OK, "%s", cab_reader_errmsg(r));
	cr_expect_str_eq(m.name, "a.txt");
	cr_assert_eq(cab_reader_read_all(r, 1u << 20, &data, &len), RC_OK);
	cr_expect(len == 70000 && memcmp(data, a, len) == 0);
	free(data);
	cr_assert_eq(cab_reader_next(r, &m), RC_OK, "%s", cab_reader_errmsg(r));
	cr_expect_str_eq(m.name, "b.bin");
	cr_assert_eq(cab_reader_read_all(r, 1u << 20, &data, &len), RC_OK);
	cr_expect(len == 40000 && memcmp(data, b, len) == 0);
	free(data);
	cr_expect_eq(cab_reader_next(r, &m), RC_EOF);
	cr_expect_str_eq(cab_reader_format(r), "cab");
	cab_reader_free(r);
	free(out);
	free(a);
	free(b);
}

Test(cab_reader, reads_gcab_stored_cabinets)
{
	read_gcab(false);
}

Test(cab_reader, reads_gcab_mszip_cabinets)
{
	read_gcab(true);
}

/* Packs one file with a shell command and checks format and content. */
static void
read_other(const char *make, const char *archive, const char *format)
{
	struct cab_reader *r = cab_reader_new();
	struct cab_member m;
	char *d = ct_tmpdir(), *p = ct_path(d, "keys.txt"), *a;
	uint8_t *want = ct_bytes(5000, 0, 8), *data;
	size_t len;

	ct_write(p, want, 5000);
	free(ct_sh("cd '%s' && %s", d, make));
	a = ct_path(d, archive);
	cr_assert_eq(cab_reader_open_file(r, a), RC_OK, "%s",
	    cab_reader_errmsg(r));
	cr_assert_eq(cab_reader_next(r, &m), RC_OK, "%s", cab_reader_errmsg(r));
	cr_expect_str_eq(m.name, "keys.txt");
	cr_assert_eq(cab_reader_read_all(r, 1u << 20, &data, &len), RC_OK);
	cr_expect(len == 5000 && memcmp(data, want, len) == 0);
	cr_expect_str_eq(cab_reader_format(r), format);
	free(data);
	cab_reader_free(r);
	free(a);
	free(p);
	free(want);
}

Test(cab_reader, reads_zip_archives)
{
	ct_need("zip");
	read_other("zip -q k.zip keys.txt", "k.zip", "zip");
}

Test(cab_reader, reads_tar_gz_archives)
{
	ct_need("tar");
	read_other("tar czf k.tar.gz keys.txt", "k.tar.gz", "tar.gz");
}

Test(cab_reader, a_member_over_the_cap_is_refused_by_name)
{
	struct cab_reader *r = cab_reader_new();
	struct cab_member m;
	size_t len, dlen;
	uint8_t *cab = sample_cab(&len, false), *data;

	cr_assert_eq(cab_reader_open_mem(r, cab, len, "wfpdiag.cab"), RC_OK);
	cr_assert_eq(cab_reader_next(r, &m), RC_OK);
	cr_assert_eq(cab_reader_next(r, &m), RC_OK);
	cr_expect_eq(cab_reader_read_all(r, 4096, &data, &dlen), RC_LIMIT);
	cr_expect_null(data);
	EXPECT_NAMES(cab_reader_errmsg(r), "capture.pcap");
	cab_reader_free(r);
	free(cab);
}

static enum rc
count_sink(void *ctx, const uint8_t *p, size_t n)
{
	(void)p;
	*(size_t *)ctx += n;
	return RC_OK;
}

Test(cab_reader, members_stream_through_a_callback)
{
	struct cab_reader *r = cab_reader_new();
	struct cab_member m;
	size_t len, total = 0;
	uint8_t *cab = sample_cab(&len, false);

	cr_assert_eq(cab_reader_open_mem(r, cab, len, "wfpdiag.cab"), RC_OK);
	cr_assert_eq(cab_reader_next(r, &m), RC_OK);
	cr_assert_eq(cab_reader_next(r, &m), RC_OK);
	cr_expect_eq(m.index, 1);
	cr_assert_eq(cab_reader_stream(r, count_sink, &total), RC_OK);
	cr_expect_eq(total, 100000);
	cab_reader_free(r);
	free(cab);
}

Test(cab_reader, files_that_are_not_archives_are_refused_by_name)
{
	struct cab_reader *r = cab_reader_new();
	char *d = ct_tmpdir(), *p = ct_path(d, "notes.txt");

	ct_write(p, (const uint8_t *)"just text\n", 10);
	cr_expect_eq(cab_reader_open_file(r, p), RC_FORMAT);
	cr_expect(strstr(cab_reader_errmsg(r), "notes.txt") != NULL, "%s",
	    cab_reader_errmsg(r));
	cab_reader_free(r);
	r = cab_reader_new();
	cr_expect_eq(cab_reader_open_file(r, "/nonexistent/x.cab"),
	    RC_NOTFOUND);
	cab_reader_free(r);
	free(p);
}

Test(cab_reader, unsafe_member_names_are_recognised)
{
	static const char *bad[] = {"", "/etc/passwd", "\\windows", "C:x",
	    "..", "../x", "a/../b", "a\\..\\b", "a//b", "a/", "./a", "a\n"};
	static const char *good[] = {"capture.pcap", "sub/dir.txt",
	    "a\\b", "..a", "a..", "d\xc3\xa9j\xc3\xa0.txt"};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect(!cab_reader_name_is_safe(bad[i]), "'%s'", bad[i]);
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		cr_expect(cab_reader_name_is_safe(good[i]), "'%s'", good[i]);
}

Test(cab_reader, a_member_in_a_later_folder_reads_after_a_skipped_one)
{
	struct cab_reader *r = cab_reader_new();
	struct cab_member m;
	size_t len, dlen;
	uint8_t *cab = sample_cab(&len, true), *data, *want;

	/* libarchive alone fails here ("Invalid CFDATA"): report.xml is
	 * skipped and capture.pcap lives in folder 1. */
	cr_assert_eq(cab[26], 2, "the sample has two folders");
	cr_assert_eq(cab_reader_open_mem(r, cab, len, "wfpdiag.cab"), RC_OK);
	cr_assert_eq(cab_reader_next(r, &m), RC_OK);
	cr_assert_eq(cab_reader_next(r, &m), RC_OK, "%s",
	    cab_reader_errmsg(r));
	cr_expect_str_eq(m.name, "capture.pcap");
	cr_assert_eq(cab_reader_read_all(r, 1u << 20, &data, &dlen), RC_OK,
	    "%s", cab_reader_errmsg(r));
	want = ct_bytes(100000, 0, 2);
	cr_expect(dlen == 100000 && memcmp(data, want, dlen) == 0);
	free(want);
	free(data);
	cab_reader_free(r);
	free(cab);
}

/* A cabinet declaring 65535 files walks into compressed data: the bytes
 * taken for a member name must not reach the message raw (terminal
 * escapes), and the CFFILE is named by index and offset (found by
 * tests/cli/test_bad_input.c). */
Test(cab_reader, a_lying_cfiles_gives_a_printable_message_with_offset)
{
	size_t len, i;
	uint8_t *cab = sample_cab(&len, false);
	char msg[700];

	put_le16(cab + 28, 0xffff);            /* CFHEADER.cFiles */
	cr_expect_neq(read_everything(cab, len, msg, sizeof(msg)), RC_OK);
	cr_expect(strstr(msg, "wfpdiag.cab") != NULL, "%s", msg);
	cr_expect(strstr(msg, "offset") != NULL, "%s", msg);
	for (i = 0; msg[i] != '\0'; i++)
		cr_expect((unsigned char)msg[i] >= 0x20 &&
		    (unsigned char)msg[i] <= 0x7e, "byte 0x%02x at %zu",
		    (unsigned char)msg[i], i);
	free(cab);
}
