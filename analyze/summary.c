/*
 * The terminal summary of `wfpdiag analyze --format text`: what was read
 * and skipped (by reason), IKE SAs by outcome, each failure group with
 * its Windows error, reason and evidence frames, ESP SAs with anomalies,
 * and the errorFrequencyTable. Aggregates are bounded (AN_GROUPS ...):
 * the summary stays small whatever the capture size.
 */
#include "analyze/analyzer_priv.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "analyze/ikev1_decode.h"
#include "analyze/ikev2_registry.h"
#include "analyze/winerr.h"

static const char *const counter_names[AN__COUNT] = {
	[AN_IKEV2] = "IKEv2 messages",
	[AN_IKEV1] = "IKEv1 (ISAKMP) messages",
	[AN_ESP] = "ESP packets",
	[AN_ESP_UDP] = "ESP-in-UDP packets (NAT-T)",
	[AN_KEEPALIVE] = "NAT keepalives",
	[AN_ICMP] = "ICMP unreachables",
	[AN_UDP_OTHER] = "UDP on other ports",
	[AN_NOT_IKE] = "UDP 500/4500 payloads that are not IKE",
	[AN_IKE_MALFORMED] = "malformed IKE messages",
	[AN_IKE_TRUNCATED] = "IKE messages cut by the snap length",
	[AN_ESP_SHORT] = "ESP packets shorter than SPI+sequence",
	[AN_IKE_PAYLOADS_CAPPED] = "IKE payloads past LIMIT_IKE_PAYLOADS",
};

const char *
an_counter_name(enum an_counter c)
{
	return (unsigned)c < AN__COUNT ? counter_names[c] : "unknown";
}

void
an_summary_event(struct analyzer *an, const struct fail_event *ev)
{
	size_t i;
	struct an_group *g;

	for (i = 0; i < an->n_groups; i++) {
		g = &an->groups[i];
		if (g->win_error == ev->win_error &&
		    net_addr_eq(&g->remote, &ev->remote) &&
		    strcmp(g->reason, ev->reason) == 0) {
			g->count += ev->count ? ev->count : 1;
			if (ev->ts_sec < g->first_sec)
				g->first_sec = ev->ts_sec;
			if (ev->ts_sec > g->last_sec)
				g->last_sec = ev->ts_sec;
			return;
		}
	}
	if (an->n_groups >= AN_GROUPS) {
		an->groups_overflow++;
		return;
	}
	g = &an->groups[an->n_groups++];
	g->win_error = ev->win_error;
	g->remote = ev->remote;
	snprintf(g->reason, sizeof(g->reason), "%s", ev->reason);
	g->count = ev->count ? ev->count : 1;
	g->inferred = ev->inferred;
	g->first_sec = g->last_sec = ev->ts_sec;
	g->example = *ev;
}

void
an_summary_esp(struct analyzer *an, const struct esp_sa *sa)
{
	if (sa->replays == 0 && sa->lost == 0 && sa->reordered == 0 &&
	    sa->icv_bad == 0)
		return;
	an->esp_anomalous++;
	if (an->n_esp_notes < AN_ESP_NOTES)
		an->esp_notes[an->n_esp_notes++].sa = *sa;
}

void
an_summary_malformed(struct analyzer *an, const char *text, uint64_t frame)
{
	size_t i;

	for (i = 0; i < an->n_malformed; i++)
		if (strcmp(an->malformed[i].text, text) == 0) {
			an->malformed[i].count++;
			return;
		}
	if (an->n_malformed < AN_MALFORMED_KINDS) {
		struct an_malformed *m = &an->malformed[an->n_malformed++];

		snprintf(m->text, sizeof(m->text), "%s", text);
		m->count = 1;
		m->first_frame = frame;
		m->input = an->cur;
	}
}

static void
fmt_time(int64_t sec, char *dst, size_t len)
{
	struct tm tm;
	time_t t = (time_t)sec;

	if (sec == 0 || gmtime_r(&t, &tm) == NULL) {
		snprintf(dst, len, "-");
		return;
	}
	strftime(dst, len, "%Y-%m-%d %H:%M:%SZ", &tm);
}

