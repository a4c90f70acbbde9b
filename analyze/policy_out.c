/*
 * --policy: hands each finalised IKE SA and its first CHILD SA to the
 * policy checks (analyze/policy.c) and writes every finding to the
 * report's policyFindings section and the summary.
 */
#include "analyze/analyzer_priv.h"

#include <stdio.h>
#include <string.h>

#include "analyze/ikev2_registry.h"
#include "analyze/policy.h"
#include "analyze/report_xml.h"

void
an_policy_finding(const struct policy_finding *f, void *ctx)
{
	struct analyzer *an = ctx;
	struct report_xml_sink *s;

	an->policy_findings++;
	if (an->n_policy_lines < AN_POLICY_LINES)
		snprintf(an->policy_lines[an->n_policy_lines++],
		    sizeof(an->policy_lines[0]), "%s %s%s%llu: %.300s",
		    policy_severity_name(f->severity),
		    policy_area_name(f->area), f->ike_serial ? " IKE SA #" :
		    "", (unsigned long long)f->ike_serial, f->text);
	if (an->xml == NULL)
		return;
	s = report_xml_section(an->xml, REPORT_XML_POLICY);
	(void)!report_xml_begin(s, "finding");
	(void)!report_xml_text(s, "kind", policy_area_name(f->area));
	(void)!report_xml_text(s, "severity",
	    policy_severity_name(f->severity));
	if (f->ike_serial)
		(void)!report_xml_uint(s, "mmId", f->ike_serial);
	(void)!report_xml_text(s, "message", f->text);
	if (report_xml_end(s) != RC_OK)
		an->xml_failed = true;
}

static void
to_range(const struct ikev2_selector *t, struct policy_ts_range *r)
{
	memset(r, 0, sizeof(*r));
	r->family = t->addr_len == 16 ? 6 : t->addr_len == 4 ? 4 : 0;
	r->ip_proto = t->ip_proto;
	r->port_lo = t->start_port;
	r->port_hi = t->end_port;
	memcpy(r->start, t->start, t->addr_len);
	memcpy(r->end, t->end, t->addr_len);
}

void
an_policy_check_sa(struct analyzer *an, const struct ike_sa *sa)
{
	struct policy_ts_range tsi[4], tsr[4];
	struct policy_child child;
	uint8_t i;

	policy_check_ike_sa(an->policy, sa, an_policy_finding, an);
	if (sa->n_child_offers == 0 && !sa->has_child_chosen &&
	    sa->n_tsi == 0)
		return; /* the CHILD SA was not decrypted */
	for (i = 0; i < sa->n_tsi; i++)
		to_range(&sa->tsi[i], &tsi[i]);
	for (i = 0; i < sa->n_tsr; i++)
		to_range(&sa->tsr[i], &tsr[i]);
	memset(&child, 0, sizeof(child));
	child.exchange = IKEV2_EXCH_IKE_AUTH;
	child.offers = sa->child_offers;
	child.n_offers = sa->n_child_offers;
	child.chosen = sa->has_child_chosen ? &sa->child_chosen : NULL;
	child.tsi = tsi;
	child.n_tsi = sa->n_tsi;
	child.tsr = tsr;
	child.n_tsr = sa->n_tsr;
	policy_check_child(an->policy, sa->serial, &child, NULL,
	    an_policy_finding, an);
}
