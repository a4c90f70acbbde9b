/*
 * Bench generator plumbing (see gen_wire.h): PRNG, output buffer, IP/UDP
 * framing with fragmentation, pcap and pcapng record writing. Throughput
 * matters (gen_capture writes GBs): frames are built once in a per-writer
 * scratch buffer that already holds room for the record header, and go
 * out with a single fwrite into a 4 MiB stdio buffer.
 */
#include "bench/gen_wire.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GOUT_STDIO_BUF	(4u << 20)
#define GOUT_FRAME_MAX	2048u
#define GOUT_REC_HDR	28u	/* pcapng EPB header; pcap uses the last 16 */
/* Outer Ethernet + IPv4 + UDP + VXLAN headers (RFC 7348 5). */
#define GOUT_VXLAN_HDR	(14u + 20u + 8u + 8u)
#define LINKTYPE_ETHERNET	1u
#define LINKTYPE_LINUX_SLL2	276u

struct gout {
	FILE *f;
	char *iobuf;
	enum gfile fmt;
	enum glink link;
	bool qinq;
	bool vxlan;
	bool failed;
	uint64_t bytes;
	uint64_t packets;
	uint32_t ip_id;
	uint8_t frame[GOUT_REC_HDR + GOUT_VXLAN_HDR + GOUT_FRAME_MAX + 4];
};

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void
grng_seed(struct grng *r, uint64_t seed)
{
	int i;

	for (i = 0; i < 4; i++) {
		uint64_t z = (seed += 0x9e3779b97f4a7c15ull);

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		r->s[i] = z ^ (z >> 31);
	}
}

