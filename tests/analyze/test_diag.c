/*
 * Diagnosis rules, one test per rule (issue 3): hand-built message
 * sequences go through the real tracker (ike_track) and diagnosis (diag)
 * and the resulting failure events are checked: Windows error, failure
 * point, inferred flag, evidence.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "analyze/diag.h"
#include "analyze/esp_track.h"
#include "analyze/ike_track.h"
#include "analyze/ikev2_registry.h"
#include "ikebuild.h"

#define NS 1000000000LL
#define MAX_EV 16

static struct fail_event events[MAX_EV];
static int n_events;
static struct ike_sa last_sa;
static struct diag *dg;
static struct ike_track *tr;
static struct ikev2_msg msg;
static uint64_t frame;
static struct net_addr ini = {4, {10, 0, 0, 1}}, resp = {4, {192, 0, 2, 7}};

static void
on_event(const struct fail_event *ev, void *ctx)
{
	(void)ctx;
	if (n_events < MAX_EV)
		events[n_events++] = *ev;
}

static void
on_done(struct ike_sa *sa, int64_t end_ns, bool at_end, void *ctx)
{
	(void)ctx;
	diag_ike_sa(dg, sa, end_ns, at_end);
	last_sa = *sa;
	last_sa.exch = NULL;
}

static void
setup(void)
{
	n_events = 0;
	frame = 0;
	dg = diag_new(on_event, NULL);
	tr = ike_track_new(on_done, NULL);
	cr_assert(dg && tr);
}

static void
teardown(void)
{
	ike_track_free(tr);
	diag_free(dg);
}

/* Feeds a built message sent by the initiator (to_resp) or back. */
static void
feed(struct ikeb *m, bool from_initiator, int64_t ns)
{
	struct ike_meta meta = {0};

	ikeb_finish(m);
	cr_assert_eq(ikev2_decode(m->b, m->len, &msg), RC_OK, "%s",
	    msg.err_text);
	meta.ns = ns;
	meta.frame = ++frame;
	meta.src = from_initiator ? &ini : &resp;
	meta.dst = from_initiator ? &resp : &ini;
	meta.sport = 500;
	meta.dport = 500;
	meta.bytes = m->b;
	meta.len = m->len;
	ike_track_message(tr, &meta, &msg);
}

static void
init_request(uint64_t spi, uint16_t group, int64_t ns)
{
	struct ikeb m;

	ikeb_start(&m, spi, 0, IKEV2_EXCH_IKE_SA_INIT, IKEV2_FLAG_INITIATOR,
	    0);
	ikeb_sa_ike(&m, IKEV2_ENCR_AES_CBC, 128, IKEV2_INTEG_HMAC_SHA1_96,
	    IKEV2_PRF_HMAC_SHA1, group);
	ikeb_ke(&m, group, 128);
	ikeb_nonce(&m);
	feed(&m, true, ns);
}

static void
init_ok(uint64_t spi_i, uint64_t spi_r, bool certreq, int64_t ns)
{
	struct ikeb m;

	ikeb_start(&m, spi_i, spi_r, IKEV2_EXCH_IKE_SA_INIT,
	    IKEV2_FLAG_RESPONSE, 0);
	ikeb_sa_ike(&m, IKEV2_ENCR_AES_CBC, 128, IKEV2_INTEG_HMAC_SHA1_96,
	    IKEV2_PRF_HMAC_SHA1, 14);
	ikeb_ke(&m, 14, 128);
	ikeb_nonce(&m);
	if (certreq)
		ikeb_certreq(&m, 1);
	feed(&m, false, ns);
}

static void
sk_msg(uint64_t spi_i, uint64_t spi_r, uint8_t exch, bool from_init,
    bool response, uint32_t msgid, uint8_t inner, size_t len, int64_t ns)
{
	struct ikeb m;
	uint8_t flags = (uint8_t)((from_init ? IKEV2_FLAG_INITIATOR : 0) |
	    (response ? IKEV2_FLAG_RESPONSE : 0));

	ikeb_start(&m, spi_i, spi_r, exch, flags, msgid);
	ikeb_sk(&m, inner, len);
	feed(&m, from_init, ns);
}

static void
finish(int64_t end_ns)
{
	ike_track_flush(tr, end_ns);
	diag_finish(dg);
}

TestSuite(diag, .init = setup, .fini = teardown);

