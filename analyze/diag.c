/*
 * Diagnosis (see diag.h). The rules read a finalised SA's timeline from
 * the first exchange on: IKE_SA_INIT (answered? with which notify?),
 * then IKE_AUTH (answered? what does the encrypted response begin
 * with?), then what followed (ESP, liveness, deletes). Where content is
 * encrypted and no keys are known, the event says it is inferred and
 * from what. Windows values (failure point, states, roles) follow
 * ../shared/reference/ikeext-enums.md.
 */
#include "analyze/diag.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/ikev2_registry.h"
#include "analyze/policy.h"
#include "formats/limits.h"

#define NS_PER_SEC 1000000000LL

/* IPSEC_FAILURE_POINT, IKEEXT_*_STATE, IKEEXT_SA_ROLE, key module and
 * auth method values (ikeext-enums.md). */
enum {
	FP_NONE = 0, FP_ME = 1, FP_PEER = 2,
	KEYMOD_IKE = 0, KEYMOD_IKEV2 = 2,
	MM_NONE = 0, MM_SA_SENT = 1, MM_FINAL = 3, MM_FINAL_SENT = 4,
	QM_INITIAL = 1, QM_FINAL = 2,
	ROLE_INITIATOR = 0, ROLE_RESPONDER = 1,
	AUTHM_PSK = 0, AUTHM_CERT = 1, AUTHM_ECDSA_P256 = 7,
	AUTHM_ECDSA_P384 = 8, AUTHM_EAP = 11,
};

/* A negotiation still in flight this close to the end of the capture is
 * incomplete, not failed. An initiator sends IKE_AUTH within
 * milliseconds of the IKE_SA_INIT response (no user input, one DH
 * computation), so silence after it is judged sooner. */
#define INCOMPLETE_NS (3 * NS_PER_SEC)
#define INCOMPLETE_AFTER_INIT_NS (1 * NS_PER_SEC)
/* IKE_AUTH plaintext below this cannot hold IDr + AUTH + SA + TSi + TSr
 * (RFC 7296 1.2: at least 12 + 28 + 28 + 24 + 24 bytes). */
#define AUTH_WITH_CHILD_MIN 110
/* An initiator notification this soon after the IKE_AUTH response is
 * its verdict on the responder's authentication. */
#define VERDICT_NS (10 * NS_PER_SEC)

enum ev_class { EV_MM, EV_QM, EV_DROP, EV_AUTO };
enum detector { DET_SENDER, DET_INITIATOR, DET_RESPONDER, DET_RECEIVER };
enum basis { BASIS_DOC, BASIS_JUDGE };

struct diag_row {
	const char *name;
	uint16_t notify;
	uint32_t win_error;
	enum ev_class event;
	enum detector detector;
	enum basis basis;
	const char *text;
};

