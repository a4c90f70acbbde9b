/*
 * Link, IP and UDP decoding (see netdecode.h): Ethernet II with IEEE
 * 802.1Q/802.1ad tag stacks, Linux cooked capture v1/v2 (tcpdump.org
 * LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2), raw IP, BSD NULL/LOOP; IPv4
 * (RFC 791), IPv6 with extension headers (RFC 8200 4), UDP (RFC 768),
 * ESP (RFC 4303 2: the payload starts at the SPI) and ICMP/ICMPv6
 * destination unreachable (RFC 792, RFC 4443 3.1) quoting a UDP datagram;
 * tunnels peeled (netdecode.h): the inner datagram is decoded as if it had
 * been captured alone, up to LIMIT_TUNNEL_DEPTH deep.
 *
 * Workload: every frame of a multi-GB capture passes through here, most
 * of them not IKE. So the path is a table lookup on the link type and a
 * few checked reads, no allocation and no copy; fragments go to ipfrag.
 *
 * A short read becomes TRUNCATED when the capture cut the frame (caplen
 * < wirelen) and MALFORMED otherwise (STYLE.md 4).
 */
#include "formats/netdecode.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "formats/ipfrag.h"
#include "formats/limits.h"
#include "formats/rd.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_TEB 0x6558  /* transparent Ethernet bridging */
#define ETHERTYPE_NONE 0x0000 /* link payload is neither */

#define P_HOPOPTS 0
#define P_ICMP 1
#define P_IPIP 4
#define P_UDP 17
#define P_IPV6 41
#define P_GRE 47
#define P_ROUTING 43
#define P_FRAGMENT 44
#define P_ESP 50
#define P_AH 51
#define P_ICMPV6 58
#define P_DSTOPTS 60

#define ICMP_UNREACH 3
#define ICMPV6_UNREACH 1

/* GRE flag bits (RFC 2784, RFC 2890; R from RFC 1701). */
#define GRE_C 0x8000u   /* checksum and Reserved1 present */
#define GRE_R 0x4000u   /* routing present */
#define GRE_K 0x2000u   /* key present */
#define GRE_S 0x1000u   /* sequence number present */
#define GRE_VER 0x0007u /* 0; 1 is PPTP's enhanced GRE */

/* UDP tunnels, by destination port (IANA). */
#define PORT_GTPU 2152
#define PORT_VXLAN 4789
#define PORT_GENEVE 6081

struct net_decoder {
	struct ipfrag *frag;
	struct net_stats st;
	size_t last_link; /* index in links[] of the previous frame's type */
};

/* One frame being decoded. */
struct ctx {
	struct net_decoder *d;
	const struct pcapio_pkt *pkt;
	struct net_pkt *out;
	enum net_skip skip;
	bool cut;      /* caplen < wirelen: short reads are truncation */
	bool ip_short; /* the frame holds less than the IP length says */
	bool reasm;    /* body is a reassembled datagram */
	size_t claim;  /* bytes the IP header says follow the body cursor */
	unsigned ext;  /* IPv6 extension headers walked */
	unsigned tunnels; /* tunnels peeled */
};

static enum rc ip4(struct ctx *c, struct rd *f);
static enum rc ip6(struct ctx *c, struct rd *f);
static enum rc link_ether(struct ctx *c, struct rd *f, uint16_t *type);

static enum rc
skipped(struct ctx *c, enum net_skip why)
{
	c->skip = why;
	return RC_NOTFOUND;
}

static enum rc
malformed(struct ctx *c, enum net_skip why)
{
	c->skip = why;
	return RC_MALFORMED;
}

static enum rc
truncated(struct ctx *c)
{
	c->skip = NET_SKIP_TRUNCATED;
	return RC_TRUNCATED;
}

/* A failed read: truncation if the capture cut the frame. */
static enum rc
bad(struct ctx *c, const struct rd *r, enum net_skip why)
{
	if (r->err == RC_SHORT && c->cut)
		return truncated(c);
	return malformed(c, why);
}

/*
 * Ethernet II with any stack of VLAN tags (IEEE 802.1Q 0x8100,
 * 802.1ad 0x88a8, legacy QinQ 0x9100):
 * +----------+----------+------+-----+- - -+------+------------
 * | dst (6)  | src (6)  | TPID | TCI | ... | type | IP ...
 * +----------+----------+------+-----+- - -+------+------------
 */
static enum rc
link_ether(struct ctx *c, struct rd *f, uint16_t *type)
{
	unsigned tags = 0;

	rd_skip(f, 12);
	*type = rd_be16(f);
	while (rd_ok(f) &&
	    (*type == 0x8100 || *type == 0x88a8 || *type == 0x9100)) {
		if (++tags > LIMIT_VLAN_TAGS)
			return skipped(c, NET_SKIP_VLAN_DEPTH);
		rd_skip(f, 2);
		*type = rd_be16(f);
	}
	if (!rd_ok(f))
		return bad(c, f, NET_SKIP_BAD_LINK);
	return RC_OK;
}

