/*
 * pcapng block reader: small files are written by hand, in both byte
 * orders (two interfaces of different link types, if_tsresol, EPB, SPB,
 * obsolete PB, unknown blocks, several sections), read back through
 * pcapio (which hands every pcapng to pcapng.c) and checked packet by
 * packet; broken and truncated files fail with offsets, never crash.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/limits.h"
#include "formats/pcapio.h"
#include "formats/pcapng.h"
#include "testutil.h"

struct wb {
	uint8_t b[16384];
	size_t n;
	bool be;
};

static void
w8(struct wb *w, unsigned v)
{
	cr_assert_lt(w->n, sizeof(w->b));
	w->b[w->n++] = (uint8_t)v;
}

static void
w16(struct wb *w, unsigned v)
{
	if (w->be) {
		w8(w, v >> 8);
		w8(w, v);
	} else {
		w8(w, v);
		w8(w, v >> 8);
	}
}

static void
w32(struct wb *w, uint32_t v)
{
	if (w->be) {
		w16(w, v >> 16);
		w16(w, v & 0xffff);
	} else {
		w16(w, v & 0xffff);
		w16(w, v >> 16);
	}
}

static void
w64(struct wb *w, uint64_t v)
{
	if (w->be) {
		w32(w, (uint32_t)(v >> 32));
		w32(w, (uint32_t)v);
	} else {
		w32(w, (uint32_t)v);
		w32(w, (uint32_t)(v >> 32));
	}
}

static void
wbytes(struct wb *w, const void *p, size_t n)
{
	cr_assert_leq(w->n + n, sizeof(w->b));
	memcpy(w->b + w->n, p, n);
	w->n += n;
	while (w->n % 4 != 0)
		w8(w, 0);
}

/* Appends a block with the body in b (same byte order as f). */
static void
block(struct wb *f, uint32_t type, const struct wb *b)
{
	w32(f, type);
	w32(f, (uint32_t)(12 + b->n));
	wbytes(f, b->b, b->n);
	w32(f, (uint32_t)(12 + b->n));
}

static void
shb(struct wb *f)
{
	struct wb b = {.be = f->be};

	w32(&b, 0x1a2b3c4d);
	w16(&b, 1);
	w16(&b, 0);
	w64(&b, ~0ull);
	block(f, 0x0a0d0d0a, &b);
}

/* tsresol < 0: no option; tsoffset 0: no option. */
static void
idb(struct wb *f, unsigned lt, uint32_t snap, int tsresol, int64_t tsoff)
{
	struct wb b = {.be = f->be};

	w16(&b, lt);
	w16(&b, 0);
	w32(&b, snap);
	w16(&b, 2); /* if_name, to be skipped */
	w16(&b, 3);
	wbytes(&b, "eth", 3);
	if (tsresol >= 0) {
		w16(&b, 9);
		w16(&b, 1);
		w8(&b, (unsigned)tsresol);
		w8(&b, 0);
		w16(&b, 0);
	}
	if (tsoff != 0) {
		w16(&b, 14);
		w16(&b, 8);
		w64(&b, (uint64_t)tsoff);
	}
	w16(&b, 0);
	w16(&b, 0);
	block(f, 1, &b);
}

static void
epb(struct wb *f, uint32_t ifid, uint64_t ts, const uint8_t *d,
    uint32_t caplen, uint32_t wirelen)
{
	struct wb b = {.be = f->be};

	w32(&b, ifid);
	w32(&b, (uint32_t)(ts >> 32));
	w32(&b, (uint32_t)ts);
	w32(&b, caplen);
	w32(&b, wirelen);
	wbytes(&b, d, caplen);
	w16(&b, 1); /* opt_comment */
	w16(&b, 2);
	wbytes(&b, "hi", 2);
	block(f, 6, &b);
}

static void
opb(struct wb *f, unsigned ifid, uint64_t ts, const uint8_t *d,
    uint32_t caplen)
{
	struct wb b = {.be = f->be};

	w16(&b, ifid);
	w16(&b, 0);
	w32(&b, (uint32_t)(ts >> 32));
	w32(&b, (uint32_t)ts);
	w32(&b, caplen);
	w32(&b, caplen);
	wbytes(&b, d, caplen);
	block(f, 2, &b);
}

