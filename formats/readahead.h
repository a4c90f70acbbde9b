/*
 * Front-to-back file reading with a background thread: while the caller
 * parses one chunk, the thread read(2)s the next ones into a small ring
 * of buffers. On a 2-core machine that overlaps the kernel's copy out of
 * the page cache (or the wait for the disk) with our own work, and the
 * chunks are reused so they stay in the CPU cache and TLB.
 *
 * The caller asks for spans [off, off + need) with off never moving
 * backwards and need <= READAHEAD_MAX_SPAN; a span that crosses two
 * chunks is made contiguous by copying its head into a prefix area in
 * front of the next chunk. Reads stop at the size given at open, so a
 * file that grows is read as it was; one that shrinks is an IO error.
 *
 * The same calls serve bytes already in memory (readahead_open_mem): no
 * thread, and every span is carved out with the bounds-checked reader,
 * so the parsers above have one way to reach their input.
 */
#ifndef WFPDIAG_FORMATS_READAHEAD_H
#define WFPDIAG_FORMATS_READAHEAD_H

#include <stddef.h>
#include <stdint.h>

#include "formats/rc.h"

#define READAHEAD_MAX_SPAN (384u * 1024u)

struct readahead;

/*
 * Starts the thread on fd (borrowed; close it after readahead_free),
 * reading bytes [start, size). NOMEM, or IO when no thread can start.
 */
enum rc readahead_open(int fd, uint64_t start, uint64_t size,
    struct readahead **out) MUST_CHECK;
/* Spans of len bytes at data (borrowed; must outlive the reader). */
enum rc readahead_open_mem(const uint8_t *data, size_t len,
    struct readahead **out) MUST_CHECK;
/*
 * Points *p at bytes [off, off + need) of the file. The caller has
 * checked that they lie below size. IO when the file could not be read
 * that far (errno's text in readahead_errmsg()). Earlier spans are
 * invalid after the call. *avail (if avail is not NULL) says how many
 * bytes from off, at least need, are valid at *p until the next call:
 * a parser of small records asks again only when it runs out.
 */
enum rc readahead_span(struct readahead *r, uint64_t off, size_t need,
    const uint8_t **p, size_t *avail) MUST_CHECK;
const char *readahead_errmsg(const struct readahead *r);
/* Stops and joins the thread, frees the buffers; NULL is a no-op. */
void readahead_free(struct readahead *r);

#endif
