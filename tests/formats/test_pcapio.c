/*
 * pcapio: files written with libpcap's own pcap_dump (micro- and
 * nanosecond, several link types) read back from a path, memory and
 * standard input (pipe and regular file); truncated and broken files;
 * and a cross-check of frame counts against capinfos/tshark on the
 * shared corpus.
 */
#include <criterion/criterion.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "formats/netdecode.h"
#include "formats/pcapio.h"
#include "testutil.h"

static uint8_t frame60[60] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0,
    0, 0, 1, 0x08, 0x06};

/*
 * Writes n packets of 60 bytes through libpcap: packet i has time
 * 1700000000 + i seconds and sub-second part frac + i (in the file's
 * unit). Returns the path (caller frees).
 */
static char *
dump(int dlt, unsigned prec, int n, unsigned frac, uint32_t snaplen)
{
	char *path = tu_write_temp(NULL, 0, ".pcap");
	pcap_t *pd = pcap_open_dead_with_tstamp_precision(dlt, (int)snaplen,
	    prec);
	pcap_dumper_t *d;
	struct pcap_pkthdr h = {.caplen = 60, .len = 60};

	cr_assert_not_null(path);
	cr_assert_not_null(pd);
	d = pcap_dump_open(pd, path);
	cr_assert_not_null(d, "%s", pcap_geterr(pd));
	for (int i = 0; i < n; i++) {
		h.ts.tv_sec = 1700000000 + i;
		h.ts.tv_usec = (suseconds_t)(frac + (unsigned)i);
		frame60[59] = (uint8_t)i;
		pcap_dump((u_char *)d, &h, frame60);
	}
	pcap_dump_close(d);
	pcap_close(pd);
	return path;
}

static void
expect_three(struct pcapio *p, uint32_t nsec0, uint32_t linktype)
{
	struct pcapio_pkt k;

	for (int i = 0; i < 3; i++) {
		cr_assert_eq(pcapio_next(p, &k), RC_OK, "%s", pcapio_errmsg(p));
		cr_expect_eq(k.frame, (uint64_t)i + 1, "frames are 1-based");
		cr_expect_eq(k.ts_sec, 1700000000 + i);
		cr_expect_eq(k.ts_nsec, nsec0 + (uint32_t)i *
		    (nsec0 % 1000 ? 1 : 1000));
		cr_expect_eq(k.caplen, 60);
		cr_expect_eq(k.wirelen, 60);
		cr_expect_eq(k.linktype, linktype);
		cr_expect_eq(k.ifindex, 0);
		cr_expect_eq(k.data[59], i);
	}
	cr_expect_eq(pcapio_next(p, &k), RC_EOF);
	cr_expect_eq(pcapio_bytes_read(p), 24 + 3 * (16 + 60));
	cr_expect_eq(pcapio_offset(p), 24 + 3 * (16 + 60));
}

Test(pcapio, micro_and_nanosecond_files_both_give_nanoseconds)
{
	struct pcapio *p;
	char err[256] = "", *path;

	path = dump(DLT_EN10MB, PCAP_TSTAMP_PRECISION_MICRO, 3, 123456, 65535);
	cr_assert_eq(pcapio_open(path, &p, err, sizeof(err)), RC_OK, "%s",
	    err);
	cr_expect_str_eq(pcapio_format(p), "pcap");
	expect_three(p, 123456000, PCAPIO_LT_ETHERNET);
	pcapio_close(p);
	remove(path);
	free(path);
	path = dump(DLT_EN10MB, PCAP_TSTAMP_PRECISION_NANO, 3, 123456789,
	    65535);
	cr_assert_eq(pcapio_open(path, &p, err, sizeof(err)), RC_OK, "%s",
	    err);
	cr_expect_str_eq(pcapio_format(p), "pcap-ns");
	expect_three(p, 123456789, PCAPIO_LT_ETHERNET);
	pcapio_close(p);
	remove(path);
	free(path);
}

