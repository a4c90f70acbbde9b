/*
 * netdecode: frames are assembled by hand (link header + IP + UDP/ESP)
 * for every link type, then decoded; fragments, ICMP errors and every
 * truncation length of a valid frame are checked as well.
 */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <string.h>

#include "formats/limits.h"
#include "formats/netdecode.h"

/* ---- frame builder ---------------------------------------------------- */

struct fb {
	uint8_t b[70000];
	size_t n;
};

static void
put(struct fb *f, const void *p, size_t n)
{
	cr_assert_leq(f->n + n, sizeof(f->b));
	memcpy(f->b + f->n, p, n);
	f->n += n;
}

static void
p8(struct fb *f, unsigned v)
{
	uint8_t b = (uint8_t)v;

	put(f, &b, 1);
}

static void
p16(struct fb *f, unsigned v)
{
	p8(f, v >> 8);
	p8(f, v);
}

static void
p32(struct fb *f, uint32_t v)
{
	p16(f, v >> 16);
	p16(f, v & 0xffff);
}

static void
paddr(struct fb *f, int fam, const char *s)
{
	uint8_t a[16];

	cr_assert_eq(inet_pton(fam == 4 ? AF_INET : AF_INET6, s, a), 1);
	put(f, a, fam == 4 ? 4 : 16);
}

static const uint8_t ike_payload[] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66,
    0x77, 0x88, 0, 0, 0, 0, 0, 0, 0, 0, 0x21, 0x20, 0x22, 0x08, 0, 0, 0, 0,
    0, 0, 0, 28};

/* UDP header + payload. */
static void
udp(struct fb *f, unsigned sp, unsigned dp, const uint8_t *pl, size_t n)
{
	p16(f, sp);
	p16(f, dp);
	p16(f, (unsigned)(8 + n));
	p16(f, 0);
	put(f, pl, n);
}

/* ESP: SPI, sequence, 16 bytes of "ciphertext". */
static void
esp(struct fb *f, uint32_t spi)
{
	p32(f, spi);
	p32(f, 7);
	for (int i = 0; i < 16; i++)
		p8(f, 0xa0 + i);
}

/* IPv4 header with optlen bytes of options (NOPs), then body. */
static void
ip4(struct fb *f, const char *src, const char *dst, unsigned proto,
    unsigned id, unsigned fo, size_t optlen, const struct fb *body)
{
	size_t hl = 20 + optlen;

	p8(f, 0x40 | (unsigned)(hl / 4));
	p8(f, 0);
	p16(f, (unsigned)(hl + body->n));
	p16(f, id);
	p16(f, fo);
	p8(f, 64);
	p8(f, proto);
	p16(f, 0);
	paddr(f, 4, src);
	paddr(f, 4, dst);
	for (size_t i = 0; i < optlen; i++)
		p8(f, 1);
	put(f, body->b, body->n);
}

static void
ip6(struct fb *f, const char *src, const char *dst, unsigned nh,
    const struct fb *body)
{
	p32(f, 0x60000000u);
	p16(f, (unsigned)body->n);
	p8(f, nh);
	p8(f, 64);
	paddr(f, 6, src);
	paddr(f, 6, dst);
	put(f, body->b, body->n);
}

/* Wraps an IP packet in a link header of the given type. */
static void
link_wrap(struct fb *f, uint32_t lt, int fam, const struct fb *ip)
{
	static const uint8_t mac[12] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2};
	unsigned et = fam == 4 ? 0x0800 : 0x86dd;

	switch (lt) {
	case PCAPIO_LT_ETHERNET:
		put(f, mac, 12);
		p16(f, et);
		break;
	case PCAPIO_LT_LINUX_SLL:
		p16(f, 0);
		p16(f, 1);
		p16(f, 6);
		put(f, mac, 8);
		p16(f, et);
		break;
	case PCAPIO_LT_LINUX_SLL2:
		p16(f, et);
		p16(f, 0);
		p32(f, 3);
		p16(f, 1);
		p8(f, 4);
		p8(f, 6);
		put(f, mac, 8);
		break;
	case PCAPIO_LT_NULL: /* little-endian host */
		p8(f, fam == 4 ? 2 : 30);
		p8(f, 0);
		p16(f, 0);
		break;
	case PCAPIO_LT_LOOP:
		p32(f, fam == 4 ? 2 : 24);
		break;
	default:
		break;
	}
	put(f, ip->b, ip->n);
}

static struct pcapio_pkt
mkpkt(const struct fb *f, uint32_t lt)
{
	struct pcapio_pkt p = {.frame = 1, .ts_sec = 1000, .caplen =
	    (uint32_t)f->n, .wirelen = (uint32_t)f->n, .linktype = lt,
	    .data = f->b};

	return p;
}

static const char *
astr(const struct net_addr *a)
{
	static char s[2][64];
	static int k;

	k ^= 1;
	return net_addr_str(a, s[k], sizeof(s[k]));
}

/* Builds link(lt) / IPvfam / UDP 500 or ESP and decodes it. */
static enum rc
decode_one(struct net_decoder *d, uint32_t lt, int fam, bool is_esp,
    struct net_pkt *out, enum net_skip *skip)
{
	static struct fb l4, ip, fr;
	struct pcapio_pkt pk;