static void
spb(struct wb *f, const uint8_t *d, uint32_t len)
{
	struct wb b = {.be = f->be};

	w32(&b, len);
	wbytes(&b, d, len);
	block(f, 3, &b);
}

static void
unknown(struct wb *f)
{
	struct wb b = {.be = f->be};

	w32(&b, 0); /* interface statistics: interface 0, time 0 */
	w32(&b, 0);
	w32(&b, 0);
	block(f, 5, &b);
	b.n = 0;
	wbytes(&b, "custom block (PEN first), skipped", 33);
	block(f, 0x00000bad, &b);
	b.n = 0;
	wbytes(&b, "custom", 6);
	block(f, 0x40000bad, &b);
}

static const uint8_t frame_a[60] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
    0x08, 0x00, 0x45};
static const uint8_t frame_b[45] = {0x08, 0x00, 0, 0, 0, 0, 0, 3, 0, 1, 4,
    6, 1, 2, 3, 4, 5, 6, 0, 0, 0x45};

/* Eth (usec) + SLL2 (nsec) interfaces, 5 packets, unknown blocks. */
static void
mixed(struct wb *f)
{
	f->n = 0;
	shb(f);
	idb(f, 1, 65535, -1, 0);
	unknown(f);
	idb(f, 276, 262144, 9, 0);
	epb(f, 0, 1700000000123456ull, frame_a, 60, 60);
	epb(f, 1, 1700000001987654321ull, frame_b, 45, 45);
	spb(f, frame_a, 60);
	opb(f, 1, 1700000002000000001ull, frame_b, 40);
	epb(f, 0, 1700000003000001ull, frame_a, 30, 60);
}

static void
check_mixed(const struct wb *f)
{
	struct pcapio *p;
	struct pcapio_pkt k;
	char err[256] = "";

	cr_assert_eq(pcapio_open_mem(f->b, f->n, "mixed.pcapng", &p, err,
	    sizeof(err)), RC_OK, "%s", err);
	cr_expect_str_eq(pcapio_format(p), "pcapng");
	cr_assert_eq(pcapio_next(p, &k), RC_OK, "%s", pcapio_errmsg(p));
	cr_expect_eq(k.frame, 3, "two custom blocks took frames 1 and 2, as "
	    "in Wireshark");
	cr_expect_eq(k.linktype, PCAPIO_LT_ETHERNET);
	cr_expect_eq(k.ifindex, 0);
	cr_expect_eq(k.ts_sec, 1700000000);
	cr_expect_eq(k.ts_nsec, 123456000);
	cr_expect_eq(k.caplen, 60);
	cr_expect_arr_eq(k.data, frame_a, 60);
	cr_assert_eq(pcapio_next(p, &k), RC_OK, "%s", pcapio_errmsg(p));
	cr_expect_eq(k.frame, 4);
	cr_expect_eq(k.linktype, PCAPIO_LT_LINUX_SLL2);
	cr_expect_eq(k.ifindex, 1);
	cr_expect_eq(k.ts_sec, 1700000001);
	cr_expect_eq(k.ts_nsec, 987654321);
	cr_expect_arr_eq(k.data, frame_b, 45);
	cr_assert_eq(pcapio_next(p, &k), RC_OK, "%s", pcapio_errmsg(p));
	cr_expect_eq(k.linktype, PCAPIO_LT_ETHERNET, "SPB: interface 0");
	cr_expect_eq(k.caplen, 60);
	cr_expect_eq(k.ts_sec, 0);
	cr_assert_eq(pcapio_next(p, &k), RC_OK, "%s", pcapio_errmsg(p));
	cr_expect_eq(k.linktype, PCAPIO_LT_LINUX_SLL2, "obsolete PB");
	cr_expect_eq(k.ts_nsec, 1);
	cr_expect_eq(k.caplen, 40);
	cr_assert_eq(pcapio_next(p, &k), RC_OK, "%s", pcapio_errmsg(p));
	cr_expect_eq(k.frame, 7);
	cr_expect_eq(k.caplen, 30);
	cr_expect_eq(k.wirelen, 60);
	cr_expect_eq(k.ts_nsec, 1000);
	cr_expect_eq(pcapio_next(p, &k), RC_EOF);
	cr_expect_eq(pcapio_bytes_read(p), f->n);
	cr_expect_str_eq(pcapio_errmsg(p), "");
	pcapio_close(p);
}

