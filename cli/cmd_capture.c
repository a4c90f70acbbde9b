/*
 * `wfpdiag capture start|status|stop|run`: the Linux counterpart of
 * `netsh wfp capture start/stop` (issue 5). This file parses options,
 * talks to the user and wires capture/ (the session) to analyze/ (the
 * report built at stop); capture/ and analyze/ never include each other.
 * docs/capture.md describes the behaviour.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#include "analyze/analyzer.h"
#include "analyze/winerr.h"
#include "capture/package.h"
#include "capture/privs.h"
#include "capture/runtime.h"
#include "capture/session.h"
#include "cli/commands.h"
#include "formats/cab_layout.h"

#define WAIT_STOP_MS 15000	/* SIGTERM grace before SIGKILL */

struct opts {
	const char *iface;
	const char *file;
	const char *vici;
	const char *enfy;
	const char *filter;
	const char *daemon_log;  /* IKE daemon log to include (keys) */
	uint64_t max_size;
	unsigned ring;
	bool keys;
	bool immediate;         /* one packet at a time (libpcap) */
	char **cmd;             /* run: COMMAND ARGS... (NULL: until ^C) */
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: wfpdiag capture start [--interface IF|any] [--file PATH]\n"
	    "           [--max-size SIZE[K|M|G]] [--ring N] [--no-keys]\n"
	    "           [--vici PATH] [--enfy PATH] [--filter BPF]\n"
	    "           [--daemon-log PATH] [--immediate]\n"
	    "       wfpdiag capture status\n"
	    "       wfpdiag capture stop [--file PATH]\n"
	    "       wfpdiag capture run [start options] [-- COMMAND ARGS...]\n"
	    "\n"
	    "start   captures IKE/ESP packets and keying events in the\n"
	    "        background (file=PATH is accepted as in netsh)\n"
	    "status  shows whether a capture runs and its counters\n"
	    "stop    ends it and writes wfpdiag.cab (report + capture)\n"
	    "run     captures in the foreground until COMMAND exits or ^C,\n"
	    "        then does what stop does\n"
	    "--daemon-log adds what the IKE daemon's log file (e.g. charon's,\n"
	    "        with keys at ike/chd level 4) gains during the capture\n"
	    "        (not with --no-keys)\n"
	    "--max-size bounds the packet files: a ring of N files (--ring,\n"
	    "        default 4) of SIZE/N bytes each, the oldest dropped.\n"
	    "--immediate hands each packet over at once instead of in blocks\n"
	    "        within 100 ms (more CPU, drops sooner at high rates)\n"
	    "See docs/capture.md.\n");
}

static bool
parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	uint64_t mul = 1;

	errno = 0;
	if (s[0] < '0' || s[0] > '9')
		return false;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return false;
	if (*end == 'k' || *end == 'K')
		mul = 1024;
	else if (*end == 'm' || *end == 'M')
		mul = 1024 * 1024;
	else if (*end == 'g' || *end == 'G')
		mul = 1024ull * 1024 * 1024;
	else if (*end != '\0')
		return false;
	if (mul != 1 && end[1] != '\0' && strcmp(end + 1, "B") != 0 &&
	    strcmp(end + 1, "iB") != 0)
		return false;
	if (v > UINT64_MAX / mul)
		return false;
	*out = (uint64_t)v * mul;
	return true;
}

/* Value of "--name VALUE", "--name=VALUE" or "name=VALUE" at argv[*i]. */
static const char *
opt_value(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);
	const char *a = argv[*i];

	if (strncmp(a, "--", 2) == 0 && strncmp(a + 2, name, n) == 0) {
		if (a[2 + n] == '=')
			return a + 3 + n;
		if (a[2 + n] == '\0' && *i + 1 < argc)
			return argv[++*i];
		return NULL;
	}
	if (strncmp(a, name, n) == 0 && a[n] == '=')
		return a + n + 1;	/* netsh style: file=PATH */
	return NULL;
}

