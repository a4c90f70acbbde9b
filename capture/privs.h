/*
 * Privileges of the capture (issue 5, STYLE.md 2): check CAP_NET_RAW and
 * CAP_NET_ADMIN before opening anything, then, once the pcap handle and
 * the netlink/daemon sockets are open, drop to the invoking user (SUDO_UID
 * and SUDO_GID under sudo) with no capabilities left and no way back
 * (PR_SET_NO_NEW_PRIVS). libcap is not needed: the effective set is read
 * from /proc/self/status and cleared with capset(2).
 */
#ifndef WFPDIAG_CAPTURE_PRIVS_H
#define WFPDIAG_CAPTURE_PRIVS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "formats/rc.h"

#define PRIVS_CAP_NET_ADMIN 12
#define PRIVS_CAP_NET_RAW 13

/* The CapEff mask from a /proc/PID/status text. RC_NOTFOUND without the
 * line, RC_MALFORMED when it is not hex. */
enum rc privs_parse_capeff(const char *status, size_t len, uint64_t *eff)
    MUST_CHECK;

/* Names of the capabilities capture needs that are missing from eff
 * ("CAP_NET_RAW and CAP_NET_ADMIN"), or "" when none. */
void privs_missing(uint64_t eff, char *out, size_t n);

/* This process's effective capabilities. */
enum rc privs_self(uint64_t *eff) MUST_CHECK;

/* The user the capture works for: SUDO_UID/SUDO_GID when set and valid,
 * else the real uid/gid. */
void privs_invoker(uid_t *uid, gid_t *gid);

/*
 * Drops to uid/gid: supplementary groups cleared, gid then uid set
 * (real, effective, saved), every capability cleared (also when uid is 0)
 * and PR_SET_NO_NEW_PRIVS set. RC_PERM when any step fails (the caller
 * must then not go on). err gets the failing step.
 */
enum rc privs_drop(uid_t uid, gid_t gid, char *err, size_t errlen)
    MUST_CHECK;

#endif
