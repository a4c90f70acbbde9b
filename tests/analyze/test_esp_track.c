/*
 * ESP sequence tracking: gaps, replays, reordering and losses counted
 * exactly through the 1024-number window (RFC 4303 3.4.3).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "analyze/esp_track.h"

static struct esp_sa done_sa;
static int n_done;
static struct net_addr a = {4, {10, 0, 0, 1}}, b = {4, {10, 0, 0, 2}};

static void
on_done(const struct esp_sa *sa, void *ctx)
{
	(void)ctx;
	done_sa = *sa;
	n_done++;
}

static const struct esp_sa *
run(const uint32_t *seqs, size_t n)
{
	struct esp_track *t = esp_track_new(on_done, NULL);
	struct esp_meta m = {0};
	size_t i;
	bool is_new;

	m.src = &a;
	m.dst = &b;
	n_done = 0;
	for (i = 0; i < n; i++) {
		m.ns = (int64_t)i * 1000;
		m.frame = i + 1;
		cr_assert_not_null(esp_track_packet(t, &m, 0x1234, seqs[i],
		    100, &is_new));
		cr_expect_eq(is_new, i == 0);
	}
	esp_track_flush(t);
	esp_track_free(t);
	cr_assert_eq(n_done, 1);
	return &done_sa;
}

Test(esp_track, in_order_stream_has_no_anomalies)
{
	uint32_t s[100];
	size_t i;
	const struct esp_sa *sa;

	for (i = 0; i < 100; i++)
		s[i] = (uint32_t)i + 1;
	sa = run(s, 100);
	cr_expect_eq(sa->packets, 100);
	cr_expect_eq(sa->bytes, 10000);
	cr_expect_eq(sa->lost + sa->gaps + sa->replays + sa->reordered, 0);
	cr_expect_eq(sa->seq_max, 100);
}

Test(esp_track, gap_counts_missing_numbers_once_they_leave_the_window)
{
	uint32_t s[] = {1, 2, 5, 6, 2000};
	const struct esp_sa *sa = run(s, 5);

	cr_expect_eq(sa->gaps, 2);
	/* 3, 4 left the window when 2000 arrived; 7..975 too. */
	/* 3, 4 and 7..1999: all never seen. */
	cr_expect_eq(sa->lost, 2000 - 5, "lost %llu",
	    (unsigned long long)sa->lost);
}

Test(esp_track, replay_is_a_number_seen_twice)
{
	uint32_t s[] = {1, 2, 3, 2, 3, 3};
	const struct esp_sa *sa = run(s, 6);

	cr_expect_eq(sa->replays, 3);
	cr_expect_eq(sa->n_replay_frames, 3);
	cr_expect_eq(sa->replay_frames[0], 4);
	cr_expect_eq(sa->reordered, 0);
}

Test(esp_track, late_first_seen_number_is_reordering_not_replay)
{
	uint32_t s[] = {1, 3, 2, 5, 4};
	const struct esp_sa *sa = run(s, 5);

	cr_expect_eq(sa->reordered, 2);
	cr_expect_eq(sa->replays, 0);
	cr_expect_eq(sa->gaps, 2);
	cr_expect_eq(sa->lost, 0);
}

Test(esp_track, stream_starting_mid_sa_counts_no_phantom_losses)
{
	uint32_t s[3000];
	size_t i;
	const struct esp_sa *sa;

	for (i = 0; i < 3000; i++)
		s[i] = 5000 + (uint32_t)i;
	sa = run(s, 3000);
	cr_expect_eq(sa->lost, 0);
	cr_expect_eq(sa->seq_first, 5000);
}

Test(esp_track, below_the_window_is_too_old)
{
	uint32_t s[] = {1, 3000, 5};
	const struct esp_sa *sa = run(s, 3);

	cr_expect_eq(sa->too_old, 1);
}

Test(esp_track, sas_are_keyed_by_spi_and_destination)
{
	struct esp_track *t = esp_track_new(on_done, NULL);
	struct esp_meta m = {0};
	bool is_new;

	m.src = &a;
	m.dst = &b;
	n_done = 0;
	esp_track_packet(t, &m, 7, 1, 10, &is_new);
	cr_expect(is_new);
	m.dst = &a;
	m.src = &b;
	esp_track_packet(t, &m, 7, 1, 10, &is_new);
	cr_expect(is_new, "same SPI, other destination: another SA");
	esp_track_packet(t, &m, 7, 2, 10, &is_new);
	cr_expect(!is_new);
	cr_expect_eq(esp_track_stats(t)->sas_live, 2);
	esp_track_flush(t);
	cr_expect_eq(n_done, 2);
	esp_track_free(t);
}

/* A capture merged from two interfaces can be a little out of time
 * order: the SA spans its earliest to its latest stamp. */
Test(esp_track, first_and_last_seen_span_out_of_order_stamps)
{
	static const int64_t ns[] = {5000, 3000, 9000, 7000};
	struct esp_track *t = esp_track_new(on_done, NULL);
	struct esp_meta m = {0};
	bool is_new;
	size_t i;

	m.src = &a;
	m.dst = &b;
	n_done = 0;
	for (i = 0; i < 4; i++) {
		m.ns = ns[i];
		m.frame = i + 1;
		cr_assert_not_null(esp_track_packet(t, &m, 0x1234,
		    (uint32_t)i + 1, 100, &is_new));
	}
	esp_track_flush(t);
	esp_track_free(t);
	cr_assert_eq(n_done, 1);
	cr_expect_eq(done_sa.first_ns, 3000);
	cr_expect_eq(done_sa.last_ns, 9000);
	cr_expect_eq(done_sa.last_frame, 4, "the last in file order");
}
