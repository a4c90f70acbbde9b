/*
 * IP fragment reassembly (RFC 791 3.2, RFC 8200 4.5, RFC 5722 overlap
 * handling). Workload: IKE messages carrying certificates are often
 * fragmented at the IP layer, a few fragments per datagram; everything
 * else passes by without touching this table. So the common path is a
 * hash lookup, a copy of the piece into the datagram's buffer at its
 * offset, and a check whether the pieces now cover the datagram.
 *
 * Invariants: every partial datagram is in exactly one hash chain and in
 * the age list (oldest first); its pieces are sorted by start and never
 * overlap; have == sum of piece lengths; t->bytes == sum of buffer
 * capacities, which stays <= LIMIT_FRAG_BYTES.
 */
#include "formats/ipfrag.h"

#include <stdlib.h>
#include <string.h>

#include "formats/limits.h"

#define NBUCKETS 2048u /* power of two, about 2 x LIMIT_FRAG_DATAGRAMS */
#define MIN_BUF 2048u

struct piece {
	uint32_t start, end; /* byte range [start, end) in the payload */
};

struct dgram {
	struct ipfrag_key key;
	uint32_t hash;
	struct dgram *hnext;         /* hash chain */
	struct dgram *older, *newer; /* age list */
	int64_t first_ts;            /* seconds, time of the first piece */
	uint64_t first_frame;        /* lowest frame among the pieces */
	uint8_t *buf;                /* owned, cap bytes */
	uint32_t cap;
	uint32_t total;              /* payload length; 0 until last seen */
	bool have_last;
	uint32_t have;               /* bytes held */
	uint16_t npieces;
	struct piece piece[LIMIT_FRAG_PIECES]; /* sorted by start */
};

struct ipfrag {
	struct dgram *bucket[NBUCKETS];
	struct dgram *oldest, *newest;
	struct dgram *spare;  /* free list through hnext */
	size_t pending;
	size_t bytes;         /* sum of buffer capacities held */
	uint8_t *done;        /* owned: the last completed datagram */
	struct ipfrag_stats st;
};

struct ipfrag *
ipfrag_new(void)
{
	return calloc(1, sizeof(struct ipfrag));
}

static uint32_t
key_hash(const struct ipfrag_key *k)
{
	size_t n = k->src.family == 6 ? 16 : 4, i;
	uint32_t h = 2166136261u;

	for (i = 0; i < n; i++)
		h = (h ^ k->src.bytes[i]) * 16777619u;
	for (i = 0; i < n; i++)
		h = (h ^ k->dst.bytes[i]) * 16777619u;
	h = (h ^ k->id) * 16777619u;
	h = (h ^ (uint32_t)(k->proto | k->src.family << 8)) * 16777619u;
	return h ^ h >> 15;
}

static bool
key_eq(const struct ipfrag_key *a, const struct ipfrag_key *b)
{
	return a->id == b->id && a->proto == b->proto &&
	    net_addr_eq(&a->src, &b->src) && net_addr_eq(&a->dst, &b->dst);
}

/* Unlinks g from its chain and the age list and recycles it. */
static void
release(struct ipfrag *t, struct dgram *g)
{
	struct dgram **pp = &t->bucket[g->hash & (NBUCKETS - 1)];

	while (*pp != g)
		pp = &(*pp)->hnext;
	*pp = g->hnext;
	if (g->older)
		g->older->newer = g->newer;
	else
		t->oldest = g->newer;
	if (g->newer)
		g->newer->older = g->older;
	else
		t->newest = g->older;
	t->bytes -= g->cap;
	t->pending--;
	free(g->buf);
	g->buf = NULL;
	g->hnext = t->spare;
	t->spare = g;
}

static struct dgram *
lookup(struct ipfrag *t, const struct ipfrag_key *k, uint32_t h)
{
	struct dgram *g;

	for (g = t->bucket[h & (NBUCKETS - 1)]; g != NULL; g = g->hnext)
		if (g->hash == h && key_eq(&g->key, k))
			return g;
	return NULL;
}

/* A new, empty datagram at the young end; evicts the oldest when full. */
static struct dgram *
create(struct ipfrag *t, const struct ipfrag_key *k, uint32_t h,
    int64_t ts_sec, uint64_t frame)
{
	struct dgram *g;

	if (t->pending >= LIMIT_FRAG_DATAGRAMS) {
		release(t, t->oldest);
		t->st.dropped_limit++;
	}
	if (t->spare != NULL) {
		g = t->spare;
		t->spare = g->hnext;
	} else if ((g = malloc(sizeof(*g))) == NULL)
		return NULL;
	memset(g, 0, offsetof(struct dgram, piece));
	g->key = *k;
	g->hash = h;
	g->first_ts = ts_sec;
	g->first_frame = frame;
	g->hnext = t->bucket[h & (NBUCKETS - 1)];
	t->bucket[h & (NBUCKETS - 1)] = g;
	g->older = t->newest;
	if (t->newest)
		t->newest->newer = g;
	else
		t->oldest = g;
	t->newest = g;
	t->pending++;
	return g;
}

void
ipfrag_expire(struct ipfrag *t, int64_t now_sec)
{
	/* now_sec comes from the capture: keep the subtraction defined. */
	if (now_sec < INT64_MIN + (int64_t)LIMIT_FRAG_AGE_SEC)
		return;
	while (t->oldest != NULL &&
	    t->oldest->first_ts < now_sec - (int64_t)LIMIT_FRAG_AGE_SEC) {
		release(t, t->oldest);
		t->st.dropped_timeout++;
	}
}

/*
 * Makes g's buffer hold at least need bytes, evicting older datagrams
 * while the byte cap would be exceeded. False when g itself must go.
 */