Test(diag, unanswered_ike_sa_init_is_timed_out)
{
	int i;

	for (i = 0; i < 5; i++)
		init_request(0x1111, 14, (int64_t)i * 2 * NS);
	finish(30 * NS);
	cr_assert_eq(n_events, 1);
	cr_expect_eq(events[0].win_error, 13805);
	cr_expect_eq(events[0].retransmissions, 4);
	cr_expect(!events[0].inferred);
	cr_expect_eq(events[0].failure_point, 1, "local initiator gave up");
	cr_expect_eq(last_sa.outcome, IKE_OUT_UNANSWERED);
}

Test(diag, request_in_flight_at_capture_end_is_incomplete)
{
	init_request(0x1111, 14, 10 * NS);
	finish(11 * NS);
	cr_expect_eq(n_events, 0);
	cr_expect_eq(last_sa.outcome, IKE_OUT_INCOMPLETE);
}

Test(diag, no_proposal_chosen_explains_the_offer)
{
	struct ikeb m;

	init_request(0x2222, 2, 0);
	ikeb_start(&m, 0x2222, 0, IKEV2_EXCH_IKE_SA_INIT, IKEV2_FLAG_RESPONSE,
	    0);
	ikeb_notify(&m, IKEV2_N_NO_PROPOSAL_CHOSEN, NULL, 0);
	feed(&m, false, NS / 10);
	finish(60 * NS);
	cr_assert_eq(n_events, 1);
	cr_expect_eq(events[0].win_error, 13868);
	cr_expect_eq(events[0].notify, IKEV2_N_NO_PROPOSAL_CHOSEN);
	cr_expect_eq(events[0].failure_point, 2, "the peer refused");
	cr_expect_eq(events[0].type, EVENT_MM_FAILURE);
	cr_expect(strstr(events[0].detail, "AES128") != NULL, "%s",
	    events[0].detail);
	cr_expect(strstr(events[0].detail, "DHGroup2") != NULL, "%s",
	    events[0].detail);
	cr_expect_eq(events[0].n_frames, 2);
}

Test(diag, invalid_ke_retry_that_succeeds_is_not_a_failure)
{
	struct ikeb m;

	init_request(0x3333, 2, 0);
	ikeb_start(&m, 0x3333, 0, IKEV2_EXCH_IKE_SA_INIT, IKEV2_FLAG_RESPONSE,
	    0);
	ikeb_notify_u16(&m, IKEV2_N_INVALID_KE_PAYLOAD, 14);
	feed(&m, false, NS / 10);
	init_request(0x3333, 14, NS / 5);
	init_ok(0x3333, 0x4444, false, NS / 4);
	sk_msg(0x3333, 0x4444, IKEV2_EXCH_IKE_AUTH, true, false, 1,
	    IKEV2_PT_IDI, 300, NS / 2);
	sk_msg(0x3333, 0x4444, IKEV2_EXCH_IKE_AUTH, false, true, 1,
	    IKEV2_PT_IDR, 300, NS);
	finish(60 * NS);
	cr_expect_eq(n_events, 0, "got error %u", events[0].win_error);
	cr_expect_eq(last_sa.retry_of, 1);
	cr_expect_eq(last_sa.outcome, IKE_OUT_ESTABLISHED);
}

Test(diag, invalid_ke_loop_is_a_dh_failure)
{
	struct ikeb m;
	int i;

	for (i = 0; i < 2; i++) {
		init_request(0x5555, i ? 19 : 2, i * NS);
		ikeb_start(&m, 0x5555, 0, IKEV2_EXCH_IKE_SA_INIT,
		    IKEV2_FLAG_RESPONSE, 0);
		ikeb_notify_u16(&m, IKEV2_N_INVALID_KE_PAYLOAD, 14);
		feed(&m, false, i * NS + NS / 10);
	}
	finish(60 * NS);
	cr_assert_eq(n_events, 1);
	cr_expect_eq(events[0].win_error, 13822);
	cr_expect(strstr(events[0].detail, "MODP_2048") != NULL, "%s",
	    events[0].detail);
}

Test(diag, certreq_then_silence_is_no_cert_inferred)
{
	init_request(0x6666, 14, 0);
	init_ok(0x6666, 0x7777, true, NS / 10);
	finish(60 * NS);
	cr_assert_eq(n_events, 1);
	cr_expect_eq(events[0].win_error, 13806);
	cr_expect(events[0].inferred);
	cr_expect(strstr(events[0].basis, "CERTREQ") != NULL);
	cr_expect_eq(events[0].auth_method, 1, "IKEEXT_CERTIFICATE");
}

