/*
 * The in-place readers against the stream readers (PCAPIO_STREAM): pcap
 * read in place (pcapmap, through readahead for files) against libpcap,
 * and pcapng parsed in place against the same block reader fed through
 * stdio. Every record of every sample and corpus capture, every
 * truncation and a set of lying lengths give the same frames, the same
 * status and the same message. Plus the read-ahead ring on a file of
 * several chunks with records across chunk boundaries.
 */
#include <criterion/criterion.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/pcapio.h"
#include "formats/rd.h"
#include "testutil.h"

/* Compares two readers to the end; returns the number of frames. */
static uint64_t
compare_to_end(struct pcapio *a, struct pcapio *b, const char *what)
{
	struct pcapio_pkt x, y;
	uint64_t n = 0;

	for (;;) {
		enum rc ra = pcapio_next(a, &x), rb = pcapio_next(b, &y);

		cr_assert_eq(ra, rb, "%s frame %llu: %s vs %s (%s | %s)", what,
		    (unsigned long long)n + 1, rc_str(ra), rc_str(rb),
		    pcapio_errmsg(a), pcapio_errmsg(b));
		if (ra != RC_OK) {
			cr_assert_str_eq(pcapio_errmsg(a), pcapio_errmsg(b),
			    "%s", what);
			cr_assert_eq(pcapio_offset(a), pcapio_offset(b),
			    "%s: offsets", what);
			return n;
		}
		n++;
		cr_assert_eq(x.frame, y.frame, "%s", what);
		cr_assert_eq(x.ts_sec, y.ts_sec, "%s frame %llu", what,
		    (unsigned long long)n);
		cr_assert_eq(x.ts_nsec, y.ts_nsec, "%s frame %llu", what,
		    (unsigned long long)n);
		cr_assert_eq(x.caplen, y.caplen, "%s frame %llu", what,
		    (unsigned long long)n);
		cr_assert_eq(x.wirelen, y.wirelen, "%s", what);
		cr_assert_eq(x.linktype, y.linktype, "%s", what);
		cr_assert(x.caplen == 0 ||
		    memcmp(x.data, y.data, x.caplen) == 0, "%s frame %llu",
		    what, (unsigned long long)n);
		cr_assert_eq(pcapio_offset(a), pcapio_offset(b), "%s", what);
	}
}

/* Both readers over the same bytes in memory; -1 if neither opens. */
static long long
compare_mem(const uint8_t *d, size_t len, const char *what)
{
	struct pcapio *a = NULL, *b = NULL;
	char ea[256] = "", eb[256] = "";
	enum rc ra = pcapio_open_mem_ex(d, len, what, 0, &a, ea, sizeof(ea));
	enum rc rb = pcapio_open_mem_ex(d, len, what, PCAPIO_STREAM, &b,
	    eb, sizeof(eb));
	long long n = -1;

	cr_assert_eq(ra, rb, "%s: open %s vs %s (%s | %s)", what, rc_str(ra),
	    rc_str(rb), ea, eb);
	if (ra == RC_OK) {
		cr_assert_str_eq(pcapio_format(a), pcapio_format(b));
		n = (long long)compare_to_end(a, b, what);
	}
	pcapio_close(a);
	pcapio_close(b);
	return n;
}

static long long
compare_path(const char *path)
{
	struct pcapio *a = NULL, *b = NULL;
	char ea[256] = "", eb[256] = "";
	enum rc ra = pcapio_open_ex(path, 0, &a, ea, sizeof(ea));
	enum rc rb = pcapio_open_ex(path, PCAPIO_STREAM, &b, eb,
	    sizeof(eb));
	long long n = -1;

	cr_assert_eq(ra, rb, "%s: open %s vs %s", path, rc_str(ra),
	    rc_str(rb));
	if (ra == RC_OK)
		n = (long long)compare_to_end(a, b, path);
	pcapio_close(a);
	pcapio_close(b);
	return n;
}

/* A little-endian microsecond pcap: header, then records. */
struct cap {
	uint8_t b[1 << 16];
	size_t n;
};

static void
put32(struct cap *c, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		c->b[c->n++] = (uint8_t)(v >> (8 * i));
}

static void
cap_header(struct cap *c, uint32_t magic, uint32_t snaplen, uint32_t lt)
{
	c->n = 0;
	put32(c, magic);
	put32(c, 2u | 4u << 16); /* version 2.4 */
	put32(c, 0);
	put32(c, 0);
	put32(c, snaplen);
	put32(c, lt);
}

static void
cap_record(struct cap *c, uint32_t sec, uint32_t frac, uint32_t caplen,
    uint32_t len, size_t body)
{
	put32(c, sec);
	put32(c, frac);
	put32(c, caplen);
	put32(c, len);
	for (size_t i = 0; i < body; i++)
		c->b[c->n++] = (uint8_t)(i * 7 + 1);
}

static struct cap c;

