/*
 * Key table parsers and Wireshark UAT writers (see keytab.h for the
 * formats). Text is walked a line at a time with struct rd (STYLE.md 3);
 * a field is copied into a bounded stack buffer before it is interpreted,
 * so no parser reads past its line. Every error names file:line:col.
 */
#include "formats/keytab.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/limits.h"
#include "formats/rd.h"

#define FIELD_MAX (2 * LIMIT_KEY_BYTES + 8) /* "0x" + hex + slack */

struct keytab {
	struct keytab_ike *ike;
	size_t n_ike, cap_ike;
	struct keytab_esp *esp;
	size_t n_esp, cap_esp;
	char err[320];
};

/* One parse run: where we are, for messages. */
struct kt_run {
	struct keytab *t;
	const char *name;
	unsigned line;          /* 1-based */
	const struct rd *lr;    /* current line reader (column = off + 1) */
	/* charon state */
	char ike_prop[KEYTAB_ALG_MAX], esp_prop[KEYTAB_ALG_MAX];
	struct keytab_ike pend_ike;
	struct keytab_esp pend_esp[2]; /* initiator->responder, reverse */
	bool have_ike, have_esp;
	/* tsv column indexes (-1 absent) */
	int col[9];
	bool header_seen;
};

static void
bytes_wipe(struct keytab_bytes *b)
{
	if (b->p != NULL) {
		explicit_bzero(b->p, b->len);
		free(b->p);
	}
	b->p = NULL;
	b->len = 0;
}

static void
ike_wipe(struct keytab_ike *r)
{
	bytes_wipe(&r->sk_ei);
	bytes_wipe(&r->sk_er);
	bytes_wipe(&r->sk_ai);
	bytes_wipe(&r->sk_ar);
}

static void
esp_wipe(struct keytab_esp *r)
{
	bytes_wipe(&r->ekey);
	bytes_wipe(&r->akey);
}

struct keytab *
keytab_new(void)
{
	return calloc(1, sizeof(struct keytab));
}

void
keytab_free(struct keytab *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n_ike; i++)
		ike_wipe(&t->ike[i]);
	for (i = 0; i < t->n_esp; i++)
		esp_wipe(&t->esp[i]);
	free(t->ike);
	free(t->esp);
	free(t);
}

const char *
keytab_errmsg(const struct keytab *t)
{
	return t->err;
}

size_t
keytab_ike_count(const struct keytab *t)
{
	return t->n_ike;
}

const struct keytab_ike *
keytab_ike_at(const struct keytab *t, size_t i)
{
	return i < t->n_ike ? &t->ike[i] : NULL;
}

size_t
keytab_esp_count(const struct keytab *t)
{
	return t->n_esp;
}

const struct keytab_esp *
keytab_esp_at(const struct keytab *t, size_t i)
{
	return i < t->n_esp ? &t->esp[i] : NULL;
}

static enum rc __attribute__((format(printf, 3, 4)))
kt_fail(struct kt_run *k, enum rc rc, const char *fmt, ...)
{
	char m[200];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	(void)snprintf(k->t->err, sizeof(k->t->err), "%s:%u:%zu: %s",
	    k->name, k->line, k->lr ? k->lr->off + 1 : 1, m);
	return rc;
}

static enum rc
bytes_dup(struct keytab_bytes *dst, const struct keytab_bytes *src)
{
	dst->p = NULL;
	dst->len = 0;
	if (src->len == 0)
		return RC_OK;
	dst->p = malloc(src->len);
	if (dst->p == NULL)
		return RC_NOMEM;
	memcpy(dst->p, src->p, src->len);
	dst->len = src->len;
	return RC_OK;
}

/* Moves r (and its key memory) into the table; r is cleared. */
static enum rc
push_ike(struct keytab *t, struct keytab_ike *r)
{
	struct keytab_ike *n;
	size_t cap;

	if (t->n_ike + t->n_esp >= LIMIT_KEYTAB_ROWS) {
		ike_wipe(r);
		return RC_LIMIT;
	}
	if (t->n_ike == t->cap_ike) {
		cap = t->cap_ike ? t->cap_ike * 2 : 16;
		n = realloc(t->ike, cap * sizeof(*n));
		if (n == NULL) {
			ike_wipe(r);
			return RC_NOMEM;
		}
		t->ike = n;
		t->cap_ike = cap;
	}
	t->ike[t->n_ike++] = *r;
	memset(r, 0, sizeof(*r));
	return RC_OK;
}

static enum rc
push_esp(struct keytab *t, struct keytab_esp *r)
{
	struct keytab_esp *n;
	size_t cap;

	if (t->n_ike + t->n_esp >= LIMIT_KEYTAB_ROWS) {
		esp_wipe(r);
		return RC_LIMIT;
	}
	if (t->n_esp == t->cap_esp) {
		cap = t->cap_esp ? t->cap_esp * 2 : 16;
		n = realloc(t->esp, cap * sizeof(*n));
		if (n == NULL) {
			esp_wipe(r);
			return RC_NOMEM;
		}
		t->esp = n;
		t->cap_esp = cap;
	}
	t->esp[t->n_esp++] = *r;
	memset(r, 0, sizeof(*r));
	return RC_OK;
}

enum rc
keytab_add_ike(struct keytab *t, const struct keytab_ike *r)
{
	struct keytab_ike c = *r;
	enum rc rc;

	memset(&c.sk_ei, 0, 4 * sizeof(c.sk_ei));
	c.encr[KEYTAB_ALG_MAX - 1] = c.integ[KEYTAB_ALG_MAX - 1] = '\0';
	c.label[KEYTAB_ALG_MAX - 1] = '\0';
	rc = bytes_dup(&c.sk_ei, &r->sk_ei);
	if (rc == RC_OK)
		rc = bytes_dup(&c.sk_er, &r->sk_er);
	if (rc == RC_OK)
		rc = bytes_dup(&c.sk_ai, &r->sk_ai);
	if (rc == RC_OK)
		rc = bytes_dup(&c.sk_ar, &r->sk_ar);
	if (rc != RC_OK) {
		ike_wipe(&c);
		return rc;
	}
	return push_ike(t, &c);
}

