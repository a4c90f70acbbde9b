/*
 * Capture file input (see pcapio.h): pcap through libpcap
 * (pcap_fopen_offline_with_tstamp_precision, nanosecond precision, so
 * micro- and nanosecond files both give ns) and pcapng through our own
 * block reader (pcapng.c), because libpcap refuses pcapng files whose
 * interfaces have different link types. Formats: tcpdump.org "PCAP
 * Capture File Format" (draft-ietf-opsawg-pcap) and pcapng
 * (draft-ietf-opsawg-pcapng).
 *
 * Workload: multi-GB files read once, front to back. A classic pcap in
 * a regular file or in memory is read in place by pcapmap (no copies;
 * libpcap-identical records, tests/formats/test_pcapmap.c); the rest
 * (pipes, stdin, unusual headers) goes to libpcap. That path is
 * pcap_next_ex plus a few assignments: libpcap's buffer is handed out as
 * a view, offsets are counted instead of asked for with ftell, and a
 * file we open gets a large stdio buffer. The first 24 bytes are peeked
 * to choose the reader; a stream that cannot seek back (a pipe) is
 * wrapped in a stdio cookie that replays them.
 */
#include "formats/pcapio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "formats/pcapmap.h"
#include "formats/pcapng.h"
#include "formats/rd.h"
#include "formats/txt.h"

#define PCAP_FILE_HDR 24u
#define PCAP_REC_HDR 16u
#define MAGIC_USEC 0xa1b2c3d4u
#define MAGIC_NSEC 0xa1b23c4du
#define MAGIC_KUZNETZOV 0xa1b2cd34u /* "modified" pcap, microseconds */
#define MAGIC_PCAPNG 0x0a0d0d0au
#define LT_LINKTYPE_MASK 0x03ffffffu /* upper bits: FCS length flags */
#define STDIO_BUFFER (256u * 1024u)

struct pcapio {
	char name[256];
	char err[512];
	const char *format;  /* "pcap", "pcap-ns", "pcapng" */
	FILE *fp;            /* owned until libpcap takes it; NULL then */
	pcap_t *pc;          /* pcap files */
	struct pcapng *ng;   /* pcapng files */
	struct pcapmap *map; /* pcap read in place */
	int fd;              /* of map when it reads a file; else -1 */
	uint32_t linktype;   /* pcap: LINKTYPE_* from the file header */
	uint32_t snaplen;    /* pcap: from the file header */
	uint64_t frame;      /* frames delivered */
	uint64_t off;        /* pcap: offset of the next record */
	bool failed;
	char *iobuf;         /* stdio buffer of fp (owned; freed after the
	                        stream is closed) */
};

/* Replays the peeked header of a stream that cannot seek back. */
struct replay {
	uint8_t pre[PCAP_FILE_HDR];
	size_t n, pos;
	FILE *under;
	bool own_under;
};

static ssize_t
replay_read(void *cookie, char *buf, size_t size)
{
	struct replay *r = cookie;
	size_t k = 0;

	if (r->pos < r->n) {
		k = r->n - r->pos < size ? r->n - r->pos : size;
		memcpy(buf, r->pre + r->pos, k);
		r->pos += k;
	}
	if (k < size)
		k += fread(buf + k, 1, size - k, r->under);
	if (k == 0 && ferror(r->under))
		return -1;
	return (ssize_t)k;
}

static int
replay_close(void *cookie)
{
	struct replay *r = cookie;
	int rc = 0;

	if (r->own_under)
		rc = fclose(r->under);
	free(r);
	return rc;
}

/* Closes a stream we hold; never closes stdin. */
static void
close_fp(FILE *fp)
{
	if (fp != NULL && fp != stdin)
		(void)fclose(fp);
}

__attribute__((format(printf, 3, 4))) static enum rc
fail(struct pcapio *p, enum rc rc, const char *fmt, ...)
{
	struct txt t;
	va_list ap;

	txt_init(&t, p->err, sizeof(p->err));
	txt_add(&t, "%s: ", p->name);
	va_start(ap, fmt);
	txt_vadd(&t, fmt, ap);
	va_end(ap);
	p->failed = true;
	return rc;
}

/*
 * Rewinds fp to its first byte after n bytes were peeked into pre, or
 * replaces it by a replaying stream. Returns NULL when out of memory
 * (fp is then still the caller's).
 */
static FILE *
rewind_or_replay(FILE *fp, const uint8_t *pre, size_t n, bool own)
{
	cookie_io_functions_t io = {.read = replay_read,
	    .close = replay_close};
	struct replay *r;
	struct rd rdr = rd_init(pre, n);
	FILE *nf;

	if (fseek(fp, 0, SEEK_SET) == 0)
		return fp;
	clearerr(fp);
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	(void)rd_copy(&rdr, r->pre, n);
	r->n = n;
	r->under = fp;
	r->own_under = own && fp != stdin;
	if ((nf = fopencookie(r, "rb", io)) == NULL) {
		free(r);
		return NULL;
	}
	return nf;
}

