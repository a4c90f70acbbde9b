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
 * Opens and activates a handle on iface ("any" for all) with filter
 * (NULL: PCAP_LIVE_FILTER). buffer_bytes: kernel buffer (0: 32 MiB).
 * Needs CAP_NET_RAW. RC_PERM/RC_IO/RC_INVAL with err set.
 */
enum rc pcap_live_open(struct pcap_live **out, const char *iface,
    const char *filter, int buffer_bytes, char *err, size_t errlen)
    MUST_CHECK;
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
/* Flushes the file to the kernel and to the disk (once a second). */
enum rc pcap_live_flush(struct pcap_live *pl) MUST_CHECK;
void pcap_live_stats(struct pcap_live *pl, struct pcap_live_stats *st);
/* Closes the output file (flushed) and the handle. NULL ok. */
void pcap_live_free(struct pcap_live *pl);
/* Closes only the handle's descriptor in a process that will not
 * capture (the parent after fork). NULL ok. */
void pcap_live_forget(struct pcap_live *pl);

#endif
