/*
 * The wfpdiag.xml report writer, the project's only libxml2 writer
 * (xmlTextWriter). docs/report.md describes the document element by
 * element; docs/wfpdiag-report.xsd is its schema.
 *
 * Windows' own wfpdiag.xml conventions (../shared/reference/
 * wfpdiag-xml.md, ikeext-enums.md) are mirrored for each failure: one
 * <netEvent> with the FWPM_NET_EVENT_HEADER3 members, <type> and the
 * ikeMmFailure / ikeQmFailure / ikeEmFailure / ipsecDrop element, so a
 * Windows engineer's habits and scripts work unchanged; the last element
 * of the file is the errorFrequencyTable (the "find the last
 * errorFrequencyTable" workflow). What only wfpdiag knows sits in
 * elements of its own: <wfpdiagExtra> inside each netEvent, and the
 * sections ikeSecurityAssociations, espSecurityAssociations,
 * policyFindings, windowsErrorFrequencyTables.
 *
 * failureErrorCode is written as the symbolic Win32 name
 * (ERROR_IPSEC_IKE_AUTH_FAIL), as errorFrequencyTable items are; a code
 * without a name is written in decimal. The number is always also in
 * wfpdiagExtra/errorCode.
 *
 * Streaming: memory does not grow with the report. Events and sections
 * are written as they come, each to its own anonymous spool file beside
 * the target; report_xml_finish() writes the document (header first,
 * which needs the final counts) to a temporary file beside the target
 * (mode 0600), copies the spools in 64 KiB chunks, fsyncs and renames it
 * into place. Until then nothing exists under the final name.
 *
 * Text from packets is escaped by libxml2; bytes that are not valid
 * UTF-8 or not allowed in XML 1.0 are written as \xNN, so the output is
 * always well-formed.
 */
#ifndef WFPDIAG_ANALYZE_REPORT_XML_H
#define WFPDIAG_ANALYZE_REPORT_XML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyze/report.h"
#include "formats/netdecode.h"
#include "formats/rc.h"

/* Our own sections, in document order. */
enum report_xml_section {
	REPORT_XML_IKE_SAS,     /* <ikeSecurityAssociations> */
	REPORT_XML_ESP_SAS,     /* <espSecurityAssociations> */
	REPORT_XML_POLICY,      /* <policyFindings> */
	REPORT_XML_WIN_TABLES,  /* <windowsErrorFrequencyTables> */
	REPORT_XML__SECTIONS
};

struct report_xml;
struct report_xml_sink;

/*
 * Starts a report that will be renamed to final_path by
 * report_xml_finish(). The spools are created in final_path's directory.
 * NULL and a message in err when they cannot be (directory missing or
 * not writable, out of memory).
 */
struct report_xml *report_xml_open(const char *final_path, char *err,
    size_t errlen);

/*
 * Appends one <netEvent> rendered from ev (borrowed). Returns OK, or the
 * sticky IO/NOMEM error of the events spool (the report can then only be
 * aborted).
 */
enum rc report_xml_add_event(struct report_xml *r,
    const struct fail_event *ev) MUST_CHECK;

/*
 * Appends a Windows input's own errorFrequencyTable (as read, before any
 * merging) to <windowsErrorFrequencyTables>, attributed to input. Items
 * are written in the order given.
 */
enum rc report_xml_add_windows_table(struct report_xml *r,
    const char *input, const struct freq_item *items, size_t n) MUST_CHECK;

/*
 * The sink of one of our sections (owned by r; valid until finish or
 * abort). The section's numItems attribute counts the top-level elements
 * begun in it. Element and attribute names are ours and must match
 * [A-Za-z][A-Za-z0-9._-]* (INVAL otherwise); values may be anything and
 * are cleaned and escaped. Every call returns the sink's sticky error
 * once one happened.
 */
struct report_xml_sink *report_xml_section(struct report_xml *r,
    enum report_xml_section sec);
/* <name> ... until the matching report_xml_end(). */
enum rc report_xml_begin(struct report_xml_sink *s, const char *name)
    MUST_CHECK;
enum rc report_xml_end(struct report_xml_sink *s) MUST_CHECK;
/* An attribute on the element just begun (before any child). */
enum rc report_xml_attr(struct report_xml_sink *s, const char *name,
    const char *value) MUST_CHECK;
/* Leaf elements: <name>value</name> ("" gives <name/>). */
enum rc report_xml_text(struct report_xml_sink *s, const char *name,
    const char *value) MUST_CHECK;
enum rc report_xml_uint(struct report_xml_sink *s, const char *name,
    uint64_t v) MUST_CHECK;
enum rc report_xml_bool(struct report_xml_sink *s, const char *name,
    bool v) MUST_CHECK;
/* n bytes as 2n lowercase hex digits, no separators. */
enum rc report_xml_hex(struct report_xml_sink *s, const char *name,
    const uint8_t *p, size_t n) MUST_CHECK;
/* UTC ISO-8601 with milliseconds: 2020-05-21T17:25:59.070Z. */
enum rc report_xml_time(struct report_xml_sink *s, const char *name,
    int64_t sec, uint32_t nsec) MUST_CHECK;
/* Dotted quad or RFC 5952 text; <name/> for an unset address. */
enum rc report_xml_addr(struct report_xml_sink *s, const char *name,
    const struct net_addr *a) MUST_CHECK;

/*
 * Writes the final document and renames it to the final path; frees r
 * whatever the result. freq (n rows, borrowed) is the merged
 * errorFrequencyTable; it is written sorted by frequency (descending)
 * then code, rows with frequency 0 left out, names from winerr_name()
 * (decimal when unnamed). On failure nothing is left under the final
 * name (an older file there stays) and err says why.
 */
enum rc report_xml_finish(struct report_xml *r, const struct report_header *h,
    const struct freq_item *freq, size_t n, char *err, size_t errlen)
    MUST_CHECK;

/* Drops everything written so far; no file appears. NULL is a no-op. */
void report_xml_abort(struct report_xml *r);

/* Last error message of r ("" when none). */
const char *report_xml_errmsg(const struct report_xml *r);

/*
 * Helpers shared with the importer and tests. Render a timestamp as
 * report_xml_time() does into dst (>= 32 bytes); returns dst.
 */
char *report_xml_format_time(int64_t sec, uint32_t nsec, char *dst,
    size_t len);
/*
 * Copies up to srclen bytes of src (stopping at a NUL) to dst as valid
 * UTF-8 with only XML 1.0 characters; any other byte becomes "\xNN".
 * Always NUL-terminates; truncates at a character boundary.
 */
void report_xml_clean(const char *src, size_t srclen, char *dst,
    size_t len);

#endif