	l4.n = ip.n = fr.n = 0;
	if (is_esp)
		esp(&l4, 0xc0ffee01u);
	else
		udp(&l4, 500, 500, ike_payload, sizeof(ike_payload));
	if (fam == 4)
		ip4(&ip, "192.0.2.1", "198.51.100.2", is_esp ? 50 : 17, 1, 0,
		    0, &l4);
	else
		ip6(&ip, "2001:db8::1", "2001:db8:0:1::2", is_esp ? 50 : 17,
		    &l4);
	link_wrap(&fr, lt, fam, &ip);
	pk = mkpkt(&fr, lt);
	return net_decode(d, &pk, out, skip);
}

static void
check_one(uint32_t lt, int fam, bool is_esp)
{
	struct net_decoder *d = net_decoder_new();
	struct net_pkt o;
	enum net_skip sk;
	enum rc rc = decode_one(d, lt, fam, is_esp, &o, &sk);

	cr_assert_eq(rc, RC_OK, "lt %u v%d esp %d: %s %s", lt, fam, is_esp,
	    rc_name(rc), net_skip_name(sk));
	cr_expect_str_eq(astr(&o.src), fam == 4 ? "192.0.2.1" : "2001:db8::1");
	cr_expect_str_eq(astr(&o.dst),
	    fam == 4 ? "198.51.100.2" : "2001:db8:0:1::2");
	if (is_esp) {
		cr_expect_eq(o.l4, NET_L4_ESP);
		cr_expect_eq(o.ipproto, 50);
		cr_expect_eq(o.payload_len, 24);
		cr_expect_eq(o.payload[0], 0xc0);
		cr_expect_eq(o.payload[3], 0x01, "payload starts at the SPI");
	} else {
		cr_expect_eq(o.l4, NET_L4_UDP);
		cr_expect_eq(o.ipproto, 17);
		cr_expect_eq(o.sport, 500);
		cr_expect_eq(o.dport, 500);
		cr_expect_eq(o.payload_len, sizeof(ike_payload));
		cr_expect_eq(o.udp_len_claimed, 8 + sizeof(ike_payload));
		cr_expect_arr_eq(o.payload, ike_payload, sizeof(ike_payload));
	}
	cr_expect_not(o.truncated);
	cr_expect_not(o.reassembled);
	cr_expect_eq(o.first_frame, 1);
	cr_expect_eq(net_decoder_stats(d)->delivered, 1);
	net_decoder_free(d);
}

static const uint32_t all_links[] = {PCAPIO_LT_ETHERNET, PCAPIO_LT_LINUX_SLL,
    PCAPIO_LT_LINUX_SLL2, PCAPIO_LT_RAW, PCAPIO_LT_NULL, PCAPIO_LT_LOOP};

Test(netdecode, every_link_type_decodes_udp_500_and_esp_over_ipv4_and_ipv6)
{
	for (size_t i = 0; i < sizeof(all_links) / sizeof(all_links[0]); i++)
		for (int fam = 4; fam <= 6; fam += 2) {
			check_one(all_links[i], fam, false);
			check_one(all_links[i], fam, true);
		}
	check_one(PCAPIO_LT_IPV4, 4, false);
	check_one(PCAPIO_LT_IPV4, 4, true);
	check_one(PCAPIO_LT_IPV6, 6, false);
	check_one(PCAPIO_LT_IPV6, 6, true);
}

Test(netdecode, bsd_null_accepts_either_byte_order_of_the_family)
{
	struct net_decoder *d = net_decoder_new();
	struct fb l4 = {.n = 0}, ip = {.n = 0}, fr = {.n = 0};
	struct pcapio_pkt pk;
	struct net_pkt o;
	enum net_skip sk;

	udp(&l4, 4500, 4500, ike_payload, sizeof(ike_payload));
	ip6(&ip, "2001:db8::1", "2001:db8::2", 17, &l4);
	p32(&fr, 28); /* big-endian host, FreeBSD AF_INET6 */
	put(&fr, ip.b, ip.n);
	pk = mkpkt(&fr, PCAPIO_LT_NULL);
	cr_assert_eq(net_decode(d, &pk, &o, &sk), RC_OK);
	cr_expect_eq(o.dport, 4500);
	fr.b[3] = 7; /* AF 7 is not IP */
	cr_expect_eq(net_decode(d, &pk, &o, &sk), RC_NOTFOUND);
	cr_expect_eq(sk, NET_SKIP_NOT_IP);
	net_decoder_free(d);
}

/* Ethernet with a stack of tags (TPIDs given) around IPv4/UDP. */
static void
tagged(struct fb *fr, const unsigned *tpid, size_t ntags)
{
	static const uint8_t mac[12] = {0};
	struct fb l4 = {.n = 0}, ip = {.n = 0};

	udp(&l4, 500, 4500, ike_payload, sizeof(ike_payload));
	ip4(&ip, "10.0.0.1", "10.0.0.2", 17, 9, 0, 0, &l4);
	fr->n = 0;
	put(fr, mac, 12);
	for (size_t i = 0; i < ntags; i++) {
		p16(fr, tpid[i]);
		p16(fr, (unsigned)(100 + i));
	}
	p16(fr, 0x0800);
	put(fr, ip.b, ip.n);
}

