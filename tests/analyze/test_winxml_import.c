/*
 * analyze/winxml_import: Windows wfpdiag.xml / netevents.xml to
 * fail_events, the file's own errorFrequencyTable, the table rebuilt from
 * events, per-peer statistics, and the round trip: a report written by
 * report_xml and read back gives the same events and the same table.
 */
#include <criterion/criterion.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/report_validate.h"
#include "analyze/report_xml.h"
#include "analyze/winxml_import.h"
#include "testutil.h"

#define MAX_EV 16

struct collect {
	struct fail_event ev[MAX_EV];
	size_t n;
};

static enum rc
collect(void *ctx, const struct fail_event *ev)
{
	struct collect *c = ctx;

	cr_assert_lt(c->n, MAX_EV);
	c->ev[c->n++] = *ev;
	return RC_OK;
}

static const char *
fixture(const char *name)
{
	static char rel[256];

	snprintf(rel, sizeof(rel), "tests/formats/data/wfpxml/%s", name);
	return tu_src(rel);
}

static void
set_v4(struct net_addr *a, uint8_t b0, uint8_t b1, uint8_t b2, uint8_t b3)
{
	memset(a, 0, sizeof(*a));
	a->family = 4;
	a->bytes[0] = b0;
	a->bytes[1] = b1;
	a->bytes[2] = b2;
	a->bytes[3] = b3;
}

/* The MM fixture in any of its three error-code renderings. */
static void
check_mm_fixture(const char *name)
{
	struct winxml_import *wi = winxml_import_new();
	struct collect c = {.n = 0};
	const struct freq_item *t;
	struct net_addr a;
	size_t n;

	cr_assert_eq(winxml_import_path(wi, fixture(name), collect, &c),
	    RC_OK, "%s", winxml_import_errmsg(wi));
	cr_assert_eq(c.n, 2);
	cr_expect_eq(c.ev[0].type, EVENT_MM_FAILURE);
	cr_expect_eq(c.ev[0].win_error, 13801);
	cr_expect_eq(c.ev[0].ts_sec, 1486056961);
	cr_expect_eq(c.ev[0].ts_nsec, 496000000);
	cr_expect_eq(c.ev[0].failure_point, 2);
	cr_expect_eq(c.ev[0].keying_module, 2);
	cr_expect_eq(c.ev[0].state, 4);
	cr_expect_eq(c.ev[0].auth_method, 0);
	cr_expect_eq(c.ev[0].mm_id, 7);
	cr_expect_eq(c.ev[0].ip_version, 4);
	cr_expect_eq(c.ev[0].ip_protocol, 0, "IP_PROTOCOL flag not set");
	set_v4(&a, 52, 161, 24, 36);
	cr_expect(memcmp(&c.ev[0].remote, &a, sizeof(a)) == 0);
	cr_expect_not(c.ev[0].has_cert_hash, "all-zero hash is no hash");
	cr_expect_str_eq(c.ev[0].local_id, "gw1.example.net");
	cr_expect_eq(c.ev[0].sources, EVENT_SRC_WINDOWS);
	cr_expect_str_eq(c.ev[0].input, fixture(name));

	cr_expect_eq(c.ev[1].win_error, 13806);
	cr_expect_eq(c.ev[1].ip_version, 6);
	cr_expect_eq(c.ev[1].remote.family, 6);
	cr_expect_eq(c.ev[1].remote.bytes[7], 1);
	cr_expect_eq(c.ev[1].remote_port, 4500);
	cr_expect_eq(c.ev[1].sa_role, 1);
	cr_expect(c.ev[1].has_cert_hash);
	cr_expect_eq(c.ev[1].end_cert_hash[0], 0xa9);
	cr_expect_str_eq(c.ev[1].remote_id, "CN=client & co");

	t = winxml_import_windows_table(wi, &n);
	cr_assert_eq(n, 2, "the last table of the file");
	cr_expect_eq(t[0].win_error, 13806);
	cr_expect_eq(t[0].frequency, 32);
	cr_expect_eq(t[1].win_error, 13801);
	t = winxml_import_rebuilt_table(wi, &n);
	cr_assert_eq(n, 2);
	cr_expect_eq(t[0].win_error, 13801);
	cr_expect_eq(t[0].frequency, 1);
	cr_expect_eq(winxml_import_stats(wi)->freq_tables, 2);
	winxml_import_free(wi);
}

