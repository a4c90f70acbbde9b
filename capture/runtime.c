/*
 * Runtime directory and session state files (see runtime.h). The files are
 * "key=value" lines we write ourselves; they are still read through
 * struct rd with every number range-checked, since a user could edit them.
 */
#include "capture/runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "formats/buf.h"
#include "formats/rd.h"

enum rc
runtime_dir(char *out, size_t n)
{
	const char *e = getenv("WFPDIAG_RUNTIME_DIR");
	int w;

	if (e != NULL && e[0] != '\0')
		w = snprintf(out, n, "%s", e);
	else if (geteuid() == 0)
		w = snprintf(out, n, "/run/wfpdiag");
	else if ((e = getenv("XDG_RUNTIME_DIR")) != NULL && e[0] == '/')
		w = snprintf(out, n, "%s/wfpdiag", e);
	else
		return RC_NOTFOUND;
	return w < 0 || (size_t)w >= n ? RC_LIMIT : RC_OK;
}

enum rc
runtime_mkdir(const char *dir, uid_t uid, gid_t gid)
{
	struct stat sb;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return errno == EACCES ? RC_PERM : RC_IO;
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return RC_IO;
	if (uid != (uid_t)-1 && (sb.st_uid != uid || sb.st_gid != gid) &&
	    chown(dir, uid, gid) != 0)
		return RC_PERM;
	return RC_OK;
}

/* Writes len bytes to dir/name via a temporary and rename. */
static enum rc
write_atomic(const char *dir, const char *name, const void *p, size_t len)
{
	char tmp[4200], path[4200];
	int fd;
	ssize_t w;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path) || (size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.tmp",
	    dir, name) >= sizeof(tmp))
		return RC_LIMIT;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno == EACCES ? RC_PERM : RC_IO;
	w = write(fd, p, len);
	if (w < 0 || (size_t)w != len || close(fd) != 0) {
		if (w >= 0)
			(void)close(fd);
		(void)unlink(tmp);
		return RC_IO;
	}
	if (rename(tmp, path) != 0) {
		(void)unlink(tmp);
		return RC_IO;
	}
	return RC_OK;
}

enum rc
runtime_write_state(const char *dir, const char *name,
    const struct runtime_state *st)
{
	struct buf b;
	enum rc rc;

	buf_init(&b, 64 * 1024);
	rc = buf_printf(&b, "pid=%ld\nstart=%" PRId64 ".%09" PRIu32
	    "\nuid=%lu\ngid=%lu\ninterfaces=%s\noutput=%s\nstaging=%s\n"
	    "filter=%s\nmax_size=%" PRIu64 "\nring=%u\nkeys=%d\nboot_id=%s\n"
	    "daemon_log=%s\ndaemon_log_off=%" PRIu64 "\n",
	    (long)st->pid, st->start_sec, st->start_nsec,
	    (unsigned long)st->uid, (unsigned long)st->gid, st->interfaces,
	    st->output, st->staging, st->filter, st->max_size, st->ring,
	    st->keys ? 1 : 0, st->boot_id, st->daemon_log, st->daemon_log_off);
	if (rc == RC_OK)
		rc = write_atomic(dir, name, b.data, b.len);
	buf_fini(&b);
	return rc;
}

enum rc
runtime_write_stats(const char *dir, const struct runtime_stats *s)
{
	char t[1024];
	int n;

	n = snprintf(t, sizeof(t), "packets=%" PRIu64 "\ndropped=%" PRIu64
	    "\nifdropped=%" PRIu64 "\nwritten=%" PRIu64 "\nbytes=%" PRIu64
	    "\nevents=%" PRIu64 "\nupdated=%" PRId64 "\nstatus=%s\n",
	    s->packets, s->dropped, s->ifdropped, s->written, s->bytes,
	    s->events, s->updated_sec, s->status);
	if (n < 0 || (size_t)n >= sizeof(t))
		return RC_LIMIT;
	return write_atomic(dir, RUNTIME_STATS, t, (size_t)n);
}

