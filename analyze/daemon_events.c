/*
 * Daemon events to failure candidates (see daemon_events.h). Mapping:
 * daemon_events.def from ../shared/reference/ikev2-to-windows-errors.md;
 * strongSwan's alert and log texts from its error-notify plugin and
 * charon's IKE tasks (5.9).
 */
#include "analyze/daemon_events.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum dev_point { DEV_ME = 1, DEV_PEER = 2 };	/* IPSEC_FAILURE_* */

struct dev_row {
	const char *source, *type, *msg;
	uint32_t win;
	enum event_type event;
	uint8_t point;
	int prio;
	const char *basis;
};

static const struct dev_row dev_rows[] = {
#define DEV(src, typ, msg, win, ev, point, prio, basis) \
	{#src, #typ, msg, win, EVENT_##ev##_FAILURE, DEV_##point, prio, basis},
#include "analyze/daemon_events.def"
#undef DEV
};

#define NROWS (sizeof(dev_rows) / sizeof(dev_rows[0]))
#define IKEV2_KEY_MODULE 2	/* IKEEXT_KEY_MODULE_IKEV2 */

struct pending {
	bool used;
	char conn[128];
	int prio;
	int64_t last_sec;
	struct fail_event ev;
};

/* Addresses of a connection, learned from earlier events (strongSwan's
 * log lines and updown events name them; its failure alerts often not). */
struct peer {
	char conn[128];
	struct net_addr local, remote;
	uint16_t local_port, remote_port;
	uint64_t seen;		/* record counter, for replacement */
};

struct daemon_events {
	daemon_events_emit_fn emit;
	void *ctx;
	char input[128];
	struct pending p[DAEMON_EVENTS_PENDING];
	size_t nsrc;
	char src_name[DAEMON_EVENTS_SOURCES][16];
	char src_status[DAEMON_EVENTS_SOURCES][200];
	const char *src_name_p[DAEMON_EVENTS_SOURCES];
	const char *src_status_p[DAEMON_EVENTS_SOURCES];
	struct peer peers[DAEMON_EVENTS_PENDING];
	uint64_t nrec;
};

struct daemon_events *
daemon_events_new(daemon_events_emit_fn emit, void *ctx, const char *input)
{
	struct daemon_events *de = calloc(1, sizeof(*de));
	size_t i;

	if (de == NULL)
		return NULL;
	de->emit = emit;
	de->ctx = ctx;
	snprintf(de->input, sizeof(de->input), "%s", input ? input : "");
	for (i = 0; i < DAEMON_EVENTS_SOURCES; i++) {
		de->src_name_p[i] = de->src_name[i];
		de->src_status_p[i] = de->src_status[i];
	}
	return de;
}

static void
release(struct daemon_events *de, struct pending *p)
{
	if (p->used && de->emit != NULL)
		de->emit(&p->ev, de->ctx);
	p->used = false;
}

void
daemon_events_flush(struct daemon_events *de)
{
	size_t i;

	for (i = 0; i < DAEMON_EVENTS_PENDING; i++)
		release(de, &de->p[i]);
}

void
daemon_events_free(struct daemon_events *de)
{
	if (de == NULL)
		return;
	daemon_events_flush(de);
	free(de);
}

static const struct dev_row *
find_row(const struct evlog_rec *rec)
{
	const char *msg = evlog_get(rec, "msg");
	size_t i;

	for (i = 0; i < NROWS; i++) {
		const struct dev_row *r = &dev_rows[i];

		if (strcmp(r->source, rec->source) != 0 ||
		    strcmp(r->type, rec->type) != 0)
			continue;
		if (r->msg == NULL || (msg != NULL && strstr(msg, r->msg)))
			return r;
	}
	return NULL;
}

/* "10.0.0.2[500]" or "fe80::1[4500]" */
static void
parse_ip(const char *s, struct net_addr *a, uint16_t *port)
{
	char host[64];
	const char *br = strchr(s, '[');
	size_t n = br ? (size_t)(br - s) : strlen(s);
	unsigned long p;
	char *end;

	if (n == 0 || n >= sizeof(host))
		return;
	memcpy(host, s, n);
	host[n] = '\0';
	if (inet_pton(AF_INET, host, a->bytes) == 1)
		a->family = 4;
	else if (inet_pton(AF_INET6, host, a->bytes) == 1)
		a->family = 6;
	if (br != NULL) {
		p = strtoul(br + 1, &end, 10);
		if (*end == ']' && p <= 65535)
			*port = (uint16_t)p;
	}
}

static const char *
conn_of(const struct evlog_rec *rec)
{
	const char *v = evlog_get(rec, "name");

	if (v == NULL)
		v = evlog_get(rec, "ikesa-name");
	if (v == NULL)
		v = evlog_get(rec, "sa");	/* vici updown events */
	return v ? v : "";
}

static struct peer *
peer_slot(struct daemon_events *de, const char *conn, bool create)
{
	struct peer *old = &de->peers[0];
	size_t i;

	for (i = 0; i < DAEMON_EVENTS_PENDING; i++) {
		struct peer *p = &de->peers[i];

		if (p->conn[0] != '\0' && strcmp(p->conn, conn) == 0)
			return p;
		if (p->seen < old->seen)
			old = p;
	}
	if (!create)
		return NULL;
	memset(old, 0, sizeof(*old));
	snprintf(old->conn, sizeof(old->conn), "%s", conn);
	return old;
}

/* "ADDR[PORT]" starting at s (charon's host format). */
static bool
host_at(const char *s, struct net_addr *a, uint16_t *port)
{
	struct net_addr t = {0};
	uint16_t p = 0;

	parse_ip(s, &t, &p);
	if (t.family == 0)
		return false;
	*a = t;
	*port = p;
	return true;
}

/*
 * Learns a connection's addresses: vici updown/rekey events
 * (local-host, remote-host ...), charon's "sending packet: from A[p] to
 * B[q]" / "received packet: from B[q] to A[p]" and "initiating IKE_SA
 * NAME[N] to B" log lines, and error-notify's ip field.
 */
static void
learn_peer(struct daemon_events *de, const struct evlog_rec *rec,
    const char *conn)
{
	const char *msg = evlog_get(rec, "msg"), *v, *from, *to;
	struct peer *p;
	char host[80];
	bool sending;

	if (conn[0] == '\0' || (p = peer_slot(de, conn, true)) == NULL)
		return;
	p->seen = ++de->nrec;
	if ((v = evlog_get(rec, "remote-host")) != NULL) {
		const char *port = evlog_get(rec, "remote-port");

		snprintf(host, sizeof(host), "%s[%s]", v, port ? port : "0");
		(void)host_at(host, &p->remote, &p->remote_port);
	}
	if ((v = evlog_get(rec, "local-host")) != NULL) {
		const char *port = evlog_get(rec, "local-port");

		snprintf(host, sizeof(host), "%s[%s]", v, port ? port : "0");
		(void)host_at(host, &p->local, &p->local_port);
	}
	if ((v = evlog_get(rec, "ip")) != NULL && strcmp(rec->source,
	    "enfy") == 0)
		(void)host_at(v, &p->remote, &p->remote_port);
	if (msg == NULL)
		return;
	if ((v = strstr(msg, "initiating IKE_SA ")) != NULL &&
	    (to = strstr(v, " to ")) != NULL)
		(void)host_at(to + 4, &p->remote, &p->remote_port);
	sending = strncmp(msg, "sending packet: from ", 21) == 0;
	if (!sending && strncmp(msg, "received packet: from ", 22) != 0)
		return;
	from = msg + (sending ? 21 : 22);
	if ((to = strstr(from, " to ")) == NULL)
		return;
	if (sending) {
		(void)host_at(from, &p->local, &p->local_port);
		(void)host_at(to + 4, &p->remote, &p->remote_port);
	} else {
		(void)host_at(from, &p->remote, &p->remote_port);
		(void)host_at(to + 4, &p->local, &p->local_port);
	}
}

/* Fills the addresses an event lacks from what the connection showed. */
static void
add_peer(struct daemon_events *de, const char *conn, struct fail_event *ev)
{
	struct peer *p = conn[0] ? peer_slot(de, conn, false) : NULL;

	if (p == NULL)
		return;
	if (ev->remote.family == 0 && p->remote.family != 0) {
		ev->remote = p->remote;
		ev->remote_port = p->remote_port;
		ev->ip_version = p->remote.family;
		ev->ip_protocol = 17;
	}
	if (ev->local.family == 0 && p->local.family == p->remote.family) {
		ev->local = p->local;
		ev->local_port = p->local_port;
	}
}

static void
candidate(struct daemon_events *de, const struct evlog_rec *rec,
    const struct dev_row *r, struct fail_event *ev)
{
	const char *v;

	memset(ev, 0, sizeof(*ev));
	ev->ts_sec = rec->sec;
	ev->ts_nsec = rec->nsec;
	ev->type = r->event;
	ev->sources = EVENT_SRC_DAEMON;
	ev->win_error = r->win;
	ev->failure_point = r->point;
	ev->keying_module = IKEV2_KEY_MODULE;
	ev->auth_method = -1;
	ev->count = 1;
	snprintf(ev->reason, sizeof(ev->reason), "%s", r->basis);
	snprintf(ev->input, sizeof(ev->input), "%s", de->input);
	if (strcmp(rec->source, "enfy") == 0) {
		v = evlog_get(rec, "str");
		snprintf(ev->daemon_evidence, sizeof(ev->daemon_evidence),
		    "strongSwan %.40s: %.200s", rec->type, v ? v : "");
		if ((v = evlog_get(rec, "id")) != NULL)
			snprintf(ev->remote_id, sizeof(ev->remote_id), "%s", v);
		if ((v = evlog_get(rec, "ip")) != NULL) {
			parse_ip(v, &ev->remote, &ev->remote_port);
			ev->ip_version = ev->remote.family;
			ev->ip_protocol = 17;
		}
	} else {
		v = evlog_get(rec, "msg");
		snprintf(ev->daemon_evidence, sizeof(ev->daemon_evidence),
		    "charon: %.240s", v ? v : rec->type);
	}
}


/* Copies what dst lacks (peer address, identity, earliest time). */
static void
fill_from(struct fail_event *dst, const struct fail_event *src)
{
	if (dst->remote.family == 0 && src->remote.family != 0) {
		dst->remote = src->remote;
		dst->remote_port = src->remote_port;
		dst->ip_version = src->ip_version;
		dst->ip_protocol = src->ip_protocol;
	}
	if (dst->remote_id[0] == '\0')
		memcpy(dst->remote_id, src->remote_id, sizeof(src->remote_id));
	if (src->ts_sec < dst->ts_sec || (src->ts_sec == dst->ts_sec &&
	    src->ts_nsec < dst->ts_nsec)) {
		dst->ts_sec = src->ts_sec;
		dst->ts_nsec = src->ts_nsec;
	}
}

/* Folds b into the held a (same connection, same window): the higher
 * priority row names the failure, the other becomes evidence. */
static void
fold(struct pending *a, const struct fail_event *b, int prio)
{
	char ev[2 * sizeof(a->ev.daemon_evidence) + 4];
	struct fail_event keep;

	if (prio > a->prio) {
		keep = a->ev;
		snprintf(ev, sizeof(ev), "%s | %s", b->daemon_evidence,
		    keep.daemon_evidence);
		a->ev = *b;
		a->prio = prio;
		fill_from(&a->ev, &keep);
	} else {
		snprintf(ev, sizeof(ev), "%s | %s", a->ev.daemon_evidence,
		    b->daemon_evidence);
		fill_from(&a->ev, b);
	}
	/* evidence is cut at its field size: the most specific comes first */
	memcpy(a->ev.daemon_evidence, ev, sizeof(a->ev.daemon_evidence) - 1);
	a->ev.daemon_evidence[sizeof(a->ev.daemon_evidence) - 1] = '\0';
}

static void
note_source(struct daemon_events *de, const struct evlog_rec *rec)
{
	const char *n = evlog_get(rec, "source"), *s = evlog_get(rec,
	    "status");
	size_t i;

	if (n == NULL || s == NULL)
		return;
	for (i = 0; i < de->nsrc; i++)
		if (strcmp(de->src_name[i], n) == 0)
			break;
	if (i == de->nsrc) {
		if (de->nsrc == DAEMON_EVENTS_SOURCES)
			return;
		de->nsrc++;
	}
	snprintf(de->src_name[i], sizeof(de->src_name[0]), "%s", n);
	snprintf(de->src_status[i], sizeof(de->src_status[0]), "%s", s);
}

void
daemon_events_add(struct daemon_events *de, const struct evlog_rec *rec)
{
	const struct dev_row *r;
	struct fail_event ev;
	struct pending *slot = NULL, *oldest = NULL;
	const char *conn;
	size_t i;

	if (strcmp(rec->source, "capture") == 0 &&
	    strcmp(rec->type, "SOURCE") == 0) {
		note_source(de, rec);
		return;
	}
	for (i = 0; i < DAEMON_EVENTS_PENDING; i++)
		if (de->p[i].used && (rec->sec - de->p[i].last_sec >
		    DAEMON_EVENTS_WINDOW_SEC || rec->sec < de->p[i].last_sec))
			release(de, &de->p[i]);
	conn = conn_of(rec);
	learn_peer(de, rec, conn);
	if ((r = find_row(rec)) == NULL)
		return;
	candidate(de, rec, r, &ev);
	add_peer(de, conn, &ev);
	for (i = 0; i < DAEMON_EVENTS_PENDING; i++) {
		struct pending *p = &de->p[i];

		if (p->used && strcmp(p->conn, conn) == 0) {
			fold(p, &ev, r->prio);
			p->last_sec = rec->sec;
			return;
		}
		if (!p->used && slot == NULL)
			slot = p;
		if (p->used && (oldest == NULL || p->last_sec <
		    oldest->last_sec))
			oldest = p;
	}
	if (slot == NULL) {
		release(de, oldest);
		slot = oldest;
	}
	slot->used = true;
	slot->prio = r->prio;
	slot->last_sec = rec->sec;
	snprintf(slot->conn, sizeof(slot->conn), "%s", conn);
	slot->ev = ev;
}

enum rc
daemon_events_parse(struct daemon_events *de, const uint8_t *text,
    size_t len, const char *name, char *err, size_t errlen)
{
	struct evlog_reader r;
	struct evlog_rec *rec = malloc(sizeof(*rec));
	enum rc rc;

	if (rec == NULL)
		return RC_NOMEM;
	evlog_reader_init(&r, text, len, name);
	while ((rc = evlog_next(&r, rec)) == RC_OK)
		daemon_events_add(de, rec);
	daemon_events_flush(de);
	free(rec);
	if (rc == RC_EOF)
		return RC_OK;
	snprintf(err, errlen, "%s", r.err);
	return rc;
}

size_t
daemon_events_sources(const struct daemon_events *de,
    const char *const **names, const char *const **status)
{
	*names = de->src_name_p;
	*status = de->src_status_p;
	return de->nsrc;
}

uint32_t
daemon_events_enfy_error(const char *type)
{
	size_t i;

	for (i = 0; i < NROWS; i++)
		if (strcmp(dev_rows[i].source, "enfy") == 0 &&
		    strcmp(dev_rows[i].type, type) == 0)
			return dev_rows[i].win;
	return 0;
}