Test(diag, notify_only_auth_response_is_auth_fail_inferred)
{
	init_request(0x8888, 14, 0);
	init_ok(0x8888, 0x9999, false, NS / 10);
	sk_msg(0x8888, 0x9999, IKEV2_EXCH_IKE_AUTH, true, false, 1,
	    IKEV2_PT_IDI, 400, NS / 5);
	sk_msg(0x8888, 0x9999, IKEV2_EXCH_IKE_AUTH, false, true, 1,
	    IKEV2_PT_NOTIFY, 60, NS / 4);
	finish(60 * NS);
	cr_assert_eq(n_events, 1);
	cr_expect_eq(events[0].win_error, 13801);
	cr_expect(events[0].inferred);
	cr_expect_eq(events[0].failure_point, 2, "responder rejected us");
	cr_expect_eq(events[0].state, 4, "IKE_AUTH answered: FINAL_SENT");
}

Test(diag, initiator_notify_after_auth_is_initiator_rejection)
{
	init_request(0xaaaa, 14, 0);
	init_ok(0xaaaa, 0xbbbb, false, NS / 10);
	sk_msg(0xaaaa, 0xbbbb, IKEV2_EXCH_IKE_AUTH, true, false, 1,
	    IKEV2_PT_IDI, 400, NS / 5);
	sk_msg(0xaaaa, 0xbbbb, IKEV2_EXCH_IKE_AUTH, false, true, 1,
	    IKEV2_PT_IDR, 400, NS / 4);
	sk_msg(0xaaaa, 0xbbbb, IKEV2_EXCH_INFORMATIONAL, true, false, 2,
	    IKEV2_PT_NOTIFY, 60, NS / 2);
	finish(60 * NS);
	cr_assert_eq(n_events, 1);
	cr_expect_eq(events[0].win_error, 13801);
	cr_expect_eq(events[0].failure_point, 1, "we (initiator) rejected");
}

Test(diag, unanswered_ike_auth_times_out)
{
	int i;

	init_request(0xcccc, 14, 0);
	init_ok(0xcccc, 0xdddd, false, NS / 10);
	for (i = 0; i < 4; i++)
		sk_msg(0xcccc, 0xdddd, IKEV2_EXCH_IKE_AUTH, true, false, 1,
		    IKEV2_PT_IDI, 1400, NS + i * NS);
	finish(60 * NS);
	cr_assert_eq(n_events, 1);
	cr_expect_eq(events[0].win_error, 13805);
	cr_expect_eq(events[0].exchange, IKEV2_EXCH_IKE_AUTH);
	cr_expect_eq(events[0].retransmissions, 3);
	cr_expect(strstr(events[0].detail, "fragmentation") != NULL, "%s",
	    events[0].detail);
}

Test(diag, ms_status_reports_the_exact_windows_code)
{
	struct ikeb m;

	init_request(0xeeee, 14, 0);
	ikeb_start(&m, 0xeeee, 0, IKEV2_EXCH_IKE_SA_INIT, IKEV2_FLAG_RESPONSE,
	    0);
	ikeb_notify(&m, IKEV2_N_NO_PROPOSAL_CHOSEN, NULL, 0);
	ikeb_notify_u32(&m, IKEV2_N_MS_STATUS, 13825);
	feed(&m, false, NS / 10);
	finish(60 * NS);
	cr_assert_eq(n_events, 1);
	cr_expect_eq(events[0].win_error, 13825, "ERROR_IPSEC_IKE_NO_POLICY");
}

Test(diag, unanswered_liveness_checks_mean_peer_unresponsive)
{
	int i;

	init_request(0xf0f0, 14, 0);
	init_ok(0xf0f0, 0x0f0f, false, NS / 10);
	sk_msg(0xf0f0, 0x0f0f, IKEV2_EXCH_IKE_AUTH, true, false, 1,
	    IKEV2_PT_IDI, 400, NS / 5);
	sk_msg(0xf0f0, 0x0f0f, IKEV2_EXCH_IKE_AUTH, false, true, 1,
	    IKEV2_PT_IDR, 400, NS / 4);
	for (i = 0; i < 5; i++)
		sk_msg(0xf0f0, 0x0f0f, IKEV2_EXCH_INFORMATIONAL, true, false,
		    2, IKEV2_PT_NONE, 52, 30 * NS + i * 5 * NS);
	finish(120 * NS);
	cr_assert_eq(n_events, 1);
	cr_expect_eq(events[0].win_error, 13886);
	cr_expect_eq(last_sa.liveness, 1);
	cr_expect_eq(last_sa.outcome, IKE_OUT_ESTABLISHED);
}

