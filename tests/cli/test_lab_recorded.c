/*
 * The strongSwan lab's recorded runs (tests/integration/lab/recorded/,
 * real charon 5.9.8 peers in namespaces, throwaway keys): with the
 * charon logs' keys and the keying-event log, every failure is named
 * exactly (decrypted IKE_AUTH, daemon events merged), nothing inferred,
 * counted once (issue 6). Needs no root: the live lab reruns the same
 * scenarios where it can (tests/integration).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

struct want {
	const char *scenario;
	const char *error;  /* NULL: success, no error at all */
};

static const struct want wants[] = {
	{"success", NULL},
	{"nocert", "ERROR_IPSEC_IKE_NO_CERT"},
	{"authfail", "ERROR_IPSEC_IKE_AUTH_FAIL"},
	{"untrusted", "ERROR_IPSEC_IKE_AUTH_FAIL"},
	{"proposal", "ERROR_IPSEC_IKE_POLICY_MATCH"},
	{"ts", "<error>13999</error>"},
	{"timeout", "ERROR_IPSEC_IKE_TIMED_OUT"},
};

static char *
analyze(const char *scenario, bool keys)
{
	char dir[4096], cmd[16384], xml[] = "/tmp/wfpdiag-lab-XXXXXX.xml";
	char *out = NULL, *doc;
	size_t len;
	int fd = mkstemps(xml, 4);

	close(fd);
	snprintf(dir, sizeof(dir), "%s/tests/integration/lab/recorded/%s",
	    TEST_SRCDIR, scenario);
	if (keys)
		snprintf(cmd, sizeof(cmd), "cd '%s' && '%s' analyze -f xml -o "
		    "'%s' $(for k in charon-*.log; do echo -k $k; done) "
		    "events.log capture.pcap", dir, TEST_WFPDIAG, xml);
	else
		snprintf(cmd, sizeof(cmd), "cd '%s' && '%s' analyze -f xml -o "
		    "'%s' capture.pcap", dir, TEST_WFPDIAG, xml);
	cr_assert_eq(tu_run(cmd, &out), 0, "%s: %s", scenario, out);
	free(out);
	doc = (char *)tu_read_file(xml, &len);
	cr_assert_not_null(doc);
	doc = realloc(doc, len + 1);
	doc[len] = '\0';
	unlink(xml);
	return doc;
}

/* The errorFrequencyTable at the end of the report. */
static const char *
freq_table(const char *doc)
{
	const char *t = NULL, *p = doc;

	while ((p = strstr(p, "<errorFrequencyTable numItems")) != NULL)
		t = p++;
	return t ? t : "";
}

Test(lab_recorded, with_keys_every_failure_is_exact_and_counted_once)
{
	size_t i;

	for (i = 0; i < sizeof(wants) / sizeof(wants[0]); i++) {
		const struct want *w = &wants[i];
		char *doc = analyze(w->scenario, true);
		const char *t = freq_table(doc);

		if (w->error == NULL) {
			cr_expect(strstr(t, "<error>") == NULL, "%s: %s",
			    w->scenario, t);
		} else {
			cr_expect(strstr(t, w->error) != NULL, "%s: %s",
			    w->scenario, t);
			cr_expect(strstr(t, "numItems=\"1\"") != NULL &&
			    strstr(t, "<frequency>1</frequency>") != NULL,
			    "%s: counted once: %s", w->scenario, t);
			cr_expect(strstr(doc, "<inferred>true</inferred>") ==
			    NULL, "%s: nothing inferred with keys",
			    w->scenario);
		}
		free(doc);
	}
}

Test(lab_recorded, without_keys_the_wire_alone_does_not_overclaim)
{
	/* Without keys and without the daemon: AUTH_FAIL is inferred and
	 * says so; the TS mismatch is not mistaken for an AUTH_FAIL. */
	char *doc = analyze("authfail", false);

	cr_expect(strstr(freq_table(doc), "ERROR_IPSEC_IKE_AUTH_FAIL") !=
	    NULL);
	cr_expect(strstr(doc, "<inferred>true</inferred>") != NULL);
	free(doc);
	doc = analyze("ts", false);
	cr_expect(strstr(freq_table(doc), "AUTH_FAIL") == NULL, "%s",
	    freq_table(doc));
	free(doc);
}
