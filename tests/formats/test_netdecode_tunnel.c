/*
 * netdecode, tunnels: IKE and ESP inside IP in IP, GRE, VXLAN, Geneve and
 * GTP-U frames built by hand decode as the inner datagram; look-alikes
 * stay plain UDP; nesting, bad headers and cut frames are counted.
 */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <string.h>

#include "formats/limits.h"
#include "formats/netdecode.h"

struct fb {
	uint8_t b[4096];
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

static const uint8_t ike[] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
    0x88, 0, 0, 0, 0, 0, 0, 0, 0, 0x21, 0x20, 0x22, 0x08, 0, 0, 0, 0, 0, 0,
    0, 28};

static void
udp(struct fb *f, unsigned sp, unsigned dp, const struct fb *body)
{
	p16(f, sp);
	p16(f, dp);
	p16(f, (unsigned)(8 + body->n));
	p16(f, 0);
	put(f, body->b, body->n);
}

static void
ip4(struct fb *f, const char *src, const char *dst, unsigned proto,
    const struct fb *body)
{
	p8(f, 0x45);
	p8(f, 0);
	p16(f, (unsigned)(20 + body->n));
	p32(f, 0);
	p8(f, 64);
	p8(f, proto);
	p16(f, 0);
	paddr(f, 4, src);
	paddr(f, 4, dst);
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

static void
ether(struct fb *f, unsigned type, const struct fb *body)
{
	static const uint8_t mac[12] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2};

	put(f, mac, 12);
	p16(f, type);
	put(f, body->b, body->n);
}

/* The inner datagrams: IKE on 500 over IPv4, ESP over IPv6. */
static struct fb
inner_ike4(void)
{
	struct fb pl = {.n = 0}, u = {.n = 0}, ip = {.n = 0};

	put(&pl, ike, sizeof(ike));
	udp(&u, 500, 500, &pl);
	ip4(&ip, "10.1.1.1", "10.2.2.2", 17, &u);
	return ip;
}

static struct fb
inner_esp6(void)
{
	struct fb e = {.n = 0}, ip = {.n = 0};

	p32(&e, 0xc0ffee01u);
	p32(&e, 9);
	for (int i = 0; i < 16; i++)
		p8(&e, 0xa0 + i);
	ip6(&ip, "2001:db8:a::1", "2001:db8:b::2", 50, &e);
	return ip;
}

/* outer Ethernet / IPv4 192.0.2.1 > 198.51.100.2 / proto / body */
static struct fb
outer4(unsigned proto, const struct fb *body)
{
	struct fb ip = {.n = 0}, fr = {.n = 0};

	ip4(&ip, "192.0.2.1", "198.51.100.2", proto, body);
	ether(&fr, 0x0800, &ip);
	return fr;
}

static struct fb
outer_udp4(unsigned dport, const struct fb *body)
{
	struct fb u = {.n = 0};

	udp(&u, 33333, dport, body);
	return outer4(17, &u);
}

static enum rc
decode(const struct fb *fr, size_t caplen, struct net_pkt *o,
    enum net_skip *sk, struct net_decoder *d)
{
	struct pcapio_pkt p = {.frame = 1, .ts_sec = 1000, .caplen =
	    (uint32_t)caplen, .wirelen = (uint32_t)fr->n, .linktype =
	    PCAPIO_LT_ETHERNET, .data = fr->b};

	return net_decode(d, &p, o, sk);
}

static void
expect_ike4(const struct fb *fr, enum net_tunnel kind)
{
	struct net_decoder *d = net_decoder_new();
	struct net_pkt o;
	enum net_skip sk;
	char a[64], b[64];

	cr_assert_eq(decode(fr, fr->n, &o, &sk, d), RC_OK, "%s",
	    net_skip_name(sk));
	cr_expect_eq(o.l4, NET_L4_UDP);
	cr_expect_str_eq(net_addr_str(&o.src, a, sizeof(a)), "10.1.1.1");
	cr_expect_str_eq(net_addr_str(&o.dst, b, sizeof(b)), "10.2.2.2");
	cr_expect_eq(o.sport, 500);
	cr_expect_eq(o.dport, 500);
	cr_expect_eq(o.udp_len_claimed, 8 + sizeof(ike));
	cr_expect_eq(o.payload_len, sizeof(ike));
	cr_expect_arr_eq(o.payload, ike, sizeof(ike));
	cr_expect_eq(o.tunnel, kind, "%s", net_tunnel_name(o.tunnel));
	cr_expect_eq(net_decoder_stats(d)->decapsulated[kind], 1);
	net_decoder_free(d);
}

static void
expect_esp6(const struct fb *fr, enum net_tunnel kind)
{
	struct net_decoder *d = net_decoder_new();
	struct net_pkt o;
	enum net_skip sk;
	char a[64];

	cr_assert_eq(decode(fr, fr->n, &o, &sk, d), RC_OK, "%s",
	    net_skip_name(sk));
	cr_expect_eq(o.l4, NET_L4_ESP);
	cr_expect_str_eq(net_addr_str(&o.dst, a, sizeof(a)), "2001:db8:b::2");
	cr_expect_eq(o.sport, 0, "the outer UDP ports are not the ESP's");
	cr_expect_eq(o.dport, 0);
	cr_expect_eq(o.payload_len, 24);
	cr_expect_eq(o.payload[0], 0xc0);
	cr_expect_eq(o.tunnel, kind);
	net_decoder_free(d);
}

