/*
 * Keying-daemon events to failure candidates: reads capture's events.log
 * (formats/evlog.h) and turns strongSwan's error-notify alerts and charon
 * log lines into struct fail_event candidates (EVENT_SRC_DAEMON) with the
 * Windows error of daemon_events.def. The diagnosis merges them with the
 * wire's findings (diag_add_event) so a failure counts once.
 *
 * strongSwan reports one failure several ways (a log line, then a generic
 * alert); the candidates of one connection within DAEMON_EVENTS_WINDOW_SEC
 * are folded into the most specific one, the others becoming evidence.
 * Also collects the "capture SOURCE" lines (sources present/absent).
 */
#ifndef WFPDIAG_ANALYZE_DAEMON_EVENTS_H
#define WFPDIAG_ANALYZE_DAEMON_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyze/report.h"
#include "formats/evlog.h"
#include "formats/rc.h"

#define DAEMON_EVENTS_WINDOW_SEC 5
#define DAEMON_EVENTS_PENDING 64u	/* connections folded at once */
#define DAEMON_EVENTS_SOURCES 8u

/* Receives each candidate once folded (ev is valid during the call). */
typedef void (*daemon_events_emit_fn)(const struct fail_event *ev,
    void *ctx);

struct daemon_events;

/* NULL when out of memory. input names the file in events (copied). */
struct daemon_events *daemon_events_new(daemon_events_emit_fn emit,
    void *ctx, const char *input);
/* Emits what is still held, then frees. NULL ok. */
void daemon_events_free(struct daemon_events *de);

/* Considers one record; may emit candidates of earlier records. */
void daemon_events_add(struct daemon_events *de, const struct evlog_rec *rec);
/* Emits every held candidate (end of input). */
void daemon_events_flush(struct daemon_events *de);

/*
 * Reads a whole events.log in memory: every record through
 * daemon_events_add(), then a flush. A bad line stops the read: RC_SHORT
 * (last line cut by a crash) or RC_MALFORMED/RC_LIMIT, with err naming
 * file and line; candidates up to there are kept.
 */
enum rc daemon_events_parse(struct daemon_events *de, const uint8_t *text,
    size_t len, const char *name, char *err, size_t errlen) MUST_CHECK;

/* Sources seen in "capture SOURCE" lines: name and status text. */
size_t daemon_events_sources(const struct daemon_events *de,
    const char *const **names, const char *const **status);

/* Windows error for a strongSwan error-notify type name, 0 if none (for
 * tests and docs). */
uint32_t daemon_events_enfy_error(const char *type);

#endif
