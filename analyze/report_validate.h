/*
 * Validates a report against docs/wfpdiag-report.xsd with libxml2's XML
 * Schema validator, streaming (xmlSchemaValidateFile: SAX, no document
 * tree), so a report of any size validates in bounded memory. Used by the
 * tests on every report they write, and meant for a `--validate` option.
 */
#ifndef WFPDIAG_ANALYZE_REPORT_VALIDATE_H
#define WFPDIAG_ANALYZE_REPORT_VALIDATE_H

#include <stddef.h>

#include "formats/rc.h"

/*
 * OK when xml_path is valid against the schema in xsd_path. MALFORMED
 * when it is not (err has the first problem as "file:line: message" and
 * how many there were), FORMAT when the schema does not compile, IO when
 * a file cannot be read. Prints nothing.
 */
enum rc report_validate_file(const char *xml_path, const char *xsd_path,
    char *err, size_t errlen) MUST_CHECK;

#endif
