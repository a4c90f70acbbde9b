/*
 * A growable output buffer with a cap set at creation (curl's dynbuf
 * idea): every buffer that grows with input says how big it may get, and
 * the caps live in formats/limits.h. Appends past the cap fail with
 * RC_LIMIT and leave the contents unchanged.
 */
#ifndef WFPDIAG_FORMATS_BUF_H
#define WFPDIAG_FORMATS_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "formats/rc.h"

struct buf {
	uint8_t *data; /* owned; NULL until the first append */
	size_t len;    /* bytes used */
	size_t cap;    /* bytes allocated */
	size_t max;    /* never grows past this */
};

/* Empty buffer that may grow to max bytes. */
void buf_init(struct buf *b, size_t max);
/* Frees the contents; the buffer is empty and reusable afterwards. */
void buf_fini(struct buf *b);
/* Forgets the contents but keeps the allocation. */
void buf_reset(struct buf *b);
/* Ensures room for n more bytes. */
enum rc buf_reserve(struct buf *b, size_t n) MUST_CHECK;
enum rc buf_append(struct buf *b, const void *p, size_t n) MUST_CHECK;
enum rc buf_put_u8(struct buf *b, uint8_t v) MUST_CHECK;
enum rc buf_put_be16(struct buf *b, uint16_t v) MUST_CHECK;
enum rc buf_put_be32(struct buf *b, uint32_t v) MUST_CHECK;
enum rc buf_put_le16(struct buf *b, uint16_t v) MUST_CHECK;
enum rc buf_put_le32(struct buf *b, uint32_t v) MUST_CHECK;
/* printf-style text append (no NUL counted in len; one is kept after). */
enum rc buf_printf(struct buf *b, const char *fmt, ...) MUST_CHECK
    __attribute__((format(printf, 2, 3)));
/* Hands the contents to the caller (free() them); b becomes empty. */
uint8_t *buf_take(struct buf *b, size_t *len);

#endif
