/*
 * Shared inside analyze/ between analyzer.c (inputs and the packet
 * path), summary.c (the terminal summary) and report output. Not for use
 * outside analyze/.
 */
#ifndef WFPDIAG_ANALYZE_ANALYZER_PRIV_H
#define WFPDIAG_ANALYZE_ANALYZER_PRIV_H

#include "analyze/analyzer.h"
#include "analyze/diag.h"
#include "analyze/esp_track.h"
#include "analyze/ike_decrypt.h"
#include "analyze/ike_track.h"
#include "analyze/ikev1_decode.h"
#include "analyze/ikev1_track.h"
#include "analyze/ikev2_decode.h"
#include "formats/netdecode.h"

#define AN_MAX_INPUTS 256u
#define AN_GROUPS 512u       /* failure groups kept for the summary */
#define AN_ESP_NOTES 64u     /* ESP SAs with anomalies listed */
#define AN_MALFORMED_KINDS 32u
#define AN_MAX_EVENT_LOGS 16u
#define AN_POLICY_LINES 64u

struct daemon_events;

/* Why a UDP/ESP datagram that reached the IPsec layer was not used. */
enum an_counter {
	AN_IKEV2, AN_IKEV1, AN_ESP, AN_ESP_UDP, AN_KEEPALIVE, AN_ICMP,
	AN_UDP_OTHER, AN_NOT_IKE, AN_IKE_MALFORMED, AN_IKE_TRUNCATED,
	AN_ESP_SHORT, AN_IKE_PAYLOADS_CAPPED, AN__COUNT
};

/* Failures grouped for the terminal summary. */
struct an_group {
	uint32_t win_error;
	struct net_addr remote;
	char reason[192];
	uint64_t count;
	bool inferred;
	int64_t first_sec, last_sec;
	struct fail_event example;   /* the first one */
};

struct an_esp_note {
	struct esp_sa sa;
};

struct an_malformed {
	char text[96];
	uint64_t count;
	uint64_t first_frame;
	uint32_t input;
};

struct analyzer {
	struct analyzer_opts opts;
	char err[512];
	struct net_decoder *net;
	struct ike_track *ike;
	struct ikev1_track *ike1;     /* IKEv1 SAs, header level */
	struct esp_track *esp;
	struct diag *diag;
	struct ikev2_msg *msg;        /* scratch, large */
	struct ikev1_msg v1;
	struct report_xml *xml;       /* NULL when no XML requested */
	struct ike_decrypt *dec;      /* keys and decryption */
	bool xml_failed;              /* a spool write failed */
	struct policy *policy;        /* --policy, NULL without */
	uint64_t policy_findings;
	char policy_lines[AN_POLICY_LINES][400];
	size_t n_policy_lines;
	/* event logs read (their objects hold the source strings) */
	struct daemon_events *event_logs[AN_MAX_EVENT_LOGS];
	size_t n_event_logs;
	/* keying-event sources (from event logs) for the header */
	size_t n_sources;
	const char *const *source_names;
	const char *const *source_status;
	/* inputs */
	uint32_t n_inputs;
	struct report_input inputs[AN_MAX_INPUTS];
	uint32_t cur;                 /* current input index */
	/* time */
	int64_t first_ns, last_ns, next_expire_ns;
	/* counters */
	uint64_t frames, bytes;
	uint64_t c[AN__COUNT];
	uint64_t outcomes[16];
	uint64_t ike_sas, esp_sas, esp_anomalous;
	uint64_t events, events_windows;
	struct an_group groups[AN_GROUPS];
	size_t n_groups;
	uint64_t groups_overflow;
	struct an_esp_note esp_notes[AN_ESP_NOTES];
	size_t n_esp_notes;
	struct an_malformed malformed[AN_MALFORMED_KINDS];
	size_t n_malformed;
	const struct freq_item *freq;
	size_t n_freq;
	bool finished;
};

/* analyzer.c: captures (pcap/pcapng) by path or in memory. */
enum rc an_add_capture_path(struct analyzer *an, const char *path);
enum rc an_add_capture_memory(struct analyzer *an, const char *name,
    const uint8_t *data, size_t len);

/* Copies src into dst (len bytes), truncating; dst always terminated. */
void an_copy(char *dst, size_t len, const char *src);

/* A new entry in the header's input list; returns its index. */
uint32_t an_new_input(struct analyzer *an, const char *name,
    const char *format);
/* input_events.c: frees the event-log readers. */
void an_free_event_logs(struct analyzer *an);

/* Reads a small text file whole (caller frees). */
enum rc read_small_file(const char *path, uint8_t **data, size_t *len,
    char *err, size_t errlen);

/* Inputs other than captures; path is NULL for memory inputs. */
enum rc an_add_winxml(struct analyzer *an, const char *name,
    const char *path, const uint8_t *data, size_t len);
enum rc an_add_events(struct analyzer *an, const char *name,
    const char *path, const uint8_t *data, size_t len);
enum rc an_add_keys(struct analyzer *an, const char *name,
    const char *path, const uint8_t *data, size_t len);

/* report_out.c: our side of the XML report (NULL-safe when no XML). */
enum rc an_report_open(struct analyzer *an, const char *path);
void an_report_event(struct analyzer *an, const struct fail_event *ev);
void an_report_ike_sa(struct analyzer *an, const struct ike_sa *sa);
void an_report_esp_sa(struct analyzer *an, const struct esp_sa *sa);
enum rc an_report_finish(struct analyzer *an);
void an_report_abort(struct analyzer *an);

/* policy findings -> report section and summary */
struct policy_finding;
void an_policy_finding(const struct policy_finding *f, void *ctx);
void an_policy_check_sa(struct analyzer *an, const struct ike_sa *sa);

/* summary.c */
void an_summary_event(struct analyzer *an, const struct fail_event *ev);
void an_summary_esp(struct analyzer *an, const struct esp_sa *sa);
void an_summary_malformed(struct analyzer *an, const char *text,
    uint64_t frame);
const char *an_counter_name(enum an_counter c);

#endif
