/*
 * Streaming reader for Windows WFP diagnostic XML (see wfpxml.h and
 * ../shared/reference/wfpdiag-xml.md). Built on libxml2's xmlTextReader
 * fed through our own read callbacks, so no file name ever reaches
 * libxml2's I/O layer (no URL loading, no stderr chatter) and inputs over
 * 2 GB work. A record is flattened into (path, text) leaves held in one
 * capped arena that is reused for every record: memory stays flat
 * whatever the file size.
 */
#include "formats/wfpxml.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlreader.h>

#include "formats/buf.h"
#include "formats/limits.h"

/* One open element inside the record being built. */
struct frame {
	const char *name;       /* view into libxml2's dictionary */
	size_t text_off;        /* where this element's text starts */
	bool has_child;         /* element content: its own text is dropped */
};

struct wfpxml {
	xmlTextReaderPtr rd;
	char name[256];         /* input name for messages */
	/* Input: exactly one of fd, memory, callback. */
	int fd;
	bool own_fd;
	const uint8_t *mem;
	size_t mem_len, mem_off;
	wfpxml_read_fn fn;
	void *fn_ctx;
	int io_errno;           /* errno of a failed read, 0 otherwise */
	int (*raw)(void *, char *, int); /* read_fd, read_mem or read_user */
	bool eof;               /* the input has been read to its end */
	size_t pad_left;        /* blanks still to feed after the end */
	uint64_t in_bytes;      /* real input bytes read */
	uint8_t head[2];        /* its first two bytes (encoding of a blank) */
	unsigned long in_line;  /* position of the end of the real input */
	unsigned long in_col;
	int open_elems;         /* start tags not yet closed */
	/* Sticky error and the first libxml2 error seen. */
	enum rc err;
	char msg[640];
	bool xerr_set;
	int xerr_code, xerr_line, xerr_col;
	char xerr_msg[256];
	/* The thread's handler for errors libxml2 raises outside the
	 * reader (encoding conversion, I/O), ours while this reader lives;
	 * the one before, restored at free. */
	bool global_handler;
	xmlStructuredErrorFunc prev_handler;
	void *prev_handler_ctx;
	/* Open elements of the whole document, by depth. */
	const char *anc[LIMIT_XML_DEPTH + 1];
	/* Record under construction. */
	bool in_rec;
	enum wfpxml_kind rec_kind;
	bool rec_is_item;       /* a top-level <item>: kept if an event */
	int rec_depth;
	unsigned long rec_line;
	int top;                /* index of the innermost frame */
	struct frame stack[LIMIT_XML_DEPTH + 1];
	struct buf arena;       /* text and paths, NUL-separated */
	size_t n;
	size_t name_off[LIMIT_WFPXML_FIELDS], value_off[LIMIT_WFPXML_FIELDS];
	struct wfpxml_field fields[LIMIT_WFPXML_FIELDS];
	struct wfpxml_record rec;
	struct wfpxml_stats st;
};

static int
read_fd(void *ctx, char *buf, int len)
{
	struct wfpxml *x = ctx;
	ssize_t got;

	do
		got = read(x->fd, buf, (size_t)len);
	while (got < 0 && errno == EINTR);
	if (got < 0) {
		x->io_errno = errno;
		return -1;
	}
	return (int)got;
}

static int
read_mem(void *ctx, char *buf, int len)
{
	struct wfpxml *x = ctx;
	size_t n = x->mem_len - x->mem_off;

	if (n > (size_t)len)
		n = (size_t)len;
	memcpy(buf, x->mem + x->mem_off, n);
	x->mem_off += n;
	return (int)n;
}

static int
read_user(void *ctx, char *buf, int len)
{
	struct wfpxml *x = ctx;
	int got = x->fn(x->fn_ctx, buf, len);

	if (got < 0)
		x->io_errno = errno ? errno : EIO;
	return got;
}

/*
 * The callback libxml2 reads through. After the real input ends it feeds
 * WFPXML_PAD blanks: xmlTextReader parses its last chunk only together
 * with the end-of-input flag, and a cut file makes that parse fail before
 * the nodes it built are handed out. With the blanks, everything up to
 * the cut is parsed (and returned) first. Trailing blanks after the root
 * element are allowed, so well-formed input is unaffected. The real end's
 * line and column are counted here for the "truncated" message.
 */