enum rc
keytab_add_esp(struct keytab *t, const struct keytab_esp *r)
{
	struct keytab_esp c = *r;
	enum rc rc;

	c.ekey.p = c.akey.p = NULL;
	c.ekey.len = c.akey.len = 0;
	c.encr[KEYTAB_ALG_MAX - 1] = c.integ[KEYTAB_ALG_MAX - 1] = '\0';
	c.src[KEYTAB_ADDR_MAX - 1] = c.dst[KEYTAB_ADDR_MAX - 1] = '\0';
	c.proto[sizeof(c.proto) - 1] = '\0';
	rc = bytes_dup(&c.ekey, &r->ekey);
	if (rc == RC_OK)
		rc = bytes_dup(&c.akey, &r->akey);
	if (rc != RC_OK) {
		esp_wipe(&c);
		return rc;
	}
	return push_esp(t, &c);
}

/* --- lexing ---------------------------------------------------------- */

/* Splits the next line off text (without "\n" and a trailing "\r"). */
static bool
next_line(struct rd *text, struct rd *line)
{
	struct rd view = *text;
	size_t n, left = rd_left(text);
	const uint8_t *p = rd_bytes(&view, left), *nl;

	if (left == 0 || p == NULL)
		return false;
	nl = memchr(p, '\n', left);
	n = nl != NULL ? (size_t)(nl - p) : left;
	*line = rd_sub(text, n);
	if (n < left)
		rd_skip(text, 1);
	if (line->len > 0 && line->buf[line->len - 1] == '\r')
		line->len--;
	return true;
}

static bool
is_space(uint8_t c)
{
	return c == ' ' || c == '\t';
}

static void
skip_ws(struct rd *r)
{
	while (rd_left(r) > 0 && is_space(rd_peek_u8(r, 0)))
		rd_skip(r, 1);
}

/* Copies the next whitespace-delimited token into dst; false if none. */
static bool
token(struct kt_run *k, struct rd *r, char *dst, size_t cap, enum rc *rc)
{
	size_t n = 0;

	*rc = RC_OK;
	skip_ws(r);
	while (rd_left(r) > 0 && !is_space(rd_peek_u8(r, 0))) {
		if (n + 1 >= cap) {
			*rc = kt_fail(k, RC_MALFORMED, "token longer than %zu "
			    "bytes", cap - 1);
			return false;
		}
		dst[n++] = (char)rd_u8(r);
	}
	dst[n] = '\0';
	return n > 0;
}