Test(pcapio, link_types_are_reported_as_file_linktype_values)
{
	static const int dlts[] = {DLT_RAW, DLT_NULL, DLT_LOOP,
	    DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_IPV4, DLT_IPV6};
	static const uint32_t lts[] = {PCAPIO_LT_RAW, PCAPIO_LT_NULL,
	    PCAPIO_LT_LOOP, PCAPIO_LT_LINUX_SLL, PCAPIO_LT_LINUX_SLL2,
	    PCAPIO_LT_IPV4, PCAPIO_LT_IPV6};
	struct pcapio *p;
	char err[256] = "", *path;

	for (size_t i = 0; i < sizeof(dlts) / sizeof(dlts[0]); i++) {
		path = dump(dlts[i], PCAP_TSTAMP_PRECISION_MICRO, 3, 5, 65535);
		cr_assert_eq(pcapio_open(path, &p, err, sizeof(err)), RC_OK);
		expect_three(p, 5000, lts[i]);
		pcapio_close(p);
		remove(path);
		free(path);
	}
}

Test(pcapio, memory_captures_read_like_files)
{
	struct pcapio *p;
	char err[256] = "", *path;
	uint8_t *bytes;
	size_t len;

	path = dump(DLT_EN10MB, PCAP_TSTAMP_PRECISION_NANO, 3, 7, 65535);
	bytes = tu_read_file(path, &len);
	cr_assert_not_null(bytes);
	cr_assert_eq(pcapio_open_mem(bytes, len, "member.pcap", &p, err,
	    sizeof(err)), RC_OK, "%s", err);
	expect_three(p, 7, PCAPIO_LT_ETHERNET);
	pcapio_close(p);
	cr_expect_eq(pcapio_open_mem(bytes, 0, "empty", &p, err, sizeof(err)),
	    RC_FORMAT);
	cr_expect_null(p);
	free(bytes);
	remove(path);
	free(path);
}

/* Reads a whole capture from memory; returns the final rc. */
static enum rc
read_mem(const uint8_t *b, size_t n, unsigned *pkts, char *msg, size_t ml,
    uint64_t *off)
{
	struct pcapio *p;
	struct pcapio_pkt k;
	enum rc rc;

	*pkts = 0;
	if ((rc = pcapio_open_mem(b, n, "trace.pcap", &p, msg, ml)) != RC_OK)
		return rc;
	while ((rc = pcapio_next(p, &k)) == RC_OK)
		(*pkts)++;
	snprintf(msg, ml, "%s", pcapio_errmsg(p));
	*off = pcapio_offset(p);
	cr_expect_eq(pcapio_next(p, &k), rc == RC_EOF ? RC_EOF : RC_INVAL,
	    "a failed handle stays failed");
	pcapio_close(p);
	return rc;
}

Test(pcapio, a_truncated_file_gives_every_complete_packet_then_short)
{
	char msg[512], *path = dump(DLT_EN10MB, PCAP_TSTAMP_PRECISION_MICRO,
	    3, 0, 65535);
	uint8_t *b;
	size_t len;
	unsigned pkts;
	uint64_t off;

	b = tu_read_file(path, &len);
	cr_assert_eq(len, 24 + 3 * 76);
	cr_expect_eq(read_mem(b, 24 + 2 * 76 + 16 + 20, &pkts, msg,
	    sizeof(msg), &off), RC_SHORT);
	cr_expect_eq(pkts, 2);
	cr_expect_eq(off, 176);
	cr_expect_str_eq(msg, "trace.pcap: file ends inside a record at byte "
	    "176 (header says 60 bytes, 20 present)");
	cr_expect_eq(read_mem(b, 24 + 2 * 76 + 10, &pkts, msg, sizeof(msg),
	    &off), RC_SHORT);
	cr_expect_str_eq(msg, "trace.pcap: file ends inside a record header "
	    "at byte 176 (16 bytes needed, 10 present)");
	for (size_t cut = 0; cut <= len; cut++) {
		enum rc rc = read_mem(b, cut, &pkts, msg, sizeof(msg), &off);

		if (cut < 24) {
			cr_expect_eq(rc, RC_FORMAT, "cut %zu", cut);
			continue;
		}
		cr_expect_eq(pkts, (cut - 24) / 76, "cut %zu", cut);
		cr_expect_eq(rc, (cut - 24) % 76 ? RC_SHORT : RC_EOF);
		cr_expect_eq(off, 24 + pkts * 76u);
	}
	free(b);
	remove(path);
	free(path);
}