/*
 * pcap file header (24 bytes, in the writer's byte order):
 * | magic (4) | major (2) | minor (2) | thiszone (4) | sigfigs (4) |
 * | snaplen (4) | linktype (4): low 26 bits LINKTYPE_*, FCS flags above |
 */
static enum rc
pcap_header(struct pcapio *p, const uint8_t *hdr, size_t n, bool *is_ng)
{
	struct rd r = rd_init(hdr, n);
	uint32_t le, magic;
	bool be;

	le = rd_le32(&r);
	if (!rd_ok(&r))
		return fail(p, RC_FORMAT, "file of %zu bytes is too short for "
		    "a capture header", n);
	*is_ng = le == MAGIC_PCAPNG;
	if (*is_ng) {
		p->format = "pcapng";
		return RC_OK;
	}
	be = le != MAGIC_USEC && le != MAGIC_NSEC && le != MAGIC_KUZNETZOV;
	magic = be ? __builtin_bswap32(le) : le;
	if (magic != MAGIC_USEC && magic != MAGIC_NSEC &&
	    magic != MAGIC_KUZNETZOV)
		return fail(p, RC_FORMAT, "not a pcap or pcapng file (magic "
		    "0x%08x)", le);
	p->format = magic == MAGIC_NSEC ? "pcap-ns" : "pcap";
	rd_skip(&r, 12);
	p->snaplen = be ? rd_be32(&r) : rd_le32(&r);
	p->linktype = (be ? rd_be32(&r) : rd_le32(&r)) & LT_LINKTYPE_MASK;
	if (!rd_ok(&r))
		return fail(p, RC_FORMAT, "truncated pcap file header (%zu of "
		    "%u bytes)", n, PCAP_FILE_HDR);
	return RC_OK;
}

/* Hands fp to the chosen reader; on success fp belongs to p. */
static enum rc
start(struct pcapio *p, FILE *fp)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	uint8_t hdr[PCAP_FILE_HDR];
	size_t n = fread(hdr, 1, sizeof(hdr), fp);
	bool is_ng = false;
	enum rc rc;

	if (n < sizeof(hdr) && ferror(fp))
		return fail(p, RC_IO, "read error: %s", strerror(errno));
	if ((rc = pcap_header(p, hdr, n, &is_ng)) != RC_OK)
		return rc;
	if ((p->fp = rewind_or_replay(fp, hdr, n, true)) == NULL)
		return fail(p, RC_NOMEM, "out of memory");
	if (is_ng) {
		rc = pcapng_open(p->fp, p->name, &p->ng, p->err,
		    sizeof(p->err));
		p->failed = rc != RC_OK;
		return rc;
	}
	ebuf[0] = '\0';
	p->pc = pcap_fopen_offline_with_tstamp_precision(p->fp,
	    PCAP_TSTAMP_PRECISION_NANO, ebuf);
	if (p->pc == NULL)
		return fail(p, RC_FORMAT, "libpcap: %s", ebuf);
	p->fp = NULL; /* pcap_close() closes it (never stdin) */
	p->off = PCAP_FILE_HDR;
	return RC_OK;
}

/* Opens fp (borrowed when it is stdin) under name. */
static enum rc
open_fp(FILE *fp, const char *name, struct pcapio **out, char *err,
    size_t errlen)
{
	struct pcapio *p;
	enum rc rc;

	*out = NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		close_fp(fp);
		return RC_NOMEM;
	}
	(void)snprintf(p->name, sizeof(p->name), "%s", name);
	p->fd = -1;
	rc = start(p, fp);
	if (rc != RC_OK) {
		if (err != NULL && errlen > 0)
			(void)snprintf(err, errlen, "%s", p->err);
		if (p->fp == NULL)
			p->fp = fp;
		pcapio_close(p);
		return rc;
	}
	p->failed = false;
	p->err[0] = '\0';
	*out = p;
	return RC_OK;
}

/* True when the input starts with a pcapng section header block. */
static bool
starts_pcapng(const uint8_t *head, size_t n)
{
	struct rd r = rd_init(head, n);

	return rd_le32(&r) == MAGIC_PCAPNG && rd_ok(&r);
}

/*
 * A handle around an in-place reader, pcap (m) or pcapng (g); fd is the
 * file's descriptor (ours to close) or -1 for memory. Takes them all,
 * also on failure.
 */
static enum rc
open_view(struct pcapmap *m, struct pcapng *g, int fd, const char *name,
    struct pcapio **out)
{
	struct pcapio *p = calloc(1, sizeof(*p));

