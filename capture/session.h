/*
 * One capture session: the sources (libpcap, XFRM netlink, strongSwan vici
 * and error-notify), the staging directory they are written into, and the
 * loop that runs until told to stop. The lifecycle follows the privilege
 * split of issue 5:
 *
 *   session_open()     privileged: opens every source, takes the initial
 *                      XFRM snapshot into memory; parses nothing else
 *   privs_drop()       (capture/privs.h, by the caller)
 *   session_prepare()  as the invoking user: creates the staging files
 *   session_run()      the loop (in the background process)
 *
 * Staging directory members are named in formats/cab_layout.h. A source
 * that cannot be opened (no charon running, no XFRM) is recorded as absent
 * with the reason; only the packet capture is required.
 */
#ifndef WFPDIAG_CAPTURE_SESSION_H
#define WFPDIAG_CAPTURE_SESSION_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "capture/runtime.h"
#include "formats/rc.h"

#define SESSION_VICI_DEFAULT "/var/run/charon.vici"
#define SESSION_ENFY_DEFAULT "/var/run/charon.enfy"

struct session_opts {
	const char *iface;          /* NULL or "any": all interfaces */
	const char *filter;         /* NULL: PCAP_LIVE_FILTER */
	const char *vici_path;      /* NULL: SESSION_VICI_DEFAULT; "" none */
	const char *enfy_path;      /* NULL: SESSION_ENFY_DEFAULT; "" none */
	uint64_t max_size;          /* bytes of pcap on disk, 0 unbounded */
	unsigned ring;              /* files in the ring (>= 2) */
	bool keys;                  /* record key material */
	int buffer_bytes;           /* pcap kernel buffer, 0 default */
	bool immediate;             /* pcap_live_open() */
};

struct session;

enum rc session_open(struct session **out, const struct session_opts *o,
    char *err, size_t errlen) MUST_CHECK;
/* Creates the staging files in dir (which must exist, owned by the
 * caller): pcap, events.log, xfrm-initial.txt, esp_sa, capture-info.txt. */
enum rc session_prepare(struct session *s, const char *dir, char *err,
    size_t errlen) MUST_CHECK;
/*
 * Runs until *stop is set (by a signal handler) or the packet capture
 * fails. Writes runtime_dir/stats every second (runtime_dir may be NULL).
 * Returns RC_OK on a requested stop, RC_IO when the disk filled (what was
 * written is kept; the stats status says "disk-full").
 */
enum rc session_run(struct session *s, const char *runtime_dir,
    volatile sig_atomic_t *stop) MUST_CHECK;
/* Current counters (status "running"). */
void session_stats(struct session *s, struct runtime_stats *st);
/* Closes everything, flushing the files. NULL ok. */
void session_free(struct session *s);
/* Closes the descriptors without touching files (the process that forked
 * the capture and will not run it). NULL ok. */
void session_forget(struct session *s);

/*
 * The final snapshot, taken by `capture stop` (needs CAP_NET_ADMIN):
 * writes dir/xfrm-final.txt and appends ESP keys to dir/esp_sa when keys.
 * Files get owner uid/gid. RC_PERM without the capability.
 */
enum rc session_final_snapshot(const char *dir, bool keys, uid_t uid,
    gid_t gid, char *err, size_t errlen) MUST_CHECK;

/*
 * Copies what the IKE daemon's log at path gained since offset off (from
 * 0 when it shrank: rotated) into dir/charon.log, at most
 * LIMIT_DAEMON_LOG bytes (the newest), owner uid/gid, mode 0600.
 */
enum rc session_copy_daemon_log(const char *dir, const char *path,
    uint64_t off, uid_t uid, gid_t gid, char *err, size_t errlen)
    MUST_CHECK;

/* Appends a line "key: value" to dir/capture-info.txt. */
enum rc session_info_append(const char *dir, const char *key,
    const char *fmt, ...) MUST_CHECK __attribute__((format(printf, 3, 4)));

#endif
