/*
 * XML Schema (XSD 1.0) validation of reports; see report_validate.h.
 * libxml2's validator errors are collected through structured handlers
 * so nothing reaches stderr.
 */
#include "analyze/report_validate.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xmlschemas.h>

struct verr {
	unsigned count;
	char first[512];
};

static void
on_error(void *arg, xmlErrorPtr e)
{
	struct verr *v = arg;
	size_t len;

	if (e == NULL || e->level < XML_ERR_ERROR)
		return;
	if (v->count++ > 0)
		return;
	snprintf(v->first, sizeof(v->first), "%s:%d: %s",
	    e->file ? e->file : "(schema)", e->line,
	    e->message ? e->message : "invalid");
	len = strlen(v->first);
	while (len > 0 && v->first[len - 1] == '\n')
		v->first[--len] = '\0';
}

enum rc
report_validate_file(const char *xml_path, const char *xsd_path, char *err,
    size_t errlen)
{
	xmlSchemaParserCtxtPtr pc = NULL;
	xmlSchemaPtr schema = NULL;
	xmlSchemaValidCtxtPtr vc = NULL;
	struct verr v = {0};
	enum rc rc = RC_OK;
	int r;

	if (access(xml_path, R_OK) != 0 || access(xsd_path, R_OK) != 0) {
		snprintf(err, errlen, "%s or %s cannot be read", xml_path,
		    xsd_path);
		return RC_IO;
	}
	xmlInitParser();
	pc = xmlSchemaNewParserCtxt(xsd_path);
	if (pc == NULL) {
		rc = RC_NOMEM;
		goto out;
	}
	xmlSchemaSetParserStructuredErrors(pc, on_error, &v);
	schema = xmlSchemaParse(pc);
	if (schema == NULL) {
		snprintf(err, errlen, "schema does not compile: %s", v.first);
		rc = RC_FORMAT;
		goto out;
	}
	vc = xmlSchemaNewValidCtxt(schema);
	if (vc == NULL) {
		rc = RC_NOMEM;
		goto out;
	}
	xmlSchemaSetValidStructuredErrors(vc, on_error, &v);
	r = xmlSchemaValidateFile(vc, xml_path, XML_PARSE_NONET);
	if (r != 0 || v.count > 0) {
		snprintf(err, errlen, "%s (%u error(s))",
		    v.count ? v.first : "not valid", v.count);
		rc = RC_MALFORMED;
	}
out:
	if (rc == RC_OK && errlen > 0)
		err[0] = '\0';
	xmlSchemaFreeValidCtxt(vc);
	xmlSchemaFree(schema);
	xmlSchemaFreeParserCtxt(pc);
	return rc;
}