uint64_t
grng_next(struct grng *r)
{
	uint64_t *s = r->s;
	uint64_t res = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

uint32_t
grng_below(struct grng *r, uint32_t n)
{
	if (n == 0)
		return 0;
	return (uint32_t)(((grng_next(r) >> 32) * (uint64_t)n) >> 32);
}

double
grng_unit(struct grng *r)
{
	return (double)(grng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

double
grng_exp(struct grng *r, double mean)
{
	return -log(1.0 - grng_unit(r)) * mean;
}

void
grng_fill(struct grng *r, uint8_t *p, size_t n)
{
	while (n >= 8) {
		uint64_t v = grng_next(r);

		memcpy(p, &v, 8);
		p += 8;
		n -= 8;
	}
	if (n > 0) {
		uint64_t v = grng_next(r);

		memcpy(p, &v, n);
	}
}

void
gb_init(struct gbuf *b, uint8_t *mem, size_t cap)
{
	b->p = mem;
	b->len = 0;
	b->cap = cap;
	b->overflow = false;
}

static uint8_t *
gb_room(struct gbuf *b, size_t n)
{
	uint8_t *p;

	if (b->overflow || n > b->cap - b->len) {
		b->overflow = true;
		return NULL;
	}
	p = b->p + b->len;
	b->len += n;
	return p;
}

void
gb_put8(struct gbuf *b, unsigned v)
{
	uint8_t *p = gb_room(b, 1);

	if (p != NULL)
		p[0] = (uint8_t)v;
}

void
gb_put16(struct gbuf *b, unsigned v)
{
	uint8_t *p = gb_room(b, 2);

	if (p != NULL) {
		p[0] = (uint8_t)(v >> 8);
		p[1] = (uint8_t)v;
	}
}

void
gb_put32(struct gbuf *b, uint32_t v)
{
	uint8_t *p = gb_room(b, 4);

	if (p != NULL) {
		p[0] = (uint8_t)(v >> 24);
		p[1] = (uint8_t)(v >> 16);
		p[2] = (uint8_t)(v >> 8);
		p[3] = (uint8_t)v;
	}
}

void
gb_putn(struct gbuf *b, const void *src, size_t n)
{
	uint8_t *p = gb_room(b, n);

	if (p != NULL && n > 0)
		memcpy(p, src, n);
}

void
gb_zero(struct gbuf *b, size_t n)
{
	uint8_t *p = gb_room(b, n);

	if (p != NULL)
		memset(p, 0, n);
}

void
gb_rand(struct gbuf *b, struct grng *r, size_t n)
{
	uint8_t *p = gb_room(b, n);

	if (p != NULL)
		grng_fill(r, p, n);
}

void
gb_patch16(struct gbuf *b, size_t off, unsigned v)
{
	if (off + 2 <= b->len) {
		b->p[off] = (uint8_t)(v >> 8);
		b->p[off + 1] = (uint8_t)v;
	}
}

void
gb_patch32(struct gbuf *b, size_t off, uint32_t v)
{
	if (off + 4 <= b->len) {
		b->p[off] = (uint8_t)(v >> 24);
		b->p[off + 1] = (uint8_t)(v >> 16);
		b->p[off + 2] = (uint8_t)(v >> 8);
		b->p[off + 3] = (uint8_t)v;
	}
}

void
gaddr_v4(struct gaddr *g, unsigned a, unsigned b, unsigned c, unsigned d)
{
	memset(g, 0, sizeof(*g));
	g->a[0] = (uint8_t)a;
	g->a[1] = (uint8_t)b;
	g->a[2] = (uint8_t)c;
	g->a[3] = (uint8_t)d;
}

void
gaddr_v6(struct gaddr *g, unsigned w2, unsigned w3, unsigned lo)
{
	memset(g, 0, sizeof(*g));
	g->v6 = true;
	g->a[0] = 0x20;
	g->a[1] = 0x01;
	g->a[2] = 0x0d;
	g->a[3] = 0xb8;
	g->a[4] = (uint8_t)(w2 >> 8);
	g->a[5] = (uint8_t)w2;
	g->a[6] = (uint8_t)(w3 >> 8);
	g->a[7] = (uint8_t)w3;
	g->a[12] = (uint8_t)(lo >> 24);
	g->a[13] = (uint8_t)(lo >> 16);
	g->a[14] = (uint8_t)(lo >> 8);
	g->a[15] = (uint8_t)lo;
}

static void
le16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void
le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void
be16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void
gout_raw(struct gout *o, const void *p, size_t n)
{
	if (fwrite(p, 1, n, o->f) != n)
		o->failed = true;
	o->bytes += n;
}

static void
gout_file_header(struct gout *o)
{
	uint8_t h[32];
	uint32_t lt = o->link == GLINK_SLL2 ? LINKTYPE_LINUX_SLL2 :
	    LINKTYPE_ETHERNET;

	if (o->fmt == GFILE_PCAP) {
		le32(h, 0xa1b2c3d4u);
		le16(h + 4, 2);
		le16(h + 6, 4);
		le32(h + 8, 0);
		le32(h + 12, 0);
		le32(h + 16, 65535);
		le32(h + 20, lt);
		gout_raw(o, h, 24);
		return;
	}
	/* Section Header Block, no options; then one Interface Description
	 * Block (default microsecond resolution). */
	le32(h, 0x0a0d0d0au);
	le32(h + 4, 28);
	le32(h + 8, 0x1a2b3c4du);
	le16(h + 12, 1);
	le16(h + 14, 0);
	le32(h + 16, 0xffffffffu);
	le32(h + 20, 0xffffffffu);
	le32(h + 24, 28);
	gout_raw(o, h, 28);
	le32(h, 1);
	le32(h + 4, 20);
	le16(h + 8, (unsigned)lt);
	le16(h + 10, 0);
	le32(h + 12, 65535);
	le32(h + 16, 20);
	gout_raw(o, h, 20);
}

struct gout *
gout_new(const char *path, enum gfile fmt, enum glink link, bool qinq)
{
	struct gout *o = calloc(1, sizeof(*o));

	if (o == NULL)
		return NULL;
	o->fmt = fmt;
	o->link = link;
	o->qinq = qinq;
	o->ip_id = 0x1000;
	o->f = fopen(path, "wb");
	o->iobuf = malloc(GOUT_STDIO_BUF);
	if (o->f == NULL || o->iobuf == NULL) {
		int e = errno;

		if (o->f != NULL)
			fclose(o->f);
		free(o->iobuf);
		free(o);
		errno = e;
		return NULL;
	}
	setvbuf(o->f, o->iobuf, _IOFBF, GOUT_STDIO_BUF);
	gout_file_header(o);
	return o;
}

void
gout_set_vxlan(struct gout *o, bool on)
{
	o->vxlan = on && o->link == GLINK_ETH;
}

int
gout_free(struct gout *o)
{
	int rc;

	if (o == NULL)
		return 0;
	rc = o->failed ? -1 : 0;
	if (fclose(o->f) != 0)
		rc = -1;
	free(o->iobuf);
	free(o);
	return rc;
}

uint64_t
gout_bytes(const struct gout *o)
{
	return o->bytes;
}

uint64_t
gout_packets(const struct gout *o)
{
	return o->packets;
}

/* Link header for an IP packet of family v6; returns its length. */
static size_t
gout_link(struct gout *o, uint8_t *p, bool v6, bool outbound)
{
	static const uint8_t gw_mac[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x01 };
	static const uint8_t up_mac[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0xfe };
	unsigned et = v6 ? 0x86dd : 0x0800;
	size_t n = 0;

	if (o->link == GLINK_SLL2) {
		be16(p, et);
		be16(p + 2, 0);
		be32(p + 4, 2);			/* interface index */
		be16(p + 8, 1);			/* ARPHRD_ETHER */
		p[10] = outbound ? 4 : 0;	/* OUTGOING : HOST */
		p[11] = 6;
		memcpy(p + 12, outbound ? gw_mac : up_mac, 6);
		p[18] = 0;
		p[19] = 0;
		return 20;
	}
	memcpy(p, outbound ? up_mac : gw_mac, 6);
	memcpy(p + 6, outbound ? gw_mac : up_mac, 6);
	n = 12;
	if (o->qinq) {
		be16(p + n, 0x88a8);		/* 802.1ad S-tag, VLAN 100 */
		be16(p + n + 2, 100);
		be16(p + n + 4, 0x8100);	/* 802.1Q C-tag, VLAN 42 */
		be16(p + n + 6, 42);
		n += 8;
	}
	be16(p + n, et);
	return n + 2;
}

static unsigned
csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (~sum) & 0xffff;
}

static uint32_t
csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)((p[i] << 8) | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)(p[n - 1] << 8);
	return sum;
}