Test(netdecode, vlan_stacks_are_walked_up_to_the_limit)
{
	static const unsigned qinq[] = {0x88a8, 0x8100}, old[] = {0x9100,
	    0x8100}, one[] = {0x8100};
	unsigned deep[LIMIT_VLAN_TAGS + 1];
	struct net_decoder *d = net_decoder_new();
	static struct fb fr;
	struct pcapio_pkt pk;
	struct net_pkt o;
	enum net_skip sk;

	tagged(&fr, one, 1);
	pk = mkpkt(&fr, PCAPIO_LT_ETHERNET);
	cr_expect_eq(net_decode(d, &pk, &o, &sk), RC_OK);
	tagged(&fr, qinq, 2);
	pk = mkpkt(&fr, PCAPIO_LT_ETHERNET);
	cr_expect_eq(net_decode(d, &pk, &o, &sk), RC_OK);
	cr_expect_eq(o.dport, 4500);
	tagged(&fr, old, 2);
	pk = mkpkt(&fr, PCAPIO_LT_ETHERNET);
	cr_expect_eq(net_decode(d, &pk, &o, &sk), RC_OK);
	for (size_t i = 0; i < LIMIT_VLAN_TAGS + 1; i++)
		deep[i] = 0x8100;
	tagged(&fr, deep, LIMIT_VLAN_TAGS);
	pk = mkpkt(&fr, PCAPIO_LT_ETHERNET);
	cr_expect_eq(net_decode(d, &pk, &o, &sk), RC_OK);
	tagged(&fr, deep, LIMIT_VLAN_TAGS + 1);
	pk = mkpkt(&fr, PCAPIO_LT_ETHERNET);
	cr_expect_eq(net_decode(d, &pk, &o, &sk), RC_NOTFOUND);
	cr_expect_eq(sk, NET_SKIP_VLAN_DEPTH);
	cr_expect_eq(net_decoder_stats(d)->skipped[NET_SKIP_VLAN_DEPTH], 1);
	net_decoder_free(d);
}

Test(netdecode, ipv4_options_are_skipped_by_ihl)
{
	struct net_decoder *d = net_decoder_new();
	struct fb l4 = {.n = 0}, ip = {.n = 0};
	struct pcapio_pkt pk;
	struct net_pkt o;
	enum net_skip sk;

	udp(&l4, 500, 500, ike_payload, sizeof(ike_payload));
	ip4(&ip, "192.0.2.1", "192.0.2.2", 17, 1, 0, 12, &l4);
	pk = mkpkt(&ip, PCAPIO_LT_RAW);
	cr_assert_eq(net_decode(d, &pk, &o, &sk), RC_OK);
	cr_expect_eq(o.sport, 500);
	cr_expect_arr_eq(o.payload, ike_payload, sizeof(ike_payload));
	ip.b[0] = 0x44; /* IHL 4 < 5 */
	cr_expect_eq(net_decode(d, &pk, &o, &sk), RC_MALFORMED);
	cr_expect_eq(sk, NET_SKIP_BAD_IPV4);
	net_decoder_free(d);
}

Test(netdecode, udp_length_field_bounds_the_payload)
{
	struct net_decoder *d = net_decoder_new();
	struct fb l4 = {.n = 0}, ip = {.n = 0}, fr = {.n = 0};
	struct pcapio_pkt pk;
	struct net_pkt o;
	enum net_skip sk;

	udp(&l4, 500, 500, ike_payload, sizeof(ike_payload));
	l4.b[5] = 8 + 10; /* UDP says 10 bytes of payload; IP holds more */
	ip4(&ip, "192.0.2.1", "192.0.2.2", 17, 1, 0, 0, &l4);
	link_wrap(&fr, PCAPIO_LT_ETHERNET, 4, &ip);
	for (int i = 0; i < 18; i++)
		p8(&fr, 0); /* Ethernet padding past the IP length */
	pk = mkpkt(&fr, PCAPIO_LT_ETHERNET);
	cr_assert_eq(net_decode(d, &pk, &o, &sk), RC_OK);
	cr_expect_eq(o.payload_len, 10);
	cr_expect_eq(o.udp_len_claimed, 18);
	l4.b[5] = 200; /* UDP longer than the IP payload */
	ip.n = 0;
	ip4(&ip, "192.0.2.1", "192.0.2.2", 17, 1, 0, 0, &l4);
	pk = mkpkt(&ip, PCAPIO_LT_RAW);
	cr_expect_eq(net_decode(d, &pk, &o, &sk), RC_MALFORMED);
	cr_expect_eq(sk, NET_SKIP_BAD_UDP);
	l4.b[5] = 7; /* shorter than its own header */
	ip.n = 0;
	ip4(&ip, "192.0.2.1", "192.0.2.2", 17, 1, 0, 0, &l4);
	pk = mkpkt(&ip, PCAPIO_LT_RAW);
	cr_expect_eq(net_decode(d, &pk, &o, &sk), RC_MALFORMED);
	cr_expect_eq(net_decoder_stats(d)->malformed, 2);
	net_decoder_free(d);
}