static int
parse_opts(int argc, char **argv, struct opts *o, bool allow_cmd)
{
	int i;
	const char *v;

	memset(o, 0, sizeof(*o));
	o->keys = true;
	o->ring = 4;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		unsigned long r;
		char *end;

		if (strcmp(a, "--") == 0 && allow_cmd) {
			o->cmd = i + 1 < argc ? argv + i + 1 : NULL;
			return 0;
		}
		if (strcmp(a, "--no-keys") == 0)
			o->keys = false;
		else if (strcmp(a, "--immediate") == 0)
			o->immediate = true;
		else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 1;
		} else if ((v = opt_value(argc, argv, &i, "interface")) ||
		    (strcmp(a, "-i") == 0 && i + 1 < argc && (v = argv[++i])))
			o->iface = v;
		else if ((v = opt_value(argc, argv, &i, "file")))
			o->file = v;
		else if ((v = opt_value(argc, argv, &i, "vici")))
			o->vici = v;
		else if ((v = opt_value(argc, argv, &i, "enfy")))
			o->enfy = v;
		else if ((v = opt_value(argc, argv, &i, "filter")))
			o->filter = v;
		else if ((v = opt_value(argc, argv, &i, "daemon-log")))
			o->daemon_log = v;
		else if ((v = opt_value(argc, argv, &i, "max-size"))) {
			if (!parse_size(v, &o->max_size) || o->max_size == 0) {
				fprintf(stderr, "wfpdiag capture: --max-size "
				    "'%s' is not a size (e.g. 500M)\n", v);
				return -1;
			}
		} else if ((v = opt_value(argc, argv, &i, "ring"))) {
			errno = 0;
			r = strtoul(v, &end, 10);
			if (errno || *end || r < 2 || r > 10000) {
				fprintf(stderr, "wfpdiag capture: --ring '%s' "
				    "must be 2..10000\n", v);
				return -1;
			}
			o->ring = (unsigned)r;
		} else {
			fprintf(stderr, "wfpdiag capture: unknown option "
			    "'%s'\n", a);
			usage(stderr);
			return -1;
		}
	}
	return 0;
}

/* Absolute cab path: PATH, or ./wfpdiag.cab; "PATH/" gets wfpdiag.cab. */
static int
output_path(const char *file, char *out, size_t n)
{
	char cwd[PATH_MAX], tmp[PATH_MAX], dir[PATH_MAX], *d, *b;
	struct stat sb;

	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return -1;
	if (file == NULL)
		file = "wfpdiag.cab";
	if (file[0] == '/')
		snprintf(tmp, sizeof(tmp), "%s", file);
	else if ((size_t)snprintf(tmp, sizeof(tmp), "%s/%s", cwd, file) >=
	    sizeof(tmp))
		return -1;
	if (stat(tmp, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		if (strlen(tmp) + 13 >= sizeof(tmp))
			return -1;
		memcpy(tmp + strlen(tmp), "/wfpdiag.cab", 13);
	}
	snprintf(dir, sizeof(dir), "%s", tmp);
	d = dirname(dir);
	if (realpath(d, cwd) == NULL)
		return -1;
	snprintf(dir, sizeof(dir), "%s", tmp);
	b = basename(dir);
	return (size_t)snprintf(out, n, "%s/%s", cwd, b) < n ? 0 : -1;
}

/* <dir of cab>/.<cab name>.staging */
static void
staging_path(const char *output, char *out, size_t n)
{
	char a[PATH_MAX], b[PATH_MAX];

	snprintf(a, sizeof(a), "%s", output);
	snprintf(b, sizeof(b), "%s", output);
	snprintf(out, n, "%s/.%s.staging", dirname(a), basename(b));
}

static volatile sig_atomic_t stop_flag;

static void
on_stop_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void
catch_stop_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	(void)sigaction(SIGHUP, &sa, NULL);
	(void)sigaction(SIGPIPE, &sa, NULL);
}

/* Everything start and run share. */
struct ctx {
	struct opts o;
	char rdir[PATH_MAX];
	char output[PATH_MAX];
	char staging[PATH_MAX];
	uid_t uid;
	gid_t gid;
	char daemon_log[PATH_MAX];  /* absolute, "" none */
	uint64_t daemon_log_off;    /* its size at start */
	struct session *s;
};

static void
send_ready(int fd, const char *msg)
{
	if (fd >= 0 && write(fd, msg, strlen(msg) + 1) < 0)
		return;
}

/* The session state the capture process records (runtime dir and a copy
 * in the staging directory for recovery after a reboot). */
