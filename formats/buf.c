/* Capped growable buffer (see buf.h). */
#include "formats/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void
buf_fini(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
}

enum rc
buf_reserve(struct buf *b, size_t n)
{
	size_t want, ncap;
	uint8_t *p;

	if (n > b->max - b->len || b->len > b->max)
		return RC_LIMIT;
	want = b->len + n;
	if (want <= b->cap)
		return RC_OK;
	ncap = b->cap ? b->cap : 256;
	while (ncap < want)
		ncap = ncap > SIZE_MAX / 2 ? want : ncap * 2;
	if (ncap > b->max)
		ncap = b->max;
	p = realloc(b->data, ncap);
	if (p == NULL)
		return RC_NOMEM;
	b->data = p;
	b->cap = ncap;
	return RC_OK;
}

enum rc
buf_append(struct buf *b, const void *p, size_t n)
{
	enum rc rc;

	if (n == 0)
		return RC_OK;
	rc = buf_reserve(b, n);
	if (rc != RC_OK)
		return rc;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return RC_OK;
}

enum rc
buf_put_u8(struct buf *b, uint8_t v)
{
	return buf_append(b, &v, 1);
}

enum rc
buf_put_be16(struct buf *b, uint16_t v)
{
	uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};

	return buf_append(b, x, sizeof(x));
}

enum rc
buf_put_be32(struct buf *b, uint32_t v)
{
	uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 8), (uint8_t)v};

	return buf_append(b, x, sizeof(x));
}

enum rc
buf_put_le16(struct buf *b, uint16_t v)
{
	uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};

	return buf_append(b, x, sizeof(x));
}

enum rc
buf_put_le32(struct buf *b, uint32_t v)
{
	uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 24)};

	return buf_append(b, x, sizeof(x));
}

enum rc
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;
	enum rc rc;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return RC_INVAL;
	rc = buf_reserve(b, (size_t)n + 1);
	if (rc != RC_OK)
		return rc;
	va_start(ap, fmt);
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return RC_OK;
}

uint8_t *
buf_take(struct buf *b, size_t *len)
{
	uint8_t *p = b->data;

	if (len != NULL)
		*len = b->len;
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	return p;
}
