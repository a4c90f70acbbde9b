/*
 * The keying-event log text format (see evlog.h for the grammar). The
 * writer escapes; the reader is a cursor over struct rd that advances only
 * through whole tokens and names file, line and column in its errors.
 */
#include "formats/evlog.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static bool
is_token_char(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

static bool
is_bare_char(uint8_t c)
{
	return c > 0x20 && c < 0x7f && c != '"' && c != '\\';
}

static bool
valid_token(const char *s)
{
	size_t i;

	if (s == NULL || s[0] == '\0')
		return false;
	for (i = 0; s[i] != '\0'; i++)
		if (!is_token_char((uint8_t)s[i]))
			return false;
	return true;
}

static enum rc
put_value(struct buf *out, const char *v)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;
	bool bare = v[0] != '\0';
	enum rc rc;

	for (i = 0; bare && v[i] != '\0'; i++)
		bare = is_bare_char((uint8_t)v[i]);
	if (bare)
		return buf_append(out, v, strlen(v));
	rc = buf_put_u8(out, '"');
	for (i = 0; rc == RC_OK && v[i] != '\0'; i++) {
		uint8_t c = (uint8_t)v[i];
		char e[4] = {'\\', 0, 0, 0};
		size_t n = 2;

		if (c == '"' || c == '\\')
			e[1] = (char)c;
		else if (c == '\n')
			e[1] = 'n';
		else if (c == '\r')
			e[1] = 'r';
		else if (c == '\t')
			e[1] = 't';
		else if (c < 0x20 || c >= 0x7f) {
			e[1] = 'x';
			e[2] = hex[c >> 4];
			e[3] = hex[c & 15];
			n = 4;
		} else {
			e[0] = (char)c;
			n = 1;
		}
		rc = buf_append(out, e, n);
	}
	if (rc == RC_OK)
		rc = buf_put_u8(out, '"');
	return rc;
}

enum rc
evlog_format(struct buf *out, int64_t sec, uint32_t nsec, const char *source,
    const char *type, const struct evlog_kv *kv, size_t n)
{
	size_t start = out->len, i;
	enum rc rc;

	if (!valid_token(source) || !valid_token(type) || nsec >= 1000000000u
	    || sec < 0 || n > LIMIT_EVLOG_FIELDS)
		return RC_INVAL;
	for (i = 0; i < n; i++)
		if (!valid_token(kv[i].key) || kv[i].val == NULL)
			return RC_INVAL;
	rc = buf_printf(out, "%" PRId64 ".%09" PRIu32 " %s %s", sec, nsec,
	    source, type);
	for (i = 0; rc == RC_OK && i < n; i++) {
		rc = buf_printf(out, " %s=", kv[i].key);
		if (rc == RC_OK)
			rc = put_value(out, kv[i].val);
	}
	if (rc == RC_OK)
		rc = buf_put_u8(out, '\n');
	if (rc == RC_OK && out->len - start > LIMIT_TEXT_LINE)
		rc = RC_LIMIT;
	if (rc != RC_OK)
		out->len = start;	/* all or nothing */
	return rc;
}

bool
evlog_detect(const uint8_t *text, size_t len)
{
	size_t m = strlen(EVLOG_MAGIC);

	return text != NULL && len >= m && memcmp(text, EVLOG_MAGIC, m) == 0;
}

void
evlog_reader_init(struct evlog_reader *r, const uint8_t *text, size_t len,
    const char *name)
{
	r->text = rd_init(text, len);
	r->name = name ? name : "events.log";
	r->line = 0;
	r->err[0] = '\0';
}

/* Parser state for one line: the output store and the error text. */
struct lp {
	struct rd *in;
	struct evlog_rec *rec;
	size_t used;		/* bytes of rec->store used */
	char *err;
	size_t errlen;
};

static enum rc
lp_fail(struct lp *p, enum rc rc, const char *what)
{
	snprintf(p->err, p->errlen, "column %zu: %s", p->in->off + 1, what);
	return rc;
}