Test(winxml_import, reads_error_codes_written_as_names)
{
	check_mm_fixture("ike-mm-failure-name.xml");
}

Test(winxml_import, reads_error_codes_written_in_decimal)
{
	check_mm_fixture("ike-mm-failure-decimal.xml");
}

Test(winxml_import, reads_error_codes_written_in_hex)
{
	check_mm_fixture("ike-mm-failure-hex.xml");
}

Test(winxml_import, reads_qm_failures_and_kernel_drops_from_utf16_netevents)
{
	struct winxml_import *wi = winxml_import_new();
	struct collect c = {.n = 0};

	cr_assert_eq(winxml_import_path(wi,
	    fixture("ike-qm-failure-netevents-utf16.xml"), collect, &c),
	    RC_OK, "%s", winxml_import_errmsg(wi));
	cr_assert_eq(c.n, 2);
	cr_expect_eq(c.ev[0].type, EVENT_QM_FAILURE);
	cr_expect_eq(c.ev[0].win_error, 13868);
	cr_expect_eq(c.ev[0].state, 1);
	cr_expect_eq(c.ev[0].traffic_type, 1);
	cr_expect_eq(c.ev[0].mm_id, 12);
	cr_expect_eq(c.ev[0].ts_nsec, 250000000);
	cr_expect_eq(c.ev[1].type, EVENT_KERNEL_DROP);
	cr_expect_eq(c.ev[1].ntstatus, 0xC0360004u);
	cr_expect_eq(c.ev[1].win_error, 13913,
	    "STATUS_IPSEC_REPLAY_CHECK_FAILED -> ERROR_IPSEC_REPLAY_...");
	cr_expect_eq(c.ev[1].esp_spi, 0xdeadbeefu);
	cr_expect_eq(c.ev[1].direction, 1);
	cr_expect_eq(winxml_import_windows_table(wi, &(size_t){0}), NULL);
	winxml_import_free(wi);
}

Test(winxml_import, published_samples_import_as_skipped_classify_events)
{
	const char *dir = tu_shared("reference/samples");
	char pat[4096];
	glob_t g;
	size_t i;
	struct winxml_import *wi = winxml_import_new();

	if (dir == NULL)
		cr_skip_test("../shared/reference/samples is absent");
	snprintf(pat, sizeof(pat), "%s/*.xml", dir);
	cr_assert_eq(glob(pat, 0, NULL, &g), 0);
	for (i = 0; i < g.gl_pathc; i++)
		cr_expect_eq(winxml_import_path(wi, g.gl_pathv[i], NULL, NULL),
		    RC_OK, "%s", winxml_import_errmsg(wi));
	globfree(&g);
	cr_expect_eq(winxml_import_stats(wi)->net_events, 5);
	cr_expect_eq(winxml_import_stats(wi)->skipped, 5);
	cr_expect_eq(winxml_import_stats(wi)->imported, 0);
	cr_expect_eq(winxml_import_stats(wi)->unreadable, 0);
	winxml_import_free(wi);
}