static void
fill_state(const struct ctx *c, struct runtime_state *st)
{
	struct timespec ts;

	memset(st, 0, sizeof(*st));
	st->pid = getpid();
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	st->start_sec = ts.tv_sec;
	st->start_nsec = (uint32_t)ts.tv_nsec;
	st->uid = c->uid;
	st->gid = c->gid;
	snprintf(st->interfaces, sizeof(st->interfaces), "%s",
	    c->o.iface ? c->o.iface : "any");
	snprintf(st->output, sizeof(st->output), "%s", c->output);
	snprintf(st->staging, sizeof(st->staging), "%s", c->staging);
	snprintf(st->filter, sizeof(st->filter), "%s",
	    c->o.filter ? c->o.filter : "default");
	st->max_size = c->o.max_size;
	st->ring = c->o.ring;
	st->keys = c->o.keys;
	runtime_boot_id(st->boot_id, sizeof(st->boot_id));
	snprintf(st->daemon_log, sizeof(st->daemon_log), "%s", c->daemon_log);
	st->daemon_log_off = c->daemon_log_off;
}

/*
 * The capture process: drops privileges, fills the staging directory,
 * records the state and runs until SIGTERM/SIGINT. Reports "OK" or the
 * error on ready_fd. Never returns.
 */
static void
capture_process(struct ctx *c, int ready_fd, bool daemon)
{
	struct runtime_state st;
	struct runtime_stats rs;
	char err[PATH_MAX + 512], logp[PATH_MAX + 32];
	enum rc rc;
	int fd;

	catch_stop_signals();
	if (privs_drop(c->uid, c->gid, err, sizeof(err)) != RC_OK) {
		send_ready(ready_fd, err);
		_exit(EXIT_PRIVILEGE);
	}
	if (session_prepare(c->s, c->staging, err, sizeof(err)) != RC_OK) {
		send_ready(ready_fd, err);
		_exit(EXIT_OUTPUT);
	}
	fill_state(c, &st);
	if (runtime_write_state(c->rdir, RUNTIME_STATE, &st) != RC_OK ||
	    runtime_write_state(c->staging, RUNTIME_STATE, &st) != RC_OK) {
		snprintf(err, sizeof(err), "cannot write the state in %s: %s",
		    c->rdir, strerror(errno));
		send_ready(ready_fd, err);
		_exit(EXIT_OUTPUT);
	}
	send_ready(ready_fd, "OK");
	if (ready_fd >= 0)
		(void)close(ready_fd);
	if (daemon) {
		snprintf(logp, sizeof(logp), "%s/%s", c->staging,
		    CAB_MEMBER_CAPTURE_LOG);
		if ((fd = open("/dev/null", O_RDWR)) >= 0) {
			(void)dup2(fd, 0);
			(void)dup2(fd, 1);
			(void)close(fd);
		}
		if ((fd = open(logp, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
		    0600)) >= 0) {
			(void)dup2(fd, 2);
			(void)close(fd);
		}
	}
	rc = session_run(c->s, c->rdir, &stop_flag);
	session_stats(c->s, &rs);
	snprintf(rs.status, sizeof(rs.status), "%s", rc == RC_OK ?
	    "stopped" : "disk-full");
	if (rc != RC_OK)
		fprintf(stderr, "wfpdiag capture: disk full, capture stopped; "
		    "files kept\n");
	session_free(c->s);
	if (runtime_write_stats(c->rdir, &rs) != RC_OK)
		fprintf(stderr, "wfpdiag capture: cannot write stats\n");
	_exit(rc == RC_OK ? EXIT_OK : EXIT_OUTPUT);
}

