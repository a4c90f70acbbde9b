/*
 * Non-capture inputs: Windows wfpdiag.xml / netevents.xml (imported as
 * failure events, their own errorFrequencyTable kept beside ours) and
 * wfpdiag keying-event logs (daemon and kernel events, merged by the
 * diagnosis into the wire's events for the same failure).
 */
#include "analyze/analyzer_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/daemon_events.h"
#include "analyze/report_xml.h"
#include "analyze/winxml_import.h"
#include "formats/wfpxml.h"

static enum rc
on_windows_event(void *ctx, const struct fail_event *ev)
{
	struct analyzer *an = ctx;

	an->events_windows++;
	an->inputs[an->cur].packets++;
	diag_add_event(an->diag, ev);
	return RC_OK;
}

static void
keep_windows_table(struct analyzer *an, struct winxml_import *wi,
    const char *name)
{
	size_t n;
	const struct freq_item *t = winxml_import_windows_table(wi, &n);

	if (t != NULL && n > 0 && an->xml != NULL &&
	    report_xml_add_windows_table(an->xml, name, t, n) != RC_OK)
		an->xml_failed = true;
}

enum rc
an_add_winxml(struct analyzer *an, const char *name, const char *path,
    const uint8_t *data, size_t len)
{
	struct winxml_import *wi = winxml_import_new();
	struct wfpxml *x = NULL;
	enum rc rc;

	if (wi == NULL)
		return RC_NOMEM;
	rc = path ? wfpxml_open_path(&x, path, an->err, sizeof(an->err)) :
	    wfpxml_open_memory(&x, data, len, name, an->err,
	    sizeof(an->err));
	if (rc != RC_OK) {
		winxml_import_free(wi);
		return rc;
	}
	an->cur = an_new_input(an, name, "wfpdiag.xml");
	rc = winxml_import_reader(wi, x, name, on_windows_event, an);
	if (rc != RC_OK) {
		struct report_input *in = &an->inputs[an->cur];

		snprintf(an->err, sizeof(an->err), "%s",
		    winxml_import_errmsg(wi));
		in->error = true;
		an_copy(in->errmsg, sizeof(in->errmsg), an->err);
	}
	keep_windows_table(an, wi, name);
	wfpxml_free(x);
	winxml_import_free(wi);
	return rc;
}

static void
on_daemon_event(const struct fail_event *ev, void *ctx)
{
	struct analyzer *an = ctx;

	an->inputs[an->cur].packets++;
	diag_add_event(an->diag, ev);
}

enum rc
an_add_events(struct analyzer *an, const char *name, const char *path,
    const uint8_t *data, size_t len)
{
	uint8_t *owned = NULL;
	struct daemon_events *de;
	enum rc rc;

	if (an->n_event_logs >= AN_MAX_EVENT_LOGS) {
		snprintf(an->err, sizeof(an->err), "%s: more than %u event "
		    "logs", name, AN_MAX_EVENT_LOGS);
		return RC_LIMIT;
	}
	if (path != NULL) {
		rc = read_small_file(path, &owned, &len, an->err,
		    sizeof(an->err));
		if (rc != RC_OK)
			return rc;
		data = owned;
	}
	an->cur = an_new_input(an, name, "events.log");
	de = daemon_events_new(on_daemon_event, an, name);
	if (de == NULL) {
		free(owned);
		return RC_NOMEM;
	}
	rc = daemon_events_parse(de, data, len, name, an->err,
	    sizeof(an->err));
	if (rc != RC_OK) {
		an->inputs[an->cur].error = true;
		an_copy(an->inputs[an->cur].errmsg,
		    sizeof(an->inputs[an->cur].errmsg), an->err);
	}
	/* The log says which sources were present: the report header
	 * lists them. The object stays alive for its strings. */
	an->n_sources = daemon_events_sources(de, &an->source_names,
	    &an->source_status);
	an->event_logs[an->n_event_logs++] = de;
	free(owned);
	return rc;
}

void
an_free_event_logs(struct analyzer *an)
{
	size_t i;

	for (i = 0; i < an->n_event_logs; i++)
		daemon_events_free(an->event_logs[i]);
	an->n_event_logs = 0;
}
