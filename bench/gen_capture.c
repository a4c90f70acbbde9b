/*
 * gen_capture: deterministic generator of IPsec gateway captures.
 *
 *   gen_capture --size 2G --seed 1 --out FILE [--linktype eth|sll2]
 *               [--keys KEYFILE]
 *   gen_capture --scenario NAME --out FILE [--keys KEYFILE]
 *   gen_capture --list-scenarios
 *
 * Bulk mode simulates a VPN gateway (192.0.2.1-3, 2001:db8:ffff::1) with
 * about 600 concurrent remote-access clients (10.0.0.0/8, 2001:db8::/32,
 * NATed clients behind 198.51.100.0/24 and 203.0.113.0/24) and keeps
 * replacing finished IKE SAs until the file reaches --size: thousands of
 * IKE SAs, each IKE_SA_INIT, IKE_AUTH (SK; some in SKF fragments or IP
 * fragments), INFORMATIONAL liveness, CREATE_CHILD_SA rekeys and Delete,
 * NAT-T float to UDP 4500 with keepalives and ESP-in-UDP (RFC 3948), and
 * ESP carrying about 95% of the bytes. A few percent of SAs fail the ways
 * gateways see in the field (NO_PROPOSAL_CHOSEN, INVALID_KE_PAYLOAD retry
 * and loops, unanswered IKE_SA_INIT and IKE_AUTH, CERTREQ then silence,
 * AUTHENTICATION_FAILED). Every packet is produced by one SA event taken
 * from a time-ordered heap, so timestamps never go backwards, and all
 * randomness comes from the seed: the same arguments give the same bytes.
 *
 * Scenario mode writes one small capture per situation for samples/
 * (see samples/README.md). --keys encrypts every SK payload with per-SA
 * AES-CBC-256 / HMAC-SHA2-256-128 keys and writes them as a Wireshark
 * ikev2_decryption_table. References: RFC 7296, RFC 7383, RFC 3948,
 * RFC 4303, RFC 2408/2409 (IKEv1 scenario).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/gen_cert.h"
#include "bench/gen_ike.h"
#include "bench/gen_wire.h"

#define US		1000000ull
#define MS		1000ull
#define T_START		(1768464000ull * US)	/* 2026-01-15T08:00:00Z */
#define CONCURRENT	600u
#define CLIENTS		4000u
#define POOL_LEN	(1u << 20)
#define MSG_CAP		4096u
#define MAX_FRAGS	4u
#define SKF_SIZE	1152u
#define NEVER		UINT64_MAX

enum sa_kind {
	K_OK, K_NOPROP, K_INVKE, K_INVKE_LOOP, K_INIT_TIMEOUT,
	K_AUTH_TIMEOUT, K_CERTREQ_SILENT, K_AUTH_FAIL, K_MS_STATUS, K__COUNT
};

static const char *const kind_name[K__COUNT] = {
	"ok", "no_proposal_chosen", "invalid_ke_retry", "invalid_ke_loop",
	"init_timeout", "auth_timeout", "certreq_silent", "auth_failed",
	"ms_status",
};

enum sa_step { S_INIT_REQ, S_INIT_RESP, S_AUTH_REQ, S_AUTH_RESP, S_UP };
enum pend { P_NONE, P_DPD, P_REKEY, P_DELCHILD, P_DELIKE };

/* Per-SA options a scenario can force. */
struct sa_opts {
	enum sa_kind kind;
	bool v6, nat, cert, frag, certreq, replay_demo;
	uint64_t life_us;	/* time from IKE_AUTH to Delete */
	double esp_mean_s;	/* mean gap between ESP packets */
	unsigned esp_min, esp_max; /* IP packet sizes */
	uint64_t dpd_mean_us, rekey_us; /* NEVER: none */
};

struct sa {
	uint64_t t_next;
	uint32_t id;
	uint32_t heap_i;
	struct sa_opts o;
	enum sa_step step;
	enum pend pend;
	unsigned tries;
	bool floated;
	uint8_t ispi[8], rspi[8];
	struct gaddr cl, gw, cl_inner;	/* cl: as seen at the gateway */
	unsigned cl_port, cl_port_float, group, want_group;
	uint32_t mid_cl, mid_gw;	/* next request Message IDs */
	uint32_t spi_cl, spi_gw, old_spi_cl, old_spi_gw;
	uint32_t new_spi_cl;		/* offered in a pending rekey */
	uint32_t seq_cl, seq_gw;
	uint64_t t_esp, t_ka, t_dpd, t_rekey, t_end, t_pend, t_delchild;
	bool pend_by_client;
	struct grng rng, rtx;
	struct ike_keys keys;
};

struct sim {
	struct gout *out;
	FILE *keys;
	struct grng rng;
	uint64_t seed;
	uint64_t target;	/* bytes; 0 = scenario mode */
	bool stopping;
	struct sa **heap;
	size_t nheap, capheap;
	uint32_t next_id;
	uint8_t *pool;
	uint64_t nsa[K__COUNT];
	uint64_t esp_bytes, ike_msgs, t_last;
	uint8_t msg[MSG_CAP], inner[MSG_CAP], wire[MSG_CAP];
	uint8_t frag[MAX_FRAGS][1600];
};

/* Min-heap on (t_next, id): ties resolve the same way every run. */
static bool
sa_before(const struct sa *a, const struct sa *b)
{
	return a->t_next < b->t_next ||
	    (a->t_next == b->t_next && a->id < b->id);
}

static void
heap_swap(struct sim *s, size_t i, size_t j)
{
	struct sa *t = s->heap[i];

	s->heap[i] = s->heap[j];
	s->heap[j] = t;
	s->heap[i]->heap_i = (uint32_t)i;
	s->heap[j]->heap_i = (uint32_t)j;
}

static void
heap_down(struct sim *s, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;

		if (l < s->nheap && sa_before(s->heap[l], s->heap[m]))
			m = l;
		if (l + 1 < s->nheap && sa_before(s->heap[l + 1], s->heap[m]))
			m = l + 1;
		if (m == i)
			return;
		heap_swap(s, i, m);
		i = m;
	}
}

