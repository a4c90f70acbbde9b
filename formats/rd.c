/*
 * Bounds-checked reader (see rd.h). Every function checks "n > len - off"
 * before touching bytes; nothing here compares pointers.
 */
#include "formats/rd.h"



void
rd_fail(struct rd *r, enum rc rc)
{
	if (r->err == RC_OK)
		r->err = rc;
}

/* Returns a view of n bytes and consumes them, or NULL (sticky error). */
static inline const uint8_t *
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



uint64_t
rd_le64(struct rd *r)
{
	uint64_t lo = rd_le32(r);
	uint64_t hi = rd_le32(r);

	return rd_ok(r) ? hi << 32 | lo : 0;
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
