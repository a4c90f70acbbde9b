/* Appending text to a fixed buffer (see txt.h). */
#include "formats/txt.h"

#include <stdarg.h>
#include <stdio.h>

void
txt_init(struct txt *t, char *dst, size_t size)
{
	t->dst = dst;
	t->size = dst == NULL ? 0 : size;
	t->len = 0;
	if (t->size > 0)
		dst[0] = '\0';
}

void
txt_vadd(struct txt *t, const char *fmt, va_list ap)
{
	int n;

	if (t->len < t->size)
		n = vsnprintf(t->dst + t->len, t->size - t->len, fmt, ap);
	else
		n = vsnprintf(NULL, 0, fmt, ap);
	if (n > 0)
		t->len += (size_t)n;
}

void
txt_add(struct txt *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	txt_vadd(t, fmt, ap);
	va_end(ap);
}