static void
heap_up(struct sim *s, size_t i)
{
	while (i > 0 && sa_before(s->heap[i], s->heap[(i - 1) / 2])) {
		heap_swap(s, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static int
heap_push(struct sim *s, struct sa *a)
{
	if (s->nheap == s->capheap) {
		size_t n = s->capheap ? 2 * s->capheap : 1024;
		struct sa **h = realloc(s->heap, n * sizeof(*h));

		if (h == NULL)
			return -1;
		s->heap = h;
		s->capheap = n;
	}
	s->heap[s->nheap] = a;
	a->heap_i = (uint32_t)s->nheap;
	s->nheap++;
	heap_up(s, s->nheap - 1);
	return 0;
}

static struct sa *
heap_pop(struct sim *s)
{
	struct sa *a = s->heap[0];

	s->nheap--;
	if (s->nheap > 0) {
		s->heap[0] = s->heap[s->nheap];
		s->heap[0]->heap_i = 0;
		heap_down(s, 0);
	}
	return a;
}

static uint64_t
ms_rand(struct grng *r, unsigned lo, unsigned hi)
{
	return (lo + grng_below(r, hi - lo + 1)) * MS;
}

/* Sends one IKE message between the SA's client and gateway, on 500 or,
 * after the NAT-T float, on 4500 behind the non-ESP marker (RFC 3948 2.2). */
static void
send_ike(struct sim *s, struct sa *a, uint64_t t, bool from_cl,
    const uint8_t *msg, size_t len, size_t mtu)
{
	const uint8_t *pl = msg;
	unsigned cp = a->floated ? a->cl_port_float : a->cl_port;
	unsigned gp = a->floated ? 4500 : 500;

	if (len == 0)
		return;
	if (a->floated) {
		memset(s->wire, 0, 4);
		memcpy(s->wire + 4, msg, len);
		pl = s->wire;
		len += 4;
	}
	s->ike_msgs++;
	if (from_cl)
		gout_udp(s->out, t, &a->cl, cp, &a->gw, gp, pl, len, mtu);
	else
		gout_udp(s->out, t, &a->gw, gp, &a->cl, cp, pl, len, mtu);
}

static void
ike_props(struct sa *a, struct ike_prop *p, size_t *n, bool chosen)
{
	static const struct ike_prop legacy = { 1, PROTO_IKE, 0, 4, {
	    { XF_ENCR, 3, 0 }, { XF_PRF, 2, 0 }, { XF_INTEG, 2, 0 },
	    { XF_KE, 2, 0 } } };
	static const struct ike_prop cbc = { 1, PROTO_IKE, 0, 8, {
	    { XF_ENCR, 12, 256 }, { XF_ENCR, 12, 128 }, { XF_PRF, 5, 0 },
	    { XF_PRF, 6, 0 }, { XF_INTEG, 12, 0 }, { XF_INTEG, 13, 0 },
	    { XF_KE, 0, 0 }, { XF_KE, 0, 0 } } };
	static const struct ike_prop gcm = { 2, PROTO_IKE, 0, 3, {
	    { XF_ENCR, 20, 256 }, { XF_PRF, 5, 0 }, { XF_KE, 0, 0 } } };

	if (a->o.kind == K_NOPROP) {
		p[0] = legacy;
		*n = 1;
		return;
	}
	if (chosen) {
		p[0] = cbc;
		p[0].nxf = 4;
		p[0].xf[1] = cbc.xf[2];
		p[0].xf[2] = cbc.xf[4];
		p[0].xf[3].type = XF_KE;
		p[0].xf[3].id = (uint16_t)a->group;
		*n = 1;
		return;
	}
	p[0] = cbc;
	p[0].xf[6].id = (uint16_t)a->group;
	p[0].xf[7].id = (uint16_t)(a->group == 14 ? 19 : 14);
	p[1] = gcm;
	p[1].xf[2].id = (uint16_t)a->group;
	*n = 2;
}

static void
vendor_ids(struct ike_chain *c, bool ms)
{
	static const uint8_t vid_ss[16] = { 0x88, 0x2f, 0xe5, 0x6d, 0x6f,
	    0xd2, 0x0d, 0xbc, 0x22, 0x51, 0x61, 0x3b, 0x2e, 0xbe, 0x5b, 0xeb };
	static const uint8_t vid_ms[20] = { 0x1e, 0x2b, 0x51, 0x69, 0x05,
	    0x99, 0x1c, 0x7d, 0x7c, 0x96, 0xfc, 0xbf, 0xb5, 0x87, 0xe4, 0x61,
	    0x00, 0x00, 0x00, 0x0a };

	if (ms)
		ike_pl_raw(c, PL_V, vid_ms, sizeof(vid_ms));
	else
		ike_pl_raw(c, PL_V, vid_ss, sizeof(vid_ss));
}

static void
caps_notifies(struct ike_chain *c, const struct sa *a)
{
	static const uint8_t hashes[6] = { 0, 2, 0, 3, 0, 4 };

	if (a->o.frag)
		ike_pl_notify(c, 0, 0, N_FRAGMENTATION_SUPPORTED, NULL, 0);
	ike_pl_notify(c, 0, 0, N_SIGNATURE_HASH_ALGORITHMS, hashes,
	    sizeof(hashes));
}

static size_t
build_init_req(struct sa *a, uint8_t *mem)
{
	static const uint8_t zero[8];
	struct ike_chain c;
	struct ike_prop p[2];
	size_t n;

	ike_begin(&c, mem, MSG_CAP, a->ispi, zero, IKE_SA_INIT, IKE_F_INIT, 0);
	ike_props(a, p, &n, false);
	ike_pl_sa(&c, p, n);
	ike_pl_ke(&c, a->o.kind == K_NOPROP ? 2 : a->group, &a->rng);
	ike_pl_nonce(&c, &a->rng, 32);
	/* A NATed client hashes its private address: the gateway sees a
	 * mismatch and both sides float to 4500 (RFC 7296 2.23). */
	ike_pl_natd(&c, N_NAT_SRC, a->ispi, zero,
	    a->o.nat ? &a->cl_inner : &a->cl, a->o.nat ? 500 : a->cl_port);
	ike_pl_natd(&c, N_NAT_DST, a->ispi, zero, &a->gw, 500);
	caps_notifies(&c, a);
	vendor_ids(&c, (a->id & 3) == 1);
	ike_finish(&c);
	return c.b.len;
}

static size_t
build_init_notify(struct sa *a, uint8_t *mem, unsigned type,
    const uint8_t *data, size_t dlen)
{
	static const uint8_t zero[8];
	struct ike_chain c;

	ike_begin(&c, mem, MSG_CAP, a->ispi, zero, IKE_SA_INIT, IKE_F_RESP, 0);
	ike_pl_notify(&c, 0, 0, type, data, dlen);
	ike_finish(&c);
	return c.b.len;
}

static size_t
build_init_resp(struct sim *s, struct sa *a, uint8_t *mem)
{
	struct ike_chain c;
	struct ike_prop p[2];
	size_t n;

	ike_begin(&c, mem, MSG_CAP, a->ispi, a->rspi, IKE_SA_INIT,
	    IKE_F_RESP, 0);
	ike_props(a, p, &n, true);
	ike_pl_sa(&c, p, n);
	ike_pl_ke(&c, a->group, &a->rng);
	ike_pl_nonce(&c, &a->rng, 32);
	ike_pl_natd(&c, N_NAT_SRC, a->ispi, a->rspi, &a->gw, 500);
	ike_pl_natd(&c, N_NAT_DST, a->ispi, a->rspi, &a->cl, a->cl_port);
	if (a->o.certreq) {
		uint8_t req[1 + 40];
		struct grng ca;

		/* Two CA key hashes, fixed per run (our "trusted roots"). */
		grng_seed(&ca, s->seed ^ 0xca);
		req[0] = 4;
		grng_fill(&ca, req + 1, 40);
		ike_pl_raw(&c, PL_CERTREQ, req, sizeof(req));
	}
	caps_notifies(&c, a);
	ike_pl_notify(&c, 0, 0, N_MULTIPLE_AUTH_SUPPORTED, NULL, 0);
	vendor_ids(&c, false);
	ike_finish(&c);
	return c.b.len;
}

static void
esp_props(struct ike_prop *p, uint32_t spi)
{
	static const struct ike_prop gcm = { 1, PROTO_ESP, 0, 2, {
	    { XF_ENCR, 20, 256 }, { XF_ESN, 0, 0 } } };
	static const struct ike_prop cbc = { 2, PROTO_ESP, 0, 3, {
	    { XF_ENCR, 12, 256 }, { XF_INTEG, 12, 0 }, { XF_ESN, 0, 0 } } };

	p[0] = gcm;
	p[0].spi = spi;
	p[1] = cbc;
	p[1].spi = spi;
}

static void
ts_pair(struct ike_chain *c, const struct sa *a, bool narrowed)
{
	struct gaddr lo, hi, clo, chi;

	if (a->cl.v6) {
		gaddr_v6(&lo, 0, 0, 0);
		memset(lo.a, 0, 16);
		hi = lo;
		memset(hi.a, 0xff, 16);
		clo = narrowed ? a->cl_inner : lo;
		chi = narrowed ? a->cl_inner : hi;
	} else {
		gaddr_v4(&lo, 0, 0, 0, 0);
		gaddr_v4(&hi, 255, 255, 255, 255);
		clo = narrowed ? a->cl_inner : lo;
		chi = narrowed ? a->cl_inner : hi;
		if (narrowed) {
			gaddr_v4(&lo, 10, 0, 0, 0);
			gaddr_v4(&hi, 10, 255, 255, 255);
		}
	}
	ike_pl_ts(c, PL_TSI, &clo, &chi);
	ike_pl_ts(c, PL_TSR, &lo, &hi);
}

static void
cp_payload(struct ike_chain *c, const struct sa *a, bool reply)
{
	size_t st = ike_pl_begin(c, PL_CP);

	gb_put8(&c->b, reply ? 2 : 1);
	gb_zero(&c->b, 3);
	if (a->cl.v6) {
		gb_put16(&c->b, 8);		/* INTERNAL_IP6_ADDRESS */
		gb_put16(&c->b, reply ? 17 : 0);
		if (reply) {
			gb_putn(&c->b, a->cl_inner.a, 16);
			gb_put8(&c->b, 128);
		}
	} else {
		gb_put16(&c->b, 1);		/* INTERNAL_IP4_ADDRESS */
		gb_put16(&c->b, reply ? 4 : 0);
		if (reply)
			gb_putn(&c->b, a->cl_inner.a, 4);
		gb_put16(&c->b, 3);		/* INTERNAL_IP4_DNS */
		gb_put16(&c->b, reply ? 4 : 0);
		if (reply)
			gb_putn(&c->b, (const uint8_t[]){ 10, 0, 0, 53 }, 4);
	}
	ike_pl_end(c, st);
}

static void
build_auth_req_inner(struct sa *a, struct ike_chain *c, uint8_t *mem)
{
	char id[64];
	int n = snprintf(id, sizeof(id), "client%u.vpn.example.org",
	    a->id % CLIENTS);
	struct ike_prop p[2];
	uint8_t cert[1 + sizeof(gen_cert_der)];

	ike_inner_begin(c, mem, MSG_CAP);
	ike_pl_id(c, PL_IDI, 2, id, (size_t)n);
	if (a->o.cert) {
		/* End-entity and intermediate (the same throwaway DER). */
		cert[0] = 4;
		memcpy(cert + 1, gen_cert_der, sizeof(gen_cert_der));
		ike_pl_raw(c, PL_CERT, cert, sizeof(cert));
		ike_pl_raw(c, PL_CERT, cert, sizeof(cert));
	}
	ike_pl_notify(c, 0, 0, N_INITIAL_CONTACT, NULL, 0);
	ike_pl_id(c, PL_IDR, 2, "vpn.example.net", 15);
	ike_pl_auth(c, a->o.cert ? 1 : 2, &a->rng, a->o.cert ? 256 : 32);
	cp_payload(c, a, false);
	esp_props(p, a->spi_cl);
	ike_pl_sa(c, p, 2);
	ts_pair(c, a, false);
	ike_pl_notify(c, 0, 0, N_ESP_TFC_PADDING_NOT_SUPPORTED, NULL, 0);
	ike_pl_notify(c, 0, 0, N_MOBIKE_SUPPORTED, NULL, 0);
}

static void
build_auth_resp_inner(struct sa *a, struct ike_chain *c, uint8_t *mem)
{
	struct ike_prop p[2];
	uint8_t cert[1 + sizeof(gen_cert_der)];

	ike_inner_begin(c, mem, MSG_CAP);
	if (a->o.kind == K_AUTH_FAIL) {
		ike_pl_notify(c, 0, 0, N_AUTHENTICATION_FAILED, NULL, 0);
		return;
	}
	ike_pl_id(c, PL_IDR, 2, "vpn.example.net", 15);
	if (a->o.cert) {
		cert[0] = 4;
		memcpy(cert + 1, gen_cert_der, sizeof(gen_cert_der));
		ike_pl_raw(c, PL_CERT, cert, sizeof(cert));
	}
	ike_pl_auth(c, a->o.cert ? 1 : 2, &a->rng, a->o.cert ? 256 : 32);
	cp_payload(c, a, true);
	esp_props(p, a->spi_gw);
	ike_pl_sa(c, p, 1);
	ts_pair(c, a, true);
	ike_pl_notify(c, 0, 0, N_MOBIKE_SUPPORTED, NULL, 0);
}

/* Sends an SK message; when the IKE SA negotiated fragmentation and the
 * message is too large, as SKF fragments (RFC 7383), else as IP fragments. */
static void
send_sk(struct sim *s, struct sa *a, uint64_t t, bool from_cl,
    unsigned exch, bool resp, uint32_t msgid, const struct ike_chain *in)
{
	const struct ike_keys *k = s->keys != NULL ? &a->keys : NULL;
	unsigned flags = (from_cl ? IKE_F_INIT : 0) | (resp ? IKE_F_RESP : 0);
	size_t len[MAX_FRAGS], i, n;

	if (a->o.frag && in->b.len > SKF_SIZE + 64) {
		n = ike_skf_msgs(s->frag, len, MAX_FRAGS, a->ispi, a->rspi,
		    exch, flags, msgid, in, k, from_cl, &a->rng, SKF_SIZE);
		for (i = 0; i < n; i++)
			send_ike(s, a, t, from_cl, s->frag[i], len[i], 0);
		return;
	}
	n = ike_sk_msg(s->msg, MSG_CAP, a->ispi, a->rspi, exch, flags, msgid,
	    in, k, from_cl, &a->rng);
	send_ike(s, a, t, from_cl, s->msg, n, 1500);
}

static void
write_keys(struct sim *s, const struct sa *a)
{
	const uint8_t *f[6] = { a->ispi, a->rspi, a->keys.ei, a->keys.er,
	    a->keys.ai, a->keys.ar };
	const size_t l[6] = { 8, 8, 32, 32, 32, 32 };
	size_t i, j;

	if (s->keys == NULL)
		return;
	for (i = 0; i < 6; i++) {
		for (j = 0; j < l[i]; j++)
			fprintf(s->keys, "%02x", f[i][j]);
		if (i == 3)
			fputs(",\"AES-CBC-256 [RFC3602]\"", s->keys);
		fputc(',', s->keys);
	}
	fputs("\"HMAC_SHA2_256_128 [RFC4868]\"\n", s->keys);
}

static const uint64_t init_backoff_ms[] = { 500, 1000, 1500, 2000, 3000 };
static const uint64_t auth_backoff_ms[] = { 1000, 1800, 3200, 5800, 10500 };

static uint64_t
min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* Event at step S_INIT_REQ: (re)send IKE_SA_INIT. Retransmissions replay
 * the saved PRNG state so they are byte-identical. Returns false when the
 * SA is finished. */
static bool
ev_init_req(struct sim *s, struct sa *a, uint64_t t)
{
	size_t n;

	if (a->o.kind == K_INIT_TIMEOUT && a->tries > 0)
		a->rng = a->rtx;
	a->rtx = a->rng;
	n = build_init_req(a, s->msg);
	send_ike(s, a, t, true, s->msg, n, 0);
	if (a->o.kind == K_INIT_TIMEOUT) {
		if (a->tries >= 5)
			return false;
		a->t_next = t + init_backoff_ms[a->tries++] * MS;
		return true;
	}
	a->step = S_INIT_RESP;
	a->t_next = t + ms_rand(&a->rng, 3, 25);
	return true;
}

static bool
ev_init_resp(struct sim *s, struct sa *a, uint64_t t)
{
	uint8_t d[4];
	size_t n;
	bool invke = (a->o.kind == K_INVKE && a->tries == 0) ||
	    (a->o.kind == K_INVKE_LOOP);

	if (a->o.kind == K_NOPROP) {
		n = build_init_notify(a, s->msg, N_NO_PROPOSAL_CHOSEN, NULL, 0);
		send_ike(s, a, t, false, s->msg, n, 0);
		return false;
	}
	if (a->o.kind == K_MS_STATUS) {
		d[0] = 0;
		d[1] = 0;
		d[2] = 0x35;
		d[3] = 0xee;		/* 13806 ERROR_IPSEC_IKE_NO_CERT */
		n = build_init_notify(a, s->msg, N_MS_STATUS, d, 4);
		send_ike(s, a, t, false, s->msg, n, 0);
		return false;
	}
	if (invke) {
		/* The loop case: the gateway asks for the other group each
		 * time (a misconfigured pair); the client gives up after 4. */
		a->want_group = a->group == 14 ? 19 : 14;
		d[0] = (uint8_t)(a->want_group >> 8);
		d[1] = (uint8_t)a->want_group;
		n = build_init_notify(a, s->msg, N_INVALID_KE_PAYLOAD, d, 2);
		send_ike(s, a, t, false, s->msg, n, 0);
		if (++a->tries >= 4)
			return false;
		a->group = a->want_group;
		a->step = S_INIT_REQ;
		a->t_next = t + ms_rand(&a->rng, 20, 90);
		return true;
	}
	grng_fill(&a->rng, a->rspi, 8);
	n = build_init_resp(s, a, s->msg);
	send_ike(s, a, t, false, s->msg, n, 0);
	write_keys(s, a);
	if (a->o.kind == K_CERTREQ_SILENT)
		return false;
	a->floated = a->o.nat;
	a->tries = 0;
	a->step = S_AUTH_REQ;
	a->t_next = t + ms_rand(&a->rng, 15, 120);
	return true;
}

static bool
ev_auth_req(struct sim *s, struct sa *a, uint64_t t)
{
	struct ike_chain in;

	if (a->o.kind == K_AUTH_TIMEOUT && a->tries > 0)
		a->rng = a->rtx;
	a->rtx = a->rng;
	build_auth_req_inner(a, &in, s->inner);
	send_sk(s, a, t, true, IKE_AUTH, false, 1, &in);
	if (a->o.kind == K_AUTH_TIMEOUT) {
		if (a->tries >= 5)
			return false;
		a->t_next = t + auth_backoff_ms[a->tries++] * MS;
		return true;
	}
	a->mid_cl = 2;
	a->step = S_AUTH_RESP;
	a->t_next = t + ms_rand(&a->rng, 8, 60);
	return true;
}

static void
up_schedule(struct sa *a)
{
	uint64_t t = a->pend != P_NONE ? a->t_pend : NEVER;

	t = min64(t, a->t_esp);
	t = min64(t, a->t_ka);
	if (a->pend == P_NONE) {
		t = min64(t, a->t_end);
		t = min64(t, a->t_dpd);
		t = min64(t, a->t_rekey);
		t = min64(t, a->t_delchild);
	}
	a->t_next = t;
}

static bool
ev_auth_resp(struct sim *s, struct sa *a, uint64_t t)
{
	struct ike_chain in;

	build_auth_resp_inner(a, &in, s->inner);
	send_sk(s, a, t, false, IKE_AUTH, true, 1, &in);
	if (a->o.kind == K_AUTH_FAIL)
		return false;
	a->step = S_UP;
	a->t_end = t + a->o.life_us;
	a->t_esp = t + ms_rand(&a->rng, 5, 200);
	a->t_ka = a->floated ? t + 20 * US : NEVER;
	a->t_dpd = a->o.dpd_mean_us == NEVER ? NEVER :
	    t + (uint64_t)grng_exp(&a->rng, (double)a->o.dpd_mean_us);
	a->t_rekey = a->o.rekey_us == NEVER ? NEVER : t + a->o.rekey_us;
	a->t_delchild = NEVER;
	up_schedule(a);
	return true;
}

/*
 * ESP (RFC 4303 2): SPI, Sequence Number, then IV, ciphertext, padding,
 * ICV: opaque here, sized like AES-CBC + HMAC-SHA2-256-128 (16-byte IV,
 * 16-byte blocks, 16-byte ICV). NAT-T wraps it in UDP 4500 (RFC 3948).
 */
static void
send_esp_seq(struct sim *s, struct sa *a, uint64_t t, bool from_cl,
    uint32_t seq, size_t iplen)
{
	uint8_t *p = s->msg;
	size_t hdr = (size_t)(a->cl.v6 ? 40 : 20) + (a->floated ? 8u : 0u);
	size_t esp = iplen > hdr + 56 ? iplen - hdr : 56;
	uint32_t spi = from_cl ? a->spi_gw : a->spi_cl;
	uint32_t off;
	uint64_t before;

	esp = 40 + ((esp - 40) & ~(size_t)15);
	p[0] = (uint8_t)(spi >> 24);
	p[1] = (uint8_t)(spi >> 16);
	p[2] = (uint8_t)(spi >> 8);
	p[3] = (uint8_t)spi;
	p[4] = (uint8_t)(seq >> 24);
	p[5] = (uint8_t)(seq >> 16);
	p[6] = (uint8_t)(seq >> 8);
	p[7] = (uint8_t)seq;
	off = grng_below(&a->rng, POOL_LEN - 2048);
	memcpy(p + 8, s->pool + off, esp - 8);
	before = gout_bytes(s->out);
	if (a->floated) {
		if (from_cl)
			gout_udp(s->out, t, &a->cl, a->cl_port_float, &a->gw,
			    4500, p, esp, 0);
		else
			gout_udp(s->out, t, &a->gw, 4500, &a->cl,
			    a->cl_port_float, p, esp, 0);
	} else if (from_cl) {
		gout_esp(s->out, t, &a->cl, &a->gw, p, esp);
	} else {
		gout_esp(s->out, t, &a->gw, &a->cl, p, esp);
	}
	s->esp_bytes += gout_bytes(s->out) - before;	/* whole records */
}

static size_t
esp_size(struct sa *a)
{
	uint32_t r = grng_below(&a->rng, 100);
	unsigned lo = a->o.esp_min, hi = a->o.esp_max;

	if (r < 40)
		hi = lo + (hi - lo) / 10;	/* ACKs, keepalives */
	else if (r < 60)
		hi = lo + (hi - lo) / 2;
	else
		lo = hi - (hi - lo) / 8;	/* full-size segments */
	return lo + grng_below(&a->rng, hi - lo + 1);
}

static void
ev_esp(struct sim *s, struct sa *a, uint64_t t)
{
	bool from_cl = grng_below(&a->rng, 100) < 45;
	uint32_t *seq = from_cl ? &a->seq_cl : &a->seq_gw;
	size_t len = esp_size(a);
	uint32_t r = grng_below(&a->rng, 100000);

	if (a->o.replay_demo && from_cl) {
		/* Scripted: duplicate 5, gap 9->17, replay 3 after 20. */
		if (*seq == 8)
			*seq = 16;
		if (*seq == 21)
			send_esp_seq(s, a, t, true, 3, len);
	}
	++*seq;
	send_esp_seq(s, a, t, from_cl, *seq, len);
	if ((a->o.replay_demo && from_cl && *seq == 5) || r < 15)
		send_esp_seq(s, a, t, from_cl, *seq, len);	/* duplicate */
	else if (r < 25)
		*seq += 1 + grng_below(&a->rng, 40);		/* loss gap */
	else if (r < 32 && *seq > 70)
		send_esp_seq(s, a, t, from_cl,
		    *seq - 1 - grng_below(&a->rng, 64), len);	/* replay */
	a->t_esp = t + 1 + (uint64_t)grng_exp(&a->rng, a->o.esp_mean_s * 1e6);
}

static void
ev_start_exchange(struct sim *s, struct sa *a, uint64_t t, enum pend what)
{
	struct ike_chain in;
	struct ike_prop p[2];
	uint32_t spi;
	bool by_cl = what == P_DELIKE || what == P_REKEY;

	ike_inner_begin(&in, s->inner, MSG_CAP);
	if (what == P_REKEY) {
		/* Traffic stays on the old SPIs until the response. */
		ike_pl_notify(&in, PROTO_ESP, a->spi_cl, N_REKEY_SA, NULL, 0);
		a->new_spi_cl = (uint32_t)grng_next(&a->rng) | 0xc0000000u;
		esp_props(p, a->new_spi_cl);
		ike_pl_sa(&in, p, 2);
		ike_pl_nonce(&in, &a->rng, 32);
		ts_pair(&in, a, true);
	} else if (what == P_DELCHILD) {
		spi = a->old_spi_gw;
		ike_pl_delete(&in, PROTO_ESP, &spi, 1);
	} else if (what == P_DELIKE) {
		ike_pl_delete(&in, PROTO_IKE, NULL, 0);
	}
	a->pend_by_client = by_cl;
	send_sk(s, a, t, by_cl, what == P_REKEY ? IKE_CREATE_CHILD_SA :
	    IKE_INFORMATIONAL, false, by_cl ? a->mid_cl : a->mid_gw, &in);
	a->pend = what;
	a->t_pend = t + ms_rand(&a->rng, 2, 40);
}

static bool
ev_finish_exchange(struct sim *s, struct sa *a, uint64_t t)
{
	struct ike_chain in;
	struct ike_prop p[2];
	enum pend what = a->pend;
	bool by_cl = a->pend_by_client;
	uint32_t spi;

	ike_inner_begin(&in, s->inner, MSG_CAP);
	if (what == P_REKEY) {
		a->old_spi_cl = a->spi_cl;
		a->old_spi_gw = a->spi_gw;
		a->spi_cl = a->new_spi_cl;
		a->spi_gw = (uint32_t)grng_next(&a->rng) | 0xc0000000u;
		esp_props(p, a->spi_gw);
		ike_pl_sa(&in, p, 1);
		ike_pl_nonce(&in, &a->rng, 32);
		ts_pair(&in, a, true);
		a->seq_cl = a->seq_gw = 0;
	} else if (what == P_DELCHILD) {
		spi = a->old_spi_cl;
		ike_pl_delete(&in, PROTO_ESP, &spi, 1);
	}
	send_sk(s, a, t, !by_cl, what == P_REKEY ? IKE_CREATE_CHILD_SA :
	    IKE_INFORMATIONAL, true, by_cl ? a->mid_cl : a->mid_gw, &in);
	if (by_cl)
		a->mid_cl++;
	else
		a->mid_gw++;
	a->pend = P_NONE;
	if (what == P_DELIKE)
		return false;
	if (what == P_REKEY) {
		a->t_delchild = t + ms_rand(&a->rng, 50, 900);
		a->t_rekey = a->o.rekey_us == NEVER ? NEVER :
		    t + a->o.rekey_us;
	}
	if (what == P_DELCHILD)
		a->t_delchild = NEVER;
	if (what == P_DPD)
		a->t_dpd = t + (uint64_t)grng_exp(&a->rng,
		    (double)a->o.dpd_mean_us);
	return true;
}

static bool
ev_up(struct sim *s, struct sa *a, uint64_t t)
{
	static const uint8_t ka = 0xff;
	bool idle = a->pend == P_NONE;

	/* Size reached: everyone says goodbye within a few seconds. */
	if (s->stopping && a->t_end > t + 5 * US)
		a->t_end = t + ms_rand(&a->rng, 100, 5000);
	if (!idle && t == a->t_pend) {
		if (!ev_finish_exchange(s, a, t))
			return false;
	} else if (t == a->t_ka) {
		gout_udp(s->out, t, &a->cl, a->cl_port_float, &a->gw, 4500,
		    &ka, 1, 0);
		a->t_ka = t + 20 * US;
	} else if (t == a->t_esp) {
		ev_esp(s, a, t);
	} else if (idle && t == a->t_end) {
		/* No more traffic once the client says goodbye. */
		a->t_esp = NEVER;
		a->t_ka = NEVER;
		ev_start_exchange(s, a, t, P_DELIKE);
	} else if (idle && t == a->t_delchild) {
		ev_start_exchange(s, a, t, P_DELCHILD);
	} else if (idle && t == a->t_rekey) {
		ev_start_exchange(s, a, t, P_REKEY);
	} else if (idle && t == a->t_dpd) {
		ev_start_exchange(s, a, t, P_DPD);
	}
	up_schedule(a);
	return true;
}

static bool
sa_event(struct sim *s, struct sa *a)
{
	uint64_t t = a->t_next;

	s->t_last = t;
	switch (a->step) {
	case S_INIT_REQ:
		return ev_init_req(s, a, t);
	case S_INIT_RESP:
		return ev_init_resp(s, a, t);
	case S_AUTH_REQ:
		return ev_auth_req(s, a, t);
	case S_AUTH_RESP:
		return ev_auth_resp(s, a, t);
	case S_UP:
		return ev_up(s, a, t);
	}
	return false;
}

/* Addresses, SPIs, keys for a new SA; client c of CLIENTS. */
static void
sa_setup(struct sim *s, struct sa *a, uint32_t c)
{
	a->id = s->next_id++;
	grng_seed(&a->rng, s->seed * 0x9e3779b97f4a7c15ull + a->id);
	grng_fill(&a->rng, a->ispi, 8);
	grng_fill(&a->rng, a->keys.ei, sizeof(a->keys));
	a->group = (uint32_t[]){ 19, 14, 20, 31, 19, 14, 21, 19 }
	    [grng_below(&a->rng, 8)];
	if (a->o.kind == K_INVKE || a->o.kind == K_INVKE_LOOP)
		a->group = 31;
	if (a->o.v6) {
		gaddr_v6(&a->cl, 0x1000 + (c >> 12), c & 0xfff, 0x100 + c);
		gaddr_v6(&a->gw, 0xffff, 0, 1);
		gaddr_v6(&a->cl_inner, 0xfe00, 0, 0x1000 + c);
	} else {
		gaddr_v4(&a->gw, 192, 0, 2, 1 + c % 3);
		gaddr_v4(&a->cl_inner, 10, 200 + (c >> 14),
		    (c >> 6) & 0xff, 2 + (c & 0x3f));
		if (a->o.nat)
			gaddr_v4(&a->cl, c & 1 ? 198 : 203, c & 1 ? 51 : 0,
			    c & 1 ? 100 : 113, 1 + (c >> 1) % 254);
		else
			gaddr_v4(&a->cl, 10, 1 + (c >> 16) % 100,
			    (c >> 8) & 0xff, 1 + (c & 0xff) % 254);
	}
	a->cl_port = a->o.nat ? 1024 + grng_below(&a->rng, 60000) : 500;
	a->cl_port_float = a->o.nat ? a->cl_port + 1 : 500;
	a->spi_cl = (uint32_t)grng_next(&a->rng) | 0xc0000000u;
	a->spi_gw = (uint32_t)grng_next(&a->rng) | 0xc0000000u;
	a->step = S_INIT_REQ;
	a->pend = P_NONE;
	s->nsa[a->o.kind]++;
}

/* Bulk mix: a few percent of each failure, ~20% of v4 clients NATed. */
static void
bulk_opts(struct sim *s, struct sa_opts *o)
{
	uint32_t r = grng_below(&s->rng, 1000);

	memset(o, 0, sizeof(*o));
	o->kind = r < 15 ? K_NOPROP : r < 35 ? K_INVKE : r < 38 ?
	    K_INVKE_LOOP : r < 53 ? K_INIT_TIMEOUT : r < 63 ?
	    K_AUTH_TIMEOUT : r < 68 ? K_CERTREQ_SILENT : r < 75 ?
	    K_AUTH_FAIL : K_OK;
	o->v6 = grng_below(&s->rng, 100) < 15;
	o->nat = !o->v6 && grng_below(&s->rng, 100) < 24;
	o->cert = grng_below(&s->rng, 100) < 10;
	o->frag = !o->cert || grng_below(&s->rng, 100) < 70;
	o->certreq = o->cert || o->kind == K_CERTREQ_SILENT ||
	    grng_below(&s->rng, 100) < 5;
	o->life_us = (uint64_t)(300 + grng_below(&s->rng, 2100)) * US;
	o->esp_mean_s = 1.2 * (1 << grng_below(&s->rng, 6)) *
	    (0.5 + grng_unit(&s->rng));
	o->esp_min = 100;
	o->esp_max = 1400;
	o->dpd_mean_us = 40 * US;	/* dpd_delay 30-60 s */
	o->rekey_us = (uint64_t)(900 + grng_below(&s->rng, 600)) * US;
}

static int
spawn(struct sim *s, uint64_t t, const struct sa_opts *o)
{
	struct sa *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return -1;
	a->o = *o;
	sa_setup(s, a, grng_below(&s->rng, CLIENTS));
	a->t_next = t;
	return heap_push(s, a);
}

static int
run(struct sim *s)
{
	struct sa_opts o;

	while (s->nheap > 0) {
		struct sa *a = heap_pop(s);

		if (s->target > 0 && gout_bytes(s->out) >= s->target)
			s->stopping = true;
		if (sa_event(s, a)) {
			if (heap_push(s, a) != 0)
				return -1;
			continue;
		}
		free(a);
		if (s->target == 0 || s->stopping)
			continue;
		bulk_opts(s, &o);
		if (spawn(s, s->t_last + (uint64_t)grng_exp(&s->rng, 2e6), &o))
			return -1;
	}
	return 0;
}

static void
scenario_base(struct sa_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->kind = K_OK;
	o->frag = true;
	o->life_us = 6 * US;
	o->esp_mean_s = 0.4;
	o->esp_min = 100;
	o->esp_max = 180;
	o->dpd_mean_us = NEVER;
	o->rekey_us = NEVER;
}

struct scenario {
	const char *name;
	enum sa_kind kind;
	unsigned flags;
	const char *what;
};

enum { SC_NAT = 1, SC_CERT = 2, SC_NOFRAG = 4, SC_CERTREQ = 8,
	SC_REPLAY = 16, SC_SLL2 = 32, SC_QINQ = 64, SC_V6 = 128,
	SC_IKEV1 = 256, SC_LONG = 512, SC_VXLAN = 1024,
	/* IKEv1 variants (with SC_IKEV1) */
	SC_V1_SILENT = 2048, SC_V1_MM5 = 4096, SC_V1_QM = 8192 };

static const struct scenario scenarios[] = {
	{ "ok-psk-esp", K_OK, 0, "PSK success, ESP both ways" },
	{ "nat-t-float", K_OK, SC_NAT | SC_LONG, "NAT detected, 4500" },
	{ "no-proposal-chosen", K_NOPROP, 0, "NO_PROPOSAL_CHOSEN" },
	{ "invalid-ke-retry", K_INVKE, 0, "INVALID_KE_PAYLOAD, retry ok" },
	{ "invalid-ke-loop", K_INVKE_LOOP, 0, "INVALID_KE_PAYLOAD loop" },
	{ "init-timeout", K_INIT_TIMEOUT, 0, "IKE_SA_INIT unanswered" },
	{ "auth-timeout", K_AUTH_TIMEOUT, 0, "IKE_AUTH unanswered" },
	{ "certreq-no-auth", K_CERTREQ_SILENT, SC_CERTREQ,
	    "CERTREQ, initiator silent" },
	{ "auth-failed-notify", K_AUTH_FAIL, 0, "AUTHENTICATION_FAILED" },
	{ "esp-replay", K_OK, SC_REPLAY | SC_LONG, "ESP dup/replay/gap" },
	{ "ms-status", K_MS_STATUS, 0, "MS_STATUS 13806" },
	{ "ipfrag-ike-auth-sll2", K_OK, SC_CERT | SC_NOFRAG | SC_CERTREQ |
	    SC_SLL2, "IP-fragmented IKE_AUTH, SLL2, pcapng" },
	{ "vlan-qinq-ipv6", K_OK, SC_V6 | SC_QINQ, "IPv6 in 802.1ad+Q" },
	{ "ikev1-main-mode", K__COUNT, SC_IKEV1, "IKEv1 NO-PROPOSAL-CHOSEN" },
	{ "vxlan-auth-failed", K_AUTH_FAIL, SC_VXLAN,
	    "AUTHENTICATION_FAILED, captured in VXLAN" },
	{ "ikev1-mm-timeout", K__COUNT, SC_IKEV1 | SC_V1_SILENT,
	    "IKEv1 Main Mode 1 never answered" },
	{ "ikev1-mm5-unanswered", K__COUNT, SC_IKEV1 | SC_V1_MM5,
	    "IKEv1 Main Mode 5 never answered (PSK)" },
	{ "ikev1-qm-timeout", K__COUNT, SC_IKEV1 | SC_V1_QM,
	    "IKEv1 Quick Mode never answered" },
};

/* Retransmission times of an unanswered IKEv1 request (as Windows and
 * racoon space them): at 0, 1, 3, 7, 15 s after the first. */
static const uint64_t v1_resend_ms[] = {0, 1000, 3000, 7000, 15000};

/* Sends the same message at t + each retransmission time. */
static void
v1_resend(struct sim *s, struct sa *a, uint64_t t, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(v1_resend_ms) / sizeof(*v1_resend_ms); i++)
		send_ike(s, a, t + v1_resend_ms[i] * MS, true, s->msg, n, 0);
}

/* IKEv1 Main Mode 1-4 (clear), then 5 and 6 (encrypted). *t moves on. */
static void
v1_main_mode(struct sim *s, struct sa *a, const uint8_t rc[8], uint64_t *t,
    bool answer_mm5)
{
	size_t n;

	n = ikev1_mm1(s->msg, MSG_CAP, a->ispi, &a->rng);
	send_ike(s, a, *t, true, s->msg, n, 0);
	n = ikev1_mm2(s->msg, MSG_CAP, a->ispi, rc);
	send_ike(s, a, *t + 3 * MS, false, s->msg, n, 0);
	n = ikev1_mm_ke(s->msg, MSG_CAP, a->ispi, rc, &a->rng);
	send_ike(s, a, *t + 20 * MS, true, s->msg, n, 0);
	n = ikev1_mm_ke(s->msg, MSG_CAP, a->ispi, rc, &a->rng);
	send_ike(s, a, *t + 40 * MS, false, s->msg, n, 0);
	n = ikev1_encrypted(s->msg, MSG_CAP, a->ispi, rc, 2, 0, 64, &a->rng);
	*t += 60 * MS;
	if (!answer_mm5) {
		v1_resend(s, a, *t, n);
		return;
	}
	send_ike(s, a, *t, true, s->msg, n, 0);
	n = ikev1_encrypted(s->msg, MSG_CAP, a->ispi, rc, 2, 0, 64, &a->rng);
	send_ike(s, a, *t + 5 * MS, false, s->msg, n, 0);
	*t += 10 * MS;
}

static int
run_ikev1(struct sim *s, unsigned flags)
{
	struct sa a;
	uint8_t rc[8];
	uint64_t t = T_START;
	size_t n;

	memset(&a, 0, sizeof(a));
	grng_seed(&a.rng, s->seed);
	grng_fill(&a.rng, a.ispi, 8);
	grng_fill(&a.rng, rc, 8);
	gaddr_v4(&a.cl, 10, 1, 7, 20);
	gaddr_v4(&a.gw, 192, 0, 2, 1);
	a.cl_port = 500;
	if (flags & SC_V1_SILENT) {
		n = ikev1_mm1(s->msg, MSG_CAP, a.ispi, &a.rng);
		v1_resend(s, &a, t, n);
		return 0;
	}
	if (flags & (SC_V1_MM5 | SC_V1_QM)) {
		v1_main_mode(s, &a, rc, &t, (flags & SC_V1_QM) != 0);
		if (flags & SC_V1_QM) {
			n = ikev1_encrypted(s->msg, MSG_CAP, a.ispi, rc, 32,
			    (uint32_t)grng_next(&a.rng) | 1u, 320, &a.rng);
			v1_resend(s, &a, t + 5 * MS, n);
		}
		return 0;
	}
	n = ikev1_mm1(s->msg, MSG_CAP, a.ispi, &a.rng);
	send_ike(s, &a, T_START, true, s->msg, n, 0);
	n = ikev1_notify(s->msg, MSG_CAP, a.ispi, rc, 14, &a.rng);
	send_ike(s, &a, T_START + 4 * MS, false, s->msg, n, 0);
	return 0;
}

static int
run_scenario(struct sim *s, const struct scenario *sc)
{
	struct sa_opts o;

	if (sc->flags & SC_IKEV1)
		return run_ikev1(s, sc->flags);
	scenario_base(&o);
	o.kind = sc->kind;
	o.nat = (sc->flags & SC_NAT) != 0;
	o.v6 = (sc->flags & SC_V6) != 0;
	o.cert = (sc->flags & SC_CERT) != 0;
	o.frag = (sc->flags & SC_NOFRAG) == 0;
	o.certreq = (sc->flags & SC_CERTREQ) != 0;
	o.replay_demo = (sc->flags & SC_REPLAY) != 0;
	if (sc->flags & SC_LONG) {
		o.life_us = 45 * US;
		o.esp_mean_s = 1.5;
	}
	if (o.replay_demo) {
		o.life_us = 20 * US;
		o.esp_mean_s = 0.3;
	}
	s->next_id = 7;
	if (spawn(s, T_START, &o) != 0)
		return -1;
	return run(s);
}

static int
parse_size(const char *arg, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno != 0 || end == arg)
		return -1;
	switch (*end) {
	case 'G': case 'g': v <<= 30; end++; break;
	case 'M': case 'm': v <<= 20; end++; break;
	case 'K': case 'k': v <<= 10; end++; break;
	default: break;
	}
	if (*end != '\0' || v == 0 || v > (1ull << 40))
		return -1;
	*out = v;
	return 0;
}

static int
usage(void)
{
	fprintf(stderr, "usage: gen_capture --size N[KMG] [--seed N] --out "
	    "FILE [--linktype eth|sll2] [--keys KEYFILE]\n"
	    "       gen_capture --scenario NAME --out FILE [--keys KEYFILE]\n"
	    "       gen_capture --list-scenarios\n");
	return 2;
}

static void
print_summary(const struct sim *s, const char *path)
{
	size_t k;

	printf("wrote %s: %" PRIu64 " bytes, %" PRIu64 " packets, %" PRIu64
	    " IKE messages, ESP records %.1f%% of file bytes, %.1f s of traffic\n", path,
	    gout_bytes(s->out), gout_packets(s->out), s->ike_msgs,
	    100.0 * (double)s->esp_bytes / (double)gout_bytes(s->out),
	    (double)(s->t_last - T_START) / 1e6);
	for (k = 0; k < K__COUNT; k++)
		if (s->nsa[k] > 0)
			printf("  ike_sa %-20s %" PRIu64 "\n", kind_name[k],
			    s->nsa[k]);
}

static int
bulk_start(struct sim *s)
{
	struct sa_opts o;
	unsigned i;

	s->pool = malloc(POOL_LEN);
	if (s->pool == NULL)
		return -1;
	grng_fill(&s->rng, s->pool, POOL_LEN);
	for (i = 0; s->target > 0 && i < CONCURRENT; i++) {
		bulk_opts(s, &o);
		if (spawn(s, T_START + grng_below(&s->rng, 600) * MS * 1000 +
		    grng_below(&s->rng, 1000) * MS, &o) != 0)
			return -1;
	}
	return 0;
}

struct args {
	const char *out, *keys, *scen;
	enum glink link;
};

/* Returns 0, 1 when the scenario list was printed, or -1 on bad usage. */
static int
parse_args(int argc, char **argv, struct sim *s, struct args *g)
{
	int a;
	size_t i;

	for (a = 1; a < argc; a++) {
		const char *v = a + 1 < argc ? argv[a + 1] : NULL;
		char *end;

		if (strcmp(argv[a], "--list-scenarios") == 0) {
			for (i = 0; i < sizeof(scenarios) / sizeof(*scenarios);
			    i++)
				printf("%-22s %s\n", scenarios[i].name,
				    scenarios[i].what);
			return 1;
		}
		if (v == NULL)
			return -1;
		if (strcmp(argv[a], "--size") == 0) {
			if (parse_size(v, &s->target) != 0)
				return -1;
		} else if (strcmp(argv[a], "--seed") == 0) {
			s->seed = strtoull(v, &end, 10);
			if (*end != '\0')
				return -1;
		} else if (strcmp(argv[a], "--out") == 0) {
			g->out = v;
		} else if (strcmp(argv[a], "--keys") == 0) {
			g->keys = v;
		} else if (strcmp(argv[a], "--scenario") == 0) {
			g->scen = v;
		} else if (strcmp(argv[a], "--linktype") == 0 &&
		    (strcmp(v, "sll2") == 0 || strcmp(v, "eth") == 0)) {
			g->link = strcmp(v, "sll2") == 0 ? GLINK_SLL2 :
			    GLINK_ETH;
		} else {
			return -1;
		}
		a++;
	}
	if (g->out == NULL || (g->scen == NULL) == (s->target == 0))
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	struct sim s;
	struct args g = { NULL, NULL, NULL, GLINK_ETH };
	const struct scenario *sc = NULL;
	size_t i;
	int rc;

	memset(&s, 0, sizeof(s));
	s.seed = 1;
	rc = parse_args(argc, argv, &s, &g);
	if (rc != 0)
		return rc > 0 ? 0 : usage();
	for (i = 0; g.scen && i < sizeof(scenarios) / sizeof(*scenarios); i++)
		if (strcmp(scenarios[i].name, g.scen) == 0)
			sc = &scenarios[i];
	if (g.scen != NULL && sc == NULL) {
		fprintf(stderr, "gen_capture: unknown scenario %s\n", g.scen);
		return 2;
	}
	if (sc != NULL && (sc->flags & SC_SLL2))
		g.link = GLINK_SLL2;
	grng_seed(&s.rng, s.seed);
	s.out = gout_new(g.out, sc && (sc->flags & SC_SLL2) ? GFILE_PCAPNG :
	    GFILE_PCAP, g.link, sc && (sc->flags & SC_QINQ));
	if (s.out == NULL) {
		fprintf(stderr, "gen_capture: %s: %s\n", g.out, strerror(errno));
		return 1;
	}
	if (sc != NULL && (sc->flags & SC_VXLAN))
		gout_set_vxlan(s.out, true);
	if (g.keys != NULL && (s.keys = fopen(g.keys, "w")) == NULL) {
		fprintf(stderr, "gen_capture: %s: %s\n", g.keys,
		    strerror(errno));
		gout_free(s.out);
		return 1;
	}
	if (bulk_start(&s) != 0 || (sc ? run_scenario(&s, sc) : run(&s)) != 0) {
		fprintf(stderr, "gen_capture: out of memory\n");
		rc = 1;
	}
	print_summary(&s, g.out);
	if (gout_free(s.out) != 0 || (s.keys != NULL && fclose(s.keys) != 0)) {
		fprintf(stderr, "gen_capture: write error\n");
		rc = 1;
	}
	free(s.pool);
	free(s.heap);
	return rc;
}