static bool
reserve(struct ipfrag *t, struct dgram *g, uint32_t need, uint32_t max_len)
{
	uint32_t ncap = g->cap ? g->cap : MIN_BUF;
	uint8_t *nbuf;

	if (need <= g->cap)
		return true;
	while (ncap < need)
		ncap *= 2;
	if (g->have_last || ncap > max_len)
		ncap = g->have_last ? g->total : max_len;
	if (ncap < need)
		ncap = need;
	while (t->bytes - g->cap + ncap > LIMIT_FRAG_BYTES) {
		if (t->oldest == g)
			return false;
		release(t, t->oldest);
		t->st.dropped_limit++;
	}
	if ((nbuf = realloc(g->buf, ncap)) == NULL)
		return false;
	t->bytes = t->bytes - g->cap + ncap;
	g->buf = nbuf;
	g->cap = ncap;
	return true;
}

/* Index where [s, e) goes; *dup when an identical range is held, *ovl
 * when it intersects another. */
static uint16_t
find_slot(const struct dgram *g, uint32_t s, uint32_t e, bool *dup,
    bool *ovl)
{
	uint16_t i;

	*dup = *ovl = false;
	for (i = 0; i < g->npieces && g->piece[i].end <= s; i++)
		continue;
	if (i < g->npieces && g->piece[i].start < e) {
		if (g->piece[i].start == s && g->piece[i].end == e)
			*dup = true;
		else
			*ovl = true;
	}
	return i;
}

/* Moves a complete datagram's buffer out as the result. */
static void
finish(struct ipfrag *t, struct dgram *g, struct ipfrag_done *done)
{
	free(t->done);
	t->done = g->buf;
	done->data = g->buf;
	done->len = g->total;
	done->fragments = g->npieces;
	done->first_frame = g->first_frame;
	g->buf = NULL;
	t->bytes -= g->cap;
	g->cap = 0;
	release(t, g);
	t->st.reassembled++;
}

/* Drops g, counting it under *counter; returns rc. */
static enum rc
drop(struct ipfrag *t, struct dgram *g, uint64_t *counter, enum rc rc)
{
	release(t, g);
	(*counter)++;
	return rc;
}

/* Checks the piece against what g already knows about its length. */
static bool
piece_fits(const struct dgram *g, uint32_t s, uint32_t e, bool more)
{
	if (more && (e == s || (e - s) % 8 != 0))
		return false; /* RFC 791: all but the last are 8-byte units */
	if (g->have_last && e > g->total)
		return false;
	if (!more && (g->have_last ? e != g->total :
	    g->npieces > 0 && g->piece[g->npieces - 1].end > e))
		return false;
	return true;
}

enum rc
ipfrag_add(struct ipfrag *t, const struct ipfrag_key *k, uint32_t offset,
    bool more, const struct rd *data, uint32_t max_len, int64_t ts_sec,
    uint64_t frame, struct ipfrag_done *done)
{
	struct rd r = *data;
	uint32_t h = key_hash(k), len = (uint32_t)rd_left(data);
	uint32_t s = offset, e;
	struct dgram *g;
	uint16_t i;
	bool dup, ovl;

	t->st.fragments++;
	ipfrag_expire(t, ts_sec);
	if ((g = lookup(t, k, h)) == NULL &&
	    (g = create(t, k, h, ts_sec, frame)) == NULL)
		return RC_NOMEM;
	if (len > max_len || s > max_len - len)
		return drop(t, g, &t->st.dropped_limit, RC_LIMIT);
	e = s + len;
	if (!piece_fits(g, s, e, more)) {
		t->st.bad++;
		if (g->npieces == 0)
			release(t, g);
		return RC_MALFORMED;
	}
	i = find_slot(g, s, e, &dup, &ovl);
	if (dup && (len == 0 ||
	    memcmp(g->buf + s, rd_bytes(&r, len), len) == 0)) {
		t->st.duplicates++;
		return RC_NOTFOUND;
	}
	if (dup || ovl)
		return drop(t, g, &t->st.overlaps, RC_MALFORMED);
	if (g->npieces >= LIMIT_FRAG_PIECES)
		return drop(t, g, &t->st.dropped_limit, RC_LIMIT);
	if (!reserve(t, g, e > 0 ? e : 1, max_len))
		return drop(t, g, &t->st.dropped_limit, RC_LIMIT);
	if (!rd_copy(&r, g->buf + s, len))
		return drop(t, g, &t->st.bad, RC_MALFORMED);
	memmove(&g->piece[i + 1], &g->piece[i],
	    (size_t)(g->npieces - i) * sizeof(g->piece[0]));
	g->piece[i].start = s;
	g->piece[i].end = e;
	g->npieces++;
	g->have += len;
	if (frame < g->first_frame)
		g->first_frame = frame;
	if (!more) {
		g->have_last = true;
		g->total = e;
	}
	if (!g->have_last || g->have != g->total)
		return RC_NOTFOUND;
	finish(t, g, done);
	return RC_OK;
}

const struct ipfrag_stats *
ipfrag_stats(const struct ipfrag *t)
{
	return &t->st;
}

size_t
ipfrag_pending(const struct ipfrag *t)
{
	return t->pending;
}

size_t
ipfrag_bytes_held(const struct ipfrag *t)
{
	return t->bytes;
}

void
ipfrag_free(struct ipfrag *t)
{
	struct dgram *g;

	if (t == NULL)
		return;
	while (t->oldest != NULL)
		release(t, t->oldest);
	while ((g = t->spare) != NULL) {
		t->spare = g->hnext;
		free(g);
	}
	free(t->done);
	free(t);
}
