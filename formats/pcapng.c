/*
 * pcapng block reader (draft-ietf-opsawg-pcapng: 3.1 block layout, 4.1
 * SHB, 4.2 IDB, 4.3 EPB, 4.4 SPB, appendix obsolete Packet Block). A
 * file is a sequence of sections; each starts with a section header
 * block that fixes the byte order and resets the interface list. Packets
 * name their interface, which gives link type, snap length and
 * timestamp resolution (if_tsresol) and offset (if_tsoffset).
 *
 * Workload: multi-GB files read once. A regular file is read through
 * readahead (a thread read(2)s 1 MiB chunks ahead) and bytes in memory
 * are used as they are: each block is parsed where it lies, as a view.
 * A pipe or stdin is read through stdio, each block we parse read whole
 * into one buffer that grows to the largest block seen (capped by
 * LIMIT_PCAPNG_BLOCK before allocating). Unknown blocks are skipped
 * without being read into memory. Every message names the block and its
 * offset.
 */
#include "formats/pcapng.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "formats/limits.h"
#include "formats/rd.h"
#include "formats/readahead.h"
#include "formats/txt.h"

_Static_assert(LIMIT_PCAPNG_BLOCK <= READAHEAD_MAX_SPAN,
    "a whole block must fit in one read-ahead span");

#define BT_SHB 0x0a0d0d0au
#define BT_IDB 1u
#define BT_OPB 2u
#define BT_SPB 3u
#define BT_EPB 6u
#define BT_JOURNAL 9u            /* systemd journal export */
#define BT_CB_COPY 0x00000badu   /* custom block */
#define BT_CB_NOCOPY 0x40000badu /* custom block, do not copy */
#define BYTE_ORDER_MAGIC 0x1a2b3c4du

#define TS_MAX_SEC (INT64_MAX / 1000000000 - 1)

#define OPT_ENDOFOPT 0
#define OPT_IF_TSRESOL 9
#define OPT_IF_TSOFFSET 14

struct iface {
	uint32_t linktype;
	uint32_t snaplen;  /* 0: no limit */
	bool binary;       /* if_tsresol: 2^-exp instead of 10^-exp */
	uint8_t exp;       /* resolution exponent */
	uint64_t units;    /* decimal: units per second (10^exp) */
	uint64_t scale;    /* decimal: multiply (exp <= 9) or divide to ns */
	int64_t tsoffset;  /* seconds added to every timestamp */
};

struct pcapng {
	FILE *fp;            /* borrowed; NULL when reading a view */
	struct readahead *ra;/* views: a file read ahead, or memory (owned) */
	uint64_t size;       /* views: bytes in the input */
	char name[256];
	char err[512];
	bool be;             /* this section is big-endian */
	bool failed;
	struct iface *ifs;   /* owned, capifs entries */
	uint32_t nifs, capifs;
	uint8_t *blk;        /* owned: body of the current block */
	size_t blkcap;
	uint64_t off;        /* stream offset of the next byte to read */
	uint64_t blk_off;    /* stream offset of the current block */
	const char *blk_name;
	uint64_t records_skipped; /* non-packet records Wireshark numbers */
	/* Views: the chunk at hand, input bytes [win_off, win_off +
	 * win_len) at win; blocks inside it need no call into the reader. */
	const uint8_t *win;
	uint64_t win_off;
	size_t win_len;
};

typedef enum rc (*block_fn)(struct pcapng *, struct rd *, struct pcapio_pkt *);

static enum rc parse_shb(struct pcapng *, struct rd *, struct pcapio_pkt *);
static enum rc parse_idb(struct pcapng *, struct rd *, struct pcapio_pkt *);
static enum rc parse_epb(struct pcapng *, struct rd *, struct pcapio_pkt *);
static enum rc parse_spb(struct pcapng *, struct rd *, struct pcapio_pkt *);
static enum rc parse_opb(struct pcapng *, struct rd *, struct pcapio_pkt *);