static void
print_inputs(const struct analyzer *an, FILE *out)
{
	uint32_t i;

	for (i = 0; i < an->n_inputs; i++) {
		const struct report_input *in = &an->inputs[i];

		bool records = strcmp(in->format, "wfpdiag.xml") == 0 ||
		    strcmp(in->format, "events.log") == 0;

		if (records)
			fprintf(out, "  %s (%s): %llu events%s%s\n", in->path,
			    in->format, (unsigned long long)in->packets,
			    in->error ? "; STOPPED: " : "", in->error ?
			    in->errmsg : "");
		else
			fprintf(out, "  %s (%s): %llu packets, %llu bytes%s%s\n",
			    in->path, in->format,
			    (unsigned long long)in->packets,
			    (unsigned long long)in->bytes, in->error ?
			    "; STOPPED: " : "", in->error ? in->errmsg : "");
	}
}

/* What the SA table caps (formats/limits.h) cut short: those SAs were
 * finalised early, so their outcome may read "incomplete". */
static void
print_caps(const struct analyzer *an, FILE *out)
{
	uint64_t ike = ike_track_stats(an->ike)->sas_dropped_limit;
	uint64_t esp = esp_track_stats(an->esp)->sas_dropped_limit;

	if (ike != 0)
		fprintf(out, "  %-44s %llu\n", "IKE SAs finalised early "
		    "(LIMIT_IKE_SAS)", (unsigned long long)ike);
	if (esp != 0)
		fprintf(out, "  %-44s %llu\n", "ESP SAs finalised early "
		    "(LIMIT_ESP_SAS)", (unsigned long long)esp);
}

/* "  found inside tunnels: GTP-U 12, VXLAN 3" when any were peeled. */
static void
print_tunnels(const struct net_stats *ns, FILE *out)
{
	const char *sep = "";
	unsigned t;

	for (t = NET_TUN_NONE + 1; t < NET_TUN__COUNT; t++) {
		if (ns->decapsulated[t] == 0)
			continue;
		fprintf(out, "%s%s %llu", *sep ? sep : "  found inside "
		    "tunnels: ", net_tunnel_name((enum net_tunnel)t),
		    (unsigned long long)ns->decapsulated[t]);
		sep = ", ";
	}
	if (*sep)
		fputc('\n', out);
}

static void
print_counts(const struct analyzer *an, FILE *out)
{
	const struct net_stats *ns = net_decoder_stats(an->net);
	unsigned i;

	fprintf(out, "\npackets: %llu frames read", (unsigned long long)
	    an->frames);
	for (i = 0; i < AN__COUNT; i++)
		if (an->c[i])
			fprintf(out, "\n  %-44s %llu", counter_names[i],
			    (unsigned long long)an->c[i]);
	fprintf(out, "\n  %-44s %llu\n  %-44s %llu\n", "frames cut by the "
	    "snap length", (unsigned long long)ns->truncated,
	    "frames with impossible headers", (unsigned long long)
	    ns->malformed);
	for (i = 1; i < NET_SKIP__COUNT; i++)
		if (ns->skipped[i])
			fprintf(out, "  skipped: %-35s %llu\n",
			    net_skip_text((enum net_skip)i),
			    (unsigned long long)ns->skipped[i]);
	if (ns->frag_reassembled || ns->frag_dropped_limit ||
	    ns->frag_dropped_timeout)
		fprintf(out, "  IP reassembly: %llu datagrams from %llu "
		    "fragments, %llu dropped (cap), %llu timed out\n",
		    (unsigned long long)ns->frag_reassembled,
		    (unsigned long long)ns->frag_fragments,
		    (unsigned long long)ns->frag_dropped_limit,
		    (unsigned long long)ns->frag_dropped_timeout);
	print_tunnels(ns, out);
	print_caps(an, out);
}