static int
hexval(int c)
{
	/* value + 1 for a hex digit, 0 otherwise (a table: key tables of
	 * thousands of rows are mostly hex) */
	static const uint8_t v[256] = {
		['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5,
		['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
		['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15,
		['f'] = 16, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14,
		['E'] = 15, ['F'] = 16,
	};

	return (int)v[(uint8_t)c] - 1;
}

/* Wireshark UAT string unescape: \xNN, \\ and \" (in place). */
static void
uat_unescape(char *s)
{
	char *w = s;
	int hi, lo;

	while (*s) {
		if (s[0] == '\\' && s[1] == 'x' && (hi = hexval(s[2])) >= 0 &&
		    (lo = hexval(s[3])) >= 0) {
			*w++ = (char)(hi << 4 | lo);
			s += 4;
		} else if (s[0] == '\\' && (s[1] == '\\' || s[1] == '"')) {
			*w++ = s[1];
			s += 2;
		} else {
			*w++ = *s++;
		}
	}
	*w = '\0';
}

/*
 * One CSV field (Wireshark UAT): "quoted" or bare, ends at ',' (consumed)
 * or the end of the line. Returns false at the end of the line.
 */
static enum rc
csv_field(struct kt_run *k, struct rd *r, char *dst, size_t cap, bool *more)
{
	struct rd view;
	const uint8_t *p;
	size_t n = 0, i = 0, left;
	bool quoted;

	skip_ws(r);
	quoted = rd_left(r) > 0 && rd_peek_u8(r, 0) == '"';
	if (quoted)
		rd_skip(r, 1);
	/* Scan a view of the rest of the line; consume what was taken. */
	view = *r;
	left = rd_left(r);
	p = rd_bytes(&view, left);
	while (p != NULL && i < left) {
		uint8_t c = p[i];

		if (quoted && c == '\\' && left - i >= 2) {
			if (n + 2 >= cap)
				break;
			dst[n++] = (char)c;
			dst[n++] = (char)p[i + 1];
			i += 2;
			continue;
		}
		if ((quoted && c == '"') || (!quoted && c == ','))
			break;
		if (n + 1 >= cap)
			return kt_fail(k, RC_MALFORMED, "field longer than %zu "
			    "bytes", cap - 1);
		dst[n++] = (char)c;
		i++;
	}
	rd_skip(r, i);
	dst[n] = '\0';
	if (quoted) {
		if (rd_left(r) == 0 || rd_peek_u8(r, 0) != '"')
			return kt_fail(k, RC_MALFORMED, "unterminated quoted "
			    "field");
		rd_skip(r, 1);
		uat_unescape(dst);
	} else {
		while (n > 0 && is_space((uint8_t)dst[n - 1]))
			dst[--n] = '\0';
	}
	skip_ws(r);
	*more = rd_left(r) > 0;
	if (*more) {
		if (rd_peek_u8(r, 0) != ',')
			return kt_fail(k, RC_MALFORMED, "expected ',' after "
			    "field");
		rd_skip(r, 1);
	}
	return RC_OK;
}

/* Hex text (optional 0x, optional ':' or ' ' separators) to bytes. */
static enum rc
hex_bytes(struct kt_run *k, const char *what, const char *s,
    struct keytab_bytes *out)
{
	uint8_t tmp[LIMIT_KEY_BYTES];
	size_t n = 0;
	int hi = -1, v;

	out->p = NULL;
	out->len = 0;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	for (; *s; s++) {
		if (*s == ':' || *s == ' ')
			continue;
		v = hexval((unsigned char)*s);
		if (v < 0)
			return kt_fail(k, RC_MALFORMED, "%s: '%c' is not a hex "
			    "digit", what, *s);
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n == sizeof(tmp))
			return kt_fail(k, RC_LIMIT, "%s longer than %u bytes",
			    what, LIMIT_KEY_BYTES);
		tmp[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	if (hi >= 0)
		return kt_fail(k, RC_MALFORMED, "%s has an odd number of hex "
		    "digits", what);
	if (n > 0) {
		out->p = malloc(n);
		if (out->p == NULL) {
			explicit_bzero(tmp, n);
			return RC_NOMEM;
		}
		memcpy(out->p, tmp, n);
		out->len = n;
	}
	explicit_bzero(tmp, n);
	return RC_OK;
}

/* An SPI of exactly want bytes from hex text. */
static enum rc
hex_spi(struct kt_run *k, const char *what, const char *s, uint8_t *dst,
    size_t want)
{
	struct keytab_bytes b;
	enum rc rc = hex_bytes(k, what, s, &b);

	if (rc != RC_OK)
		return rc;
	if (b.len != want) {
		rc = kt_fail(k, RC_MALFORMED, "%s is %zu bytes, expected %zu",
		    what, b.len, want);
		bytes_wipe(&b);
		return rc;
	}
	memcpy(dst, b.p, want);
	bytes_wipe(&b);
	return RC_OK;
}

static enum rc
copy_text(struct kt_run *k, const char *what, char *dst, size_t cap,
    const char *src)
{
	if (strlen(src) >= cap)
		return kt_fail(k, RC_MALFORMED, "%s longer than %zu bytes",
		    what, cap - 1);
	memcpy(dst, src, strlen(src) + 1);
	return RC_OK;
}

/* Wipes the text of the first n fields (key hex) of a row that parsed,
 * not the whole arrays: zeroing 8 x FIELD_MAX bytes per row was most of
 * loading a large table. */
static void
wipe_fields(char (*f)[FIELD_MAX], size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		explicit_bzero(f[i], strnlen(f[i], FIELD_MAX));
}

/* Splits a whole CSV line into up to max fields; *n gets the count. */
static enum rc
csv_split(struct kt_run *k, struct rd *line, char (*f)[FIELD_MAX],
    size_t max, size_t *n)
{
	bool more = true;
	char extra[FIELD_MAX];
	enum rc rc;

	extra[0] = '\0';
	*n = 0;
	while (more) {
		rc = csv_field(k, line, *n < max ? f[*n] : extra, FIELD_MAX,
		    &more);
		explicit_bzero(extra, strnlen(extra, FIELD_MAX));
		if (rc != RC_OK)
			return rc;
		(*n)++;
	}
	return RC_OK;
}

static bool
comment_or_blank(const struct rd *line)
{
	struct rd r = *line;

	skip_ws(&r);
	return rd_left(&r) == 0 || rd_peek_u8(&r, 0) == '#';
}

/* --- Wireshark UATs -------------------------------------------------- */

/* SPIi,SPIr,SK_ei,SK_er,"encr",SK_ai,SK_ar,"integ" */
static enum rc
ws_ikev2_line(struct kt_run *k, struct rd *line)
{
	char f[8][FIELD_MAX];
	struct keytab_ike r;
	size_t n;
	enum rc rc;

	memset(&r, 0, sizeof(r));
	rc = csv_split(k, line, f, 8, &n);
	if (rc == RC_OK && n != 8)
		rc = kt_fail(k, RC_MALFORMED, "ikev2_decryption_table row has "
		    "%zu fields, expected 8", n);
	r.format = KEYTAB_WS_IKEV2;
	r.line = k->line;
	r.has_spis = true;
	r.sides = KEYTAB_SIDE_I | KEYTAB_SIDE_R;
	if (rc == RC_OK)
		rc = hex_spi(k, "SPIi", f[0], r.spi_i, 8);
	if (rc == RC_OK)
		rc = hex_spi(k, "SPIr", f[1], r.spi_r, 8);
	if (rc == RC_OK)
		rc = hex_bytes(k, "SK_ei", f[2], &r.sk_ei);
	if (rc == RC_OK)
		rc = hex_bytes(k, "SK_er", f[3], &r.sk_er);
	if (rc == RC_OK)
		rc = copy_text(k, "encryption algorithm", r.encr,
		    sizeof(r.encr), f[4]);
	if (rc == RC_OK)
		rc = hex_bytes(k, "SK_ai", f[5], &r.sk_ai);
	if (rc == RC_OK)
		rc = hex_bytes(k, "SK_ar", f[6], &r.sk_ar);
	if (rc == RC_OK)
		rc = copy_text(k, "integrity algorithm", r.integ,
		    sizeof(r.integ), f[7]);
	if (rc == RC_OK)
		wipe_fields(f, 8);
	else
		explicit_bzero(f, sizeof(f)); /* a field may be cut short */
	if (rc != RC_OK) {
		ike_wipe(&r);
		return rc;
	}
	return push_ike(k->t, &r);
}

/* "proto","src","dst","SPI","encr","key","auth","key"[,...] */
static enum rc
ws_esp_line(struct kt_run *k, struct rd *line)
{
	char f[8][FIELD_MAX];
	struct keytab_esp r;
	uint8_t spi[4];
	size_t n;
	enum rc rc;

	memset(&r, 0, sizeof(r));
	rc = csv_split(k, line, f, 8, &n);
	if (rc == RC_OK && n < 8)
		rc = kt_fail(k, RC_MALFORMED, "esp_sa row has %zu fields, "
		    "expected at least 8", n);
	r.format = KEYTAB_WS_ESP;
	r.line = k->line;
	if (rc == RC_OK)
		rc = copy_text(k, "protocol", r.proto, sizeof(r.proto), f[0]);
	if (rc == RC_OK)
		rc = copy_text(k, "source", r.src, sizeof(r.src), f[1]);
	if (rc == RC_OK)
		rc = copy_text(k, "destination", r.dst, sizeof(r.dst), f[2]);
	if (rc == RC_OK && strcmp(f[3], "*") != 0) {
		rc = hex_spi(k, "SPI", f[3], spi, 4);
		r.has_spi = true;
		r.spi = (uint32_t)spi[0] << 24 | (uint32_t)spi[1] << 16 |
		    (uint32_t)spi[2] << 8 | spi[3];
	}
	if (rc == RC_OK)
		rc = copy_text(k, "encryption algorithm", r.encr,
		    sizeof(r.encr), f[4]);
	if (rc == RC_OK)
		rc = hex_bytes(k, "encryption key", f[5], &r.ekey);
	if (rc == RC_OK)
		rc = copy_text(k, "authentication algorithm", r.integ,
		    sizeof(r.integ), f[6]);
	if (rc == RC_OK)
		rc = hex_bytes(k, "authentication key", f[7], &r.akey);
	explicit_bzero(f, sizeof(f));
	if (rc != RC_OK) {
		esp_wipe(&r);
		return rc;
	}
	return push_esp(k->t, &r);
}

/* --- tcpdump -E ------------------------------------------------------ */

/* tcpdump's IKEv2 authentication algorithm names (print-esp.c). */
static bool
tcpdump_is_auth(const char *alg)
{
	static const char *const names[] = {"none", "md5", "sha1", "sha256",
	    "sha384", "sha512", "hmac-md5", "hmac-sha1", NULL};
	size_t i;

	for (i = 0; names[i] != NULL; i++)
		if (strcmp(alg, names[i]) == 0)
			return true;
	return false;
}

/* "alg:0xkey" into alg and key bytes. */
static enum rc
alg_key(struct kt_run *k, char *tok, char *alg, size_t cap,
    struct keytab_bytes *key)
{
	char *colon = strchr(tok, ':');
	enum rc rc;

	if (colon == NULL)
		return kt_fail(k, RC_MALFORMED, "expected alg:0xkey");
	*colon = '\0';
	rc = copy_text(k, "algorithm", alg, cap, tok);
	if (rc == RC_OK)
		rc = hex_bytes(k, "key", colon + 1, key);
	return rc;
}

/* Finds an IKE record with these SPIs from the same run (I/R merge). */
static struct keytab_ike *
find_ike_spis(struct keytab *t, const uint8_t *spi_i, const uint8_t *spi_r)
{
	size_t i;

	for (i = t->n_ike; i-- > 0;)
		if (t->ike[i].format == KEYTAB_TCPDUMP &&
		    memcmp(t->ike[i].spi_i, spi_i, 8) == 0 &&
		    memcmp(t->ike[i].spi_r, spi_r, 8) == 0)
			return &t->ike[i];
	return NULL;
}

/* ikev2 I|R 0xSPIi 0xSPIr alg:0xkey alg:0xkey */
static enum rc
tcpdump_ikev2(struct kt_run *k, struct rd *line)
{
	char tok[FIELD_MAX], alg[KEYTAB_ALG_MAX], encr[KEYTAB_ALG_MAX] = "";
	char integ[KEYTAB_ALG_MAX] = "";
	struct keytab_bytes ke = {0}, ka = {0}, kb;
	uint8_t spi_i[8], spi_r[8];
	struct keytab_ike r, *dst;
	bool init;
	enum rc rc = RC_OK;
	int i;

	if (!token(k, line, tok, sizeof(tok), &rc) ||
	    (strcmp(tok, "I") != 0 && strcmp(tok, "R") != 0))
		return rc != RC_OK ? rc : kt_fail(k, RC_MALFORMED,
		    "expected I or R after ikev2");
	init = tok[0] == 'I';
	if (!token(k, line, tok, sizeof(tok), &rc))
		return rc != RC_OK ? rc : kt_fail(k, RC_MALFORMED,
		    "expected SPIi");
	rc = hex_spi(k, "SPIi", tok, spi_i, 8);
	if (rc == RC_OK && !token(k, line, tok, sizeof(tok), &rc))
		rc = rc != RC_OK ? rc : kt_fail(k, RC_MALFORMED,
		    "expected SPIr");
	if (rc == RC_OK)
		rc = hex_spi(k, "SPIr", tok, spi_r, 8);
	for (i = 0; i < 2 && rc == RC_OK; i++) {
		if (!token(k, line, tok, sizeof(tok), &rc)) {
			rc = rc != RC_OK ? rc : kt_fail(k, RC_MALFORMED,
			    "expected alg:0xkey");
			break;
		}
		rc = alg_key(k, tok, alg, sizeof(alg), &kb);
		if (rc != RC_OK)
			break;
		if (tcpdump_is_auth(alg)) {
			bytes_wipe(&ka);
			ka = kb;
			memcpy(integ, alg, sizeof(integ));
		} else {
			bytes_wipe(&ke);
			ke = kb;
			memcpy(encr, alg, sizeof(encr));
		}
	}
	explicit_bzero(tok, sizeof(tok));
	if (rc == RC_OK && (encr[0] == '\0' || integ[0] == '\0'))
		rc = kt_fail(k, RC_MALFORMED, "ikev2 line needs an encryption "
		    "and an integrity alg:key");
	if (rc != RC_OK) {
		bytes_wipe(&ke);
		bytes_wipe(&ka);
		return rc;
	}
	dst = find_ike_spis(k->t, spi_i, spi_r);
	if (dst == NULL) {
		memset(&r, 0, sizeof(r));
		r.format = KEYTAB_TCPDUMP;
		r.line = k->line;
		r.has_spis = true;
		memcpy(r.spi_i, spi_i, 8);
		memcpy(r.spi_r, spi_r, 8);
		memcpy(r.encr, encr, sizeof(r.encr));
		memcpy(r.integ, integ, sizeof(r.integ));
		rc = push_ike(k->t, &r);
		if (rc != RC_OK) {
			bytes_wipe(&ke);
			bytes_wipe(&ka);
			return rc;
		}
		dst = &k->t->ike[k->t->n_ike - 1];
	}
	bytes_wipe(init ? &dst->sk_ei : &dst->sk_er);
	bytes_wipe(init ? &dst->sk_ai : &dst->sk_ar);
	*(init ? &dst->sk_ei : &dst->sk_er) = ke;
	*(init ? &dst->sk_ai : &dst->sk_ar) = ka;
	dst->sides |= init ? KEYTAB_SIDE_I : KEYTAB_SIDE_R;
	return RC_OK;
}

/* [0xSPI@addr] alg:0xkey  (tcpdump ESP secret; key for any SA without
 * the SPI part) */
static enum rc
tcpdump_esp(struct kt_run *k, struct rd *line, const char *first)
{
	char tok[FIELD_MAX], *at;
	struct keytab_esp r;
	uint8_t spi[4];
	enum rc rc = RC_OK;

	memset(&r, 0, sizeof(r));
	r.format = KEYTAB_TCPDUMP;
	r.line = k->line;
	memcpy(tok, first, strlen(first) + 1);
	at = strchr(tok, '@');
	if (at != NULL) {
		*at = '\0';
		rc = hex_spi(k, "SPI", tok, spi, 4);
		if (rc == RC_OK)
			rc = copy_text(k, "address", r.dst, sizeof(r.dst),
			    at + 1);
		r.has_spi = true;
		r.spi = (uint32_t)spi[0] << 24 | (uint32_t)spi[1] << 16 |
		    (uint32_t)spi[2] << 8 | spi[3];
		if (rc == RC_OK && !token(k, line, tok, sizeof(tok), &rc))
			rc = rc != RC_OK ? rc : kt_fail(k, RC_MALFORMED,
			    "expected alg:0xkey after SPI@address");
	}
	if (rc == RC_OK)
		rc = alg_key(k, tok, r.encr, sizeof(r.encr), &r.ekey);
	if (rc == RC_OK && token(k, line, tok, sizeof(tok), &rc))
		rc = kt_fail(k, RC_MALFORMED, "unexpected text after the key");
	explicit_bzero(tok, sizeof(tok));
	if (rc != RC_OK) {
		esp_wipe(&r);
		return rc;
	}
	return push_esp(k->t, &r);
}

static enum rc
tcpdump_line(struct kt_run *k, struct rd *line)
{
	char tok[FIELD_MAX];
	enum rc rc;

	if (!token(k, line, tok, sizeof(tok), &rc))
		return rc;
	if (strcmp(tok, "ikev2") == 0)
		return tcpdump_ikev2(k, line);
	rc = tcpdump_esp(k, line, tok);
	explicit_bzero(tok, sizeof(tok));
	return rc;
}

/* --- TSV with a header row ------------------------------------------- */

#define TSV_COLS 16u

enum { TC_SPI_I, TC_SPI_R, TC_EI, TC_ER, TC_ENC, TC_AI, TC_AR, TC_INTEG,
	TC_LABEL, TC__N };

static const char *const tsv_cols[TC__N] = {"spi_i", "spi_r", "sk_ei",
    "sk_er", "wireshark_enc_alg", "sk_ai", "sk_ar", "wireshark_integ_alg",
    "pcap"};

/* Splits a TSV line into fields (no quoting); *n gets the count. */
static enum rc
tsv_split(struct kt_run *k, struct rd *line, char (*f)[FIELD_MAX],
    size_t max, size_t *n)
{
	size_t len = 0;
	uint8_t c;

	*n = 0;
	f[0][0] = '\0';
	while (rd_left(line) > 0) {
		c = rd_u8(line);
		if (c == '\t') {
			if (*n < max)
				f[*n][len] = '\0';
			(*n)++;
			len = 0;
			if (*n < max)
				f[*n][0] = '\0';
			continue;
		}
		if (*n >= max)
			continue;
		if (len + 1 >= FIELD_MAX)
			return kt_fail(k, RC_MALFORMED, "field longer than %u "
			    "bytes", FIELD_MAX - 1);
		f[*n][len++] = (char)c;
	}
	if (*n < max)
		f[*n][len] = '\0';
	(*n)++;
	return RC_OK;
}

static enum rc
tsv_header(struct kt_run *k, char (*f)[FIELD_MAX], size_t n)
{
	size_t i, c;

	for (c = 0; c < TC__N; c++) {
		k->col[c] = -1;
		for (i = 0; i < n && i < TSV_COLS; i++)
			if (strcmp(f[i], tsv_cols[c]) == 0)
				k->col[c] = (int)i;
		if (k->col[c] < 0 && c != TC_LABEL)
			return kt_fail(k, RC_MALFORMED, "header has no column "
			    "'%s'", tsv_cols[c]);
	}
	k->header_seen = true;
	return RC_OK;
}

static enum rc
tsv_line(struct kt_run *k, struct rd *line)
{
	char f[TSV_COLS][FIELD_MAX];
	struct keytab_ike r;
	size_t n;
	enum rc rc;

	rc = tsv_split(k, line, f, TSV_COLS, &n);
	if (rc != RC_OK)
		return rc;
	if (!k->header_seen)
		return tsv_header(k, f, n);
	memset(&r, 0, sizeof(r));
	r.format = KEYTAB_SWAN_TSV;
	r.line = k->line;
	r.has_spis = true;
	r.sides = KEYTAB_SIDE_I | KEYTAB_SIDE_R;
	n = n > TSV_COLS ? TSV_COLS : n;
	if ((size_t)k->col[TC_INTEG] >= n || (size_t)k->col[TC_AR] >= n)
		rc = kt_fail(k, RC_MALFORMED, "row has %zu columns", n);
	if (rc == RC_OK)
		rc = hex_spi(k, "spi_i", f[k->col[TC_SPI_I]], r.spi_i, 8);
	if (rc == RC_OK)
		rc = hex_spi(k, "spi_r", f[k->col[TC_SPI_R]], r.spi_r, 8);
	if (rc == RC_OK)
		rc = hex_bytes(k, "sk_ei", f[k->col[TC_EI]], &r.sk_ei);
	if (rc == RC_OK)
		rc = hex_bytes(k, "sk_er", f[k->col[TC_ER]], &r.sk_er);
	if (rc == RC_OK)
		rc = hex_bytes(k, "sk_ai", f[k->col[TC_AI]], &r.sk_ai);
	if (rc == RC_OK)
		rc = hex_bytes(k, "sk_ar", f[k->col[TC_AR]], &r.sk_ar);
	if (rc == RC_OK)
		rc = copy_text(k, "encryption algorithm", r.encr,
		    sizeof(r.encr), f[k->col[TC_ENC]]);
	if (rc == RC_OK)
		rc = copy_text(k, "integrity algorithm", r.integ,
		    sizeof(r.integ), f[k->col[TC_INTEG]]);
	if (rc == RC_OK && k->col[TC_LABEL] >= 0 &&
	    (size_t)k->col[TC_LABEL] < n)
		rc = copy_text(k, "label", r.label, sizeof(r.label),
		    f[k->col[TC_LABEL]]);
	if (rc == RC_OK)
		wipe_fields(f, 8);
	else
		explicit_bzero(f, sizeof(f)); /* a field may be cut short */
	if (rc != RC_OK) {
		ike_wipe(&r);
		return rc;
	}
	return push_ike(k->t, &r);
}

/* --- strongSwan charon log ------------------------------------------- */

/*
 * charon 5.9 (libcharon/sa/ikev2/keymat_v2.c) logs each derived key at
 * level 4 as "<label> %B"; the %B hook (utils/utils/memory.c
 * mem_printf_hook) prints "=> N bytes @ 0xADDR" and then, per 16 bytes,
 * "\n%4d: XX XX ... XX  ascii". The file logger repeats the line prefix
 * (time, thread, [IKE]) on every line of a multi-line message.
 */
enum ck { CK_SKD, CK_AI, CK_AR, CK_EI, CK_ER, CK_PI, CK_PR, CK_ENC_I,
	CK_ENC_R, CK_INT_I, CK_INT_R, CK__N };

static const char *const charon_labels[CK__N] = {"Sk_d secret",
    "Sk_ai secret", "Sk_ar secret", "Sk_ei secret", "Sk_er secret",
    "Sk_pi secret", "Sk_pr secret", "encryption initiator key",
    "encryption responder key", "integrity initiator key",
    "integrity responder key"};

/* Position of needle in what is left of the line (from the cursor), or
 * -1. */
static long
line_find(const struct rd *line, const char *needle)
{
	struct rd view = *line;
	size_t left = rd_left(line);
	const uint8_t *p = rd_bytes(&view, left);
	const uint8_t *hit;

	if (p == NULL || left == 0)
		return -1;
	hit = memmem(p, left, needle, strlen(needle));
	return hit != NULL ? (long)(hit - p) : -1;
}

/* Emits the pending IKE and ESP records (those holding keys). */
static enum rc
charon_flush(struct kt_run *k)
{
	enum rc rc = RC_OK, rc2;
	size_t d;

	if (k->have_ike) {
		k->have_ike = false;
		if (k->pend_ike.sk_ei.len > 0 || k->pend_ike.sk_er.len > 0)
			rc = push_ike(k->t, &k->pend_ike);
		ike_wipe(&k->pend_ike);
		memset(&k->pend_ike, 0, sizeof(k->pend_ike));
	}
	if (k->have_esp) {
		k->have_esp = false;
		/* One record per direction: initiator->responder first. */
		for (d = 0; d < 2; d++) {
			rc2 = RC_OK;
			if (k->pend_esp[d].ekey.len > 0 ||
			    k->pend_esp[d].akey.len > 0)
				rc2 = push_esp(k->t, &k->pend_esp[d]);
			esp_wipe(&k->pend_esp[d]);
			memset(&k->pend_esp[d], 0, sizeof(k->pend_esp[d]));
			if (rc == RC_OK)
				rc = rc2;
		}
	}
	return rc;
}

/* Reads "N: XX XX ..." continuation lines until want bytes are had. */
static enum rc
charon_dump(struct kt_run *k, struct rd *text, size_t prefix_len,
    const uint8_t *prefix, size_t want, const char *label, uint8_t *dst)
{
	struct rd line;
	size_t got = 0, off, i;
	int hi, lo;

	while (got < want) {
		if (!next_line(text, &line))
			return kt_fail(k, RC_MALFORMED, "%s: hex dump ends "
			    "after %zu of %zu bytes", label, got, want);
		k->line++;
		k->lr = &line;
		if (prefix_len <= line.len &&
		    memcmp(line.buf, prefix, prefix_len) == 0)
			rd_skip(&line, prefix_len);
		skip_ws(&line);
		off = 0;
		while (rd_left(&line) > 0 && rd_peek_u8(&line, 0) >= '0' &&
		    rd_peek_u8(&line, 0) <= '9' && off < 100000)
			off = off * 10 + (size_t)(rd_u8(&line) - '0');
		if (off != got || rd_u8(&line) != ':' || rd_u8(&line) != ' ')
			return kt_fail(k, RC_MALFORMED, "%s: expected hex dump "
			    "line at offset %zu", label, got);
		for (i = 0; i < 16 && got < want; i++) {
			if (i > 0 && rd_u8(&line) != ' ')
				break;
			hi = hexval(rd_u8(&line));
			lo = hexval(rd_u8(&line));
			if (hi < 0 || lo < 0)
				return kt_fail(k, RC_MALFORMED, "%s: bad hex "
				    "byte", label);
			dst[got++] = (uint8_t)(hi << 4 | lo);
		}
	}
	return RC_OK;
}

/* "=> N bytes @ ..." after the label: N. */
static enum rc
charon_count(struct kt_run *k, struct rd *line, size_t *n)
{
	*n = 0;
	skip_ws(line);
	if (rd_u8(line) != '=' || rd_u8(line) != '>')
		return kt_fail(k, RC_MALFORMED, "expected '=> N bytes'");
	skip_ws(line);
	if (rd_left(line) == 0 || rd_peek_u8(line, 0) < '0' ||
	    rd_peek_u8(line, 0) > '9')
		return kt_fail(k, RC_MALFORMED, "expected a byte count");
	while (rd_left(line) > 0 && rd_peek_u8(line, 0) >= '0' &&
	    rd_peek_u8(line, 0) <= '9') {
		*n = *n * 10 + (size_t)(rd_u8(line) - '0');
		if (*n > LIMIT_KEY_BYTES)
			return kt_fail(k, RC_LIMIT, "key longer than %u bytes",
			    LIMIT_KEY_BYTES);
	}
	return RC_OK;
}

/* The pending slot a label fills; starts a pending record if needed. */
static struct keytab_bytes *
charon_slot(struct kt_run *k, enum ck c)
{
	struct keytab_esp *e;
	size_t d;

	if (c < CK_ENC_I) {
		if (!k->have_ike) {
			k->have_ike = true;
			k->pend_ike.format = KEYTAB_CHARON;
			k->pend_ike.line = k->line;
			k->pend_ike.sides = KEYTAB_SIDE_I | KEYTAB_SIDE_R;
			memcpy(k->pend_ike.encr, k->ike_prop,
			    sizeof(k->ike_prop));
		}
		return c == CK_AI ? &k->pend_ike.sk_ai : c == CK_AR ?
		    &k->pend_ike.sk_ar : c == CK_EI ? &k->pend_ike.sk_ei :
		    &k->pend_ike.sk_er;
	}
	if (!k->have_esp) {
		k->have_esp = true;
		for (d = 0; d < 2; d++) {
			e = &k->pend_esp[d];
			e->format = KEYTAB_CHARON;
			e->line = k->line;
			e->initiator_dir = d == 0;
			memcpy(e->encr, k->esp_prop, sizeof(k->esp_prop));
		}
	}
	d = c == CK_ENC_I || c == CK_INT_I ? 0 : 1;
	return c == CK_ENC_I || c == CK_ENC_R ? &k->pend_esp[d].ekey :
	    &k->pend_esp[d].akey;
}

/* Stores key bytes for label kind c into the pending records; a label
 * seen twice starts the next key set. */
static enum rc
charon_store(struct kt_run *k, enum ck c, const uint8_t *key, size_t n)
{
	struct keytab_bytes *slot;
	enum rc rc;

	if (c == CK_SKD)
		return charon_flush(k);
	if (c == CK_PI || c == CK_PR)
		return RC_OK;
	slot = charon_slot(k, c);
	if (slot->len > 0) {
		rc = charon_flush(k);
		if (rc != RC_OK)
			return rc;
		slot = charon_slot(k, c);
	}
	if (n == 0)
		return RC_OK;
	slot->p = malloc(n);
	if (slot->p == NULL)
		return RC_NOMEM;
	memcpy(slot->p, key, n);
	slot->len = n;
	return RC_OK;
}

/* Remembers the last "selected proposal: IKE:..." / "ESP:..." text. */
static enum rc
charon_proposal(struct kt_run *k, struct rd *line)
{
	long at = line_find(line, "selected proposal: ");
	char *dst;
	size_t n;

	if (at < 0)
		return RC_OK;
	rd_skip(line, (size_t)at + strlen("selected proposal: "));
	if (line_find(line, "IKE:") == 0) {
		dst = k->ike_prop;
	} else if (line_find(line, "ESP:") == 0) {
		dst = k->esp_prop;
	} else {
		return RC_OK;
	}
	rd_skip(line, 4);
	n = rd_left(line);
	/* Algorithms come first; a long tail (extra KE methods) is cut at
	 * a '/' so no token is kept half. */
	if (n >= KEYTAB_ALG_MAX) {
		n = KEYTAB_ALG_MAX - 1;
		while (n > 0 && rd_peek_u8(line, n) != '/')
			n--;
	}
	(void)rd_copy(line, dst, n);
	dst[n] = '\0';
	return RC_OK;
}

static enum rc
charon_line(struct kt_run *k, struct rd *line, struct rd *text)
{
	uint8_t key[LIMIT_KEY_BYTES];
	size_t c, n;
	long at = -1;
	enum rc rc;

	for (c = 0; c < CK__N && at < 0; c++)
		at = line_find(line, charon_labels[c]);
	if (at < 0)
		return charon_proposal(k, line);
	c--;
	rd_skip(line, (size_t)at + strlen(charon_labels[c]));
	rc = charon_count(k, line, &n);
	if (rc != RC_OK)
		return rc;
	rc = charon_dump(k, text, (size_t)at, line->buf, n, charon_labels[c],
	    key);
	if (rc == RC_OK)
		rc = charon_store(k, (enum ck)c, key, n);
	explicit_bzero(key, sizeof(key));
	return rc;
}

/* --- driver ---------------------------------------------------------- */

/*
 * True for a charon log line: "... 08[IKE] text", a thread number, a
 * three-letter group in brackets and a space. A charon log without key
 * dumps (cut before them, or a lower log level) still says "@ 0x..." in
 * its chunk dumps and must not be taken for a tcpdump secrets file
 * (fixture: the truncated charon log in tests/cli/test_bad_input.c).
 */
static bool
charon_log_line(const struct rd *line)
{
	size_t i, j, left = rd_left(line);
	uint8_t c;

	for (i = 5; i + 1 < left; i++) {
		if (rd_peek_u8(line, i) != ']' ||
		    rd_peek_u8(line, i + 1) != ' ' ||
		    rd_peek_u8(line, i - 4) != '[')
			continue;
		c = rd_peek_u8(line, i - 5);
		for (j = 1; j <= 3; j++) {
			uint8_t u = rd_peek_u8(line, i - j);

			if (u < 'A' || u > 'Z')
				break;
		}
		if (c >= '0' && c <= '9' && j > 3)
			return true;
	}
	return false;
}

enum keytab_format
keytab_detect(const uint8_t *text, size_t len)
{
	struct rd all = rd_init(text, len), line;
	int lines = 0;

	if (line_find(&all, "Sk_ei secret") >= 0 ||
	    line_find(&all, "encryption initiator key") >= 0)
		return KEYTAB_CHARON;
	while (lines < 50 && next_line(&all, &line)) {
		lines++;
		/* our own UATs name themselves: a table of no rows (nothing
		 * verified) still reads back as a table */
		if (line_find(&line, "# ikev2_decryption_table written") == 0)
			return KEYTAB_WS_IKEV2;
		if (line_find(&line, "# esp_sa written") == 0)
			return KEYTAB_WS_ESP;
		if (comment_or_blank(&line))
			continue;
		if (charon_log_line(&line))
			return KEYTAB_CHARON;
		if (line_find(&line, "spi_i\t") >= 0)
			return KEYTAB_SWAN_TSV;
		if (line_find(&line, "ikev2 ") == 0 ||
		    line_find(&line, "@") >= 0)
			return KEYTAB_TCPDUMP;
		if (line_find(&line, "\"IPv4\"") == 0 ||
		    line_find(&line, "\"IPv6\"") == 0 ||
		    line_find(&line, "\"*\"") == 0)
			return KEYTAB_WS_ESP;
		if (line_find(&line, ",") == 16)
			return KEYTAB_WS_IKEV2;
		if (line_find(&line, ":0x") >= 0)
			return KEYTAB_TCPDUMP;
	}
	return KEYTAB_AUTO;
}

static enum rc
parse_line(struct kt_run *k, enum keytab_format fmt, struct rd *line,
    struct rd *text)
{
	if (line->len > LIMIT_TEXT_LINE)
		return kt_fail(k, RC_LIMIT, "line longer than %u bytes",
		    LIMIT_TEXT_LINE);
	if (fmt == KEYTAB_CHARON)
		return charon_line(k, line, text);
	if (comment_or_blank(line))
		return RC_OK;
	switch (fmt) {
	case KEYTAB_WS_IKEV2:
		return ws_ikev2_line(k, line);
	case KEYTAB_WS_ESP:
		return ws_esp_line(k, line);
	case KEYTAB_TCPDUMP:
		return tcpdump_line(k, line);
	case KEYTAB_SWAN_TSV:
		return tsv_line(k, line);
	default:
		return RC_FORMAT;
	}
}

enum rc
keytab_parse(struct keytab *t, enum keytab_format fmt, const char *name,
    const uint8_t *text, size_t len)
{
	struct rd all = rd_init(text, len), line;
	struct kt_run *k;
	enum rc rc = RC_OK;

	t->err[0] = '\0';
	if (fmt == KEYTAB_AUTO)
		fmt = keytab_detect(text, len);
	if (fmt == KEYTAB_AUTO) {
		(void)snprintf(t->err, sizeof(t->err), "%s: not a key table "
		    "format wfpdiag knows", name);
		return RC_FORMAT;
	}
	k = calloc(1, sizeof(*k));
	if (k == NULL)
		return RC_NOMEM;
	k->t = t;
	k->name = name;
	while (rc == RC_OK && next_line(&all, &line)) {
		k->line++;
		k->lr = &line;
		rc = parse_line(k, fmt, &line, &all);
		/* push_ike/push_esp fail without a message: the table cap
		 * (70000 rows, tests/formats/test_keytab.c) or memory. */
		if (rc == RC_LIMIT && k->t->err[0] == '\0')
			(void)kt_fail(k, rc, "more than %u key rows "
			    "(LIMIT_KEYTAB_ROWS)", LIMIT_KEYTAB_ROWS);
		else if (rc != RC_OK && k->t->err[0] == '\0')
			(void)kt_fail(k, rc, "%s", rc_str(rc));
		k->lr = NULL;
	}
	if (fmt == KEYTAB_CHARON) {
		enum rc rc2 = charon_flush(k);

		rc = rc == RC_OK ? rc2 : rc;
	}
	if (fmt == KEYTAB_SWAN_TSV && rc == RC_OK && !k->header_seen) {
		k->line = 1;
		rc = kt_fail(k, RC_MALFORMED, "no header row");
	}
	explicit_bzero(k, sizeof(*k));
	free(k);
	return rc;
}

enum rc
keytab_load(struct keytab *t, enum keytab_format fmt, const char *path)
{
	uint8_t *data = NULL, *grown;
	size_t len = 0, cap = 0, got;
	FILE *f = fopen(path, "rb");
	enum rc rc;

	if (f == NULL) {
		(void)snprintf(t->err, sizeof(t->err), "%s: cannot open",
		    path);
		return RC_IO;
	}
	do {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			if (cap > (size_t)LIMIT_KEYTAB_ROWS * 4096u) {
				rc = RC_LIMIT;
				goto out;
			}
			grown = realloc(data, cap);
			if (grown == NULL) {
				rc = RC_NOMEM;
				goto out;
			}
			data = grown;
		}
		got = fread(data + len, 1, cap - len, f);
		len += got;
	} while (got > 0);
	rc = ferror(f) ? RC_IO : keytab_parse(t, fmt, path, data, len);
out:
	if (rc == RC_IO || rc == RC_LIMIT || rc == RC_NOMEM)
		if (t->err[0] == '\0')
			(void)snprintf(t->err, sizeof(t->err), "%s: %s", path,
			    rc_str(rc));
	fclose(f);
	if (data != NULL) {
		explicit_bzero(data, len);
		free(data);
	}
	return rc;
}

/* --- writers --------------------------------------------------------- */

static enum rc
put_hex(struct buf *out, const struct keytab_bytes *b, const uint8_t *p,
    size_t n)
{
	static const char digits[] = "0123456789abcdef";
	enum rc rc = RC_OK;
	size_t i;

	if (b != NULL) {
		p = b->p;
		n = b->len;
	}
	for (i = 0; i < n && rc == RC_OK; i++) {
		rc = buf_put_u8(out, (uint8_t)digits[p[i] >> 4]);
		if (rc == RC_OK)
			rc = buf_put_u8(out, (uint8_t)digits[p[i] & 15]);
	}
	return rc;
}

/* A UAT quoted string: \xNN for '"', '\\' and non-printables. */
static enum rc
put_quoted(struct buf *out, const char *s)
{
	enum rc rc = buf_put_u8(out, '"');

	for (; *s && rc == RC_OK; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
			rc = buf_printf(out, "\\x%02x", c);
		else
			rc = buf_put_u8(out, c);
	}
	return rc == RC_OK ? buf_put_u8(out, '"') : rc;
}

enum rc
keytab_write_ws_ikev2(const struct keytab *t, struct buf *out)
{
	const struct keytab_ike *r;
	enum rc rc = buf_printf(out, "# ikev2_decryption_table written by "
	    "wfpdiag: holds keys, keep it private.\n");
	size_t i;

	for (i = 0; i < t->n_ike && rc == RC_OK; i++) {
		r = &t->ike[i];
		if (!r->has_spis)
			continue;
		rc = put_hex(out, NULL, r->spi_i, 8);
		if (rc == RC_OK)
			rc = buf_put_u8(out, ',');
		if (rc == RC_OK)
			rc = put_hex(out, NULL, r->spi_r, 8);
		if (rc == RC_OK)
			rc = buf_put_u8(out, ',');
		if (rc == RC_OK)
			rc = put_hex(out, &r->sk_ei, NULL, 0);
		if (rc == RC_OK)
			rc = buf_put_u8(out, ',');
		if (rc == RC_OK)
			rc = put_hex(out, &r->sk_er, NULL, 0);
		if (rc == RC_OK)
			rc = buf_put_u8(out, ',');
		if (rc == RC_OK)
			rc = put_quoted(out, r->encr);
		if (rc == RC_OK)
			rc = buf_put_u8(out, ',');
		if (rc == RC_OK)
			rc = put_hex(out, &r->sk_ai, NULL, 0);
		if (rc == RC_OK)
			rc = buf_put_u8(out, ',');
		if (rc == RC_OK)
			rc = put_hex(out, &r->sk_ar, NULL, 0);
		if (rc == RC_OK)
			rc = buf_put_u8(out, ',');
		if (rc == RC_OK)
			rc = put_quoted(out, r->integ);
		if (rc == RC_OK)
			rc = buf_put_u8(out, '\n');
	}
	return rc;
}

/* One esp_sa key field: "0x..." or "" when empty. */
static enum rc
put_key(struct buf *out, const struct keytab_bytes *b)
{
	enum rc rc = buf_put_u8(out, '"');

	if (rc == RC_OK && b->len > 0)
		rc = buf_printf(out, "0x");
	if (rc == RC_OK)
		rc = put_hex(out, b, NULL, 0);
	return rc == RC_OK ? buf_put_u8(out, '"') : rc;
}

enum rc
keytab_write_ws_esp(const struct keytab *t, struct buf *out)
{
	const struct keytab_esp *r;
	enum rc rc = buf_printf(out, "# esp_sa written by wfpdiag: holds "
	    "keys, keep it private.\n");
	size_t i;

	for (i = 0; i < t->n_esp && rc == RC_OK; i++) {
		r = &t->esp[i];
		if (!r->has_spi)
			continue;
		rc = put_quoted(out, r->proto[0] ? r->proto : "*");
		if (rc == RC_OK)
			rc = buf_put_u8(out, ',');
		if (rc == RC_OK)
			rc = put_quoted(out, r->src[0] ? r->src : "*");
		if (rc == RC_OK)
			rc = buf_put_u8(out, ',');
		if (rc == RC_OK)
			rc = put_quoted(out, r->dst[0] ? r->dst : "*");
		if (rc == RC_OK)
			rc = buf_printf(out, ",\"0x%08x\",", r->spi);
		if (rc == RC_OK)
			rc = put_quoted(out, r->encr);
		if (rc == RC_OK)
			rc = buf_put_u8(out, ',');
		if (rc == RC_OK)
			rc = put_key(out, &r->ekey);
		if (rc == RC_OK)
			rc = buf_put_u8(out, ',');
		if (rc == RC_OK)
			rc = put_quoted(out, r->integ);
		if (rc == RC_OK)
			rc = buf_put_u8(out, ',');
		if (rc == RC_OK)
			rc = put_key(out, &r->akey);
		if (rc == RC_OK)
			rc = buf_put_u8(out, '\n');
	}
	return rc;
}