/*
 * Linux cooked capture v1 (LINKTYPE_LINUX_SLL, 16 bytes):
 * | packet type (2) | ARPHRD (2) | addr len (2) | addr (8) | protocol (2) |
 */
static enum rc
link_sll(struct ctx *c, struct rd *f, uint16_t *type)
{
	rd_skip(f, 14);
	*type = rd_be16(f);
	return rd_ok(f) ? RC_OK : bad(c, f, NET_SKIP_BAD_LINK);
}

/*
 * Linux cooked capture v2 (LINKTYPE_LINUX_SLL2, 20 bytes):
 * | protocol (2) | reserved (2) | ifindex (4) | ARPHRD (2) |
 * | packet type (1) | addr len (1) | addr (8) |
 */
static enum rc
link_sll2(struct ctx *c, struct rd *f, uint16_t *type)
{
	*type = rd_be16(f);
	rd_skip(f, 18);
	return rd_ok(f) ? RC_OK : bad(c, f, NET_SKIP_BAD_LINK);
}

/* LINKTYPE_RAW: IPv4 or IPv6 by the version nibble. */
static enum rc
link_raw(struct ctx *c, struct rd *f, uint16_t *type)
{
	if (rd_left(f) == 0) {
		rd_fail(f, RC_SHORT);
		return bad(c, f, NET_SKIP_BAD_LINK);
	}
	switch (rd_peek_u8(f, 0) >> 4) {
	case 4:
		*type = ETHERTYPE_IPV4;
		break;
	case 6:
		*type = ETHERTYPE_IPV6;
		break;
	default:
		*type = ETHERTYPE_NONE;
	}
	return RC_OK;
}

static enum rc
link_ipv4(struct ctx *c, struct rd *f, uint16_t *type)
{
	(void)c;
	(void)f;
	*type = ETHERTYPE_IPV4;
	return RC_OK;
}

static enum rc
link_ipv6(struct ctx *c, struct rd *f, uint16_t *type)
{
	(void)c;
	(void)f;
	*type = ETHERTYPE_IPV6;
	return RC_OK;
}

/* BSD address family: 2 is AF_INET everywhere; IPv6 is 24 (NetBSD,
 * OpenBSD), 28 (FreeBSD), 30 (macOS). */
static uint16_t
af_type(uint32_t af)
{
	if (af == 2)
		return ETHERTYPE_IPV4;
	if (af == 24 || af == 28 || af == 30)
		return ETHERTYPE_IPV6;
	return ETHERTYPE_NONE;
}

/* LINKTYPE_NULL: 4-byte AF in the capturing host's byte order, which the
 * file does not record; a small value read one way is the answer. */
static enum rc
link_null(struct ctx *c, struct rd *f, uint16_t *type)
{
	struct rd peek = *f;
	uint32_t le = rd_le32(&peek);
	uint32_t be = rd_be32(f);

	if (!rd_ok(f))
		return bad(c, f, NET_SKIP_BAD_LINK);
	*type = af_type(le <= 0xffff ? le : be);
	return RC_OK;
}

/* LINKTYPE_LOOP: 4-byte AF in network byte order. */
static enum rc
link_loop(struct ctx *c, struct rd *f, uint16_t *type)
{
	uint32_t af = rd_be32(f);

	if (!rd_ok(f))
		return bad(c, f, NET_SKIP_BAD_LINK);
	*type = af_type(af);
	return RC_OK;
}

typedef enum rc (*link_fn)(struct ctx *, struct rd *, uint16_t *);

static const struct {
	uint32_t linktype;
	link_fn fn;
} links[] = {
	{PCAPIO_LT_ETHERNET, link_ether},
	{PCAPIO_LT_LINUX_SLL, link_sll},
	{PCAPIO_LT_LINUX_SLL2, link_sll2},
	{PCAPIO_LT_RAW, link_raw},
	{PCAPIO_LT_IPV4, link_ipv4},
	{PCAPIO_LT_IPV6, link_ipv6},
	{PCAPIO_LT_NULL, link_null},
	{PCAPIO_LT_LOOP, link_loop},
};
#define NLINKS (sizeof(links) / sizeof(links[0]))

static link_fn
find_link(struct net_decoder *d, uint32_t linktype)
{
	size_t i;

	if (links[d->last_link].linktype == linktype)
		return links[d->last_link].fn;
	for (i = 0; i < NLINKS; i++)
		if (links[i].linktype == linktype) {
			d->last_link = i;
			return links[i].fn;
		}
	return NULL;
}

/* Hands the payload of b to the caller: want bytes, or what the capture
 * kept of them. */
