/*
 * Bounds-checked reader (see rd.h). Every function checks "n > len - off"
 * before touching bytes; nothing here compares pointers.
 */
#include "formats/rd.h"

#include <string.h>

struct rd
rd_init(const uint8_t *buf, size_t len)
{
	struct rd r = {.buf = buf, .len = buf ? len : 0, .off = 0, .base = 0,
	    .err = RC_OK};

	return r;
}

void
rd_fail(struct rd *r, enum rc rc)
{
	if (r->err == RC_OK)
		r->err = rc;
}

/* Returns a view of n bytes and consumes them, or NULL (sticky error). */
static const uint8_t *
take(struct rd *r, size_t n)
{
	return rd_take_(r, n);
}

uint32_t
rd_be24(struct rd *r)
{
	const uint8_t *p = take(r, 3);

	return p ? (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2] : 0;
}

uint64_t
rd_be64(struct rd *r)
{
	uint64_t hi = rd_be32(r);
	uint64_t lo = rd_be32(r);

	return rd_ok(r) ? hi << 32 | lo : 0;
}

uint16_t
rd_le16(struct rd *r)
{
	const uint8_t *p = take(r, 2);

	if (p == NULL)
		return 0;
	return (uint16_t)(p[1] << 8 | p[0]);
}

uint32_t
rd_le32(struct rd *r)
{
	const uint8_t *p = take(r, 4);

	if (p == NULL)
		return 0;
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[1] << 8 | p[0];
}

uint64_t
rd_le64(struct rd *r)
{
	uint64_t lo = rd_le32(r);
	uint64_t hi = rd_le32(r);

	return rd_ok(r) ? hi << 32 | lo : 0;
}

uint8_t
rd_peek_u8(const struct rd *r, size_t i)
{
	if (r->err != RC_OK || i >= r->len - r->off)
		return 0;
	return r->buf[r->off + i];
}

const uint8_t *
rd_bytes(struct rd *r, size_t n)
{
	return take(r, n);
}

bool
rd_copy(struct rd *r, void *dst, size_t n)
{
	const uint8_t *p = take(r, n);

	if (p == NULL) {
		if (n > 0)
			memset(dst, 0, n);
		return false;
	}
	if (n > 0)
		memcpy(dst, p, n);
	return true;
}

struct rd
rd_sub(struct rd *r, size_t n)
{
	size_t start = r->off;
	const uint8_t *p = take(r, n);
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

struct rd
rd_rest(struct rd *r)
{
	return rd_sub(r, rd_left(r));
}

struct rd
rd_tail(struct rd *r, size_t n)
{
	struct rd sub = {.buf = NULL, .len = 0, .off = 0, .base = rd_pos(r),
	    .err = RC_SHORT};

	if (r->err != RC_OK) {
		sub.err = r->err;
		return sub;
	}
	if (n > r->len - r->off) {
		r->err = RC_SHORT;
		return sub;
	}
	r->len -= n;
	sub.buf = r->buf + r->len;
	sub.len = n;
	sub.base = r->base + r->len;
	sub.err = RC_OK;
	return sub;
}