#define WFPXML_PAD 2048u

static int
read_any(void *ctx, char *buf, int len)
{
	struct wfpxml *x = ctx;
	int got, i;
	size_t n;

	if (!x->eof) {
		got = x->raw(x, buf, len);
		if (got != 0) {
			for (i = 0; i < got && x->in_bytes + (size_t)i < 2; i++)
				x->head[x->in_bytes + (size_t)i] =
				    (uint8_t)buf[i];
			if (got > 0)
				x->in_bytes += (uint64_t)got;
			for (i = 0; i < got; i++) {
				if (buf[i] == '\n') {
					x->in_line++;
					x->in_col = 0;
				} else {
					x->in_col++;
				}
			}
			return got;
		}
		x->eof = true;
		x->pad_left = WFPXML_PAD;
	}
	n = x->pad_left < (size_t)len ? x->pad_left : (size_t)len;
	n &= ~(size_t)1;        /* whole UTF-16 units */
	memset(buf, ' ', n);
	if ((x->head[0] == 0xff && x->head[1] == 0xfe) ||
	    (x->head[0] != 0 && x->head[1] == 0)) {
		for (i = 1; (size_t)i < n; i += 2)
			buf[i] = 0;     /* UTF-16LE blank: 20 00 */
	} else if ((x->head[0] == 0xfe && x->head[1] == 0xff) ||
	    (x->head[0] == 0 && x->head[1] != 0)) {
		for (i = 0; (size_t)i < n; i += 2)
			buf[i] = 0;     /* UTF-16BE blank: 00 20 */
	}
	x->pad_left -= n;
	return (int)n;
}

/* libxml2 reports parse errors here instead of on stderr; we keep the
 * first real error (warnings are not interesting to the user). */
static void
on_xml_error(void *arg, xmlErrorPtr e)
{
	struct wfpxml *x = arg;
	size_t len;

	if (x->xerr_set || e == NULL || e->level < XML_ERR_ERROR)
		return;
	x->xerr_set = true;
	x->xerr_code = e->code;
	x->xerr_line = e->line;
	x->xerr_col = e->int2;
	snprintf(x->xerr_msg, sizeof(x->xerr_msg), "%s",
	    e->message ? e->message : "XML error");
	for (len = 0; x->xerr_msg[len] != '\0'; len++)
		if (x->xerr_msg[len] == '\n')
			x->xerr_msg[len] = ' ';	/* "...: Bytes: 0xFF" */
	while (len > 0 && (x->xerr_msg[len - 1] == '\n' ||
	    x->xerr_msg[len - 1] == ' '))
		x->xerr_msg[--len] = '\0';
}

static enum rc
open_common(struct wfpxml **out, struct wfpxml *x, xmlInputReadCallback rf,
    const char *name, char *err, size_t errlen)
{
	/* No NOENT (entities stay unexpanded), no DTDLOAD, no HUGE: libxml2's
	 * own caps stay on; NONET forbids any network access. */
	const int opts = XML_PARSE_NONET;

	*out = NULL;
	snprintf(x->name, sizeof(x->name), "%s", name ? name : "(xml)");
	buf_init(&x->arena, LIMIT_WFPXML_RECORD_BYTES);
	xmlInitParser();
	x->raw = rf;
	x->in_line = 1;
	/* Errors raised with no parser context (a failed character
	 * conversion: "<\0\0\0" looks like UCS-4, detected as soon as the
	 * reader starts) would go to stderr. */
	x->prev_handler = xmlStructuredError;
	x->prev_handler_ctx = xmlStructuredErrorContext;
	xmlSetStructuredErrorFunc(x, on_xml_error);
	x->global_handler = true;
	x->rd = xmlReaderForIO(read_any, NULL, x, NULL, NULL, opts);
	if (x->rd == NULL) {
		snprintf(err, errlen, "%s: cannot start the XML reader",
		    x->name);
		wfpxml_free(x);
		return RC_NOMEM;
	}
	xmlTextReaderSetStructuredErrorHandler(x->rd, on_xml_error, x);
	*out = x;
	return RC_OK;
}