/* The blocks we read; every other type is skipped. */
static const struct {
	uint32_t type;
	const char *name;
	block_fn fn;
} blocks[] = {
	{BT_IDB, "interface description block", parse_idb},
	{BT_OPB, "packet block", parse_opb},
	{BT_SPB, "simple packet block", parse_spb},
	{BT_EPB, "enhanced packet block", parse_epb},
	{BT_SHB, "section header block", parse_shb},
};
#define NBLOCKS (sizeof(blocks) / sizeof(blocks[0]))

__attribute__((format(printf, 3, 4))) static enum rc
fail(struct pcapng *g, enum rc rc, const char *fmt, ...)
{
	struct txt t;
	va_list ap;

	txt_init(&t, g->err, sizeof(g->err));
	txt_add(&t, "%s: ", g->name);
	va_start(ap, fmt);
	txt_vadd(&t, fmt, ap);
	va_end(ap);
	g->failed = true;
	return rc;
}

static uint16_t
g16(struct rd *r, bool be)
{
	return be ? rd_be16(r) : rd_le16(r);
}

static uint32_t
g32(struct rd *r, bool be)
{
	return be ? rd_be32(r) : rd_le32(r);
}

static uint64_t
g64(struct rd *r, bool be)
{
	return be ? rd_be64(r) : rd_le64(r);
}

static size_t
get(struct pcapng *g, uint8_t *dst, size_t n)
{
	size_t k = fread(dst, 1, n, g->fp);

	g->off += k;
	return k;
}

static enum rc
read_error(struct pcapng *g, size_t need, size_t got)
{
	if (ferror(g->fp))
		return fail(g, RC_IO, "read error at byte %llu",
		    (unsigned long long)g->off);
	return fail(g, RC_SHORT, "file ends inside a %s at byte %llu "
	    "(block length says %zu bytes, %zu present)",
	    g->blk_name ? g->blk_name : "block header",
	    (unsigned long long)g->blk_off, need, got);
}

/* Reads and discards n bytes of a block we do not parse. */
static enum rc
discard(struct pcapng *g, size_t n, size_t blen)
{
	uint8_t scratch[4096];
	size_t k, done = 0;

	while (done < n) {
		k = n - done < sizeof(scratch) ? n - done : sizeof(scratch);
		if (get(g, scratch, k) != k)
			return read_error(g, blen,
			    (size_t)(g->off - g->blk_off));
		done += k;
	}
	return RC_NOTFOUND;
}

/* Sets g->be from the byte-order magic that follows an SHB's length. */
static enum rc
section_order(struct pcapng *g, const uint8_t *bom)
{
	struct rd r = rd_init(bom, 4);
	uint32_t v = rd_be32(&r);

	if (v == BYTE_ORDER_MAGIC)
		g->be = true;
	else if (v == __builtin_bswap32(BYTE_ORDER_MAGIC))
		g->be = false;
	else
		return fail(g, RC_MALFORMED, "section header block at byte "
		    "%llu: byte-order magic 0x%08x is not 0x1a2b3c4d",
		    (unsigned long long)g->blk_off, v);
	return RC_OK;
}

static size_t
find_block(uint32_t type)
{
	size_t i;

	for (i = 0; i < NBLOCKS; i++)
		if (blocks[i].type == type)
			return i;
	return NBLOCKS;
}

/* Makes blk hold n bytes; n was checked against the cap. */
static enum rc
grow(struct pcapng *g, size_t n)
{
	uint8_t *p;

	if (n <= g->blkcap)
		return RC_OK;
	if ((p = realloc(g->blk, n)) == NULL)
		return fail(g, RC_NOMEM, "out of memory for a %zu-byte block",
		    n);
	g->blk = p;
	g->blkcap = n;
	return RC_OK;
}

/* Points *p at bytes [off, off + n) of a view; the caller checked that
 * they lie inside it. */
static inline enum rc
view_at(struct pcapng *g, uint64_t off, size_t n, const uint8_t **p)
{
	enum rc rc;

	if (g->win != NULL && off >= g->win_off &&
	    off + n <= g->win_off + g->win_len) {
		*p = g->win + (off - g->win_off);
		return RC_OK;
	}
	if ((rc = readahead_span(g->ra, off, n, p, &g->win_len)) != RC_OK) {
		g->win = NULL;
		return fail(g, rc, "%s", readahead_errmsg(g->ra));
	}
	g->win = *p;
	g->win_off = off;
	return RC_OK;
}