Test(tunnel, ip_in_ip_and_ipv6_in_ipv4)
{
	struct fb in = inner_ike4(), fr = outer4(4, &in);
	struct fb in6 = inner_esp6(), fr6 = outer4(41, &in6);

	expect_ike4(&fr, NET_TUN_IPIP);
	expect_esp6(&fr6, NET_TUN_IPIP);
}

Test(tunnel, gre_with_checksum_key_and_sequence)
{
	struct fb in = inner_ike4(), g = {.n = 0}, fr;
	struct fb in6 = inner_esp6(), g6 = {.n = 0}, fr6;

	p16(&g, 0x0000);
	p16(&g, 0x0800);
	put(&g, in.b, in.n);
	fr = outer4(47, &g);
	expect_ike4(&fr, NET_TUN_GRE);

	p16(&g6, 0xb000); /* C, K, S */
	p16(&g6, 0x86dd);
	p32(&g6, 0);
	p32(&g6, 0x1234);
	p32(&g6, 7);
	put(&g6, in6.b, in6.n);
	fr6 = outer4(47, &g6);
	expect_esp6(&fr6, NET_TUN_GRE);
}

Test(tunnel, gre_carrying_ethernet)
{
	struct fb in = inner_ike4(), e = {.n = 0}, g = {.n = 0}, fr;

	ether(&e, 0x0800, &in);
	p16(&g, 0x2000);
	p16(&g, 0x6558);
	p32(&g, 99);
	put(&g, e.b, e.n);
	fr = outer4(47, &g);
	expect_ike4(&fr, NET_TUN_GRE);
}

Test(tunnel, vxlan_and_geneve)
{
	struct fb in = inner_ike4(), e = {.n = 0}, vx = {.n = 0}, gn = {.n = 0};
	struct fb fr;

	ether(&e, 0x0800, &in);
	p32(&vx, 0x08000000u);
	p32(&vx, 0x00123400u);
	put(&vx, e.b, e.n);
	fr = outer_udp4(4789, &vx);
	expect_ike4(&fr, NET_TUN_VXLAN);

	p8(&gn, 0x02); /* version 0, two 4-byte words of options */
	p8(&gn, 0);
	p16(&gn, 0x6558);
	p32(&gn, 0x00123400u);
	p32(&gn, 0x01020304u);
	p32(&gn, 0x05060708u);
	put(&gn, e.b, e.n);
	fr = outer_udp4(6081, &gn);
	expect_ike4(&fr, NET_TUN_GENEVE);
}

Test(tunnel, gtpu_with_and_without_extension_headers)
{
	struct fb in6 = inner_esp6(), g = {.n = 0}, fr;

	p8(&g, 0x30); /* version 1, PT 1 */
	p8(&g, 255);
	p16(&g, (unsigned)in6.n);
	p32(&g, 0xdeadbeef);
	put(&g, in6.b, in6.n);
	fr = outer_udp4(2152, &g);
	expect_esp6(&fr, NET_TUN_GTPU);

	g.n = 0;
	p8(&g, 0x34); /* E: an extension header follows */
	p8(&g, 255);
	p16(&g, (unsigned)(in6.n + 8));
	p32(&g, 0xdeadbeef);
	p16(&g, 0);
	p8(&g, 0);
	p8(&g, 0x85); /* PDU session container */
	p8(&g, 1);    /* 4 bytes */
	p8(&g, 0x10);
	p8(&g, 0x09);
	p8(&g, 0);    /* no more */
	put(&g, in6.b, in6.n);
	fr = outer_udp4(2152, &g);
	expect_esp6(&fr, NET_TUN_GTPU);
}

Test(tunnel, look_alikes_stay_plain_udp)
{
	struct net_decoder *d = net_decoder_new();
	struct fb junk = {.n = 0}, fr;
	struct net_pkt o;
	enum net_skip sk;

	p32(&junk, 0x00000000u); /* VXLAN without the I flag */
	p32(&junk, 0);
	fr = outer_udp4(4789, &junk);
	cr_assert_eq(decode(&fr, fr.n, &o, &sk, d), RC_OK);
	cr_expect_eq(o.l4, NET_L4_UDP);
	cr_expect_eq(o.dport, 4789);
	cr_expect_eq(o.tunnel, NET_TUN_NONE);

	junk.n = 0;
	p8(&junk, 0x50); /* GTP version 2: GTP-C, not GTP-U */
	p8(&junk, 1);
	p16(&junk, 4);
	p32(&junk, 0);
	fr = outer_udp4(2152, &junk);
	cr_assert_eq(decode(&fr, fr.n, &o, &sk, d), RC_OK);
	cr_expect_eq(o.dport, 2152);
	cr_expect_eq(o.tunnel, NET_TUN_NONE);
	net_decoder_free(d);
}

