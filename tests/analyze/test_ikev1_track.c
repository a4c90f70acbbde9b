/*
 * ikev1_track: phase-1 sides, encrypted Main Mode, Quick Modes by message
 * ID, retransmissions by digest, finalisation (idle, flush, cap).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "analyze/ikev1_track.h"
#include "formats/limits.h"

static struct ikev1_sa last;
static int n_done;
static bool last_at_end;

static void
on_done(const struct ikev1_sa *sa, int64_t end_ns, bool at_end, void *ctx)
{
	(void)end_ns;
	(void)ctx;
	last = *sa;
	last_at_end = at_end;
	n_done++;
}

static struct net_addr ini = {4, {10, 0, 0, 1}}, resp = {4, {10, 0, 0, 2}};
static uint64_t frame;

/* One message: exchange, message ID, E flag; bytes vary with tag (the
 * digest tells retransmissions from new messages). */
static void
msg(struct ikev1_track *t, bool from_init, uint8_t exch, uint32_t msg_id,
    bool enc, uint8_t tag, int64_t ns)
{
	struct ikev1_msg v1;
	struct ike_meta m;
	uint8_t bytes[32];

	memset(&v1, 0, sizeof(v1));
	memset(&m, 0, sizeof(m));
	memset(bytes, tag, sizeof(bytes));
	memcpy(v1.icookie, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
	if (!from_init || exch != 2 || tag > 1)
		memcpy(v1.rcookie, "\x99\xaa\xbb\xcc\xdd\xee\xff\x01", 8);
	v1.exchange = exch;
	v1.msg_id = msg_id;
	v1.encrypted = enc;
	m.ns = ns;
	m.frame = ++frame;
	m.src = from_init ? &ini : &resp;
	m.dst = from_init ? &resp : &ini;
	m.sport = m.dport = 500;
	m.bytes = bytes;
	m.len = sizeof(bytes);
	ikev1_track_message(t, &m, &v1);
}

#define S 1000000000LL

Test(ikev1_track, unanswered_main_mode_counts_its_copies)
{
	struct ikev1_track *t = ikev1_track_new(on_done, NULL);

	n_done = 0;
	msg(t, true, 2, 0, false, 1, 0);
	msg(t, true, 2, 0, false, 1, 1 * S);
	msg(t, true, 2, 0, false, 1, 3 * S);
	ikev1_track_flush(t, 10 * S);
	cr_assert_eq(n_done, 1);
	cr_expect(last_at_end);
	cr_expect_eq(last.phase1, 2);
	cr_expect_eq(last.p1_from_init, 3);
	cr_expect_eq(last.p1_from_resp, 0);
	cr_expect_eq(last.p1_init_sends, 3);
	cr_expect_eq(last.p1_init_first_frame + 2, last.p1_init_last_frame);
	cr_expect_eq(last.p1_init_last_ns - last.p1_init_first_ns, 3 * S);
	ikev1_track_free(t);
}

Test(ikev1_track, encrypted_main_mode_and_quick_modes_by_message_id)
{
	struct ikev1_track *t = ikev1_track_new(on_done, NULL);

	n_done = 0;
	msg(t, true, 2, 0, false, 1, 0);        /* MM1 */
	msg(t, false, 2, 0, false, 2, S / 100); /* MM2 */
	msg(t, true, 2, 0, false, 3, S / 50);   /* MM3 */
	msg(t, false, 2, 0, false, 4, S / 25);  /* MM4 */
	msg(t, true, 2, 0, true, 5, S / 20);    /* MM5 */
	msg(t, false, 2, 0, true, 6, S / 10);   /* MM6 */
	msg(t, true, 32, 7, true, 7, S);        /* QM1, answered */
	msg(t, false, 32, 7, true, 8, S + 1);
	msg(t, true, 32, 7, true, 9, S + 2);    /* QM3: same ID, answered */
	msg(t, false, 32, 9, true, 10, 2 * S);  /* responder's QM, twice */
	msg(t, false, 32, 9, true, 10, 3 * S);
	ikev1_track_flush(t, 4 * S);
	cr_assert_eq(n_done, 1);
	cr_expect_eq(last.p1_enc_from_init, 1);
	cr_expect_eq(last.p1_enc_from_resp, 1);
	cr_expect_eq(memcmp(last.rcookie, "\x99\xaa", 2), 0);
	cr_assert_eq(last.n_qm, 2);
	cr_expect(last.qm[0].answered && last.qm[0].from_init);
	cr_expect_eq(last.qm[0].sends, 1);
	cr_expect(!last.qm[1].answered && !last.qm[1].from_init);
	cr_expect_eq(last.qm[1].sends, 2, "a copy is a retransmission");
	ikev1_track_free(t);
}

Test(ikev1_track, idle_sas_are_finalised_and_others_kept)
{
	struct ikev1_track *t = ikev1_track_new(on_done, NULL);

	n_done = 0;
	msg(t, true, 2, 0, false, 1, 0);
	ikev1_track_expire(t, (int64_t)LIMIT_SA_IDLE_SEC * S - 1);
	cr_expect_eq(n_done, 0, "not idle long enough");
	ikev1_track_expire(t, (int64_t)LIMIT_SA_IDLE_SEC * S + 1);
	cr_expect_eq(n_done, 1);
	cr_expect(!last_at_end);
	ikev1_track_flush(t, 0);
	cr_expect_eq(n_done, 1);
	cr_expect_eq(ikev1_track_sas(t), 1);
	ikev1_track_free(t);
}
