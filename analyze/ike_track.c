/*
 * IKE SA tracking (see ike_track.h). RFC 7296 2.1 (retransmission
 * timers: a retransmission is byte-identical), 2.2 (message IDs, one
 * direction per requester), 2.6 (COOKIE), 1.2 (INVALID_KE_PAYLOAD retry
 * with the requested group), 2.23 (NAT traversal: float to 4500).
 *
 * Data structures: SAs live in nodes chained three ways: by SPIi (hash
 * buckets; several attempts may share one SPIi), by unordered address
 * pair (for ESP linkage and cross-SPI retries) and on an LRU list ordered
 * by last activity (for idle finalisation). Lookups are O(1) on average;
 * a capture with millions of ESP packets touches only the pair index.
 */
#include "analyze/ike_track.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/ikev2_registry.h"
#include "analyze/vendor_id.h"
#include "analyze/x509info.h"
#include "analyze/lru.h"
#include "formats/limits.h"

#define NS_PER_SEC 1000000000LL
/* A new IKE_SA_INIT from the same initiator within this many seconds of
 * a COOKIE / INVALID_KE_PAYLOAD answer is the same negotiation retried. */
#define RETRY_WINDOW_NS (30 * NS_PER_SEC)
/* Exchanges searched backwards to pair a message. */
#define PAIR_SEARCH 8

struct ike_node {
	struct lru_link lru;  /* first: a link is a node */
	struct ike_sa sa;
	struct ike_node *spi_next;   /* bucket chain by SPIi */
	struct ike_node *pair_next;  /* bucket chain by address pair */
	int64_t auth_done_ns;        /* IKE_AUTH answered at; 0 not yet */
	bool reject_retry;           /* last INIT answer asks for a retry */
};

struct ike_table {
	struct ike_node **b;
	size_t n_buckets;            /* power of two */
};

struct ike_track {
	ike_done_fn done;
	void *ctx;
	struct ike_table by_spi, by_pair;
	size_t live;
	struct lru lru;                 /* head = least recent */
	uint64_t next_serial;
	int64_t now_ns;
	struct ike_track_stats st;
	struct x509info_cache *certs;   /* recently parsed certificates */
};

/* The least recently active node (first member is the link). */
static struct ike_node *
oldest(const struct ike_track *t)
{
	return (struct ike_node *)t->lru.head;
}

const char *
ike_outcome_name(enum ike_outcome o)
{
	static const char *const names[] = {
		[IKE_OUT_PENDING] = "pending",
		[IKE_OUT_ESTABLISHED] = "established",
		[IKE_OUT_FAILED] = "failed",
		[IKE_OUT_UNANSWERED] = "unanswered",
		[IKE_OUT_RETRIED] = "retried",
		[IKE_OUT_ABANDONED] = "abandoned",
		[IKE_OUT_DELETED] = "deleted",
		[IKE_OUT_INCOMPLETE] = "incomplete",
		[IKE_OUT_MIDSTREAM] = "mid-stream",
	};

	if ((unsigned)o >= sizeof(names) / sizeof(names[0]))
		return "unknown";
	return names[o];
}

uint32_t
ike_digest(const uint8_t *bytes, size_t len)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ len, w;
	size_t i = 0;

	/* Eight bytes a step: retransmissions are byte-identical (RFC 7296
	 * 2.1), so any good mix of all bytes tells them from new messages. */
	for (; i + 8 <= len; i += 8) {
		memcpy(&w, bytes + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	for (; i < len; i++)
		h = (h ^ bytes[i]) * 0x100000001b3ULL;
	h ^= h >> 29;
	return (uint32_t)(h ^ (h >> 32));
}

static uint64_t
mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static uint64_t
spi_hash(const uint8_t spi[8])
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | spi[i];
	return mix64(v);
}

static uint64_t
addr_hash(const struct net_addr *a)
{
	uint64_t h = a->family;
	int i;

	for (i = 0; i < 16; i++)
		h = h * 131 + a->bytes[i];
	return h;
}

/* Unordered pair: the same for a->b and b->a. */
static uint64_t
pair_hash(const struct net_addr *a, const struct net_addr *b)
{
	return mix64(addr_hash(a) + addr_hash(b));
}

static bool
pair_eq(const struct ike_sa *sa, const struct net_addr *a,
    const struct net_addr *b)
{
	return (net_addr_eq(&sa->init_addr, a) &&
	    net_addr_eq(&sa->resp_addr, b)) ||
	    (net_addr_eq(&sa->init_addr, b) && net_addr_eq(&sa->resp_addr, a));
}

static bool
table_init(struct ike_table *t, size_t n)
{
	t->b = calloc(n, sizeof(*t->b));
	t->n_buckets = n;
	return t->b != NULL;
}

struct ike_track *
ike_track_new(ike_done_fn done, void *ctx)
{
	struct ike_track *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->done = done;
	t->ctx = ctx;
	if (!table_init(&t->by_spi, 4096) || !table_init(&t->by_pair, 4096) ||
	    (t->certs = x509info_cache_new()) == NULL) {
		free(t->by_spi.b);
		free(t->by_pair.b);
		free(t);
		return NULL;
	}
	return t;
}

