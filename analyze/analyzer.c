/*
 * The analyzer (see analyzer.h): inputs in, SAs tracked, events out.
 *
 * Packet path, per frame: pcapio_next -> net_decode -> classify the
 * UDP/ESP datagram (RFC 3948: UDP 4500 carries IKE after a 4-byte
 * non-ESP marker, a 0xFF NAT keepalive, or ESP) -> IKE: decode and track;
 * ESP: account SPI and sequence number. The ESP branch is the hot one
 * (about 95% of a gateway's packets): it does one hash lookup and no
 * allocation.
 */
#include "analyze/analyzer_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "analyze/ikev2_registry.h"
#include "analyze/policy.h"
#include "formats/buf.h"
#include "formats/pcapio.h"
#include "formats/rd.h"

#define NS_PER_SEC 1000000000LL
#define IKE_PORT 500
#define NATT_PORT 4500

static void
set_err(struct analyzer *an, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#include <stdarg.h>

static void
set_err(struct analyzer *an, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(an->err, sizeof(an->err), fmt, ap);
	va_end(ap);
}

void
an_copy(char *dst, size_t len, const char *src)
{
	size_t n;

	if (len == 0)
		return;
	n = strnlen(src, len - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

const char *
analyzer_errmsg(const struct analyzer *an)
{
	return an->err;
}

static void
on_event(const struct fail_event *ev, void *ctx)
{
	struct analyzer *an = ctx;

	an->events++;
	an_summary_event(an, ev);
	an_report_event(an, ev);
}

static void
on_ike_done(struct ike_sa *sa, int64_t end_ns, bool at_end, void *ctx)
{
	struct analyzer *an = ctx;

	diag_ike_sa(an->diag, sa, end_ns, at_end);
	if (an->policy != NULL)
		an_policy_check_sa(an, sa);
	an->ike_sas++;
	if ((unsigned)sa->outcome < sizeof(an->outcomes) /
	    sizeof(an->outcomes[0]))
		an->outcomes[sa->outcome]++;
	an_report_ike_sa(an, sa);
}

static void
on_esp_done(const struct esp_sa *sa, void *ctx)
{
	struct analyzer *an = ctx;

	diag_esp_sa(an->diag, sa);
	an->esp_sas++;
	an_summary_esp(an, sa);
	an_report_esp_sa(an, sa);
}

static void
on_ikev1_done(const struct ikev1_sa *sa, int64_t end_ns, bool at_end,
    void *ctx)
{
	struct analyzer *an = ctx;

	diag_ikev1_sa(an->diag, sa, end_ns, at_end);
}

static enum rc
add_locals(struct analyzer *an, const struct analyzer_opts *opts)
{
	int i;

	for (i = 0; i < opts->n_local; i++) {
		struct net_addr a;

		memset(&a, 0, sizeof(a));
		if (inet_pton(AF_INET, opts->local[i], a.bytes) == 1) {
			a.family = 4;
		} else if (inet_pton(AF_INET6, opts->local[i], a.bytes) == 1) {
			a.family = 6;
		} else {
			set_err(an, "--local %s: not an IPv4 or IPv6 address",
			    opts->local[i]);
			return RC_INVAL;
		}
		diag_add_local(an->diag, &a);
	}
	return RC_OK;
}

struct analyzer *
analyzer_new(const struct analyzer_opts *opts, char *err, size_t errlen)
{
	struct analyzer *an = calloc(1, sizeof(*an));

	if (an == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	an->opts = *opts;
	an->net = net_decoder_new();
	an->ike = ike_track_new(on_ike_done, an);
	an->ike1 = ikev1_track_new(on_ikev1_done, an);
	an->esp = esp_track_new(on_esp_done, an);
	an->diag = diag_new(on_event, an);
	an->msg = malloc(sizeof(*an->msg));
	an->dec = ike_decrypt_new();
	if (an->dec != NULL)
		ike_decrypt_set_verify_all(an->dec, opts->verify_all);
	if (an->dec == NULL || an->net == NULL || an->ike == NULL ||
	    an->ike1 == NULL || an->esp == NULL || an->diag == NULL ||
	    an->msg == NULL) {
		snprintf(err, errlen, "out of memory");
		analyzer_free(an);
		return NULL;
	}
	if (add_locals(an, opts) != RC_OK) {
		snprintf(err, errlen, "%s", an->err);
		analyzer_free(an);
		return NULL;
	}
	if (opts->policy_path != NULL) {
		an->policy = policy_load(opts->policy_path, err, errlen);
		if (an->policy == NULL) {
			analyzer_free(an);
			return NULL;
		}
	}
	if (opts->xml_path != NULL && an_report_open(an, opts->xml_path) !=
	    RC_OK) {
		snprintf(err, errlen, "%s", an->err);
		analyzer_free(an);
		return NULL;
	}
	return an;
}

void
analyzer_free(struct analyzer *an)
{
	if (an == NULL)
		return;
	an_report_abort(an);
	ike_track_free(an->ike);
	ikev1_track_free(an->ike1);
	esp_track_free(an->esp);
	diag_free(an->diag);
	net_decoder_free(an->net);
	ike_decrypt_free(an->dec);
	an_free_event_logs(an);
	policy_free(an->policy);
	free(an->msg);
	free(an);
}

static int64_t
pkt_ns(const struct pcapio_pkt *pkt)
{
	/* Timestamps from hostile files are clamped to about +-272 years
	 * around 1970 so every later sum and difference of nanoseconds
	 * stays inside int64 (fuzz_capture found ts near INT64_MAX). */
	const int64_t lim = (INT64_C(1) << 33) - 1;
	int64_t sec = pkt->ts_sec > lim ? lim : pkt->ts_sec < -lim ? -lim :
	    pkt->ts_sec;

	return sec * NS_PER_SEC + (int64_t)(pkt->ts_nsec % NS_PER_SEC);
}

/* Capture time moves on: every simulated second, age state out. */
static void
advance_time(struct analyzer *an, int64_t ns)
{
	if (an->first_ns == 0 || ns < an->first_ns)
		an->first_ns = ns;
	if (ns > an->last_ns)
		an->last_ns = ns;
	if (ns < an->next_expire_ns)
		return;
	/* Timestamps are clamped near INT64_MAX (formats/pcapng.c): the next
	 * deadline must not overflow (fuzz/regress/fuzz_capture/
	 * ubsan-expire-overflow.pcapng). */
	an->next_expire_ns = ns > INT64_MAX - NS_PER_SEC ? INT64_MAX :
	    ns + NS_PER_SEC;
	net_decoder_expire(an->net, ns / NS_PER_SEC);
	ike_track_expire(an->ike, ns);
	ikev1_track_expire(an->ike1, ns);
	esp_track_expire(an->esp, ns);
}

static void
trace_ikev2(struct analyzer *an, const struct ike_meta *m,
    const struct ikev2_msg *msg)
{
	char src[64], dst[64], chain[256];
	const struct ikev2_hdr *h = &msg->hdr;

	if (an->opts.trace == NULL || an->opts.verbose < 1)
		return;
	net_addr_str(m->src, src, sizeof(src));
	net_addr_str(m->dst, dst, sizeof(dst));
	fprintf(an->opts.trace, "%6llu %lld.%06u %s:%u > %s:%u IKEv2 %s %s%s "
	    "msgid=%u spi=%02x%02x%02x%02x%02x%02x%02x%02x/"
	    "%02x%02x%02x%02x%02x%02x%02x%02x len=%u [%s]%s%s\n",
	    (unsigned long long)m->frame, (long long)(m->ns / NS_PER_SEC),
	    (unsigned)(m->ns % NS_PER_SEC / 1000), src, m->sport, dst,
	    m->dport, ikev2_name(IKEV2_REG_EXCHANGE, h->exchange),
	    (h->flags & IKEV2_FLAG_INITIATOR) ? "I" : "R",
	    (h->flags & IKEV2_FLAG_RESPONSE) ? " response" : " request",
	    h->msg_id, h->spi_i[0], h->spi_i[1], h->spi_i[2], h->spi_i[3],
	    h->spi_i[4], h->spi_i[5], h->spi_i[6], h->spi_i[7], h->spi_r[0],
	    h->spi_r[1], h->spi_r[2], h->spi_r[3], h->spi_r[4], h->spi_r[5],
	    h->spi_r[6], h->spi_r[7], h->length,
	    ikev2_msg_chain_text(msg, chain, sizeof(chain)),
	    msg->err != RC_OK ? " MALFORMED: " : "",
	    msg->err != RC_OK ? msg->err_text : "");
}

static void
handle_ikev1(struct analyzer *an, const struct ike_meta *m)
{
	struct ikev1_msg *v1 = &an->v1;
	enum rc rc = ikev1_decode(m->bytes, m->len, v1);
	uint8_t i;

	an->c[AN_IKEV1]++;
	if (rc != RC_OK && rc != RC_SHORT) {
		an->c[AN_IKE_MALFORMED]++;
		an_summary_malformed(an, v1->err_text, m->frame);
	}
	if (an->opts.trace && an->opts.verbose >= 1) {
		char src[64], dst[64];

		fprintf(an->opts.trace, "%6llu %s:%u > %s:%u IKEv1 %s%s "
		    "notifies=%u\n", (unsigned long long)m->frame,
		    net_addr_str(m->src, src, sizeof(src)), m->sport,
		    net_addr_str(m->dst, dst, sizeof(dst)), m->dport,
		    ikev1_exchange_name(v1->exchange),
		    v1->encrypted ? " (encrypted)" : "", v1->n_notify);
	}
	for (i = 0; i < v1->n_notify; i++) {
		struct fail_event ev;

		if (v1->notify[i] >= 16384)
			continue;
		memset(&ev, 0, sizeof(ev));
		ev.traffic_type = -1; /* unknown unless seen */
		ev.ts_sec = m->ns / NS_PER_SEC;
		ev.ts_nsec = (uint32_t)(m->ns % NS_PER_SEC);
		ev.type = EVENT_MM_FAILURE;
		ev.sources = EVENT_SRC_WIRE;
		ev.ip_version = m->src->family;
		ev.ip_protocol = 17;
		ev.local = *m->dst;
		ev.remote = *m->src;
		ev.local_port = m->dport;
		ev.remote_port = m->sport;
		ev.failure_point = 2; /* PEER: it sent the notification */
		ev.keying_module = 0; /* IKEEXT_KEY_MODULE_IKE */
		ev.auth_method = -1;
		ev.exchange = v1->exchange;
		ev.frames[0] = m->frame;
		ev.n_frames = 1;
		memcpy(ev.spi_i, v1->icookie, 8);
		memcpy(ev.spi_r, v1->rcookie, 8);
		snprintf(ev.detail, sizeof(ev.detail), "IKEv1 %s: %s",
		    ikev1_exchange_name(v1->exchange),
		    ikev1_notify_name(v1->notify[i]));
		an_copy(ev.input, sizeof(ev.input), an->inputs[an->cur].path);
		diag_ikev1_notify(an->diag, &ev, v1->notify[i]);
	}
	if (rc == RC_OK || rc == RC_SHORT)
		ikev1_track_message(an->ike1, m, v1);
}

static void
handle_ike(struct analyzer *an, struct ike_meta *m, bool truncated)
{
	int major = ike_major_version(m->bytes, m->len);
	enum rc rc;

	if (major == 1) {
		handle_ikev1(an, m);
		return;
	}
	if (major != 2) {
		an->c[AN_NOT_IKE]++;
		return;
	}
	rc = ikev2_decode(m->bytes, m->len, an->msg);
	an->c[AN_IKEV2]++;
	an->c[AN_IKE_PAYLOADS_CAPPED] += an->msg->n_pl_dropped;
	if (rc != RC_OK) {
		if (truncated && rc == RC_SHORT) {
			an->c[AN_IKE_TRUNCATED]++;
		} else {
			an->c[AN_IKE_MALFORMED]++;
			an_summary_malformed(an, an->msg->err_text, m->frame);
		}
	}
	if (rc == RC_OK && an->msg->has_sk && ike_decrypt_has_keys(an->dec)) {
		enum ike_dec dr = ike_decrypt_msg(an->dec, m->bytes, m->len,
		    an->msg);

		m->decrypt_failed = dr == IKE_DEC_AUTH;
		if (dr == IKE_DEC_BAD)
			an_summary_malformed(an, ike_decrypt_errmsg(an->dec),
			    m->frame);
	}
	trace_ikev2(an, m, an->msg);
	/* A message whose header decoded is tracked even when a payload is
	 * broken: the exchange still happened. */
	if (an->msg->err_off >= IKEV2_HDR_LEN || rc == RC_OK ||
	    (rc == RC_SHORT && an->msg->err_off == 24))
		ike_track_message(an->ike, m, an->msg);
}

/* With keys: verify the ICV (and name the inner protocol). Never keeps
 * payload bytes. */
static void
check_esp(struct analyzer *an, struct esp_sa *sa, const struct rd *r,
    const struct net_pkt *np)
{
	struct rd whole = *r;
	size_t len;
	const uint8_t *pkt;
	uint8_t nh = 0;

	whole.off = 0;
	whole.err = RC_OK;
	len = rd_left(&whole);
	pkt = rd_bytes(&whole, len);
	if (pkt == NULL)
		return;
	switch (ike_decrypt_esp(an->dec, pkt, len, np->dst.family,
	    np->dst.bytes, &nh)) {
	case IKE_DEC_OK:
		sa->icv_ok++;
		sa->inner_proto = nh;
		break;
	case IKE_DEC_AUTH:
		sa->icv_bad++;
		break;
	default:
		break;
	}
}

static void
handle_esp(struct analyzer *an, const struct pcapio_pkt *pkt,
    const struct net_pkt *np, struct rd *r, bool udp)
{
	struct esp_meta em;
	uint32_t spi = rd_be32(r), seq = rd_be32(r);
	struct esp_sa *sa;
	bool is_new;

	if (!rd_ok(r)) {
		an->c[AN_ESP_SHORT]++;
		return;
	}
	an->c[udp ? AN_ESP_UDP : AN_ESP]++;
	em.ns = pkt_ns(pkt);
	em.frame = pkt->frame;
	em.input = an->cur;
	em.src = &np->src;
	em.dst = &np->dst;
	em.udp_encap = udp;
	em.sport = np->sport;
	em.dport = np->dport;
	em.tunnel = np->tunnel;
	sa = esp_track_packet(an->esp, &em, spi, seq,
	    (uint32_t)np->payload_len, &is_new);
	if (sa == NULL)
		return;
	if (is_new)
		sa->ike_serial = ike_track_esp(an->ike, &np->src, &np->dst,
		    spi, em.ns, &sa->ike_exact);
	if (an->opts.decrypt_esp)
		check_esp(an, sa, r, np);
}

/* RFC 3948 2.2: on 4500, four zero bytes mark IKE; 0xFF alone is a NAT
 * keepalive; anything else is ESP (its SPI is never zero). */
static void
handle_udp(struct analyzer *an, const struct pcapio_pkt *pkt,
    const struct net_pkt *np)
{
	struct rd r = rd_init(np->payload, np->payload_len);
	struct ike_meta m;
	bool natt = np->sport == NATT_PORT || np->dport == NATT_PORT;

	if (!natt && np->sport != IKE_PORT && np->dport != IKE_PORT) {
		an->c[AN_UDP_OTHER]++;
		return;
	}
	m.ns = pkt_ns(pkt);
	m.frame = np->first_frame ? np->first_frame : pkt->frame;
	m.input = an->cur;
	m.src = &np->src;
	m.dst = &np->dst;
	m.sport = np->sport;
	m.dport = np->dport;
	m.nat_marker = false;
	m.decrypt_failed = false;
	m.ip_fragments = np->reassembled ? np->fragments : 0;
	m.tunnel = np->tunnel;
	if (natt) {
		if (np->payload_len == 1 && rd_peek_u8(&r, 0) == 0xff) {
			an->c[AN_KEEPALIVE]++;
			return;
		}
		if (np->payload_len >= 4 && rd_be32(&r) == 0) {
			m.nat_marker = true;
		} else {
			r = rd_init(np->payload, np->payload_len);
			handle_esp(an, pkt, np, &r, true);
			return;
		}
	}
	m.len = rd_left(&r);
	m.bytes = rd_bytes(&r, m.len);
	handle_ike(an, &m, np->truncated);
}

static void
handle_pkt(struct analyzer *an, const struct pcapio_pkt *pkt,
    const struct net_pkt *np)
{
	struct rd r;

	switch (np->l4) {
	case NET_L4_ESP:
		r = rd_init(np->payload, np->payload_len);
		handle_esp(an, pkt, np, &r, false);
		break;
	case NET_L4_UDP:
		handle_udp(an, pkt, np);
		break;
	case NET_L4_ICMP_UNREACH:
		an->c[AN_ICMP]++;
		if (np->inner_dport == IKE_PORT || np->inner_dport == NATT_PORT)
			ike_track_icmp(an->ike, &np->inner_src,
			    &np->inner_dst, pkt_ns(pkt));
		break;
	}
}

/* Reads every packet of one capture. Returns EOF at a clean end, or the
 * error that stopped the read (results so far are kept). */
static enum rc
read_capture(struct analyzer *an, struct pcapio *p)
{
	struct pcapio_pkt pkt;
	struct net_pkt np;
	enum net_skip skip;
	struct report_input *in = &an->inputs[an->cur];
	enum rc rc;

	while ((rc = pcapio_next(p, &pkt)) == RC_OK) {
		if (in->packets == 0 && pkt_ns(&pkt) < an->last_ns) {
			/* This capture starts before the previous one ended:
			 * another host or another day, not a continuation
			 * (a rotated capture moves forward). Its SAs are not
			 * the previous capture's: finalise those first. */
			ike_track_flush(an->ike, an->last_ns);
			ikev1_track_flush(an->ike1, an->last_ns);
			esp_track_flush(an->esp);
		}
		an->frames++;
		in->packets++;
		advance_time(an, pkt_ns(&pkt));
		if (net_decode(an->net, &pkt, &np, &skip) == RC_OK)
			handle_pkt(an, &pkt, &np);
	}
	in->bytes = pcapio_bytes_read(p);
	an->bytes += in->bytes;
	return rc;
}

/* Reads a text input (key table, event log) whole; they are small. */
enum rc
read_small_file(const char *path, uint8_t **data, size_t *len, char *err,
    size_t errlen)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	uint8_t chunk[65536];
	size_t got;

	if (f == NULL) {
		snprintf(err, errlen, "%s: cannot open: %m", path);
		return RC_IO;
	}
	buf_init(&b, 64u * 1024u * 1024u);
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_append(&b, chunk, got) != RC_OK) {
			fclose(f);
			buf_fini(&b);
			snprintf(err, errlen, "%s: larger than 64 MiB: not a "
			    "key table or event log", path);
			return RC_LIMIT;
		}
	fclose(f);
	*data = buf_take(&b, len);
	if (*data == NULL) {
		*data = malloc(1);
		*len = 0;
	}
	return *data ? RC_OK : RC_NOMEM;
}

uint32_t
an_new_input(struct analyzer *an, const char *name, const char *format)
{
	struct report_input *in;

	if (an->n_inputs >= AN_MAX_INPUTS)
		return AN_MAX_INPUTS - 1; /* fold the rest into the last */
	in = &an->inputs[an->n_inputs];
	memset(in, 0, sizeof(*in));
	snprintf(in->path, sizeof(in->path), "%s", name);
	snprintf(in->format, sizeof(in->format), "%s", format);
	diag_set_input_name(an->diag, an->n_inputs, name);
	return an->n_inputs++;
}

static enum rc
finish_capture(struct analyzer *an, struct pcapio *p, enum rc rc)
{
	struct report_input *in = &an->inputs[an->cur];

	snprintf(in->format, sizeof(in->format), "%s", pcapio_format(p));
	if (rc == RC_EOF)
		return RC_OK;
	in->error = true;
	snprintf(in->errmsg, sizeof(in->errmsg), "%s", pcapio_errmsg(p));
	set_err(an, "%s", pcapio_errmsg(p));
	return rc;
}

enum rc
an_add_capture_path(struct analyzer *an, const char *path)
{
	struct pcapio *p;
	char err[256];
	enum rc rc = pcapio_open(path, &p, err, sizeof(err));

	if (rc != RC_OK) {
		set_err(an, "%s", err);
		return rc;
	}
	an->cur = an_new_input(an, path, "pcap");
	rc = read_capture(an, p);
	rc = finish_capture(an, p, rc);
	pcapio_close(p);
	return rc;
}

enum rc
an_add_capture_memory(struct analyzer *an, const char *name,
    const uint8_t *data, size_t len)
{
	struct pcapio *p;
	char err[256];
	enum rc rc = pcapio_open_mem(data, len, name, &p, err, sizeof(err));

	if (rc != RC_OK) {
		set_err(an, "%s", err);
		return rc;
	}
	an->cur = an_new_input(an, name, "pcap");
	rc = read_capture(an, p);
	rc = finish_capture(an, p, rc);
	pcapio_close(p);
	return rc;
}

/* Text inputs have no control bytes other than tab, CR, LF, FF. */
static bool
looks_like_text(const uint8_t *d, size_t n)
{
	size_t i;

	for (i = 0; i < n && i < 4096; i++)
		if (d[i] < 0x20 && d[i] != '\t' && d[i] != '\n' &&
		    d[i] != '\r' && d[i] != '\f')
			return false;
	return true;
}

/* Key tables and other text: keys are the only text we read here. */
enum rc
an_add_keys(struct analyzer *an, const char *name, const char *path,
    const uint8_t *data, size_t len)
{
	uint8_t *owned = NULL;
	size_t n = len;
	enum rc rc;

	if (path != NULL) {
		rc = read_small_file(path, &owned, &n, an->err,
		    sizeof(an->err));
		if (rc != RC_OK)
			return rc;
		data = owned;
	}
	if (!looks_like_text(data, n)) {
		snprintf(an->err, sizeof(an->err), "%s: not a capture, "
		    "archive, wfpdiag.xml, event log or key table (binary "
		    "content of unknown kind)", name);
		rc = RC_FORMAT;
		goto out;
	}
	rc = ike_decrypt_add_keys(an->dec, name, data, n, an->err,
	    sizeof(an->err));
	if (rc == RC_FORMAT)
		snprintf(an->err, sizeof(an->err), "%s: not a capture, "
		    "archive, wfpdiag.xml, event log or key table", name);
out:
	if (owned != NULL) {
		explicit_bzero(owned, n); /* key material */
		free(owned);
	}
	if (ike_decrypt_has_keys(an->dec))
		an->opts.decrypt_esp = true;
	return rc;
}

enum rc
analyzer_add_keys(struct analyzer *an, const char *path)
{
	an->err[0] = '\0';
	return an_add_keys(an, path, path, NULL, 0);
}

enum rc
analyzer_finish(struct analyzer *an)
{
	enum rc rc = RC_OK;

	if (an->finished)
		return RC_INVAL;
	an->finished = true;
	if (an->policy != NULL)
		policy_check_file(an->policy, an_policy_finding, an);
	ike_track_flush(an->ike, an->last_ns);
	ikev1_track_flush(an->ike1, an->last_ns);
	esp_track_flush(an->esp);
	diag_finish(an->diag);
	an->freq = diag_freq(an->diag, &an->n_freq);
	if (an->xml != NULL)
		rc = an_report_finish(an);
	return rc;
}

const struct freq_item *
analyzer_freq(const struct analyzer *an, size_t *n)
{
	*n = an->n_freq;
	return an->freq;
}