Test(pcapio, impossible_record_lengths_are_malformed_with_the_offset)
{
	char msg[512], *path = dump(DLT_EN10MB, PCAP_TSTAMP_PRECISION_MICRO,
	    3, 0, 65535);
	uint8_t *b;
	size_t len;
	unsigned pkts;
	uint64_t off;

	b = tu_read_file(path, &len);
	/* Second record's caplen: 300000 (little-endian host). */
	b[24 + 76 + 8] = 0xe0;
	b[24 + 76 + 9] = 0x93;
	b[24 + 76 + 10] = 0x04;
	cr_expect_eq(read_mem(b, len, &pkts, msg, sizeof(msg), &off),
	    RC_MALFORMED);
	cr_expect_eq(pkts, 1);
	cr_expect_eq(off, 100);
	cr_expect_not_null(strstr(msg, "trace.pcap: record at byte 100: "
	    "caplen 300000 >"), "%s", msg);
	free(b);
	remove(path);
	free(path);
}

Test(pcapio, records_longer_than_the_snap_length_keep_offsets_right)
{
	static uint8_t big[70000];
	char err[256] = "", *path = tu_write_temp(NULL, 0, ".pcap");
	pcap_t *pd = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *d = pcap_dump_open(pd, path);
	struct pcap_pkthdr h = {.caplen = 70000, .len = 70000};
	struct pcapio *p;
	struct pcapio_pkt k;

	pcap_dump((u_char *)d, &h, big);
	h.caplen = h.len = 60;
	pcap_dump((u_char *)d, &h, frame60);
	pcap_dump_close(d);
	pcap_close(pd);
	cr_assert_eq(pcapio_open(path, &p, err, sizeof(err)), RC_OK);
	cr_assert_eq(pcapio_next(p, &k), RC_OK);
	cr_expect_eq(k.caplen, 65535, "libpcap cuts to the snap length");
	cr_expect_eq(k.wirelen, 70000);
	cr_expect_eq(pcapio_offset(p), 24 + 16 + 70000);
	cr_assert_eq(pcapio_next(p, &k), RC_OK);
	cr_expect_eq(pcapio_next(p, &k), RC_EOF);
	cr_expect_eq(pcapio_bytes_read(p), 24 + 16 + 70000 + 16 + 60);
	pcapio_close(p);
	remove(path);
	free(path);
}