static void
deliver(struct ctx *c, struct rd *b, size_t want)
{
	size_t n = want <= rd_left(b) ? want : rd_left(b);

	c->out->truncated = n < want;
	c->out->payload = rd_bytes(b, n);
	c->out->payload_len = n;
}

/* --- tunnels ----------------------------------------------------------- */

/*
 * Decodes the datagram inside a tunnel from b: an Ethernet frame
 * (type TEB) or an IP packet (IPv4/IPv6 ethertype, or NONE: told by
 * its version nibble). What the outer layers said about ports and
 * lengths no longer applies.
 */
static enum rc
inner(struct ctx *c, enum net_tunnel kind, uint16_t type, struct rd *b)
{
	struct net_pkt *o = c->out;
	enum rc rc;

	if (++c->tunnels > LIMIT_TUNNEL_DEPTH)
		return skipped(c, NET_SKIP_TUNNEL_DEPTH);
	if (o->tunnel == NET_TUN_NONE)
		o->tunnel = kind;
	o->sport = o->dport = 0;
	o->udp_len_claimed = 0;
	c->ip_short = false;
	if (type == ETHERTYPE_TEB &&
	    (rc = link_ether(c, b, &type)) != RC_OK)
		return rc;
	if (type == ETHERTYPE_NONE && rd_left(b) > 0)
		type = rd_peek_u8(b, 0) >> 4 == 4 ? ETHERTYPE_IPV4 :
		    rd_peek_u8(b, 0) >> 4 == 6 ? ETHERTYPE_IPV6 :
		    ETHERTYPE_NONE;
	if (type == ETHERTYPE_IPV4)
		return ip4(c, b);
	if (type == ETHERTYPE_IPV6)
		return ip6(c, b);
	if (rd_left(b) == 0)
		return truncated(c);
	return skipped(c, NET_SKIP_TUNNEL_PAYLOAD);
}

/*
 * RFC 2784 2.1 with RFC 2890 2 (key and sequence number):
 * +-+-+-+-+-+-------+-----+---------------------------------+
 * |C|R|K|S| 0 ...   | Ver |          Protocol Type          |
 * +-+-+-+-+-+-------+-----+---------------------------------+
 * | Checksum and Reserved1 (if C) | Key (if K) | Seq (if S) |
 * Routing (R, RFC 1701) and version 1 (PPTP) are not peeled.
 */
static enum rc
gre(struct ctx *c, struct rd *b)
{
	uint16_t flags = rd_be16(b), type = rd_be16(b);

	if (!rd_ok(b))
		return bad(c, b, NET_SKIP_BAD_TUNNEL);
	if ((flags & (GRE_R | GRE_VER)) != 0)
		return skipped(c, NET_SKIP_TUNNEL_PAYLOAD);
	rd_skip(b, ((flags & GRE_C) ? 4u : 0u) + ((flags & GRE_K) ? 4u : 0u) +
	    ((flags & GRE_S) ? 4u : 0u));
	if (!rd_ok(b))
		return bad(c, b, NET_SKIP_BAD_TUNNEL);
	if (type != ETHERTYPE_IPV4 && type != ETHERTYPE_IPV6 &&
	    type != ETHERTYPE_TEB)
		return skipped(c, NET_SKIP_TUNNEL_PAYLOAD);
	return inner(c, NET_TUN_GRE, type, b);
}

/*
 * RFC 7348 5 VXLAN header, then an Ethernet frame:
 * | flags: I=0x08 (1) | reserved (3) | VNI (3) | reserved (1) |
 */
static enum rc
vxlan(struct ctx *c, struct rd *b)
{
	uint8_t flags = rd_u8(b);

	rd_skip(b, 7);
	if (!rd_ok(b))
		return RC_UNSUPPORTED;
	if ((flags & 0x08) == 0)
		return RC_UNSUPPORTED; /* no VNI: not VXLAN after all */
	return inner(c, NET_TUN_VXLAN, ETHERTYPE_TEB, b);
}

/*
 * RFC 8926 3.4 Geneve header:
 * | Ver(2) Opt Len(6) | O C Rsvd(6) | Protocol Type (2) |
 * | VNI (3) | Reserved (1) | options (Opt Len x 4 bytes) |
 */
static enum rc
geneve(struct ctx *c, struct rd *b)
{
	uint8_t v = rd_u8(b);
	uint16_t type;

	rd_skip(b, 1);
	type = rd_be16(b);
	rd_skip(b, 4);
	if (!rd_ok(b) || v >> 6 != 0)
		return RC_UNSUPPORTED;
	rd_skip(b, (v & 0x3fu) * 4u);
	if (!rd_ok(b))
		return bad(c, b, NET_SKIP_BAD_TUNNEL);
	if (type != ETHERTYPE_IPV4 && type != ETHERTYPE_IPV6 &&
	    type != ETHERTYPE_TEB)
		return skipped(c, NET_SKIP_TUNNEL_PAYLOAD);
	return inner(c, NET_TUN_GENEVE, type, b);
}

