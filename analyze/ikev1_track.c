/*
 * IKEv1 SA tracking (see ikev1_track.h). RFC 2409 5: Main Mode is six
 * messages, the last two encrypted (identities and authentication);
 * Aggressive Mode three; Quick Mode (exchange 32) three, under a message
 * ID of its own. A retransmission is the same message again (same
 * bytes, compared by a digest).
 *
 * IKEv1 captures are small next to IKEv2 gateway traffic: a chained hash
 * on the initiator cookie, LIMIT_IKE_SAS entries (the oldest finalised
 * early beyond that, kept in creation order), and a scan of all entries
 * once per capture second for expiry.
 */
#include "analyze/ikev1_track.h"

#include <stdlib.h>
#include <string.h>

#include "analyze/lru.h"
#include "formats/limits.h"

#define NS_PER_SEC 1000000000LL
#define BUCKETS 1024u
#define EXCH_MAIN 2
#define EXCH_AGGRESSIVE 4
#define EXCH_QUICK 32

struct ikev1_node {
	struct lru_link order;    /* first: a link is a node; creation order */
	struct ikev1_sa sa;
	uint32_t p1_digest;       /* of the initiator's last phase-1 one */
	uint32_t qm_digest[IKEV1_QM_KEPT];
	struct ikev1_node *next;  /* bucket chain */
};

struct ikev1_track {
	ikev1_done_fn done;
	void *ctx;
	struct ikev1_node *b[BUCKETS];
	struct lru order;         /* head: the oldest SA */
	size_t live;
	uint64_t total;
};

/* FNV-1a over the message: tells a retransmission from a new message. */
static uint32_t
digest(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;

	while (n-- > 0)
		h = (h ^ *p++) * 16777619u;
	return h;
}

static struct ikev1_node **
bucket(struct ikev1_track *t, const uint8_t icookie[8])
{
	uint64_t v;

	memcpy(&v, icookie, 8);
	return &t->b[(v * 0x9e3779b97f4a7c15ULL) >> 54];
}

struct ikev1_track *
ikev1_track_new(ikev1_done_fn done, void *ctx)
{
	struct ikev1_track *t = calloc(1, sizeof(*t));

	if (t != NULL) {
		t->done = done;
		t->ctx = ctx;
	}
	return t;
}

void
ikev1_track_free(struct ikev1_track *t)
{
	struct ikev1_node *n, *next;
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < BUCKETS; i++)
		for (n = t->b[i]; n != NULL; n = next) {
			next = n->next;
			free(n);
		}
	free(t);
}

static bool
same_pair(const struct ikev1_sa *sa, const struct ike_meta *m)
{
	return (net_addr_eq(&sa->init_addr, m->src) &&
	    net_addr_eq(&sa->resp_addr, m->dst)) ||
	    (net_addr_eq(&sa->init_addr, m->dst) &&
	    net_addr_eq(&sa->resp_addr, m->src));
}

/* Unlinks n from its bucket, reports it and frees it. */
static void
finalise(struct ikev1_track *t, struct ikev1_node *n, int64_t end_ns,
    bool at_end)
{
	struct ikev1_node **p = bucket(t, n->sa.icookie);

	while (*p != NULL && *p != n)
		p = &(*p)->next;
	if (*p == n)
		*p = n->next;
	lru_unlink(&t->order, &n->order);
	t->live--;
	if (t->done)
		t->done(&n->sa, end_ns, at_end, t->ctx);
	free(n);
}

static struct ikev1_node *
oldest(const struct ikev1_track *t)
{
	return (struct ikev1_node *)t->order.head;
}

/* A new SA: the sender of its first message is taken as the initiator
 * (a capture that starts mid-exchange may get this wrong). */
static struct ikev1_node *
node_new(struct ikev1_track *t, const struct ike_meta *m,
    const struct ikev1_msg *v1)
{
	struct ikev1_node *n, **b;

	if (t->live >= LIMIT_IKE_SAS && (n = oldest(t)) != NULL)
		finalise(t, n, m->ns, false);
	if ((n = calloc(1, sizeof(*n))) == NULL)
		return NULL;
	memcpy(n->sa.icookie, v1->icookie, 8);
	n->sa.init_addr = *m->src;
	n->sa.resp_addr = *m->dst;
	n->sa.init_port = m->sport;
	n->sa.resp_port = m->dport;
	n->sa.first_ns = m->ns;
	n->sa.first_frame = m->frame;
	n->sa.input = m->input;
	lru_append(&t->order, &n->order);
	b = bucket(t, v1->icookie);
	n->next = *b;
	*b = n;
	t->live++;
	t->total++;
	return n;
}