Test(netdecode, snap_cut_udp_payload_is_delivered_marked_truncated)
{
	struct net_decoder *d = net_decoder_new();
	struct fb l4 = {.n = 0}, ip = {.n = 0};
	struct pcapio_pkt pk;
	struct net_pkt o;
	enum net_skip sk;

	udp(&l4, 500, 500, ike_payload, sizeof(ike_payload));
	ip4(&ip, "192.0.2.1", "192.0.2.2", 17, 1, 0, 0, &l4);
	pk = mkpkt(&ip, PCAPIO_LT_RAW);
	pk.caplen = 20 + 8 + 5;
	cr_assert_eq(net_decode(d, &pk, &o, &sk), RC_OK);
	cr_expect(o.truncated);
	cr_expect_eq(o.payload_len, 5);
	cr_expect_eq(o.udp_len_claimed, 8 + sizeof(ike_payload));
	cr_expect_eq(net_decoder_stats(d)->delivered_truncated, 1);
	pk.caplen = 20 + 4; /* cut inside the UDP header */
	cr_expect_eq(net_decode(d, &pk, &o, &sk), RC_TRUNCATED);
	cr_expect_eq(sk, NET_SKIP_TRUNCATED);
	pk.wirelen = pk.caplen; /* the same bytes, not cut: malformed */
	cr_expect_eq(net_decode(d, &pk, &o, &sk), RC_MALFORMED);
	cr_expect_eq(net_decoder_stats(d)->truncated, 1);
	cr_expect_eq(net_decoder_stats(d)->malformed, 1);
	net_decoder_free(d);
}

/* IPv6 extension header of type-independent layout, len in 8-byte units
 * after the first 8 bytes. */
static void
ext6(struct fb *f, unsigned next, unsigned units)
{
	p8(f, next);
	p8(f, units);
	for (unsigned i = 0; i < 6 + units * 8; i++)
		p8(f, i == 0 ? 1 : 0); /* PadN-ish filler */
}

static void
frag6(struct fb *f, unsigned next, unsigned off, bool more, uint32_t id)
{
	p8(f, next);
	p8(f, 0);
	p16(f, off | (more ? 1u : 0u));
	p32(f, id);
}

Test(netdecode, ipv6_hop_by_hop_destination_and_atomic_fragment_headers)
{
	struct net_decoder *d = net_decoder_new();
	struct fb body = {.n = 0}, ip = {.n = 0};
	struct pcapio_pkt pk;
	struct net_pkt o;
	enum net_skip sk;

	ext6(&body, 60, 1);  /* hop-by-hop (16 bytes) -> dest opts */
	ext6(&body, 44, 0);  /* dest opts (8) -> fragment */
	frag6(&body, 43, 0, false, 5); /* atomic fragment -> routing */
	ext6(&body, 17, 2);  /* routing (24) -> UDP */
	udp(&body, 500, 500, ike_payload, sizeof(ike_payload));
	ip6(&ip, "fe80::1", "ff02::1", 0, &body);
	pk = mkpkt(&ip, PCAPIO_LT_IPV6);
	cr_assert_eq(net_decode(d, &pk, &o, &sk), RC_OK, "%s",
	    net_skip_name(sk));
	cr_expect_eq(o.sport, 500);
	cr_expect_arr_eq(o.payload, ike_payload, sizeof(ike_payload));
	cr_expect_not(o.reassembled);
	net_decoder_free(d);
}

Test(netdecode, ipv6_extension_header_chain_longer_than_the_limit_is_skipped)
{
	struct net_decoder *d = net_decoder_new();
	struct fb body = {.n = 0}, ip = {.n = 0};
	struct pcapio_pkt pk;
	struct net_pkt o;
	enum net_skip sk;

	for (unsigned i = 0; i < LIMIT_IPV6_EXT_HEADERS + 1; i++)
		ext6(&body, 60, 0);
	udp(&body, 500, 500, ike_payload, sizeof(ike_payload));
	ip6(&ip, "2001:db8::1", "2001:db8::2", 60, &body);
	pk = mkpkt(&ip, PCAPIO_LT_IPV6);
	cr_expect_eq(net_decode(d, &pk, &o, &sk), RC_NOTFOUND);
	cr_expect_eq(sk, NET_SKIP_IPV6_EXT_DEPTH);
	net_decoder_free(d);
}