static const char gated[] =
    "<wfpdiag><events><netEvent><header>"
    "<timeStamp>2024-01-01T00:00:00Z</timeStamp>"
    "<flags numItems=\"1\"><item>FWPM_NET_EVENT_FLAG_REMOTE_ADDR_SET</item>"
    "</flags><ipVersion>FWP_IP_VERSION_V4</ipVersion>"
    "<ipProtocol>17</ipProtocol><localAddrV4>10.0.0.1</localAddrV4>"
    "<remoteAddrV4>10.0.0.2</remoteAddrV4><localPort>500</localPort>"
    "</header><type>FWPM_NET_EVENT_TYPE_IKEEXT_MM_FAILURE</type>"
    "<ikeMmFailure><failureErrorCode>13805</failureErrorCode>"
    "<failurePoint>1</failurePoint></ikeMmFailure></netEvent>"
    "<netEvent><header><timeStamp>2024-01-01T00:00:01.000Z</timeStamp>"
    "</header><type>FWPM_NET_EVENT_TYPE_IKEEXT_MM_FAILURE</type>"
    "<ikeMmFailure><failureErrorCode>ERROR_NOT_A_CODE</failureErrorCode>"
    "</ikeMmFailure></netEvent>"
    "<netEvent><header><timeStamp>yesterday</timeStamp></header>"
    "<type>FWPM_NET_EVENT_TYPE_IKEEXT_QM_FAILURE</type></netEvent>"
    "<netEvent><type>FWPM_NET_EVENT_TYPE_CLASSIFY_DROP</type></netEvent>"
    "</events></wfpdiag>";

Test(winxml_import, gates_header_fields_on_flags_and_skips_unreadable_events)
{
	struct winxml_import *wi = winxml_import_new();
	struct collect c = {.n = 0};
	struct wfpxml *x;
	char err[256];
	const struct winxml_stats *st;

	cr_assert_eq(wfpxml_open_memory(&x, (const uint8_t *)gated,
	    sizeof(gated) - 1, "gated.xml", err, sizeof(err)), RC_OK);
	cr_assert_eq(winxml_import_reader(wi, x, "gated.xml", collect, &c),
	    RC_OK);
	wfpxml_free(x);
	cr_assert_eq(c.n, 1);
	cr_expect_eq(c.ev[0].remote.family, 4);
	cr_expect_eq(c.ev[0].local.family, 0, "LOCAL_ADDR flag not set");
	cr_expect_eq(c.ev[0].ip_protocol, 0);
	cr_expect_eq(c.ev[0].local_port, 0);
	cr_expect_eq(c.ev[0].ip_version, 0);
	cr_expect_eq(c.ev[0].failure_point, 1, "enum given as a number");
	cr_expect_eq(c.ev[0].auth_method, -1);
	st = winxml_import_stats(wi);
	cr_expect_eq(st->net_events, 4);
	cr_expect_eq(st->unreadable, 2);
	cr_expect_eq(st->skipped, 1);
	cr_expect_not_null(strstr(winxml_import_errmsg(wi), "gated.xml: "
	    "netEvent at line 1: ikeMmFailure/failureErrorCode \"ERROR_NOT"),
	    "%s", winxml_import_errmsg(wi));
	winxml_import_free(wi);
}

Test(winxml_import, truncated_file_keeps_the_events_before_the_cut)
{
	struct winxml_import *wi = winxml_import_new();
	struct collect c = {.n = 0};
	enum rc rc;

	rc = winxml_import_path(wi, fixture("hostile-truncated.xml"), collect,
	    &c);
	cr_expect_eq(rc, RC_SHORT);
	cr_expect_eq(c.n, 1);
	cr_expect_not_null(strstr(winxml_import_errmsg(wi),
	    "hostile-truncated.xml:"));
	winxml_import_free(wi);
}

/* ---- round trip ---- */