static struct ikev1_node *
find(struct ikev1_track *t, const struct ike_meta *m,
    const struct ikev1_msg *v1)
{
	struct ikev1_node *n;

	for (n = *bucket(t, v1->icookie); n != NULL; n = n->next)
		if (memcmp(n->sa.icookie, v1->icookie, 8) == 0 &&
		    same_pair(&n->sa, m))
			return n;
	return node_new(t, m, v1);
}

static void
phase1(struct ikev1_node *n, const struct ike_meta *m,
    const struct ikev1_msg *v1, bool from_init, uint32_t dg)
{
	struct ikev1_sa *sa = &n->sa;

	if (sa->phase1 == 0)
		sa->phase1 = v1->exchange;
	if (!from_init) {
		sa->p1_from_resp++;
		sa->p1_enc_from_resp += v1->encrypted;
		return;
	}
	sa->p1_from_init++;
	sa->p1_enc_from_init += v1->encrypted;
	if (sa->p1_init_sends > 0 && dg == n->p1_digest) {
		sa->p1_init_sends++;
	} else {
		sa->p1_init_sends = 1;
		sa->p1_init_first_ns = m->ns;
		sa->p1_init_first_frame = m->frame;
		n->p1_digest = dg;
	}
	sa->p1_init_last_ns = m->ns;
	sa->p1_init_last_frame = m->frame;
}

static void
quick(struct ikev1_node *n, const struct ike_meta *m,
    const struct ikev1_msg *v1, bool from_init, uint32_t dg)
{
	struct ikev1_sa *sa = &n->sa;
	struct ikev1_qm *q;
	uint8_t i;

	for (i = 0; i < sa->n_qm; i++) {
		q = &sa->qm[i];
		if (q->msg_id != v1->msg_id)
			continue;
		if (q->from_init != from_init)
			q->answered = true;
		else if (!q->answered && dg == n->qm_digest[i])
			q->sends++;
		q->last_ns = m->ns;
		q->last_frame = m->frame;
		return;
	}
	if (sa->n_qm == IKEV1_QM_KEPT)
		return; /* counted in the SA's messages only */
	q = &sa->qm[sa->n_qm];
	n->qm_digest[sa->n_qm++] = dg;
	q->msg_id = v1->msg_id;
	q->from_init = from_init;
	q->sends = 1;
	q->first_ns = q->last_ns = m->ns;
	q->first_frame = q->last_frame = m->frame;
}

void
ikev1_track_message(struct ikev1_track *t, const struct ike_meta *m,
    const struct ikev1_msg *v1)
{
	struct ikev1_node *n = find(t, m, v1);
	struct ikev1_sa *sa;
	bool from_init;
	uint32_t dg;
	uint8_t i;

	if (n == NULL)
		return;
	sa = &n->sa;
	from_init = net_addr_eq(m->src, &sa->init_addr);
	dg = digest(m->bytes, m->len);
	if (m->ns < sa->first_ns)
		sa->first_ns = m->ns;
	if (m->ns > sa->last_ns)
		sa->last_ns = m->ns;
	sa->last_frame = m->frame;
	if (!from_init && v1->msg_id == 0)
		memcpy(sa->rcookie, v1->rcookie, 8);
	for (i = 0; i < v1->n_notify; i++)
		if (v1->notify[i] > 0 && v1->notify[i] < 16384)
			sa->error_notify = true;
	if (v1->exchange == EXCH_MAIN || v1->exchange == EXCH_AGGRESSIVE)
		phase1(n, m, v1, from_init, dg);
	else if (v1->exchange == EXCH_QUICK)
		quick(n, m, v1, from_init, dg);
}

void
ikev1_track_expire(struct ikev1_track *t, int64_t now_ns)
{
	int64_t horizon = now_ns - (int64_t)LIMIT_SA_IDLE_SEC * NS_PER_SEC;
	struct ikev1_node *n, *next;
	size_t i;

	if (t->live == 0)
		return;
	for (i = 0; i < BUCKETS; i++)
		for (n = t->b[i]; n != NULL; n = next) {
			next = n->next;
			if (n->sa.last_ns < horizon)
				finalise(t, n, now_ns, false);
		}
}

void
ikev1_track_flush(struct ikev1_track *t, int64_t end_ns)
{
	struct ikev1_node *n;

	/* in creation order, so the report lists SAs as they began */
	while ((n = oldest(t)) != NULL)
		finalise(t, n, end_ns, true);
}

uint64_t
ikev1_track_sas(const struct ikev1_track *t)
{
	return t->total;
}
