/*
 * Classic pcap read in place (see pcapmap.h). Layout, all fields in the
 * writer's byte order:
 *
 *   file header (24): | magic | major(2) minor(2) | thiszone | sigfigs |
 *                     | snaplen | linktype (low 26 bits; FCS flags above) |
 *   record header (16): | ts_sec | ts_usec or ts_nsec | caplen | len |
 *   then caplen bytes of packet.
 *
 * A file is read through readahead (a thread fills a ring of 1 MiB
 * chunks while we parse), so memory stays bounded whatever the file size
 * and records are parsed where read(2) put them; bytes in memory go
 * through the same calls. Mapping the file was
 * tried first and was slower: every record header of a 2 GB file was a
 * TLB and cache miss in a page-cache page (BENCHMARKS.md, "Analyzer").
 * A file still being appended to is read up to the size it had at open.
 */
#include "formats/pcapmap.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/rd.h"
#include "formats/readahead.h"
#include "formats/txt.h"

#define FILE_HDR 24u
#define REC_HDR 16u
#define MAGIC_USEC 0xa1b2c3d4u
#define MAGIC_NSEC 0xa1b23c4du
#define VERSION_MAJOR 2u
#define VERSION_MINOR 4u
#define LINKTYPE_MASK 0x03ffffffu
/* libpcap's MAXIMUM_SNAPLEN: the snapshot length of a file that states
 * none or a larger one, and the largest record it accepts (for the link
 * types below; a few others allow more and go to libpcap). */
#define MAX_SNAP 262144u
/* a record header and the link, IP and ESP/UDP headers after it */
#define PREFETCH_BYTES 128u

_Static_assert(REC_HDR + MAX_SNAP <= READAHEAD_MAX_SPAN,
    "a whole record must fit in one read-ahead span");

struct pcapmap {
	char name[256];
	char err[512];
	struct readahead *ra;  /* the input: a file read ahead, or memory */
	uint64_t size;         /* bytes in the file or buffer */
	uint64_t off;          /* next record */
	bool be;               /* header fields are big-endian */
	bool nsec;             /* timestamps in ns; else us */
	uint32_t snapshot;     /* as libpcap takes it: may exceed MAX_SNAP */
	uint32_t linktype;
	bool failed;
	/* The chunk at hand, file bytes [win_off, win_off + win_len) at win:
	 * records inside it need no call into the reader. */
	const uint8_t *win;
	uint64_t win_off;
	size_t win_len;
};

/* Link types wfpdiag decodes (netdecode); none has a pseudo-header
 * that libpcap would byte-swap in a file of the other byte order. */
static const uint32_t taken_linktypes[] = {
	PCAPIO_LT_NULL, PCAPIO_LT_ETHERNET, PCAPIO_LT_RAW, PCAPIO_LT_LOOP,
	PCAPIO_LT_LINUX_SLL, PCAPIO_LT_IPV4, PCAPIO_LT_IPV6,
	PCAPIO_LT_LINUX_SLL2,
};

__attribute__((format(printf, 3, 4))) static enum rc
fail(struct pcapmap *m, enum rc rc, const char *fmt, ...)
{
	struct txt t;
	va_list ap;

	txt_init(&t, m->err, sizeof(m->err));
	txt_add(&t, "%s: ", m->name);
	va_start(ap, fmt);
	txt_vadd(&t, fmt, ap);
	va_end(ap);
	m->failed = true;
	return rc;
}

static bool
linktype_taken(uint32_t lt)
{
	size_t i;

	for (i = 0; i < sizeof(taken_linktypes) / sizeof(*taken_linktypes);
	    i++)
		if (taken_linktypes[i] == lt)
			return true;
	return false;
}

static uint32_t
get32(const struct pcapmap *m, struct rd *r)
{
	return m->be ? rd_be32(r) : rd_le32(r);
}

