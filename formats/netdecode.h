/*
 * Link, IP and UDP decoding with IP fragment reassembly: turns a captured
 * frame into the UDP datagram or ESP packet it carries (and ICMP errors
 * that quote one). Knows nothing about IKE: it reports addresses, the IP
 * protocol, ports and a view of the payload, and counts everything it
 * skips by reason (net_skip.def).
 *
 * Link types: Ethernet (with any stack of 802.1Q/802.1ad tags), Linux
 * SLL and SLL2, raw IPv4/IPv6, BSD NULL/LOOP. IPv4 with options, IPv6 with
 * extension headers (hop-by-hop, routing, destination, fragment). The
 * reassembly table is bounded (formats/limits.h LIMIT_FRAG_*); overflow
 * and timeouts are counted, never fatal.
 *
 * Tunnels are peeled, so that IKE and ESP captured on a hypervisor, a
 * cloud fabric or a mobile core are found: IP in IP (4, 41), GRE (47,
 * carrying IP or Ethernet), VXLAN (UDP 4789), Geneve (UDP 6081) and GTP-U
 * (UDP 2152). The result describes the innermost datagram; its tunnel
 * field names the outermost encapsulation.
 */
#ifndef WFPDIAG_FORMATS_NETDECODE_H
#define WFPDIAG_FORMATS_NETDECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formats/pcapio.h"
#include "formats/rc.h"

struct net_addr {
	uint8_t family;     /* 4 or 6; 0 when unset */
	uint8_t bytes[16];  /* network order; IPv4 uses the first 4 */
};

enum net_skip {
#define NET_SKIP(name, text) NET_SKIP_##name,
#include "formats/net_skip.def"
#undef NET_SKIP
	NET_SKIP__COUNT
};

enum net_tunnel {
	NET_TUN_NONE,
	NET_TUN_IPIP,        /* IPv4 or IPv6 in IPv4 or IPv6 (RFC 2003, 4213) */
	NET_TUN_GRE,         /* RFC 2784, RFC 2890 */
	NET_TUN_VXLAN,       /* RFC 7348 */
	NET_TUN_GENEVE,      /* RFC 8926 */
	NET_TUN_GTPU,        /* 3GPP TS 29.281 */
	NET_TUN__COUNT
};

enum net_l4 {
	NET_L4_UDP,          /* payload = UDP payload */
	NET_L4_ESP,          /* IP protocol 50; payload starts at the SPI */
	NET_L4_ICMP_UNREACH, /* ICMP/ICMPv6 destination unreachable quoting a
	                        UDP datagram: inner_* describe it */
};

struct net_pkt {
	enum net_l4 l4;
	struct net_addr src, dst;
	uint8_t ipproto;        /* 17, 50, 1 or 58 */
	uint16_t sport, dport;  /* UDP ports (host order); 0 otherwise */
	const uint8_t *payload; /* view; valid until the next net_decode() */
	size_t payload_len;
	uint32_t udp_len_claimed; /* UDP length field (0 when not UDP) */
	bool truncated;         /* payload cut by the snap length */
	bool reassembled;       /* built from IP fragments */
	uint16_t fragments;     /* number of fragments when reassembled */
	uint64_t first_frame;   /* frame of the first fragment (or this) */
	/* ICMP unreachable only: the quoted datagram's header. */
	uint8_t icmp_type, icmp_code;
	struct net_addr inner_src, inner_dst;
	uint16_t inner_sport, inner_dport;
	enum net_tunnel tunnel; /* outermost tunnel peeled; NONE if none */
};

struct net_stats {
	uint64_t frames;                      /* frames given to net_decode */
	uint64_t delivered;                   /* net_pkt results */
	uint64_t skipped[NET_SKIP__COUNT];    /* by reason */
	uint64_t truncated;                   /* cut by snap length */
	uint64_t malformed;                   /* impossible headers */
	uint64_t frag_fragments;              /* fragments seen */
	uint64_t frag_reassembled;            /* datagrams completed */
	uint64_t frag_dropped_limit;          /* evicted: table/bytes cap */
	uint64_t frag_dropped_timeout;        /* evicted: too old */
	uint64_t frag_overlaps;               /* overlapping fragments */
	/* Added by the net branch: */
	uint64_t delivered_truncated;         /* delivered, payload cut */
	uint64_t frag_duplicates;             /* identical fragments ignored */
	uint64_t frag_bad;                    /* fragments rejected: bad
	                                         length or conflicting end */
	uint64_t decapsulated[NET_TUN__COUNT]; /* delivered from inside a
	                                          tunnel, by outermost kind */
};

struct net_decoder;

/* New decoder with an empty reassembly table; NULL when out of memory. */
struct net_decoder *net_decoder_new(void);
void net_decoder_free(struct net_decoder *d);

/*
 * Decodes one frame. Returns:
 *   OK        *out is filled (UDP, ESP or ICMP unreachable);
 *   NOTFOUND  nothing to deliver: skipped (*skip says why) or a fragment
 *             held for reassembly (NET_SKIP_FRAGMENT_HELD);
 *   TRUNCATED the frame was cut by the snap length before the payload
 *             started (caplen < wirelen);
 *   MALFORMED a header is impossible (*skip names which);
 * and updates the statistics. Never fails the run.
 */
enum rc net_decode(struct net_decoder *d, const struct pcapio_pkt *pkt,
    struct net_pkt *out, enum net_skip *skip) MUST_CHECK;
/* Ages out partial datagrams older than now_sec - LIMIT_FRAG_AGE_SEC. */
void net_decoder_expire(struct net_decoder *d, int64_t now_sec);
const struct net_stats *net_decoder_stats(const struct net_decoder *d);
/* "GRE", "VXLAN", ...; "none" for NONE. */
const char *net_tunnel_name(enum net_tunnel t);

/* Symbolic name and description of a skip reason; never NULL. */
const char *net_skip_name(enum net_skip s);
const char *net_skip_text(enum net_skip s);

/* Formats an address ("192.0.2.1", "2001:db8::1"); returns dst. */
char *net_addr_str(const struct net_addr *a, char *dst, size_t len);
bool net_addr_eq(const struct net_addr *a, const struct net_addr *b);
/* Total order on addresses (family, then bytes): <0, 0, >0. */
int net_addr_cmp(const struct net_addr *a, const struct net_addr *b);

#endif
