/*
 * The capture session (see session.h): opens the sources, writes the
 * staging directory and runs the poll loop. Workload: packets dominate
 * (libpcap batches them per wakeup, pcap_dump buffers them, one flush and
 * fdatasync a second); keying events are rare and each is written with
 * one write(2) so a crash loses none that were reported.
 */
#include "capture/session.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/xfrm.h>
#include <poll.h>
#include <stdarg.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "capture/enfy.h"
#include "capture/pcap_live.h"
#include "capture/syncer.h"
#include "capture/vici.h"
#include "capture/xfrm.h"
#include "capture/xfrm_nl.h"
#include "formats/buf.h"
#include "formats/cab_layout.h"
#include "formats/evlog.h"

/* Best effort: the result does not change what we do next. */
#define IGNORE(x) do { if (x) { /* nothing */ } } while (0)

enum src { SRC_PCAP, SRC_XFRM, SRC_VICI, SRC_ENFY, SRC__N };
static const char *const src_names[SRC__N] = {"pcap", "xfrm", "vici",
    "enfy"};

/* A unix stream socket with a receive buffer (vici, enfy). */
struct stream {
	int fd;                     /* -1 when absent */
	uint8_t *buf;
	size_t len, cap;
};

struct session {
	struct session_opts o;
	char iface[64];
	char dir[4096];
	struct pcap_live *pcap;
	struct xfrm_nl *xfrm;
	struct stream vici, enfy;
	char status[SRC__N][200];   /* "present", "absent (reason)" */
	struct buf snap_text;       /* initial snapshot (until prepare) */
	struct buf snap_keys;       /* esp_sa lines from it */
	int ev_fd, keys_fd;         /* events.log, esp_sa */
	uint64_t events;
	bool disk_full;
	struct buf line;            /* scratch for one event */
	int64_t start_sec;
	uint32_t start_nsec;
	struct syncer *sync;        /* NULL: sync inline (no thread) */
};

static void
now(int64_t *sec, uint32_t *nsec)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	*sec = (int64_t)ts.tv_sec;
	*nsec = (uint32_t)ts.tv_nsec;
}

static void
set_status(struct session *s, enum src i, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
set_status(struct session *s, enum src i, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->status[i], sizeof(s->status[i]), fmt, ap);
	va_end(ap);
}

/* ---- writing ---- */

static void
write_all(struct session *s, int fd, const void *p, size_t n)
{
	const uint8_t *q = p;

	while (n > 0 && fd >= 0) {
		ssize_t w = write(fd, q, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (errno == ENOSPC || errno == EDQUOT)
				s->disk_full = true;
			return;
		}
		q += w;
		n -= (size_t)w;
	}
}

/* Writes the line in s->line to events.log and counts it. */
static void
emit(struct session *s)
{
	if (s->line.len == 0)
		return;
	write_all(s, s->ev_fd, s->line.data, s->line.len);
	s->events++;
	buf_reset(&s->line);
}

static void
emit_kv(struct session *s, const char *source, const char *type,
    const struct evlog_kv *kv, size_t n)
{
	int64_t sec;
	uint32_t nsec;

	now(&sec, &nsec);
	buf_reset(&s->line);
	if (evlog_format(&s->line, sec, nsec, source, type, kv, n) == RC_OK)
		emit(s);
}

/* ---- XFRM ---- */

struct xfrm_sink {
	struct session *s;
	struct buf *text;	/* snapshot text, or NULL for live events */
	struct buf *keys;	/* esp_sa lines, or NULL */
	bool with_keys;
	int keys_fd;		/* live: append keys here */
	uint64_t n;
};

