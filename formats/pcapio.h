/*
 * Reading capture files: pcap (micro- and nanosecond) and pcapng, from a
 * path, from stdin ("-") or from memory (a member of a CAB archive).
 * Wraps libpcap; pcapng files whose interfaces have different link types
 * (which libpcap refuses) are read by our own block reader, and a
 * regular file or memory is read in place (pcapmap.h for pcap, record
 * for record as libpcap reads it; pcapng.h), without stdio's copies.
 *
 * Every packet carries its own link type, frame number (1-based, as
 * Wireshark counts) and a nanosecond timestamp. Errors name the byte
 * offset of the record that failed; packets read before it stay valid
 * results (the caller keeps them).
 */
#ifndef WFPDIAG_FORMATS_PCAPIO_H
#define WFPDIAG_FORMATS_PCAPIO_H

#include <stddef.h>
#include <stdint.h>

#include "formats/rc.h"

/* LINKTYPE_* values as written in pcap/pcapng files (tcpdump.org). */
enum pcapio_linktype {
	PCAPIO_LT_NULL = 0,        /* BSD loopback, host-order AF */
	PCAPIO_LT_ETHERNET = 1,
	PCAPIO_LT_RAW = 101,       /* raw IPv4 or IPv6 */
	PCAPIO_LT_LOOP = 108,      /* OpenBSD loopback, network-order AF */
	PCAPIO_LT_LINUX_SLL = 113,
	PCAPIO_LT_IPV4 = 228,
	PCAPIO_LT_IPV6 = 229,
	PCAPIO_LT_LINUX_SLL2 = 276,
};

struct pcapio;

struct pcapio_pkt {
	uint64_t frame;       /* 1-based frame number in this file */
	int64_t ts_sec;       /* seconds since the epoch, UTC */
	uint32_t ts_nsec;     /* nanoseconds within ts_sec */
	uint32_t caplen;      /* bytes in data */
	uint32_t wirelen;     /* bytes on the wire (> caplen: snap-cut) */
	uint32_t linktype;    /* LINKTYPE_* of the packet's interface */
	uint32_t ifindex;     /* pcapng interface id; 0 for pcap */
	const uint8_t *data;  /* view, valid until the next pcapio_next() */
};

/*
 * Opens path ("-" for standard input). On failure returns FORMAT (not a
 * capture), IO, NOMEM ... and, when err is not NULL, a message naming the
 * file and the reason in err. *out is NULL on failure.
 */
enum rc pcapio_open(const char *path, struct pcapio **out, char *err,
    size_t errlen) MUST_CHECK;
/* Flags of the _ex forms. */
enum {
	PCAPIO_STREAM = 1u, /* read as from a pipe even when the input could
	                       be read in place: pcap through libpcap, pcapng
	                       through stdio (cross-checks of the readers) */
};
enum rc pcapio_open_ex(const char *path, unsigned flags, struct pcapio **out,
    char *err, size_t errlen) MUST_CHECK;
/*
 * Opens a capture held in memory; name is used in messages only. The
 * bytes are borrowed and must outlive the handle.
 */
enum rc pcapio_open_mem(const uint8_t *data, size_t len, const char *name,
    struct pcapio **out, char *err, size_t errlen) MUST_CHECK;
enum rc pcapio_open_mem_ex(const uint8_t *data, size_t len, const char *name,
    unsigned flags, struct pcapio **out, char *err, size_t errlen)
    MUST_CHECK;
/*
 * Reads the next packet. Returns OK, EOF at a clean end, or SHORT (file
 * ends inside a record) / MALFORMED (impossible lengths, bad block) with
 * pcapio_errmsg() naming the file, the byte offset and the field.
 */
enum rc pcapio_next(struct pcapio *p, struct pcapio_pkt *pkt) MUST_CHECK;
/* Last error message ("" if none); owned by the handle. */
const char *pcapio_errmsg(const struct pcapio *p);
/* Byte offset in the file where the next record starts (or the failed
 * record started). */
uint64_t pcapio_offset(const struct pcapio *p);
/* "pcap", "pcap-ns" or "pcapng". */
const char *pcapio_format(const struct pcapio *p);
/* Bytes of the file consumed so far (for throughput figures). */
uint64_t pcapio_bytes_read(const struct pcapio *p);
/* Closes; NULL is a no-op. */
void pcapio_close(struct pcapio *p);

#endif
