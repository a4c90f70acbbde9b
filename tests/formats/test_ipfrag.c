/*
 * ipfrag: the reassembly table on its own: keys, ordering, duplicates,
 * overlaps, caps (datagrams, pieces, bytes, size, age) and accounting.
 */
#include <criterion/criterion.h>

#include <string.h>

#include "formats/ipfrag.h"
#include "formats/limits.h"

static uint8_t data[65536];

static struct ipfrag_key
key(uint32_t id)
{
	struct ipfrag_key k = {.src = {.family = 4, .bytes = {10, 0, 0, 1}},
	    .dst = {.family = 4, .bytes = {10, 0, 0, 2}}, .id = id,
	    .proto = 17};

	return k;
}

static enum rc
add(struct ipfrag *t, const struct ipfrag_key *k, uint32_t off,
    uint32_t len, bool more, int64_t ts, uint64_t frame,
    struct ipfrag_done *done)
{
	struct rd r = rd_init(data + off, len);

	return ipfrag_add(t, k, off, more, &r, 65515, ts, frame, done);
}

static void
fill(void)
{
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13 + 1);
}

Test(ipfrag, pieces_in_any_order_complete_once_with_the_lowest_frame)
{
	static const uint32_t offs[] = {800, 0, 1600, 400, 1200};
	struct ipfrag *t = ipfrag_new();
	struct ipfrag_key k = key(1);
	struct ipfrag_done done;
	enum rc rc = RC_NOTFOUND;

	fill();
	for (size_t i = 0; i < 5; i++) {
		cr_expect_eq(rc, RC_NOTFOUND);
		rc = add(t, &k, offs[i], offs[i] == 1600 ? 100 : 400,
		    offs[i] != 1600, 5, 50 - i, &done);
	}
	cr_assert_eq(rc, RC_OK);
	cr_expect_eq(done.len, 1700);
	cr_expect_eq(done.fragments, 5);
	cr_expect_eq(done.first_frame, 46);
	cr_expect_arr_eq(done.data, data, 1700);
	cr_expect_eq(ipfrag_pending(t), 0);
	cr_expect_eq(ipfrag_bytes_held(t), 0);
	cr_expect_eq(ipfrag_stats(t)->reassembled, 1);
	ipfrag_free(t);
}

Test(ipfrag, keys_differing_in_any_field_do_not_mix)
{
	struct ipfrag *t = ipfrag_new();
	struct ipfrag_key a = key(1), b = key(1), c = key(1), e = key(2);
	struct ipfrag_done done;

	b.proto = 50;
	c.dst.bytes[3] = 3;
	fill();
	cr_expect_eq(add(t, &a, 0, 800, true, 1, 1, &done), RC_NOTFOUND);
	cr_expect_eq(add(t, &b, 800, 8, false, 1, 2, &done), RC_NOTFOUND);
	cr_expect_eq(add(t, &c, 800, 8, false, 1, 3, &done), RC_NOTFOUND);
	cr_expect_eq(add(t, &e, 800, 8, false, 1, 4, &done), RC_NOTFOUND);
	cr_expect_eq(ipfrag_pending(t), 4);
	cr_expect_eq(add(t, &a, 800, 8, false, 1, 5, &done), RC_OK);
	cr_expect_eq(done.len, 808);
	ipfrag_free(t);
}

Test(ipfrag, identical_duplicate_is_ignored_but_different_bytes_overlap)
{
	struct ipfrag *t = ipfrag_new();
	struct ipfrag_key k = key(1);
	struct ipfrag_done done;

	fill();
	cr_expect_eq(add(t, &k, 0, 800, true, 1, 1, &done), RC_NOTFOUND);
	cr_expect_eq(add(t, &k, 0, 800, true, 1, 2, &done), RC_NOTFOUND);
	cr_expect_eq(ipfrag_stats(t)->duplicates, 1);
	data[10] ^= 0xff;
	cr_expect_eq(add(t, &k, 0, 800, true, 1, 3, &done), RC_MALFORMED);
	cr_expect_eq(ipfrag_stats(t)->overlaps, 1);
	cr_expect_eq(ipfrag_pending(t), 0, "the datagram is dropped");
	ipfrag_free(t);
}

Test(ipfrag, partial_overlap_from_either_side_drops_the_datagram)
{
	struct ipfrag *t = ipfrag_new();
	struct ipfrag_key k = key(1), k2 = key(2);
	struct ipfrag_done done;

	fill();
	cr_expect_eq(add(t, &k, 800, 800, true, 1, 1, &done), RC_NOTFOUND);
	cr_expect_eq(add(t, &k, 0, 808, true, 1, 2, &done), RC_MALFORMED);
	cr_expect_eq(add(t, &k2, 0, 800, true, 1, 1, &done), RC_NOTFOUND);
	cr_expect_eq(add(t, &k2, 792, 16, false, 1, 2, &done),
	    RC_MALFORMED);
	cr_expect_eq(ipfrag_stats(t)->overlaps, 2);
	ipfrag_free(t);
}