static struct wfpxml *
alloc_reader(char *err, size_t errlen)
{
	struct wfpxml *x = calloc(1, sizeof(*x));

	if (x == NULL)
		snprintf(err, errlen, "out of memory");
	else
		x->fd = -1;
	return x;
}

enum rc
wfpxml_open_fd(struct wfpxml **out, int fd, const char *name, char *err,
    size_t errlen)
{
	struct wfpxml *x = alloc_reader(err, errlen);

	*out = NULL;
	if (x == NULL)
		return RC_NOMEM;
	x->fd = fd;
	return open_common(out, x, read_fd, name, err, errlen);
}

enum rc
wfpxml_open_path(struct wfpxml **out, const char *path, char *err,
    size_t errlen)
{
	enum rc rc;
	int fd;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return RC_IO;
	}
	rc = wfpxml_open_fd(out, fd, path, err, errlen);
	if (rc != RC_OK) {
		close(fd);
		return rc;
	}
	(*out)->own_fd = true;
	return RC_OK;
}

enum rc
wfpxml_open_memory(struct wfpxml **out, const uint8_t *data, size_t len,
    const char *name, char *err, size_t errlen)
{
	struct wfpxml *x = alloc_reader(err, errlen);

	*out = NULL;
	if (x == NULL)
		return RC_NOMEM;
	x->mem = data;
	x->mem_len = len;
	return open_common(out, x, read_mem, name, err, errlen);
}

enum rc
wfpxml_open_io(struct wfpxml **out, wfpxml_read_fn fn, void *ctx,
    const char *name, char *err, size_t errlen)
{
	struct wfpxml *x = alloc_reader(err, errlen);

	*out = NULL;
	if (x == NULL)
		return RC_NOMEM;
	x->fn = fn;
	x->fn_ctx = ctx;
	return open_common(out, x, read_user, name, err, errlen);
}

void
wfpxml_free(struct wfpxml *x)
{
	if (x == NULL)
		return;
	if (x->rd != NULL)
		xmlFreeTextReader(x->rd);
	if (x->global_handler)
		xmlSetStructuredErrorFunc(x->prev_handler_ctx, x->prev_handler);
	if (x->own_fd && x->fd >= 0)
		close(x->fd);
	buf_fini(&x->arena);
	free(x);
}

const char *
wfpxml_errmsg(const struct wfpxml *x)
{
	return x->msg;
}

const struct wfpxml_stats *
wfpxml_stats(const struct wfpxml *x)
{
	return &x->st;
}

const char *
wfpxml_get(const struct wfpxml_record *rec, const char *name)
{
	size_t i;

	for (i = 0; i < rec->n_fields; i++)
		if (strcmp(rec->fields[i].name, name) == 0)
			return rec->fields[i].value;
	return NULL;
}

/* Records the sticky error with the reader's current position. */
static enum rc
fail_at(struct wfpxml *x, enum rc rc, const char *what)
{
	xmlNodePtr node = xmlTextReaderCurrentNode(x->rd);
	long line = xmlTextReaderGetParserLineNumber(x->rd);
	long col = xmlTextReaderGetParserColumnNumber(x->rd);
	long nline = node != NULL ? xmlGetLineNo(node) : -1;

	/* The parser may be far ahead of the node (or in the blanks after
	 * the input): then the node's line is the better answer. */
	if (nline > 0 && nline != line) {
		line = nline;
		col = 1;
	} else if (x->eof && (unsigned long)line == x->in_line &&
	    (unsigned long)col > x->in_col + 1) {
		col = (long)x->in_col + 1;
	}
	snprintf(x->msg, sizeof(x->msg), "%s:%ld:%ld: %s", x->name, line, col,
	    what);
	x->err = rc;
	return rc;
}

/* Is the first libxml2 error located in the blanks after the input? */
static bool
past_end(const struct wfpxml *x)
{
	unsigned long line = (unsigned long)x->xerr_line;
	unsigned long col = (unsigned long)x->xerr_col;

	return line > x->in_line || (line == x->in_line && col > x->in_col + 1);
}

