/*
 * ESP SA tracking (see esp_track.h). RFC 4303 3.4.3 describes the
 * receiver's sliding window; we keep the same kind of window to tell a
 * replay (bit already set) from reordering (bit clear, below the top) and
 * to count numbers that left the window unseen (loss or capture drops).
 *
 * Hot path: one hash lookup and a few bit operations per packet; no
 * allocation after an SA exists.
 */
#include "analyze/esp_track.h"

#include <stdlib.h>
#include <string.h>

#include "analyze/lru.h"
#include "formats/limits.h"

#define NS_PER_SEC 1000000000LL
#define WORDS (ESP_WINDOW_BITS / 64u)

struct esp_node {
	struct lru_link lru;  /* first: a link is a node */
	struct esp_sa sa;
	uint64_t window[WORDS];  /* bit i: seq_max - i was seen */
	struct esp_node *next;   /* bucket chain */
};

struct esp_track {
	esp_done_fn done;
	void *ctx;
	struct esp_node **b;
	size_t n_buckets;
	size_t live;
	struct lru lru;                 /* head = least recent */
	uint64_t next_serial;
	struct esp_track_stats st;
};

/* The least recently active node (first member is the link). */
static struct esp_node *
oldest(const struct esp_track *t)
{
	return (struct esp_node *)t->lru.head;
}

/* Per-packet: two 8-byte loads of the address, two multiplies. */
static uint64_t
key_hash(uint32_t spi, const struct net_addr *dst)
{
	uint64_t a, b, h;

	memcpy(&a, dst->bytes, 8);
	memcpy(&b, dst->bytes + 8, 8);
	h = (spi ^ a) * 0x9e3779b97f4a7c15ULL;
	h = (h ^ b ^ (h >> 31)) * 0xff51afd7ed558ccdULL;
	return h ^ (h >> 29);
}

struct esp_track *
esp_track_new(esp_done_fn done, void *ctx)
{
	struct esp_track *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->n_buckets = 4096;
	t->b = calloc(t->n_buckets, sizeof(*t->b));
	if (t->b == NULL) {
		free(t);
		return NULL;
	}
	t->done = done;
	t->ctx = ctx;
	return t;
}

void
esp_track_free(struct esp_track *t)
{
	struct esp_node *n, *next;

	if (t == NULL)
		return;
	for (n = (struct esp_node *)t->lru.head; n != NULL; n = next) {
		next = (struct esp_node *)n->lru.next;
		free(n);
	}
	free(t->b);
	free(t);
}

static struct esp_node **
bucket(struct esp_track *t, uint32_t spi, const struct net_addr *dst)
{
	return &t->b[key_hash(spi, dst) & (t->n_buckets - 1)];
}

static void count_window_losses(struct esp_node *n);

static void
finalise(struct esp_track *t, struct esp_node *n)
{
	struct esp_node **b = bucket(t, n->sa.spi, &n->sa.dst);

	count_window_losses(n);
	while (*b != NULL && *b != n)
		b = &(*b)->next;
	if (*b == n)
		*b = n->next;
	lru_unlink(&t->lru, &n->lru);
	t->live--;
	t->st.sas_live = t->live;
	if (t->done)
		t->done(&n->sa, t->ctx);
	free(n);
}

static void
grow(struct esp_track *t)
{
	size_t nsize = t->n_buckets * 4, i;
	struct esp_node **nb = calloc(nsize, sizeof(*nb));
	struct esp_node *n, *next;

	if (nb == NULL)
		return;
	for (i = 0; i < t->n_buckets; i++)
		for (n = t->b[i]; n != NULL; n = next) {
			struct esp_node **d = &nb[key_hash(n->sa.spi,
			    &n->sa.dst) & (nsize - 1)];

			next = n->next;
			n->next = *d;
			*d = n;
		}
	free(t->b);
	t->b = nb;
	t->n_buckets = nsize;
}

static struct esp_node *
node_new(struct esp_track *t, const struct esp_meta *m, uint32_t spi,
    uint32_t seq)
{
	struct esp_node *n;
	struct esp_node **b;

	if (t->live >= LIMIT_ESP_SAS && t->lru.head != NULL) {
		t->st.sas_dropped_limit++;
		finalise(t, oldest(t));
	}
	n = calloc(1, sizeof(*n));
	if (n == NULL)
		return NULL;
	n->sa.serial = ++t->next_serial;
	n->sa.spi = spi;
	n->sa.src = *m->src;
	n->sa.dst = *m->dst;
	n->sa.udp_encap = m->udp_encap;
	n->sa.sport = m->sport;
	n->sa.dport = m->dport;
	n->sa.input = m->input;
	n->sa.tunnel = m->tunnel;
	n->sa.first_ns = m->ns;
	n->sa.first_frame = m->frame;
	n->sa.seq_first = seq;
	n->sa.seq_max = seq;
	/* Numbers below the first one seen never existed for us: mark
	 * them seen so they are not counted lost as the window moves. */
	memset(n->window, 0xff, sizeof(n->window));
	b = bucket(t, spi, m->dst);
	n->next = *b;
	*b = n;
	lru_append(&t->lru, &n->lru);
	t->live++;
	t->st.sas_live = t->live;
	t->st.sas_total++;
	if (t->live > t->n_buckets * 2)
		grow(t);
	return n;
}