static void
on_xfrm(void *ctx, const uint8_t *msg, size_t len)
{
	struct xfrm_sink *k = ctx;
	struct xfrm_ev ev;
	enum rc rc = xfrm_decode(msg, len, &ev);
	int64_t sec;
	uint32_t nsec;
	struct buf kb;

	k->n++;
	if (rc == RC_UNSUPPORTED)
		return;
	if (rc != RC_OK) {
		struct evlog_kv kv[] = {{"source", "xfrm"},
		    {"rc", rc_name(rc)}, {"error", ev.err}};

		if (k->s != NULL)
			emit_kv(k->s, "capture", "DECODE_ERROR", kv, 3);
		return;
	}
	if (k->text != NULL)
		IGNORE(xfrm_ev_text(&ev, k->with_keys, k->text));
	else if (k->s != NULL) {
		now(&sec, &nsec);
		buf_reset(&k->s->line);
		if (xfrm_ev_evlog(&ev, k->with_keys, sec, nsec,
		    &k->s->line) == RC_OK)
			emit(k->s);
	}
	if (!k->with_keys)
		return;
	if (k->keys != NULL) {
		IGNORE(xfrm_ev_esp_uat(&ev, k->keys));
		return;
	}
	buf_init(&kb, 8192);
	if (k->s != NULL && xfrm_ev_esp_uat(&ev, &kb) == RC_OK)
		write_all(k->s, k->keys_fd, kb.data, kb.len);
	if (kb.data != NULL)
		explicit_bzero(kb.data, kb.len);
	buf_fini(&kb);
}

/* Dumps SAs then policies into text (and keys). */
static enum rc
snapshot(struct buf *text, struct buf *keys, bool with_keys, char *err,
    size_t errlen)
{
	struct xfrm_sink k = {.text = text, .keys = keys,
	    .with_keys = with_keys, .keys_fd = -1};
	enum rc rc;
	int64_t sec;
	uint32_t nsec;

	now(&sec, &nsec);
	if (buf_printf(text, "# XFRM snapshot at %" PRId64 ".%09" PRIu32
	    "\n# SAs (ip xfrm state)\n", sec, nsec) != RC_OK)
		return RC_NOMEM;
	if ((rc = xfrm_nl_dump(XFRM_MSG_GETSA, on_xfrm, &k, err, errlen)) !=
	    RC_OK)
		return rc;
	if (buf_printf(text, "# %" PRIu64 " SAs\n# policies (ip xfrm "
	    "policy)\n", k.n) != RC_OK)
		return RC_NOMEM;
	k.n = 0;
	if ((rc = xfrm_nl_dump(XFRM_MSG_GETPOLICY, on_xfrm, &k, err,
	    errlen)) != RC_OK)
		return rc;
	return buf_printf(text, "# %" PRIu64 " policies\n", k.n);
}

/* ---- vici and error-notify ---- */

static int
unix_connect(const char *path, char *why, size_t n)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strncmp(path, "unix://", 7) == 0)
		path += 7;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(why, n, "socket path too long");
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		snprintf(why, n, "connect %s: %s", path, strerror(errno));
		if (fd >= 0)
			(void)close(fd);
		return -1;
	}
	return fd;
}

static void
stream_open(struct session *s, struct stream *st, enum src i,
    const char *path, size_t cap)
{
	char why[160];

	st->fd = -1;
	if (path != NULL && path[0] == '\0') {
		set_status(s, i, "absent (disabled)");
		return;
	}
	if ((st->buf = malloc(cap)) == NULL) {
		set_status(s, i, "absent (out of memory)");
		return;
	}
	st->cap = cap;
	if ((st->fd = unix_connect(path, why, sizeof(why))) < 0)
		set_status(s, i, "absent (%s)", why);
	else
		set_status(s, i, "present (%s)", path);
}

static const char *const vici_events[] = {"ike-updown", "child-updown",
    "ike-rekey", "child-rekey", "log"};

/* Registers for the events; confirmations are read by the loop. */
static void
vici_register(struct session *s)
{
	struct buf f;
	size_t i;

	buf_init(&f, 4096);
	for (i = 0; i < sizeof(vici_events) / sizeof(vici_events[0]); i++)
		if (vici_frame(&f, VICI_EVENT_REGISTER, vici_events[i], NULL,
		    0) != RC_OK)
			break;
	if (f.len > 0 && write(s->vici.fd, f.data, f.len) != (ssize_t)f.len)
		set_status(s, SRC_VICI, "absent (register: %s)",
		    strerror(errno));
	buf_fini(&f);
}