/*
 * 3GPP TS 29.281 5.1 GTP-U header (version 1, protocol type 1):
 * | Ver(3) PT E S PN | Message Type | Length (2) | TEID (4) |
 * | Sequence (2) | N-PDU (1) | Next Ext Type (1) |  if E, S or PN
 * then extension headers while Next Ext Type != 0, each
 * | Length in 4-byte units (1) | contents | Next Ext Type (1) |.
 * Only a G-PDU (type 255) carries a user datagram.
 */
static enum rc
gtpu(struct ctx *c, struct rd *b)
{
	uint8_t flags = rd_u8(b), type = rd_u8(b), next = 0, len;
	unsigned ext = 0;

	rd_skip(b, 6);
	if (!rd_ok(b) || flags >> 5 != 1 || (flags & 0x10) == 0)
		return RC_UNSUPPORTED;
	if (type != 255)
		return skipped(c, NET_SKIP_TUNNEL_PAYLOAD);
	if (flags & 0x07) {
		rd_skip(b, 3);
		next = rd_u8(b);
		if ((flags & 0x04) == 0)
			next = 0; /* the field is there, meaningless without E */
	}
	while (next != 0 && rd_ok(b)) {
		if (++ext > LIMIT_IPV6_EXT_HEADERS)
			return malformed(c, NET_SKIP_BAD_TUNNEL);
		len = rd_u8(b);
		if (!rd_ok(b))
			break;
		if (len == 0)
			return malformed(c, NET_SKIP_BAD_TUNNEL);
		rd_skip(b, len * 4u - 2u);
		next = rd_u8(b);
	}
	if (!rd_ok(b))
		return bad(c, b, NET_SKIP_BAD_TUNNEL);
	return inner(c, NET_TUN_GTPU, ETHERTYPE_NONE, b);
}

/*
 * The UDP payload (len bytes claimed) of a tunnel's port. UNSUPPORTED
 * when it does not look like that tunnel: the caller delivers it as
 * plain UDP, as it would any port.
 */
static enum rc
udp_tunnel(struct ctx *c, const struct rd *b, size_t len)
{
	struct rd p = *b;

	if (len < rd_left(&p))
		p = rd_sub(&p, len);
	switch (c->out->dport) {
	case PORT_VXLAN:
		return vxlan(c, &p);
	case PORT_GENEVE:
		return geneve(c, &p);
	default:
		return gtpu(c, &p);
	}
}

/*
 * RFC 768 UDP header:
 * +--------+--------+--------+--------+
 * |  Source Port    |   Dest Port     |
 * +--------+--------+--------+--------+
 * |     Length      |    Checksum     |
 * +--------+--------+--------+--------+
 */
static enum rc
udp(struct ctx *c, struct rd *b)
{
	struct net_pkt *o = c->out;
	uint16_t ulen;

	o->sport = rd_be16(b);
	o->dport = rd_be16(b);
	ulen = rd_be16(b);
	rd_skip(b, 2);
	if (!rd_ok(b))
		return bad(c, b, NET_SKIP_BAD_UDP);
	/* The length includes the header and must fit the IP payload. */
	if (ulen < 8 || ulen > c->claim)
		return malformed(c, NET_SKIP_BAD_UDP);
	if (o->dport == PORT_VXLAN || o->dport == PORT_GENEVE ||
	    o->dport == PORT_GTPU) {
		enum rc rc = udp_tunnel(c, b, ulen - 8u);

		if (rc != RC_UNSUPPORTED)
			return rc;
	}
	o->l4 = NET_L4_UDP;
	o->udp_len_claimed = ulen;
	deliver(c, b, ulen - 8u);
	return RC_OK;
}

/*
 * RFC 4303 2: ESP starts with SPI (4) and sequence number (4); the rest
 * is opaque here. The payload handed out starts at the SPI.
 */
static enum rc
esp(struct ctx *c, struct rd *b)
{
	if (c->claim < 8)
		return malformed(c, NET_SKIP_BAD_ESP);
	if (rd_left(b) < 8)
		return truncated(c);
	c->out->l4 = NET_L4_ESP;
	deliver(c, b, c->claim);
	return RC_OK;
}

/* The UDP header quoted by an ICMP error; the payload is whatever part
 * of the quoted datagram the error carried. */
static enum rc
quoted_udp(struct ctx *c, struct rd *b)
{
	struct net_pkt *o = c->out;

	o->inner_sport = rd_be16(b);
	o->inner_dport = rd_be16(b);
	o->udp_len_claimed = rd_be16(b);
	rd_skip(b, 2);
	if (!rd_ok(b))
		return bad(c, b, NET_SKIP_BAD_ICMP);
	o->l4 = NET_L4_ICMP_UNREACH;
	deliver(c, b, rd_left(b));
	o->truncated = c->ip_short;
	return RC_OK;
}

