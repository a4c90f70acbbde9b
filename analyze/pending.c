/*
 * TEMPORARY: entry points whose modules are landing from parallel work
 * (Windows XML import, event logs, key tables, XML report). Removed as
 * each lands; nothing here is reachable in a released build.
 */
#include "analyze/analyzer_priv.h"

#include <stdio.h>

enum rc
an_add_winxml(struct analyzer *an, const char *name, const char *path,
    const uint8_t *data, size_t len)
{
	(void)path;
	(void)data;
	(void)len;
	snprintf(an->err, sizeof(an->err), "%s: Windows XML input not built "
	    "yet", name);
	return RC_UNSUPPORTED;
}

enum rc
an_add_events(struct analyzer *an, const char *name, const char *path,
    const uint8_t *data, size_t len)
{
	(void)path;
	(void)data;
	(void)len;
	snprintf(an->err, sizeof(an->err), "%s: event logs not built yet",
	    name);
	return RC_UNSUPPORTED;
}

enum rc
an_report_open(struct analyzer *an, const char *path)
{
	snprintf(an->err, sizeof(an->err), "%s: XML report not built yet",
	    path);
	return RC_UNSUPPORTED;
}

void
an_report_event(struct analyzer *an, const struct fail_event *ev)
{
	(void)an;
	(void)ev;
}

void
an_report_ike_sa(struct analyzer *an, const struct ike_sa *sa)
{
	(void)an;
	(void)sa;
}

void
an_report_esp_sa(struct analyzer *an, const struct esp_sa *sa)
{
	(void)an;
	(void)sa;
}

enum rc
an_report_finish(struct analyzer *an)
{
	(void)an;
	return RC_OK;
}

void
an_report_abort(struct analyzer *an)
{
	(void)an;
}
