/* capture/xfrm_nl: live XFRM policy events and dumps in a network
 * namespace this test makes (the machines' kernel has XFRM netlink but no
 * ESP, so SA events are tested from built messages in test_xfrm.c). */
#include <criterion/criterion.h>
#include <linux/xfrm.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/xfrm.h"
#include "capture/xfrm_nl.h"
#include "testutil.h"

struct seen {
	int newpol, delpol, dumped;
	char line[512];
};

static void
on_msg(void *ctx, const uint8_t *msg, size_t len)
{
	struct seen *s = ctx;
	struct xfrm_ev ev;
	struct buf b;

	if (xfrm_decode(msg, len, &ev) != RC_OK)
		return;
	if (ev.msg_type == XFRM_MSG_NEWPOLICY) {
		s->newpol++;
		buf_init(&b, 4096);
		if (xfrm_ev_evlog(&ev, false, 1, 0, &b) == RC_OK)
			snprintf(s->line, sizeof(s->line), "%.*s", (int)b.len,
			    (char *)b.data);
		buf_fini(&b);
	}
	if (ev.msg_type == XFRM_MSG_DELPOLICY)
		s->delpol++;
}

static void
on_dump(void *ctx, const uint8_t *msg, size_t len)
{
	struct seen *s = ctx;
	struct xfrm_ev ev;

	if (xfrm_decode(msg, len, &ev) == RC_OK && ev.has_pol &&
	    ev.psel.plen_d == 24)
		s->dumped++;
}

static void
drain(struct xfrm_nl *x, struct seen *s, int want_new, int want_del)
{
	int i;

	for (i = 0; i < 50 && (s->newpol < want_new || s->delpol < want_del);
	    i++) {
		struct pollfd pf = {xfrm_nl_fd(x), POLLIN, 0};

		if (poll(&pf, 1, 100) > 0)
			cr_assert_neq(xfrm_nl_read(x, on_msg, s), RC_IO);
	}
}

Test(xfrm_nl, policy_add_and_delete_arrive_as_events_and_in_dumps)
{
	struct xfrm_nl *x;
	struct seen s = {0};
	char err[256];
	char *out = NULL;

	if (!tu_is_root())
		cr_skip_test("needs root (network namespace, XFRM netlink)");
	if (!tu_have_tool("ip"))
		cr_skip_test("needs ip (iproute2)");
	cr_assert_eq(unshare(CLONE_NEWNET), 0, "unshare(CLONE_NEWNET)");
	cr_assert_eq(xfrm_nl_open(&x, err, sizeof(err)), RC_OK, "%s", err);
	cr_assert_eq(tu_run("ip xfrm policy add src 10.7.0.0/24 dst "
	    "10.8.0.0/24 dir out priority 77 tmpl src 192.0.2.1 dst 192.0.2.2 "
	    "proto esp mode tunnel", &out), 0, "%s", out);
	free(out);
	drain(x, &s, 1, 0);
	cr_assert_eq(s.newpol, 1);
	cr_assert(strstr(s.line, "xfrm NEWPOLICY sel=10.7.0.0/24->10.8.0.0/24"
	    "/any dir=out action=allow priority=77") != NULL, "%s", s.line);
	cr_assert(strstr(s.line, "tmpl=192.0.2.1->192.0.2.2/esp/tunnel") !=
	    NULL, "%s", s.line);
	cr_assert_eq(xfrm_nl_dump(XFRM_MSG_GETPOLICY, on_dump, &s, err,
	    sizeof(err)), RC_OK, "%s", err);
	cr_assert_eq(s.dumped, 1);
	cr_assert_eq(xfrm_nl_dump(XFRM_MSG_GETSA, on_dump, &s, err,
	    sizeof(err)), RC_OK, "%s", err);
	cr_assert_eq(tu_run("ip xfrm policy delete src 10.7.0.0/24 dst "
	    "10.8.0.0/24 dir out", &out), 0, "%s", out);
	free(out);
	drain(x, &s, 1, 1);
	cr_assert_eq(s.delpol, 1);
	xfrm_nl_free(x);
}