Test(pcapio, files_that_are_not_captures_are_refused_by_name)
{
	static const uint8_t junk[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	struct pcapio *p = (struct pcapio *)1;
	char err[256] = "", *path;

	cr_expect_eq(pcapio_open_mem(junk, sizeof(junk), "junk.bin", &p, err,
	    sizeof(err)), RC_FORMAT);
	cr_expect_null(p);
	cr_expect_str_eq(err, "junk.bin: not a pcap or pcapng file (magic "
	    "0x20544547)");
	cr_expect_eq(pcapio_open_mem(junk, 3, "tiny", &p, err, sizeof(err)),
	    RC_FORMAT);
	cr_expect_not_null(strstr(err, "tiny: file of 3 bytes"), "%s", err);
	cr_expect_eq(pcapio_open("/nonexistent/x.pcap", &p, err,
	    sizeof(err)), RC_IO);
	cr_expect_not_null(strstr(err, "/nonexistent/x.pcap: "), "%s", err);
	path = tu_write_temp(junk, 20, ".pcap");
	cr_expect_eq(pcapio_open(path, &p, NULL, 0), RC_FORMAT);
	remove(path);
	free(path);
	pcapio_close(NULL);
}

/* A little-endian pcapng: SHB, IDB (raw IP), one EPB of 60 bytes. */
static size_t
tiny_pcapng(uint8_t *b)
{
	static const uint8_t shb[28] = {0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0,
	    0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff, 0xff, 28, 0, 0, 0};
	static const uint8_t idb[20] = {1, 0, 0, 0, 20, 0, 0, 0, 101, 0, 0,
	    0, 0, 0, 0, 0, 20, 0, 0, 0};
	static const uint8_t epb[28] = {6, 0, 0, 0, 92, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0, 0, 1, 0, 0, 0, 60, 0, 0, 0, 60, 0, 0, 0};
	size_t n = 0;

	memcpy(b + n, shb, sizeof(shb));
	n += sizeof(shb);
	memcpy(b + n, idb, sizeof(idb));
	n += sizeof(idb);
	memcpy(b + n, epb, sizeof(epb));
	n += sizeof(epb);
	memcpy(b + n, frame60, 60);
	n += 60;
	memcpy(b + n, "\x5c\0\0\0", 4);
	return n + 4;
}

/* Feeds bytes to our standard input through a pipe from a child. */
static void
stdin_from_pipe(const uint8_t *b, size_t n)
{
	int fd[2];
	pid_t pid;

	cr_assert_eq(pipe(fd), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		close(fd[0]);
		if (write(fd[1], b, n) != (ssize_t)n)
			_exit(1);
		_exit(0);
	}
	close(fd[1]);
	cr_assert_geq(dup2(fd[0], 0), 0);
	close(fd[0]);
	clearerr(stdin);
}

static void
read_stdin(const char *format, unsigned want)
{
	struct pcapio *p;
	struct pcapio_pkt k;
	char err[256] = "";
	unsigned n = 0;
	enum rc rc;

	cr_assert_eq(pcapio_open("-", &p, err, sizeof(err)), RC_OK, "%s",
	    err);
	cr_expect_str_eq(pcapio_format(p), format);
	while ((rc = pcapio_next(p, &k)) == RC_OK) {
		n++;
		cr_expect_eq(k.frame, n);
		cr_expect_eq(k.caplen, 60);
	}
	cr_expect_eq(rc, RC_EOF, "%s", pcapio_errmsg(p));
	cr_expect_eq(n, want);
	pcapio_close(p);
}

Test(pcapio, stdin_pipe_carries_pcap)
{
	char *path = dump(DLT_EN10MB, PCAP_TSTAMP_PRECISION_MICRO, 3, 0,
	    65535);
	size_t len;
	uint8_t *b = tu_read_file(path, &len);

	stdin_from_pipe(b, len);
	read_stdin("pcap", 3);
	wait(NULL);
	free(b);
	remove(path);
	free(path);
}

Test(pcapio, stdin_pipe_carries_pcapng)
{
	uint8_t b[256];
	size_t n = tiny_pcapng(b);

	stdin_from_pipe(b, n);
	read_stdin("pcapng", 1);
	wait(NULL);
}

Test(pcapio, stdin_redirected_from_a_regular_file)
{
	char *path = dump(DLT_EN10MB, PCAP_TSTAMP_PRECISION_NANO, 3, 0,
	    65535);

	cr_assert_not_null(freopen(path, "rb", stdin));
	read_stdin("pcap-ns", 3);
	remove(path);
	free(path);
}

/* ---- corpus cross-check --------------------------------------------- */

static char *corpus[1024];
static size_t ncorpus;

static int
collect(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	size_t n = strlen(path);

	(void)st;
	(void)f;
	if (flag == FTW_F && ncorpus < 1024 &&
	    ((n > 5 && strcmp(path + n - 5, ".pcap") == 0) ||
	    (n > 7 && strcmp(path + n - 7, ".pcapng") == 0) ||
	    (n > 4 && strcmp(path + n - 4, ".cap") == 0)))
		corpus[ncorpus++] = strdup(path);
	return 0;
}

static long capinfos_n[1024], tshark_n[1024];

/* Parses "path<TAB>count" lines into counts[] by corpus index. */
static void
parse_counts(const char *out, long *counts)
{
	const char *line = out, *tab, *nl;

	while (line != NULL && *line != '\0') {
		nl = strchr(line, '\n');
		tab = strchr(line, '\t');
		if (tab != NULL && (nl == NULL || tab < nl))
			for (size_t i = 0; i < ncorpus; i++)
				if (strlen(corpus[i]) == (size_t)(tab - line) &&
				    strncmp(corpus[i], line, (size_t)(tab -
				    line)) == 0)
					counts[i] = strtol(tab + 1, NULL, 10);
		line = nl != NULL ? nl + 1 : NULL;
	}
}

/* Runs capinfos once and tshark once per file (in parallel). */
static void
tool_counts(void)
{
	char *list = tu_write_temp(NULL, 0, ".txt"), cmd[1024], *out = NULL;
	FILE *f = fopen(list, "w");

	cr_assert_not_null(f);
	for (size_t i = 0; i < ncorpus; i++) {
		fprintf(f, "%s\n", corpus[i]);
		capinfos_n[i] = tshark_n[i] = -1;
	}
	fclose(f);
	snprintf(cmd, sizeof(cmd), "xargs -d '\\n' capinfos -T -c -M -r "
	    "< '%s'", list);
	cr_assert_eq(tu_run(cmd, &out), 0, "%s", out);
	parse_counts(out, capinfos_n);
	free(out);
	snprintf(cmd, sizeof(cmd), "xargs -d '\\n' -P 8 -n 1 sh -c 'printf "
	    "\"%%s\\t%%s\\n\" \"$1\" \"$(tshark -n -r \"$1\" -Y \"udp.port=="
	    "500 || udp.port==4500 || esp\" 2>/dev/null | wc -l)\"' _ < '%s'",
	    list);
	cr_assert_eq(tu_run(cmd, &out), 0, "%s", out);
	parse_counts(out, tshark_n);
	free(out);
	remove(list);
	free(list);
}

/* Frames of interest: UDP with port 500 or 4500, or ESP. */
static bool
of_interest(const struct net_pkt *o)
{
	return o->l4 == NET_L4_ESP || (o->l4 == NET_L4_UDP &&
	    (o->sport == 500 || o->dport == 500 || o->sport == 4500 ||
	    o->dport == 4500));
}

static void
cross_check(size_t idx, uint64_t *tot_frames, uint64_t *tot_ike)
{
	const char *path = corpus[idx];
	struct net_decoder *d = net_decoder_new();
	const struct net_stats *st = net_decoder_stats(d);
	struct pcapio *p;
	struct pcapio_pkt k;
	struct net_pkt o;
	enum net_skip sk;
	char err[512] = "";
	uint64_t frames = 0, ike = 0;
	enum rc rc;

	cr_assert_eq(pcapio_open(path, &p, err, sizeof(err)), RC_OK, "%s",
	    err);
	while ((rc = pcapio_next(p, &k)) == RC_OK) {
		frames++;
		if (net_decode(d, &k, &o, &sk) == RC_OK && of_interest(&o))
			ike++;
	}
	cr_expect_eq(rc, RC_EOF, "%s", pcapio_errmsg(p));
	cr_expect_eq((long)frames, capinfos_n[idx], "%s: frames", path);
	/* Where nothing was cut or broken we must see what tshark sees
	 * (ESP inside GTP-U tunnels included). */
	if (st->truncated + st->malformed == 0)
		cr_expect_eq((long)ike, tshark_n[idx], "%s: IKE/ESP frames",
		    path);
	else
		cr_expect_leq((long)ike, tshark_n[idx], "%s: IKE/ESP frames",
		    path);
	*tot_frames += frames;
	*tot_ike += ike;
	pcapio_close(p);
	net_decoder_free(d);
}

Test(pcapio, corpus_frame_counts_match_capinfos_and_tshark,
    .timeout = 550)
{
	const char *dir = tu_shared("corpus");
	uint64_t frames = 0, ike = 0;

	if (dir == NULL)
		cr_skip_test("../shared/corpus is absent");
	if (!tu_have_tool("capinfos") || !tu_have_tool("tshark"))
		cr_skip_test("capinfos/tshark (wireshark) are not installed");
	cr_assert_eq(nftw(dir, collect, 16, FTW_PHYS), 0);
	cr_assert_gt(ncorpus, 0, "no captures under %s", dir);
	tool_counts();
	for (size_t i = 0; i < ncorpus; i++)
		cross_check(i, &frames, &ike);
	cr_log_info("corpus: %zu files, %llu frames, %llu IKE/ESP frames",
	    ncorpus, (unsigned long long)frames, (unsigned long long)ike);
	cr_expect_gt(ike, 0);
}