static size_t
sample_events(struct fail_event *evs)
{
	static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 9};
	struct fail_event *ev;
	size_t i;

	memset(evs, 0, 5 * sizeof(*evs));
	for (i = 0; i < 5; i++) {
		ev = &evs[i];
		ev->ts_sec = 1700000000 + (int64_t)i * 61;
		ev->ts_nsec = (uint32_t)i * 111000000u;
		ev->sources = EVENT_SRC_WIRE;
		ev->ip_version = 4;
		ev->ip_protocol = 17;
		set_v4(&ev->local, 192, 0, 2, 1);
		set_v4(&ev->remote, 198, 51, 100, (uint8_t)(7 + i % 2));
		ev->local_port = 500;
		ev->remote_port = 4500;
		ev->keying_module = 2;
		ev->auth_method = -1;
		ev->traffic_type = -1;
		ev->count = 1;
		ev->mm_id = i + 1;
	}
	ev = &evs[0];
	ev->type = EVENT_MM_FAILURE;
	ev->win_error = 13801;
	ev->failure_point = 2;
	ev->state = 4;
	ev->auth_method = 1;
	ev->has_cert_hash = true;
	memset(ev->end_cert_hash, 0x5a, 20);
	memcpy(ev->spi_i, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
	memcpy(ev->spi_r, "\x99\xaa\xbb\xcc\xdd\xee\xff\x00", 8);
	ev->exchange = 35;
	ev->notify = 24;
	ev->retransmissions = 2;
	ev->n_frames = 3;
	ev->frames[0] = 10;
	ev->frames[1] = 11;
	ev->frames[2] = 99;
	snprintf(ev->local_id, sizeof(ev->local_id), "CN=gw <1> & \"x\"");
	snprintf(ev->remote_id, sizeof(ev->remote_id), "peer\x01\xff");
	snprintf(ev->reason, sizeof(ev->reason), "AUTH rejected");
	ev = &evs[1];
	ev->type = EVENT_QM_FAILURE;
	ev->win_error = 13999;
	ev->state = 1;
	ev->traffic_type = 1;
	snprintf(ev->local_ts, sizeof(ev->local_ts), "10.1.0.0/16");
	snprintf(ev->remote_ts, sizeof(ev->remote_ts), "10.2.0.0-10.2.0.255");
	ev->count = 4;
	ev->inferred = true;
	snprintf(ev->basis, sizeof(ev->basis), "TS_UNACCEPTABLE seen");
	ev = &evs[2];
	ev->type = EVENT_KERNEL_DROP;
	ev->ip_protocol = 50;
	ev->local_port = ev->remote_port = 0;
	ev->ntstatus = 0xC0360001u;
	ev->win_error = 13910;
	ev->esp_spi = 0x01020304u;
	ev->direction = 1;
	ev->keying_module = 0;  /* no such members in ipsecDrop */
	ev->mm_id = 0;
	ev->sources = EVENT_SRC_KERNEL;
	ev = &evs[3];
	ev->type = EVENT_MM_FAILURE;
	ev->win_error = 13805;
	ev->ip_version = 6;
	ev->local.family = 6;
	memcpy(ev->local.bytes, v6, 16);
	ev->remote.family = 6;
	memcpy(ev->remote.bytes, v6, 16);
	ev->remote.bytes[15] = 1;
	ev->benign = true;
	snprintf(ev->daemon_evidence, sizeof(ev->daemon_evidence),
	    "charon: retransmit 5 of request");
	ev->sources = EVENT_SRC_WIRE | EVENT_SRC_DAEMON;
	ev = &evs[4];
	ev->type = EVENT_EM_FAILURE;
	ev->keying_module = 1;
	ev->win_error = 13801;
	ev->state = 2;
	ev->ip_version = 0;
	memset(&ev->local, 0, sizeof(ev->local));
	return 5;
}