/* The next block's header is likely in the other CPU's cache (the
 * read-ahead thread just wrote it): start fetching it now. */
static inline void
prefetch_next_block(const struct pcapng *g)
{
	if (g->win != NULL && g->off >= g->win_off &&
	    g->off + 64 <= g->win_off + g->win_len)
		__builtin_prefetch(g->win + (g->off - g->win_off));
}

/* A view's truncation message: the block needs need bytes. */
static enum rc
view_short(struct pcapng *g, size_t need)
{
	return fail(g, RC_SHORT, "file ends inside a %s at byte %llu "
	    "(block length says %zu bytes, %llu present)",
	    g->blk_name ? g->blk_name : "block header",
	    (unsigned long long)g->blk_off, need,
	    (unsigned long long)(g->size - g->blk_off));
}

static enum rc block_checks(struct pcapng *g, size_t bi, uint32_t type,
    uint32_t len);

/* The body of a block of total length len (>= 12), given the bytes after
 * its type and leading length: checks the trailing length against len. */
static enum rc
block_body(struct pcapng *g, const uint8_t *after_len, uint32_t len,
    struct rd *body)
{
	struct rd r = rd_init(after_len, len - 8), t;
	uint32_t tlen;

	r.base = (size_t)g->blk_off + 8;
	t = rd_tail(&r, 4);
	if ((tlen = g32(&t, g->be)) != len)
		return fail(g, RC_MALFORMED, "%s at byte %llu: trailing total "
		    "length %u != leading %u", g->blk_name,
		    (unsigned long long)g->blk_off, tlen, len);
	*body = r;
	return RC_OK;
}

/* read_block() over a view: no copy, the body is where it lies. */
static enum rc
view_block(struct pcapng *g, size_t *bi, struct rd *body)
{
	uint64_t left = g->size - g->off;
	const uint8_t *h;
	uint32_t type, len;
	struct rd r;
	enum rc rc;

	g->blk_off = g->off;
	g->blk_name = NULL;
	if (left == 0)
		return RC_EOF;
	if (left < 8)
		return view_short(g, 8);
	if ((rc = view_at(g, g->off, 8, &h)) != RC_OK)
		return rc;
	r = rd_init(h, 8);
	type = g32(&r, g->be);
	*bi = find_block(type);
	g->blk_name = *bi < NBLOCKS ? blocks[*bi].name : "block";
	if (type == BT_SHB) {
		if (left < 12)
			return view_short(g, 12);
		if ((rc = view_at(g, g->off, 12, &h)) != RC_OK ||
		    (rc = section_order(g, h + 8)) != RC_OK)
			return rc;
		r = rd_init(h + 4, 4);
	}
	len = g32(&r, g->be);
	if ((rc = block_checks(g, *bi, type, len)) != RC_OK &&
	    rc != RC_NOTFOUND)
		return rc;
	if (len > left)
		return view_short(g, len);
	g->off += len;
	if (rc == RC_NOTFOUND)
		return rc; /* skipped unread */
	if ((rc = view_at(g, g->blk_off, len, &h)) != RC_OK)
		return rc;
	prefetch_next_block(g);
	return block_body(g, h + 8, len, body);
}

/*
 * The checks of a block's leading total length, shared by both paths:
 * RC_OK to read it, RC_NOTFOUND for a block we skip (counted when
 * Wireshark numbers it), or the failure.
 */
static enum rc
block_checks(struct pcapng *g, size_t bi, uint32_t type, uint32_t len)
{
	if (len < 12 || len % 4 != 0)
		return fail(g, RC_MALFORMED, "%s at byte %llu (type 0x%08x): "
		    "total length %u is %s", g->blk_name,
		    (unsigned long long)g->blk_off, type, len,
		    len < 12 ? "< 12" : "not a multiple of 4");
	if (bi == NBLOCKS) {
		if (type == BT_CB_COPY || type == BT_CB_NOCOPY ||
		    type == BT_JOURNAL)
			g->records_skipped++;
		return RC_NOTFOUND;
	}
	if (len > LIMIT_PCAPNG_BLOCK)
		return fail(g, RC_MALFORMED, "%s at byte %llu: total length "
		    "%u > cap %u", g->blk_name,
		    (unsigned long long)g->blk_off, len, LIMIT_PCAPNG_BLOCK);
	return RC_OK;
}