/* Waits for the capture process's "OK" (or its error). */
static int
wait_ready(int fd, char *msg, size_t n)
{
	size_t got = 0;
	ssize_t r;

	while (got + 1 < n && (r = read(fd, msg + got, n - 1 - got)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		got += (size_t)r;
		if (memchr(msg, '\0', got) != NULL)
			break;
	}
	msg[got] = '\0';
	if (got == 0)
		snprintf(msg, n, "the capture process exited during start-up");
	return strcmp(msg, "OK") == 0 ? 0 : -1;
}

/* True (with a message) when a capture runs or awaits recovery. */
static bool
refuse_existing(const char *rdir, const char *verb)
{
	struct runtime_state st;
	char err[512];

	if (runtime_read_state(rdir, RUNTIME_STATE, &st, err, sizeof(err)) !=
	    RC_OK)
		return false;
	if (runtime_alive(&st))
		fprintf(stderr, "wfpdiag capture %s: a capture is already "
		    "running (pid %ld, writing %s); run 'wfpdiag capture stop' "
		    "first\n", verb, (long)st.pid, st.output);
	else
		fprintf(stderr, "wfpdiag capture %s: a capture (pid %ld) died "
		    "without being stopped; run 'wfpdiag capture stop' to "
		    "recover %s first\n", verb, (long)st.pid, st.output);
	return true;
}

/* Checks, paths, sources: everything before the fork. */
static int
prepare(struct ctx *c, const char *verb)
{
	uint64_t eff = 0;
	char err[512], missing[64];
	struct session_opts so;
	enum rc rc;

	if (runtime_dir(c->rdir, sizeof(c->rdir)) != RC_OK) {
		fprintf(stderr, "wfpdiag capture %s: no runtime directory "
		    "(set XDG_RUNTIME_DIR or WFPDIAG_RUNTIME_DIR)\n", verb);
		return EXIT_STATE;
	}
	if (refuse_existing(c->rdir, verb))
		return EXIT_STATE;
	if (privs_self(&eff) != RC_OK)
		eff = 0;
	privs_missing(eff, missing, sizeof(missing));
	if (missing[0] != '\0') {
		fprintf(stderr, "wfpdiag capture %s: missing %s (run as root "
		    "or with sudo)\n", verb, missing);
		return EXIT_PRIVILEGE;
	}
	privs_invoker(&c->uid, &c->gid);
	if (output_path(c->o.file, c->output, sizeof(c->output)) != 0) {
		fprintf(stderr, "wfpdiag capture %s: bad output path '%s': "
		    "%s\n", verb, c->o.file ? c->o.file : "wfpdiag.cab",
		    strerror(errno));
		return EXIT_OUTPUT;
	}
	if (c->o.daemon_log != NULL && c->o.keys) {
		struct stat sb;

		if (realpath(c->o.daemon_log, c->daemon_log) == NULL ||
		    stat(c->daemon_log, &sb) != 0) {
			fprintf(stderr, "wfpdiag capture %s: --daemon-log %s: "
			    "%s\n", verb, c->o.daemon_log, strerror(errno));
			return EXIT_INPUT;
		}
		c->daemon_log_off = (uint64_t)sb.st_size;
	}
	staging_path(c->output, c->staging, sizeof(c->staging));
	if (mkdir(c->staging, 0700) != 0) {
		fprintf(stderr, "wfpdiag capture %s: %s: %s%s\n", verb,
		    c->staging, strerror(errno), errno == EEXIST ?
		    " (left by an earlier capture: 'wfpdiag capture stop "
		    "--file' recovers it, or remove it)" : "");
		return errno == EEXIST ? EXIT_STATE : EXIT_OUTPUT;
	}
	if (chown(c->staging, c->uid, c->gid) != 0 ||
	    runtime_mkdir(c->rdir, c->uid, c->gid) != RC_OK) {
		fprintf(stderr, "wfpdiag capture %s: cannot prepare %s or %s: "
		    "%s\n", verb, c->staging, c->rdir, strerror(errno));
		(void)rmdir(c->staging);
		return EXIT_OUTPUT;
	}
	memset(&so, 0, sizeof(so));
	so.iface = c->o.iface;
	so.filter = c->o.filter;
	so.vici_path = c->o.vici;
	so.enfy_path = c->o.enfy;
	so.max_size = c->o.max_size;
	so.ring = c->o.ring;
	so.keys = c->o.keys;
	so.immediate = c->o.immediate;
	if ((rc = session_open(&c->s, &so, err, sizeof(err))) != RC_OK) {
		fprintf(stderr, "wfpdiag capture %s: %s\n", verb, err);
		(void)rmdir(c->staging);
		return rc == RC_PERM ? EXIT_PRIVILEGE : rc == RC_INVAL ?
		    EXIT_USAGE : EXIT_INPUT;
	}
	return EXIT_OK;
}

/* Removes the staging directory and its files (after packaging). */
static void
remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[PATH_MAX + 256];

	while (d != NULL && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		(void)unlink(p);
	}
	if (d != NULL)
		(void)closedir(d);
	(void)rmdir(dir);
}

