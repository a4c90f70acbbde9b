/*
 * The keying-event log (events.log in our cab, CAB_MEMBER_EVENTS): the
 * text format capture writes and the analyzer reads. One event per line:
 *
 *   # wfpdiag events 1
 *   1732380000.123456789 enfy PEER_AUTH_FAILED name=host id="CN=moon" ...
 *
 *   line   = ts SP source SP type *(SP key "=" value) LF
 *   ts     = 1*DIGIT "." 9DIGIT   ; CLOCK_REALTIME, same clock as pcap
 *   source = token                ; xfrm, vici, enfy, capture ...
 *   type   = token                ; NEWSA, ike-updown, AUTH_FAILED ...
 *   key    = 1*(ALPHA / DIGIT / "_" / "-" / ".")
 *   value  = bare / quoted
 *   bare   = 1*(%x21-7E except DQUOTE "\")
 *   quoted = DQUOTE *(%x20-7E except DQUOTE "\" / escape) DQUOTE
 *   escape = "\\" / "\"" / "\n" / "\r" / "\t" / "\x" 2HEXDIG
 *
 * Lines starting with '#' and empty lines are comments. The writer always
 * produces the shortest form; the reader accepts both forms and rejects
 * anything else with a message naming the file, line and column.
 */
#ifndef WFPDIAG_FORMATS_EVLOG_H
#define WFPDIAG_FORMATS_EVLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formats/buf.h"
#include "formats/limits.h"
#include "formats/rc.h"
#include "formats/rd.h"

/* First line of every events.log (used for content detection). */
#define EVLOG_MAGIC "# wfpdiag events 1"

struct evlog_kv {
	const char *key;   /* borrowed, NUL-terminated */
	const char *val;   /* borrowed, NUL-terminated (may hold any byte
	                      but NUL; escaped on output) */
};

/* A parsed line. Strings point into store (owned by the record). */
struct evlog_rec {
	int64_t sec;                          /* UTC seconds */
	uint32_t nsec;
	const char *source;
	const char *type;
	size_t n;                             /* fields used */
	struct evlog_kv f[LIMIT_EVLOG_FIELDS];
	char store[LIMIT_TEXT_LINE + LIMIT_EVLOG_FIELDS * 2 + 8];
};

/*
 * Appends one event line (with its LF) to out. Keys must be valid key
 * tokens and source/type valid tokens: RC_INVAL otherwise (a programming
 * error, nothing is appended). RC_LIMIT when the line would exceed
 * LIMIT_TEXT_LINE or out's cap.
 */
enum rc evlog_format(struct buf *out, int64_t sec, uint32_t nsec,
    const char *source, const char *type, const struct evlog_kv *kv,
    size_t n) MUST_CHECK;

/* True when text starts with EVLOG_MAGIC (content detection). */
bool evlog_detect(const uint8_t *text, size_t len);

/*
 * A line cursor over a whole log held in memory; name is the file name
 * used in messages (borrowed for the reader's life).
 */
struct evlog_reader {
	struct rd text;
	const char *name;
	size_t line;        /* number of the last line returned, from 1 */
	char err[256];
};

void evlog_reader_init(struct evlog_reader *r, const uint8_t *text,
    size_t len, const char *name);

/*
 * Parses the next event into rec. Returns RC_OK, RC_EOF at the end,
 * RC_MALFORMED or RC_LIMIT for a bad line (r->err says "FILE:LINE:COL:
 * reason"; the reader has moved past the line so the caller may go on).
 * A final line without LF is accepted (a capture killed mid-write leaves
 * one): it is parsed like any other, and RC_SHORT is returned instead
 * when it is cut inside a token.
 */
enum rc evlog_next(struct evlog_reader *r, struct evlog_rec *rec)
    MUST_CHECK;

/* Parses one line (without its LF). err gets "COL: reason". */
enum rc evlog_parse_line(struct rd *line, struct evlog_rec *rec, char *err,
    size_t errlen) MUST_CHECK;

/* Value of key in rec, or NULL. */
const char *evlog_get(const struct evlog_rec *rec, const char *key);

#endif