/*
 * RFC 792 destination unreachable, quoting an IPv4 header + 8 bytes:
 * +--------+--------+--------+--------+
 * |  Type  |  Code  |    Checksum     |
 * +--------+--------+--------+--------+
 * |              unused               |
 * +--------+--------+--------+--------+
 * | Internet Header + 64 bits of the original datagram
 */
static enum rc
icmp4(struct ctx *c, struct rd *b)
{
	struct net_pkt *o = c->out;
	uint8_t vihl, proto;
	uint16_t fo;

	o->icmp_type = rd_u8(b);
	o->icmp_code = rd_u8(b);
	rd_skip(b, 6);
	if (!rd_ok(b))
		return bad(c, b, NET_SKIP_BAD_ICMP);
	if (o->icmp_type != ICMP_UNREACH)
		return skipped(c, NET_SKIP_ICMP_OTHER);
	vihl = rd_u8(b);
	rd_skip(b, 5);
	fo = rd_be16(b);
	rd_skip(b, 1);
	proto = rd_u8(b);
	rd_skip(b, 2);
	o->inner_src.family = o->inner_dst.family = 4;
	(void)rd_copy(b, o->inner_src.bytes, 4);
	(void)rd_copy(b, o->inner_dst.bytes, 4);
	if (!rd_ok(b))
		return bad(c, b, NET_SKIP_BAD_ICMP);
	if (vihl >> 4 != 4 || (vihl & 15) < 5)
		return malformed(c, NET_SKIP_BAD_ICMP);
	rd_skip(b, (vihl & 15) * 4u - 20);
	if (!rd_ok(b))
		return bad(c, b, NET_SKIP_BAD_ICMP);
	/* Only the first fragment of a quoted datagram has a UDP header. */
	if (proto != P_UDP || (fo & 0x1fff) != 0)
		return skipped(c, NET_SKIP_ICMP_OTHER);
	return quoted_udp(c, b);
}

static bool
is_ext(uint8_t nh)
{
	return nh == P_HOPOPTS || nh == P_ROUTING || nh == P_DSTOPTS;
}

/*
 * RFC 8200 4.3-4.6 generic extension header (hop-by-hop, routing,
 * destination options); the length is in 8-octet units after the first:
 * +--------+--------+- - - - - - - - -
 * |  Next  | HdrLen | (HdrLen + 1) * 8 - 2 bytes
 * +--------+--------+- - - - - - - - -
 * Skips one and returns its length in *len (0 when the read failed).
 */
static uint8_t
ext_skip(struct rd *b, size_t *len)
{
	uint8_t next = rd_u8(b);

	*len = ((size_t)rd_u8(b) + 1) * 8;
	rd_skip(b, *len - 2);
	if (!rd_ok(b))
		*len = 0;
	return next;
}

/* RFC 4443 3.1 destination unreachable quoting an IPv6 packet. */
static enum rc
icmp6(struct ctx *c, struct rd *b)
{
	struct net_pkt *o = c->out;
	unsigned n = 0;
	size_t len;
	uint8_t v, nh;

	o->icmp_type = rd_u8(b);
	o->icmp_code = rd_u8(b);
	rd_skip(b, 6);
	if (!rd_ok(b))
		return bad(c, b, NET_SKIP_BAD_ICMP);
	if (o->icmp_type != ICMPV6_UNREACH)
		return skipped(c, NET_SKIP_ICMP_OTHER);
	v = rd_u8(b);
	rd_skip(b, 5);
	nh = rd_u8(b);
	rd_skip(b, 1);
	o->inner_src.family = o->inner_dst.family = 6;
	(void)rd_copy(b, o->inner_src.bytes, 16);
	(void)rd_copy(b, o->inner_dst.bytes, 16);
	while (rd_ok(b) && (is_ext(nh) || nh == P_FRAGMENT)) {
		if (++n > LIMIT_IPV6_EXT_HEADERS)
			return malformed(c, NET_SKIP_BAD_ICMP);
		if (nh == P_FRAGMENT) {
			nh = rd_u8(b);
			rd_skip(b, 1);
			/* A later fragment carries no UDP header. */
			if ((rd_be16(b) & 0xfff8) != 0)
				return skipped(c, NET_SKIP_ICMP_OTHER);
			rd_skip(b, 4);
		} else
			nh = ext_skip(b, &len);
	}
	if (!rd_ok(b))
		return bad(c, b, NET_SKIP_BAD_ICMP);
	if (v >> 4 != 6)
		return malformed(c, NET_SKIP_BAD_ICMP);
	if (nh != P_UDP)
		return skipped(c, NET_SKIP_ICMP_OTHER);
	return quoted_udp(c, b);
}