/* Reads the file header; UNSUPPORTED for what libpcap should read. */
static enum rc
header(struct pcapmap *m, const uint8_t *hdr, size_t n)
{
	struct rd r = rd_init(hdr, n);
	uint32_t magic = rd_le32(&r), snaplen;
	uint16_t major, minor;

	if (magic == __builtin_bswap32(MAGIC_USEC) ||
	    magic == __builtin_bswap32(MAGIC_NSEC)) {
		m->be = true;
		magic = __builtin_bswap32(magic);
	}
	if (magic != MAGIC_USEC && magic != MAGIC_NSEC)
		return RC_UNSUPPORTED;
	m->nsec = magic == MAGIC_NSEC;
	major = m->be ? rd_be16(&r) : rd_le16(&r);
	minor = m->be ? rd_be16(&r) : rd_le16(&r);
	rd_skip(&r, 8); /* thiszone, sigfigs: always 0, never used */
	snaplen = get32(m, &r);
	m->linktype = get32(m, &r) & LINKTYPE_MASK;
	if (!rd_ok(&r) || major != VERSION_MAJOR || minor != VERSION_MINOR ||
	    !linktype_taken(m->linktype))
		return RC_UNSUPPORTED;
	/* libpcap 1.10 takes the header's value as an int and replaces
	 * only one that is not positive. */
	m->snapshot = (int32_t)snaplen <= 0 ? MAX_SNAP : snaplen;
	m->off = FILE_HDR;
	return RC_OK;
}

static enum rc
new_reader(const char *name, uint64_t size, struct pcapmap **out)
{
	struct pcapmap *m = calloc(1, sizeof(*m));

	*out = NULL;
	if (m == NULL)
		return RC_NOMEM;
	(void)snprintf(m->name, sizeof(m->name), "%s", name);
	m->size = size;
	*out = m;
	return RC_OK;
}

enum rc
pcapmap_open_fd(int fd, uint64_t size, const char *name,
    struct pcapmap **out)
{
	uint8_t hdr[FILE_HDR];
	ssize_t n = pread(fd, hdr, sizeof(hdr), 0);
	enum rc rc;

	*out = NULL;
	if (n < 0)
		return RC_IO;
	if ((uint64_t)n < FILE_HDR || size < FILE_HDR)
		return RC_UNSUPPORTED;
	if ((rc = new_reader(name, size, out)) != RC_OK)
		return rc;
	if ((rc = header(*out, hdr, (size_t)n)) != RC_OK) {
		pcapmap_free(*out);
		*out = NULL;
		return rc;
	}
	/* Larger kernel readahead for a cold file read front to back. */
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	if ((rc = readahead_open(fd, FILE_HDR, size, &(*out)->ra)) != RC_OK) {
		pcapmap_free(*out);
		*out = NULL;
	}
	return rc;
}

enum rc
pcapmap_open_mem(const uint8_t *data, size_t len, const char *name,
    struct pcapmap **out)
{
	enum rc rc;

	*out = NULL;
	if (len < FILE_HDR)
		return RC_UNSUPPORTED;
	if ((rc = new_reader(name, len, out)) != RC_OK)
		return rc;
	if ((rc = header(*out, data, len)) != RC_OK ||
	    (rc = readahead_open_mem(data, len, &(*out)->ra)) != RC_OK) {
		pcapmap_free(*out);
		*out = NULL;
	}
	return rc;
}

/* Points *p at [off, off + need), which the caller checked lies inside
 * the input. */
static inline enum rc
span(struct pcapmap *m, uint64_t off, size_t need, const uint8_t **p)
{
	enum rc rc;

	if (m->win != NULL && off >= m->win_off &&
	    off + need <= m->win_off + m->win_len) {
		*p = m->win + (off - m->win_off);
		return RC_OK;
	}
	if ((rc = readahead_span(m->ra, off, need, p, &m->win_len)) != RC_OK) {
		m->win = NULL;
		return fail(m, rc, "%s", readahead_errmsg(m->ra));
	}
	m->win = *p;
	m->win_off = off;
	return RC_OK;
}