Test(tunnel, what_is_not_peeled_is_counted)
{
	struct net_decoder *d = net_decoder_new();
	struct fb in = inner_ike4(), g = {.n = 0}, fr;
	struct net_pkt o;
	enum net_skip sk;

	p8(&g, 0x32); /* GTP-U echo request: no user datagram */
	p8(&g, 1);
	p16(&g, 4);
	p32(&g, 0);
	p32(&g, 0);
	fr = outer_udp4(2152, &g);
	cr_expect_eq(decode(&fr, fr.n, &o, &sk, d), RC_NOTFOUND);
	cr_expect_eq(sk, NET_SKIP_TUNNEL_PAYLOAD);

	g.n = 0;
	p16(&g, 0x4000); /* GRE with routing (RFC 1701) */
	p16(&g, 0x0800);
	put(&g, in.b, in.n);
	fr = outer4(47, &g);
	cr_expect_eq(decode(&fr, fr.n, &o, &sk, d), RC_NOTFOUND);
	cr_expect_eq(sk, NET_SKIP_TUNNEL_PAYLOAD);

	g.n = 0;
	p16(&g, 0);
	p16(&g, 0x0806); /* ARP over GRE */
	p32(&g, 0);
	fr = outer4(47, &g);
	cr_expect_eq(decode(&fr, fr.n, &o, &sk, d), RC_NOTFOUND);
	cr_expect_eq(sk, NET_SKIP_TUNNEL_PAYLOAD);
	cr_expect_eq(net_decoder_stats(d)->skipped[NET_SKIP_TUNNEL_PAYLOAD],
	    3);
	net_decoder_free(d);
}

Test(tunnel, nesting_stops_at_the_limit)
{
	struct net_decoder *d = net_decoder_new();
	struct fb cur = inner_ike4(), next, fr;
	struct net_pkt o;
	enum net_skip sk;
	unsigned i;

	for (i = 1; i < LIMIT_TUNNEL_DEPTH; i++) {
		next.n = 0;
		ip4(&next, "192.0.2.9", "192.0.2.10", 4, &cur);
		cur = next;
	}
	fr = outer4(4, &cur); /* LIMIT_TUNNEL_DEPTH tunnels: peeled */
	cr_expect_eq(decode(&fr, fr.n, &o, &sk, d), RC_OK);
	cr_expect_eq(o.dport, 500);
	next.n = 0;
	ip4(&next, "192.0.2.9", "192.0.2.10", 4, &cur);
	fr = outer4(4, &next); /* one more: refused */
	cr_expect_eq(decode(&fr, fr.n, &o, &sk, d), RC_NOTFOUND);
	cr_expect_eq(sk, NET_SKIP_TUNNEL_DEPTH);
	net_decoder_free(d);
}

Test(tunnel, every_cut_of_a_tunneled_frame_is_truncation)
{
	struct net_decoder *d = net_decoder_new();
	struct fb in6 = inner_esp6(), g = {.n = 0}, fr;
	struct net_pkt o;
	enum net_skip sk;
	size_t keep;

	p8(&g, 0x34);
	p8(&g, 255);
	p16(&g, (unsigned)(in6.n + 8));
	p32(&g, 1);
	p16(&g, 0);
	p8(&g, 0);
	p8(&g, 0x85);
	p8(&g, 1);
	p8(&g, 0x10);
	p8(&g, 0x09);
	p8(&g, 0);
	put(&g, in6.b, in6.n);
	fr = outer_udp4(2152, &g);
	/*
	 * Cut inside the outer headers, or after the GTP-U header but before
	 * the ESP header is complete: truncated, never malformed. Cut inside
	 * GTP-U's first 8 bytes, nothing says it is GTP-U: plain UDP on
	 * 2152, marked cut. Past the ESP header: the ESP, marked cut.
	 */
	for (keep = 0; keep < fr.n; keep++) {
		enum rc rc = decode(&fr, keep, &o, &sk, d);

		if (keep >= 42 && keep < 50)
			cr_expect(rc == RC_OK && o.dport == 2152 &&
			    o.tunnel == NET_TUN_NONE && o.truncated,
			    "kept %zu", keep);
		else if (keep < fr.n - 16)
			cr_expect_eq(rc, RC_TRUNCATED, "kept %zu: %s %s", keep,
			    rc_name(rc), net_skip_name(sk));
		else
			cr_expect(rc == RC_OK && o.l4 == NET_L4_ESP &&
			    o.truncated, "kept %zu", keep);
	}
	cr_expect_eq(net_decoder_stats(d)->malformed, 0);
	net_decoder_free(d);
}

Test(tunnel, names)
{
	cr_expect_str_eq(net_tunnel_name(NET_TUN_GTPU), "GTP-U");
	cr_expect_str_eq(net_tunnel_name(NET_TUN_NONE), "none");
	cr_expect_str_eq(net_tunnel_name(NET_TUN__COUNT), "unknown");
}