/*
 * RFC 4302 2 Authentication Header; skipped so that ESP (or UDP) behind
 * it is seen. The length counts 4-byte words, minus 2:
 * +--------+--------+--------+--------+
 * |  Next  | PayLen |    RESERVED     |
 * +--------+--------+--------+--------+
 * |  SPI (4)  | Sequence (4) | ICV ...
 */
static enum rc
ah_skip(struct ctx *c, struct rd *b, uint8_t *proto)
{
	size_t len;

	if (++c->ext > LIMIT_IPV6_EXT_HEADERS)
		return skipped(c, NET_SKIP_IPV6_EXT_DEPTH);
	*proto = rd_u8(b);
	len = ((size_t)rd_u8(b) + 2) * 4;
	if (!rd_ok(b))
		return bad(c, b, NET_SKIP_BAD_AH);
	if (len < 12 || len > c->claim)
		return malformed(c, NET_SKIP_BAD_AH);
	rd_skip(b, len - 2);
	if (!rd_ok(b))
		return bad(c, b, NET_SKIP_BAD_AH);
	c->claim -= len;
	return RC_OK;
}

/* Dispatches on the upper-layer protocol. */
static enum rc
upper(struct ctx *c, uint8_t proto, struct rd *b)
{
	enum rc rc;

	while (proto == P_AH)
		if ((rc = ah_skip(c, b, &proto)) != RC_OK)
			return rc;
	c->out->ipproto = proto;
	if (proto == P_UDP)
		return udp(c, b);
	if (proto == P_ESP)
		return esp(c, b);
	if (proto == P_IPIP)
		return inner(c, NET_TUN_IPIP, ETHERTYPE_IPV4, b);
	if (proto == P_IPV6)
		return inner(c, NET_TUN_IPIP, ETHERTYPE_IPV6, b);
	if (proto == P_GRE)
		return gre(c, b);
	if (proto == P_ICMP && c->out->src.family == 4)
		return icmp4(c, b);
	if (proto == P_ICMPV6 && c->out->src.family == 6)
		return icmp6(c, b);
	return skipped(c, NET_SKIP_IP_PROTOCOL);
}

static void
sync_frag(struct net_decoder *d)
{
	const struct ipfrag_stats *fs = ipfrag_stats(d->frag);

	d->st.frag_fragments = fs->fragments;
	d->st.frag_reassembled = fs->reassembled;
	d->st.frag_dropped_limit = fs->dropped_limit;
	d->st.frag_dropped_timeout = fs->dropped_timeout;
	d->st.frag_overlaps = fs->overlaps;
	d->st.frag_duplicates = fs->duplicates;
	d->st.frag_bad = fs->bad;
}

/*
 * Offers the fragment in *b; on completion *b becomes a reader over the
 * reassembled payload and RC_OK is returned.
 */
static enum rc
fragment(struct ctx *c, const struct ipfrag_key *k, uint32_t off, bool more,
    struct rd *b, uint32_t max_len)
{
	struct ipfrag_done done;
	enum rc rc;

	/* A cut piece cannot be reassembled, and nesting is malformed. */
	if (c->ip_short)
		return truncated(c);
	if (c->reasm)
		return malformed(c, k->src.family == 4 ? NET_SKIP_BAD_IPV4 :
		    NET_SKIP_BAD_IPV6);
	rc = ipfrag_add(c->d->frag, k, off, more, b, max_len,
	    c->pkt->ts_sec, c->pkt->frame, &done);
	sync_frag(c->d);
	if (rc == RC_NOTFOUND)
		return skipped(c, NET_SKIP_FRAGMENT_HELD);
	if (rc != RC_OK)
		return skipped(c, NET_SKIP_FRAGMENT_DROPPED);
	*b = rd_init(done.data, done.len);
	c->claim = done.len;
	c->reasm = true;
	c->cut = false;
	c->out->reassembled = true;
	c->out->fragments = done.fragments;
	c->out->first_frame = done.first_frame;
	return RC_OK;
}

/* Carves the IP payload of claimed length plen out of the frame. */
static enum rc
ip_body(struct ctx *c, struct rd *f, size_t plen, struct rd *b,
    enum net_skip why)
{
	c->claim = plen;
	if (plen <= rd_left(f)) {
		*b = rd_sub(f, plen); /* drops link-layer padding */
		return RC_OK;
	}
	/* The frame holds less than the IP header claims. */
	if (!c->cut)
		return malformed(c, why);
	c->ip_short = true;
	*b = rd_rest(f);
	return RC_OK;
}

