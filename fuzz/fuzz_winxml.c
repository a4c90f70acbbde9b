/* The Windows wfpdiag.xml / netevents.xml reader and import. */
#include <stdint.h>

#include "analyze/winxml_import.h"
#include "formats/wfpxml.h"

static enum rc
on_event(void *ctx, const struct fail_event *ev)
{
	(void)ctx;
	(void)ev;
	return RC_OK;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct winxml_import *wi = winxml_import_new();
	struct wfpxml *x = NULL;
	char err[256];
	size_t n;

	if (wi == NULL)
		return 0;
	if (wfpxml_open_memory(&x, data, size, "fuzz.xml", err,
	    sizeof(err)) == RC_OK) {
		(void)!winxml_import_reader(wi, x, "fuzz.xml", on_event, NULL);
		(void)winxml_import_windows_table(wi, &n);
		(void)winxml_import_rebuilt_table(wi, &n);
		wfpxml_free(x);
	}
	winxml_import_free(wi);
	return 0;
}