static int
capture_start(int argc, char **argv)
{
	struct ctx c;
	int p[2], st, r;
	pid_t pid;
	char msg[512];

	memset(&c, 0, sizeof(c));
	if ((r = parse_opts(argc, argv, &c.o, false)) != 0)
		return r > 0 ? EXIT_OK : EXIT_USAGE;
	if ((r = prepare(&c, "start")) != EXIT_OK)
		return r;
	if (pipe2(p, O_CLOEXEC) != 0 || (pid = fork()) < 0) {
		perror("wfpdiag capture start");
		return EXIT_INTERNAL;
	}
	if (pid == 0) {
		/* detach: new session, and a second fork so the capture
		 * is not a session leader and cannot regain a terminal */
		(void)close(p[0]);
		if (setsid() < 0 || (pid = fork()) < 0)
			_exit(EXIT_INTERNAL);
		if (pid > 0)
			_exit(EXIT_OK);
		if (chdir("/") != 0)
			_exit(EXIT_INTERNAL);
		capture_process(&c, p[1], true);
	}
	(void)close(p[1]);
	session_forget(c.s);
	(void)waitpid(pid, &st, 0);
	if (wait_ready(p[0], msg, sizeof(msg)) != 0) {
		fprintf(stderr, "wfpdiag capture start: %s\n", msg);
		(void)close(p[0]);
		remove_dir(c.staging);
		runtime_clear(c.rdir);
		return EXIT_OUTPUT;
	}
	(void)close(p[0]);
	printf("capture started on %s; 'wfpdiag capture stop' writes %s\n",
	    c.o.iface ? c.o.iface : "all interfaces", c.output);
	return EXIT_OK;
}

static void
fmt_time(int64_t sec, char *out, size_t n)
{
	time_t t = (time_t)sec;
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(out, n, "%Y-%m-%d %H:%M:%S %Z", &tm) == 0)
		snprintf(out, n, "%" PRId64, sec);
}

static int
capture_status(int argc, char **argv)
{
	char rdir[PATH_MAX], err[512], since[64];
	struct runtime_state st;
	struct runtime_stats rs;
	bool alive;

	(void)argc;
	(void)argv;
	if (runtime_dir(rdir, sizeof(rdir)) != RC_OK ||
	    runtime_read_state(rdir, RUNTIME_STATE, &st, err, sizeof(err)) !=
	    RC_OK) {
		printf("no capture is running\n");
		return EXIT_OK;
	}
	alive = runtime_alive(&st);
	fmt_time(st.start_sec, since, sizeof(since));
	if (runtime_read_stats(rdir, &rs) != RC_OK)
		memset(&rs, 0, sizeof(rs));
	printf("capture %s (pid %ld)\n", alive ? "running" :
	    "DEAD: the capture process is gone", (long)st.pid);
	printf("since:      %s\ninterfaces: %s\noutput:     %s\n"
	    "staging:    %s\npackets:    %" PRIu64 " captured, %" PRIu64
	    " dropped by the kernel, %" PRIu64 " dropped by the interface\n"
	    "written:    %" PRIu64 " packets, %" PRIu64 " bytes\n"
	    "events:     %" PRIu64 "\nstatus:     %s\n", since, st.interfaces,
	    st.output, st.staging, rs.packets, rs.dropped, rs.ifdropped,
	    rs.written, rs.bytes, rs.events, rs.status[0] ? rs.status : "?");
	if (!alive) {
		printf("'wfpdiag capture stop' builds %s from what is on "
		    "disk\n", st.output);
		return EXIT_STATE;
	}
	return EXIT_OK;
}

/* Sends SIGTERM and waits (bounded); SIGKILL after WAIT_STOP_MS. */
static bool
end_capture(const struct runtime_state *st, pid_t child)
{
	int i, status;

	if (kill(st->pid, SIGTERM) != 0)
		return false;
	for (i = 0; i < WAIT_STOP_MS / 20; i++) {
		if (child > 0 && waitpid(child, &status, WNOHANG) == child)
			return true;
		if (child <= 0 && !runtime_alive(st))
			return true;
		(void)usleep(20000);
	}
	(void)kill(st->pid, SIGKILL);
	if (child > 0)
		(void)waitpid(child, &status, 0);
	return false;
}

static void
print_freq(const struct analyzer *an)
{
	const struct freq_item *f;
	size_t n = 0, i;

	if ((f = analyzer_freq(an, &n)) == NULL || n == 0) {
		printf("errorFrequencyTable: no IKE/IPsec failure found\n");
		return;
	}
	printf("errorFrequencyTable (top %zu of %zu):\n", n < 5 ? n : 5, n);
	for (i = 0; i < n && i < 5; i++)
		printf("  %-40s %5" PRIu32 "  x %" PRIu64 "\n",
		    winerr_name(f[i].win_error), f[i].win_error,
		    f[i].frequency);
}

/*
 * Puts the IKE SA keys the analysis verified (charon log keys bound by
 * ICV) into staging as ikev2_decryption_table, beside esp_sa, so the cab
 * opens decrypted in Wireshark; nothing when no SA was verified. Says how
 * many SAs, never the keys.
 */