Test(netdecode, other_protocols_and_link_types_are_skipped_by_reason)
{
	struct net_decoder *d = net_decoder_new();
	struct fb l4 = {.n = 0}, ip = {.n = 0}, fr = {.n = 0};
	struct pcapio_pkt pk;
	struct net_pkt o;
	enum net_skip sk;

	udp(&l4, 500, 500, ike_payload, sizeof(ike_payload));
	ip4(&ip, "192.0.2.1", "192.0.2.2", 6, 1, 0, 0, &l4); /* "TCP" */
	pk = mkpkt(&ip, PCAPIO_LT_RAW);
	cr_expect_eq(net_decode(d, &pk, &o, &sk), RC_NOTFOUND);
	cr_expect_eq(sk, NET_SKIP_IP_PROTOCOL);
	pk.linktype = 105; /* 802.11 */
	cr_expect_eq(net_decode(d, &pk, &o, &sk), RC_NOTFOUND);
	cr_expect_eq(sk, NET_SKIP_LINKTYPE);
	link_wrap(&fr, PCAPIO_LT_ETHERNET, 4, &ip);
	fr.b[12] = 0x08;
	fr.b[13] = 0x06; /* ARP */
	pk = mkpkt(&fr, PCAPIO_LT_ETHERNET);
	cr_expect_eq(net_decode(d, &pk, &o, &sk), RC_NOTFOUND);
	cr_expect_eq(sk, NET_SKIP_NOT_IP);
	cr_expect_eq(net_decoder_stats(d)->frames, 3);
	cr_expect_eq(net_decoder_stats(d)->skipped[NET_SKIP_LINKTYPE], 1);
	cr_expect_str_eq(net_skip_name(NET_SKIP_NOT_IP), "NOT_IP");
	cr_expect_str_eq(net_skip_name((enum net_skip)999), "UNKNOWN");
	cr_expect_not_null(net_skip_text(NET_SKIP__COUNT));
	net_decoder_free(d);
}

Test(netdecode, icmp_port_unreachable_quoting_ike_gives_inner_ports)
{
	struct net_decoder *d = net_decoder_new();
	struct fb in = {.n = 0}, inip = {.n = 0}, icmp = {.n = 0};
	struct fb ip = {.n = 0};
	struct pcapio_pkt pk;
	struct net_pkt o;
	enum net_skip sk;

	udp(&in, 500, 500, ike_payload, 8);
	inip.n = 0;
	ip4(&inip, "192.0.2.1", "198.51.100.9", 17, 3, 0, 0, &in);
	p8(&icmp, 3);
	p8(&icmp, 3);
	p16(&icmp, 0);
	p32(&icmp, 0);
	put(&icmp, inip.b, inip.n);
	ip4(&ip, "198.51.100.9", "192.0.2.1", 1, 4, 0, 0, &icmp);
	pk = mkpkt(&ip, PCAPIO_LT_RAW);
	cr_assert_eq(net_decode(d, &pk, &o, &sk), RC_OK, "%s",
	    net_skip_name(sk));
	cr_expect_eq(o.l4, NET_L4_ICMP_UNREACH);
	cr_expect_eq(o.icmp_type, 3);
	cr_expect_eq(o.icmp_code, 3);
	cr_expect_str_eq(astr(&o.inner_src), "192.0.2.1");
	cr_expect_str_eq(astr(&o.inner_dst), "198.51.100.9");
	cr_expect_eq(o.inner_sport, 500);
	cr_expect_eq(o.inner_dport, 500);
	cr_expect_eq(o.payload_len, 8);
	icmp.b[0] = 8; /* echo request */
	ip.n = 0;
	ip4(&ip, "198.51.100.9", "192.0.2.1", 1, 4, 0, 0, &icmp);
	pk = mkpkt(&ip, PCAPIO_LT_RAW);
	cr_expect_eq(net_decode(d, &pk, &o, &sk), RC_NOTFOUND);
	cr_expect_eq(sk, NET_SKIP_ICMP_OTHER);
	net_decoder_free(d);
}

Test(netdecode, icmpv6_unreachable_quoting_udp_4500_gives_inner_addresses)
{
	struct net_decoder *d = net_decoder_new();
	struct fb in = {.n = 0}, inip = {.n = 0}, icmp = {.n = 0};
	struct fb ip = {.n = 0};
	struct pcapio_pkt pk;
	struct net_pkt o;
	enum net_skip sk;

	ext6(&in, 17, 0);
	udp(&in, 4500, 4501, ike_payload, 12);
	ip6(&inip, "2001:db8::a", "2001:db8::b", 60, &in);
	p8(&icmp, 1);
	p8(&icmp, 4);
	p16(&icmp, 0);
	p32(&icmp, 0);
	put(&icmp, inip.b, inip.n);
	ip6(&ip, "2001:db8::b", "2001:db8::a", 58, &icmp);
	pk = mkpkt(&ip, PCAPIO_LT_IPV6);
	cr_assert_eq(net_decode(d, &pk, &o, &sk), RC_OK, "%s",
	    net_skip_name(sk));
	cr_expect_eq(o.l4, NET_L4_ICMP_UNREACH);
	cr_expect_eq(o.ipproto, 58);
	cr_expect_eq(o.icmp_code, 4);
	cr_expect_str_eq(astr(&o.inner_src), "2001:db8::a");
	cr_expect_eq(o.inner_sport, 4500);
	cr_expect_eq(o.inner_dport, 4501);
	net_decoder_free(d);
}

/* RFC 4302 AH with a 12-byte ICV: 24 bytes, payload length 4. */
static void
ah(struct fb *f, unsigned next)
{
	p8(f, next);
	p8(f, 4);
	p16(f, 0);
	p32(f, 0x1000);
	p32(f, 1);
	for (int i = 0; i < 12; i++)
		p8(f, 0xcc);
}