Test(pcapng, interfaces_of_different_link_types_little_endian)
{
	static struct wb f;

	mixed(&f);
	check_mixed(&f);
}

Test(pcapng, interfaces_of_different_link_types_big_endian)
{
	static struct wb f = {.be = true};

	mixed(&f);
	check_mixed(&f);
}

Test(pcapng, capinfos_counts_the_hand_made_file_like_we_do)
{
	static struct wb f;
	char cmd[512], *out = NULL, *path;

	if (!tu_have_tool("capinfos"))
		cr_skip_test("capinfos (wireshark-common) is not installed");
	mixed(&f);
	path = tu_write_temp(f.b, f.n, ".pcapng");
	cr_assert_not_null(path);
	snprintf(cmd, sizeof(cmd), "capinfos -c -M '%s'", path);
	cr_assert_eq(tu_run(cmd, &out), 0, "%s", out);
	cr_assert_not_null(strstr(out, "Number of packets:"), "%s", out);
	cr_expect_eq(strtoul(strstr(out, "Number of packets:") + 18, NULL, 10),
	    5, "%s", out);
	free(out);
	remove(path);
	free(path);
}

Test(pcapng, tshark_reads_the_same_frames_times_and_interfaces)
{
	static struct wb f;
	struct pcapio *p;
	struct pcapio_pkt k;
	char cmd[512], line[128], ours[1024] = "", *out = NULL, *path;
	size_t n = 0;

	if (!tu_have_tool("tshark"))
		cr_skip_test("tshark is not installed");
	mixed(&f);
	idb(&f, 1, 0, 0x80 | 20, 1000);
	epb(&f, 2, (5ull << 20) | (1u << 19), frame_a, 20, 20);
	path = tu_write_temp(f.b, f.n, ".pcapng");
	cr_assert_not_null(path);
	/* Packets only; the simple packet block has no time to compare. */
	snprintf(cmd, sizeof(cmd), "tshark -n -r '%s' -Y 'frame.interface_id"
	    " >= 0 && frame.number != 5' -T fields -e frame.number -e "
	    "frame.time_epoch -e frame.interface_id 2>/dev/null | "
	    "grep -v '^Running'", path);
	cr_assert_eq(tu_run(cmd, &out), 0, "%s", out);
	cr_assert_eq(pcapio_open_mem(f.b, f.n, "x", &p, NULL, 0), RC_OK);
	while (pcapio_next(p, &k) == RC_OK) {
		if (k.frame == 5)
			continue;
		snprintf(line, sizeof(line), "%llu\t%lld.%09u\t%u\n",
		    (unsigned long long)k.frame, (long long)k.ts_sec, k.ts_nsec,
		    k.ifindex);
		memcpy(ours + n, line, strlen(line) + 1);
		n += strlen(line);
	}
	pcapio_close(p);
	cr_expect_str_eq(out, ours);
	cr_expect_not_null(strstr(ours, "8\t1005.500000000\t2\n"));
	free(out);
	remove(path);
	free(path);
}

Test(pcapng, binary_resolution_offset_and_a_new_section_are_honoured)
{
	static struct wb f, g = {.be = true};
	struct pcapio *p;
	struct pcapio_pkt k;
	char err[256] = "";

	shb(&f);
	idb(&f, 1, 0, 0x80 | 20, 1000); /* 2^-20 s units, +1000 s */
	epb(&f, 0, (5ull << 20) | (1u << 19), frame_a, 20, 20);
	/* A big-endian section: interface 0 is now raw IP. */
	shb(&g);
	idb(&g, 101, 0, 3, 0);
	epb(&g, 0, 12345, frame_a, 20, 20);
	memcpy(f.b + f.n, g.b, g.n);
	f.n += g.n;
	cr_assert_eq(pcapio_open_mem(f.b, f.n, "x", &p, err, sizeof(err)),
	    RC_OK, "%s", err);
	cr_assert_eq(pcapio_next(p, &k), RC_OK, "%s", pcapio_errmsg(p));
	cr_expect_eq(k.ts_sec, 1005);
	cr_expect_eq(k.ts_nsec, 500000000);
	cr_assert_eq(pcapio_next(p, &k), RC_OK, "%s", pcapio_errmsg(p));
	cr_expect_eq(k.linktype, PCAPIO_LT_RAW);
	cr_expect_eq(k.ts_sec, 12);
	cr_expect_eq(k.ts_nsec, 345000000);
	cr_expect_eq(pcapio_next(p, &k), RC_EOF);
	pcapio_close(p);
}

