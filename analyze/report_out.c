/*
 * The analyzer's side of wfpdiag.xml: netEvents go to report_xml as they
 * are produced; each finalised IKE SA and ESP SA is rendered into our own
 * sections (ikeSecurityAssociations, espSecurityAssociations) the moment
 * it is finalised, so the report streams like the analysis does. Element
 * names follow docs/wfpdiag-report.xsd.
 */
#include "analyze/analyzer_priv.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "analyze/ikev2_registry.h"
#include "analyze/report_xml.h"
#include "analyze/winerr.h"

#define NS_PER_SEC 1000000000LL

/*
 * Sink errors are sticky: the element's closing report_xml_end() returns
 * the first one, so calls inside an element are cast with (void)! rather
 * than checked one by one.
 */

enum rc
an_report_open(struct analyzer *an, const char *path)
{
	an->xml = report_xml_open(path, an->err, sizeof(an->err));
	return an->xml ? RC_OK : RC_IO;
}

void
an_report_event(struct analyzer *an, const struct fail_event *ev)
{
	if (an->xml != NULL && report_xml_add_event(an->xml, ev) != RC_OK)
		an->xml_failed = true;
}

/* One exchange as a request/response pair (the XSD's exchange element
 * describes the request; the response's frame and fate are in outcome
 * and in the response payload chain). */
static enum rc
write_exchange(struct report_xml_sink *s, const struct ike_exchange *e)
{
	char outcome[256], chain[256];
	if (!e->answered)
		snprintf(outcome, sizeof(outcome), "unanswered");
	else
		snprintf(outcome, sizeof(outcome), "answered in frame %llu "
		    "after %.3f s%s%s%s%s",
		    (unsigned long long)e->resp_frame,
		    (double)(e->resp_ns - e->req_ns) / 1e9,
		    e->resp_error ? ": " : "", e->resp_error ?
		    ikev2_name(IKEV2_REG_NOTIFY, e->resp_error) : "",
		    e->resp_dups ? ", duplicate responses" : "",
		    e->retransmissions && e->answered ? ", late (after "
		    "retransmission)" : "");
	(void)!report_xml_begin(s, "exchange");
	(void)!report_xml_text(s, "type", ikev2_name(IKEV2_REG_EXCHANGE,
	    e->exchange));
	(void)!report_xml_uint(s, "messageId", e->msg_id);
	(void)!report_xml_bool(s, "initiator", e->from_initiator);
	if (e->req_frame)
		(void)!report_xml_uint(s, "frame", e->req_frame);
	if (e->req_ns)
		(void)!report_xml_time(s, "time", e->req_ns / NS_PER_SEC,
		    (uint32_t)(e->req_ns % NS_PER_SEC));
	if (e->req_len)
		(void)!report_xml_uint(s, "length", e->req_len);
	(void)!report_xml_uint(s, "retransmissions", e->retransmissions);
	(void)!report_xml_bool(s, "encrypted", e->req_sk_len || e->resp_sk_len);
	(void)!report_xml_bool(s, "decrypted", e->decrypted);
	if (e->req_frags > 1)
		(void)!report_xml_uint(s, "fragments", e->req_frags);
	(void)!report_xml_text(s, "outcome", outcome);
	(void)!report_xml_text(s, "requestPayloads",
	    ike_exchange_chain(e, false, chain, sizeof(chain)));
	(void)!report_xml_text(s, "responsePayloads",
	    ike_exchange_chain(e, true, chain, sizeof(chain)));
	return report_xml_end(s);
}