/*
 * Wraps the Ethernet frame at f (flen bytes) as a hypervisor sees it:
 * outer Ethernet, IPv4 between two hosts (198.18.0.1 > 198.18.0.2, RFC
 * 2544 test space), UDP 4789, VXLAN with VNI 5001. Returns the new
 * length.
 */
static size_t
gout_vxlan_wrap(struct gout *o, uint8_t *f, size_t flen)
{
	static const uint8_t hv_mac[12] = { 0x02, 0x00, 0x5e, 0x20, 0x00,
	    0x02, 0x02, 0x00, 0x5e, 0x20, 0x00, 0x01 };
	uint8_t *ip = f + 14, *udp = ip + 20, *vx = udp + 8;

	memmove(f + GOUT_VXLAN_HDR, f, flen);
	memcpy(f, hv_mac, 12);
	be16(f + 12, 0x0800);
	ip[0] = 0x45;
	ip[1] = 0;
	be16(ip + 2, (unsigned)(20 + 8 + 8 + flen));
	be16(ip + 4, o->ip_id & 0xffff);
	be16(ip + 6, 0x4000);
	ip[8] = 64;
	ip[9] = 17;
	be16(ip + 10, 0);
	be32(ip + 12, 0xc6120001u);
	be32(ip + 16, 0xc6120002u);
	be16(ip + 10, csum_fold(csum_add(0, ip, 20)));
	be16(udp, 49152u + (o->ip_id & 0x3fffu)); /* flow entropy */
	be16(udp + 2, 4789);
	be16(udp + 4, (unsigned)(8 + 8 + flen));
	be16(udp + 6, 0);			/* optional over IPv4 */
	be32(vx, 0x08000000u);			/* I: the VNI is valid */
	be32(vx + 4, 5001u << 8);
	return GOUT_VXLAN_HDR + flen;
}

/* Writes the record whose frame (link header onward) is o->frame +
 * GOUT_REC_HDR, flen bytes long. */
static void
gout_record(struct gout *o, uint64_t ts_us, size_t flen)
{
	uint8_t *f = o->frame + GOUT_REC_HDR;

	o->packets++;
	if (o->vxlan)
		flen = gout_vxlan_wrap(o, f, flen);
	if (o->fmt == GFILE_PCAP) {
		uint8_t *h = f - 16;

		le32(h, (uint32_t)(ts_us / 1000000u));
		le32(h + 4, (uint32_t)(ts_us % 1000000u));
		le32(h + 8, (uint32_t)flen);
		le32(h + 12, (uint32_t)flen);
		gout_raw(o, h, 16 + flen);
	} else {
		uint8_t *h = f - 28;
		size_t pad = (4 - (flen & 3)) & 3;
		uint32_t tot = (uint32_t)(32 + flen + pad);

		le32(h, 6);
		le32(h + 4, tot);
		le32(h + 8, 0);
		le32(h + 12, (uint32_t)(ts_us >> 32));
		le32(h + 16, (uint32_t)ts_us);
		le32(h + 20, (uint32_t)flen);
		le32(h + 24, (uint32_t)flen);
		memset(f + flen, 0, pad);
		le32(f + flen + pad, tot);
		gout_raw(o, h, tot);
	}
}

/* Our side (192.0.2.0/24, 2001:db8:ffff::/48 gateways) decides whether a
 * packet is outbound, for the link-layer direction. */