static void
expect_same_event(const struct fail_event *a, const struct fail_event *b,
    size_t i)
{
	char clean[sizeof(a->remote_id) * 4];

	cr_expect_eq(a->type, b->type, "event %zu", i);
	cr_expect_eq(a->ts_sec, b->ts_sec, "event %zu", i);
	cr_expect_eq(a->ts_nsec, b->ts_nsec, "event %zu", i);
	cr_expect_eq(a->win_error, b->win_error, "event %zu", i);
	cr_expect_eq(a->ntstatus, b->ntstatus, "event %zu", i);
	cr_expect(memcmp(&a->local, &b->local, sizeof(a->local)) == 0,
	    "event %zu local", i);
	cr_expect(memcmp(&a->remote, &b->remote, sizeof(a->remote)) == 0,
	    "event %zu remote", i);
	cr_expect_eq(a->local_port, b->local_port, "event %zu", i);
	cr_expect_eq(a->remote_port, b->remote_port, "event %zu", i);
	cr_expect_eq(a->ip_version, b->ip_version, "event %zu", i);
	cr_expect_eq(a->ip_protocol, b->ip_protocol, "event %zu", i);
	cr_expect_eq(a->failure_point, b->failure_point, "event %zu", i);
	cr_expect_eq(a->keying_module, b->keying_module, "event %zu", i);
	cr_expect_eq(a->state, b->state, "event %zu", i);
	cr_expect_eq(a->sa_role, b->sa_role, "event %zu", i);
	cr_expect_eq(a->auth_method, b->auth_method, "event %zu", i);
	cr_expect_eq(a->traffic_type, b->traffic_type, "event %zu", i);
	cr_expect_eq(a->benign, b->benign, "event %zu", i);
	cr_expect_eq(a->has_cert_hash, b->has_cert_hash, "event %zu", i);
	cr_expect(memcmp(a->end_cert_hash, b->end_cert_hash, 20) == 0);
	cr_expect_eq(a->mm_id, b->mm_id, "event %zu", i);
	cr_expect(memcmp(a->spi_i, b->spi_i, 8) == 0, "event %zu", i);
	cr_expect(memcmp(a->spi_r, b->spi_r, 8) == 0, "event %zu", i);
	cr_expect_eq(a->esp_spi, b->esp_spi, "event %zu", i);
	cr_expect_eq(a->direction, b->direction, "event %zu", i);
	cr_expect_eq(a->exchange, b->exchange, "event %zu", i);
	cr_expect_eq(a->notify, b->notify, "event %zu", i);
	cr_expect_eq(a->retransmissions, b->retransmissions, "event %zu", i);
	cr_expect_eq(a->count, b->count, "event %zu", i);
	cr_expect_eq(a->n_frames, b->n_frames, "event %zu", i);
	cr_expect(memcmp(a->frames, b->frames, a->n_frames *
	    sizeof(a->frames[0])) == 0, "event %zu", i);
	cr_expect_eq(a->inferred, b->inferred, "event %zu", i);
	cr_expect_str_eq(a->basis, b->basis, "event %zu", i);
	cr_expect_str_eq(a->reason, b->reason, "event %zu", i);
	cr_expect_str_eq(a->daemon_evidence, b->daemon_evidence);
	cr_expect_str_eq(a->local_id, b->local_id, "event %zu", i);
	report_xml_clean(a->remote_id, sizeof(a->remote_id), clean,
	    sizeof(clean));
	cr_expect_str_eq(clean, b->remote_id, "packet text comes back "
	    "cleaned");
	cr_expect_str_eq(a->local_ts, b->local_ts, "event %zu", i);
	cr_expect_str_eq(a->remote_ts, b->remote_ts, "event %zu", i);
	cr_expect_eq(a->sources | EVENT_SRC_WINDOWS, b->sources);
}

Test(winxml_import, our_report_reads_back_to_the_same_events_and_table)
{
	char dir[] = "/tmp/wfpdiag-rt-XXXXXX", path[4096], err[1024];
	struct fail_event evs[8];
	struct freq_item freq[8];
	struct report_header h = {.tool_version = "test", .host = "h"};
	struct report_xml *r;
	struct winxml_import *wi = winxml_import_new();
	struct collect c = {.n = 0};
	const struct freq_item *t, *rebuilt;
	size_t i, n = sample_events(evs), nt, nr, nf = 0, k;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/wfpdiag.xml", dir);
	r = report_xml_open(path, err, sizeof(err));
	cr_assert_not_null(r, "%s", err);
	for (i = 0; i < n; i++) {
		cr_assert_eq(report_xml_add_event(r, &evs[i]), RC_OK);
		for (k = 0; k < nf && freq[k].win_error != evs[i].win_error;
		    k++)
			;
		if (k == nf)
			freq[nf++] = (struct freq_item){evs[i].win_error, 0};
		freq[k].frequency += evs[i].count;
	}
	cr_assert_eq(report_xml_finish(r, &h, freq, nf, err, sizeof(err)),
	    RC_OK, "%s", err);
	cr_assert_eq(report_validate_file(path,
	    tu_src("docs/wfpdiag-report.xsd"), err, sizeof(err)), RC_OK,
	    "%s", err);

	cr_assert_eq(winxml_import_path(wi, path, collect, &c), RC_OK, "%s",
	    winxml_import_errmsg(wi));
	cr_assert_eq(c.n, n);
	cr_expect_eq(winxml_import_stats(wi)->unreadable, 0, "%s",
	    winxml_import_errmsg(wi));
	for (i = 0; i < n; i++)
		expect_same_event(&evs[i], &c.ev[i], i);
	/* the report's last table, as the seed workflow reads it, equals
	 * the table rebuilt from the events read back */
	t = winxml_import_windows_table(wi, &nt);
	rebuilt = winxml_import_rebuilt_table(wi, &nr);
	cr_assert_eq(nt, nf);
	cr_assert_eq(nr, nf);
	for (i = 0; i < nt; i++) {
		cr_expect_eq(t[i].win_error, rebuilt[i].win_error, "row %zu",
		    i);
		cr_expect_eq(t[i].frequency, rebuilt[i].frequency, "row %zu",
		    i);
	}
	cr_expect_eq(t[0].win_error, 13999, "count 4 sorts first");
	cr_expect_eq(t[0].frequency, 4);
	winxml_import_free(wi);
	unlink(path);
	rmdir(dir);
}