static void
on_vici_packet(struct session *s, struct rd *pkt)
{
	struct vici_packet p;
	struct vici_flat *fl;
	struct evlog_kv kv[LIMIT_EVLOG_FIELDS];
	enum rc rc;
	size_t i;

	if (vici_packet_decode(pkt, &p) != RC_OK)
		return;
	if (p.op == VICI_EVENT_UNKNOWN) {
		struct evlog_kv k[] = {{"source", "vici"},
		    {"reason", "charon does not know an event we asked for"}};

		emit_kv(s, "capture", "SOURCE_WARNING", k, 2);
		return;
	}
	if (p.op != VICI_EVENT || p.name[0] == '\0')
		return;
	if ((fl = malloc(sizeof(*fl))) == NULL)
		return;
	rc = vici_flatten(&p.msg, fl);
	for (i = 0; i < fl->n; i++) {
		kv[i].key = fl->key[i][0] ? fl->key[i] : "_";
		kv[i].val = fl->val[i];
	}
	if (rc != RC_OK) {
		struct evlog_kv k[] = {{"source", "vici"}, {"rc", rc_name(rc)},
		    {"error", fl->err}};

		emit_kv(s, "capture", "DECODE_ERROR", k, 3);
	} else
		emit_kv(s, "vici", p.name, kv, fl->n);
	free(fl);
}

static void
on_enfy_record(struct session *s, struct rd *r)
{
	struct enfy_rec e;
	char tname[24];
	const char *name;

	if (enfy_parse(r, &e) != RC_OK)
		return;
	if ((name = enfy_type_name(e.type)) == NULL) {
		snprintf(tname, sizeof(tname), "TYPE_%" PRIu32, e.type);
		name = tname;
	}
	{
		struct evlog_kv kv[] = {{"name", e.name}, {"id", e.id},
		    {"ip", e.ip}, {"str", e.str}};

		emit_kv(s, "enfy", name, kv, 4);
	}
}

/* Reads what a stream offers and hands complete units to the parser. */
static void
stream_read(struct session *s, struct stream *st, enum src i)
{
	ssize_t n = read(st->fd, st->buf + st->len, st->cap - st->len);
	size_t used = 0;

	if (n <= 0) {
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		{
			struct evlog_kv kv[] = {{"source", src_names[i]},
			    {"reason", n == 0 ? "daemon closed the socket" :
			    strerror(errno)}};

			emit_kv(s, "capture", "SOURCE_LOST", kv, 2);
		}
		(void)close(st->fd);
		st->fd = -1;
		set_status(s, i, "lost during the capture");
		return;
	}
	st->len += (size_t)n;
	for (;;) {
		struct rd r = rd_init(st->buf + used, st->len - used), pkt;
		size_t u;

		if (i == SRC_ENFY) {
			if (rd_left(&r) < ENFY_RECORD_LEN)
				break;
			on_enfy_record(s, &r);
			used += ENFY_RECORD_LEN;
			continue;
		}
		if (vici_next_frame(st->buf + used, st->len - used, &pkt,
		    &u) != RC_OK)
			break;
		on_vici_packet(s, &pkt);
		used += u;
	}
	memmove(st->buf, st->buf + used, st->len - used);
	st->len -= used;
	if (st->len == st->cap) {	/* a frame beyond the cap: give up */
		(void)close(st->fd);
		st->fd = -1;
		set_status(s, i, "lost (oversized message)");
	}
}

/* ---- lifecycle ---- */

enum rc
session_open(struct session **out, const struct session_opts *o, char *err,
    size_t errlen)
{
	struct session *s;
	char why[256];
	enum rc rc;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return RC_NOMEM;
	s->o = *o;
	s->ev_fd = s->keys_fd = -1;
	snprintf(s->iface, sizeof(s->iface), "%s", o->iface ? o->iface : "any");
	buf_init(&s->snap_text, LIMIT_XFRM_TEXT);
	buf_init(&s->snap_keys, LIMIT_XFRM_TEXT);
	buf_init(&s->line, LIMIT_TEXT_LINE + 2);
	now(&s->start_sec, &s->start_nsec);
	if ((rc = pcap_live_open(&s->pcap, s->iface, o->filter,
	    o->buffer_bytes, o->immediate, err, errlen)) != RC_OK) {
		session_free(s);
		return rc;
	}
	set_status(s, SRC_PCAP, "present (%s, %s)", s->iface,
	    pcap_live_linktype(s->pcap));
	if (xfrm_nl_open(&s->xfrm, why, sizeof(why)) != RC_OK)
		set_status(s, SRC_XFRM, "absent (%s)", why);
	else if (snapshot(&s->snap_text, &s->snap_keys, o->keys, why,
	    sizeof(why)) != RC_OK)
		set_status(s, SRC_XFRM, "present (initial snapshot failed: %s)",
		    why);
	else
		set_status(s, SRC_XFRM, "present");
	stream_open(s, &s->vici, SRC_VICI, o->vici_path ? o->vici_path :
	    SESSION_VICI_DEFAULT, LIMIT_VICI_PACKET + 4);
	if (s->vici.fd >= 0)
		vici_register(s);
	stream_open(s, &s->enfy, SRC_ENFY, o->enfy_path ? o->enfy_path :
	    SESSION_ENFY_DEFAULT, ENFY_RECORD_LEN * 16);
	*out = s;
	return RC_OK;
}