/*
 * RFC 791 3.1 Internet header:
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version|  IHL  |Type of Service|          Total Length         |
 * |         Identification        |Flags|      Fragment Offset    |
 * |  Time to Live |    Protocol   |         Header Checksum       |
 * |                       Source Address                          |
 * |                    Destination Address                        |
 * |                    Options                    |    Padding    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
static enum rc
ip4(struct ctx *c, struct rd *f)
{
	struct net_pkt *o = c->out;
	struct ipfrag_key k;
	struct rd b;
	uint16_t tot, id, fo;
	uint8_t vihl, proto;
	size_t hl;
	enum rc rc;

	vihl = rd_u8(f);
	rd_skip(f, 1);
	tot = rd_be16(f);
	id = rd_be16(f);
	fo = rd_be16(f);
	rd_skip(f, 1);
	proto = rd_u8(f);
	rd_skip(f, 2);
	o->src.family = o->dst.family = 4;
	(void)rd_copy(f, o->src.bytes, 4);
	(void)rd_copy(f, o->dst.bytes, 4);
	if (!rd_ok(f))
		return bad(c, f, NET_SKIP_BAD_IPV4);
	hl = (vihl & 15) * 4u;
	if (vihl >> 4 != 4 || hl < 20 || tot < hl)
		return malformed(c, NET_SKIP_BAD_IPV4);
	rd_skip(f, hl - 20); /* options */
	if (!rd_ok(f))
		return bad(c, f, NET_SKIP_BAD_IPV4);
	if ((rc = ip_body(c, f, tot - hl, &b, NET_SKIP_BAD_IPV4)) != RC_OK)
		return rc;
	o->ipproto = proto;
	if ((fo & 0x3fff) != 0) { /* MF set or offset non-zero */
		k.src = o->src;
		k.dst = o->dst;
		k.id = id;
		k.proto = proto;
		rc = fragment(c, &k, (fo & 0x1fffu) * 8u, (fo & 0x2000) != 0,
		    &b, (uint32_t)(LIMIT_IP_DATAGRAM - hl));
		if (rc != RC_OK)
			return rc;
	}
	return upper(c, proto, &b);
}

/*
 * RFC 8200 4.5 fragment header:
 * +--------+--------+--------+--------+
 * |  Next  |Reserved| Offset    |Res|M|
 * +--------+--------+--------+--------+
 * |          Identification           |
 * +--------+--------+--------+--------+
 * unfrag is the length of the extension headers before it.
 */
static enum rc
ip6_frag(struct ctx *c, struct rd *b, uint8_t *nh, size_t unfrag)
{
	struct ipfrag_key k;
	uint16_t fo;

	k.proto = rd_u8(b);
	rd_skip(b, 1);
	fo = rd_be16(b);
	k.id = rd_be32(b);
	if (!rd_ok(b))
		return bad(c, b, NET_SKIP_BAD_IPV6);
	if (c->claim < 8)
		return malformed(c, NET_SKIP_BAD_IPV6);
	c->claim -= 8;
	*nh = k.proto;
	if ((fo & 0xfff9) == 0) /* atomic fragment (RFC 6946) */
		return RC_OK;
	k.src = c->out->src;
	k.dst = c->out->dst;
	return fragment(c, &k, fo & 0xfff8u, (fo & 1) != 0, b,
	    (uint32_t)(LIMIT_IP_DATAGRAM - unfrag));
}

/* Walks IPv6 extension headers from nh, reassembling at a fragment
 * header, then hands over to the upper layer. */
static enum rc
ip6_chain(struct ctx *c, uint8_t nh, struct rd *b)
{
	size_t unfrag = 0, len;
	enum rc rc;

	while (is_ext(nh) || nh == P_FRAGMENT) {
		if (++c->ext > LIMIT_IPV6_EXT_HEADERS)
			return skipped(c, NET_SKIP_IPV6_EXT_DEPTH);
		if (nh == P_FRAGMENT) {
			if ((rc = ip6_frag(c, b, &nh, unfrag)) != RC_OK)
				return rc;
			continue;
		}
		nh = ext_skip(b, &len);
		if (len == 0)
			return bad(c, b, NET_SKIP_BAD_IPV6);
		if (len > c->claim)
			return malformed(c, NET_SKIP_BAD_IPV6);
		c->claim -= len;
		unfrag += len;
	}
	return upper(c, nh, b);
}