/* Reads a small file whole (at most max bytes). */
static uint8_t *
slurp(const char *dir, const char *name, size_t max, size_t *len)
{
	char path[4200];
	uint8_t *p;
	ssize_t r;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path))
		return NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	p = malloc(max + 1);
	r = p ? read(fd, p, max) : -1;
	(void)close(fd);
	if (r < 0) {
		free(p);
		return NULL;
	}
	p[r] = 0;
	*len = (size_t)r;
	return p;
}

static bool
parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return false;
	*out = v;
	return true;
}

/* Splits "key=value" lines; calls set() for each. */
static enum rc
each_line(const uint8_t *text, size_t len, void *ctx,
    bool (*set)(void *ctx, const char *k, const char *v), char *err,
    size_t errlen)
{
	struct rd r = rd_init(text, len);
	size_t lineno = 0;

	while (rd_left(&r) > 0) {
		char line[4200], *eq;
		size_t n = 0;

		lineno++;
		while (n < rd_left(&r) && rd_peek_u8(&r, n) != '\n')
			n++;
		if (n >= sizeof(line)) {
			snprintf(err, errlen, "line %zu: %zu bytes > %zu",
			    lineno, n, sizeof(line) - 1);
			return RC_LIMIT;
		}
		(void)rd_copy(&r, line, n);
		line[n] = '\0';
		rd_skip(&r, rd_left(&r) > 0 ? 1 : 0);
		if (n == 0)
			continue;
		if ((eq = strchr(line, '=')) == NULL) {
			snprintf(err, errlen, "line %zu: no '='", lineno);
			return RC_MALFORMED;
		}
		*eq = '\0';
		if (!set(ctx, line, eq + 1)) {
			snprintf(err, errlen, "line %zu: bad value for %s",
			    lineno, line);
			return RC_MALFORMED;
		}
	}
	return RC_OK;
}

static bool
copy_str(char *dst, size_t n, const char *v)
{
	return (size_t)snprintf(dst, n, "%s", v) < n;
}

static bool
state_set(void *ctx, const char *k, const char *v)
{
	struct runtime_state *st = ctx;
	uint64_t u;
	const char *dot;

	if (strcmp(k, "pid") == 0) {
		if (!parse_u64(v, INT32_MAX, &u) || u < 2)
			return false;
		st->pid = (pid_t)u;
	} else if (strcmp(k, "start") == 0) {
		char sec[24];

		if ((dot = strchr(v, '.')) == NULL ||
		    (size_t)(dot - v) >= sizeof(sec))
			return false;
		memcpy(sec, v, (size_t)(dot - v));
		sec[dot - v] = '\0';
		if (!parse_u64(sec, INT64_MAX, &u))
			return false;
		st->start_sec = (int64_t)u;
		if (!parse_u64(dot + 1, 999999999, &u))
			return false;
		st->start_nsec = (uint32_t)u;
	} else if (strcmp(k, "uid") == 0 || strcmp(k, "gid") == 0) {
		if (!parse_u64(v, UINT32_MAX - 1, &u))
			return false;
		if (k[0] == 'u')
			st->uid = (uid_t)u;
		else
			st->gid = (gid_t)u;
	} else if (strcmp(k, "interfaces") == 0)
		return copy_str(st->interfaces, sizeof(st->interfaces), v);
	else if (strcmp(k, "output") == 0)
		return copy_str(st->output, sizeof(st->output), v);
	else if (strcmp(k, "staging") == 0)
		return copy_str(st->staging, sizeof(st->staging), v);
	else if (strcmp(k, "filter") == 0)
		return copy_str(st->filter, sizeof(st->filter), v);
	else if (strcmp(k, "boot_id") == 0)
		return copy_str(st->boot_id, sizeof(st->boot_id), v);
	else if (strcmp(k, "daemon_log") == 0)
		return copy_str(st->daemon_log, sizeof(st->daemon_log), v);
	else if (strcmp(k, "daemon_log_off") == 0)
		return parse_u64(v, INT64_MAX, &st->daemon_log_off);
	else if (strcmp(k, "max_size") == 0)
		return parse_u64(v, UINT64_MAX, &st->max_size);
	else if (strcmp(k, "ring") == 0) {
		if (!parse_u64(v, 100000, &u))
			return false;
		st->ring = (unsigned)u;
	} else if (strcmp(k, "keys") == 0) {
		if (!parse_u64(v, 1, &u))
			return false;
		st->keys = u == 1;
	}
	return true;	/* unknown keys: written by a newer version */
}