static void
export_ike_keys(struct analyzer *an, const char *staging, uid_t uid,
    gid_t gid)
{
	char tmp[PATH_MAX + 64], dst[PATH_MAX + 64];
	size_t n = 0, skipped = 0;

	snprintf(tmp, sizeof(tmp), "%s/.%s.export", staging,
	    CAB_MEMBER_IKE_KEYS);
	snprintf(dst, sizeof(dst), "%s/%s", staging, CAB_MEMBER_IKE_KEYS);
	if (analyzer_export_ike_keys(an, tmp, &n, &skipped) != RC_OK) {
		fprintf(stderr, "wfpdiag capture stop: IKE keys: %s\n",
		    analyzer_errmsg(an));
		(void)unlink(tmp);
		return;
	}
	if (n == 0 || (geteuid() == 0 && chown(tmp, uid, gid) != 0) ||
	    rename(tmp, dst) != 0) {
		if (n > 0)
			fprintf(stderr, "wfpdiag capture stop: IKE keys: %s: "
			    "%s\n", dst, strerror(errno));
		(void)unlink(tmp);
		n = 0;
	}
	snprintf(dst, sizeof(dst), "%s/%s", staging, CAB_MEMBER_DAEMON_LOG);
	if (n > 0 || skipped > 0 || access(dst, R_OK) == 0)
		printf("IKE keys: %zu IKE SA%s exported to %s%s\n", n,
		    n == 1 ? "" : "s", CAB_MEMBER_IKE_KEYS, skipped ?
		    " (some verified SAs use algorithms Wireshark cannot "
		    "name)" : "");
	if (session_info_append(staging, "ike-keys", "%zu SA%s exported to "
	    "%s, %zu left out (no Wireshark name)", n, n == 1 ? "" : "s",
	    CAB_MEMBER_IKE_KEYS, skipped) != RC_OK)
		fprintf(stderr, "wfpdiag capture stop: cannot complete %s/%s\n",
		    staging, CAB_MEMBER_INFO);
}

/* Builds staging/wfpdiag.xml (and with keys, the IKE key table); false
 * (with a message) when it could not. */
static bool
build_report(const char *staging, const char *xml, bool with_keys,
    uid_t uid, gid_t gid, int *status)
{
	struct analyzer_opts ao;
	struct analyzer *an;
	struct package_list *l;
	char p[PATH_MAX + 300], err[512];
	size_t i;
	enum rc rc;
	bool ok = true;

	memset(&ao, 0, sizeof(ao));
	ao.xml_path = xml;
	ao.decrypt_esp = true;
	if ((an = analyzer_new(&ao, err, sizeof(err))) == NULL) {
		fprintf(stderr, "wfpdiag capture stop: report: %s (the cab "
		    "holds the capture without it)\n", err);
		return false;
	}
	if ((l = malloc(sizeof(*l))) == NULL || package_list(staging, l) !=
	    RC_OK) {
		free(l);
		analyzer_free(an);
		return false;
	}
	for (i = 0; i < l->n; i++) {
		const char *m = l->name[i];
		bool keys = strcmp(m, CAB_MEMBER_ESP_KEYS) == 0 ||
		    strcmp(m, CAB_MEMBER_IKE_KEYS) == 0 ||
		    strcmp(m, CAB_MEMBER_DAEMON_LOG) == 0;

		if (!keys && strcmp(m, CAB_MEMBER_EVENTS) != 0 &&
		    strstr(m, ".pcap") == NULL)
			continue;
		snprintf(p, sizeof(p), "%s/%s", staging, m);
		rc = keys ? analyzer_add_keys(an, p) : analyzer_add_path(an, p);
		if (rc == RC_SHORT || rc == RC_MALFORMED)
			fprintf(stderr, "wfpdiag capture stop: %s (kept what "
			    "was read)\n", analyzer_errmsg(an));
		else if (rc != RC_OK)
			fprintf(stderr, "wfpdiag capture stop: %s\n",
			    analyzer_errmsg(an));
	}
	free(l);
	if (analyzer_finish(an) != RC_OK) {
		fprintf(stderr, "wfpdiag capture stop: report: %s\n",
		    analyzer_errmsg(an));
		*status = EXIT_OUTPUT;
		ok = false;
	} else
		print_freq(an);
	if (with_keys)
		export_ike_keys(an, staging, uid, gid);
	analyzer_free(an);
	if (ok && geteuid() == 0 && chown(xml, uid, gid) != 0)
		ok = false;
	return ok;
}

