/*
 * XFRM netlink sockets through libmnl (see xfrm_nl.h). Groups from
 * <linux/xfrm.h> XFRMNLGRP_*; dumps per netlink(7) NLM_F_DUMP with the
 * message framing checked by libmnl (mnl_nlmsg_ok, mnl_cb_run).
 */
#include "capture/xfrm_nl.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/xfrm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

struct xfrm_nl {
	struct mnl_socket *nl;
	uint8_t *buf;		/* one datagram */
	size_t buflen;
};

#define GRP(g) (1u << ((g) - 1))
#define NL_BUF ((size_t)MNL_SOCKET_BUFFER_SIZE * 4)

enum rc
xfrm_nl_open(struct xfrm_nl **out, char *err, size_t errlen)
{
	struct xfrm_nl *x;
	unsigned groups = GRP(XFRMNLGRP_ACQUIRE) | GRP(XFRMNLGRP_EXPIRE) |
	    GRP(XFRMNLGRP_SA) | GRP(XFRMNLGRP_POLICY) |
	    GRP(XFRMNLGRP_AEVENTS) | GRP(XFRMNLGRP_MAPPING);
	int rcvbuf = 4 * 1024 * 1024;

	*out = NULL;
	if ((x = calloc(1, sizeof(*x))) == NULL)
		return RC_NOMEM;
	x->buflen = (size_t)MNL_SOCKET_BUFFER_SIZE * 4;
	if ((x->buf = malloc(x->buflen)) == NULL) {
		free(x);
		return RC_NOMEM;
	}
	if ((x->nl = mnl_socket_open2(NETLINK_XFRM, SOCK_CLOEXEC |
	    SOCK_NONBLOCK)) == NULL ||
	    mnl_socket_bind(x->nl, groups, MNL_SOCKET_AUTOPID) < 0) {
		snprintf(err, errlen, "netlink XFRM: %s", strerror(errno));
		xfrm_nl_free(x);
		return errno == EPERM || errno == EACCES ? RC_PERM : RC_IO;
	}
	(void)setsockopt(mnl_socket_get_fd(x->nl), SOL_SOCKET, SO_RCVBUF,
	    &rcvbuf, sizeof(rcvbuf));
	*out = x;
	return RC_OK;
}

int
xfrm_nl_fd(const struct xfrm_nl *x)
{
	return mnl_socket_get_fd(x->nl);
}

enum rc
xfrm_nl_read(struct xfrm_nl *x, xfrm_nl_cb cb, void *ctx)
{
	ssize_t n = mnl_socket_recvfrom(x->nl, x->buf, x->buflen);
	const struct nlmsghdr *h;
	int left;

	if (n < 0)
		return errno == ENOBUFS ? RC_LIMIT : errno == EAGAIN ||
		    errno == EINTR ? RC_EOF : RC_IO;
	left = (int)n;
	for (h = (const struct nlmsghdr *)x->buf; mnl_nlmsg_ok(h, left);
	    h = mnl_nlmsg_next(h, &left))
		cb(ctx, (const uint8_t *)h, h->nlmsg_len);
	return RC_OK;
}

void
xfrm_nl_free(struct xfrm_nl *x)
{
	if (x == NULL)
		return;
	if (x->nl != NULL)
		(void)mnl_socket_close(x->nl);
	free(x->buf);
	free(x);
}

struct dump_ctx {
	xfrm_nl_cb cb;
	void *ctx;
};

static int
dump_msg(const struct nlmsghdr *h, void *data)
{
	struct dump_ctx *d = data;

	d->cb(d->ctx, (const uint8_t *)h, h->nlmsg_len);
	return MNL_CB_OK;
}

enum rc
xfrm_nl_dump(uint16_t type, xfrm_nl_cb cb, void *ctx, char *err,
    size_t errlen)
{
	struct mnl_socket *nl;
	uint8_t *buf;
	struct nlmsghdr *h;
	struct dump_ctx d = {cb, ctx};
	uint32_t seq = (uint32_t)time(NULL), portid;
	ssize_t n = 0;
	int r = MNL_CB_OK;
	enum rc rc = RC_OK;

	if ((buf = malloc(NL_BUF)) == NULL)
		return RC_NOMEM;
	if ((nl = mnl_socket_open2(NETLINK_XFRM, SOCK_CLOEXEC)) == NULL ||
	    mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		snprintf(err, errlen, "netlink XFRM: %s", strerror(errno));
		rc = RC_IO;
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
	h = mnl_nlmsg_put_header(buf);
	h->nlmsg_type = type;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	h->nlmsg_seq = seq;
	if (mnl_socket_sendto(nl, h, h->nlmsg_len) < 0) {
		snprintf(err, errlen, "XFRM dump request: %s",
		    strerror(errno));
		rc = errno == EPERM ? RC_PERM : RC_IO;
		goto out;
	}
	while (r > MNL_CB_STOP) {
		n = mnl_socket_recvfrom(nl, buf, NL_BUF);
		if (n <= 0)
			break;
		r = mnl_cb_run(buf, (size_t)n, seq, portid, dump_msg, &d);
	}
	if (r == MNL_CB_ERROR || n < 0) {
		snprintf(err, errlen, "XFRM dump: %s", strerror(errno));
		rc = errno == EPERM ? RC_PERM : RC_IO;
	}
out:
	if (nl != NULL)
		(void)mnl_socket_close(nl);
	free(buf);
	return rc;
}