static enum rc
lp_putc(struct lp *p, char c)
{
	if (p->used >= sizeof(p->rec->store))
		return lp_fail(p, RC_LIMIT, "line too long");
	p->rec->store[p->used++] = c;
	return RC_OK;
}

/* Copies a token into the store; *out points at it. */
static enum rc
lp_token(struct lp *p, const char **out, const char *what)
{
	size_t start = p->used;
	enum rc rc = RC_OK;
	char msg[64];

	while (rc == RC_OK && rd_left(p->in) > 0 &&
	    is_token_char(rd_peek_u8(p->in, 0)))
		rc = lp_putc(p, (char)rd_u8(p->in));
	if (rc == RC_OK && p->used == start) {
		snprintf(msg, sizeof(msg), "expected %s", what);
		return lp_fail(p, RC_MALFORMED, msg);
	}
	if (rc == RC_OK)
		rc = lp_putc(p, '\0');
	*out = p->rec->store + start;
	return rc;
}

static int
hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One escape after the backslash: \\ \" \n \r \t \xHH. */
static enum rc
lp_escape(struct lp *p)
{
	uint8_t c, v;
	int hi, lo;

	if (rd_left(p->in) == 0)
		return lp_fail(p, RC_SHORT, "line ends inside an escape");
	c = rd_u8(p->in);
	switch (c) {
	case '\\': case '"':
		v = c;
		break;
	case 'n':
		v = '\n';
		break;
	case 'r':
		v = '\r';
		break;
	case 't':
		v = '\t';
		break;
	case 'x':
		if (rd_left(p->in) < 2)
			return lp_fail(p, RC_SHORT, "line ends inside \\x");
		hi = hexval(rd_u8(p->in));
		lo = hexval(rd_u8(p->in));
		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
			return lp_fail(p, RC_MALFORMED,
			    "\\x needs two hex digits, not 00");
		v = (uint8_t)(hi << 4 | lo);
		break;
	default:
		return lp_fail(p, RC_MALFORMED, "unknown escape");
	}
	return lp_putc(p, (char)v);
}

static enum rc
lp_quoted(struct lp *p)
{
	enum rc rc = RC_OK;
	uint8_t c;

	(void)rd_u8(p->in);	/* opening quote */
	for (;;) {
		if (rd_left(p->in) == 0)
			return lp_fail(p, RC_SHORT, "line ends inside a quote");
		c = rd_u8(p->in);
		if (c == '"')
			break;
		if (c == '\\')
			rc = lp_escape(p);
		else if (c < 0x20 || c >= 0x7f)
			rc = lp_fail(p, RC_MALFORMED,
			    "control or non-ASCII byte inside a quote");
		else
			rc = lp_putc(p, (char)c);
		if (rc != RC_OK)
			return rc;
	}
	return lp_putc(p, '\0');
}

static enum rc
lp_value(struct lp *p, const char **out)
{
	size_t start = p->used;
	enum rc rc = RC_OK;

	if (rd_left(p->in) > 0 && rd_peek_u8(p->in, 0) == '"')
		rc = lp_quoted(p);
	else {
		while (rc == RC_OK && rd_left(p->in) > 0 &&
		    is_bare_char(rd_peek_u8(p->in, 0)))
			rc = lp_putc(p, (char)rd_u8(p->in));
		if (rc == RC_OK && p->used == start)
			return lp_fail(p, RC_MALFORMED, "expected a value");
		if (rc == RC_OK)
			rc = lp_putc(p, '\0');
	}
	*out = p->rec->store + start;
	return rc;
}

static enum rc
lp_space(struct lp *p)
{
	if (rd_left(p->in) == 0 || rd_u8(p->in) != ' ')
		return lp_fail(p, RC_MALFORMED, "expected one space");
	return RC_OK;
}