static void
node_free(struct ike_node *n)
{
	free(n->sa.exch);
	free(n);
}

void
ike_track_free(struct ike_track *t)
{
	struct ike_node *n, *next;

	if (t == NULL)
		return;
	for (n = (struct ike_node *)t->lru.head; n != NULL; n = next) {
		next = (struct ike_node *)n->lru.next;
		node_free(n);
	}
	free(t->by_spi.b);
	free(t->by_pair.b);
	x509info_cache_free(t->certs);
	free(t);
}

static struct ike_node **
spi_bucket(struct ike_track *t, const uint8_t spi[8])
{
	return &t->by_spi.b[spi_hash(spi) & (t->by_spi.n_buckets - 1)];
}

static struct ike_node **
pair_bucket(struct ike_track *t, const struct net_addr *a,
    const struct net_addr *b)
{
	return &t->by_pair.b[pair_hash(a, b) & (t->by_pair.n_buckets - 1)];
}

/* Grows a table when it holds twice as many SAs as buckets. */
static void
maybe_grow(struct ike_track *t)
{
	struct ike_node **nb_spi, **nb_pair, *n;
	size_t nsize;

	if (t->live < t->by_spi.n_buckets * 2)
		return;
	nsize = t->by_spi.n_buckets * 4;
	nb_spi = calloc(nsize, sizeof(*nb_spi));
	nb_pair = calloc(nsize, sizeof(*nb_pair));
	if (nb_spi == NULL || nb_pair == NULL) {
		free(nb_spi);
		free(nb_pair);
		return; /* keep the old tables: slower, still correct */
	}
	/* Re-chain from the LRU list, oldest first, so newer SAs end up
	 * first in their chains as they were. */
	for (n = (struct ike_node *)t->lru.head; n != NULL;
	    n = (struct ike_node *)n->lru.next) {
		struct ike_node **b;

		b = &nb_spi[spi_hash(n->sa.spi_i) & (nsize - 1)];
		n->spi_next = *b;
		*b = n;
		b = &nb_pair[pair_hash(&n->sa.init_addr, &n->sa.resp_addr) &
		    (nsize - 1)];
		n->pair_next = *b;
		*b = n;
	}
	free(t->by_spi.b);
	free(t->by_pair.b);
	t->by_spi.b = nb_spi;
	t->by_pair.b = nb_pair;
	t->by_spi.n_buckets = nsize;
	t->by_pair.n_buckets = nsize;
}

static void
chain_remove(struct ike_node **b, struct ike_node *n, bool spi_chain)
{
	while (*b != NULL) {
		if (*b == n) {
			*b = spi_chain ? n->spi_next : n->pair_next;
			return;
		}
		b = spi_chain ? &(*b)->spi_next : &(*b)->pair_next;
	}
}

/* Hands an SA to the done callback and frees it. */
static void
finalise(struct ike_track *t, struct ike_node *n, int64_t end_ns,
    bool at_end)
{
	chain_remove(spi_bucket(t, n->sa.spi_i), n, true);
	chain_remove(pair_bucket(t, &n->sa.init_addr, &n->sa.resp_addr), n,
	    false);
	lru_unlink(&t->lru, &n->lru);
	t->live--;
	t->st.sas_live = t->live;
	if (t->done)
		t->done(&n->sa, end_ns, at_end, t->ctx);
	node_free(n);
}

static struct ike_node *
node_new(struct ike_track *t, const struct ike_meta *m,
    const struct ikev2_msg *msg, bool sender_is_initiator)
{
	struct ike_node *n;
	struct ike_sa *sa;

	if (t->live >= LIMIT_IKE_SAS && t->lru.head != NULL) {
		/* The cap finalises the least recently active SA early. */
		t->st.sas_dropped_limit++;
		finalise(t, oldest(t), t->now_ns, false);
	}
	n = calloc(1, sizeof(*n));
	if (n == NULL)
		return NULL;
	sa = &n->sa;
	sa->serial = ++t->next_serial;
	memcpy(sa->spi_i, msg->hdr.spi_i, 8);
	memcpy(sa->spi_r, msg->hdr.spi_r, 8);
	sa->ike_major = msg->hdr.major;
	sa->init_addr = sender_is_initiator ? *m->src : *m->dst;
	sa->resp_addr = sender_is_initiator ? *m->dst : *m->src;
	sa->init_port = sa->first_init_port = sender_is_initiator ? m->sport :
	    m->dport;
	sa->resp_port = sa->first_resp_port = sender_is_initiator ? m->dport :
	    m->sport;
	sa->first_ns = sa->last_ns = m->ns;
	sa->first_frame = sa->last_frame = m->frame;
	sa->input = m->input;
	sa->tunnel = m->tunnel;
	sa->auth_method = -1;
	n->spi_next = *spi_bucket(t, sa->spi_i);
	*spi_bucket(t, sa->spi_i) = n;
	n->pair_next = *pair_bucket(t, &sa->init_addr, &sa->resp_addr);
	*pair_bucket(t, &sa->init_addr, &sa->resp_addr) = n;
	lru_append(&t->lru, &n->lru);
	t->live++;
	t->st.sas_live = t->live;
	t->st.sas_total++;
	if (t->live > t->st.sas_live_peak)
		t->st.sas_live_peak = t->live;
	maybe_grow(t);
	return n;
}