/*
 * The window is circular: number s lives at bit s % ESP_WINDOW_BITS, and
 * for s in (seq_max - ESP_WINDOW_BITS, seq_max] the bit says "seen". A
 * step forward by k reuses k positions: each one's old number leaves the
 * window (counted lost when unseen) and the new number starts unseen.
 * Per packet that is O(k) with k almost always 1.
 */
static bool
win_test(const struct esp_node *n, uint32_t seq)
{
	uint32_t pos = seq % ESP_WINDOW_BITS;

	return (n->window[pos / 64] >> (pos % 64)) & 1u;
}

static void
win_set(struct esp_node *n, uint32_t seq)
{
	uint32_t pos = seq % ESP_WINDOW_BITS;

	n->window[pos / 64] |= 1ULL << (pos % 64);
}

static void
win_clear(struct esp_node *n, uint32_t seq)
{
	uint32_t pos = seq % ESP_WINDOW_BITS;

	n->window[pos / 64] &= ~(1ULL << (pos % 64));
}

/* Moves the top of the window from seq_max to seq (> seq_max). */
static void
win_advance(struct esp_node *n, uint32_t seq)
{
	uint64_t shift = (uint64_t)seq - n->sa.seq_max, i;
	uint32_t s;

	if (shift >= ESP_WINDOW_BITS) {
		for (i = 0; i < WORDS; i++)
			n->sa.lost += 64u - (uint64_t)__builtin_popcountll(
			    n->window[i]);
		n->sa.lost += shift - ESP_WINDOW_BITS;
		memset(n->window, 0, sizeof(n->window));
		return;
	}
	for (s = n->sa.seq_max + 1; s != seq + 1; s++) {
		if (!win_test(n, s))
			n->sa.lost++; /* s - WINDOW leaves unseen */
		win_clear(n, s);
	}
}

static void
note_replay(struct esp_node *n, const struct esp_meta *m)
{
	n->sa.replays++;
	if (n->sa.n_replay_frames < ESP_EVIDENCE)
		n->sa.replay_frames[n->sa.n_replay_frames++] = m->frame;
	if (n->sa.first_replay_ns == 0)
		n->sa.first_replay_ns = m->ns;
}

/* At the end, numbers still in the window and never seen (between the
 * first and the highest) are lost too. */
static void
count_window_losses(struct esp_node *n)
{
	uint64_t span = (uint64_t)n->sa.seq_max - n->sa.seq_first + 1, i;

	if (span > ESP_WINDOW_BITS)
		span = ESP_WINDOW_BITS;
	for (i = 0; i < span; i++)
		if (!win_test(n, n->sa.seq_max - (uint32_t)i))
			n->sa.lost++;
}

static void
account_seq(struct esp_node *n, const struct esp_meta *m, uint32_t seq)
{
	struct esp_sa *sa = &n->sa;

	if (seq < sa->seq_first && sa->seq_max - seq < ESP_WINDOW_BITS) {
		/* Earlier than the first packet we saw: reordered start. */
		sa->seq_first = seq;
		sa->reordered++;
		return;
	}
	if (seq > sa->seq_max) {
		if (seq - sa->seq_max > 1)
			sa->gaps++;
		win_advance(n, seq);
		win_set(n, seq);
		sa->seq_max = seq;
	} else if (seq == sa->seq_max) {
		note_replay(n, m);
	} else if (sa->seq_max - seq < ESP_WINDOW_BITS) {
		if (win_test(n, seq)) {
			note_replay(n, m);
		} else {
			win_set(n, seq);
			sa->reordered++;
		}
	} else if (seq < 16 && sa->seq_max > 0xffff0000u) {
		sa->wraps++; /* ESN high bits moved on */
		sa->seq_max = seq;
		memset(n->window, 0xff, sizeof(n->window));
	} else {
		sa->too_old++;
	}
}

struct esp_sa *
esp_track_packet(struct esp_track *t, const struct esp_meta *m, uint32_t spi,
    uint32_t seq, uint32_t len, bool *is_new)
{
	struct esp_node *n;

	t->st.packets++;
	*is_new = false;
	for (n = *bucket(t, spi, m->dst); n != NULL; n = n->next)
		if (n->sa.spi == spi && net_addr_eq(&n->sa.dst, m->dst))
			break;
	if (n == NULL) {
		n = node_new(t, m, spi, seq);
		if (n == NULL)
			return NULL;
		*is_new = true;
	} else {
		account_seq(n, m, seq);
		lru_touch(&t->lru, &n->lru);
	}
	n->sa.packets++;
	n->sa.bytes += len;
	/* out of time order (merged captures): earliest to latest stamp */
	if (m->ns < n->sa.first_ns)
		n->sa.first_ns = m->ns;
	if (m->ns > n->sa.last_ns)
		n->sa.last_ns = m->ns;
	n->sa.last_frame = m->frame;
	return &n->sa;
}

void
esp_track_expire(struct esp_track *t, int64_t now_ns)
{
	int64_t horizon = now_ns - (int64_t)LIMIT_SA_IDLE_SEC * NS_PER_SEC;

	while (t->lru.head != NULL && oldest(t)->sa.last_ns < horizon)
		finalise(t, oldest(t));
}

void
esp_track_flush(struct esp_track *t)
{
	while (t->lru.head != NULL)
		finalise(t, oldest(t));
}

const struct esp_track_stats *
esp_track_stats(const struct esp_track *t)
{
	return &t->st;
}