/* Turns a failed xmlTextReaderRead into our rc and message. */
static enum rc
fail_parse(struct wfpxml *x)
{
	enum rc rc = RC_MALFORMED;

	if (x->io_errno != 0) {
		snprintf(x->msg, sizeof(x->msg), "%s: read failed: %s",
		    x->name, strerror(x->io_errno));
		x->err = RC_IO;
		return RC_IO;
	}
	if (x->eof && x->xerr_set && (past_end(x) || (x->open_elems > 0 &&
	    (x->xerr_code == XML_ERR_DOCUMENT_END ||
	    x->xerr_code == XML_ERR_TAG_NOT_FINISHED)))) {
		/* libxml2 words a cut file variously ("Extra content",
		 * "Premature end of data", or a complaint located in the
		 * padding); what happened is that the input ended. */
		snprintf(x->msg, sizeof(x->msg), "%s:%lu:%lu: input ended "
		    "early, file truncated? (%s)", x->name, x->in_line,
		    x->in_col + 1, x->xerr_msg);
		x->err = RC_SHORT;
		return RC_SHORT;
	}
	if (!x->xerr_set)
		return fail_at(x, RC_MALFORMED, "XML parse error");
	switch (x->xerr_code) {
	case XML_ERR_DOCUMENT_EMPTY:
		rc = RC_FORMAT;
		break;
	case XML_ERR_NO_MEMORY:
		rc = RC_NOMEM;
		break;
	default:
		break;
	}
	if (x->xerr_line <= 0) /* raised outside the parser: no position */
		return fail_at(x, rc, x->xerr_msg);
	snprintf(x->msg, sizeof(x->msg), "%s:%d:%d: %s", x->name,
	    x->xerr_line, x->xerr_col, x->xerr_msg);
	x->err = rc;
	return rc;
}

static void
rec_reset(struct wfpxml *x)
{
	buf_reset(&x->arena);
	x->n = 0;
	x->in_rec = false;
	x->top = -1;
}

static bool
is_list_parent(const char *name)
{
	return strcmp(name, "netEvents") == 0 || strcmp(name, "events") == 0;
}

/* Does an element at depth d named name start a record? */
static bool
starts_record(struct wfpxml *x, const char *name, int d)
{
	x->rec_is_item = false;
	if (strcmp(name, "netEvent") == 0) {
		x->rec_kind = WFPXML_NET_EVENT;
		return true;
	}
	if (strcmp(name, "errorFrequencyTable") == 0) {
		x->rec_kind = WFPXML_FREQ_TABLE;
		return true;
	}
	/* netsh wfp show netevents writes events as <item> in a list. */
	if (strcmp(name, "item") == 0 &&
	    (d <= 1 || is_list_parent(x->anc[d - 1]))) {
		x->rec_kind = WFPXML_NET_EVENT;
		x->rec_is_item = true;
		return true;
	}
	return false;
}

/* Ends the innermost leaf element: trims its text and stores the field
 * (path below the record, value). */
static enum rc
emit_leaf(struct wfpxml *x)
{
	struct frame *f = &x->stack[x->top];
	size_t start = f->text_off, end = x->arena.len, path_off;
	char *t;
	int i;

	if (x->n == LIMIT_WFPXML_FIELDS)
		return fail_at(x, RC_LIMIT, "record has more than "
		    "LIMIT_WFPXML_FIELDS leaf elements");
	if (buf_put_u8(&x->arena, 0) != RC_OK)
		goto full;
	t = (char *)x->arena.data;
	while (start < end && strchr(" \t\r\n", t[start]) != NULL)
		start++;
	while (end > start && strchr(" \t\r\n", t[end - 1]) != NULL)
		end--;
	t[end] = '\0';
	x->value_off[x->n] = start;
	path_off = x->arena.len;
	for (i = 1; i <= x->top; i++) {
		const char *nm = x->stack[i].name;

		if ((i > 1 && buf_put_u8(&x->arena, '/') != RC_OK) ||
		    buf_append(&x->arena, nm, strlen(nm)) != RC_OK)
			goto full;
	}
	if (buf_put_u8(&x->arena, 0) != RC_OK)
		goto full;
	x->name_off[x->n++] = path_off;
	return RC_OK;
full:
	return fail_at(x, RC_LIMIT, "record text exceeds "
	    "LIMIT_WFPXML_RECORD_BYTES");
}

