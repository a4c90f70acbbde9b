/*
 * The bounds-checked reader: the only way wfpdiag reads untrusted bytes
 * (STYLE.md 3). A struct rd is a view (buf, len) with a cursor off, the
 * absolute offset of buf[0] in the enclosing input (base, so errors can
 * name the place) and a sticky error.
 *
 * Invariant: off <= len. Every check is written "n > len - off", which
 * cannot overflow. After the first failed read err is set (RC_SHORT unless
 * rd_fail() said otherwise) and every later read returns 0/NULL and
 * consumes nothing, so a fixed header can be read in one go and checked
 * once with rd_ok() before any value is acted on.
 *
 * Readers are plain values: copy them freely. Views returned by
 * rd_bytes() point into the caller's buffer and live as long as it does.
 */
#ifndef WFPDIAG_FORMATS_RD_H
#define WFPDIAG_FORMATS_RD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "formats/rc.h"

struct rd {
	const uint8_t *buf; /* view, not owned */
	size_t len;         /* bytes in buf */
	size_t off;         /* cursor, off <= len */
	size_t base;        /* absolute offset of buf[0] in the input */
	enum rc err;        /* sticky: RC_OK until a read fails */
};

/* A reader over len bytes at buf, cursor at 0, absolute base 0. */
static inline struct rd
rd_init(const uint8_t *buf, size_t len)
{
	struct rd r = {.buf = buf, .len = buf ? len : 0, .off = 0, .base = 0,
	    .err = RC_OK};

	return r;
}

static inline bool
rd_ok(const struct rd *r)
{
	return r->err == RC_OK;
}

static inline size_t
rd_left(const struct rd *r)
{
	return r->len - r->off;
}

/* Absolute offset of the cursor in the enclosing input (for messages). */
static inline size_t
rd_pos(const struct rd *r)
{
	return r->base + r->off;
}

/* Marks the reader failed with rc (first error wins). */
void rd_fail(struct rd *r, enum rc rc);

/*
 * The hot readers are inline: every decoder calls them per field. They
 * check "n > len - off" like the rest (rd.c).
 */
static inline const uint8_t *
rd_take_(struct rd *r, size_t n)
{
	const uint8_t *p;

	if (r->err != RC_OK)
		return NULL;
	if (n > r->len - r->off) {
		r->err = RC_SHORT;
		return NULL;
	}
	p = r->buf + r->off;
	r->off += n;
	return p;
}

static inline uint8_t
rd_u8(struct rd *r)
{
	const uint8_t *p = rd_take_(r, 1);

	return p ? p[0] : 0;
}

static inline uint16_t
rd_be16(struct rd *r)
{
	const uint8_t *p = rd_take_(r, 2);

	if (p == NULL)
		return 0;
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
rd_be32(struct rd *r)
{
	const uint8_t *p = rd_take_(r, 4);

	if (p == NULL)
		return 0;
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static inline void
rd_skip(struct rd *r, size_t n)
{
	(void)rd_take_(r, n);
}

uint32_t rd_be24(struct rd *r);
uint64_t rd_be64(struct rd *r);
uint64_t rd_le64(struct rd *r);

static inline uint16_t
rd_le16(struct rd *r)
{
	const uint8_t *p = rd_take_(r, 2);

	if (p == NULL)
		return 0;
	return (uint16_t)(p[1] << 8 | p[0]);
}

static inline uint32_t
rd_le32(struct rd *r)
{
	const uint8_t *p = rd_take_(r, 4);

	if (p == NULL)
		return 0;
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[1] << 8 | p[0];
}

/* Byte at off+i without consuming; 0 and no error when out of range. */
static inline uint8_t
rd_peek_u8(const struct rd *r, size_t i)
{
	if (r->err != RC_OK || i >= r->len - r->off)
		return 0;
	return r->buf[r->off + i];
}

/* View of the next n bytes (consumed); NULL and RC_SHORT if fewer left.
 * n == 0 returns a non-NULL pointer when the reader is ok. */
static inline const uint8_t *
rd_bytes(struct rd *r, size_t n)
{
	return rd_take_(r, n);
}

/* Copies the next n bytes into dst (consumed); dst zeroed on failure. */
static inline bool
rd_copy(struct rd *r, void *dst, size_t n)
{
	const uint8_t *p = rd_take_(r, n);

	if (p == NULL) {
		if (n > 0)
			memset(dst, 0, n);
		return false;
	}
	if (n > 0)
		memcpy(dst, p, n);
	return true;
}

/* The next n bytes as their own reader; the parent skips them. On
 * failure returns a failed, empty reader and fails the parent. */
static inline struct rd
rd_sub(struct rd *r, size_t n)
{
	size_t start = r->off;
	const uint8_t *p = rd_take_(r, n);
	struct rd sub = {.buf = NULL, .len = 0, .off = 0, .base = rd_pos(r),
	    .err = r->err};

	if (p == NULL)
		return sub;
	sub.buf = p;
	sub.len = n;
	sub.base = r->base + start;
	sub.err = RC_OK;
	return sub;
}

/* Everything left as a reader; the parent is left empty. */
static inline struct rd
rd_rest(struct rd *r)
{
	return rd_sub(r, rd_left(r));
}
/* The last n bytes of what is left as a reader (ICVs, ESP trailers); the
 * parent's end moves back by n. */
struct rd rd_tail(struct rd *r, size_t n);

#endif