/* What stop does once the capture process is gone. */
static int
finish(const char *rdir, const struct runtime_state *st, const char *output,
    bool recovered, const char *why)
{
	struct runtime_stats rs;
	char err[512], when[64], xml[PATH_MAX + 16];
	unsigned ncabs = 0;
	int status = EXIT_OK;
	uint64_t eff = 0;
	enum rc rc;
	time_t t = time(NULL);

	if (privs_self(&eff) != RC_OK ||
	    !(eff & (1ull << PRIVS_CAP_NET_ADMIN)))
		snprintf(err, sizeof(err), "no CAP_NET_ADMIN");
	else if (session_final_snapshot(st->staging, st->keys, st->uid,
	    st->gid, err, sizeof(err)) == RC_OK)
		err[0] = '\0';
	if (rdir == NULL || runtime_read_stats(rdir, &rs) != RC_OK)
		memset(&rs, 0, sizeof(rs));
	fmt_time((int64_t)t, when, sizeof(when));
	if (session_info_append(st->staging, "stop", "%s (%" PRId64 ")", when,
	    (int64_t)t) != RC_OK ||
	    session_info_append(st->staging, "final-snapshot", "%s%s%s",
	    err[0] ? "absent (" : "present", err, err[0] ? ")" : "") != RC_OK ||
	    session_info_append(st->staging, "packets", "%" PRIu64 " captured, "
	    "%" PRIu64 " dropped by the kernel, %" PRIu64 " dropped by the "
	    "interface, %" PRIu64 " written (%" PRIu64 " bytes)", rs.packets,
	    rs.dropped, rs.ifdropped, rs.written, rs.bytes) != RC_OK ||
	    session_info_append(st->staging, "events", "%" PRIu64,
	    rs.events) != RC_OK ||
	    session_info_append(st->staging, "status", "%s",
	    rs.status[0] ? rs.status : "unknown") != RC_OK ||
	    session_info_append(st->staging, CAB_INFO_RECOVERED, "%s%s%s",
	    recovered ? "yes (" : "no", recovered ? why : "",
	    recovered ? ")" : "") != RC_OK)
		fprintf(stderr, "wfpdiag capture stop: cannot complete %s/%s\n",
		    st->staging, CAB_MEMBER_INFO);
	if (st->daemon_log[0] != '\0' && st->keys &&
	    session_copy_daemon_log(st->staging, st->daemon_log,
	    st->daemon_log_off, st->uid, st->gid, err, sizeof(err)) != RC_OK)
		fprintf(stderr, "wfpdiag capture stop: daemon log: %s\n", err);
	if (recovered)
		printf("recovering the capture of pid %ld: %s\n",
		    (long)st->pid, why);
	/* the report is built beside the cab, not in the staging directory:
	 * that one may sit on the disk that filled up */
	snprintf(xml, sizeof(xml), "%s.report.xml", output);
	(void)build_report(st->staging, xml, st->keys, st->uid, st->gid,
	    &status);
	rc = package_cab(st->staging, xml, output, st->uid, st->gid, &ncabs,
	    err, sizeof(err));
	(void)unlink(xml);
	if (rc != RC_OK) {
		fprintf(stderr, "wfpdiag capture stop: writing %s: %s\n"
		    "the capture stays in %s\n", output, err, st->staging);
		return EXIT_OUTPUT;
	}
	printf("wrote %s%s%s\n", output, ncabs > 1 ? " (and continuation "
	    "cabinets -2, -3 ...)" : "", recovered ? " (recovered)" : "");
	remove_dir(st->staging);
	if (rdir != NULL)
		runtime_clear(rdir);
	return status;
}

/* Finds a capture left without runtime state (reboot) by its staging
 * directory beside the cab. */
static bool
find_orphan(const char *file, struct runtime_state *st)
{
	char output[PATH_MAX], staging[PATH_MAX], err[256];

	if (output_path(file, output, sizeof(output)) != 0)
		return false;
	staging_path(output, staging, sizeof(staging));
	return runtime_read_state(staging, RUNTIME_STATE, st, err,
	    sizeof(err)) == RC_OK;
}