Test(diag, daemon_event_merges_into_the_wire_event_once)
{
	struct fail_event d;
	size_t n;
	const struct freq_item *f;

	memset(&d, 0, sizeof(d));
	d.sources = EVENT_SRC_DAEMON;
	d.win_error = 13806;
	d.local = ini;
	d.remote = resp;
	d.ts_sec = 0;
	snprintf(d.reason, sizeof(d.reason), "charon: no private key found");
	diag_add_event(dg, &d);
	init_request(0x1212, 14, 0);
	init_ok(0x1212, 0x3434, false, NS / 10);
	finish(60 * NS);
	cr_assert_eq(n_events, 1);
	cr_expect_eq(events[0].win_error, 13806, "the daemon's code wins");
	cr_expect_eq(events[0].sources, EVENT_SRC_WIRE | EVENT_SRC_DAEMON);
	cr_expect_str_eq(events[0].daemon_evidence,
	    "charon: no private key found");
	f = diag_freq(dg, &n);
	cr_assert_eq(n, 1);
	cr_expect_eq(f[0].frequency, 1, "counted once, not twice");
}

Test(diag, esp_replays_become_kernel_drops)
{
	struct esp_sa sa;

	memset(&sa, 0, sizeof(sa));
	sa.spi = 0xc0ffee;
	sa.src = resp;
	sa.dst = ini;
	sa.replays = 3;
	sa.n_replay_frames = 2;
	sa.replay_frames[0] = 10;
	sa.replay_frames[1] = 12;
	sa.first_replay_ns = 5 * NS;
	diag_esp_sa(dg, &sa);
	cr_assert_eq(n_events, 1);
	cr_expect_eq(events[0].type, EVENT_KERNEL_DROP);
	cr_expect_eq(events[0].win_error, 13913);
	cr_expect_eq(events[0].ntstatus, 0xC0360004u);
	cr_expect_eq(events[0].count, 3);
	cr_expect_eq(events[0].esp_spi, 0xc0ffee);
}

Test(diag, frequency_table_is_sorted_by_count)
{
	int i;
	size_t n;
	const struct freq_item *f;

	for (i = 0; i < 3; i++)
		init_request(0x100 + (uint64_t)i, 14, i * 100 * NS);
	init_request(0x200, 14, 400 * NS);
	init_ok(0x200, 0x201, true, 400 * NS + 1);
	finish(1000 * NS);
	f = diag_freq(dg, &n);
	cr_assert_eq(n, 2);
	cr_expect_eq(f[0].win_error, 13805);
	cr_expect_eq(f[0].frequency, 3);
	cr_expect_eq(f[1].win_error, 13806);
}

/* A decrypted IKE_AUTH whose AUTHENTICATION_FAILED follows an expired
 * initiator certificate: exact, with the certificate named and its
 * thumbprint as endCertHash. */
Test(diag, expired_certificate_is_named_in_an_exact_auth_failure)
{
	struct ike_sa sa;
	struct ike_exchange ex[2];

	memset(&sa, 0, sizeof(sa));
	memset(ex, 0, sizeof(ex));
	sa.serial = 1;
	sa.init_addr = ini;
	sa.resp_addr = resp;
	sa.auth_method = 1;
	sa.has_chosen = true;
	sa.exch = ex;
	sa.n_exch = 2;
	ex[0].exchange = IKEV2_EXCH_IKE_SA_INIT;
	ex[0].request_seen = ex[0].answered = true;
	ex[0].from_initiator = true;
	ex[1].exchange = IKEV2_EXCH_IKE_AUTH;
	ex[1].request_seen = ex[1].answered = ex[1].decrypted = true;
	ex[1].from_initiator = true;
	ex[1].resp_error = IKEV2_N_AUTHENTICATION_FAILED;
	ex[1].req_frame = 3;
	ex[1].resp_frame = 4;
	sa.auth_has_cert_i = true;
	sa.cert_i.present = true;
	snprintf(sa.cert_i.subject, sizeof(sa.cert_i.subject), "CN=client");
	sa.cert_i.not_before = 1000;
	sa.cert_i.not_after = 2000;
	sa.cert_i.used_at = 5000;
	memset(sa.cert_i.sha1, 0xab, 20);
	diag_ike_sa(dg, &sa, 100 * NS, true);
	cr_assert_eq(n_events, 1);
	cr_expect_eq(events[0].win_error, 13801);
	cr_expect(!events[0].inferred);
	cr_expect_eq(events[0].failure_point, 2, "the responder rejected");
	cr_expect(strstr(events[0].detail, "initiator certificate CN=client "
	    "expired 3000 s before it was sent") != NULL, "%s",
	    events[0].detail);
	cr_expect(events[0].has_cert_hash);
	cr_expect_eq(events[0].end_cert_hash[0], 0xab);
}
