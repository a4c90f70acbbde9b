/*
 * The capture session's runtime directory and its state files (issue 5):
 * /run/wfpdiag when root, else $XDG_RUNTIME_DIR/wfpdiag, overridden by
 * WFPDIAG_RUNTIME_DIR. It holds:
 *
 *   state    written once at start: pid, start time, interfaces, output,
 *            staging directory, options ("key=value" lines)
 *   stats    rewritten (atomically, by rename) every second by the
 *            background capture: packets, drops, bytes, events, status
 *   capture.log  the background capture's own messages
 *
 * A copy of state is kept in the staging directory too, so that a capture
 * whose runtime directory vanished (reboot: /run is a tmpfs) can still be
 * recovered by `capture stop --file PATH`.
 */
#ifndef WFPDIAG_CAPTURE_RUNTIME_H
#define WFPDIAG_CAPTURE_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "formats/rc.h"

#define RUNTIME_STATE "state"
#define RUNTIME_STATS "stats"
#define RUNTIME_LOG "capture.log"

struct runtime_state {
	pid_t pid;
	int64_t start_sec;          /* CLOCK_REALTIME */
	uint32_t start_nsec;
	uid_t uid;                  /* invoking user (owner of the files) */
	gid_t gid;
	char interfaces[256];
	char output[4096];          /* cab path (absolute) */
	char staging[4096];         /* staging directory (absolute) */
	char filter[512];
	uint64_t max_size;          /* bytes, 0 = unbounded */
	unsigned ring;              /* files in the ring (with max_size) */
	bool keys;
	char boot_id[40];           /* /proc/sys/kernel/random/boot_id */
	char daemon_log[4096];      /* IKE daemon log to include ("" none) */
	uint64_t daemon_log_off;    /* its size at start: copied from here */
};

struct runtime_stats {
	uint64_t packets;           /* pcap_stats ps_recv */
	uint64_t dropped;           /* ps_drop (kernel buffer full) */
	uint64_t ifdropped;         /* ps_ifdrop */
	uint64_t written;           /* packets written to the files */
	uint64_t bytes;             /* bytes of packet data written */
	uint64_t events;            /* events.log lines */
	int64_t updated_sec;        /* when this was written */
	char status[64];            /* running, stopped, disk-full ... */
};

/*
 * The runtime directory path into out. Does not create it. RC_LIMIT when
 * it does not fit, RC_NOTFOUND when no candidate applies (not root and no
 * XDG_RUNTIME_DIR and no override).
 */
enum rc runtime_dir(char *out, size_t n) MUST_CHECK;

/* Creates dir (and parents' last level) mode 0700; when owner is not
 * (uid_t)-1, chowns it. RC_OK if it already exists as a directory. */
enum rc runtime_mkdir(const char *dir, uid_t uid, gid_t gid) MUST_CHECK;

/* Writes st to dir/name atomically (temporary + rename), mode 0600. */
enum rc runtime_write_state(const char *dir, const char *name,
    const struct runtime_state *st) MUST_CHECK;
enum rc runtime_read_state(const char *dir, const char *name,
    struct runtime_state *st, char *err, size_t errlen) MUST_CHECK;
enum rc runtime_write_stats(const char *dir, const struct runtime_stats *s)
    MUST_CHECK;
enum rc runtime_read_stats(const char *dir, struct runtime_stats *s)
    MUST_CHECK;

/*
 * Whether the capture of st is alive: its pid exists and is a wfpdiag
 * process (/proc/PID/comm) started by the same boot. False for a stale
 * pid reused by another program.
 */
bool runtime_alive(const struct runtime_state *st);

/* Removes the runtime files (state, stats, log) from dir. */
void runtime_clear(const char *dir);

/* The current boot id into out (or "" when unknown). */
void runtime_boot_id(char *out, size_t n);

#endif
