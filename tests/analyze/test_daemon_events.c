/* analyze/daemon_events: events.log records become failure candidates
 * with the Windows codes of daemon_events.def, folded per connection. */
#include <criterion/criterion.h>
#include <string.h>

#include "analyze/daemon_events.h"

struct got {
	size_t n;
	struct fail_event ev[8];
};

static void
collect(const struct fail_event *ev, void *ctx)
{
	struct got *g = ctx;

	cr_assert_lt(g->n, 8);
	g->ev[g->n++] = *ev;
}

static struct got
run(const char *text, enum rc want)
{
	struct got g = {0};
	struct daemon_events *de = daemon_events_new(collect, &g, "ev.log");
	char err[256] = "";
	enum rc rc;

	rc = daemon_events_parse(de, (const uint8_t *)text, strlen(text),
	    "ev.log", err, sizeof(err));
	cr_assert_eq(rc, want, "%s: %s", rc_name(rc), err);
	daemon_events_free(de);
	return g;
}

Test(daemon_events, peer_auth_failed_alert_is_13801_with_peer_address)
{
	struct got g = run(EVLOG_MAGIC "\n1700000000.000000001 enfy "
	    "PEER_AUTH_FAILED name=host-host id=CN=moon ip=192.0.2.2[4500] "
	    "str=\"peer authentication failed\"\n", RC_OK);

	cr_assert_eq(g.n, 1);
	cr_assert_eq(g.ev[0].win_error, 13801);
	cr_assert_eq(g.ev[0].type, EVENT_MM_FAILURE);
	cr_assert_eq(g.ev[0].sources, EVENT_SRC_DAEMON);
	cr_assert_eq(g.ev[0].remote.family, 4);
	cr_assert_eq(g.ev[0].remote.bytes[3], 2);
	cr_assert_eq(g.ev[0].remote_port, 4500);
	cr_assert_str_eq(g.ev[0].remote_id, "CN=moon");
	cr_assert(strstr(g.ev[0].daemon_evidence, "PEER_AUTH_FAILED") != NULL);
	cr_assert_eq(g.ev[0].ts_sec, 1700000000);
}

Test(daemon_events, no_private_key_log_refines_the_generic_alert_to_13806)
{
	struct got g = run("1.000000000 vici log group=CFG level=1 "
	    "ikesa-name=host-host msg=\"no private key found for 'CN=sun'\"\n"
	    "1.500000000 enfy LOCAL_AUTH_FAILED name=host-host id=CN=moon "
	    "ip=192.0.2.2[500] str=\"local authentication failed\"\n", RC_OK);

	cr_assert_eq(g.n, 1, "one failure, counted once");
	cr_assert_eq(g.ev[0].win_error, 13806);
	cr_assert(strstr(g.ev[0].daemon_evidence, "no private key") != NULL);
	cr_assert(strstr(g.ev[0].daemon_evidence, "LOCAL_AUTH_FAILED") !=
	    NULL, "%s", g.ev[0].daemon_evidence);
	cr_assert_eq(g.ev[0].remote.family, 4, "address taken from the alert");
	cr_assert_eq(g.ev[0].ts_sec, 1, "earliest time kept");
}

Test(daemon_events, alert_first_then_precise_log_still_folds)
{
	struct got g = run("5.000000000 enfy LOCAL_AUTH_FAILED name=c "
	    "str=x\n5.100000000 vici log ikesa-name=c msg=\"received "
	    "AUTHENTICATION_FAILED notify error\"\n", RC_OK);

	cr_assert_eq(g.n, 1);
	cr_assert_eq(g.ev[0].win_error, 13801);
	cr_assert_eq(g.ev[0].failure_point, 2, "the peer reported it");
}

Test(daemon_events, each_alert_maps_per_the_reference)
{
	cr_assert_eq(daemon_events_enfy_error("RETRANSMIT_SEND_TIMEOUT"),
	    13805);
	cr_assert_eq(daemon_events_enfy_error("PROPOSAL_MISMATCH_IKE"), 13868);
	cr_assert_eq(daemon_events_enfy_error("PROPOSAL_MISMATCH_CHILD"),
	    13868);
	cr_assert_eq(daemon_events_enfy_error("TS_MISMATCH"), 13999);
	cr_assert_eq(daemon_events_enfy_error("CERT_EXPIRED"), 13801);
	cr_assert_eq(daemon_events_enfy_error("NO_ISSUER_CERT"), 13801);
	cr_assert_eq(daemon_events_enfy_error("UNIQUE_KEEP"), 0);
}