/*
 * RFC 8200 3 IPv6 header:
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version| Traffic Class |           Flow Label                  |
 * |         Payload Length        |  Next Header  |   Hop Limit   |
 * |                  Source Address (16 bytes)                    |
 * |               Destination Address (16 bytes)                  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
static enum rc
ip6(struct ctx *c, struct rd *f)
{
	struct net_pkt *o = c->out;
	struct rd b;
	uint16_t plen;
	uint8_t v, nh;
	enum rc rc;

	v = rd_u8(f);
	rd_skip(f, 3);
	plen = rd_be16(f);
	nh = rd_u8(f);
	rd_skip(f, 1);
	o->src.family = o->dst.family = 6;
	(void)rd_copy(f, o->src.bytes, 16);
	(void)rd_copy(f, o->dst.bytes, 16);
	if (!rd_ok(f))
		return bad(c, f, NET_SKIP_BAD_IPV6);
	if (v >> 4 != 6)
		return malformed(c, NET_SKIP_BAD_IPV6);
	if ((rc = ip_body(c, f, plen, &b, NET_SKIP_BAD_IPV6)) != RC_OK)
		return rc;
	return ip6_chain(c, nh, &b);
}

static void
account(struct net_decoder *d, enum rc rc, const struct ctx *c)
{
	if (rc == RC_OK) {
		d->st.delivered++;
		if (c->out->truncated)
			d->st.delivered_truncated++;
		if (c->out->tunnel != NET_TUN_NONE)
			d->st.decapsulated[c->out->tunnel]++;
		return;
	}
	d->st.skipped[c->skip]++;
	if (rc == RC_TRUNCATED)
		d->st.truncated++;
	else if (rc == RC_MALFORMED)
		d->st.malformed++;
}

enum rc
net_decode(struct net_decoder *d, const struct pcapio_pkt *pkt,
    struct net_pkt *out, enum net_skip *skip)
{
	struct ctx c = {.d = d, .pkt = pkt, .out = out,
	    .skip = NET_SKIP_NONE, .cut = pkt->caplen < pkt->wirelen};
	struct rd f = rd_init(pkt->data, pkt->caplen);
	uint16_t type = ETHERTYPE_NONE;
	link_fn fn;
	enum rc rc;

	memset(out, 0, sizeof(*out));
	out->first_frame = pkt->frame;
	d->st.frames++;
	if ((fn = find_link(d, pkt->linktype)) == NULL)
		rc = skipped(&c, NET_SKIP_LINKTYPE);
	else if ((rc = fn(&c, &f, &type)) != RC_OK)
		;
	else if (type == ETHERTYPE_IPV4)
		rc = ip4(&c, &f);
	else if (type == ETHERTYPE_IPV6)
		rc = ip6(&c, &f);
	else
		rc = skipped(&c, NET_SKIP_NOT_IP);
	account(d, rc, &c);
	if (skip != NULL)
		*skip = c.skip;
	return rc;
}

struct net_decoder *
net_decoder_new(void)
{
	struct net_decoder *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	if ((d->frag = ipfrag_new()) == NULL) {
		free(d);
		return NULL;
	}
	return d;
}

void
net_decoder_free(struct net_decoder *d)
{
	if (d == NULL)
		return;
	ipfrag_free(d->frag);
	free(d);
}

void
net_decoder_expire(struct net_decoder *d, int64_t now_sec)
{
	ipfrag_expire(d->frag, now_sec);
	sync_frag(d);
}

const struct net_stats *
net_decoder_stats(const struct net_decoder *d)
{
	return &d->st;
}

static const struct {
	const char *name, *text;
} skips[] = {
#define NET_SKIP(name, text) {#name, text},
#include "formats/net_skip.def"
#undef NET_SKIP
};

const char *
net_skip_name(enum net_skip s)
{
	return (unsigned)s < NET_SKIP__COUNT ? skips[s].name : "UNKNOWN";
}

const char *
net_tunnel_name(enum net_tunnel t)
{
	static const char *const names[NET_TUN__COUNT] = {
		[NET_TUN_NONE] = "none", [NET_TUN_IPIP] = "IP in IP",
		[NET_TUN_GRE] = "GRE", [NET_TUN_VXLAN] = "VXLAN",
		[NET_TUN_GENEVE] = "Geneve", [NET_TUN_GTPU] = "GTP-U",
	};

	return (unsigned)t < NET_TUN__COUNT ? names[t] : "unknown";
}

const char *
net_skip_text(enum net_skip s)
{
	return (unsigned)s < NET_SKIP__COUNT ? skips[s].text :
	    "unknown skip reason";
}

char *
net_addr_str(const struct net_addr *a, char *dst, size_t len)
{
	int af = a->family == 6 ? AF_INET6 : AF_INET;

	if (len == 0)
		return dst;
	if ((a->family != 4 && a->family != 6) ||
	    inet_ntop(af, a->bytes, dst, (socklen_t)len) == NULL)
		(void)snprintf(dst, len, "%s", a->family == 0 ? "unset" : "?");
	return dst;
}

static size_t
addr_len(const struct net_addr *a)
{
	return a->family == 6 ? 16 : a->family == 4 ? 4 : 0;
}

bool
net_addr_eq(const struct net_addr *a, const struct net_addr *b)
{
	return a->family == b->family &&
	    memcmp(a->bytes, b->bytes, addr_len(a)) == 0;
}

int
net_addr_cmp(const struct net_addr *a, const struct net_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->bytes, b->bytes, addr_len(a));
}