	if (p == NULL) {
		pcapmap_free(m);
		pcapng_free(g);
		if (fd >= 0)
			(void)close(fd);
		return RC_NOMEM;
	}
	(void)snprintf(p->name, sizeof(p->name), "%s", name);
	p->map = m;
	p->ng = g;
	p->fd = fd;
	p->format = m != NULL ? pcapmap_format(m) : "pcapng";
	*out = p;
	return RC_OK;
}

static enum rc
try_ng_file(int fd, uint64_t size, const char *path, struct pcapio **out,
    char *err, size_t errlen)
{
	struct pcapng *g;
	enum rc rc = pcapng_open_fd(fd, size, path, &g, err, errlen);

	if (rc != RC_OK) {
		(void)close(fd);
		return rc;
	}
	return open_view(NULL, g, fd, path, out);
}

/*
 * Tries the in-place readers on a regular file: OK (the handle is made),
 * UNSUPPORTED (not for them: fall back to stdio and libpcap), or an error.
 */
static enum rc
try_map_file(const char *path, struct pcapio **out, char *err, size_t errlen)
{
	struct pcapmap *m;
	struct stat st;
	uint8_t head[4];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	enum rc rc;

	if (fd < 0)
		return RC_UNSUPPORTED; /* fopen reports why */
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		(void)close(fd);
		return RC_UNSUPPORTED;
	}
	if (pread(fd, head, sizeof(head), 0) == (ssize_t)sizeof(head) &&
	    starts_pcapng(head, sizeof(head)))
		return try_ng_file(fd, (uint64_t)st.st_size, path, out, err,
		    errlen);
	rc = pcapmap_open_fd(fd, (uint64_t)st.st_size, path, &m);
	if (rc != RC_OK) {
		(void)close(fd);
		if (rc != RC_UNSUPPORTED && err != NULL && errlen > 0)
			(void)snprintf(err, errlen, "%s: %s", path,
			    rc_str(rc));
		return rc;
	}
	return open_view(m, NULL, fd, path, out);
}

enum rc
pcapio_open(const char *path, struct pcapio **out, char *err, size_t errlen)
{
	return pcapio_open_ex(path, 0, out, err, errlen);
}

enum rc
pcapio_open_ex(const char *path, unsigned flags, struct pcapio **out,
    char *err, size_t errlen)
{
	FILE *fp;
	char *iobuf;
	enum rc rc;

	*out = NULL;
	if (strcmp(path, "-") == 0)
		return open_fp(stdin, "stdin", out, err, errlen);
	if (!(flags & PCAPIO_STREAM) &&
	    (rc = try_map_file(path, out, err, errlen)) != RC_UNSUPPORTED)
		return rc;
	if ((fp = fopen(path, "rb")) == NULL) {
		int e = errno;

		if (err != NULL && errlen > 0)
			(void)snprintf(err, errlen, "%s: %s", path,
			    strerror(e));
		return e == EACCES ? RC_PERM : RC_IO;
	}
	/* glibc ignores the size when no buffer is given and reads 4 KiB
	 * at a time: hand it ours (one read per 256 KiB, not 64). */
	iobuf = malloc(STDIO_BUFFER);
	if (iobuf != NULL)
		(void)setvbuf(fp, iobuf, _IOFBF, STDIO_BUFFER);
	rc = open_fp(fp, path, out, err, errlen);
	if (rc == RC_OK)
		(*out)->iobuf = iobuf;
	else
		free(iobuf); /* open_fp closed fp */
	return rc;
}

enum rc
pcapio_open_mem(const uint8_t *data, size_t len, const char *name,
    struct pcapio **out, char *err, size_t errlen)
{
	return pcapio_open_mem_ex(data, len, name, 0, out, err, errlen);
}

enum rc
pcapio_open_mem_ex(const uint8_t *data, size_t len, const char *name,
    unsigned flags, struct pcapio **out, char *err, size_t errlen)
{
	struct pcapmap *m;
	FILE *fp;
	enum rc rc;

	*out = NULL;
	if (len == 0) {
		if (err != NULL && errlen > 0)
			(void)snprintf(err, errlen, "%s: empty capture", name);
		return RC_FORMAT;
	}
	if (!(flags & PCAPIO_STREAM) && starts_pcapng(data, len)) {
		struct pcapng *g;

		rc = pcapng_open_mem(data, len, name, &g, err, errlen);
		return rc == RC_OK ? open_view(NULL, g, -1, name, out) : rc;
	}
	if (!(flags & PCAPIO_STREAM)) {
		rc = pcapmap_open_mem(data, len, name, &m);
		if (rc == RC_OK)
			return open_view(m, NULL, -1, name, out);
		if (rc != RC_UNSUPPORTED)
			return rc;
	}
	/* fmemopen wants a mutable buffer; "rb" never writes to it. */
	if ((fp = fmemopen((void *)(uintptr_t)data, len, "rb")) == NULL) {
		if (err != NULL && errlen > 0)
			(void)snprintf(err, errlen, "%s: %s", name,
			    strerror(errno));
		return RC_NOMEM;
	}
	return open_fp(fp, name, out, err, errlen);
}