static void
print_decryption(const struct analyzer *an, FILE *out)
{
	const struct ike_decrypt_stats *d = ike_decrypt_stats(an->dec);

	if (d->keys_ike + d->keys_esp + d->keys_skipped == 0)
		return;
	fprintf(out, "\nkeys: %llu IKE SA key sets, %llu ESP SA keys, %llu "
	    "rows unusable\n", (unsigned long long)d->keys_ike,
	    (unsigned long long)d->keys_esp,
	    (unsigned long long)d->keys_skipped);
	fprintf(out, "decryption: %llu IKE messages decrypted, %llu without "
	    "a key, %llu failed the integrity check (wrong key or corrupt), "
	    "%llu malformed inside\n", (unsigned long long)d->ok,
	    (unsigned long long)d->nokey,
	    (unsigned long long)d->auth_failed, (unsigned long long)d->bad);
	if (d->empty_skipped > 0)
		fprintf(out, "  %llu empty INFORMATIONAL messages (liveness) "
		    "not decrypted: their side of the SA had verified "
		    "(--verify-all checks them)\n",
		    (unsigned long long)d->empty_skipped);
	if (d->esp_checked + d->esp_nokey > 0)
		fprintf(out, "ESP integrity: %llu packets checked, %llu "
		    "failed, %llu without a key\n",
		    (unsigned long long)d->esp_checked,
		    (unsigned long long)d->esp_icv_bad,
		    (unsigned long long)d->esp_nokey);
}

static void
print_malformed(const struct analyzer *an, FILE *out)
{
	size_t i;

	for (i = 0; i < an->n_malformed; i++) {
		const struct an_malformed *m = &an->malformed[i];

		fprintf(out, "  malformed x%llu: %s (first frame %llu of %s)\n",
		    (unsigned long long)m->count, m->text,
		    (unsigned long long)m->first_frame,
		    an->inputs[m->input].path);
	}
}

static void
print_outcomes(const struct analyzer *an, FILE *out)
{
	unsigned i;

	fprintf(out, "\nIKE SAs: %llu", (unsigned long long)an->ike_sas);
	for (i = 0; i < sizeof(an->outcomes) / sizeof(an->outcomes[0]); i++)
		if (an->outcomes[i])
			fprintf(out, "%s %llu %s", i ? "," : ":",
			    (unsigned long long)an->outcomes[i],
			    ike_outcome_name((enum ike_outcome)i));
	fprintf(out, "\nESP SAs: %llu (%llu with sequence anomalies)\n",
	    (unsigned long long)an->esp_sas,
	    (unsigned long long)an->esp_anomalous);
}

static void
print_frames(const struct fail_event *ev, FILE *out)
{
	uint32_t i;

	if (ev->n_frames == 0)
		return;
	fprintf(out, "      evidence: frame%s", ev->n_frames > 1 ? "s" : "");
	for (i = 0; i < ev->n_frames; i++)
		fprintf(out, "%s%llu", i ? "," : " ",
		    (unsigned long long)ev->frames[i]);
	if (ev->input[0])
		fprintf(out, " of %s", ev->input);
	fprintf(out, "\n");
}

/* The failed exchange's name in its own IKE version ("" when none). */
static const char *
exchange_name(const struct fail_event *ev)
{
	if (ev->exchange == 0)
		return "";
	if (ev->keying_module == 0 /* IKEEXT_KEY_MODULE_IKE: IKEv1 */)
		return ikev1_exchange_name(ev->exchange);
	return ikev2_name(IKEV2_REG_EXCHANGE, ev->exchange);
}

static void
print_groups(const struct analyzer *an, FILE *out)
{
	size_t i;
	char remote[64], t1[32], t2[32];

	fprintf(out, "\nfailures: %llu event%s\n", (unsigned long long)
	    an->events, an->events == 1 ? "" : "s");
	for (i = 0; i < an->n_groups; i++) {
		const struct an_group *g = &an->groups[i];
		const struct fail_event *ev = &g->example;
		const char *name = winerr_name(g->win_error);

		net_addr_str(&g->remote, remote, sizeof(remote));
		fmt_time(g->first_sec, t1, sizeof(t1));
		fmt_time(g->last_sec, t2, sizeof(t2));
		fprintf(out, "  %s (%u) x%llu, peer %s, %s .. %s%s\n",
		    name ? name : "UNKNOWN", g->win_error,
		    (unsigned long long)g->count, remote, t1, t2,
		    g->inferred ? " [inferred]" : "");
		fprintf(out, "      %s%s%s\n", g->reason,
		    ev->exchange ? " in " : "", exchange_name(ev));
		if (ev->inferred && ev->basis[0])
			fprintf(out, "      basis: %s\n", ev->basis);
		if (ev->detail[0])
			fprintf(out, "      detail: %s\n", ev->detail);
		if (ev->daemon_evidence[0])
			fprintf(out, "      daemon: %s\n", ev->daemon_evidence);
		print_frames(ev, out);
	}
	if (an->groups_overflow)
		fprintf(out, "  ... %llu more events in other groups (see the "
		    "XML report)\n", (unsigned long long)an->groups_overflow);
}