/* Pushes an element opened inside the record. */
static enum rc
push_child(struct wfpxml *x, const char *name, int d)
{
	int rel = d - x->rec_depth;
	struct frame *parent = &x->stack[rel - 1];

	if (!parent->has_child) {
		/* mixed content: the parent's whitespace is no value */
		parent->has_child = true;
		x->arena.len = parent->text_off;
	}
	x->top = rel;
	x->stack[rel].name = name;
	x->stack[rel].text_off = x->arena.len;
	x->stack[rel].has_child = false;
	return RC_OK;
}

/* Fills the public record; false when a top-level <item> turned out not
 * to be an event (a filter in a netsh dump). */
static bool
rec_publish(struct wfpxml *x)
{
	size_t i;
	const char *base = (const char *)x->arena.data;

	for (i = 0; i < x->n; i++) {
		x->fields[i].name = base + x->name_off[i];
		x->fields[i].value = base + x->value_off[i];
	}
	x->rec.kind = x->rec_kind;
	x->rec.line = x->rec_line;
	x->rec.n_fields = x->n;
	x->rec.fields = x->fields;
	if (x->rec_is_item && wfpxml_get(&x->rec, "type") == NULL &&
	    wfpxml_get(&x->rec, "header/timeStamp") == NULL) {
		x->st.items_skipped++;
		return false;
	}
	if (x->rec_kind == WFPXML_NET_EVENT)
		x->rec.index = x->st.net_events++;
	else
		x->rec.index = x->st.freq_tables++;
	return true;
}

/* Handles a start tag; *done is set when an empty record completed. */
static enum rc
on_element(struct wfpxml *x, bool *done)
{
	int d = xmlTextReaderDepth(x->rd);
	const char *name = (const char *)xmlTextReaderConstLocalName(x->rd);
	bool empty = xmlTextReaderIsEmptyElement(x->rd) == 1;
	enum rc rc;

	x->st.elements++;
	if (!empty)
		x->open_elems++;
	if (d < 0 || name == NULL)
		return fail_at(x, RC_NOMEM, "XML reader lost its node");
	if ((unsigned)d >= LIMIT_XML_DEPTH)
		return fail_at(x, RC_LIMIT, "elements nested deeper than "
		    "LIMIT_XML_DEPTH");
	x->anc[d] = name;
	if (!x->in_rec) {
		if (!starts_record(x, name, d))
			return RC_OK;
		rec_reset(x);
		x->in_rec = true;
		x->rec_depth = d;
		x->rec_line = (unsigned long)
		    xmlTextReaderGetParserLineNumber(x->rd);
		x->top = 0;
		x->stack[0].name = name;
		x->stack[0].text_off = 0;
		x->stack[0].has_child = false;
		if (empty) {
			x->in_rec = false;
			*done = rec_publish(x);
		}
		return RC_OK;
	}
	if ((rc = push_child(x, name, d)) != RC_OK)
		return rc;
	if (empty) {
		rc = emit_leaf(x);
		x->top--;
	}
	return rc;
}

static enum rc
on_end_element(struct wfpxml *x, bool *done)
{
	int rel;
	enum rc rc = RC_OK;

	x->open_elems--;
	if (!x->in_rec)
		return RC_OK;
	rel = xmlTextReaderDepth(x->rd) - x->rec_depth;
	if (rel <= 0) {
		x->in_rec = false;
		*done = rec_publish(x);
		return RC_OK;
	}
	if (!x->stack[x->top].has_child)
		rc = emit_leaf(x);
	x->top--;
	return rc;
}

static enum rc
on_text(struct wfpxml *x)
{
	const char *v = (const char *)xmlTextReaderConstValue(x->rd);
	size_t len = v ? strlen(v) : 0;

	if (len > LIMIT_XML_TEXT)
		return fail_at(x, RC_LIMIT, "text node longer than "
		    "LIMIT_XML_TEXT");
	if (!x->in_rec || x->top < 1 || x->stack[x->top].has_child)
		return RC_OK;
	if (buf_append(&x->arena, v, len) != RC_OK)
		return fail_at(x, RC_LIMIT, "record text exceeds "
		    "LIMIT_WFPXML_RECORD_BYTES");
	return RC_OK;
}

