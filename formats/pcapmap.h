/*
 * Zero-copy reader of classic pcap files (tcpdump.org "PCAP Capture File
 * Format", draft-ietf-opsawg-pcap): a regular file mapped window by
 * window, or bytes already in memory (a member unpacked from a CAB).
 * Used by pcapio for the common case only; anything unusual is left to
 * libpcap, which pcapio uses for every other pcap input (pipes, stdin).
 *
 * Why: libpcap's offline reader copies every byte twice (kernel to stdio,
 * stdio to its buffer) with two freads per record; an analyzer that reads
 * only the headers of ESP packets (95% of a gateway's bytes) spends most
 * of its time there. Mapping lets the pages the analyzer never looks at
 * stay untouched.
 *
 * Behaviour matches libpcap 1.10 (sf-pcap.c) record for record: same
 * timestamps (nanosecond precision, a microsecond file scaled up), same
 * snapshot-length adjustment and cutting of over-long records, same
 * errors. tests/formats/test_pcapmap.c and fuzz harness fuzz_capture
 * compare the two readers frame by frame.
 */
#ifndef WFPDIAG_FORMATS_PCAPMAP_H
#define WFPDIAG_FORMATS_PCAPMAP_H

#include <stddef.h>
#include <stdint.h>

#include "formats/pcapio.h"
#include "formats/rc.h"

struct pcapmap;

/*
 * Starts on an open regular file of size bytes (fd borrowed; the caller
 * closes it after pcapmap_free). Returns UNSUPPORTED (nothing to report:
 * let libpcap read it) when the header is valid pcap this reader does not
 * take (byte-swapped link types with pseudo-headers, old versions,
 * "modified" pcap, link types we never decode), NOMEM or IO otherwise.
 */
enum rc pcapmap_open_fd(int fd, uint64_t size, const char *name,
    struct pcapmap **out) MUST_CHECK;
/* Same over len bytes at data (borrowed; must outlive the reader). */
enum rc pcapmap_open_mem(const uint8_t *data, size_t len, const char *name,
    struct pcapmap **out) MUST_CHECK;
/*
 * Next record. Fills every field but frame; pkt->data is a view valid
 * until the next call. OK, EOF at a clean end, SHORT (file ends inside a
 * record) or MALFORMED (caplen beyond any snapshot length), IO when a
 * window cannot be mapped; the message is in pcapmap_errmsg().
 */
enum rc pcapmap_next(struct pcapmap *m, struct pcapio_pkt *pkt) MUST_CHECK;
/* "pcap" (microsecond) or "pcap-ns". */
const char *pcapmap_format(const struct pcapmap *m);
const char *pcapmap_errmsg(const struct pcapmap *m);
/* Offset of the next record (or of the one that failed). */
uint64_t pcapmap_offset(const struct pcapmap *m);
void pcapmap_free(struct pcapmap *m);

#endif