/* ---- per peer ---- */

Test(winxml_import, peer_stats_say_what_failed_how_often_and_when)
{
	struct winxml_peer_stats *ps = winxml_peer_stats_new();
	struct fail_event evs[8], ev;
	const struct winxml_peer *p;
	size_t n = sample_events(evs), i, np;

	for (i = 0; i < n; i++)
		cr_assert_eq(winxml_peer_stats_add(ps, &evs[i]), RC_OK);
	memset(&ev, 0, sizeof(ev));     /* no address known */
	ev.win_error = 13805;
	cr_assert_eq(winxml_peer_stats_add(ps, &ev), RC_OK);
	p = winxml_peer_stats_sorted(ps, &np);
	cr_assert_eq(np, 4);
	cr_expect_eq(p[0].remote.family, 0, "unknown address sorts first");
	/* 198.51.100.7: events 0, 2, 4 */
	cr_expect_eq(p[1].remote.bytes[3], 7);
	cr_expect_eq(p[1].events, 3);
	cr_expect_eq(p[1].first_sec, evs[0].ts_sec);
	cr_expect_eq(p[1].last_sec, evs[4].ts_sec);
	cr_expect_eq(p[1].last_nsec, evs[4].ts_nsec);
	cr_expect_eq(p[1].n_codes, 2);
	cr_expect_eq(p[1].codes[0].win_error, 13801, "2 of 3 first");
	cr_expect_eq(p[1].codes[0].frequency, 2);
	/* 198.51.100.8: event 1 folded 4 failures */
	cr_expect_eq(p[2].remote.bytes[3], 8);
	cr_expect_eq(p[2].events, 4);
	cr_expect_eq(p[3].remote.family, 6);
	/* adding after sorting still finds existing peers */
	cr_assert_eq(winxml_peer_stats_add(ps, &evs[1]), RC_OK);
	p = winxml_peer_stats_sorted(ps, &np);
	cr_expect_eq(np, 4);
	cr_expect_eq(p[2].events, 8);
	cr_expect_eq(winxml_peer_stats_dropped(ps), 0);
	winxml_peer_stats_free(ps);
	winxml_peer_stats_free(NULL);
}

Test(winxml_import, peer_stats_keep_the_busiest_codes_and_count_the_rest)
{
	struct winxml_peer_stats *ps = winxml_peer_stats_new();
	struct fail_event ev;
	const struct winxml_peer *p;
	size_t np;
	uint32_t i;

	memset(&ev, 0, sizeof(ev));
	set_v4(&ev.remote, 10, 0, 0, 1);
	for (i = 0; i < LIMIT_WINXML_PEER_CODES + 3; i++) {
		ev.win_error = 13800 + i;
		ev.count = 1;
		cr_assert_eq(winxml_peer_stats_add(ps, &ev), RC_OK);
	}
	p = winxml_peer_stats_sorted(ps, &np);
	cr_assert_eq(np, 1);
	cr_expect_eq(p[0].n_codes, LIMIT_WINXML_PEER_CODES);
	cr_expect_eq(p[0].other_codes, 3);
	cr_expect_eq(p[0].events, LIMIT_WINXML_PEER_CODES + 3);
	winxml_peer_stats_free(ps);
}

