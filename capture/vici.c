/*
 * VICI wire format (see vici.h; strongSwan src/libcharon/plugins/vici/
 * README.md "Packet layer" and "Message format"). Encoding appends to a
 * capped struct buf; decoding reads through struct rd and rejects
 * unbalanced sections/lists and nesting beyond LIMIT_VICI_DEPTH.
 */
#include "capture/vici.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool
named(uint8_t op)
{
	return op == VICI_CMD_REQUEST || op == VICI_EVENT_REGISTER ||
	    op == VICI_EVENT_UNREGISTER || op == VICI_EVENT;
}

static enum rc
put_name(struct buf *b, const char *name)
{
	size_t n = strlen(name);
	enum rc rc;

	if (n > 255)
		return RC_INVAL;
	if ((rc = buf_put_u8(b, (uint8_t)n)) != RC_OK)
		return rc;
	return buf_append(b, name, n);
}

static enum rc
put_value(struct buf *b, const char *val)
{
	size_t n = strlen(val);
	enum rc rc;

	if (n > 65535)
		return RC_INVAL;
	if ((rc = buf_put_be16(b, (uint16_t)n)) != RC_OK)
		return rc;
	return buf_append(b, val, n);
}

enum rc
vici_frame(struct buf *out, enum vici_op op, const char *name,
    const uint8_t *msg, size_t msglen)
{
	size_t start = out->len;
	size_t body = 1 + (named((uint8_t)op) ? 1 + strlen(name) : 0) + msglen;
	enum rc rc;

	if (body > LIMIT_VICI_PACKET || (named((uint8_t)op) &&
	    strlen(name) > 255))
		return RC_INVAL;
	rc = buf_put_be32(out, (uint32_t)body);
	if (rc == RC_OK)
		rc = buf_put_u8(out, (uint8_t)op);
	if (rc == RC_OK && named((uint8_t)op))
		rc = put_name(out, name);
	if (rc == RC_OK && msglen)
		rc = buf_append(out, msg, msglen);
	if (rc != RC_OK)
		out->len = start;
	return rc;
}

enum rc
vici_put_section(struct buf *m, const char *name)
{
	enum rc rc = buf_put_u8(m, VICI_SECTION_START);

	return rc == RC_OK ? put_name(m, name) : rc;
}

enum rc
vici_put_end(struct buf *m)
{
	return buf_put_u8(m, VICI_SECTION_END);
}

enum rc
vici_put_kv(struct buf *m, const char *name, const char *val)
{
	enum rc rc = buf_put_u8(m, VICI_KEY_VALUE);

	if (rc == RC_OK)
		rc = put_name(m, name);
	return rc == RC_OK ? put_value(m, val) : rc;
}

enum rc
vici_put_list(struct buf *m, const char *name)
{
	enum rc rc = buf_put_u8(m, VICI_LIST_START);

	return rc == RC_OK ? put_name(m, name) : rc;
}

enum rc
vici_put_item(struct buf *m, const char *val)
{
	enum rc rc = buf_put_u8(m, VICI_LIST_ITEM);

	return rc == RC_OK ? put_value(m, val) : rc;
}

enum rc
vici_put_list_end(struct buf *m)
{
	return buf_put_u8(m, VICI_LIST_END);
}