enum rc
runtime_read_state(const char *dir, const char *name,
    struct runtime_state *st, char *err, size_t errlen)
{
	size_t len;
	uint8_t *t;
	enum rc rc;

	memset(st, 0, sizeof(*st));
	if ((t = slurp(dir, name, 64 * 1024, &len)) == NULL) {
		snprintf(err, errlen, "%s/%s: %s", dir, name, strerror(errno));
		return errno == ENOENT ? RC_NOTFOUND : RC_IO;
	}
	rc = each_line(t, len, st, state_set, err, errlen);
	free(t);
	if (rc == RC_OK && (st->pid == 0 || st->staging[0] != '/')) {
		snprintf(err, errlen, "%s/%s: pid or staging missing", dir,
		    name);
		rc = RC_MALFORMED;
	}
	return rc;
}

static bool
stats_set(void *ctx, const char *k, const char *v)
{
	struct runtime_stats *s = ctx;
	uint64_t u = 0;

	if (strcmp(k, "status") == 0)
		return copy_str(s->status, sizeof(s->status), v);
	if (!parse_u64(v, INT64_MAX, &u))
		return false;
	if (strcmp(k, "packets") == 0)
		s->packets = u;
	else if (strcmp(k, "dropped") == 0)
		s->dropped = u;
	else if (strcmp(k, "ifdropped") == 0)
		s->ifdropped = u;
	else if (strcmp(k, "written") == 0)
		s->written = u;
	else if (strcmp(k, "bytes") == 0)
		s->bytes = u;
	else if (strcmp(k, "events") == 0)
		s->events = u;
	else if (strcmp(k, "updated") == 0)
		s->updated_sec = (int64_t)u;
	return true;
}

enum rc
runtime_read_stats(const char *dir, struct runtime_stats *s)
{
	size_t len;
	uint8_t *t;
	enum rc rc;
	char err[128];

	memset(s, 0, sizeof(*s));
	if ((t = slurp(dir, RUNTIME_STATS, 4096, &len)) == NULL)
		return errno == ENOENT ? RC_NOTFOUND : RC_IO;
	rc = each_line(t, len, s, stats_set, err, sizeof(err));
	free(t);
	return rc;
}

void
runtime_boot_id(char *out, size_t n)
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
	size_t l;

	out[0] = '\0';
	if (f == NULL)
		return;
	if (fgets(out, (int)n, f) == NULL)
		out[0] = '\0';
	(void)fclose(f);
	l = strlen(out);
	if (l > 0 && out[l - 1] == '\n')
		out[l - 1] = '\0';
}

bool
runtime_alive(const struct runtime_state *st)
{
	char path[64], stat[512], boot[40], *open_p, *close_p;
	FILE *f;
	size_t n;

	runtime_boot_id(boot, sizeof(boot));
	if (st->boot_id[0] && boot[0] && strcmp(boot, st->boot_id) != 0)
		return false;	/* rebooted since: the pid means nothing */
	if (kill(st->pid, 0) != 0 && errno == ESRCH)
		return false;
	/* "PID (COMM) STATE ...": ours, and not a zombie left unreaped */
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)st->pid);
	if ((f = fopen(path, "re")) == NULL)
		return false;
	n = fread(stat, 1, sizeof(stat) - 1, f);
	(void)fclose(f);
	stat[n] = '\0';
	open_p = strchr(stat, '(');
	close_p = strrchr(stat, ')');
	if (open_p == NULL || close_p == NULL || close_p < open_p ||
	    close_p[1] != ' ')
		return false;
	if (strncmp(open_p + 1, "wfpdiag", 7) != 0)
		return false;
	return close_p[2] != 'Z' && close_p[2] != 'X';
}

void
runtime_clear(const char *dir)
{
	static const char *const names[] = {RUNTIME_STATE, RUNTIME_STATS,
	    RUNTIME_LOG};
	char path[4200];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    names[i]) < sizeof(path))
			(void)unlink(path);
}
