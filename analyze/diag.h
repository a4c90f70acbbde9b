/*
 * Diagnosis: turns finalised IKE and ESP SAs into Windows-style failure
 * events (struct fail_event) using the one mapping table, diag.def, and
 * keeps the errorFrequencyTable. Daemon and kernel events (from capture's
 * event log) are held and merged into the wire's events for the same
 * failure, so each failure counts once.
 *
 * Rules and their reasons: docs/diagnosis.md.
 */
#ifndef WFPDIAG_ANALYZE_DIAG_H
#define WFPDIAG_ANALYZE_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyze/esp_track.h"
#include "analyze/ike_sa.h"
#include "analyze/ikev1_track.h"
#include "analyze/report.h"

enum diag_kind {
#define DIAG(name, notify, win, event, detector, basis, text) DIAG_##name,
#include "analyze/diag.def"
#undef DIAG
	DIAG__COUNT
};

/* Receives every event, after merging, in the order produced. */
typedef void (*diag_emit_fn)(const struct fail_event *ev, void *ctx);

struct diag;

struct diag *diag_new(diag_emit_fn emit, void *ctx);
void diag_free(struct diag *d);

/* Addresses of the capture host (from capture-info or --local): decide
 * which side is "local" in events. Without any, the initiator is. */
void diag_add_local(struct diag *d, const struct net_addr *a);
/* Names the input files (for events' input field). */
void diag_set_input_name(struct diag *d, uint32_t input, const char *name);

/*
 * Judges a finalised IKE SA: sets sa->outcome, ->inferred and
 * ->outcome_text, and emits its failure events. end_ns is the capture
 * time at finalisation; at_end is true when the capture ended (so a
 * negotiation still in flight is "incomplete", not failed).
 */
void diag_ike_sa(struct diag *d, struct ike_sa *sa, int64_t end_ns,
    bool at_end);
/* Judges a finalised ESP SA (replays, ICV failures). */
void diag_esp_sa(struct diag *d, const struct esp_sa *sa);
/* An IKEv1 error notification seen in the clear. */
void diag_ikev1_notify(struct diag *d, const struct fail_event *base,
    uint16_t notify);
/* Judges a finalised IKEv1 SA: an unanswered phase 1, an unanswered
 * encrypted Main Mode part, unanswered Quick Modes (ikev1_track.h). */
void diag_ikev1_sa(struct diag *d, const struct ikev1_sa *sa, int64_t end_ns,
    bool at_end);
/*
 * An event from elsewhere: a Windows wfpdiag.xml (emitted as is), or a
 * daemon/kernel event (held until diag_finish, merged into a matching
 * wire event in the meantime). The event is copied.
 */
void diag_add_event(struct diag *d, const struct fail_event *ev);
/* Emits the daemon events no wire event absorbed. */
void diag_finish(struct diag *d);

/* errorFrequencyTable, sorted by frequency (desc) then code. */
const struct freq_item *diag_freq(struct diag *d, size_t *n);
uint64_t diag_events(const struct diag *d);

/* Table access for the docs and tests. */
uint32_t diag_win_error(enum diag_kind k);
const char *diag_kind_name(enum diag_kind k);
const char *diag_kind_text(enum diag_kind k);
/* Row for a notify type (N_OTHER_ERROR for unmapped error types). */
enum diag_kind diag_kind_for_notify(uint16_t notify);

#endif