static bool
spi_zero(const uint8_t spi[8])
{
	static const uint8_t zero[8];

	return memcmp(spi, zero, 8) == 0;
}

/*
 * Finds the SA a message belongs to. Candidates share SPIi; SPIr decides
 * when both sides have one. A zero SPIr in the message matches the
 * attempt still waiting for its IKE_SA_INIT answer (or any, for error
 * answers that carry no SPIr).
 */
static struct ike_node *
find_sa(struct ike_track *t, const struct ikev2_msg *msg)
{
	struct ike_node *n, *loose = NULL;
	bool msg_zero = spi_zero(msg->hdr.spi_r);

	for (n = *spi_bucket(t, msg->hdr.spi_i); n != NULL; n = n->spi_next) {
		bool sa_zero;

		if (memcmp(n->sa.spi_i, msg->hdr.spi_i, 8) != 0)
			continue;
		sa_zero = spi_zero(n->sa.spi_r);
		if (!msg_zero && !sa_zero) {
			if (memcmp(n->sa.spi_r, msg->hdr.spi_r, 8) == 0)
				return n;
			continue;
		}
		if (msg_zero && sa_zero)
			return n; /* newest first in the chain */
		if (loose == NULL)
			loose = n;
	}
	return loose;
}

static struct ike_exchange *
exch_append(struct ike_sa *sa)
{
	struct ike_exchange *e;

	sa->n_exch_total++;
	if (sa->n_exch == sa->exch_cap) {
		uint16_t ncap = sa->exch_cap ? (uint16_t)(sa->exch_cap * 2) : 4;

		if (sa->exch_cap >= IKE_SA_EXCHANGES)
			return NULL; /* counted only */
		if (ncap > IKE_SA_EXCHANGES)
			ncap = IKE_SA_EXCHANGES;
		e = realloc(sa->exch, ncap * sizeof(*e));
		if (e == NULL)
			return NULL;
		sa->exch = e;
		sa->exch_cap = ncap;
	}
	e = &sa->exch[sa->n_exch++];
	memset(e, 0, sizeof(*e));
	return e;
}

/* The exchange a request or response belongs to: same message ID, and
 * the request sent by the given side. Searches the recent ones. */
static struct ike_exchange *
exch_find(struct ike_sa *sa, uint32_t msg_id, bool req_from_initiator)
{
	int i, stop = sa->n_exch > PAIR_SEARCH ? sa->n_exch - PAIR_SEARCH : 0;

	for (i = sa->n_exch - 1; i >= stop; i--) {
		struct ike_exchange *e = &sa->exch[i];

		if (e->msg_id == msg_id &&
		    e->from_initiator == req_from_initiator)
			return e;
	}
	return NULL;
}

static void
join_vendor(struct ike_sa *sa, const char *name)
{
	size_t used = strlen(sa->vendors);

	if (strstr(sa->vendors, name) != NULL)
		return;
	snprintf(sa->vendors + used, sizeof(sa->vendors) - used, "%s%s",
	    used ? ", " : "", name);
}

static void
note_vendors(struct ike_sa *sa, const struct ikev2_msg *msg)
{
	uint8_t i;

	for (i = 0; i < msg->n_vendor && i < 8; i++) {
		struct rd v = msg->vendor[i];
		size_t len = rd_left(&v);
		const uint8_t *b = rd_bytes(&v, len);
		const char *name = b ? vendor_id_name(b, len) : NULL;

		join_vendor(sa, name ? name : "unknown vendor");
	}
}