static void
proposal_texts(const struct ike_sa *sa, char *chosen, size_t clen,
    char *offered, size_t olen)
{
	char one[256], admin[128];
	const char *suite;
	size_t used = 0;
	uint8_t i;

	chosen[0] = offered[0] = '\0';
	if (sa->has_chosen) {
		ikev2_proposal_text(&sa->chosen, one, sizeof(one));
		ikev2_proposal_admin_text(&sa->chosen, admin, sizeof(admin));
		suite = ikev2_suite_name(&sa->chosen);
		snprintf(chosen, clen, "%s (%s)%s%s", admin, one,
		    suite ? " = " : "", suite ? suite : "");
	}
	for (i = 0; i < sa->n_offers && used < olen; i++) {
		int w;

		ikev2_proposal_text(&sa->offers[i], one, sizeof(one));
		ikev2_proposal_admin_text(&sa->offers[i], admin,
		    sizeof(admin));
		w = snprintf(offered + used, olen - used, "%s#%u %s (%s)",
		    i ? "; " : "", sa->offers[i].num, admin, one);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

static void
write_sa_ids(struct report_xml_sink *s, const struct ike_sa *sa)
{
	(void)!report_xml_uint(s, "mmId", sa->serial);
	(void)!report_xml_uint(s, "ikeVersion", sa->ike_major);
	(void)!report_xml_hex(s, "initiatorSpi", sa->spi_i, 8);
	(void)!report_xml_hex(s, "responderSpi", sa->spi_r, 8);
	(void)!report_xml_addr(s, "initiatorAddr", &sa->init_addr);
	(void)!report_xml_uint(s, "initiatorPort", sa->init_port);
	(void)!report_xml_addr(s, "responderAddr", &sa->resp_addr);
	(void)!report_xml_uint(s, "responderPort", sa->resp_port);
	(void)!report_xml_bool(s, "natDetected", sa->nat_t);
	if (sa->tunnel != NET_TUN_NONE)
		(void)!report_xml_text(s, "tunnel", net_tunnel_name(sa->tunnel));
	(void)!report_xml_time(s, "firstSeen", sa->first_ns / NS_PER_SEC,
	    (uint32_t)(sa->first_ns % NS_PER_SEC));
	(void)!report_xml_time(s, "lastSeen", sa->last_ns / NS_PER_SEC,
	    (uint32_t)(sa->last_ns % NS_PER_SEC));
}

void
an_report_ike_sa(struct analyzer *an, const struct ike_sa *sa)
{
	struct report_xml_sink *s;
	char chosen[512], offered[1024], num[16];
	uint16_t i;

	if (an->xml == NULL)
		return;
	s = report_xml_section(an->xml, REPORT_XML_IKE_SAS);
	proposal_texts(sa, chosen, sizeof(chosen), offered, sizeof(offered));
	(void)!report_xml_begin(s, "ikeSa");
	write_sa_ids(s, sa);
	(void)!report_xml_text(s, "outcome", ike_outcome_name(sa->outcome));
	(void)!report_xml_text(s, "reason", sa->outcome_text);
	(void)!report_xml_bool(s, "inferred", sa->inferred);
	if (sa->retry_of)
		(void)!report_xml_uint(s, "retryOf", sa->retry_of);
	if (sa->retried_by)
		(void)!report_xml_uint(s, "retriedBy", sa->retried_by);
	if (sa->id_i[0])
		(void)!report_xml_text(s, "localId", sa->id_i);
	if (sa->id_r[0])
		(void)!report_xml_text(s, "remoteId", sa->id_r);
	if (sa->auth_method >= 0)
		(void)!report_xml_text(s, "authMethod", ikev2_name(
		    IKEV2_REG_AUTH, (uint32_t)sa->auth_method));
	if (chosen[0])
		(void)!report_xml_text(s, "proposal", chosen);
	if (offered[0])
		(void)!report_xml_text(s, "offered", offered);
	if (sa->vendors[0])
		(void)!report_xml_text(s, "vendors", sa->vendors);
	(void)!report_xml_bool(s, "decrypted", sa->decrypted > 0);
	(void)!report_xml_uint(s, "retransmissions", sa->retransmissions);
	(void)!report_xml_uint(s, "livenessChecks", sa->liveness);
	(void)!report_xml_uint(s, "rekeys", sa->child_creates);
	if (sa->input < an->n_inputs)
		(void)!report_xml_text(s, "input", an->inputs[sa->input].path);
	snprintf(num, sizeof(num), "%u", sa->n_exch);
	(void)!report_xml_begin(s, "exchanges");
	(void)!report_xml_attr(s, "numItems", num);
	for (i = 0; i < sa->n_exch; i++)
		(void)!write_exchange(s, &sa->exch[i]);
	(void)!report_xml_end(s);
	if (sa->n_child_spis) {
		snprintf(num, sizeof(num), "%u", sa->n_child_spis);
		(void)!report_xml_begin(s, "childSas");
		(void)!report_xml_attr(s, "numItems", num);
		for (i = 0; i < sa->n_child_spis; i++) {
			uint8_t b[4] = {(uint8_t)(sa->child_spis[i] >> 24),
			    (uint8_t)(sa->child_spis[i] >> 16),
			    (uint8_t)(sa->child_spis[i] >> 8),
			    (uint8_t)sa->child_spis[i]};

			(void)!report_xml_hex(s, "espSpi", b, 4);
		}
		(void)!report_xml_end(s);
	}
	if (report_xml_end(s) != RC_OK)
		an->xml_failed = true;
}

void
an_report_esp_sa(struct analyzer *an, const struct esp_sa *sa)
{
	struct report_xml_sink *s;
	uint8_t spi[4] = {(uint8_t)(sa->spi >> 24), (uint8_t)(sa->spi >> 16),
	    (uint8_t)(sa->spi >> 8), (uint8_t)sa->spi};

	if (an->xml == NULL)
		return;
	s = report_xml_section(an->xml, REPORT_XML_ESP_SAS);
	(void)!report_xml_begin(s, "espSa");
	(void)!report_xml_hex(s, "spi", spi, 4);
	(void)!report_xml_addr(s, "srcAddr", &sa->src);
	(void)!report_xml_addr(s, "dstAddr", &sa->dst);
	(void)!report_xml_bool(s, "udpEncapsulated", sa->udp_encap);
	if (sa->tunnel != NET_TUN_NONE)
		(void)!report_xml_text(s, "tunnel", net_tunnel_name(sa->tunnel));
	if (sa->ike_serial)
		(void)!report_xml_uint(s, "mmId", sa->ike_serial);
	(void)!report_xml_time(s, "firstSeen", sa->first_ns / NS_PER_SEC,
	    (uint32_t)(sa->first_ns % NS_PER_SEC));
	(void)!report_xml_time(s, "lastSeen", sa->last_ns / NS_PER_SEC,
	    (uint32_t)(sa->last_ns % NS_PER_SEC));
	(void)!report_xml_uint(s, "packets", sa->packets);
	(void)!report_xml_uint(s, "bytes", sa->bytes);
	(void)!report_xml_uint(s, "firstSeq", sa->seq_first);
	(void)!report_xml_uint(s, "lastSeq", sa->seq_max);
	(void)!report_xml_uint(s, "lost", sa->lost);
	(void)!report_xml_uint(s, "gaps", sa->gaps);
	(void)!report_xml_uint(s, "reordered", sa->reordered);
	(void)!report_xml_uint(s, "replayErrors", sa->replays);
	(void)!report_xml_uint(s, "integrityErrors", sa->icv_bad);
	(void)!report_xml_bool(s, "decrypted", sa->icv_ok > 0);
	if (sa->input < an->n_inputs)
		(void)!report_xml_text(s, "input", an->inputs[sa->input].path);
	if (report_xml_end(s) != RC_OK)
		an->xml_failed = true;
}

/* The header needs the final counts: built here at finish. */
/* Appends the effects of the caps in formats/limits.h that discarded
 * something (docs/limits.md); zero counters are left out. */
static size_t
cap_counters(const struct analyzer *an, const char **names,
    uint64_t *values, size_t nc)
{
	const struct net_stats *ns = net_decoder_stats(an->net);
	const uint64_t v[] = {ns->frag_dropped_limit,
	    ns->frag_dropped_timeout,
	    ike_track_stats(an->ike)->sas_dropped_limit,
	    esp_track_stats(an->esp)->sas_dropped_limit,
	    an->c[AN_IKE_PAYLOADS_CAPPED]};
	static const char *const n[] = {"FRAG_DROPPED_LIMIT",
	    "FRAG_DROPPED_TIMEOUT", "IKE_SA_LIMIT", "ESP_SA_LIMIT",
	    "IKE_PAYLOAD_LIMIT"};
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (v[i] != 0) {
			names[nc] = n[i];
			values[nc++] = v[i];
		}
	return nc;
}

enum rc
an_report_finish(struct analyzer *an)
{
	static const char *const src_names[] = {"packets"};
	static const char *const src_status[] = {"present"};
	const struct net_stats *ns = net_decoder_stats(an->net);
	const char *names[NET_SKIP__COUNT + 8];
	uint64_t values[NET_SKIP__COUNT + 8];
	struct report_header h;
	char host[256] = "";
	size_t nc = 0;
	unsigned i;
	enum rc rc;

	if (an->xml_failed) {
		snprintf(an->err, sizeof(an->err), "writing the report: %s",
		    report_xml_errmsg(an->xml));
		report_xml_abort(an->xml);
		an->xml = NULL;
		return RC_IO;
	}
	for (i = 1; i < NET_SKIP__COUNT; i++)
		if (ns->skipped[i]) {
			names[nc] = net_skip_name((enum net_skip)i);
			values[nc++] = ns->skipped[i];
		}
	nc = cap_counters(an, names, values, nc);
	gethostname(host, sizeof(host) - 1);
	memset(&h, 0, sizeof(h));
	h.tool_version = WFPDIAG_VERSION;
	h.host = host;
	h.first_ts_sec = an->first_ns / NS_PER_SEC;
	h.first_ts_nsec = (uint32_t)(an->first_ns % NS_PER_SEC);
	h.last_ts_sec = an->last_ns / NS_PER_SEC;
	h.last_ts_nsec = (uint32_t)(an->last_ns % NS_PER_SEC);
	h.n_inputs = an->n_inputs;
	h.inputs = an->inputs;
	h.frames = an->frames;
	h.ike_messages = an->c[AN_IKEV2];
	h.ikev1_messages = an->c[AN_IKEV1];
	h.esp_packets = an->c[AN_ESP] + an->c[AN_ESP_UDP];
	h.nat_keepalives = an->c[AN_KEEPALIVE];
	h.truncated = ns->truncated + an->c[AN_IKE_TRUNCATED];
	h.malformed = ns->malformed + an->c[AN_IKE_MALFORMED];
	for (i = 1; i < NET_SKIP__COUNT; i++)
		h.skipped += ns->skipped[i];
	h.ike_sas = an->ike_sas;
	h.esp_sas = an->esp_sas;
	h.events = an->events;
	h.n_counters = nc;
	h.counter_names = names;
	h.counter_values = values;
	h.n_sources = an->n_sources ? an->n_sources : 1;
	h.source_names = an->n_sources ? an->source_names : src_names;
	h.source_status = an->n_sources ? an->source_status : src_status;
	rc = report_xml_finish(an->xml, &h, an->freq, an->n_freq, an->err,
	    sizeof(an->err));
	an->xml = NULL;
	return rc;
}

void
an_report_abort(struct analyzer *an)
{
	if (an->xml != NULL)
		report_xml_abort(an->xml);
	an->xml = NULL;
}
