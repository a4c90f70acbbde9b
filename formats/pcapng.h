/*
 * Our own pcapng block reader (draft-ietf-opsawg-pcapng, "PCAP Now
 * Generic"): used by pcapio for every pcapng file, because libpcap
 * refuses files whose interfaces have different link types. Reads
 * section header, interface description, enhanced, simple and
 * (obsolete) packet blocks in either byte order; skips all others.
 */
#ifndef WFPDIAG_FORMATS_PCAPNG_H
#define WFPDIAG_FORMATS_PCAPNG_H

#include <stdint.h>
#include <stdio.h>

#include "formats/pcapio.h"
#include "formats/rc.h"

struct pcapng;

/*
 * Starts reading a pcapng stream at its first byte. fp is borrowed (the
 * caller closes it after pcapng_free); name is copied for messages.
 * Returns OK, FORMAT when the stream does not start with a section
 * header block, SHORT/MALFORMED/UNSUPPORTED for a bad one, NOMEM; on
 * failure *out is NULL and err (when not NULL) holds the message.
 */
enum rc pcapng_open(FILE *fp, const char *name, struct pcapng **out,
    char *err, size_t errlen) MUST_CHECK;
/*
 * The same over a view: len bytes in memory (borrowed, must outlive the
 * reader), or a regular file of size bytes read ahead by a thread (fd
 * borrowed; close it after pcapng_free). Blocks are parsed where they
 * lie, without a copy.
 */
enum rc pcapng_open_mem(const uint8_t *data, size_t len, const char *name,
    struct pcapng **out, char *err, size_t errlen) MUST_CHECK;
enum rc pcapng_open_fd(int fd, uint64_t size, const char *name,
    struct pcapng **out, char *err, size_t errlen) MUST_CHECK;
/*
 * Next packet. Fills every field of *pkt except frame (the caller
 * numbers frames); pkt->data is a view valid until the next call.
 * Returns OK, EOF at a clean end, SHORT when the file ends inside a
 * block, MALFORMED/UNSUPPORTED for a bad block, NOMEM.
 */
enum rc pcapng_next(struct pcapng *g, struct pcapio_pkt *pkt) MUST_CHECK;
/* Message for the last failure ("" if none); owned by the reader. */
const char *pcapng_errmsg(const struct pcapng *g);
/* Offset of the next block, or of the block that failed. */
uint64_t pcapng_offset(const struct pcapng *g);
/*
 * Blocks skipped so far that Wireshark shows as frames of their own
 * (custom blocks, systemd journal export): the caller adds them to its
 * frame numbers so they match Wireshark's.
 */
uint64_t pcapng_records_skipped(const struct pcapng *g);
/* Bytes consumed from the stream so far. */
uint64_t pcapng_bytes_read(const struct pcapng *g);
/* Frees the reader (not the stream); NULL is a no-op. */
void pcapng_free(struct pcapng *g);

#endif