static void
copy_text(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* CA key hashes of a CERTREQ (RFC 7296 3.7: SHA-1 of the CA's
 * SubjectPublicKeyInfo, concatenated). */
static void
note_certreq(struct ike_sa *sa, const struct ikev2_msg *msg, bool from_init)
{
	struct rd h = msg->ca_hashes;
	uint8_t *n = from_init ? &sa->n_req_ca_i : &sa->n_req_ca_r;
	uint8_t (*dst)[20] = from_init ? sa->req_ca_i : sa->req_ca_r;

	if (msg->n_certreq == 0 || msg->certreq_enc != IKEV2_CERT_X509_SIG)
		return;
	while (*n < 4 && rd_left(&h) >= 20)
		rd_copy(&h, dst[(*n)++], 20);
}

/* The sender's certificates (RFC 7296 3.6, X.509 signature encoding):
 * the first is the end certificate; any of them may be the CA the peer's
 * CERTREQ asked for. */
static void
note_certs(struct x509info_cache *cache, struct ike_sa *sa,
    const struct ikev2_msg *msg, bool from_init, int64_t ns)
{
	struct ike_cert_seen *c = from_init ? &sa->cert_i : &sa->cert_r;
	uint8_t (*req)[20] = from_init ? sa->req_ca_r : sa->req_ca_i;
	uint8_t n_req = from_init ? sa->n_req_ca_r : sa->n_req_ca_i;
	uint8_t i, k;

	for (i = 0; i < msg->n_cert && i < 4; i++) {
		struct rd d = msg->certs[i];
		size_t len = rd_left(&d);
		const uint8_t *der = rd_bytes(&d, len);
		struct x509info x;

		if (msg->cert_encs[i] != IKEV2_CERT_X509_SIG ||
		    der == NULL ||
		    x509info_parse_cached(cache, der, len, &x) != RC_OK)
			continue;
		for (k = 0; k < n_req; k++)
			if (memcmp(req[k], x.spki_sha1, 20) == 0)
				c->from_requested_ca = true;
		if (i != 0)
			continue;
		c->present = true;
		copy_text(c->subject, sizeof(c->subject), x.subject);
		copy_text(c->issuer, sizeof(c->issuer), x.issuer);
		c->not_before = x.not_before;
		c->not_after = x.not_after;
		c->used_at = ns / 1000000000LL;
		memcpy(c->sha1, x.sha1, 20);
	}
	c->n_chain = msg->n_cert;
}

/* What an IKE_SA_INIT request tells us (RFC 7296 1.2). */
static void
note_init_request(struct ike_sa *sa, const struct ikev2_msg *msg)
{
	uint8_t i;

	sa->seen_init_request = true;
	if (msg->has_sa) {
		sa->n_offers_total = msg->n_prop;
		sa->n_offers = msg->n_prop < IKE_SA_OFFERS ? msg->n_prop :
		    IKE_SA_OFFERS;
		for (i = 0; i < sa->n_offers; i++)
			sa->offers[i] = msg->prop[i];
	}
	if (msg->has_ke)
		sa->ke_group_offered = msg->ke_group;
	if (msg->n_certreq) {
		sa->certreq_from_init = true;
		note_certreq(sa, msg, true);
	}
	if (ikev2_msg_notify(msg, IKEV2_N_IKEV2_FRAGMENTATION_SUPPORTED))
		sa->frag_supported_i = true;
}

/* What an IKE_SA_INIT response tells us. */
static void
note_init_response(struct ike_node *n, const struct ikev2_msg *msg)
{
	struct ike_sa *sa = &n->sa;
	const struct ikev2_notif *err = ikev2_msg_error_notify(msg);

	if (spi_zero(sa->spi_r) && !spi_zero(msg->hdr.spi_r))
		memcpy(sa->spi_r, msg->hdr.spi_r, 8);
	if (msg->has_sa && msg->n_prop > 0) {
		sa->has_chosen = true;
		sa->chosen = msg->prop[0];
	}
	if (msg->n_certreq) {
		sa->certreq_from_resp = true;
		sa->n_ca_hashes = msg->n_ca_hashes;
		note_certreq(sa, msg, false);
	}
	if (ikev2_msg_notify(msg, IKEV2_N_IKEV2_FRAGMENTATION_SUPPORTED))
		sa->frag_supported_r = true;
	if (ikev2_msg_notify(msg, IKEV2_N_COOKIE)) {
		sa->cookie_requested = true;
		n->reject_retry = true;
	}
	if (err && err->type == IKEV2_N_INVALID_KE_PAYLOAD) {
		if (err->has_value)
			sa->ke_group_requested = (uint16_t)err->value;
		n->reject_retry = true;
	}
}

static void
note_notifies(struct ike_sa *sa, const struct ikev2_msg *msg)
{
	const struct ikev2_notif *ms = ikev2_msg_notify(msg,
	    IKEV2_N_MS_STATUS);

	if (ms != NULL && ms->has_value) {
		sa->ms_status_seen = true;
		sa->ms_status = ms->value;
	}
}

/* Keeps a message's payload chain compactly (text is made on output:
 * formatting it for every message cost more than decoding it). */
static void
keep_chain(struct ike_chain *c, const struct ikev2_msg *msg)
{
	uint16_t i;

	c->n_pl = (uint8_t)(msg->n_pl < sizeof(c->pl) ? msg->n_pl :
	    sizeof(c->pl));
	for (i = 0; i < c->n_pl; i++)
		c->pl[i] = msg->pl[i].type;
	c->n_nt = (uint8_t)(msg->n_notify < 6 ? msg->n_notify : 6);
	for (i = 0; i < c->n_nt; i++)
		c->nt[i] = msg->notify[i].type;
	c->decrypted = msg->decrypted;
	c->inner_at = (uint8_t)(msg->inner_start < 255 ? msg->inner_start :
	    255);
	c->sk_inner = msg->has_sk ? msg->sk_inner : 0;
}

char *
ike_exchange_chain(const struct ike_exchange *e, bool response, char *dst,
    size_t len)
{
	const struct ike_chain *c = response ? &e->resp : &e->req;
	bool from_init = response ? !e->from_initiator : e->from_initiator;
	size_t used = 0;
	uint8_t i, n = 0;
	bool sk = false;
	int w;

	if (len == 0)
		return dst;
	dst[0] = '\0';
	for (i = 0; i < c->n_pl && used < len; i++) {
		uint8_t t = c->pl[i];
		const char *sep = i == 0 ? "" : (c->decrypted &&
		    i == c->inner_at) ? "{" : " ";

		if (t == IKEV2_PT_SK || t == IKEV2_PT_SKF)
			sk = true;
		if (t == IKEV2_PT_NOTIFY && n < c->n_nt)
			w = snprintf(dst + used, len - used, "%sN(%s)", sep,
			    ikev2_name(IKEV2_REG_NOTIFY, c->nt[n++]));
		else
			w = snprintf(dst + used, len - used, "%s%s", sep,
			    ikev2_payload_abbrev(t, from_init));
		if (w < 0)
			break;
		used += (size_t)w;
	}
	if (used < len && c->decrypted)
		snprintf(dst + used, len - used, "%s", c->inner_at < c->n_pl ?
		    "}" : "{}");
	else if (sk && used < len)
		snprintf(dst + used, len - used, "{%s}",
		    ikev2_payload_short(c->sk_inner));
	return dst;
}

bool
ike_exchange_notify_first(const struct ike_exchange *e, bool response)
{
	const struct ike_chain *c = response ? &e->resp : &e->req;

	return !c->decrypted && c->n_pl > 0 &&
	    (c->pl[c->n_pl - 1] == IKEV2_PT_SK ||
	    c->pl[c->n_pl - 1] == IKEV2_PT_SKF) &&
	    c->sk_inner == IKEV2_PT_NOTIFY;
}

static void
fill_side(struct ike_exchange *e, bool response, const struct ike_meta *m,
    const struct ikev2_msg *msg, uint32_t digest)
{
	const struct ikev2_notif *err = ikev2_msg_error_notify(msg);
	uint16_t frags = msg->is_skf ? msg->skf_total : m->ip_fragments;

	if (msg->decrypted)
		e->decrypted = true;
	if (msg->is_skf) {
		uint64_t bit = 1ULL << ((msg->skf_number - 1u) & 63u);

		if (response)
			e->resp_skf_seen |= bit;
		else
			e->req_skf_seen |= bit;
	}
	if (response) {
		e->answered = true;
		e->resp_frame = m->frame;
		e->resp_ns = m->ns;
		e->resp_digest = digest;
		e->resp_len = msg->hdr.length;
		e->resp_sk_len = msg->has_sk ? msg->sk_len : 0;
		e->resp_frags = frags;
		if (err != NULL) {
			e->resp_error = err->type;
			e->resp_error_value = err->has_value ? err->value : 0;
		}
		keep_chain(&e->resp, msg);
	} else {
		e->request_seen = true;
		e->req_frame = m->frame;
		e->req_ns = e->last_req_ns = m->ns;
		e->req_digest = digest;
		e->req_len = msg->hdr.length;
		e->req_sk_len = msg->has_sk ? msg->sk_len : 0;
		e->req_frags = frags;
		if (err != NULL)
			e->req_error = err->type;
		keep_chain(&e->req, msg);
	}
}

/* Copies an identity payload as text: FQDN/RFC822/KEY_ID as printable
 * text, addresses in their usual form, DNs and others as hex. */
static void
id_text(const struct ikev2_identity *id, char *dst, size_t len)
{
	struct rd d = id->data;
	size_t n = rd_left(&d), i, used = 0;
	const uint8_t *b = rd_bytes(&d, n);
	struct net_addr a;

	dst[0] = '\0';
	if (b == NULL)
		return;
	if ((id->type == IKEV2_ID_IPV4_ADDR && n == 4) ||
	    (id->type == IKEV2_ID_IPV6_ADDR && n == 16)) {
		memset(&a, 0, sizeof(a));
		a.family = n == 4 ? 4 : 6;
		memcpy(a.bytes, b, n);
		net_addr_str(&a, dst, len);
		return;
	}
	for (i = 0; i < n && used + 4 < len; i++) {
		bool text = id->type == IKEV2_ID_FQDN ||
		    id->type == IKEV2_ID_RFC822_ADDR;

		if (text && b[i] >= 0x20 && b[i] < 0x7f)
			dst[used++] = (char)b[i];
		else
			used += (size_t)snprintf(dst + used, len - used,
			    text ? "\\x%02x" : "%02x", b[i]);
	}
	dst[used < len ? used : len - 1] = '\0';
}

/* The first CHILD SA's proposals and selectors (RFC 7296 1.2). */
static void
note_child(struct ike_sa *sa, const struct ikev2_msg *msg, bool from_init)
{
	uint8_t i;

	if (msg->has_sa && from_init && sa->n_child_offers == 0) {
		sa->n_child_offers = msg->n_prop < 2 ? msg->n_prop : 2;
		for (i = 0; i < sa->n_child_offers; i++)
			sa->child_offers[i] = msg->prop[i];
	}
	if (msg->has_sa && !from_init && msg->n_prop > 0) {
		sa->has_child_chosen = true;
		sa->child_chosen = msg->prop[0];
	}
	/* The responder's narrowed selectors win over the offer. */
	if ((msg->n_tsi || msg->n_tsr) && (!from_init || sa->n_tsi == 0)) {
		sa->n_tsi = msg->n_tsi < 4 ? msg->n_tsi : 4;
		sa->n_tsr = msg->n_tsr < 4 ? msg->n_tsr : 4;
		for (i = 0; i < sa->n_tsi; i++)
			sa->tsi[i] = msg->tsi[i];
		for (i = 0; i < sa->n_tsr; i++)
			sa->tsr[i] = msg->tsr[i];
	}
}

/* What decrypted IKE_AUTH / CREATE_CHILD_SA payloads tell the SA. */
static void
note_decrypted(struct ike_track *t, struct ike_sa *sa,
    const struct ikev2_msg *msg, int64_t ns)
{
	bool from_init = (msg->hdr.flags & IKEV2_FLAG_INITIATOR) != 0;
	uint8_t i;

	sa->decrypted++;
	if (msg->idi.present)
		id_text(&msg->idi, sa->id_i, sizeof(sa->id_i));
	if (msg->idr.present)
		id_text(&msg->idr, sa->id_r, sizeof(sa->id_r));
	if (msg->has_auth && from_init)
		sa->auth_method = msg->auth_method;
	if (msg->n_cert && from_init)
		sa->auth_has_cert_i = true;
	if (msg->n_cert)
		note_certs(t->certs, sa, msg, from_init, ns);
	if (msg->n_certreq)
		note_certreq(sa, msg, from_init);
	if (msg->hdr.exchange == IKEV2_EXCH_IKE_AUTH)
		note_child(sa, msg, from_init);
	for (i = 0; i < msg->n_prop && msg->has_sa; i++) {
		const struct ikev2_proposal *p = &msg->prop[i];
		struct rd r;
		uint32_t spi;
		uint8_t k;
		bool known = false;

		if (p->protocol != IKEV2_PROTO_ESP || p->spi_size != 4)
			continue;
		r = rd_init(p->spi, 4);
		spi = rd_be32(&r);
		for (k = 0; k < sa->n_child_spis; k++)
			known |= sa->child_spis[k] == spi;
		if (!known && sa->n_child_spis < 8)
			sa->child_spis[sa->n_child_spis++] = spi;
	}
}

/* Counters kept per exchange type beyond the timeline. */
static void
count_exchange(struct ike_sa *sa, const struct ikev2_msg *msg, bool request)
{
	if (!request)
		return;
	switch (msg->hdr.exchange) {
	case IKEV2_EXCH_CREATE_CHILD_SA:
		sa->child_creates++;
		break;
	case IKEV2_EXCH_INFORMATIONAL:
		sa->informational++;
		/* SK's next-payload names the first inner payload even when
		 * encrypted: none = empty INFORMATIONAL = liveness check. */
		if (msg->has_sk && msg->sk_inner == IKEV2_PT_NONE)
			sa->liveness++;
		else if ((msg->has_sk && msg->sk_inner == IKEV2_PT_DELETE) ||
		    msg->n_delete)
			sa->deletes++;
		break;
	default:
		break;
	}
}

static void
note_liveness_gap(struct ike_sa *sa, const struct ikev2_msg *msg,
    int64_t ns)
{
	int64_t gap;

	if (msg->hdr.exchange != IKEV2_EXCH_INFORMATIONAL || !msg->has_sk ||
	    msg->sk_inner != IKEV2_PT_NONE)
		return;
	if (sa->liveness_last_ns != 0) {
		gap = ns - sa->liveness_last_ns;
		if (gap > sa->liveness_max_gap_ns)
			sa->liveness_max_gap_ns = gap;
	}
	sa->liveness_last_ns = ns;
}

/*
 * RFC 7383: the fragments of one message share its message ID. A fragment
 * not yet seen joins its exchange (its bytes add up); fragment 1 seen
 * again means the whole message was retransmitted. Returns true when the
 * message was absorbed here.
 */
static bool
skf_absorb(struct ike_exchange *e, const struct ikev2_msg *msg,
    bool response, bool *retransmitted)
{
	uint64_t bit, *seen;

	*retransmitted = false;
	if (!msg->is_skf)
		return false;
	seen = response ? &e->resp_skf_seen : &e->req_skf_seen;
	if (*seen == 0)
		return false;
	bit = 1ULL << ((msg->skf_number - 1u) & 63u);
	if (msg->decrypted) {
		/* The last fragment completed the message: what it says
		 * replaces the encrypted view. */
		const struct ikev2_notif *err = ikev2_msg_error_notify(msg);

		e->decrypted = true;
		if (response) {
			e->resp_error = err ? err->type : 0;
			e->resp_error_value = err && err->has_value ?
			    err->value : 0;
			keep_chain(&e->resp, msg);
		} else {
			e->req_error = err ? err->type : 0;
			keep_chain(&e->req, msg);
		}
	}
	if (*seen & bit) {
		*retransmitted = msg->skf_number == 1;
		return true;
	}
	*seen |= bit;
	if (response) {
		e->resp_len += msg->hdr.length;
		e->resp_sk_len += msg->sk_len;
	} else {
		e->req_len += msg->hdr.length;
		e->req_sk_len += msg->sk_len;
	}
	return true;
}

/* A request: new exchange, or a retransmission of one we have. */
static void
track_request(struct ike_track *t, struct ike_node *n,
    const struct ike_meta *m, const struct ikev2_msg *msg, uint32_t digest)
{
	struct ike_sa *sa = &n->sa;
	bool from_init = (msg->hdr.flags & IKEV2_FLAG_INITIATOR) != 0;
	struct ike_exchange *e = exch_find(sa, msg->hdr.msg_id, from_init);
	bool again;

	if (e != NULL && e->request_seen && skf_absorb(e, msg, false, &again)) {
		if (again) {
			e->retransmissions++;
			e->last_req_ns = m->ns;
			sa->retransmissions++;
			t->st.retransmissions++;
		}
		return;
	}
	if (e != NULL && e->request_seen && e->req_digest == digest) {
		e->retransmissions++;
		e->last_req_ns = m->ns;
		sa->retransmissions++;
		t->st.retransmissions++;
		return;
	}
	if (e != NULL && !e->request_seen) {
		fill_side(e, false, m, msg, digest);
		return;
	}
	count_exchange(sa, msg, true);
	note_liveness_gap(sa, msg, m->ns);
	e = exch_append(sa);
	if (e == NULL)
		return;
	e->exchange = msg->hdr.exchange;
	e->from_initiator = from_init;
	e->msg_id = msg->hdr.msg_id;
	fill_side(e, false, m, msg, digest);
}

static void
track_response(struct ike_track *t, struct ike_node *n,
    const struct ike_meta *m, const struct ikev2_msg *msg, uint32_t digest)
{
	struct ike_sa *sa = &n->sa;
	bool from_init = (msg->hdr.flags & IKEV2_FLAG_INITIATOR) != 0;
	struct ike_exchange *e = exch_find(sa, msg->hdr.msg_id, !from_init);
	bool again;

	if (e != NULL && e->answered && skf_absorb(e, msg, true, &again)) {
		if (again) {
			e->resp_dups++;
			t->st.dup_responses++;
		}
		return;
	}
	if (e != NULL && e->answered) {
		e->resp_dups++;
		t->st.dup_responses++;
		return;
	}
	if (e == NULL) {
		t->st.orphan_responses++;
		e = exch_append(sa);
		if (e == NULL)
			return;
		e->exchange = msg->hdr.exchange;
		e->from_initiator = !from_init;
		e->msg_id = msg->hdr.msg_id;
	}
	fill_side(e, true, m, msg, digest);
	if (msg->hdr.exchange == IKEV2_EXCH_IKE_AUTH &&
	    !(msg->has_sk && msg->sk_inner == IKEV2_PT_EAP) &&
	    !(msg->has_sk && msg->sk_inner == IKEV2_PT_NOTIFY &&
	    !msg->decrypted) && (ikev2_msg_error_notify(msg) == NULL ||
	    msg->idr.present))
		n->auth_done_ns = m->ns;
}

/*
 * An IKE_SA_INIT request that is not a retransmission may start a new
 * attempt: either the SA's first answer asked for a retry (same SPIi),
 * or a recent attempt between the same peers did (new SPIi).
 */
static struct ike_node *
retry_source(struct ike_track *t, struct ike_node *same_spi,
    const struct ike_meta *m)
{
	struct ike_node *p;

	if (same_spi != NULL)
		return same_spi;
	for (p = *pair_bucket(t, m->src, m->dst); p != NULL;
	    p = p->pair_next) {
		if (!p->reject_retry || p->sa.retried_by != 0)
			continue;
		if (!net_addr_eq(&p->sa.init_addr, m->src) ||
		    !net_addr_eq(&p->sa.resp_addr, m->dst))
			continue;
		if (m->ns - p->sa.last_ns <= RETRY_WINDOW_NS)
			return p;
	}
	return NULL;
}

static struct ike_node *
start_attempt(struct ike_track *t, struct ike_node *old,
    const struct ike_meta *m, const struct ikev2_msg *msg)
{
	struct ike_node *prev = retry_source(t, old, m);
	struct ike_node *n = node_new(t, m, msg, true);

	if (n == NULL)
		return NULL;
	if (prev != NULL) {
		n->sa.retry_of = prev->sa.serial;
		prev->sa.retried_by = n->sa.serial;
		prev->sa.outcome = IKE_OUT_RETRIED;
	}
	return n;
}

/* Routes an IKE_SA_INIT request to its SA (new, retry or the same). */
static struct ike_node *
init_request_sa(struct ike_track *t, struct ike_node *n,
    const struct ike_meta *m, const struct ikev2_msg *msg, uint32_t digest)
{
	const struct ike_exchange *first;

	if (n == NULL)
		return start_attempt(t, NULL, m, msg);
	first = n->sa.n_exch ? &n->sa.exch[0] : NULL;
	if (first != NULL && first->exchange == IKEV2_EXCH_IKE_SA_INIT &&
	    first->request_seen && first->req_digest != digest)
		return start_attempt(t, n, m, msg);
	return n;
}

static void
touch(struct ike_track *t, struct ike_node *n, const struct ike_meta *m)
{
	struct ike_sa *sa = &n->sa;
	bool from_init = net_addr_eq(m->src, &sa->init_addr);

	/* A capture merged from several interfaces may be a little out
	 * of time order: the SA spans the earliest to the latest stamp. */
	if (m->ns < sa->first_ns)
		sa->first_ns = m->ns;
	if (m->ns > sa->last_ns)
		sa->last_ns = m->ns;
	sa->last_frame = m->frame;
	sa->messages++;
	if (m->nat_marker || m->sport == 4500 || m->dport == 4500)
		sa->nat_t = true;
	if (from_init) {
		sa->init_port = m->sport;
		sa->resp_port = m->dport;
	} else if (net_addr_eq(m->src, &sa->resp_addr)) {
		sa->resp_port = m->sport;
		sa->init_port = m->dport;
	}
	lru_touch(&t->lru, &n->lru);
}

void
ike_track_message(struct ike_track *t, const struct ike_meta *m,
    const struct ikev2_msg *msg)
{
	bool response = (msg->hdr.flags & IKEV2_FLAG_RESPONSE) != 0;
	bool from_init = (msg->hdr.flags & IKEV2_FLAG_INITIATOR) != 0;
	uint32_t digest = ike_digest(m->bytes, m->len);
	struct ike_node *n;

	if (m->ns > t->now_ns)
		t->now_ns = m->ns;
	t->st.messages++;
	n = find_sa(t, msg);
	if (msg->hdr.exchange == IKEV2_EXCH_IKE_SA_INIT && !response &&
	    msg->hdr.msg_id == 0)
		n = init_request_sa(t, n, m, msg, digest);
	else if (n == NULL)
		n = node_new(t, m, msg, from_init);
	if (n == NULL)
		return;
	if (n->sa.n_exch_total == 0 && msg->hdr.exchange !=
	    IKEV2_EXCH_IKE_SA_INIT)
		n->sa.outcome = IKE_OUT_MIDSTREAM;
	touch(t, n, m);
	if (msg->err != RC_OK)
		n->sa.malformed++;
	if (msg->decrypted)
		note_decrypted(t, &n->sa, msg, m->ns);
	if (m->decrypt_failed)
		n->sa.decrypt_failed++;
	note_notifies(&n->sa, msg);
	if (msg->n_vendor)
		note_vendors(&n->sa, msg);
	if (msg->hdr.exchange == IKEV2_EXCH_IKE_SA_INIT) {
		if (response)
			note_init_response(n, msg);
		else
			note_init_request(&n->sa, msg);
	}
	if (response)
		track_response(t, n, m, msg, digest);
	else
		track_request(t, n, m, msg, digest);
}

void
ike_track_icmp(struct ike_track *t, const struct net_addr *src,
    const struct net_addr *dst, int64_t ns)
{
	struct ike_node *p;

	(void)ns;
	for (p = *pair_bucket(t, src, dst); p != NULL; p = p->pair_next)
		if (pair_eq(&p->sa, src, dst)) {
			p->sa.icmp_unreachable++;
			return;
		}
}

uint64_t
ike_track_esp(struct ike_track *t, const struct net_addr *src,
    const struct net_addr *dst, uint32_t spi, int64_t ns, bool *exact)
{
	struct ike_node *p, *best = NULL;
	int candidates = 0;
	uint8_t k;

	*exact = false;
	for (p = *pair_bucket(t, src, dst); p != NULL; p = p->pair_next) {
		if (!pair_eq(&p->sa, src, dst))
			continue;
		for (k = 0; k < p->sa.n_child_spis; k++)
			if (p->sa.child_spis[k] == spi) {
				/* Negotiated in a decrypted SA payload. */
				p->sa.esp_after_auth++;
				p->sa.esp_sas++;
				*exact = true;
				return p->sa.serial;
			}
		if (p->auth_done_ns == 0 || p->auth_done_ns > ns)
			continue;
		candidates++;
		if (best == NULL || p->auth_done_ns > best->auth_done_ns)
			best = p;
	}
	if (best == NULL)
		return 0;
	best->sa.esp_after_auth++;
	best->sa.esp_sas++;
	/* Several live IKE SAs on one pair (rekeyed): the newest owns new
	 * ESP SAs, but the link is only reported when unambiguous. */
	return candidates == 1 ? best->sa.serial : 0;
}

void
ike_track_expire(struct ike_track *t, int64_t now_ns)
{
	int64_t horizon = now_ns - (int64_t)LIMIT_SA_IDLE_SEC * NS_PER_SEC;

	if (now_ns > t->now_ns)
		t->now_ns = now_ns;
	while (t->lru.head != NULL && oldest(t)->sa.last_ns < horizon)
		finalise(t, oldest(t), now_ns, false);
}

void
ike_track_flush(struct ike_track *t, int64_t end_ns)
{
	/* Oldest first, so retried attempts are final before their retry. */
	while (t->lru.head != NULL)
		finalise(t, oldest(t), end_ns, true);
}

const struct ike_track_stats *
ike_track_stats(const struct ike_track *t)
{
	return &t->st;
}