/* name = len (u8) | bytes, copied as evlog key characters. */
static void
get_name(struct rd *r, char *out, size_t outlen, bool as_key)
{
	uint8_t n = rd_u8(r);
	const uint8_t *p = rd_bytes(r, n);
	size_t i, o = 0;

	for (i = 0; p != NULL && i < n && o + 1 < outlen; i++) {
		uint8_t c = p[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';

		if (!as_key)
			ok = c >= 0x20 && c < 0x7f;
		out[o++] = ok ? (char)c : '_';
	}
	out[o] = '\0';
}

enum rc
vici_packet_decode(struct rd *pkt, struct vici_packet *p)
{
	p->op = rd_u8(pkt);
	p->name[0] = '\0';
	if (!rd_ok(pkt))
		return pkt->err;
	if (p->op > VICI_EVENT)
		return RC_MALFORMED;
	if (named(p->op))
		get_name(pkt, p->name, sizeof(p->name), true);
	if (!rd_ok(pkt))
		return pkt->err;
	p->msg = rd_rest(pkt);
	return RC_OK;
}

/* Flattening state. */
struct fl {
	struct vici_flat *out;
	char path[LIMIT_VICI_DEPTH][96];
	size_t depth;
	int list;		/* index of the open list's field, -1 none */
};

static void
fl_key(struct fl *f, const char *name, char *key, size_t n)
{
	size_t i, o = 0;

	key[0] = '\0';
	/* depth 1 is the "sa" section: not part of the path */
	for (i = 1; i < f->depth; i++)
		o += (size_t)snprintf(key + o, o < n ? n - o : 0, "%s.",
		    f->path[i]);
	if (o < n)
		snprintf(key + o, n - o, "%s", name);
	if (o >= n || strlen(name) >= n - o)
		f->out->truncated = true;
}

static int
fl_add(struct fl *f, const char *key, const uint8_t *v, size_t vlen)
{
	struct vici_flat *o = f->out;
	size_t i, w = 0;

	if (o->n >= LIMIT_EVLOG_FIELDS) {
		o->truncated = true;
		return -1;
	}
	snprintf(o->key[o->n], sizeof(o->key[0]), "%s", key);
	for (i = 0; i < vlen && w + 1 < sizeof(o->val[0]); i++)
		o->val[o->n][w++] = v[i] ? (char)v[i] : ' ';
	o->val[o->n][w] = '\0';
	if (i < vlen)
		o->truncated = true;
	return (int)o->n++;
}

static void
fl_append_item(struct fl *f, const uint8_t *v, size_t vlen)
{
	char *dst;
	size_t w, i;

	if (f->list >= (int)LIMIT_EVLOG_FIELDS)
		return;		/* the list's field did not fit */
	dst = f->out->val[f->list];
	w = strlen(dst);

	if (w > 0 && w + 1 < sizeof(f->out->val[0]))
		dst[w++] = ',';
	for (i = 0; i < vlen && w + 1 < sizeof(f->out->val[0]); i++)
		dst[w++] = v[i] ? (char)v[i] : ' ';
	dst[w] = '\0';
	if (i < vlen)
		f->out->truncated = true;
}

static enum rc
fl_fail(struct fl *f, struct rd *msg, enum rc rc, const char *what)
{
	snprintf(f->out->err, sizeof(f->out->err), "vici %s at offset %zu",
	    what, rd_pos(msg));
	return rc;
}

/* One element; its type byte already read. */
static enum rc
fl_elem(struct fl *f, struct rd *msg, uint8_t t)
{
	char name[96], key[96];
	const uint8_t *v;
	uint16_t vl;

	switch (t) {
	case VICI_SECTION_START:
		if (f->list >= 0 || f->depth >= LIMIT_VICI_DEPTH)
			return fl_fail(f, msg, f->list >= 0 ? RC_MALFORMED :
			    RC_LIMIT, f->list >= 0 ? "section inside a list" :
			    "sections nested too deep");
		get_name(msg, f->path[f->depth], sizeof(f->path[0]), true);
		if (f->depth == 0 && rd_ok(msg))
			(void)fl_add(f, "sa", (const uint8_t *)f->path[0],
			    strlen(f->path[0]));
		f->depth++;
		return RC_OK;
	case VICI_SECTION_END:
		if (f->depth == 0 || f->list >= 0)
			return fl_fail(f, msg, RC_MALFORMED,
			    "section end without a section");
		f->depth--;
		return RC_OK;
	case VICI_KEY_VALUE:
	case VICI_LIST_ITEM:
		if ((t == VICI_LIST_ITEM) != (f->list >= 0))
			return fl_fail(f, msg, RC_MALFORMED, t == VICI_LIST_ITEM
			    ? "list item outside a list" :
			    "key-value inside a list");
		if (t == VICI_KEY_VALUE)
			get_name(msg, name, sizeof(name), true);
		vl = rd_be16(msg);
		v = rd_bytes(msg, vl);
		if (!rd_ok(msg))
			return fl_fail(f, msg, msg->err, "value");
		if (t == VICI_LIST_ITEM) {
			fl_append_item(f, v, vl);
			return RC_OK;
		}
		fl_key(f, name, key, sizeof(key));
		(void)fl_add(f, key, v, vl);
		return RC_OK;
	case VICI_LIST_START:
		if (f->list >= 0)
			return fl_fail(f, msg, RC_MALFORMED, "nested list");
		get_name(msg, name, sizeof(name), true);
		fl_key(f, name, key, sizeof(key));
		f->list = fl_add(f, key, (const uint8_t *)"", 0);
		if (f->list < 0)
			f->list = LIMIT_EVLOG_FIELDS; /* sink: items dropped */
		return RC_OK;
	case VICI_LIST_END:
		if (f->list < 0)
			return fl_fail(f, msg, RC_MALFORMED,
			    "list end without a list");
		f->list = -1;
		return RC_OK;
	default:
		return fl_fail(f, msg, RC_MALFORMED, "unknown element type");
	}
}

enum rc
vici_flatten(struct rd *msg, struct vici_flat *out)
{
	struct fl *f;
	enum rc rc = RC_OK;

	memset(out, 0, sizeof(*out));
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return RC_NOMEM;
	f->out = out;
	f->list = -1;
	while (rc == RC_OK && rd_left(msg) > 0) {
		uint8_t t = rd_u8(msg);

		rc = fl_elem(f, msg, t);
		if (rc == RC_OK && !rd_ok(msg))
			rc = fl_fail(f, msg, msg->err, "name");
	}
	if (rc == RC_OK && (f->depth != 0 || f->list >= 0))
		rc = fl_fail(f, msg, RC_SHORT, "message ends inside a section "
		    "or list");
	free(f);
	return rc;
}

enum rc
vici_next_frame(const uint8_t *in, size_t len, struct rd *pkt, size_t *used)
{
	struct rd r = rd_init(in, len);
	uint32_t n = rd_be32(&r);

	*used = 0;
	if (!rd_ok(&r))
		return RC_EOF;
	if (n > LIMIT_VICI_PACKET)
		return RC_LIMIT;
	if (n > rd_left(&r))
		return RC_EOF;
	*pkt = rd_sub(&r, n);
	*used = 4 + (size_t)n;
	return RC_OK;
}