static int
open_member(const char *dir, const char *name, int flags)
{
	char path[4200];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path))
		return -1;
	return open(path, flags | O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
}

static enum rc
write_member(const char *dir, const char *name, const void *p, size_t n)
{
	int fd = open_member(dir, name, O_TRUNC);
	ssize_t w;

	if (fd < 0)
		return RC_IO;
	w = n ? write(fd, p, n) : 0;
	if (close(fd) != 0 || w < 0 || (size_t)w != n)
		return RC_IO;
	return RC_OK;
}

static void
iso_time(int64_t sec, char *out, size_t n)
{
	time_t t = (time_t)sec;
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(out, n,
	    "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, n, "?");
}


/* The capture host's own addresses ("address: 192.0.2.1" lines): the
 * analyzer calls them local, as Windows' netEvents do. */
static enum rc
info_addresses(struct buf *b)
{
	struct ifaddrs *ifa, *p;
	enum rc rc = RC_OK;
	char text[INET6_ADDRSTRLEN];

	if (getifaddrs(&ifa) != 0)
		return RC_OK; /* optional information */
	for (p = ifa; p != NULL && rc == RC_OK; p = p->ifa_next) {
		const void *a;

		if (p->ifa_addr == NULL || (p->ifa_flags & IFF_LOOPBACK))
			continue;
		if (p->ifa_addr->sa_family == AF_INET)
			a = &((const struct sockaddr_in *)(const void *)
			    p->ifa_addr)->sin_addr;
		else if (p->ifa_addr->sa_family == AF_INET6)
			a = &((const struct sockaddr_in6 *)(const void *)
			    p->ifa_addr)->sin6_addr;
		else
			continue;
		if (inet_ntop(p->ifa_addr->sa_family, a, text,
		    sizeof(text)) != NULL)
			rc = buf_printf(b, CAB_INFO_ADDRESS ": %s\n", text);
	}
	freeifaddrs(ifa);
	return rc;
}

static enum rc
write_info(struct session *s)
{
	struct utsname u;
	char host[256] = "?", when[32];
	struct buf b;
	enum rc rc;
	size_t i;

	(void)gethostname(host, sizeof(host) - 1);
	if (uname(&u) != 0)
		snprintf(u.release, sizeof(u.release), "?");
	iso_time(s->start_sec, when, sizeof(when));
	buf_init(&b, 64 * 1024);
	rc = buf_printf(&b, "wfpdiag-capture-info: 1\nhost: %s\nkernel: %s\n"
	    "interfaces: %s\nfilter: %s\nsnaplen: %d\n"
	    "start: %s (%" PRId64 ".%09" PRIu32 ")\nkeys: %s\n", host,
	    u.release, s->iface, s->o.filter ? s->o.filter : PCAP_LIVE_FILTER,
	    PCAP_LIVE_SNAPLEN, when, s->start_sec, s->start_nsec,
	    s->o.keys ? "yes" : "no");
	if (rc == RC_OK && s->o.max_size)
		rc = buf_printf(&b, "max-size: %" PRIu64 " bytes in a ring of "
		    "%u files (oldest dropped)\n", s->o.max_size, s->o.ring);
	else if (rc == RC_OK)
		rc = buf_printf(&b, "max-size: unbounded (until the disk is "
		    "full)\n");
	for (i = 0; rc == RC_OK && i < SRC__N; i++)
		rc = buf_printf(&b, CAB_INFO_SOURCE ": %s %s\n", src_names[i],
		    s->status[i]);
	if (rc == RC_OK)
		rc = info_addresses(&b);
	if (rc == RC_OK)
		rc = write_member(s->dir, CAB_MEMBER_INFO, b.data, b.len);
	buf_fini(&b);
	return rc;
}

enum rc
session_prepare(struct session *s, const char *dir, char *err,
    size_t errlen)
{
	enum rc rc;
	size_t i;

	if ((size_t)snprintf(s->dir, sizeof(s->dir), "%s", dir) >=
	    sizeof(s->dir))
		return RC_LIMIT;
	if ((rc = pcap_live_output(s->pcap, dir, s->o.max_size, s->o.ring,
	    err, errlen)) != RC_OK)
		return rc;
	s->ev_fd = open_member(dir, CAB_MEMBER_EVENTS, O_APPEND);
	if (s->ev_fd < 0) {
		snprintf(err, errlen, "%s/%s: %s", dir, CAB_MEMBER_EVENTS,
		    strerror(errno));
		return RC_IO;
	}
	write_all(s, s->ev_fd, EVLOG_MAGIC "\n", strlen(EVLOG_MAGIC) + 1);
	if (s->o.keys)
		s->keys_fd = open_member(dir, CAB_MEMBER_ESP_KEYS, O_APPEND);
	if (s->snap_text.len > 0 && write_member(dir, CAB_MEMBER_XFRM_INITIAL,
	    s->snap_text.data, s->snap_text.len) != RC_OK) {
		snprintf(err, errlen, "%s/%s: %s", dir,
		    CAB_MEMBER_XFRM_INITIAL, strerror(errno));
		return RC_IO;
	}
	if (s->snap_keys.len > 0)
		write_all(s, s->keys_fd, s->snap_keys.data, s->snap_keys.len);
	if (s->snap_keys.data != NULL)
		explicit_bzero(s->snap_keys.data, s->snap_keys.len);
	buf_fini(&s->snap_keys);
	buf_fini(&s->snap_text);
	if ((rc = write_info(s)) != RC_OK) {
		snprintf(err, errlen, "%s/%s: %s", dir, CAB_MEMBER_INFO,
		    strerror(errno));
		return rc;
	}
	for (i = 0; i < SRC__N; i++) {
		struct evlog_kv kv[] = {{"source", src_names[i]},
		    {"status", s->status[i]}};

		emit_kv(s, "capture", "SOURCE", kv, 2);
	}
	return s->disk_full ? RC_IO : RC_OK;
}

void
session_stats(struct session *s, struct runtime_stats *st)
{
	struct pcap_live_stats ps;
	int64_t sec;
	uint32_t nsec;

	pcap_live_stats(s->pcap, &ps);
	now(&sec, &nsec);
	memset(st, 0, sizeof(*st));
	st->packets = ps.recv;
	st->dropped = ps.drop;
	st->ifdropped = ps.ifdrop;
	st->written = ps.written;
	st->bytes = ps.bytes;
	st->events = s->events;
	st->updated_sec = sec;
	snprintf(st->status, sizeof(st->status), "%s", s->disk_full ?
	    "disk-full" : "running");
}

/* Once a second: flush into the kernel, have the syncer put it on the
 * disk, stats. Without a syncer thread, at least start the writeback. */
static void
tick(struct session *s, const char *runtime_dir)
{
	struct runtime_stats st;
	int pfd;

	if (pcap_live_flush(s->pcap) != RC_OK)
		s->disk_full = true;
	pfd = pcap_live_output_fd(s->pcap);
	if (s->sync != NULL) {
		syncer_request(s->sync, SYNCER_PACKETS, pfd);
		syncer_request(s->sync, SYNCER_EVENTS, s->ev_fd);
	} else {
		if (pfd >= 0)
			(void)sync_file_range(pfd, 0, 0,
			    SYNC_FILE_RANGE_WRITE);
		if (s->ev_fd >= 0)
			(void)sync_file_range(s->ev_fd, 0, 0,
			    SYNC_FILE_RANGE_WRITE);
	}
	if (runtime_dir != NULL) {
		session_stats(s, &st);
		IGNORE(runtime_write_stats(runtime_dir, &st));
	}
}

/*
 * After the stop: packets delivered in blocks may wait in a partly filled
 * one until PCAP_LIVE_DELIVERY_MS passes; give the kernel that long (and
 * a margin) to hand the last block over, so what arrived before the stop
 * is in the file.
 */
static void
drain(struct session *s, char *err, size_t errlen)
{
	struct timespec t0, t;
	long waited_ms = 0;

	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	IGNORE(pcap_live_dispatch(s->pcap, err, errlen));
	while (!s->o.immediate && waited_ms < PCAP_LIVE_DELIVERY_MS + 50) {
		struct pollfd pf = {pcap_live_fd(s->pcap), POLLIN, 0};

		(void)poll(&pf, 1, 25);
		IGNORE(pcap_live_dispatch(s->pcap, err, errlen));
		(void)clock_gettime(CLOCK_MONOTONIC, &t);
		waited_ms = (t.tv_sec - t0.tv_sec) * 1000L +
		    (t.tv_nsec - t0.tv_nsec) / 1000000L;
	}
}

enum rc
session_run(struct session *s, const char *runtime_dir,
    volatile sig_atomic_t *stop)
{
	struct pollfd pf[4];
	struct xfrm_sink k = {.s = s, .with_keys = s->o.keys,
	    .keys_fd = s->keys_fd};
	char err[256];
	struct timespec last, t;
	enum rc rc = RC_OK;

	if (syncer_start(&s->sync) != RC_OK)
		s->sync = NULL; /* tick() falls back to inline writeback */
	(void)clock_gettime(CLOCK_MONOTONIC, &last);
	tick(s, runtime_dir);
	while (!*stop && !s->disk_full) {
		pf[0] = (struct pollfd){pcap_live_fd(s->pcap), POLLIN, 0};
		pf[1] = (struct pollfd){s->xfrm ? xfrm_nl_fd(s->xfrm) : -1,
		    POLLIN, 0};
		pf[2] = (struct pollfd){s->vici.fd, POLLIN, 0};
		pf[3] = (struct pollfd){s->enfy.fd, POLLIN, 0};
		if (poll(pf, 4, 200) < 0 && errno != EINTR)
			break;
		if (pcap_live_dispatch(s->pcap, err, sizeof(err)) != RC_OK)
			s->disk_full = true;
		if (pf[1].revents & POLLIN) {
			rc = xfrm_nl_read(s->xfrm, on_xfrm, &k);
			if (rc == RC_LIMIT) {
				struct evlog_kv kv[] = {{"source", "xfrm"}};

				emit_kv(s, "capture", "OVERRUN", kv, 1);
			}
			rc = RC_OK;
		}
		if (pf[2].revents & (POLLIN | POLLHUP | POLLERR))
			stream_read(s, &s->vici, SRC_VICI);
		if (pf[3].revents & (POLLIN | POLLHUP | POLLERR))
			stream_read(s, &s->enfy, SRC_ENFY);
		(void)clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec > last.tv_sec || *stop) {
			last = t;
			tick(s, runtime_dir);
		}
	}
	if (!s->disk_full)	/* what arrived before the signal */
		drain(s, err, sizeof(err));
	if (s->disk_full) {
		struct evlog_kv kv[] = {{"reason", "no space left on the "
		    "device: capture stopped, files kept"}};

		emit_kv(s, "capture", "DISK_FULL", kv, 1);
		rc = RC_IO;
	}
	tick(s, runtime_dir);
	syncer_stop(s->sync); /* the last second on the disk, too */
	s->sync = NULL;
	return rc;
}