/*
 * Turns libpcap's message for a bad record into ours, naming the record's
 * offset and the two numbers. libpcap 1.10 wording (sf-pcap.c).
 */
static enum rc
pcap_fail(struct pcapio *p)
{
	const char *msg = pcap_geterr(p->pc);
	unsigned long long at = (unsigned long long)p->off;
	unsigned a;
	size_t z1, z2;
	int d;

	if (sscanf(msg, "truncated dump file; tried to read %u captured "
	    "bytes, only got %zu", &a, &z1) == 2)
		return fail(p, RC_SHORT, "file ends inside a record at byte "
		    "%llu (header says %u bytes, %zu present)", at, a, z1);
	if (sscanf(msg, "truncated dump file; tried to read %zu header "
	    "bytes, only got %zu", &z1, &z2) == 2)
		return fail(p, RC_SHORT, "file ends inside a record header at "
		    "byte %llu (%zu bytes needed, %zu present)", at, z1, z2);
	if (sscanf(msg, "invalid packet capture length %u, bigger than "
	    "snaplen of %d", &a, &d) == 2)
		return fail(p, RC_MALFORMED, "record at byte %llu: caplen %u "
		    "> snaplen %d", at, a, d);
	if (sscanf(msg, "invalid packet capture length %u, bigger than "
	    "maximum of %zu", &a, &z1) == 2)
		return fail(p, RC_MALFORMED, "record at byte %llu: caplen %u "
		    "> maximum %zu", at, a, z1);
	return fail(p, RC_MALFORMED, "record at byte %llu: %s", at, msg);
}

static void
resync(struct pcapio *p)
{
	long pos = ftell(pcap_file(p->pc));

	if (pos >= 0)
		p->off = (uint64_t)pos;
}

enum rc
pcapio_next(struct pcapio *p, struct pcapio_pkt *pkt)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	enum rc rc;
	int r;

	if (p->failed)
		return RC_INVAL;
	if (p->map != NULL) {
		if ((rc = pcapmap_next(p->map, pkt)) == RC_OK)
			pkt->frame = ++p->frame;
		else if (rc != RC_EOF) {
			(void)snprintf(p->err, sizeof(p->err), "%s",
			    pcapmap_errmsg(p->map));
			p->failed = true;
		}
		return rc;
	}
	if (p->ng != NULL) {
		if ((rc = pcapng_next(p->ng, pkt)) == RC_OK)
			pkt->frame = ++p->frame +
			    pcapng_records_skipped(p->ng);
		else if (rc != RC_EOF) {
			(void)snprintf(p->err, sizeof(p->err), "%s",
			    pcapng_errmsg(p->ng));
			p->failed = true;
		}
		return rc;
	}
	r = pcap_next_ex(p->pc, &h, &data);
	if (r == 1) {
		pkt->frame = ++p->frame;
		pkt->ts_sec = (int64_t)h->ts.tv_sec;
		pkt->ts_nsec = (uint32_t)h->ts.tv_usec; /* ns: opened NANO */
		pkt->caplen = h->caplen;
		pkt->wirelen = h->len;
		pkt->linktype = p->linktype;
		pkt->ifindex = 0;
		pkt->data = data;
		p->off += PCAP_REC_HDR + h->caplen;
		/* libpcap cuts a record longer than the snap length to it
		 * and skips the rest: ask where it really is (rare). */
		if (h->caplen >= p->snaplen && p->snaplen != 0)
			resync(p);
		return RC_OK;
	}
	if (r == PCAP_ERROR_BREAK)
		return RC_EOF;
	return pcap_fail(p);
}

const char *
pcapio_errmsg(const struct pcapio *p)
{
	return p->err;
}

uint64_t
pcapio_offset(const struct pcapio *p)
{
	if (p->map != NULL)
		return pcapmap_offset(p->map);
	return p->ng != NULL ? pcapng_offset(p->ng) : p->off;
}

const char *
pcapio_format(const struct pcapio *p)
{
	return p->format != NULL ? p->format : "unknown";
}

uint64_t
pcapio_bytes_read(const struct pcapio *p)
{
	if (p->map != NULL)
		return pcapmap_offset(p->map);
	return p->ng != NULL ? pcapng_bytes_read(p->ng) : p->off;
}

void
pcapio_close(struct pcapio *p)
{
	if (p == NULL)
		return;
	pcapng_free(p->ng);
	pcapmap_free(p->map);
	if (p->fd >= 0)
		(void)close(p->fd);
	if (p->pc != NULL)
		pcap_close(p->pc);
	close_fp(p->fp);
	free(p->iobuf);
	free(p);
}