static void
print_esp(const struct analyzer *an, FILE *out)
{
	size_t i;
	char s[64], d[64];

	for (i = 0; i < an->n_esp_notes; i++) {
		const struct esp_sa *sa = &an->esp_notes[i].sa;

		fprintf(out, "  ESP SPI 0x%08x %s > %s%s: %llu packets, %llu "
		    "lost in %llu gaps, %llu replayed, %llu reordered\n",
		    sa->spi, net_addr_str(&sa->src, s, sizeof(s)),
		    net_addr_str(&sa->dst, d, sizeof(d)),
		    sa->udp_encap ? " (UDP 4500)" : "",
		    (unsigned long long)sa->packets,
		    (unsigned long long)sa->lost,
		    (unsigned long long)sa->gaps,
		    (unsigned long long)sa->replays,
		    (unsigned long long)sa->reordered);
	}
}

static void
print_policy(const struct analyzer *an, FILE *out)
{
	size_t i;

	if (an->policy == NULL)
		return;
	fprintf(out, "\npolicy: %llu finding%s\n",
	    (unsigned long long)an->policy_findings,
	    an->policy_findings == 1 ? "" : "s");
	for (i = 0; i < an->n_policy_lines; i++)
		fprintf(out, "  %s\n", an->policy_lines[i]);
	if (an->policy_findings > an->n_policy_lines)
		fprintf(out, "  ... more in the XML report\n");
}

static void
print_freq(const struct analyzer *an, FILE *out)
{
	size_t i;

	if (an->n_freq == 0)
		return;
	fprintf(out, "\nerrorFrequencyTable:\n");
	for (i = 0; i < an->n_freq; i++) {
		const char *name = winerr_name(an->freq[i].win_error);

		fprintf(out, "  %-48s %6llu\n", name ? name : "UNKNOWN",
		    (unsigned long long)an->freq[i].frequency);
	}
}

/*
 * Frames were read but none was IKE or ESP: "0 failures" would read as
 * "all is well", when the capture most likely missed the VPN's traffic.
 */
static void
print_nothing_found(const struct analyzer *an, FILE *out)
{
	if (an->frames == 0 || an->c[AN_IKEV2] + an->c[AN_IKEV1] +
	    an->c[AN_ESP] + an->c[AN_ESP_UDP] + an->c[AN_KEEPALIVE] +
	    an->c[AN_ICMP] != 0)
		return;
	fprintf(out, "\nnote: none of the %llu frames is IKE (UDP 500/4500) "
	    "or ESP. Was the capture\n  taken on the interface that carries "
	    "the VPN, and with a filter that keeps it?\n  (GRE, VXLAN, "
	    "Geneve, GTP-U and IP-in-IP tunnels are looked into.)\n",
	    (unsigned long long)an->frames);
}

void
analyzer_print_summary(const struct analyzer *an, FILE *out)
{
	char t1[32], t2[32];

	fmt_time(an->first_ns / 1000000000LL, t1, sizeof(t1));
	fmt_time(an->last_ns / 1000000000LL, t2, sizeof(t2));
	fprintf(out, "wfpdiag %s analysis, capture time %s .. %s\n",
	    WFPDIAG_VERSION, t1, t2);
	print_inputs(an, out);
	print_counts(an, out);
	print_malformed(an, out);
	print_decryption(an, out);
	print_outcomes(an, out);
	print_esp(an, out);
	print_groups(an, out);
	print_nothing_found(an, out);
	print_policy(an, out);
	print_freq(an, out);
}