Test(pcapng, absurd_timestamps_saturate_instead_of_overflowing)
{
	static struct wb f;
	struct pcapio *p;
	struct pcapio_pkt k;
	char err[256] = "";

	shb(&f);
	idb(&f, 1, 0, 0, INT64_MAX); /* 1-second units, huge offset */
	epb(&f, 0, ~0ull, frame_a, 20, 20);
	idb(&f, 1, 0, 0, INT64_MIN + 1);
	epb(&f, 1, 0, frame_a, 20, 20);
	cr_assert_eq(pcapio_open_mem(f.b, f.n, "x", &p, err, sizeof(err)),
	    RC_OK, "%s", err);
	cr_assert_eq(pcapio_next(p, &k), RC_OK, "%s", pcapio_errmsg(p));
	cr_expect_lt(k.ts_sec, INT64_MAX / 1000000000);
	cr_expect_gt(k.ts_sec, 0);
	cr_assert_eq(pcapio_next(p, &k), RC_OK, "%s", pcapio_errmsg(p));
	cr_expect_gt(k.ts_sec, INT64_MIN / 1000000000);
	cr_expect_lt(k.ts_sec, 0);
	pcapio_close(p);
}

/* Opens f and reads to the end; returns the final rc and packet count. */
static enum rc
read_all(const uint8_t *b, size_t n, unsigned *pkts, char *msg, size_t ml)
{
	struct pcapio *p;
	struct pcapio_pkt k;
	enum rc rc;

	*pkts = 0;
	if ((rc = pcapio_open_mem(b, n, "t.pcapng", &p, msg, ml)) != RC_OK)
		return rc;
	while ((rc = pcapio_next(p, &k)) == RC_OK)
		(*pkts)++;
	snprintf(msg, ml, "%s", pcapio_errmsg(p));
	if (rc != RC_EOF)
		cr_expect_leq(pcapio_offset(p), n);
	pcapio_close(p);
	return rc;
}

Test(pcapng, a_file_cut_anywhere_delivers_complete_packets_then_short)
{
	static struct wb f;
	size_t ends[8], nends = 0, at;
	unsigned pkts, want;
	char msg[512];
	enum rc rc;

	shb(&f);
	idb(&f, 1, 0, -1, 0);
	at = f.n;
	for (int i = 0; i < 4; i++) {
		epb(&f, 0, 1000 + (uint64_t)i, frame_a, 60, 60);
		ends[nends++] = f.n;
	}
	for (size_t len = 0; len <= f.n; len++) {
		rc = read_all(f.b, len, &pkts, msg, sizeof(msg));
		want = 0;
		for (size_t i = 0; i < nends; i++)
			want += ends[i] <= len;
		if (len < at) {
			cr_expect_neq(rc, RC_OK);
			continue;
		}
		cr_expect_eq(pkts, want, "cut at %zu", len);
		if (len == at || len == ends[want ? want - 1 : 0])
			cr_expect_eq(rc, RC_EOF, "cut at %zu", len);
		else {
			cr_expect_eq(rc, RC_SHORT, "cut at %zu: %s", len,
			    rc_name(rc));
			cr_expect_not_null(strstr(msg, "t.pcapng: file ends "
			    "inside"), "%s", msg);
		}
	}
}