/*
 * pcapng 3.1 general block structure:
 * +---------------------------------------------------------------+
 * |                          Block Type                           |
 * |                      Block Total Length                       |
 * /                          Block Body                           /
 * |                      Block Total Length                       |
 * +---------------------------------------------------------------+
 * Returns the body (without the lengths) in *body and the table index
 * in *bi; NOTFOUND after skipping a block we do not read.
 */
static enum rc
read_block(struct pcapng *g, size_t *bi, struct rd *body)
{
	uint8_t hdr[12];
	struct rd r;
	uint32_t type, len;
	size_t got, pre = 0;
	enum rc rc;

	if (g->fp == NULL)
		return view_block(g, bi, body);
	g->blk_off = g->off;
	g->blk_name = NULL;
	if ((got = get(g, hdr, 8)) == 0 && !ferror(g->fp))
		return RC_EOF;
	if (got < 8)
		return read_error(g, 8, got);
	r = rd_init(hdr, 8);
	type = g32(&r, g->be); /* the SHB type reads the same both ways */
	*bi = find_block(type);
	g->blk_name = *bi < NBLOCKS ? blocks[*bi].name : "block";
	if (type == BT_SHB) {
		if ((got = get(g, hdr + 8, 4)) < 4)
			return read_error(g, 12, 8 + got);
		if ((rc = section_order(g, hdr + 8)) != RC_OK)
			return rc;
		pre = 4;
	}
	r = rd_init(hdr + 4, 4);
	len = g32(&r, g->be);
	rc = block_checks(g, *bi, type, len);
	if (rc == RC_NOTFOUND)
		return discard(g, len - 8 - pre, len);
	if (rc != RC_OK)
		return rc;
	if ((rc = grow(g, len - 8)) != RC_OK)
		return rc;
	r = rd_init(hdr + 8, pre);
	(void)rd_copy(&r, g->blk, pre);
	if ((got = get(g, g->blk + pre, len - 8 - pre)) < len - 8 - pre)
		return read_error(g, len, 8 + pre + got);
	return block_body(g, g->blk, len, body);
}

/* Options (pcapng 3.5): code (2), length (2), value padded to 4 bytes.
 * Returns false at the end of the list or on a bad option (r fails). */
static bool
next_opt(struct rd *r, bool be, uint16_t *code, struct rd *val)
{
	uint16_t len;

	if (rd_left(r) < 4)
		return false;
	*code = g16(r, be);
	len = g16(r, be);
	*val = rd_sub(r, len);
	rd_skip(r, (4u - len % 4u) % 4u);
	return rd_ok(r) && *code != OPT_ENDOFOPT;
}

/*
 * pcapng 4.1 Section Header Block body:
 * | Byte-Order Magic (4) | Major (2) | Minor (2) | Section Length (8) |
 * | options ...
 */
static enum rc
parse_shb(struct pcapng *g, struct rd *b, struct pcapio_pkt *pkt)
{
	uint16_t major, minor;

	(void)pkt;
	rd_skip(b, 4);
	major = g16(b, g->be);
	minor = g16(b, g->be);
	(void)g64(b, g->be);
	if (!rd_ok(b))
		return fail(g, RC_MALFORMED, "section header block at byte "
		    "%llu: body of %zu bytes < 16",
		    (unsigned long long)g->blk_off, b->len);
	if (major != 1)
		return fail(g, RC_UNSUPPORTED, "section header block at byte "
		    "%llu: version %u.%u (only 1.x is defined)",
		    (unsigned long long)g->blk_off, major, minor);
	g->nifs = 0; /* interfaces are numbered per section */
	return RC_NOTFOUND;
}

static uint64_t
pow10u(unsigned e)
{
	uint64_t v = 1;

	while (e-- > 0)
		v *= 10;
	return v;
}

