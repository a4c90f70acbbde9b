/*
 * Bench generator plumbing: a deterministic PRNG (xoshiro256**), a bounded
 * output byte buffer, and a frame writer that wraps UDP or ESP payloads in
 * IPv4/IPv6 (with fragmentation), Ethernet (optionally 802.1ad+802.1Q,
 * optionally inside VXLAN) or Linux SLL2, and appends them to a pcap or pcapng file through one large
 * stdio buffer. We only write here, never parse, so struct rd is not
 * involved. References: RFC 791, RFC 8200 4.5 (fragment header), RFC 768,
 * pcap/pcapng (draft-ietf-opsawg-pcap, -pcapng), LINKTYPE_LINUX_SLL2.
 */
#ifndef BENCH_GEN_WIRE_H
#define BENCH_GEN_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct grng {
	uint64_t s[4];
};

/* Seeds from one 64-bit value (splitmix64 expansion). */
void grng_seed(struct grng *r, uint64_t seed);
uint64_t grng_next(struct grng *r);
/* Uniform in [0, n); n == 0 returns 0. */
uint32_t grng_below(struct grng *r, uint32_t n);
/* Uniform in [0, 1). */
double grng_unit(struct grng *r);
/* Exponentially distributed with the given mean. */
double grng_exp(struct grng *r, double mean);
void grng_fill(struct grng *r, uint8_t *p, size_t n);

/* Output buffer over caller memory; writes past cap set overflow. */
struct gbuf {
	uint8_t *p;
	size_t len;
	size_t cap;
	bool overflow;
};

void gb_init(struct gbuf *b, uint8_t *mem, size_t cap);
void gb_put8(struct gbuf *b, unsigned v);
void gb_put16(struct gbuf *b, unsigned v);	/* network order */
void gb_put32(struct gbuf *b, uint32_t v);	/* network order */
void gb_putn(struct gbuf *b, const void *p, size_t n);
void gb_zero(struct gbuf *b, size_t n);
void gb_rand(struct gbuf *b, struct grng *r, size_t n);
void gb_patch16(struct gbuf *b, size_t off, unsigned v);
void gb_patch32(struct gbuf *b, size_t off, uint32_t v);

struct gaddr {
	bool v6;
	uint8_t a[16];	/* network order; IPv4 in a[0..3] */
};

void gaddr_v4(struct gaddr *g, unsigned a, unsigned b, unsigned c,
    unsigned d);
/* 2001:db8:<w2>:<w3>::<lo> */
void gaddr_v6(struct gaddr *g, unsigned w2, unsigned w3, unsigned lo);

enum glink { GLINK_ETH, GLINK_SLL2 };
enum gfile { GFILE_PCAP, GFILE_PCAPNG };

struct gout;

/* Opens path for writing. qinq wraps Ethernet frames in 802.1ad+802.1Q.
 * Returns NULL with errno set on failure. */
struct gout *gout_new(const char *path, enum gfile fmt, enum glink link,
    bool qinq);
/* Wraps every Ethernet frame from now on in VXLAN (outer Ethernet, IPv4,
 * UDP 4789), as captured on a hypervisor. */
void gout_set_vxlan(struct gout *o, bool on);
/* Flushes and closes; returns 0 or -1 when any write failed. NULL: 0. */
int gout_free(struct gout *o);
uint64_t gout_bytes(const struct gout *o);	/* file bytes so far */
uint64_t gout_packets(const struct gout *o);

/* One UDP datagram; mtu > 0 splits the IP packet into fragments of at most
 * mtu bytes each (all stamped ts_us). */
void gout_udp(struct gout *o, uint64_t ts_us, const struct gaddr *src,
    unsigned sport, const struct gaddr *dst, unsigned dport,
    const uint8_t *pl, size_t len, size_t mtu);
/* One ESP packet (IP protocol 50); pl starts at the SPI. */
void gout_esp(struct gout *o, uint64_t ts_us, const struct gaddr *src,
    const struct gaddr *dst, const uint8_t *pl, size_t len);

#endif