Test(pcapmap, handmade_files_and_every_truncation_agree_with_libpcap)
{
	cap_header(&c, 0xa1b2c3d4u, 65535, 1);
	cap_record(&c, 1700000000, 5, 60, 60, 60);
	cap_record(&c, 1700000001, 999999, 42, 1500, 42);
	cap_record(&c, 0xfffffff0u, 0x7fffffffu, 14, 14, 14); /* odd stamps */
	cap_record(&c, 1700000002, 1, 0, 0, 0);
	cr_assert_eq(compare_mem(c.b, c.n, "mem"), 4);
	for (size_t cut = 0; cut < c.n; cut++)
		compare_mem(c.b, cut, "truncated");
}

Test(pcapmap, lying_lengths_agree_with_libpcap)
{
	const uint32_t caplens[] = {65535, 65536, 70000, 262144, 262145,
	    0x7fffffffu, 0xffffffffu};

	for (size_t i = 0; i < sizeof(caplens) / sizeof(*caplens); i++) {
		cap_header(&c, 0xa1b2c3d4u, 100, 1);
		cap_record(&c, 1, 2, 30, 30, 30);
		cap_record(&c, 1, 2, caplens[i], 60, 200); /* body shorter */
		compare_mem(c.b, c.n, "caplen");
	}
	/* Longer than the snapshot length but whole: cut to it. */
	cap_header(&c, 0xa1b2c3d4u, 100, 1);
	cap_record(&c, 1, 2, 300, 300, 300);
	cap_record(&c, 1, 3, 30, 30, 30);
	cr_assert_eq(compare_mem(c.b, c.n, "over snaplen"), 2);
	/* Snapshot 0 or negative means the maximum; a larger positive one
	 * stands, and records between the maximum and it have their own
	 * message (found by fuzz_capture: fuzz/regress/fuzz_capture/). */
	const uint32_t snaps[] = {0, 0x80000000u, 0xffffffffu, 7233911};

	for (size_t i = 0; i < sizeof(snaps) / sizeof(*snaps); i++) {
		cap_header(&c, 0xa1b2c3d4u, snaps[i], 1);
		cap_record(&c, 1, 2, 3000, 3000, 3000);
		cr_assert_eq(compare_mem(c.b, c.n, "snaplen"), 1);
		cap_record(&c, 1, 2, 300000, 300000, 100);
		compare_mem(c.b, c.n, "between maximum and snaplen");
		cap_header(&c, 0xa1b2c3d4u, snaps[i], 1);
		cap_record(&c, 1, 2, 0x9e800000u, 60, 60);
		compare_mem(c.b, c.n, "beyond both");
	}
}

Test(pcapmap, byte_orders_precisions_versions_and_link_types)
{
	const uint32_t lts[] = {0, 1, 101, 108, 113, 228, 229, 276, 147,
	    1u | 0x04000000u};

	for (size_t i = 0; i < sizeof(lts) / sizeof(*lts); i++) {
		cap_header(&c, 0xa1b23c4du, 65535, lts[i]);
		cap_record(&c, 7, 999999999, 20, 20, 20);
		cr_assert_eq(compare_mem(c.b, c.n, "lt"), 1);
	}
	/* Big-endian: byte-swap every 32-bit field of a little one. */
	cap_header(&c, 0xa1b2c3d4u, 65535, 1);
	cap_record(&c, 1700000000, 123456, 16, 16, 16);
	for (size_t i = 0; i < 40; i += 4) {
		uint8_t t0 = c.b[i], t1 = c.b[i + 1];

		c.b[i] = c.b[i + 3];
		c.b[i + 1] = c.b[i + 2];
		c.b[i + 2] = t1;
		c.b[i + 3] = t0;
	}
	/* the version is two 16-bit fields: swap them back into place */
	{
		uint8_t v[4] = {0, 2, 0, 4};

		memcpy(c.b + 4, v, 4);
	}
	cr_assert_eq(compare_mem(c.b, c.n, "big-endian"), 1);
	/* Version 2.3 and the "modified" magic go to libpcap either way. */
	cap_header(&c, 0xa1b2c3d4u, 65535, 1);
	c.b[6] = 3;
	cap_record(&c, 1, 2, 20, 10, 20);
	cr_assert_eq(compare_mem(c.b, c.n, "2.3"), 1);
}

/* pcapng: every truncation of a sample (several sections' worth of
 * blocks: SHB, IDB, EPB; an IP-fragmented IKE_AUTH) agrees. */
Test(pcapmap, pcapng_views_agree_with_the_stdio_reader_at_every_cut)
{
	size_t len;
	uint8_t *d = tu_read_file(tu_src("samples/ipfrag-ike-auth-sll2.pcapng"),
	    &len);

	cr_assert_not_null(d);
	cr_assert_eq(compare_mem(d, len, "pcapng"), 21);
	for (size_t cut = 0; cut < len; cut++)
		compare_mem(d, cut, "pcapng truncated");
	/* A lying block length, a bad trailing length, a huge block. */
	for (size_t at = 0; at + 4 <= len && at < 400; at += 4) {
		uint8_t save[4];

		memcpy(save, d + at, 4);
		d[at] ^= 0x40;
		compare_mem(d, len, "pcapng flipped");
		memcpy(d + at, save, 4);
	}
	free(d);
}