static int
capture_stop(int argc, char **argv)
{
	struct opts o;
	struct runtime_state st;
	char rdir[PATH_MAX], err[512], output[PATH_MAX];
	const char *why = "";
	bool have_rdir, recovered = false;
	int r;

	if ((r = parse_opts(argc, argv, &o, false)) != 0)
		return r > 0 ? EXIT_OK : EXIT_USAGE;
	have_rdir = runtime_dir(rdir, sizeof(rdir)) == RC_OK;
	if (!have_rdir || runtime_read_state(rdir, RUNTIME_STATE, &st, err,
	    sizeof(err)) != RC_OK) {
		if (!find_orphan(o.file, &st)) {
			fprintf(stderr, "wfpdiag capture stop: no capture is "
			    "running\n");
			return EXIT_STATE;
		}
		have_rdir = false;
		recovered = true;
		why = "its runtime state was lost (reboot?)";
	} else if (!runtime_alive(&st)) {
		struct runtime_stats rs;

		/* a capture that ended itself (full disk, or a SIGTERM from
		 * someone else such as a shutdown) wrote its last stats and
		 * closed its files: nothing to recover */
		recovered = runtime_read_stats(rdir, &rs) != RC_OK ||
		    (strcmp(rs.status, "disk-full") != 0 &&
		    strcmp(rs.status, "stopped") != 0);
		why = "the capture process had died (killed, crashed or "
		    "rebooted)";
		if (!recovered)
			printf("the capture had already ended (%s)\n",
			    strcmp(rs.status, "disk-full") == 0 ? "the disk "
			    "was full" : "stopped by a signal");
	} else if (!end_capture(&st, 0)) {
		recovered = true;
		why = "the capture process did not stop in time and was killed";
	}
	if (o.file != NULL) {
		if (output_path(o.file, output, sizeof(output)) != 0) {
			fprintf(stderr, "wfpdiag capture stop: bad path '%s'\n",
			    o.file);
			return EXIT_OUTPUT;
		}
	} else
		snprintf(output, sizeof(output), "%s", st.output);
	return finish(have_rdir ? rdir : NULL, &st, output, recovered, why);
}

/* Runs argv with the caller's privileges; returns its exit status. */
static int
run_command(char **cmd)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		execvp(cmd[0], cmd);
		fprintf(stderr, "wfpdiag capture run: %s: %s\n", cmd[0],
		    strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int
capture_run(int argc, char **argv)
{
	struct ctx c;
	struct runtime_state st;
	int p[2], r, cmd_status = 0;
	pid_t pid;
	char msg[512];
	bool stopped;

	memset(&c, 0, sizeof(c));
	if ((r = parse_opts(argc, argv, &c.o, true)) != 0)
		return r > 0 ? EXIT_OK : EXIT_USAGE;
	if ((r = prepare(&c, "run")) != EXIT_OK)
		return r;
	catch_stop_signals();
	if (pipe2(p, O_CLOEXEC) != 0 || (pid = fork()) < 0) {
		perror("wfpdiag capture run");
		return EXIT_INTERNAL;
	}
	if (pid == 0) {
		(void)close(p[0]);
		capture_process(&c, p[1], false);
	}
	(void)close(p[1]);
	session_forget(c.s);
	if (wait_ready(p[0], msg, sizeof(msg)) != 0) {
		fprintf(stderr, "wfpdiag capture run: %s\n", msg);
		(void)close(p[0]);
		(void)waitpid(pid, NULL, 0);
		remove_dir(c.staging);
		runtime_clear(c.rdir);
		return EXIT_OUTPUT;
	}
	(void)close(p[0]);
	if (c.o.cmd != NULL)
		cmd_status = run_command(c.o.cmd);
	else {
		fprintf(stderr, "capturing; press Ctrl-C to stop\n");
		while (!stop_flag)
			(void)pause();
	}
	if (runtime_read_state(c.rdir, RUNTIME_STATE, &st, msg,
	    sizeof(msg)) != RC_OK) {
		fprintf(stderr, "wfpdiag capture run: %s\n", msg);
		return EXIT_STATE;
	}
	stopped = end_capture(&st, pid);
	r = finish(c.rdir, &st, c.output, !stopped, "the capture process "
	    "did not stop in time and was killed");
	if (c.o.cmd != NULL && cmd_status != 0)
		fprintf(stderr, "wfpdiag capture run: %s exited with %d\n",
		    c.o.cmd[0], cmd_status);
	return r;
}

int
cmd_capture(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "start") == 0)
		return capture_start(argc - 1, argv + 1);
	if (strcmp(argv[1], "status") == 0)
		return capture_status(argc - 1, argv + 1);
	if (strcmp(argv[1], "stop") == 0)
		return capture_stop(argc - 1, argv + 1);
	if (strcmp(argv[1], "run") == 0)
		return capture_run(argc - 1, argv + 1);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	fprintf(stderr, "wfpdiag capture: unknown subcommand '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