Test(winxml_import, many_peers_spread_over_the_index)
{
	struct winxml_peer_stats *ps = winxml_peer_stats_new();
	struct fail_event ev;
	const struct winxml_peer *p;
	size_t np, i;

	memset(&ev, 0, sizeof(ev));
	ev.win_error = 13801;
	for (i = 0; i < 3000; i++) {
		set_v4(&ev.remote, 10, (uint8_t)(i >> 16), (uint8_t)(i >> 8),
		    (uint8_t)i);
		cr_assert_eq(winxml_peer_stats_add(ps, &ev), RC_OK);
		cr_assert_eq(winxml_peer_stats_add(ps, &ev), RC_OK);
	}
	p = winxml_peer_stats_sorted(ps, &np);
	cr_assert_eq(np, 3000);
	for (i = 0; i < np; i++)
		cr_expect_eq(p[i].events, 2);
	cr_expect_eq(p[2999].remote.bytes[2], 2999 >> 8);
	winxml_peer_stats_free(ps);
}

Test(winxml_import, mutated_events_import_or_fail_cleanly)
{
	static const char *const subst[] = {"", "x", "-1", "0x", "99999999999",
	    "ERROR_", "::::", "2024-13-45T99:99:99Z", "\xff"};
	size_t len, k;
	char *doc = (char *)tu_read_file(fixture("ike-mm-failure-name.xml"),
	    &len), *p, *q, *mut;

	cr_assert_not_null(doc);
	doc = realloc(doc, len + 1);
	doc[len] = '\0';
	/* replace the text of every leaf element in turn */
	for (p = doc; (p = strchr(p, '>')) != NULL; p++) {
		q = strchr(p, '<');
		if (q == NULL || q == p + 1 || q[1] != '/')
			continue;
		for (k = 0; k < sizeof(subst) / sizeof(subst[0]); k++) {
			struct winxml_import *wi = winxml_import_new();
			struct collect c = {.n = 0};
			struct wfpxml *x;
			size_t off = (size_t)(p + 1 - doc);
			size_t sl = strlen(subst[k]);
			size_t mlen = off + sl + strlen(q);
			char err[256];

			mut = malloc(mlen + 1);
			memcpy(mut, doc, off);
			memcpy(mut + off, subst[k], sl);
			memcpy(mut + off + sl, q, strlen(q) + 1);
			cr_assert_eq(wfpxml_open_memory(&x, (uint8_t *)mut,
			    mlen, "mut.xml", err, sizeof(err)), RC_OK);
			(void)!winxml_import_reader(wi, x, "mut.xml", collect,
			    &c);
			cr_expect_leq(c.n, 2);
			cr_expect_eq(winxml_import_stats(wi)->imported +
			    winxml_import_stats(wi)->unreadable +
			    winxml_import_stats(wi)->skipped,
			    winxml_import_stats(wi)->net_events);
			wfpxml_free(x);
			winxml_import_free(wi);
			free(mut);
		}
	}
	free(doc);
}