Test(ipfrag, bad_pieces_are_rejected_without_dropping_good_ones)
{
	struct ipfrag *t = ipfrag_new();
	struct ipfrag_key k = key(1);
	struct ipfrag_done done;

	fill();
	cr_expect_eq(add(t, &k, 0, 800, true, 1, 1, &done), RC_NOTFOUND);
	/* Not a multiple of 8 though more fragments follow. */
	cr_expect_eq(add(t, &k, 800, 801, true, 1, 2, &done), RC_MALFORMED);
	cr_expect_eq(add(t, &k, 1600, 8, false, 1, 3, &done), RC_NOTFOUND);
	/* A second "last" fragment ending elsewhere. */
	cr_expect_eq(add(t, &k, 2000, 8, false, 1, 4, &done), RC_MALFORMED);
	cr_expect_eq(ipfrag_stats(t)->bad, 2);
	cr_expect_eq(add(t, &k, 800, 800, true, 1, 5, &done), RC_OK);
	cr_expect_eq(done.len, 1608);
	ipfrag_free(t);
}

Test(ipfrag, piece_count_cap_drops_the_datagram)
{
	struct ipfrag *t = ipfrag_new();
	struct ipfrag_key k = key(1);
	struct ipfrag_done done;
	uint32_t i;

	fill();
	for (i = 0; i < LIMIT_FRAG_PIECES; i++)
		cr_assert_eq(add(t, &k, i * 16, 8, true, 1, i, &done),
		    RC_NOTFOUND);
	cr_expect_eq(add(t, &k, i * 16, 8, true, 1, i, &done), RC_LIMIT);
	cr_expect_eq(ipfrag_stats(t)->dropped_limit, 1);
	cr_expect_eq(ipfrag_pending(t), 0);
	ipfrag_free(t);
}

Test(ipfrag, byte_cap_evicts_oldest_datagrams_first)
{
	struct ipfrag *t = ipfrag_new();
	struct ipfrag_key k;
	struct ipfrag_done done;
	uint32_t n = LIMIT_FRAG_BYTES / 65515 + 2, i;

	fill();
	/* Each datagram announces its full 65515-byte length. */
	for (i = 0; i < n; i++) {
		k = key(i);
		cr_assert_eq(add(t, &k, 65000, 515, false, 1, i, &done),
		    RC_NOTFOUND);
		cr_assert_leq(ipfrag_bytes_held(t), LIMIT_FRAG_BYTES);
	}
	cr_expect_gt(ipfrag_stats(t)->dropped_limit, 0);
	cr_expect_lt(ipfrag_pending(t), n);
	k = key(n - 1);
	cr_expect_eq(add(t, &k, 0, 65000, true, 1, 99, &done), RC_OK,
	    "the newest survives");
	k = key(0);
	cr_expect_eq(add(t, &k, 0, 65000, true, 1, 99, &done), RC_NOTFOUND,
	    "the oldest was evicted");
	ipfrag_free(t);
}

Test(ipfrag, oversized_and_aged_datagrams_are_counted)
{
	struct ipfrag *t = ipfrag_new();
	struct ipfrag_key k = key(1), k2 = key(2);
	struct ipfrag_done done;
	struct rd r = rd_init(data, 100);

	cr_expect_eq(ipfrag_add(t, &k, 65500, false, &r, 65515, 1, 1, &done),
	    RC_LIMIT);
	cr_expect_eq(ipfrag_stats(t)->dropped_limit, 1);
	cr_expect_eq(add(t, &k2, 0, 8, true, 10, 1, &done), RC_NOTFOUND);
	/* Arrival of a later fragment ages out the old datagram. */
	cr_expect_eq(add(t, &k, 0, 8, true, 10 + LIMIT_FRAG_AGE_SEC + 1, 2,
	    &done), RC_NOTFOUND);
	cr_expect_eq(ipfrag_stats(t)->dropped_timeout, 1);
	cr_expect_eq(ipfrag_pending(t), 1);
	ipfrag_expire(t, INT64_MIN); /* absurd clocks are harmless */
	ipfrag_expire(t, INT64_MAX);
	cr_expect_eq(ipfrag_pending(t), 0);
	ipfrag_free(t);
	ipfrag_free(NULL);
}
