/*
 * Vendor ID lookup (RFC 7296 3.12) over analyze/vendor_id.def. The table
 * is small and VIDs only occur in IKE_SA_INIT / IKEv1 main mode, so a
 * linear scan comparing hex digits in place is cheap and needs no
 * initialisation; the table order (by bytes) only serves the tests.
 */
#include "analyze/vendor_id.h"

#include <stdio.h>
#include <string.h>

#define EXACT false
#define PREFIX true
static const struct vendor_id_row rows[] = {
#define VID(name, match, hex, src, n)				\
	{name, hex, (sizeof(hex) - 1) / 2, match, src, n},
#include "analyze/vendor_id.def"
#undef VID
};
#undef EXACT
#undef PREFIX

#define NROWS (sizeof(rows) / sizeof(rows[0]))

static unsigned
nibble(char c)
{
	if (c >= '0' && c <= '9')
		return (unsigned)(c - '0');
	return (unsigned)(c - 'a' + 10);
}

/* True when the n bytes of row r's hex equal b[0..n). */
static bool
hex_eq(const char *hex, const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if ((nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1])) != b[i])
			return false;
	}
	return true;
}

/* Best row for vid: an exact match, else the longest prefix; or NULL. */
static const struct vendor_id_row *
lookup(const uint8_t *vid, size_t len)
{
	const struct vendor_id_row *best = NULL;
	size_t i, best_n = 0;

	if (vid == NULL || len == 0)
		return NULL;
	for (i = 0; i < NROWS; i++) {
		size_t n = rows[i].len;

		if (n > len || (n < len && !rows[i].prefix))
			continue;
		if (!hex_eq(rows[i].hex, vid, n))
			continue;
		if (n == len && !rows[i].prefix)
			return &rows[i];
		if (n > best_n) {
			best = &rows[i];
			best_n = n;
		}
	}
	return best;
}

const char *
vendor_id_name(const uint8_t *vid, size_t len)
{
	const struct vendor_id_row *r = lookup(vid, len);

	return r == NULL ? NULL : r->name;
}

static bool
printable(const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (b[i] < 0x20 || b[i] > 0x7e)
			return false;
	}
	return n > 0;
}

/* Appends to dst at *used, tracking the full length like snprintf. */
static void
put(char *dst, size_t size, size_t *used, const char *s)
{
	size_t n = strlen(s);

	if (*used < size)
		(void)snprintf(dst + *used, size - *used, "%s", s);
	*used += n;
}

static void
put_hex(char *dst, size_t size, size_t *used, const uint8_t *b, size_t n)
{
	char two[3];
	size_t i;

	for (i = 0; i < n; i++) {
		(void)snprintf(two, sizeof(two), "%02x", b[i]);
		put(dst, size, used, two);
	}
}

static void
put_text(char *dst, size_t size, size_t *used, const uint8_t *b, size_t n)
{
	char one[2] = {0, 0};
	size_t i;

	for (i = 0; i < n; i++) {
		one[0] = (char)b[i];
		put(dst, size, used, one);
	}
}

size_t
vendor_id_text(const uint8_t *vid, size_t len, char *dst, size_t size)
{
	const struct vendor_id_row *r = lookup(vid, len);
	size_t used = 0, n, rest;

	if (dst == NULL)
		size = 0;
	if (size > 0)
		dst[0] = '\0';
	if (r == NULL) {
		put(dst, size, &used, "unknown ");
		if (vid != NULL)
			put_hex(dst, size, &used, vid, len < 32 ? len : 32);
		if (len > 32)
			put(dst, size, &used, "...");
		return used;
	}
	put(dst, size, &used, r->name);
	n = r->len;
	rest = len - n;
	if (rest > 0 && printable(vid + n, rest)) {
		put(dst, size, &used, " ");
		put_text(dst, size, &used, vid + n, rest < 64 ? rest : 64);
	} else if (rest > 0) {
		put(dst, size, &used, " +");
		put_hex(dst, size, &used, vid + n, rest < 32 ? rest : 32);
	}
	return used;
}

size_t
vendor_id_count(void)
{
	return NROWS;
}

const struct vendor_id_row *
vendor_id_row(size_t i)
{
	return i < NROWS ? &rows[i] : NULL;
}