Test(winxml_import, values_without_names_round_trip_as_numbers)
{
	char dir[] = "/tmp/wfpdiag-rt-XXXXXX", path[4096], err[1024];
	struct fail_event ev;
	struct report_header h = {.tool_version = "test", .host = "h"};
	struct report_xml *r;
	struct winxml_import *wi = winxml_import_new();
	struct collect c = {.n = 0};
	size_t len;
	char *x;

	memset(&ev, 0, sizeof(ev));
	ev.type = EVENT_MM_FAILURE;
	ev.ts_sec = 1700000000;
	ev.win_error = 13000 + 931;     /* a code with no entry */
	ev.failure_point = 9;
	ev.keying_module = 7;
	ev.state = 17;
	ev.sa_role = 5;
	ev.auth_method = 99;
	ev.traffic_type = -1;
	ev.exchange = 200;
	ev.notify = 40000;
	ev.count = 1;
	set_v4(&ev.remote, 10, 9, 8, 7);
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/wfpdiag.xml", dir);
	r = report_xml_open(path, err, sizeof(err));
	cr_assert_not_null(r);
	cr_assert_eq(report_xml_add_event(r, &ev), RC_OK);
	cr_assert_eq(report_xml_finish(r, &h, NULL, 0, err, sizeof(err)),
	    RC_OK);
	cr_expect_eq(report_validate_file(path,
	    tu_src("docs/wfpdiag-report.xsd"), err, sizeof(err)), RC_OK,
	    "%s", err);
	x = (char *)tu_read_file(path, &len);
	x = realloc(x, len + 1);
	x[len] = '\0';
	cr_expect_null(strstr(x, "UNKNOWN"), "numbers, not UNKNOWN");
	cr_expect_not_null(strstr(x, "<mmState>17</mmState>"));
	free(x);
	cr_assert_eq(winxml_import_path(wi, path, collect, &c), RC_OK);
	cr_assert_eq(c.n, 1, "%s", winxml_import_errmsg(wi));
	cr_expect_eq(c.ev[0].failure_point, 9);
	cr_expect_eq(c.ev[0].keying_module, 7);
	cr_expect_eq(c.ev[0].state, 17);
	cr_expect_eq(c.ev[0].sa_role, 5);
	cr_expect_eq(c.ev[0].auth_method, 99);
	cr_expect_eq(c.ev[0].exchange, 200);
	cr_expect_eq(c.ev[0].notify, 40000);
	cr_expect_eq(c.ev[0].win_error, 13931);
	winxml_import_free(wi);
	unlink(path);
	rmdir(dir);
}

/* The last errorFrequencyTable of a report, read with our reader. */
static size_t
last_table(const char *path, struct freq_item *rows, size_t cap)
{
	struct winxml_import *wi = winxml_import_new();
	const struct freq_item *t;
	size_t n, i;

	cr_assert_eq(winxml_import_path(wi, path, NULL, NULL), RC_OK, "%s",
	    winxml_import_errmsg(wi));
	t = winxml_import_windows_table(wi, &n);
	cr_assert_leq(n, cap);
	for (i = 0; i < n; i++)
		rows[i] = t[i];
	winxml_import_free(wi);
	return n;
}

Test(winxml_import, cli_report_of_all_samples_reads_back_to_the_same_table)
{
	char dir[] = "/tmp/wfpdiag-cli-rt-XXXXXX", args[8192], err[1024];
	char a[4096], b[4096], *out = NULL;
	struct freq_item ta[64], tb[64];
	size_t na, nb, i;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(a, sizeof(a), "%s/a.xml", dir);
	snprintf(b, sizeof(b), "%s/b.xml", dir);
	snprintf(args, sizeof(args), "analyze -f xml -o %s %s/samples/*.pcap "
	    "%s/samples/*.pcapng", a, TEST_SRCDIR, TEST_SRCDIR);
	(void)tu_run_wfpdiag(args, &out);
	free(out);
	cr_assert_eq(report_validate_file(a, tu_src("docs/wfpdiag-report.xsd"),
	    err, sizeof(err)), RC_OK, "%s", err);
	/* our report as the input of another run: Windows-file path */
	snprintf(args, sizeof(args), "analyze -f xml -o %s %s", b, a);
	(void)tu_run_wfpdiag(args, &out);
	free(out);
	cr_assert_eq(report_validate_file(b, tu_src("docs/wfpdiag-report.xsd"),
	    err, sizeof(err)), RC_OK, "%s", err);
	na = last_table(a, ta, 64);
	nb = last_table(b, tb, 64);
	cr_assert_gt(na, 3, "the samples hold several failure kinds");
	cr_assert_eq(na, nb);
	for (i = 0; i < na; i++) {
		cr_expect_eq(ta[i].win_error, tb[i].win_error, "row %zu", i);
		cr_expect_eq(ta[i].frequency, tb[i].frequency, "row %zu", i);
	}
	unlink(a);
	unlink(b);
	rmdir(dir);
}
