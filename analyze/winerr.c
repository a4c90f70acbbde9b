/*
 * Win32 IPsec error names (winerror.h 13000-13932) from analyze/
 * winerr.def, searched with bsearch; text parsing for codes pasted from
 * Windows logs, Azure diagnostics or RAS events.
 */
#include "analyze/winerr.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct winerr_row {
	uint32_t code;
	const char *name;
	enum winerr_source source;
	const char *meaning;
};

static const struct winerr_row rows[] = {
#define WINERR(name, code, source, meaning)				\
	{code, #name, WINERR_SRC_##source, meaning},
#include "analyze/winerr.def"
#undef WINERR
};

#define NROWS (sizeof(rows) / sizeof(rows[0]))

static int
row_cmp(const void *key, const void *elem)
{
	uint32_t k = *(const uint32_t *)key;
	const struct winerr_row *r = elem;

	if (k < r->code)
		return -1;
	return k > r->code;
}

static const struct winerr_row *
find(uint32_t code)
{
	return bsearch(&code, rows, NROWS, sizeof(rows[0]), row_cmp);
}

const char *
winerr_name(uint32_t code)
{
	const struct winerr_row *r = find(code);

	return r == NULL ? "UNKNOWN" : r->name;
}

bool
winerr_known(uint32_t code)
{
	return find(code) != NULL;
}

const char *
winerr_meaning(uint32_t code)
{
	const struct winerr_row *r = find(code);

	return r == NULL ? NULL : r->meaning;
}

enum winerr_source
winerr_source(uint32_t code)
{
	const struct winerr_row *r = find(code);

	return r == NULL ? WINERR_SRC_SDK : r->source;
}

uint32_t
winerr_hresult(uint32_t code)
{
	return WINERR_HRESULT_BASE | (code & 0xffffu);
}

/* Win32 code from a number: itself if 16-bit, or an HRESULT_FROM_WIN32. */
static bool
unwrap(unsigned long long v, uint32_t *code)
{
	if (v <= 0xffffu) {
		*code = (uint32_t)v;
		return true;
	}
	if ((v & 0xffff0000ull) == WINERR_HRESULT_BASE && v <= 0xffffffffull) {
		*code = (uint32_t)(v & 0xffffu);
		return true;
	}
	return false;
}

/* Parses a whole number token (decimal, 0x hex, negative HRESULT). */
static enum rc
parse_number(const char *s, size_t len, uint32_t *code)
{
	char buf[32], *end;
	unsigned long long v;
	long long sv;

	if (len == 0 || len >= sizeof(buf))
		return RC_INVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	if (buf[0] == '-') {
		/* An HRESULT printed as a signed 32-bit int. */
		sv = strtoll(buf, &end, 10);
		if (errno != 0 || *end != '\0' || sv < INT32_MIN)
			return RC_INVAL;
		v = (unsigned long long)(uint32_t)(int32_t)sv;
	} else {
		if (!isdigit((unsigned char)buf[0]))
			return RC_INVAL;
		v = strtoull(buf, &end, 0);
		if (errno != 0 || *end != '\0')
			return RC_INVAL;
		/* strtoull base 0 reads "013801" as octal: refuse it. */
		if (buf[0] == '0' && len > 1 && buf[1] != 'x' && buf[1] != 'X')
			return RC_INVAL;
	}
	return unwrap(v, code) ? RC_OK : RC_INVAL;
}

enum rc
winerr_parse(const char *text, uint32_t *code)
{
	size_t len, i;

	if (text == NULL || code == NULL)
		return RC_INVAL;
	while (isspace((unsigned char)*text))
		text++;
	len = strlen(text);
	while (len > 0 && isspace((unsigned char)text[len - 1]))
		len--;
	if (len > 0 && (isdigit((unsigned char)text[0]) || text[0] == '-'))
		return parse_number(text, len, code);
	if (len == 0)
		return RC_INVAL;
	for (i = 0; i < NROWS; i++) {
		if (strlen(rows[i].name) == len &&
		    strncasecmp(rows[i].name, text, len) == 0) {
			*code = rows[i].code;
			return RC_OK;
		}
	}
	return RC_NOTFOUND;
}

size_t
winerr_count(void)
{
	return NROWS;
}

bool
winerr_row(size_t i, uint32_t *code, const char **name)
{
	if (i >= NROWS)
		return false;
	if (code != NULL)
		*code = rows[i].code;
	if (name != NULL)
		*name = rows[i].name;
	return true;
}