static void
close_fds(struct session *s)
{
	if (s->vici.fd >= 0)
		(void)close(s->vici.fd);
	if (s->enfy.fd >= 0)
		(void)close(s->enfy.fd);
	if (s->ev_fd >= 0)
		(void)close(s->ev_fd);
	if (s->keys_fd >= 0)
		(void)close(s->keys_fd);
	free(s->vici.buf);
	free(s->enfy.buf);
	xfrm_nl_free(s->xfrm);
	if (s->snap_keys.data != NULL)
		explicit_bzero(s->snap_keys.data, s->snap_keys.len);
	buf_fini(&s->snap_keys);
	buf_fini(&s->snap_text);
	buf_fini(&s->line);
}

void
session_free(struct session *s)
{
	if (s == NULL)
		return;
	close_fds(s);
	pcap_live_free(s->pcap);
	free(s);
}

void
session_forget(struct session *s)
{
	if (s == NULL)
		return;
	close_fds(s);
	pcap_live_forget(s->pcap);
	free(s);
}

enum rc
session_final_snapshot(const char *dir, bool keys, uid_t uid, gid_t gid,
    char *err, size_t errlen)
{
	struct buf text, kb;
	char path[4200];
	enum rc rc;
	int fd;

	buf_init(&text, LIMIT_XFRM_TEXT);
	buf_init(&kb, LIMIT_XFRM_TEXT);
	rc = snapshot(&text, &kb, keys, err, errlen);
	if (rc == RC_OK)
		rc = write_member(dir, CAB_MEMBER_XFRM_FINAL, text.data,
		    text.len);
	snprintf(path, sizeof(path), "%s/%s", dir, CAB_MEMBER_XFRM_FINAL);
	if (rc == RC_OK && geteuid() == 0)
		IGNORE(chown(path, uid, gid));
	if (rc == RC_OK && keys && kb.len > 0 &&
	    (fd = open_member(dir, CAB_MEMBER_ESP_KEYS, O_APPEND)) >= 0) {
		if (write(fd, kb.data, kb.len) != (ssize_t)kb.len)
			rc = RC_IO;
		(void)close(fd);
		snprintf(path, sizeof(path), "%s/%s", dir,
		    CAB_MEMBER_ESP_KEYS);
		if (geteuid() == 0)
			IGNORE(chown(path, uid, gid));
	}
	if (kb.data != NULL)
		explicit_bzero(kb.data, kb.len);
	buf_fini(&kb);
	buf_fini(&text);
	return rc;
}