static const struct diag_row rows[] = {
#define DIAG(name, notify, win, event, detector, basis, text)                \
	{#name, notify, win, EV_##event, DET_##detector, BASIS_##basis, text},
#include "analyze/diag.def"
#undef DIAG
};

#define MAX_HELD 4096u
#define CODE_BASE 13000u
#define CODE_SPAN 1000u
#define MAX_OTHER_CODES 64u
#define MAX_INPUTS 256u

/* What responders accepted, for explaining NO_PROPOSAL_CHOSEN. */
#define ACCEPT_MEMORY 256u

struct accepted {
	struct net_addr resp;
	struct ikev2_proposal chosen;
};

struct diag {
	struct accepted accepted[ACCEPT_MEMORY];
	size_t n_accepted, next_accepted;
	diag_emit_fn emit;
	void *ctx;
	struct net_addr local[16];
	size_t n_local;
	char input_names[MAX_INPUTS][128];
	uint64_t freq[CODE_SPAN];              /* 13000..13999 */
	struct freq_item other[MAX_OTHER_CODES]; /* anything else */
	size_t n_other;
	struct freq_item *sorted;
	size_t n_sorted;
	uint64_t events;
	struct fail_event *held;               /* daemon/kernel events */
	bool *held_used;
	size_t n_held, held_cap;
};

uint32_t
diag_win_error(enum diag_kind k)
{
	return (unsigned)k < DIAG__COUNT ? rows[k].win_error : 0;
}

const char *
diag_kind_name(enum diag_kind k)
{
	return (unsigned)k < DIAG__COUNT ? rows[k].name : "UNKNOWN";
}

const char *
diag_kind_text(enum diag_kind k)
{
	return (unsigned)k < DIAG__COUNT ? rows[k].text : "";
}

enum diag_kind
diag_kind_for_notify(uint16_t notify)
{
	size_t i;

	for (i = 0; i < DIAG__COUNT; i++)
		if (rows[i].notify == notify && notify != 0)
			return (enum diag_kind)i;
	return DIAG_N_OTHER_ERROR;
}

struct diag *
diag_new(diag_emit_fn emit, void *ctx)
{
	struct diag *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	d->emit = emit;
	d->ctx = ctx;
	return d;
}

void
diag_free(struct diag *d)
{
	if (d == NULL)
		return;
	free(d->held);
	free(d->held_used);
	free(d->sorted);
	free(d);
}

void
diag_add_local(struct diag *d, const struct net_addr *a)
{
	if (d->n_local < sizeof(d->local) / sizeof(d->local[0]))
		d->local[d->n_local++] = *a;
}

void
diag_set_input_name(struct diag *d, uint32_t input, const char *name)
{
	if (input < MAX_INPUTS)
		snprintf(d->input_names[input], sizeof(d->input_names[0]), "%s",
		    name);
}

static bool
is_local(const struct diag *d, const struct net_addr *a)
{
	size_t i;

	for (i = 0; i < d->n_local; i++)
		if (net_addr_eq(&d->local[i], a))
			return true;
	return false;
}

static void
count(struct diag *d, uint32_t code, uint32_t n)
{
	size_t i;

	if (code >= CODE_BASE && code < CODE_BASE + CODE_SPAN) {
		d->freq[code - CODE_BASE] += n;
		return;
	}
	for (i = 0; i < d->n_other; i++)
		if (d->other[i].win_error == code) {
			d->other[i].frequency += n;
			return;
		}
	if (d->n_other < MAX_OTHER_CODES) {
		d->other[d->n_other].win_error = code;
		d->other[d->n_other++].frequency = n;
	}
}

/* Close enough in time and peers to be the same failure. */
static bool
same_failure(const struct fail_event *w, const struct fail_event *h)
{
	int64_t dt = w->ts_sec - h->ts_sec;

	if (dt < -10 || dt > 10)
		return false;
	return net_addr_eq(&w->remote, &h->remote) ||
	    net_addr_eq(&w->remote, &h->local) ||
	    net_addr_eq(&w->local, &h->remote);
}

/* Folds a held daemon/kernel event into a wire event: the daemon's code
 * wins (it knows the cause the wire may over-claim), both are shown. */
static void
absorb_held(struct diag *d, struct fail_event *ev)
{
	size_t i;

	for (i = 0; i < d->n_held; i++) {
		const struct fail_event *h = &d->held[i];

		if (d->held_used[i] || !same_failure(ev, h))
			continue;
		d->held_used[i] = true;
		if (h->win_error != ev->win_error) {
			size_t used = strlen(ev->detail);

			snprintf(ev->detail + used, sizeof(ev->detail) - used,
			    "%swire alone suggested error %u",
			    used ? "; " : "", ev->win_error);
			ev->win_error = h->win_error;
		}
		snprintf(ev->daemon_evidence, sizeof(ev->daemon_evidence),
		    "%s", h->reason);
		ev->sources |= h->sources;
		ev->inferred = false;
		return;
	}
}

static void
emit(struct diag *d, struct fail_event *ev)
{
	if (ev->count == 0)
		ev->count = 1;
	if (ev->sources & EVENT_SRC_WIRE)
		absorb_held(d, ev);
	count(d, ev->win_error, ev->count);
	d->events++;
	if (d->emit)
		d->emit(ev, d->ctx);
}

/* The event skeleton for an IKE SA: addresses, sides, SPIs. */
static void
event_base(struct diag *d, const struct ike_sa *sa, struct fail_event *ev,
    bool *local_is_init)
{
	memset(ev, 0, sizeof(*ev));
	ev->traffic_type = -1; /* unknown unless seen */
	*local_is_init = !is_local(d, &sa->resp_addr) ||
	    is_local(d, &sa->init_addr);
	ev->sources = EVENT_SRC_WIRE;
	ev->ip_version = sa->init_addr.family;
	ev->ip_protocol = 17;
	ev->local = *local_is_init ? sa->init_addr : sa->resp_addr;
	ev->remote = *local_is_init ? sa->resp_addr : sa->init_addr;
	ev->local_port = *local_is_init ? sa->init_port : sa->resp_port;
	ev->remote_port = *local_is_init ? sa->resp_port : sa->init_port;
	ev->keying_module = sa->ike_major == 1 ? KEYMOD_IKE : KEYMOD_IKEV2;
	ev->sa_role = *local_is_init ? ROLE_INITIATOR : ROLE_RESPONDER;
	ev->auth_method = sa->auth_method;
	ev->mm_id = sa->serial;
	memcpy(ev->spi_i, sa->spi_i, 8);
	memcpy(ev->spi_r, sa->spi_r, 8);
	snprintf(ev->local_id, sizeof(ev->local_id), "%s",
	    *local_is_init ? sa->id_i : sa->id_r);
	snprintf(ev->remote_id, sizeof(ev->remote_id), "%s",
	    *local_is_init ? sa->id_r : sa->id_i);
	if (sa->input < MAX_INPUTS)
		snprintf(ev->input, sizeof(ev->input), "%s",
		    d->input_names[sa->input]);
}

static void
set_time(struct fail_event *ev, int64_t ns)
{
	ev->ts_sec = ns / NS_PER_SEC;
	ev->ts_nsec = (uint32_t)(ns % NS_PER_SEC);
}

static void
add_frame(struct fail_event *ev, uint64_t frame)
{
	uint32_t i;

	if (frame == 0)
		return;
	for (i = 0; i < ev->n_frames; i++)
		if (ev->frames[i] == frame)
			return;
	if (ev->n_frames < LIMIT_EVIDENCE_FRAMES)
		ev->frames[ev->n_frames++] = frame;
}

static void
add_exchange_frames(struct fail_event *ev, const struct ike_exchange *e)
{
	add_frame(ev, e->req_frame);
	add_frame(ev, e->resp_frame);
}

static bool child_only_error(uint16_t n);

/* One traffic selector as text: "10.1.0.0-10.1.0.255" (RFC 7296
 * 3.13.1 ranges; ports and protocol left out). */
static void
ts_text(const struct ikev2_selector *t, char *dst, size_t len)
{
	struct net_addr a, b;
	char s1[64], s2[64], both[160];
	size_t n;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	if (t->addr_len != 4 && t->addr_len != 16) {
		dst[0] = '\0';
		return;
	}
	a.family = b.family = t->addr_len == 4 ? 4 : 6;
	memcpy(a.bytes, t->start, t->addr_len);
	memcpy(b.bytes, t->end, t->addr_len);
	net_addr_str(&a, s1, sizeof(s1));
	net_addr_str(&b, s2, sizeof(s2));
	snprintf(both, sizeof(both), "%s-%s", s1, s2);
	n = strnlen(both, len - 1);
	memcpy(dst, both, n);
	dst[n] = '\0';
}

/* QM failures carry the CHILD SA's selectors (tunnel mode) when the
 * IKE_AUTH was decrypted: TSi is the initiator's side. */
static void
child_selectors(const struct ike_sa *sa, bool local_init,
    struct fail_event *ev)
{
	const struct ikev2_selector *l = local_init ? sa->tsi : sa->tsr;
	const struct ikev2_selector *r = local_init ? sa->tsr : sa->tsi;
	uint8_t nl = local_init ? sa->n_tsi : sa->n_tsr;
	uint8_t nr = local_init ? sa->n_tsr : sa->n_tsi;

	if (nl == 0 || nr == 0)
		return;
	/* The mode (USE_TRANSPORT_MODE) is not tracked: traffic_type stays
	 * unknown rather than guessed. */
	ts_text(&l[0], ev->local_ts, sizeof(ev->local_ts));
	ts_text(&r[0], ev->remote_ts, sizeof(ev->remote_ts));
}

/* What the certificates say about a failure: validity at the time they
 * were sent, and whether the chain answers the peer's CERTREQ. */
static void
cert_notes(const struct ike_sa *sa, char *dst, size_t len)
{
	const struct ike_cert_seen *side[2] = {&sa->cert_i, &sa->cert_r};
	static const char *const who[2] = {"initiator", "responder"};
	size_t used = strlen(dst);
	int i;

	for (i = 0; i < 2 && used < len; i++) {
		const struct ike_cert_seen *c = side[i];
		uint8_t n_req = i == 0 ? sa->n_req_ca_r : sa->n_req_ca_i;
		int w = 0;

		if (!c->present)
			continue;
		if (c->used_at > c->not_after)
			w = snprintf(dst + used, len - used, "%s%s certificate "
			    "%s expired %lld s before it was sent",
			    used ? "; " : "", who[i], c->subject,
			    (long long)(c->used_at - c->not_after));
		else if (c->used_at < c->not_before)
			w = snprintf(dst + used, len - used, "%s%s certificate "
			    "%s not valid until %lld s after it was sent",
			    used ? "; " : "", who[i], c->subject,
			    (long long)(c->not_before - c->used_at));
		else if (n_req > 0 && !c->from_requested_ca && c->n_chain > 1)
			/* Only a chain can show it: a lone end certificate's
			 * issuer key is not in the message. */
			w = snprintf(dst + used, len - used, "%s%s sent %s "
			    "issued by %s; none of its %u certificates is a CA "
			    "the %s requested (CERTREQ)", used ? "; " : "",
			    who[i], c->subject, c->issuer, c->n_chain,
			    who[1 - i]);
		else
			w = snprintf(dst + used, len - used, "%s%s certificate "
			    "%s issued by %s", used ? "; " : "", who[i],
			    c->subject, c->issuer);
		if (w > 0)
			used += (size_t)w;
	}
}

/*
 * Builds and emits one event of kind k for sa. e is the exchange where it
 * happened (may be NULL); sender_is_init says who sent the notify (for
 * SENDER rows).
 */
static void
report(struct diag *d, struct ike_sa *sa, enum diag_kind k,
    const struct ike_exchange *e, bool sender_is_init, int64_t ns,
    const char *basis, const char *detail)
{
	const struct diag_row *r = &rows[k];
	struct fail_event ev;
	bool local_init, detector_init;
	enum ev_class cls = r->event;

	event_base(d, sa, &ev, &local_init);
	set_time(&ev, ns);
	ev.win_error = r->win_error;
	if (k == DIAG_N_MS_STATUS || (sa->ms_status_seen && r->notify != 0))
		ev.win_error = sa->ms_status;
	switch (r->detector) {
	case DET_INITIATOR:
		detector_init = true;
		break;
	case DET_RESPONDER:
		detector_init = false;
		break;
	default:
		detector_init = sender_is_init;
		break;
	}
	ev.failure_point = detector_init == local_init ? FP_ME : FP_PEER;
	if (cls == EV_AUTO)
		cls = (e != NULL && (e->exchange == IKEV2_EXCH_CREATE_CHILD_SA ||
		    (e->exchange == IKEV2_EXCH_IKE_AUTH &&
		    child_only_error(r->notify)))) ? EV_QM : EV_MM;
	ev.type = cls == EV_QM ? EVENT_QM_FAILURE : cls == EV_DROP ?
	    EVENT_KERNEL_DROP : EVENT_MM_FAILURE;
	if (cls == EV_QM)
		child_selectors(sa, local_init, &ev);
	if (e != NULL) {
		ev.exchange = e->exchange;
		ev.retransmissions = e->retransmissions;
		add_exchange_frames(&ev, e);
		if (cls == EV_QM)
			ev.state = e->answered ? QM_FINAL : QM_INITIAL;
		else if (e->exchange == IKEV2_EXCH_IKE_SA_INIT)
			ev.state = MM_SA_SENT;
		else
			ev.state = e->answered ? MM_FINAL_SENT : MM_FINAL;
	}
	ev.notify = r->notify;
	if (k == DIAG_N_OTHER_ERROR && e != NULL)
		ev.notify = e->resp_error ? e->resp_error : e->req_error;
	ev.inferred = basis != NULL;
	snprintf(ev.basis, sizeof(ev.basis), "%s", basis ? basis : "");
	snprintf(ev.reason, sizeof(ev.reason), "%s", r->text);
	snprintf(ev.detail, sizeof(ev.detail), "%s", detail ? detail : "");
	cert_notes(sa, ev.detail, sizeof(ev.detail));
	/* endCertHash: the local side's end certificate, else the peer's. */
	{
		const struct ike_cert_seen *lc = local_init ? &sa->cert_i :
		    &sa->cert_r, *rc = local_init ? &sa->cert_r : &sa->cert_i;
		const struct ike_cert_seen *c = lc->present ? lc : rc;

		if (c->present) {
			ev.has_cert_hash = true;
			memcpy(ev.end_cert_hash, c->sha1, 20);
		}
	}
	if (k == DIAG_NO_CERT && ev.auth_method < 0)
		ev.auth_method = AUTHM_CERT;
	emit(d, &ev);
}

static const struct ike_exchange *
first_exchange(const struct ike_sa *sa, uint8_t type)
{
	uint16_t i;

	for (i = 0; i < sa->n_exch; i++)
		if (sa->exch[i].exchange == type)
			return &sa->exch[i];
	return NULL;
}

static const struct ike_exchange *
last_exchange(const struct ike_sa *sa, uint8_t type)
{
	int i;

	for (i = sa->n_exch - 1; i >= 0; i--)
		if (sa->exch[i].exchange == type)
			return &sa->exch[i];
	return NULL;
}

static void
outcome(struct ike_sa *sa, enum ike_outcome o, bool inferred,
    const char *text)
{
	sa->outcome = o;
	sa->inferred = inferred;
	snprintf(sa->outcome_text, sizeof(sa->outcome_text), "%s", text);
}

static bool
incomplete_at_end(int64_t end_ns, bool at_end, int64_t last_ns)
{
	return at_end && end_ns - last_ns < INCOMPLETE_NS;
}

/* A proposal this responder accepted elsewhere in the inputs. */
static const struct ikev2_proposal *
known_accept(const struct diag *d, const struct ike_sa *sa)
{
	size_t i;

	for (i = 0; i < d->n_accepted; i++)
		if (net_addr_eq(&d->accepted[i].resp, &sa->resp_addr))
			return &d->accepted[i].chosen;
	return NULL;
}

static void
remember_accept(struct diag *d, const struct ike_sa *sa)
{
	struct accepted *a;
	size_t i;

	if (!sa->has_chosen)
		return;
	for (i = 0; i < d->n_accepted; i++)
		if (net_addr_eq(&d->accepted[i].resp, &sa->resp_addr)) {
			d->accepted[i].chosen = sa->chosen;
			return;
		}
	a = &d->accepted[d->next_accepted];
	d->next_accepted = (d->next_accepted + 1) % ACCEPT_MEMORY;
	if (d->n_accepted < ACCEPT_MEMORY)
		d->n_accepted++;
	a->resp = sa->resp_addr;
	a->chosen = sa->chosen;
}

/* IKE_SA_INIT was answered with an error (RFC 7296 1.2, 2.6). */
static void
judge_init_error(struct diag *d, struct ike_sa *sa,
    const struct ike_exchange *init)
{
	char detail[512];
	enum diag_kind k = diag_kind_for_notify(init->resp_error);

	if (init->resp_error == IKEV2_N_INVALID_KE_PAYLOAD) {
		if (sa->retried_by != 0) {
			outcome(sa, IKE_OUT_RETRIED, false, "INVALID_KE_PAYLOAD: "
			    "retried with the requested group");
			return;
		}
		snprintf(detail, sizeof(detail), "initiator offered group %s, "
		    "responder requested %s%s",
		    ikev2_name(IKEV2_REG_KE, sa->ke_group_offered),
		    ikev2_name(IKEV2_REG_KE, sa->ke_group_requested),
		    sa->retry_of ? " again after a retry" :
		    "; the initiator did not retry");
		outcome(sa, IKE_OUT_FAILED, false, "INVALID_KE_PAYLOAD loop");
		report(d, sa, sa->retry_of ? DIAG_INVALID_KE_LOOP :
		    DIAG_N_INVALID_KE_PAYLOAD, init, false, init->resp_ns, NULL,
		    detail);
		return;
	}
	if (init->resp_error == IKEV2_N_NO_PROPOSAL_CHOSEN)
		policy_explain_no_proposal(sa, known_accept(d, sa), detail,
		    sizeof(detail));
	else
	{
		char chain[160];

		snprintf(detail, sizeof(detail), "IKE_SA_INIT response: %s",
		    ike_exchange_chain(init, true, chain, sizeof(chain)));
	}
	outcome(sa, IKE_OUT_FAILED, false, diag_kind_text(k));
	report(d, sa, k, init, false, init->resp_ns, NULL, detail);
}

static void
judge_init_unanswered(struct diag *d, struct ike_sa *sa,
    const struct ike_exchange *init, int64_t end_ns, bool at_end)
{
	char detail[256];

	if (init->retransmissions == 0 &&
	    incomplete_at_end(end_ns, at_end, init->last_req_ns)) {
		outcome(sa, IKE_OUT_INCOMPLETE, false,
		    "capture ended while IKE_SA_INIT was in flight");
		return;
	}
	snprintf(detail, sizeof(detail), "sent %u times over %.1f s%s",
	    init->retransmissions + 1u,
	    (double)(init->last_req_ns - init->req_ns) / 1e9,
	    sa->icmp_unreachable ? "; ICMP port unreachable came back: the "
	    "host is up but nothing listens for IKE" : "");
	outcome(sa, IKE_OUT_UNANSWERED, false, "IKE_SA_INIT never answered");
	report(d, sa, DIAG_TIMEOUT_INIT, init, true, init->last_req_ns, NULL,
	    detail);
}

/* The response's plaintext size, estimated from the SK payload: what is
 * left after the generic header, IV and ICV (padding unknown). */
static long
auth_plain_estimate(const struct ike_sa *sa, const struct ike_exchange *e)
{
	long iv = 16, icv = 16;
	uint8_t i;

	if (sa->has_chosen)
		for (i = 0; i < sa->chosen.n_transforms; i++) {
			const struct ikev2_transform *x = &sa->chosen.xf[i];

			if (x->type == IKEV2_TT_ENCR)
				iv = (x->id == IKEV2_ENCR_AES_CBC) ? 16 :
				    (x->id == IKEV2_ENCR_3DES) ? 8 : 8;
			if (x->type == IKEV2_TT_INTEG)
				icv = (x->id == IKEV2_INTEG_HMAC_SHA2_384_192) ?
				    24 : (x->id ==
				    IKEV2_INTEG_HMAC_SHA2_512_256) ? 32 :
				    (x->id == IKEV2_INTEG_HMAC_SHA2_256_128) ?
				    16 : 12;
		}
	return (long)e->resp_sk_len - 4 - iv - icv;
}

/* Did anything answered or ESP follow the exchange at index i? */
static bool
activity_after(const struct ike_sa *sa, const struct ike_exchange *e)
{
	uint16_t i;

	if (sa->esp_after_auth > 0)
		return true;
	for (i = (uint16_t)(e - sa->exch) + 1; i < sa->n_exch; i++)
		if (sa->exch[i].answered)
			return true;
	return false;
}

/* The initiator's INFORMATIONAL right after IKE_AUTH carrying a notify,
 * with nothing answered after it: its verdict on the responder. */
static const struct ike_exchange *
initiator_verdict(const struct ike_sa *sa, const struct ike_exchange *auth)
{
	uint16_t i = (uint16_t)(auth - sa->exch) + 1;
	const struct ike_exchange *v;

	/* The verdict is the initiator's next request, a notification,
	 * soon after the response, and the last thing the SA ever did: a
	 * responder request or any exchange after it means the SA lived on
	 * (MOBIKE's NO_ADDITIONAL_ADDRESSES looks the same from outside;
	 * strongSwan lab, TS scenario). */
	if (i + 1u != sa->n_exch || sa->esp_after_auth)
		return NULL;
	v = &sa->exch[i];
	if (v->exchange != IKEV2_EXCH_INFORMATIONAL || !v->from_initiator ||
	    v->req_ns - auth->resp_ns >= VERDICT_NS ||
	    !ike_exchange_notify_first(v, false))
		return NULL;
	return v;
}

/* Errors about the CHILD SA only: the IKE SA itself is up (RFC 7296
 * 1.2: the IKE SA survives a failed first CHILD SA). */
static bool
child_only_error(uint16_t n)
{
	return n == IKEV2_N_NO_PROPOSAL_CHOSEN ||
	    n == IKEV2_N_TS_UNACCEPTABLE || n == IKEV2_N_SINGLE_PAIR_REQUIRED ||
	    n == IKEV2_N_INTERNAL_ADDRESS_FAILURE ||
	    n == IKEV2_N_FAILED_CP_REQUIRED || n == IKEV2_N_NO_ADDITIONAL_SAS;
}

/* Signature-based AUTH methods (RFC 7296 3.8, RFC 4754, RFC 7427). */
static bool
signature_auth(int16_t m)
{
	return m == 1 || m == 3 || m == 9 || m == 10 || m == 11 || m == 14;
}

/* The IKE_AUTH exchange was decrypted: no inference needed. */
static bool
judge_auth_decrypted(struct diag *d, struct ike_sa *sa,
    const struct ike_exchange *auth)
{
	const struct ike_exchange *v;
	uint16_t i;

	if (sa->certreq_from_resp && signature_auth(sa->auth_method) &&
	    !sa->auth_has_cert_i) {
		outcome(sa, IKE_OUT_FAILED, false, "no certificate sent "
		    "although the responder requested one");
		report(d, sa, DIAG_NO_CERT, auth, true, auth->req_ns, NULL,
		    "decrypted IKE_AUTH request: signature AUTH, no CERT "
		    "payload, CERTREQ received");
		return true;
	}
	if (auth->resp_error != 0) {
		enum diag_kind k = diag_kind_for_notify(auth->resp_error);

		if (child_only_error(auth->resp_error))
			outcome(sa, IKE_OUT_ESTABLISHED, false, "IKE SA up, "
			    "first CHILD SA refused");
		else
			outcome(sa, IKE_OUT_FAILED, false, diag_kind_text(k));
		report(d, sa, k, auth, false, auth->resp_ns, NULL, NULL);
		return true;
	}
	for (i = (uint16_t)(auth - sa->exch) + 1; i < sa->n_exch; i++) {
		v = &sa->exch[i];
		if (v->req_error == IKEV2_N_AUTHENTICATION_FAILED) {
			outcome(sa, IKE_OUT_FAILED, false, "initiator rejected "
			    "the responder's authentication");
			report(d, sa, DIAG_N_AUTHENTICATION_FAILED, v,
			    v->from_initiator, v->req_ns, NULL, NULL);
			return true;
		}
	}
	outcome(sa, IKE_OUT_ESTABLISHED, false, "established");
	return true;
}

static void
judge_auth_answered(struct diag *d, struct ike_sa *sa,
    const struct ike_exchange *auth)
{
	char basis[192];
	const struct ike_exchange *v;
	long plain = auth_plain_estimate(sa, auth);

	if (auth->decrypted && judge_auth_decrypted(d, sa, auth))
		return;
	if (auth->resp_error != 0) { /* an unencrypted error answer */
		enum diag_kind k = diag_kind_for_notify(auth->resp_error);

		outcome(sa, IKE_OUT_FAILED, false, diag_kind_text(k));
		report(d, sa, k, auth, false, auth->resp_ns, NULL, NULL);
		return;
	}
	if (ike_exchange_notify_first(auth, true) &&
	    !activity_after(sa, auth)) {
		snprintf(basis, sizeof(basis), "IKE_AUTH response (frame %llu) "
		    "is encrypted, begins with a Notify payload (~%ld bytes) "
		    "and nothing followed; %s",
		    (unsigned long long)auth->resp_frame, plain,
		    sa->decrypt_failed ? "the keys given did not verify" :
		    "no keys to read it");
		outcome(sa, IKE_OUT_FAILED, true, "authentication rejected "
		    "by the responder (inferred)");
		report(d, sa, DIAG_AUTH_FAILED_RESPONDER, auth, false,
		    auth->resp_ns, basis, NULL);
		return;
	}
	v = initiator_verdict(sa, auth);
	if (v != NULL) {
		snprintf(basis, sizeof(basis), "initiator sent an encrypted "
		    "notification (frame %llu) %.1f s after the IKE_AUTH "
		    "response, then no ESP and no further exchange",
		    (unsigned long long)v->req_frame,
		    (double)(v->req_ns - auth->resp_ns) / 1e9);
		outcome(sa, IKE_OUT_FAILED, true, "initiator rejected the "
		    "responder's authentication (inferred)");
		report(d, sa, DIAG_AUTH_FAILED_INITIATOR, v, true, v->req_ns,
		    basis, NULL);
		return;
	}
	if (sa->esp_after_auth > 0) {
		outcome(sa, IKE_OUT_ESTABLISHED, true, "established (ESP seen "
		    "on the pair after IKE_AUTH)");
		return;
	}
	if (plain >= 0 && plain < AUTH_WITH_CHILD_MIN) {
		snprintf(basis, sizeof(basis), "IKE_AUTH response (frame %llu) "
		    "holds ~%ld bytes of payloads: too few for AUTH, SA and "
		    "traffic selectors; no ESP followed",
		    (unsigned long long)auth->resp_frame, plain);
		outcome(sa, IKE_OUT_ESTABLISHED, true, "IKE SA up, first CHILD "
		    "SA refused (inferred)");
		report(d, sa, DIAG_CHILD_FAILED, auth, false, auth->resp_ns,
		    basis, NULL);
		return;
	}
	outcome(sa, IKE_OUT_ESTABLISHED, true, activity_after(sa, auth) ?
	    "established (later exchanges answered)" :
	    "established (IKE_AUTH response layout; no ESP seen)");
}

static void
judge_after_init(struct diag *d, struct ike_sa *sa,
    const struct ike_exchange *init, int64_t end_ns, bool at_end)
{
	const struct ike_exchange *auth = last_exchange(sa,
	    IKEV2_EXCH_IKE_AUTH);
	char basis[192], detail[256];

	if (auth == NULL) {
		if (at_end && end_ns - init->resp_ns <
		    INCOMPLETE_AFTER_INIT_NS) {
			outcome(sa, IKE_OUT_INCOMPLETE, false, "capture ended "
			    "after IKE_SA_INIT");
			return;
		}
		snprintf(basis, sizeof(basis), "IKE_SA_INIT answered (frame "
		    "%llu)%s; no IKE_AUTH in the following %.0f s",
		    (unsigned long long)init->resp_frame,
		    sa->certreq_from_resp ? " with CERTREQ" : "",
		    (double)(end_ns - init->resp_ns) / 1e9);
		outcome(sa, IKE_OUT_ABANDONED, true, sa->certreq_from_resp ?
		    "no certificate to answer CERTREQ (inferred)" :
		    "initiator stopped after IKE_SA_INIT");
		report(d, sa, sa->certreq_from_resp ? DIAG_NO_CERT :
		    DIAG_ABANDONED_AFTER_INIT, init, true, init->resp_ns, basis,
		    NULL);
		return;
	}
	if (!auth->answered) {
		if (auth->retransmissions == 0 &&
		    incomplete_at_end(end_ns, at_end, auth->last_req_ns)) {
			outcome(sa, IKE_OUT_INCOMPLETE, false, "capture ended "
			    "while IKE_AUTH was in flight");
			return;
		}
		snprintf(detail, sizeof(detail), "IKE_AUTH request of %u bytes "
		    "sent %u times%s%s", auth->req_len,
		    auth->retransmissions + 1u, auth->req_frags > 1 ?
		    ", fragmented" : "", (auth->req_len > 1280 &&
		    !(sa->frag_supported_i && sa->frag_supported_r)) ?
		    "; large and without IKEv2 fragmentation: IP fragments "
		    "may be dropped on the path" : "");
		outcome(sa, IKE_OUT_UNANSWERED, false, "IKE_AUTH never "
		    "answered");
		report(d, sa, DIAG_TIMEOUT_AUTH, auth, true, auth->last_req_ns,
		    NULL, detail);
		return;
	}
	judge_auth_answered(d, sa, auth);
}

/* Requests left unanswered on an SA that was up: DPD failure, or a
 * CREATE_CHILD_SA that timed out. */
static void
judge_later(struct diag *d, struct ike_sa *sa, int64_t end_ns, bool at_end)
{
	int i;

	for (i = sa->n_exch - 1; i >= 0; i--) {
		const struct ike_exchange *e = &sa->exch[i];

		if (e->exchange != IKEV2_EXCH_INFORMATIONAL &&
		    e->exchange != IKEV2_EXCH_CREATE_CHILD_SA)
			continue;
		if (e->answered || !e->request_seen)
			return;
		if (e->retransmissions < 2 &&
		    incomplete_at_end(end_ns, at_end, e->last_req_ns))
			return;
		if (e->exchange == IKEV2_EXCH_CREATE_CHILD_SA)
			report(d, sa, DIAG_TIMEOUT_CHILD, e, e->from_initiator,
			    e->last_req_ns, NULL, NULL);
		else
			report(d, sa, DIAG_PEER_UNRESPONSIVE, e,
			    e->from_initiator, e->last_req_ns, NULL, NULL);
		return;
	}
}

/* Cleartext error notifies in later exchanges (e.g. unprotected
 * INVALID_IKE_SPI) and deletes. */
static void
judge_cleartext_errors(struct diag *d, struct ike_sa *sa,
    const struct ike_exchange *skip1, const struct ike_exchange *skip2)
{
	uint16_t i;

	for (i = 0; i < sa->n_exch; i++) {
		const struct ike_exchange *e = &sa->exch[i];
		uint16_t n = e->resp_error ? e->resp_error : e->req_error;

		if (e == skip1 || e == skip2 || n == 0)
			continue;
		report(d, sa, diag_kind_for_notify(n), e, e->resp_error ?
		    !e->from_initiator : e->from_initiator,
		    e->resp_error ? e->resp_ns : e->req_ns, NULL, NULL);
	}
}

void
diag_ike_sa(struct diag *d, struct ike_sa *sa, int64_t end_ns, bool at_end)
{
	const struct ike_exchange *init = first_exchange(sa,
	    IKEV2_EXCH_IKE_SA_INIT);
	const struct ike_exchange *auth = last_exchange(sa,
	    IKEV2_EXCH_IKE_AUTH);

	if (sa->outcome == IKE_OUT_RETRIED) {
		snprintf(sa->outcome_text, sizeof(sa->outcome_text),
		    "retried as IKE SA #%llu%s",
		    (unsigned long long)sa->retried_by, sa->cookie_requested ?
		    " (COOKIE)" : " (INVALID_KE_PAYLOAD)");
		return;
	}
	if (init == NULL) {
		outcome(sa, IKE_OUT_MIDSTREAM, false, "capture started after "
		    "the IKE SA was set up");
	} else if (!init->answered) {
		judge_init_unanswered(d, sa, init, end_ns, at_end);
		return;
	} else if (init->resp_error != 0) {
		judge_init_error(d, sa, init);
		return;
	} else if (sa->cookie_requested && !sa->has_chosen) {
		outcome(sa, IKE_OUT_FAILED, false, "COOKIE demanded, no retry");
		report(d, sa, DIAG_COOKIE_NOT_RETRIED, init, false,
		    init->resp_ns, NULL, NULL);
		return;
	} else {
		remember_accept(d, sa);
		judge_after_init(d, sa, init, end_ns, at_end);
		if (sa->outcome != IKE_OUT_ESTABLISHED)
			return;
	}
	judge_cleartext_errors(d, sa, init, auth);
	if (sa->ms_status_seen && sa->outcome != IKE_OUT_FAILED)
		report(d, sa, DIAG_N_MS_STATUS, auth ? auth : init, false,
		    sa->last_ns, NULL, NULL);
	judge_later(d, sa, end_ns, at_end);
	if (sa->deletes > 0 && sa->outcome == IKE_OUT_ESTABLISHED)
		snprintf(sa->outcome_text + strlen(sa->outcome_text),
		    sizeof(sa->outcome_text) - strlen(sa->outcome_text),
		    "; closed by Delete");
}

void
diag_esp_sa(struct diag *d, const struct esp_sa *sa)
{
	struct fail_event ev;
	uint8_t i;

	if (sa->replays == 0 && sa->icv_bad == 0)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.traffic_type = -1; /* unknown unless seen */
	ev.type = EVENT_KERNEL_DROP;
	ev.sources = EVENT_SRC_WIRE;
	ev.ip_version = sa->dst.family;
	ev.ip_protocol = sa->udp_encap ? 17 : 50;
	/* The receiver's anti-replay check drops them: it is local. */
	ev.local = sa->dst;
	ev.remote = sa->src;
	ev.local_port = sa->dport;
	ev.remote_port = sa->sport;
	ev.esp_spi = sa->spi;
	ev.direction = 1; /* FWP_DIRECTION_INBOUND */
	ev.failure_point = FP_ME;
	ev.mm_id = sa->ike_serial;
	ev.sa_role = ROLE_RESPONDER;
	ev.auth_method = -1;
	if (sa->input < MAX_INPUTS)
		snprintf(ev.input, sizeof(ev.input), "%s",
		    d->input_names[sa->input]);
	if (sa->replays > 0) {
		set_time(&ev, sa->first_replay_ns);
		ev.win_error = diag_win_error(DIAG_ESP_REPLAY);
		ev.ntstatus = 0xC0360004u; /* STATUS_IPSEC_REPLAY_CHECK_FAILED */
		ev.count = (uint32_t)(sa->replays > UINT32_MAX ? UINT32_MAX :
		    sa->replays);
		for (i = 0; i < sa->n_replay_frames; i++)
			add_frame(&ev, sa->replay_frames[i]);
		snprintf(ev.reason, sizeof(ev.reason), "%s",
		    diag_kind_text(DIAG_ESP_REPLAY));
		snprintf(ev.detail, sizeof(ev.detail), "SPI 0x%08x: %llu "
		    "replayed, %llu reordered, %llu lost of %llu packets",
		    sa->spi, (unsigned long long)sa->replays,
		    (unsigned long long)sa->reordered,
		    (unsigned long long)sa->lost,
		    (unsigned long long)sa->packets);
		emit(d, &ev);
	}
	if (sa->icv_bad > 0) {
		set_time(&ev, sa->last_ns);
		ev.win_error = diag_win_error(DIAG_ESP_ICV_FAILED);
		ev.ntstatus = 0xC0360006u;
		ev.count = (uint32_t)(sa->icv_bad > UINT32_MAX ? UINT32_MAX :
		    sa->icv_bad);
		snprintf(ev.reason, sizeof(ev.reason), "%s",
		    diag_kind_text(DIAG_ESP_ICV_FAILED));
		emit(d, &ev);
	}
}

void
diag_ikev1_notify(struct diag *d, const struct fail_event *base,
    uint16_t notify)
{
	struct fail_event ev = *base;

	/* RFC 2408 3.14.1 names; Windows maps IKEv1 failures like IKEv2's:
	 * NO-PROPOSAL-CHOSEN 14 -> POLICY_MATCH, AUTHENTICATION-FAILED 24 ->
	 * AUTH_FAIL, the rest -> the IKEv2 row of the same number. */
	enum diag_kind k = diag_kind_for_notify(notify);

	ev.win_error = diag_win_error(k);
	ev.notify = notify;
	snprintf(ev.reason, sizeof(ev.reason), "%s",
	    diag_kind_text(DIAG_IKEV1_NOTIFY));
	emit(d, &ev);
}

/* The event skeleton for an IKEv1 SA (no identities, proposals or
 * certificates: those travel encrypted and are not read). */
static void
ikev1_event(struct diag *d, const struct ikev1_sa *sa, enum diag_kind k,
    int64_t ns, struct fail_event *ev)
{
	const struct diag_row *r = &rows[k];
	bool local_init = !is_local(d, &sa->resp_addr) ||
	    is_local(d, &sa->init_addr);

	memset(ev, 0, sizeof(*ev));
	ev->traffic_type = -1;
	ev->sources = EVENT_SRC_WIRE;
	ev->ip_version = sa->init_addr.family;
	ev->ip_protocol = 17;
	ev->local = local_init ? sa->init_addr : sa->resp_addr;
	ev->remote = local_init ? sa->resp_addr : sa->init_addr;
	ev->local_port = local_init ? sa->init_port : sa->resp_port;
	ev->remote_port = local_init ? sa->resp_port : sa->init_port;
	ev->keying_module = KEYMOD_IKE;
	ev->sa_role = local_init ? ROLE_INITIATOR : ROLE_RESPONDER;
	ev->auth_method = -1;
	ev->failure_point = local_init ? FP_ME : FP_PEER; /* the initiator
	    detects every row here */
	ev->type = r->event == EV_QM ? EVENT_QM_FAILURE : EVENT_MM_FAILURE;
	ev->win_error = r->win_error;
	memcpy(ev->spi_i, sa->icookie, 8);
	memcpy(ev->spi_r, sa->rcookie, 8);
	set_time(ev, ns);
	snprintf(ev->reason, sizeof(ev->reason), "%s", r->text);
	if (sa->input < MAX_INPUTS)
		snprintf(ev->input, sizeof(ev->input), "%s",
		    d->input_names[sa->input]);
}

/* Phase 1: the initiator's last message went unanswered. */
static void
ikev1_phase1(struct diag *d, const struct ikev1_sa *sa, int64_t end_ns,
    bool at_end)
{
	struct fail_event ev;
	enum diag_kind k;

	if (sa->p1_from_init == 0 || (sa->p1_init_sends <= 1 &&
	    incomplete_at_end(end_ns, at_end, sa->p1_init_last_ns)))
		return; /* nothing asked, or the capture ended meanwhile */
	if (sa->p1_from_resp == 0)
		k = DIAG_IKEV1_TIMEOUT_MM;
	else if (sa->phase1 == 2 && sa->p1_enc_from_init > 0 &&
	    sa->p1_enc_from_resp == 0)
		k = DIAG_IKEV1_MM5_UNANSWERED;
	else
		return;
	ikev1_event(d, sa, k, sa->p1_init_last_ns, &ev);
	ev.exchange = sa->phase1;
	ev.state = k == DIAG_IKEV1_TIMEOUT_MM ? MM_SA_SENT : MM_FINAL;
	ev.retransmissions = sa->p1_init_sends - 1u;
	add_frame(&ev, sa->p1_init_first_frame);
	add_frame(&ev, sa->p1_init_last_frame);
	if (k == DIAG_IKEV1_MM5_UNANSWERED) {
		ev.inferred = true;
		snprintf(ev.basis, sizeof(ev.basis), "the responder answered "
		    "the clear Main Mode messages (%u), then none of the "
		    "initiator's encrypted ones", sa->p1_from_resp);
	}
	snprintf(ev.detail, sizeof(ev.detail), "IKEv1 %s message sent %u "
	    "time%s over %.1f s%s", sa->phase1 == 4 ? "Aggressive Mode" :
	    "Main Mode", sa->p1_init_sends, sa->p1_init_sends == 1 ? "" : "s",
	    (double)(sa->p1_init_last_ns - sa->p1_init_first_ns) / 1e9,
	    k == DIAG_IKEV1_MM5_UNANSWERED ? "; a pre-shared key or "
	    "certificate the responder cannot accept is the usual cause" :
	    "");
	emit(d, &ev);
}

void
diag_ikev1_sa(struct diag *d, const struct ikev1_sa *sa, int64_t end_ns,
    bool at_end)
{
	struct fail_event ev;
	uint8_t i;

	if (sa->error_notify)
		return; /* the notification was the event */
	ikev1_phase1(d, sa, end_ns, at_end);
	for (i = 0; i < sa->n_qm; i++) {
		const struct ikev1_qm *q = &sa->qm[i];

		if (q->answered || (q->sends <= 1 &&
		    incomplete_at_end(end_ns, at_end, q->last_ns)))
			continue;
		ikev1_event(d, sa, DIAG_IKEV1_TIMEOUT_QM, q->last_ns, &ev);
		ev.exchange = 32;
		ev.state = QM_INITIAL;
		ev.retransmissions = q->sends - 1u;
		add_frame(&ev, q->first_frame);
		add_frame(&ev, q->last_frame);
		snprintf(ev.detail, sizeof(ev.detail), "Quick Mode message ID "
		    "0x%08x sent %u time%s over %.1f s", q->msg_id, q->sends,
		    q->sends == 1 ? "" : "s",
		    (double)(q->last_ns - q->first_ns) / 1e9);
		emit(d, &ev);
	}
}

/* The held-events array grows on demand (most runs hold none). */
static bool
held_room(struct diag *d)
{
	size_t ncap;
	struct fail_event *h;
	bool *u;

	if (d->n_held < d->held_cap)
		return true;
	ncap = d->held_cap ? d->held_cap * 2 : 16;
	if (ncap > MAX_HELD)
		ncap = MAX_HELD;
	h = realloc(d->held, ncap * sizeof(*h));
	if (h == NULL)
		return false;
	d->held = h;
	u = realloc(d->held_used, ncap * sizeof(*u));
	if (u == NULL)
		return false;
	d->held_used = u;
	d->held_cap = ncap;
	return true;
}

void
diag_add_event(struct diag *d, const struct fail_event *ev)
{
	struct fail_event copy = *ev;

	if ((ev->sources & (EVENT_SRC_DAEMON | EVENT_SRC_KERNEL)) &&
	    d->n_held < MAX_HELD && held_room(d)) {
		d->held[d->n_held] = *ev;
		d->held_used[d->n_held++] = false;
		return;
	}
	emit(d, &copy);
}

void
diag_finish(struct diag *d)
{
	size_t i;

	for (i = 0; i < d->n_held; i++)
		if (!d->held_used[i]) {
			struct fail_event ev = d->held[i];

			d->held_used[i] = true;
			count(d, ev.win_error, ev.count ? ev.count : 1);
			d->events++;
			if (d->emit)
				d->emit(&ev, d->ctx);
		}
}

static int
freq_cmp(const void *a, const void *b)
{
	const struct freq_item *x = a, *y = b;

	if (x->frequency != y->frequency)
		return x->frequency > y->frequency ? -1 : 1;
	return x->win_error < y->win_error ? -1 : x->win_error > y->win_error;
}

const struct freq_item *
diag_freq(struct diag *d, size_t *n)
{
	size_t i, k = 0;

	free(d->sorted);
	d->sorted = calloc(CODE_SPAN + MAX_OTHER_CODES, sizeof(*d->sorted));
	if (d->sorted == NULL) {
		*n = 0;
		return NULL;
	}
	for (i = 0; i < CODE_SPAN; i++)
		if (d->freq[i] > 0) {
			d->sorted[k].win_error = (uint32_t)(CODE_BASE + i);
			d->sorted[k++].frequency = d->freq[i];
		}
	for (i = 0; i < d->n_other; i++)
		d->sorted[k++] = d->other[i];
	qsort(d->sorted, k, sizeof(*d->sorted), freq_cmp);
	d->n_sorted = k;
	*n = k;
	return d->sorted;
}

uint64_t
diag_events(const struct diag *d)
{
	return d->events;
}