Test(pcapng, bad_lengths_and_interfaces_are_malformed_with_offsets)
{
	static struct wb f;
	unsigned pkts;
	char msg[512], want[64];
	size_t epb_at;

	shb(&f);
	idb(&f, 1, 0, -1, 0);
	epb_at = f.n;
	epb(&f, 0, 1, frame_a, 60, 60);
	/* Trailing length disagrees with the leading one. */
	f.b[f.n - 4] ^= 4;
	cr_expect_eq(read_all(f.b, f.n, &pkts, msg, sizeof(msg)),
	    RC_MALFORMED);
	cr_expect_not_null(strstr(msg, "trailing total length"), "%s", msg);
	snprintf(want, sizeof(want), "at byte %zu", epb_at);
	cr_expect_not_null(strstr(msg, want), "%s", msg);
	f.b[f.n - 4] ^= 4;
	/* Interface 1 was never described. */
	f.b[epb_at + 8] = 1;
	cr_expect_eq(read_all(f.b, f.n, &pkts, msg, sizeof(msg)),
	    RC_MALFORMED);
	cr_expect_not_null(strstr(msg, "interface 1 not described"), "%s",
	    msg);
	f.b[epb_at + 8] = 0;
	/* Captured length larger than the block. */
	f.b[epb_at + 20] = 200;
	cr_expect_eq(read_all(f.b, f.n, &pkts, msg, sizeof(msg)),
	    RC_MALFORMED);
	cr_expect_not_null(strstr(msg, "captured length 200"), "%s", msg);
	f.b[epb_at + 20] = 60;
	/* Total length not a multiple of 4, then below 12. */
	f.b[epb_at + 4] += 1;
	cr_expect_eq(read_all(f.b, f.n, &pkts, msg, sizeof(msg)),
	    RC_MALFORMED);
	f.b[epb_at + 4] = 8;
	cr_expect_eq(read_all(f.b, f.n, &pkts, msg, sizeof(msg)),
	    RC_MALFORMED);
	cr_expect_not_null(strstr(msg, "< 12"), "%s", msg);
}

Test(pcapng, a_huge_block_length_is_refused_before_allocating)
{
	static struct wb f;
	unsigned pkts;
	char msg[512];
	size_t at;

	shb(&f);
	idb(&f, 1, 0, -1, 0);
	at = f.n;
	epb(&f, 0, 1, frame_a, 60, 60);
	f.b[at + 4] = 0xf0;
	f.b[at + 5] = 0xff;
	f.b[at + 6] = 0xff;
	f.b[at + 7] = 0x7f;
	cr_expect_eq(read_all(f.b, f.n, &pkts, msg, sizeof(msg)),
	    RC_MALFORMED);
	cr_expect_not_null(strstr(msg, "> cap"), "%s", msg);
	/* An unknown block that large is skipped and then runs out. */
	f.b[at] = 0x99;
	cr_expect_eq(read_all(f.b, f.n, &pkts, msg, sizeof(msg)), RC_SHORT);
}

Test(pcapng, streams_not_starting_with_a_section_header_are_refused)
{
	static struct wb f;
	struct pcapng *g = NULL;
	char err[256] = "";
	FILE *fp;

	idb(&f, 1, 0, -1, 0);
	fp = fmemopen(f.b, f.n, "rb");
	cr_expect_eq(pcapng_open(fp, "idb-first", &g, err, sizeof(err)),
	    RC_FORMAT);
	cr_expect_null(g);
	cr_expect_not_null(strstr(err, "idb-first: not a pcapng"), "%s", err);
	fclose(fp);
	f.n = 0;
	shb(&f);
	f.b[8] = 0x77; /* byte-order magic */
	fp = fmemopen(f.b, f.n, "rb");
	cr_expect_eq(pcapng_open(fp, "bom", &g, err, sizeof(err)),
	    RC_MALFORMED);
	cr_expect_not_null(strstr(err, "byte-order magic"), "%s", err);
	fclose(fp);
	pcapng_free(NULL);
}

Test(pcapng, flipped_bytes_never_crash)
{
	static struct wb f;
	unsigned pkts;
	char msg[512];

	mixed(&f);
	for (size_t pos = 0; pos < f.n; pos++) {
		uint8_t keep = f.b[pos];

		f.b[pos] ^= 0x81;
		(void)read_all(f.b, f.n, &pkts, msg, sizeof(msg));
		cr_expect_leq(pkts, 5);
		f.b[pos] = keep;
	}
}