static enum rc
on_node(struct wfpxml *x, bool *done)
{
	switch (xmlTextReaderNodeType(x->rd)) {
	case XML_READER_TYPE_ELEMENT:
		return on_element(x, done);
	case XML_READER_TYPE_END_ELEMENT:
		return on_end_element(x, done);
	case XML_READER_TYPE_TEXT:
	case XML_READER_TYPE_CDATA:
	case XML_READER_TYPE_WHITESPACE:
	case XML_READER_TYPE_SIGNIFICANT_WHITESPACE:
		return on_text(x);
	case XML_READER_TYPE_DOCUMENT_TYPE:
		/* Windows never writes one; refusing it rules out entity
		 * bombs and external entities (XXE) in one place. */
		return fail_at(x, RC_MALFORMED, "document type declaration "
		    "(DTD) not accepted");
	case XML_READER_TYPE_ENTITY_REFERENCE:
	case XML_READER_TYPE_ENTITY:
		return fail_at(x, RC_MALFORMED, "entity reference not "
		    "accepted");
	default:
		return RC_OK;	/* comments, processing instructions */
	}
}

enum rc
wfpxml_next(struct wfpxml *x, const struct wfpxml_record **rec)
{
	bool done = false;
	enum rc rc;
	int r;

	*rec = NULL;
	if (x->err != RC_OK)
		return x->err;
	for (;;) {
		r = xmlTextReaderRead(x->rd);
		if (r == 0) {
			if (x->in_rec)
				return fail_at(x, RC_SHORT, "input ended "
				    "inside a record");
			return RC_EOF;
		}
		if (r < 0)
			return fail_parse(x);
		if ((rc = on_node(x, &done)) != RC_OK)
			return rc;
		if (done) {
			*rec = &x->rec;
			return RC_OK;
		}
	}
}

/* Lowers up to cap characters of UTF-8/UTF-16 input to ASCII for
 * sniffing; non-ASCII characters become '?'. */
static size_t
sniff_ascii(const uint8_t *p, size_t len, char *out, size_t cap)
{
	size_t i = 0, n = 0;
	int wide = 0;           /* 0 bytes, 1 UTF-16LE, 2 UTF-16BE */

	if (len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		i = 3;
	else if (len >= 2 && p[0] == 0xff && p[1] == 0xfe)
		i = 2, wide = 1;
	else if (len >= 2 && p[0] == 0xfe && p[1] == 0xff)
		i = 2, wide = 2;
	else if (len >= 2 && p[0] != 0 && p[1] == 0)
		wide = 1;
	else if (len >= 2 && p[0] == 0 && p[1] != 0)
		wide = 2;
	while (n < cap && i < len) {
		uint8_t c;

		if (wide != 0) {
			if (len - i < 2)
				break;
			c = (wide == 1) ? p[i] : p[i + 1];
			if (p[wide == 1 ? i + 1 : i] != 0)
				c = '?';
			i += 2;
		} else {
			c = p[i++];
		}
		out[n++] = (c < 0x80 && c != 0) ? (char)c : '?';
	}
	return n;
}

bool
wfpxml_sniff(const uint8_t *data, size_t len)
{
	static const char *const roots[] = {"wfpdiag", "netEvents",
	    "netEvent", "item"};
	char a[512];
	size_t n = sniff_ascii(data, len, a, sizeof(a)), i = 0, k, l;

	while (i < n) {
		if (strchr(" \t\r\n", a[i]) != NULL) {
			i++;
			continue;
		}
		if (a[i] != '<' || i + 1 >= n)
			return false;
		if (a[i + 1] == '?' || a[i + 1] == '!') {
			/* declaration or comment: skip to its '>' */
			while (i < n && a[i] != '>')
				i++;
			i++;
			continue;
		}
		for (k = 0; k < sizeof(roots) / sizeof(roots[0]); k++) {
			l = strlen(roots[k]);
			if (n - i - 1 > l &&
			    strncmp(a + i + 1, roots[k], l) == 0 &&
			    strchr(" \t\r\n/>", a[i + 1 + l]) != NULL)
				return true;
		}
		return false;
	}
	return false;
}
