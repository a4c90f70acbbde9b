/*
 * Appending text to a caller's fixed buffer with snprintf semantics: the
 * text is always NUL-terminated and cut when the buffer is full, and
 * len keeps what the whole text needs (so callers can report it, as
 * snprintf does). For growing, capped output use formats/buf.h.
 */
#ifndef WFPDIAG_FORMATS_TXT_H
#define WFPDIAG_FORMATS_TXT_H

#include <stdarg.h>
#include <stddef.h>

struct txt {
	char *dst;    /* borrowed; NULL allowed with size 0 */
	size_t size;  /* bytes in dst */
	size_t len;   /* bytes the full text needs */
};

/* Starts an empty text in dst (terminated when size > 0). */
void txt_init(struct txt *t, char *dst, size_t size);
/* Appends printf-formatted text. */
void txt_add(struct txt *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The same with a va_list (for a caller's own printf-like function). */
void txt_vadd(struct txt *t, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

#endif