Test(netdecode, esp_and_udp_behind_an_authentication_header_are_found)
{
	struct net_decoder *d = net_decoder_new();
	struct fb body = {.n = 0}, ip = {.n = 0};
	struct pcapio_pkt pk;
	struct net_pkt o;
	enum net_skip sk;

	ah(&body, 50);
	esp(&body, 0x48dac2e4u);
	ip4(&ip, "10.0.0.1", "10.0.0.2", 51, 1, 0, 0, &body);
	pk = mkpkt(&ip, PCAPIO_LT_RAW);
	cr_assert_eq(net_decode(d, &pk, &o, &sk), RC_OK, "%s",
	    net_skip_name(sk));
	cr_expect_eq(o.l4, NET_L4_ESP);
	cr_expect_eq(o.ipproto, 50);
	cr_expect_eq(o.payload_len, 24);
	cr_expect_eq(o.payload[0], 0x48);
	body.n = ip.n = 0;
	ext6(&body, 51, 0);
	ah(&body, 17);
	udp(&body, 500, 500, ike_payload, sizeof(ike_payload));
	ip6(&ip, "2001:db8::1", "2001:db8::2", 0, &body);
	pk = mkpkt(&ip, PCAPIO_LT_RAW);
	cr_assert_eq(net_decode(d, &pk, &o, &sk), RC_OK, "%s",
	    net_skip_name(sk));
	cr_expect_eq(o.dport, 500);
	ip.b[40 + 8 + 1] = 200; /* AH longer than the packet */
	cr_expect_eq(net_decode(d, &pk, &o, &sk), RC_MALFORMED);
	cr_expect_eq(sk, NET_SKIP_BAD_AH);
	net_decoder_free(d);
}

/* ---- fragments ------------------------------------------------------ */

/* The IPv4 datagram's UDP bytes (header + payload) split in 3 pieces. */
static struct fb big_udp;

static void
make_big_udp(size_t plen)
{
	uint8_t pl[4000];

	for (size_t i = 0; i < plen; i++)
		pl[i] = (uint8_t)(i * 7);
	big_udp.n = 0;
	udp(&big_udp, 500, 500, pl, plen);
}

/* Raw IPv4 fragment of big_udp: bytes [off, off+len). */
static struct pcapio_pkt
frag4(struct fb *ip, unsigned id, size_t off, size_t len, bool more,
    uint64_t frame, int64_t ts)
{
	struct fb piece = {.n = 0};
	struct pcapio_pkt pk;

	put(&piece, big_udp.b + off, len);
	ip->n = 0;
	ip4(ip, "192.0.2.1", "192.0.2.2", 17, id,
	    (unsigned)(off / 8) | (more ? 0x2000u : 0u), 0, &piece);
	pk = mkpkt(ip, PCAPIO_LT_RAW);
	pk.frame = frame;
	pk.ts_sec = ts;
	return pk;
}

struct fr_plan {
	size_t off, len;
	bool more;
};

/* Feeds pieces in the given order; returns the last rc. */
static enum rc
feed(struct net_decoder *d, unsigned id, const struct fr_plan *p,
    const int *order, size_t n, struct net_pkt *o, enum net_skip *sk)
{
	static struct fb ip[8];
	struct pcapio_pkt pk;
	enum rc rc = RC_NOTFOUND;

	for (size_t i = 0; i < n; i++) {
		const struct fr_plan *q = &p[order[i]];

		pk = frag4(&ip[i], id, q->off, q->len, q->more,
		    (uint64_t)(10 + order[i]), 100);
		rc = net_decode(d, &pk, o, sk);
		if (i + 1 < n)
			cr_expect_eq(rc, RC_NOTFOUND, "piece %zu: %s", i,
			    rc_name(rc));
	}
	return rc;
}

static const struct fr_plan plan3[] = {{0, 1480, true}, {1480, 1480, true},
    {2960, 3008 - 2960, false}};

static void
expect_big(const struct net_pkt *o)
{
	cr_expect_eq(o->l4, NET_L4_UDP);
	cr_expect(o->reassembled);
	cr_expect_eq(o->fragments, 3);
	cr_expect_eq(o->first_frame, 10, "frame of the earliest fragment");
	cr_expect_eq(o->payload_len, 3000);
	cr_expect_arr_eq(o->payload, big_udp.b + 8, 3000);
}

Test(netdecode, ipv4_fragments_in_order_reversed_and_duplicated_reassemble)
{
	static const int in_order[] = {0, 1, 2}, reversed[] = {2, 1, 0},
	    dup[] = {1, 0, 1, 2};
	struct net_decoder *d = net_decoder_new();
	struct net_pkt o;
	enum net_skip sk;

	make_big_udp(3000);
	cr_assert_eq(feed(d, 1, plan3, in_order, 3, &o, &sk), RC_OK);
	expect_big(&o);
	cr_assert_eq(feed(d, 2, plan3, reversed, 3, &o, &sk), RC_OK);
	expect_big(&o);
	cr_assert_eq(feed(d, 3, plan3, dup, 4, &o, &sk), RC_OK);
	expect_big(&o);
	cr_expect_eq(net_decoder_stats(d)->frag_reassembled, 3);
	cr_expect_eq(net_decoder_stats(d)->frag_duplicates, 1);
	cr_expect_eq(net_decoder_stats(d)->frag_fragments, 10);
	cr_expect_eq(net_decoder_stats(d)->skipped[NET_SKIP_FRAGMENT_HELD],
	    7);
	net_decoder_free(d);
}