Test(daemon_events, child_failures_are_quick_mode_events)
{
	struct got g = run("1.000000000 enfy PROPOSAL_MISMATCH_CHILD name=a "
	    "str=x\n1.000000000 enfy TS_MISMATCH name=b str=y\n", RC_OK);

	cr_assert_eq(g.n, 2);
	cr_assert_eq(g.ev[0].type, EVENT_QM_FAILURE);
	cr_assert_eq(g.ev[1].win_error, 13999);
}

Test(daemon_events, failures_apart_in_time_count_separately)
{
	struct got g = run("1.000000000 enfy RETRANSMIT_SEND_TIMEOUT name=a "
	    "str=x\n100.000000000 enfy RETRANSMIT_SEND_TIMEOUT name=a str=x\n",
	    RC_OK);

	cr_assert_eq(g.n, 2);
	cr_assert_eq(g.ev[0].win_error, 13805);
}

Test(daemon_events, other_events_are_not_failures_and_sources_are_listed)
{
	struct got g = {0};
	struct daemon_events *de = daemon_events_new(collect, &g, "x");
	const char *t = "1.000000000 capture SOURCE source=vici "
	    "status=\"absent (no charon)\"\n1.000000000 vici ike-updown up=yes "
	    "sa=c\n1.000000000 xfrm NEWPOLICY dir=out\n1.000000000 vici log "
	    "msg=\"establishing CHILD_SA\"\n";
	const char *const *names, *const *status;
	char err[64];

	cr_assert_eq(daemon_events_parse(de, (const uint8_t *)t, strlen(t),
	    "x", err, sizeof(err)), RC_OK);
	cr_assert_eq(g.n, 0);
	cr_assert_eq(daemon_events_sources(de, &names, &status), 1);
	cr_assert_str_eq(names[0], "vici");
	cr_assert_str_eq(status[0], "absent (no charon)");
	daemon_events_free(de);
}

Test(daemon_events, bad_line_stops_with_file_and_line_keeping_earlier)
{
	struct got g = {0};
	struct daemon_events *de = daemon_events_new(collect, &g, "x");
	const char *t = "1.000000000 enfy TS_MISMATCH name=a str=x\n"
	    "garbage\n";
	char err[256];

	cr_assert_eq(daemon_events_parse(de, (const uint8_t *)t, strlen(t),
	    "events.log", err, sizeof(err)), RC_MALFORMED);
	cr_assert(strstr(err, "events.log:2:") != NULL, "%s", err);
	cr_assert_eq(g.n, 1);
	daemon_events_free(de);
}

Test(daemon_events, addresses_come_from_the_connections_earlier_lines)
{
	struct got g = run("1.000000000 vici log ikesa-name=lab msg=\"sending "
	    "packet: from 192.0.2.1[4500] to 192.0.2.2[4500] (228 bytes)\"\n"
	    "1.100000000 vici log ikesa-name=lab msg=\"received "
	    "TS_UNACCEPTABLE notify, no CHILD_SA built\"\n"
	    "2.000000000 vici ike-updown sa=other remote-host=2001:db8::9 "
	    "remote-port=500 local-host=2001:db8::1 local-port=500\n"
	    "2.500000000 enfy PROPOSAL_MISMATCH_CHILD name=other str=x\n",
	    RC_OK);

	cr_assert_eq(g.n, 2);
	cr_assert_eq(g.ev[0].win_error, 13999);
	cr_assert_eq(g.ev[0].remote.family, 4);
	cr_assert_eq(g.ev[0].remote.bytes[3], 2);
	cr_assert_eq(g.ev[0].remote_port, 4500);
	cr_assert_eq(g.ev[0].local.bytes[3], 1);
	cr_assert_eq(g.ev[1].remote.family, 6);
	cr_assert_eq(g.ev[1].remote.bytes[15], 9);
	cr_assert_eq(g.ev[1].local.bytes[15], 1);
}