static bool
is_gateway(const struct gaddr *a)
{
	if (a->v6)
		return a->a[4] == 0xff && a->a[5] == 0xff;
	return a->a[0] == 192 && a->a[1] == 0 && a->a[2] == 2;
}

/* IPv4 or IPv6 header for one (fragment of a) packet. frag_off in bytes;
 * more: MF set; frag: emit an IPv6 fragment header. Returns length. */
static size_t
gout_iphdr(struct gout *o, uint8_t *p, const struct gaddr *src,
    const struct gaddr *dst, unsigned proto, size_t plen, bool frag,
    size_t frag_off, bool more)
{
	if (!src->v6) {
		unsigned fo = (unsigned)(frag_off / 8) | (more ? 0x2000u : 0);

		if (!frag)
			fo = 0x4000;		/* DF */
		p[0] = 0x45;
		p[1] = 0;
		be16(p + 2, (unsigned)(20 + plen));
		be16(p + 4, o->ip_id & 0xffff);
		be16(p + 6, fo);
		p[8] = 64;
		p[9] = (uint8_t)proto;
		be16(p + 10, 0);
		memcpy(p + 12, src->a, 4);
		memcpy(p + 16, dst->a, 4);
		be16(p + 10, csum_fold(csum_add(0, p, 20)));
		return 20;
	}
	p[0] = 0x60;
	p[1] = 0;
	p[2] = 0;
	p[3] = 0;
	be16(p + 4, (unsigned)(plen + (frag ? 8 : 0)));
	p[6] = (uint8_t)(frag ? 44 : proto);
	p[7] = 64;
	memcpy(p + 8, src->a, 16);
	memcpy(p + 24, dst->a, 16);
	if (!frag)
		return 40;
	p[40] = (uint8_t)proto;
	p[41] = 0;
	be16(p + 42, (unsigned)frag_off | (more ? 1u : 0u));
	be32(p + 44, o->ip_id);
	return 48;
}

static void
gout_ip(struct gout *o, uint64_t ts_us, const struct gaddr *src,
    const struct gaddr *dst, unsigned proto, const uint8_t *l4, size_t len,
    size_t mtu)
{
	uint8_t *f = o->frame + GOUT_REC_HDR;
	bool out = is_gateway(src);
	size_t iph = src->v6 ? 40 : 20;
	size_t lh, h, off, chunk;

	o->ip_id++;
	if (mtu == 0 || len + iph <= mtu) {
		if (len > GOUT_FRAME_MAX - 64)
			len = GOUT_FRAME_MAX - 64;
		lh = gout_link(o, f, src->v6, out);
		h = gout_iphdr(o, f + lh, src, dst, proto, len, false, 0,
		    false);
		memcpy(f + lh + h, l4, len);
		gout_record(o, ts_us, lh + h + len);
		return;
	}
	chunk = (mtu - iph - (src->v6 ? 8 : 0)) & ~(size_t)7;
	for (off = 0; off < len; off += chunk) {
		size_t n = len - off < chunk ? len - off : chunk;

		lh = gout_link(o, f, src->v6, out);
		h = gout_iphdr(o, f + lh, src, dst, proto, n, true, off,
		    off + n < len);
		memcpy(f + lh + h, l4 + off, n);
		gout_record(o, ts_us, lh + h + n);
	}
}

void
gout_udp(struct gout *o, uint64_t ts_us, const struct gaddr *src,
    unsigned sport, const struct gaddr *dst, unsigned dport,
    const uint8_t *pl, size_t len, size_t mtu)
{
	static uint8_t dgram[65536];
	uint32_t sum;
	unsigned c;

	if (len > sizeof(dgram) - 8)
		len = sizeof(dgram) - 8;
	be16(dgram, sport);
	be16(dgram + 2, dport);
	be16(dgram + 4, (unsigned)(len + 8));
	be16(dgram + 6, 0);
	memcpy(dgram + 8, pl, len);
	/* Pseudo-header checksum (RFC 768, RFC 8200 8.1). */
	sum = csum_add(0, src->a, src->v6 ? 16 : 4);
	sum = csum_add(sum, dst->a, dst->v6 ? 16 : 4);
	sum += 17 + (uint32_t)(len + 8);
	c = csum_fold(csum_add(sum, dgram, len + 8));
	be16(dgram + 6, c == 0 ? 0xffff : c);
	gout_ip(o, ts_us, src, dst, 17, dgram, len + 8, mtu);
}

void
gout_esp(struct gout *o, uint64_t ts_us, const struct gaddr *src,
    const struct gaddr *dst, const uint8_t *pl, size_t len)
{
	gout_ip(o, ts_us, src, dst, 50, pl, len, 0);
}
