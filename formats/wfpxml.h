/*
 * Streaming reader for Windows WFP diagnostic XML: wfpdiag.xml (from
 * `netsh wfp capture`, inside wfpdiag.cab) and netevents.xml (from
 * `netsh wfp show netevents`, events as <item>), and wfpdiag's own
 * report, which uses the same element names. Shapes as documented in
 * ../shared/reference/wfpdiag-xml.md.
 *
 * The reader knows no IKE: it turns each netEvent subtree into a flat
 * list of leaf fields, named by their path below the event ("type",
 * "header/timeStamp", "header/flags/item", "ikeMmFailure/mmState") with
 * the element text (outer whitespace trimmed) as value, and each
 * errorFrequencyTable into the same kind of list ("item/error",
 * "item/frequency", in document order). analyze/winxml_import.c gives
 * the fields their meaning.
 *
 * Workload: these files run to hundreds of MB, so the reader is
 * libxml2's xmlTextReader (pull parser, no document tree); memory is the
 * one record being built (caps LIMIT_WFPXML_*) plus libxml2's window.
 * Hostile input: no network, no DTD (a document type declaration is
 * refused outright, which rules out entity expansion, billion laughs and
 * external entities), nesting deeper than LIMIT_XML_DEPTH and text nodes
 * over LIMIT_XML_TEXT are errors. Errors name the file, line and column;
 * records returned before an error stay valid for the caller to use.
 * UTF-8 and UTF-16 (with BOM) inputs are accepted; CRLF is normalised.
 */
#ifndef WFPDIAG_FORMATS_WFPXML_H
#define WFPDIAG_FORMATS_WFPXML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formats/rc.h"

enum wfpxml_kind {
	WFPXML_NET_EVENT,       /* <netEvent>, or a top-level <item> event */
	WFPXML_FREQ_TABLE,      /* <errorFrequencyTable> */
};

struct wfpxml_field {
	const char *name;       /* view: path below the record element */
	const char *value;      /* view: trimmed text ("" when empty) */
};

struct wfpxml_record {
	enum wfpxml_kind kind;
	uint64_t index;         /* 0-based ordinal among records of kind */
	unsigned long line;     /* line of the record's start tag */
	size_t n_fields;
	const struct wfpxml_field *fields; /* view, document order */
};

struct wfpxml_stats {
	uint64_t elements;      /* start tags read */
	uint64_t net_events;    /* WFPXML_NET_EVENT records returned */
	uint64_t freq_tables;   /* WFPXML_FREQ_TABLE records returned */
	uint64_t items_skipped; /* top-level <item>s that are no netEvent
	                           (filters in netsh dumps) */
};

/* Read callback for wfpxml_open_io: returns bytes read, 0 at end, -1 on
 * error (like read(2)). */
typedef int (*wfpxml_read_fn)(void *ctx, char *buf, int len);

struct wfpxml;

/*
 * Opens a reader on a file (path), an open descriptor (borrowed, not
 * closed), bytes in memory (borrowed: must outlive the reader) or a read
 * callback. name is used in messages only (copied). Returns OK and *out,
 * or IO/NOMEM with *out NULL and a message in err.
 */
enum rc wfpxml_open_path(struct wfpxml **out, const char *path, char *err,
    size_t errlen) MUST_CHECK;
enum rc wfpxml_open_fd(struct wfpxml **out, int fd, const char *name,
    char *err, size_t errlen) MUST_CHECK;
enum rc wfpxml_open_memory(struct wfpxml **out, const uint8_t *data,
    size_t len, const char *name, char *err, size_t errlen) MUST_CHECK;
enum rc wfpxml_open_io(struct wfpxml **out, wfpxml_read_fn fn, void *ctx,
    const char *name, char *err, size_t errlen) MUST_CHECK;
void wfpxml_free(struct wfpxml *x);

/*
 * Reads up to the next complete record. Returns:
 *   OK        *rec is valid until the next call (views into x);
 *   EOF       the document ended well-formed;
 *   SHORT     the input ended inside the document (truncated file);
 *   MALFORMED not well-formed XML, a DTD, bad encoding;
 *   LIMIT     nesting, text or record size over its cap;
 *   IO/NOMEM  read or allocation failure.
 * After an error every later call returns the same rc; wfpxml_errmsg()
 * says "<name>:<line>:<col>: <reason>".
 */
enum rc wfpxml_next(struct wfpxml *x, const struct wfpxml_record **rec)
    MUST_CHECK;

/* Last error message ("" when none); view owned by x. */
const char *wfpxml_errmsg(const struct wfpxml *x);
const struct wfpxml_stats *wfpxml_stats(const struct wfpxml *x);

/* Value of the first field named name in rec, or NULL. */
const char *wfpxml_get(const struct wfpxml_record *rec, const char *name);

/*
 * Content sniffing for input-kind detection: true when the first bytes
 * (any length; 512 are plenty) look like WFP XML: optional BOM, UTF-8 or
 * UTF-16, and a <wfpdiag, <netEvents, <netEvent or <item element before
 * any other element.
 */
bool wfpxml_sniff(const uint8_t *data, size_t len);

#endif