/* The next record header and the start of its packet are likely in
 * another core's cache (the read-ahead thread copied them there):
 * fetching them now overlaps that wait with this packet's analysis. */
static inline void
prefetch_next(const struct pcapmap *m)
{
	if (m->win != NULL && m->off + PREFETCH_BYTES <= m->win_off +
	    m->win_len) {
		const uint8_t *p = m->win + (m->off - m->win_off);

		__builtin_prefetch(p);
		__builtin_prefetch(p + PREFETCH_BYTES / 2);
	}
}

/* The failures of a record, in libpcap's order and with its numbers. */
static enum rc
bad_record(struct pcapmap *m, uint32_t caplen, uint64_t avail)
{
	unsigned long long at = (unsigned long long)m->off;

	if (caplen > MAX_SNAP && caplen > m->snapshot)
		return fail(m, RC_MALFORMED, "record at byte %llu: caplen %u "
		    "> snaplen %u", at, caplen, m->snapshot);
	if (caplen > MAX_SNAP)
		return fail(m, RC_MALFORMED, "record at byte %llu: caplen %u "
		    "> maximum %u", at, caplen, MAX_SNAP);
	/* libpcap first reads min(caplen, snapshot) bytes, then discards
	 * the rest: a shortage in the first read names the first count. */
	if (caplen > m->snapshot && avail < m->snapshot)
		caplen = m->snapshot;
	return fail(m, RC_SHORT, "file ends inside a record at byte %llu "
	    "(header says %u bytes, %llu present)", at, caplen,
	    (unsigned long long)avail);
}

static void
fill(const struct pcapmap *m, struct rd *r, struct pcapio_pkt *pkt)
{
	int32_t sec = (int32_t)get32(m, r);
	int32_t frac = (int32_t)get32(m, r);

	pkt->ts_sec = sec;
	/* libpcap scales a microsecond stamp in a signed long, then our
	 * field keeps the low 32 bits (as with its tv_usec). */
	pkt->ts_nsec = m->nsec ? (uint32_t)frac :
	    (uint32_t)((int64_t)frac * 1000);
	pkt->caplen = get32(m, r);
	pkt->wirelen = get32(m, r);
	pkt->linktype = m->linktype;
	pkt->ifindex = 0;
}

enum rc
pcapmap_next(struct pcapmap *m, struct pcapio_pkt *pkt)
{
	uint64_t left, avail;
	uint32_t caplen, take;
	const uint8_t *p;
	struct rd r;
	enum rc rc;

	if (m->failed)
		return RC_INVAL;
	left = m->size - m->off;
	if (left == 0)
		return RC_EOF;
	if (left < REC_HDR)
		return fail(m, RC_SHORT, "file ends inside a record header at "
		    "byte %llu (%u bytes needed, %llu present)",
		    (unsigned long long)m->off, REC_HDR,
		    (unsigned long long)left);
	if ((rc = span(m, m->off, REC_HDR, &p)) != RC_OK)
		return rc;
	r = rd_init(p, REC_HDR);
	fill(m, &r, pkt);
	caplen = pkt->caplen;
	take = caplen > m->snapshot ? m->snapshot : caplen;
	avail = left - REC_HDR;
	if (caplen > MAX_SNAP || avail < caplen)
		return bad_record(m, caplen, avail);
	if ((rc = span(m, m->off, REC_HDR + take, &p)) != RC_OK)
		return rc;
	pkt->caplen = take;
	pkt->data = p + REC_HDR;
	m->off += REC_HDR + (uint64_t)caplen;
	prefetch_next(m);
	return RC_OK;
}

const char *
pcapmap_format(const struct pcapmap *m)
{
	return m->nsec ? "pcap-ns" : "pcap";
}

const char *
pcapmap_errmsg(const struct pcapmap *m)
{
	return m->err;
}

uint64_t
pcapmap_offset(const struct pcapmap *m)
{
	return m->off;
}

void
pcapmap_free(struct pcapmap *m)
{
	if (m == NULL)
		return;
	readahead_free(m->ra);
	free(m);
}