/* if_tsresol: MSB clear = 10^-v, set = 2^-v seconds per unit. */
static enum rc
set_tsresol(struct pcapng *g, struct iface *i, uint8_t v)
{
	i->binary = (v & 0x80) != 0;
	i->exp = v & 0x7f;
	if (i->binary ? i->exp > 63 : i->exp > 19)
		return fail(g, RC_UNSUPPORTED, "interface description block at "
		    "byte %llu: if_tsresol 0x%02x out of range",
		    (unsigned long long)g->blk_off, v);
	if (!i->binary) {
		i->units = pow10u(i->exp);
		i->scale = pow10u(i->exp <= 9 ? 9u - i->exp : i->exp - 9u);
	}
	return RC_OK;
}

/* Reads the options of an IDB that matter for timestamps. */
static enum rc
idb_options(struct pcapng *g, struct rd *b, struct iface *i)
{
	struct rd val;
	uint16_t code;
	enum rc rc;

	while (next_opt(b, g->be, &code, &val)) {
		if (code == OPT_IF_TSRESOL && rd_left(&val) >= 1) {
			if ((rc = set_tsresol(g, i, rd_u8(&val))) != RC_OK)
				return rc;
		} else if (code == OPT_IF_TSOFFSET && rd_left(&val) >= 8)
			i->tsoffset = (int64_t)g64(&val, g->be);
	}
	if (!rd_ok(b))
		return fail(g, RC_MALFORMED, "interface description block at "
		    "byte %llu: option %u runs past the block (byte %zu)",
		    (unsigned long long)g->blk_off, code, rd_pos(b));
	return RC_OK;
}

/*
 * pcapng 4.2 Interface Description Block body:
 * | LinkType (2) | Reserved (2) | SnapLen (4) | options ...
 */
static enum rc
parse_idb(struct pcapng *g, struct rd *b, struct pcapio_pkt *pkt)
{
	struct iface i = {.exp = 6, .units = 1000000u, .scale = 1000u};
	struct iface *p;
	enum rc rc;

	(void)pkt;
	i.linktype = g16(b, g->be);
	rd_skip(b, 2);
	i.snaplen = g32(b, g->be);
	if (!rd_ok(b))
		return fail(g, RC_MALFORMED, "interface description block at "
		    "byte %llu: body of %zu bytes < 8",
		    (unsigned long long)g->blk_off, b->len);
	if ((rc = idb_options(g, b, &i)) != RC_OK)
		return rc;
	if (g->nifs >= LIMIT_PCAPNG_IFACES)
		return fail(g, RC_LIMIT, "interface description block at byte "
		    "%llu: more than %u interfaces in a section",
		    (unsigned long long)g->blk_off, LIMIT_PCAPNG_IFACES);
	if (g->nifs == g->capifs) {
		uint32_t ncap = g->capifs ? g->capifs * 2 : 4;

		if ((p = realloc(g->ifs, ncap * sizeof(*p))) == NULL)
			return fail(g, RC_NOMEM, "out of memory for "
			    "interfaces");
		g->ifs = p;
		g->capifs = ncap;
	}
	g->ifs[g->nifs++] = i;
	return RC_NOTFOUND;
}

/*
 * sec + off, saturated to +-TS_MAX_SEC so that callers may compute
 * ts_sec * 10^9 + ts_nsec in 64 bits (year 2262) without overflow; only
 * corrupt timestamps get near it.
 */
static int64_t
clamp_sec(uint64_t sec, int64_t off)
{
	int64_t s = sec > TS_MAX_SEC ? TS_MAX_SEC : (int64_t)sec;

	if (off > TS_MAX_SEC)
		off = TS_MAX_SEC;
	else if (off < -TS_MAX_SEC)
		off = -TS_MAX_SEC;
	s += off;
	return s > TS_MAX_SEC ? TS_MAX_SEC : s < -TS_MAX_SEC ? -TS_MAX_SEC : s;
}