Test(netdecode, overlapping_fragments_drop_the_datagram_and_are_counted)
{
	static const struct fr_plan ovl[] = {{0, 1480, true},
	    {1472, 1480, true}, {2952, 56, false}};
	static const int order[] = {0, 1};
	struct net_decoder *d = net_decoder_new();
	struct net_pkt o;
	enum net_skip sk;

	make_big_udp(3000);
	cr_expect_eq(feed(d, 1, ovl, order, 2, &o, &sk), RC_NOTFOUND);
	cr_expect_eq(sk, NET_SKIP_FRAGMENT_DROPPED);
	cr_expect_eq(net_decoder_stats(d)->frag_overlaps, 1);
	net_decoder_free(d);
}

Test(netdecode, a_datagram_never_completed_times_out_on_expire)
{
	static const int order[] = {0, 1};
	struct net_decoder *d = net_decoder_new();
	struct net_pkt o;
	enum net_skip sk;

	make_big_udp(3000);
	cr_expect_eq(feed(d, 1, plan3, order, 2, &o, &sk), RC_NOTFOUND);
	net_decoder_expire(d, 100 + LIMIT_FRAG_AGE_SEC);
	cr_expect_eq(net_decoder_stats(d)->frag_dropped_timeout, 0);
	net_decoder_expire(d, 100 + LIMIT_FRAG_AGE_SEC + 1);
	cr_expect_eq(net_decoder_stats(d)->frag_dropped_timeout, 1);
	net_decoder_free(d);
}

Test(netdecode, more_open_datagrams_than_the_table_holds_evicts_oldest)
{
	struct net_decoder *d = net_decoder_new();
	static struct fb ip;
	struct pcapio_pkt pk;
	struct net_pkt o;
	enum net_skip sk;

	make_big_udp(3000);
	for (unsigned id = 0; id < LIMIT_FRAG_DATAGRAMS + 1; id++) {
		pk = frag4(&ip, id, 0, 1480, true, id + 1, 100);
		cr_assert_eq(net_decode(d, &pk, &o, &sk), RC_NOTFOUND);
	}
	cr_expect_eq(net_decoder_stats(d)->frag_dropped_limit, 1);
	/* id 0 was evicted: its last piece cannot complete it (and opens
	 * a new datagram, which evicts id 1). */
	pk = frag4(&ip, 0, 1480, 1528, false, 5000, 100);
	cr_expect_eq(net_decode(d, &pk, &o, &sk), RC_NOTFOUND);
	cr_expect_eq(net_decoder_stats(d)->frag_dropped_limit, 2);
	/* id 2 survived. */
	pk = frag4(&ip, 2, 1480, 1528, false, 5001, 100);
	cr_expect_eq(net_decode(d, &pk, &o, &sk), RC_OK);
	cr_expect_eq(o.first_frame, 3);
	net_decoder_free(d);
}

Test(netdecode, reassembly_beyond_65535_bytes_is_dropped_and_counted)
{
	struct net_decoder *d = net_decoder_new();
	static struct fb ip;
	struct pcapio_pkt pk;
	struct net_pkt o;
	enum net_skip sk;

	make_big_udp(3000);
	pk = frag4(&ip, 7, 0, 1480, true, 1, 100);
	cr_assert_eq(net_decode(d, &pk, &o, &sk), RC_NOTFOUND);
	/* Offset 65528 (the largest) + 1480 bytes. */
	pk = frag4(&ip, 7, 0, 1480, false, 2, 100);
	ip.b[6] = 0x1f;
	ip.b[7] = 0xff;
	cr_expect_eq(net_decode(d, &pk, &o, &sk), RC_NOTFOUND);
	cr_expect_eq(sk, NET_SKIP_FRAGMENT_DROPPED);
	cr_expect_eq(net_decoder_stats(d)->frag_dropped_limit, 1);
	net_decoder_free(d);
}

Test(netdecode, ipv6_fragments_after_hop_by_hop_reassemble)
{
	struct net_decoder *d = net_decoder_new();
	static struct fb ip[2];
	struct fb body;
	struct pcapio_pkt pk;
	struct net_pkt o;
	enum net_skip sk;

	make_big_udp(2000);
	for (int i = 1; i >= 0; i--) {
		size_t off = i == 0 ? 0 : 1232, len = i == 0 ? 1232 :
		    big_udp.n - 1232;

		body.n = 0;
		ext6(&body, 44, 0);
		frag6(&body, 17, (unsigned)off, i == 0, 0xabcdef);
		put(&body, big_udp.b + off, len);
		ip[i].n = 0;
		ip6(&ip[i], "2001:db8::1", "2001:db8::2", 0, &body);
		pk = mkpkt(&ip[i], PCAPIO_LT_IPV6);
		pk.frame = (uint64_t)(20 - i);
		cr_assert_eq(net_decode(d, &pk, &o, &sk),
		    i == 0 ? RC_OK : RC_NOTFOUND, "piece %d: %s", i,
		    net_skip_name(sk));
	}
	cr_expect(o.reassembled);
	cr_expect_eq(o.first_frame, 19);
	cr_expect_eq(o.payload_len, 2000);
	cr_expect_arr_eq(o.payload, big_udp.b + 8, 2000);
	net_decoder_free(d);
}

