/*
 * Live packet capture (the one libpcap user in capture/, STYLE.md 2): a
 * handle in immediate mode with full snap length, nanosecond timestamps
 * (CLOCK_REALTIME, the clock events.log uses) and the IKE/ESP filter, and
 * its output: one pcap file, or with a size bound a ring of files
 * capture-1.pcap ... where the oldest is deleted when the ring is full.
 */
#ifndef WFPDIAG_CAPTURE_PCAP_LIVE_H
#define WFPDIAG_CAPTURE_PCAP_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formats/rc.h"

/* IKE (UDP 500/4500, NAT-T keepalives included), ESP over IPv4 and IPv6,
 * IPv4 non-first fragments and IPv6 fragments (IKE_AUTH with certificates
 * is fragmented), ICMP/ICMPv6 destination unreachable quoting UDP or ESP. */
#define PCAP_LIVE_FILTER                                                   \
	"udp port 500 or udp port 4500 or ip proto 50 or ip6 proto 50"     \
	" or (ip and ip[6:2] & 0x1fff != 0)"                               \
	" or (ip6 and ip6[6] == 44)"                                       \
	" or (icmp and icmp[0] == 3 and (icmp[17] == 17 or icmp[17] == 50))" \
	" or (ip6 and ip6[6] == 58 and ip6[40] == 1)"
#define PCAP_LIVE_SNAPLEN 262144

struct pcap_live;

struct pcap_live_stats {
	uint64_t recv, drop, ifdrop;    /* pcap_stats() */
	uint64_t written;               /* packets written */
	uint64_t bytes;                 /* packet bytes written (caplen) */
	unsigned files;                 /* files started */
};

/*
 * Packets reach us in blocks the kernel fills (TPACKET_V3) and hands over
 * when full or after this many milliseconds. Immediate mode (one packet
 * at a time) makes libpcap use TPACKET_V2, whose fixed-size frames are
 * sized for the whole snap length on an interface with offloads: a 32 MiB
 * buffer then holds a few hundred packets, and a few milliseconds of
 * stall (the disk) drop packets. With blocks the same buffer holds about
 * 100,000; 100 ms is far inside the once-a-second flush to the file
 * (BENCHMARKS.md, "Capture").
 */
#define PCAP_LIVE_DELIVERY_MS 100

/*
 * Opens and activates a handle on iface ("any" for all) with filter
 * (NULL: PCAP_LIVE_FILTER). buffer_bytes: kernel buffer (0: 32 MiB).
 * immediate: one packet at a time (libpcap immediate mode) instead of
 * blocks delivered within PCAP_LIVE_DELIVERY_MS. Needs CAP_NET_RAW.
 * RC_PERM/RC_IO/RC_INVAL with err set.
 */
enum rc pcap_live_open(struct pcap_live **out, const char *iface,
    const char *filter, int buffer_bytes, bool immediate, char *err,
    size_t errlen) MUST_CHECK;
/* Pollable descriptor (readable when packets wait). */
int pcap_live_fd(const struct pcap_live *pl);
/* Link-layer type name ("LINUX_SLL2"...), for capture-info. */
const char *pcap_live_linktype(const struct pcap_live *pl);

/*
 * Starts writing into dir: capture.pcap, or when max_size > 0 a ring of
 * `ring` files of max_size / ring bytes each (ring >= 2). Files are
 * created with the caller's identity, mode 0600.
 */
enum rc pcap_live_output(struct pcap_live *pl, const char *dir,
    uint64_t max_size, unsigned ring, char *err, size_t errlen) MUST_CHECK;
/* Reads every packet waiting and writes it. RC_IO when a write failed
 * (disk full): the output is closed, what was written stays. */
enum rc pcap_live_dispatch(struct pcap_live *pl, char *err, size_t errlen)
    MUST_CHECK;
/* Flushes the file into the kernel (once a second; the disk is the
 * syncer's job, capture/syncer.h). */
enum rc pcap_live_flush(struct pcap_live *pl) MUST_CHECK;
/* Descriptor of the packet file being written (-1 when none), for the
 * syncer. */
int pcap_live_output_fd(const struct pcap_live *pl);
void pcap_live_stats(struct pcap_live *pl, struct pcap_live_stats *st);
/* Closes the output file (flushed) and the handle. NULL ok. */
void pcap_live_free(struct pcap_live *pl);
/* Closes only the handle's descriptor in a process that will not
 * capture (the parent after fork). NULL ok. */
void pcap_live_forget(struct pcap_live *pl);

#endif