enum rc
session_info_append(const char *dir, const char *key, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n, m, fd;
	ssize_t w;

	n = snprintf(line, sizeof(line), "%s: ", key);
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || m < 0 || (size_t)(n + m) >= sizeof(line) - 1)
		return RC_LIMIT;
	line[n + m] = '\n';
	if ((fd = open_member(dir, CAB_MEMBER_INFO, O_APPEND)) < 0)
		return RC_IO;
	w = write(fd, line, (size_t)(n + m) + 1);
	(void)close(fd);
	return w == n + m + 1 ? RC_OK : RC_IO;
}

enum rc
session_copy_daemon_log(const char *dir, const char *path, uint64_t off,
    uid_t uid, gid_t gid, char *err, size_t errlen)
{
	char buf[65536];
	struct stat sb;
	int in, out = -1;
	enum rc rc = RC_OK;
	ssize_t n;

	if ((in = open(path, O_RDONLY | O_CLOEXEC)) < 0 ||
	    fstat(in, &sb) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (in >= 0)
			(void)close(in);
		return RC_IO;
	}
	if ((uint64_t)sb.st_size < off)
		off = 0;	/* rotated or truncated meanwhile */
	if ((uint64_t)sb.st_size - off > LIMIT_DAEMON_LOG)
		off = (uint64_t)sb.st_size - LIMIT_DAEMON_LOG;
	if (lseek(in, (off_t)off, SEEK_SET) < 0 ||
	    (out = open_member(dir, CAB_MEMBER_DAEMON_LOG, O_TRUNC)) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		(void)close(in);
		return RC_IO;
	}
	while (rc == RC_OK && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			snprintf(err, errlen, "%s/%s: %s", dir,
			    CAB_MEMBER_DAEMON_LOG, strerror(errno));
			rc = RC_IO;
		}
	explicit_bzero(buf, sizeof(buf));	/* it held keys */
	(void)close(in);
	if (geteuid() == 0 && fchown(out, uid, gid) != 0 && rc == RC_OK) {
		snprintf(err, errlen, "chown %s: %s", CAB_MEMBER_DAEMON_LOG,
		    strerror(errno));
		rc = RC_PERM;
	}
	(void)close(out);
	return rc;
}