/* ---- mutation ------------------------------------------------------- */

static void
cut_everywhere(const struct fb *fr, uint32_t lt)
{
	struct net_decoder *d = net_decoder_new();
	struct pcapio_pkt pk = mkpkt(fr, lt);
	struct net_pkt o;
	enum net_skip sk;
	enum rc rc;

	for (size_t len = 0; len <= fr->n; len++) {
		pk.caplen = (uint32_t)len;
		pk.wirelen = (uint32_t)fr->n;
		rc = net_decode(d, &pk, &o, &sk);
		cr_expect(rc == RC_OK || rc == RC_NOTFOUND ||
		    rc == RC_TRUNCATED || rc == RC_MALFORMED);
		if (rc == RC_OK)
			cr_expect_leq(o.payload_len, len);
		pk.wirelen = (uint32_t)len; /* not cut: never TRUNCATED */
		rc = net_decode(d, &pk, &o, &sk);
		cr_expect_neq(rc, RC_TRUNCATED, "len %zu", len);
	}
	net_decoder_free(d);
}

Test(netdecode, a_frame_cut_at_every_length_never_crashes)
{
	static struct fb l4, ip, fr;

	for (size_t i = 0; i < sizeof(all_links) / sizeof(all_links[0]); i++)
		for (int fam = 4; fam <= 6; fam += 2)
			for (int e = 0; e < 2; e++) {
				l4.n = ip.n = fr.n = 0;
				if (e)
					esp(&l4, 1);
				else
					udp(&l4, 500, 500, ike_payload,
					    sizeof(ike_payload));
				if (fam == 4)
					ip4(&ip, "1.2.3.4", "5.6.7.8",
					    e ? 50 : 17, 1, 0, 8, &l4);
				else
					ip6(&ip, "::1", "::2", e ? 50 : 17,
					    &l4);
				link_wrap(&fr, all_links[i], fam, &ip);
				cut_everywhere(&fr, all_links[i]);
			}
}

Test(netdecode, flipped_length_bytes_never_crash)
{
	struct net_decoder *d = net_decoder_new();
	static struct fb body, ip;
	struct pcapio_pkt pk;
	struct net_pkt o;
	enum net_skip sk;

	ext6(&body, 60, 1);
	ext6(&body, 17, 0);
	udp(&body, 500, 500, ike_payload, sizeof(ike_payload));
	ip6(&ip, "2001:db8::1", "2001:db8::2", 0, &body);
	for (size_t pos = 0; pos < ip.n; pos++)
		for (unsigned v = 0; v < 256; v += 17) {
			uint8_t keep = ip.b[pos];
			enum rc rc;

			ip.b[pos] = (uint8_t)v;
			pk = mkpkt(&ip, PCAPIO_LT_RAW);
			rc = net_decode(d, &pk, &o, &sk);
			cr_expect(rc == RC_OK || rc == RC_NOTFOUND ||
			    rc == RC_MALFORMED);
			if (rc == RC_OK && o.l4 == NET_L4_UDP)
				cr_expect_leq(o.payload_len, ip.n);
			ip.b[pos] = keep;
		}
	net_decoder_free(d);
}

/* ---- addresses ------------------------------------------------------ */

Test(netdecode, addresses_format_compare_and_order)
{
	struct net_addr a = {.family = 6}, b = {.family = 6}, c4 = {
	    .family = 4, .bytes = {192, 0, 2, 1}};
	char s[64];

	inet_pton(AF_INET6, "2001:db8:0:0:1:0:0:1", a.bytes);
	inet_pton(AF_INET6, "2001:db8::2", b.bytes);
	cr_expect_str_eq(net_addr_str(&a, s, sizeof(s)), "2001:db8::1:0:0:1");
	cr_expect_str_eq(net_addr_str(&c4, s, sizeof(s)), "192.0.2.1");
	cr_expect_not(net_addr_eq(&a, &b));
	cr_expect(net_addr_eq(&a, &a));
	cr_expect_lt(net_addr_cmp(&c4, &a), 0, "IPv4 sorts before IPv6");
	cr_expect_gt(net_addr_cmp(&a, &b), 0, "::1:0:0:1 > ::2");
	cr_expect_lt(net_addr_cmp(&b, &a), 0);
	cr_expect_eq(net_addr_cmp(&a, &a), 0);
	c4.bytes[5] = 9; /* bytes past the family's length are ignored */
	b = c4;
	b.bytes[5] = 1;
	cr_expect(net_addr_eq(&c4, &b));
	cr_expect_str_eq(net_addr_str(&(struct net_addr){0}, s, sizeof(s)),
	    "unset");
}