/* ts = digits "." 9 digits */
static enum rc
lp_timestamp(struct lp *p)
{
	uint64_t sec = 0;
	uint32_t nsec = 0;
	size_t nd = 0;

	while (rd_left(p->in) > 0 && rd_peek_u8(p->in, 0) >= '0' &&
	    rd_peek_u8(p->in, 0) <= '9') {
		if (++nd > 18)
			return lp_fail(p, RC_MALFORMED, "timestamp too large");
		sec = sec * 10 + (uint64_t)(rd_u8(p->in) - '0');
	}
	if (nd == 0 || rd_left(p->in) == 0 || rd_u8(p->in) != '.')
		return lp_fail(p, RC_MALFORMED,
		    "expected timestamp SECONDS.NANOSECONDS");
	for (nd = 0; nd < 9; nd++) {
		uint8_t c = rd_peek_u8(p->in, 0);

		if (rd_left(p->in) == 0 || c < '0' || c > '9')
			return lp_fail(p, RC_MALFORMED,
			    "timestamp needs 9 digits of nanoseconds");
		nsec = nsec * 10 + (uint32_t)(rd_u8(p->in) - '0');
	}
	p->rec->sec = (int64_t)sec;
	p->rec->nsec = nsec;
	return RC_OK;
}

enum rc
evlog_parse_line(struct rd *line, struct evlog_rec *rec, char *err,
    size_t errlen)
{
	struct lp p = {.in = line, .rec = rec, .used = 0, .err = err,
	    .errlen = errlen};
	enum rc rc;

	rec->n = 0;
	if ((rc = lp_timestamp(&p)) != RC_OK || (rc = lp_space(&p)) != RC_OK
	    || (rc = lp_token(&p, &rec->source, "source")) != RC_OK ||
	    (rc = lp_space(&p)) != RC_OK ||
	    (rc = lp_token(&p, &rec->type, "event type")) != RC_OK)
		return rc;
	while (rd_left(line) > 0) {
		struct evlog_kv *kv;

		if ((rc = lp_space(&p)) != RC_OK)
			return rc;
		if (rec->n >= LIMIT_EVLOG_FIELDS)
			return lp_fail(&p, RC_LIMIT, "too many fields");
		kv = &rec->f[rec->n];
		if ((rc = lp_token(&p, &kv->key, "key")) != RC_OK)
			return rc;
		if (rd_left(line) == 0 || rd_u8(line) != '=')
			return lp_fail(&p, RC_MALFORMED, "expected '='");
		if ((rc = lp_value(&p, &kv->val)) != RC_OK)
			return rc;
		rec->n++;
	}
	return RC_OK;
}

/* Next line as a sub-reader (without LF); *had_lf says whether it ended
 * with one. Returns false at the end of the text. */
static bool
next_line(struct rd *text, struct rd *line, bool *had_lf)
{
	size_t n = 0, left = rd_left(text);

	if (left == 0)
		return false;
	while (n < left && rd_peek_u8(text, n) != '\n')
		n++;
	*line = rd_sub(text, n);
	*had_lf = n < left;
	if (*had_lf)
		rd_skip(text, 1);
	return true;
}

enum rc
evlog_next(struct evlog_reader *r, struct evlog_rec *rec)
{
	struct rd line;
	bool lf;
	enum rc rc;
	char msg[200];

	for (;;) {
		if (!next_line(&r->text, &line, &lf))
			return RC_EOF;
		r->line++;
		if (line.len == 0 || rd_peek_u8(&line, 0) == '#')
			continue;
		if (line.len > LIMIT_TEXT_LINE) {
			snprintf(r->err, sizeof(r->err),
			    "%s:%zu: line of %zu bytes > %u", r->name,
			    r->line, line.len, LIMIT_TEXT_LINE);
			return RC_LIMIT;
		}
		rc = evlog_parse_line(&line, rec, msg, sizeof(msg));
		if (rc == RC_MALFORMED && !lf)
			rc = RC_SHORT;	/* a last line cut by a crash */
		if (rc != RC_OK)
			snprintf(r->err, sizeof(r->err), "%s:%zu: %s%s",
			    r->name, r->line, msg,
			    lf ? "" : " (last line, no newline)");
		return rc;
	}
}

const char *
evlog_get(const struct evlog_rec *rec, const char *key)
{
	size_t i;

	for (i = 0; i < rec->n; i++)
		if (strcmp(rec->f[i].key, key) == 0)
			return rec->f[i].val;
	return NULL;
}