/* Converts a timestamp in interface units to seconds + nanoseconds. */
static void
set_time(const struct iface *i, uint64_t ts, struct pcapio_pkt *pkt)
{
	uint64_t sec, rem;

	if (i->binary) {
		sec = ts >> i->exp;
		rem = ts & (((uint64_t)1 << i->exp) - 1);
		/* rem * 10^9 fits 64 bits below 2^34 units per second;
		 * finer units are first cut to 2^-34 s (0.06 ns). */
		if (i->exp > 34)
			pkt->ts_nsec = (uint32_t)(((rem >> (i->exp - 34)) *
			    1000000000u) >> 34);
		else
			pkt->ts_nsec = (uint32_t)((rem * 1000000000u) >>
			    i->exp);
	} else {
		sec = ts / i->units;
		rem = ts % i->units;
		pkt->ts_nsec = (uint32_t)(i->exp <= 9 ? rem * i->scale :
		    rem / i->scale);
	}
	pkt->ts_sec = clamp_sec(sec, i->tsoffset);
}

/* Common tail of the packet blocks: checks the interface and caplen,
 * takes the data view and fills *pkt. */
static enum rc
packet(struct pcapng *g, struct rd *b, uint32_t ifid, uint64_t ts,
    uint32_t caplen, uint32_t wirelen, struct pcapio_pkt *pkt)
{
	const struct iface *i;

	if (!rd_ok(b))
		return fail(g, RC_MALFORMED, "%s at byte %llu: body of %zu "
		    "bytes is shorter than its fixed fields", g->blk_name,
		    (unsigned long long)g->blk_off, b->len);
	if (ifid >= g->nifs)
		return fail(g, RC_MALFORMED, "%s at byte %llu: interface %u "
		    "not described (%u interfaces in this section)",
		    g->blk_name, (unsigned long long)g->blk_off, ifid, g->nifs);
	if (caplen > rd_left(b))
		return fail(g, RC_MALFORMED, "%s at byte %llu: captured length "
		    "%u > %zu bytes left in the block", g->blk_name,
		    (unsigned long long)g->blk_off, caplen, rd_left(b));
	if (caplen > LIMIT_FRAME_BYTES)
		return fail(g, RC_MALFORMED, "%s at byte %llu: captured length "
		    "%u > cap %u", g->blk_name, (unsigned long long)g->blk_off,
		    caplen, LIMIT_FRAME_BYTES);
	i = &g->ifs[ifid];
	pkt->data = rd_bytes(b, caplen);
	pkt->caplen = caplen;
	pkt->wirelen = wirelen;
	pkt->linktype = i->linktype;
	pkt->ifindex = ifid;
	set_time(i, ts, pkt);
	return RC_OK;
}

/*
 * pcapng 4.3 Enhanced Packet Block body:
 * | Interface ID (4) | Timestamp (High) (4) | Timestamp (Low) (4) |
 * | Captured Packet Length (4) | Original Packet Length (4) |
 * | Packet Data, padded to 32 bits | options ...
 */
static enum rc
parse_epb(struct pcapng *g, struct rd *b, struct pcapio_pkt *pkt)
{
	uint32_t ifid, hi, lo, caplen, wirelen;

	ifid = g32(b, g->be);
	hi = g32(b, g->be);
	lo = g32(b, g->be);
	caplen = g32(b, g->be);
	wirelen = g32(b, g->be);
	return packet(g, b, ifid, (uint64_t)hi << 32 | lo, caplen, wirelen,
	    pkt);
}

/*
 * Obsolete Packet Block (pcapng appendix, type 2):
 * | Interface ID (2) | Drops Count (2) | Timestamp (High) (4) |
 * | Timestamp (Low) (4) | Captured Len (4) | Packet Len (4) | data ...
 */
static enum rc
parse_opb(struct pcapng *g, struct rd *b, struct pcapio_pkt *pkt)
{
	uint32_t ifid, hi, lo, caplen, wirelen;

	ifid = g16(b, g->be);
	rd_skip(b, 2);
	hi = g32(b, g->be);
	lo = g32(b, g->be);
	caplen = g32(b, g->be);
	wirelen = g32(b, g->be);
	return packet(g, b, ifid, (uint64_t)hi << 32 | lo, caplen, wirelen,
	    pkt);
}

/*
 * pcapng 4.4 Simple Packet Block body: | Original Packet Length (4) |
 * Packet Data ... The captured length is the smaller of the original
 * length, interface 0's snap length and what the block holds; there is
 * no timestamp.
 */
