/*
 * The XFRM netlink sockets (libmnl): one subscribed to the SA, policy,
 * expire, acquire, mapping and aevent groups for live events, and one-shot
 * dumps of all SAs and policies (NLM_F_DUMP of XFRM_MSG_GETSA and
 * XFRM_MSG_GETPOLICY) for the snapshots. Messages are handed to a
 * callback as bytes; capture/xfrm.h decodes them.
 */
#ifndef WFPDIAG_CAPTURE_XFRM_NL_H
#define WFPDIAG_CAPTURE_XFRM_NL_H

#include <stddef.h>
#include <stdint.h>

#include "formats/rc.h"

struct xfrm_nl;

typedef void (*xfrm_nl_cb)(void *ctx, const uint8_t *msg, size_t len);

/* Subscribes (needs CAP_NET_ADMIN at this point only). */
enum rc xfrm_nl_open(struct xfrm_nl **out, char *err, size_t errlen)
    MUST_CHECK;
int xfrm_nl_fd(const struct xfrm_nl *x);
/*
 * Reads one datagram of events and calls cb per message. RC_EOF when
 * nothing was waiting, RC_LIMIT when the kernel dropped events (ENOBUFS:
 * the caller records it and goes on).
 */
enum rc xfrm_nl_read(struct xfrm_nl *x, xfrm_nl_cb cb, void *ctx)
    MUST_CHECK;
void xfrm_nl_free(struct xfrm_nl *x);

/* Dumps every SA (type XFRM_MSG_GETSA) or policy (XFRM_MSG_GETPOLICY),
 * calling cb per message. Needs CAP_NET_ADMIN. */
enum rc xfrm_nl_dump(uint16_t type, xfrm_nl_cb cb, void *ctx, char *err,
    size_t errlen) MUST_CHECK;

#endif