/* Writes a capture of several read-ahead chunks: records of sizes from
 * 1 to 70000 bytes, so many straddle a chunk boundary. */
Test(pcapmap, files_of_many_chunks_read_through_readahead)
{
	FILE *f;
	char *path = tu_write_temp(NULL, 0, ".pcap");
	uint32_t seed = 1;
	uint8_t *body = malloc(70000);

	cr_assert_not_null(body);
	for (size_t i = 0; i < 70000; i++)
		body[i] = (uint8_t)(i * 13);
	f = fopen(path, "wb");
	cr_assert_not_null(f);
	cap_header(&c, 0xa1b2c3d4u, 262144, 1);
	fwrite(c.b, 1, c.n, f);
	for (int i = 0; i < 400; i++) {
		uint32_t len;

		seed = seed * 1103515245u + 12345u;
		len = i % 50 == 0 ? 70000 : 1 + (seed >> 8) % 20000;
		c.n = 0;
		cap_record(&c, (uint32_t)i, 0, len, len, 0);
		fwrite(c.b, 1, c.n, f);
		fwrite(body, 1, len, f);
	}
	fclose(f);
	cr_assert_eq(compare_path(path), 400);
	/* Cut inside the last record: the same SHORT from both. */
	cr_assert_eq(truncate(path, 3u << 20), 0);
	compare_path(path);
	unlink(path);
	free(path);
	free(body);
}

static void
put_le32(FILE *f, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 24)};

	fwrite(b, 1, 4, f);
}

/* The same kind of file as pcapng: SHB, IDB, then EPBs of 1..70000
 * bytes, so blocks straddle the 1 MiB read-ahead chunks. */
Test(pcapmap, pcapng_files_of_many_chunks_read_through_readahead)
{
	char *path = tu_write_temp(NULL, 0, ".pcapng");
	FILE *f = fopen(path, "wb");
	uint8_t *body = calloc(1, 70004);
	uint32_t seed = 7;

	cr_assert_not_null(f);
	cr_assert_not_null(body);
	put_le32(f, 0x0a0d0d0a);	/* SHB */
	put_le32(f, 28);
	put_le32(f, 0x1a2b3c4d);
	put_le32(f, 1);			/* version 1.0 */
	put_le32(f, 0xffffffff);	/* section length unknown */
	put_le32(f, 0xffffffff);
	put_le32(f, 28);
	put_le32(f, 1);			/* IDB: Ethernet, snaplen 0 */
	put_le32(f, 20);
	put_le32(f, 1);
	put_le32(f, 0);
	put_le32(f, 20);
	for (int i = 0; i < 300; i++) {
		uint32_t len, pad;

		seed = seed * 1103515245u + 12345u;
		len = i % 40 == 0 ? 70000 : 1 + (seed >> 8) % 20000;
		pad = (4 - len % 4) % 4;
		put_le32(f, 6);		/* EPB */
		put_le32(f, 32 + len + pad);
		put_le32(f, 0);		/* interface 0 */
		put_le32(f, 0);
		put_le32(f, (uint32_t)i);
		put_le32(f, len);
		put_le32(f, len);
		fwrite(body, 1, len + pad, f);
		put_le32(f, 32 + len + pad);
	}
	fclose(f);
	cr_assert_eq(compare_path(path), 300);
	cr_assert_eq(truncate(path, (3u << 20) + 5), 0);
	compare_path(path);
	unlink(path);
	free(path);
	free(body);
}

static long long corpus_frames;
static int corpus_files;

static int
visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	size_t n = strlen(path);

	(void)st;
	(void)ftw;
	if (type == FTW_F && n > 7 && (strcmp(path + n - 5, ".pcap") == 0 ||
	    strcmp(path + n - 4, ".cap") == 0 ||
	    strcmp(path + n - 7, ".pcapng") == 0 ||
	    strcmp(path + n - 6, ".ntar") == 0)) {
		long long k = compare_path(path);

		if (k >= 0) {
			corpus_frames += k;
			corpus_files++;
		}
	}
	return 0;
}

Test(pcapmap, every_sample_and_corpus_capture_agrees_with_libpcap)
{
	const char *corpus = tu_shared("corpus");

	cr_assert_eq(nftw(tu_src("samples"), visit, 8, FTW_PHYS), 0);
	if (corpus != NULL)
		cr_assert_eq(nftw(corpus, visit, 8, FTW_PHYS), 0);
	cr_assert_gt(corpus_files, 10);
	cr_log_info("%d captures, %lld frames identical", corpus_files,
	    corpus_frames);
	if (corpus == NULL)
		cr_skip_test("../shared/corpus absent: samples/ only");
}