static enum rc
parse_spb(struct pcapng *g, struct rd *b, struct pcapio_pkt *pkt)
{
	uint32_t wirelen = g32(b, g->be), caplen = wirelen;

	if (g->nifs > 0 && g->ifs[0].snaplen != 0 &&
	    caplen > g->ifs[0].snaplen)
		caplen = g->ifs[0].snaplen;
	if (caplen > rd_left(b))
		caplen = (uint32_t)rd_left(b);
	return packet(g, b, 0, 0, caplen, wirelen, pkt);
}

enum rc
pcapng_next(struct pcapng *g, struct pcapio_pkt *pkt)
{
	struct rd body;
	size_t bi;
	enum rc rc;

	if (g->failed)
		return RC_INVAL;
	g->err[0] = '\0';
	for (;;) {
		rc = read_block(g, &bi, &body);
		if (rc == RC_OK)
			rc = blocks[bi].fn(g, &body, pkt);
		if (rc != RC_NOTFOUND)
			return rc;
	}
}

/* Reads the first block, which must be a section header; takes g. */
static enum rc
start(struct pcapng *g, struct pcapng **out, char *err, size_t errlen)
{
	struct rd body;
	size_t bi = NBLOCKS;
	enum rc rc;

	rc = read_block(g, &bi, &body);
	if (rc == RC_NOTFOUND || (rc == RC_OK && blocks[bi].type != BT_SHB))
		rc = fail(g, RC_FORMAT, "not a pcapng file: first block is "
		    "not a section header block");
	else if (rc == RC_OK)
		rc = parse_shb(g, &body, NULL);
	if (rc == RC_NOTFOUND) {
		*out = g;
		return RC_OK;
	}
	if (rc == RC_EOF)
		rc = fail(g, RC_FORMAT, "empty file");
	if (err != NULL && errlen > 0)
		(void)snprintf(err, errlen, "%s", g->err);
	pcapng_free(g);
	return rc;
}

static struct pcapng *
new_reader(const char *name)
{
	struct pcapng *g = calloc(1, sizeof(*g));

	if (g != NULL)
		(void)snprintf(g->name, sizeof(g->name), "%s", name);
	return g;
}

enum rc
pcapng_open(FILE *fp, const char *name, struct pcapng **out, char *err,
    size_t errlen)
{
	struct pcapng *g = new_reader(name);

	*out = NULL;
	if (g == NULL)
		return RC_NOMEM;
	g->fp = fp;
	return start(g, out, err, errlen);
}

enum rc
pcapng_open_mem(const uint8_t *data, size_t len, const char *name,
    struct pcapng **out, char *err, size_t errlen)
{
	struct pcapng *g = new_reader(name);
	enum rc rc;

	*out = NULL;
	if (g == NULL)
		return RC_NOMEM;
	g->size = len;
	if ((rc = readahead_open_mem(data, len, &g->ra)) != RC_OK) {
		pcapng_free(g);
		return rc;
	}
	return start(g, out, err, errlen);
}

enum rc
pcapng_open_fd(int fd, uint64_t size, const char *name, struct pcapng **out,
    char *err, size_t errlen)
{
	struct pcapng *g = new_reader(name);
	enum rc rc;

	*out = NULL;
	if (g == NULL)
		return RC_NOMEM;
	g->size = size;
	if ((rc = readahead_open(fd, 0, size, &g->ra)) != RC_OK) {
		pcapng_free(g);
		return rc;
	}
	return start(g, out, err, errlen);
}

const char *
pcapng_errmsg(const struct pcapng *g)
{
	return g->err;
}

uint64_t
pcapng_offset(const struct pcapng *g)
{
	return g->failed ? g->blk_off : g->off;
}

uint64_t
pcapng_records_skipped(const struct pcapng *g)
{
	return g->records_skipped;
}

uint64_t
pcapng_bytes_read(const struct pcapng *g)
{
	return g->off;
}

void
pcapng_free(struct pcapng *g)
{
	if (g == NULL)
		return;
	readahead_free(g->ra);
	free(g->ifs);
	free(g->blk);
	free(g);
}
