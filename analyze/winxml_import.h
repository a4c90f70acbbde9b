/*
 * Windows wfpdiag.xml / netevents.xml import: gives the generic records
 * of formats/wfpxml their IKE meaning. Each IKEEXT MM/QM/EM failure and
 * IPsec kernel drop netEvent becomes a struct fail_event (timestamps to
 * epoch, addresses to net_addr, failureErrorCode written as a name, in
 * decimal or 0x-hex via winerr_parse(), enums by name via ikeext), with
 * sources = EVENT_SRC_WINDOWS; other event types (classify drops ...) are
 * counted and skipped. The header fields are gated on the header's flags
 * items, not on element presence (wfpdiag-xml.md). wfpdiag's own reports
 * read back the same way, and their <wfpdiagExtra> restores what Windows
 * has no member for (count, SPIs, exchange, evidence ...).
 *
 * The file's own errorFrequencyTable (the last one in the file, as the
 * seed workflow reads it) is kept apart from the table rebuilt from the
 * events, so a report can show both. winxml_peer_stats aggregates events
 * per remote address: what failed, how often, first and last time.
 */
#ifndef WFPDIAG_ANALYZE_WINXML_IMPORT_H
#define WFPDIAG_ANALYZE_WINXML_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyze/report.h"
#include "formats/limits.h"
#include "formats/rc.h"
#include "formats/wfpxml.h"

/*
 * One netEvent record to a fail_event (zeroed first; auth_method and
 * traffic_type -1 when absent). input (may be NULL) is copied to
 * ev->input. Returns OK; NOTFOUND for event types that are no IKE/IPsec
 * failure (why says which); MALFORMED when a field cannot be read (why
 * names the field, its text and the record's line).
 */
enum rc winxml_event(const struct wfpxml_record *rec, const char *input,
    struct fail_event *ev, char *why, size_t whylen) MUST_CHECK;

/*
 * An errorFrequencyTable record to rows, in document order (error as
 * name, decimal or hex). At most cap rows are stored; *n gets how many,
 * *unreadable how many items had an error or frequency that could not be
 * read (skipped). LIMIT when rows were left out for lack of room.
 */
enum rc winxml_freq_table(const struct wfpxml_record *rec,
    struct freq_item *rows, size_t cap, size_t *n, size_t *unreadable)
    MUST_CHECK;

/* Called for every imported event; an rc other than OK stops the
 * import and is returned. */
typedef enum rc (*winxml_event_fn)(void *ctx, const struct fail_event *ev);

struct winxml_stats {
	uint64_t net_events;    /* netEvent records read */
	uint64_t imported;      /* delivered as fail_events */
	uint64_t skipped;       /* other event types */
	uint64_t unreadable;    /* a field could not be read */
	uint64_t freq_tables;   /* errorFrequencyTables seen */
	uint64_t table_rows_unreadable;
	uint64_t codes_dropped; /* rebuilt table full (LIMIT_WINXML_CODES) */
};

struct winxml_import;

struct winxml_import *winxml_import_new(void);
void winxml_import_free(struct winxml_import *wi);

/*
 * Reads a whole file (or an open wfpxml reader, borrowed; input names it
 * in events and messages), calling fn(ctx, ev) for each event. Returns OK
 * at the end of a well-formed document, else wfpxml's error (SHORT,
 * MALFORMED, LIMIT, IO ...): the events delivered before stay valid and
 * the tables hold what was read. Statistics and the rebuilt table
 * accumulate over calls; the Windows table is that of the last file.
 */
enum rc winxml_import_path(struct winxml_import *wi, const char *path,
    winxml_event_fn fn, void *ctx) MUST_CHECK;
enum rc winxml_import_reader(struct winxml_import *wi, struct wfpxml *x,
    const char *input, winxml_event_fn fn, void *ctx) MUST_CHECK;

const struct winxml_stats *winxml_import_stats(const struct winxml_import *wi);
/* Message of the last error, or of the first unreadable event ("" none). */
const char *winxml_import_errmsg(const struct winxml_import *wi);

/*
 * The last errorFrequencyTable of the last file, rows as Windows wrote
 * them (view, valid until the next import). NULL and *n = 0 when that
 * file had none.
 */
const struct freq_item *winxml_import_windows_table(
    const struct winxml_import *wi, size_t *n);
/* The table rebuilt from every event imported so far (sum of counts per
 * code), sorted by frequency descending then code (view). */
const struct freq_item *winxml_import_rebuilt_table(struct winxml_import *wi,
    size_t *n);

/* ---- per remote address ---- */

struct winxml_peer {
	struct net_addr remote;         /* family 0: address unknown */
	uint64_t events;                /* sum of event counts */
	int64_t first_sec, last_sec;    /* UTC */
	uint32_t first_nsec, last_nsec;
	size_t n_codes;                 /* rows used in codes[] */
	struct freq_item codes[LIMIT_WINXML_PEER_CODES]; /* what failed */
	uint64_t other_codes;           /* events whose code did not fit */
};

struct winxml_peer_stats;

struct winxml_peer_stats *winxml_peer_stats_new(void);
void winxml_peer_stats_free(struct winxml_peer_stats *ps);
/* Counts ev (borrowed) for its remote address. LIMIT when a new peer
 * would pass LIMIT_WINXML_PEERS (the event is counted as dropped). */
enum rc winxml_peer_stats_add(struct winxml_peer_stats *ps,
    const struct fail_event *ev) MUST_CHECK;
/* Peers sorted by address (family, then bytes), each peer's codes sorted
 * by count descending; view valid until the next add. */
const struct winxml_peer *winxml_peer_stats_sorted(
    struct winxml_peer_stats *ps, size_t *n);
/* Events not counted because the peer table was full. */
uint64_t winxml_peer_stats_dropped(const struct winxml_peer_stats *ps);

#endif
