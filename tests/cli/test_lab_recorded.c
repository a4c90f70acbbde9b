/*
 * The strongSwan lab's recorded runs (tests/integration/lab/recorded/,
 * real charon 5.9.8 peers in namespaces, throwaway keys): with the
 * charon logs' keys and the keying-event log, every failure is named
 * exactly (decrypted IKE_AUTH, daemon events merged), nothing inferred,
 * counted once (issue 6); and `--export-keys` writes the IKE SAs the
 * logs' keys verified as an ikev2_decryption_table that tshark decrypts
 * the IKE_AUTH exchange with (issue 5). Needs no root: the live lab
 * reruns the same scenarios where it can (tests/integration).
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
	{"childprop", "ERROR_IPSEC_IKE_POLICY_MATCH"},
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
			/* The child proposal is a CHILD SA (quick mode)
			 * failure, the IKE proposal an IKE SA one. */
			if (strcmp(w->scenario, "childprop") == 0)
				cr_expect(strstr(doc, "IKEEXT_QM_FAILURE") !=
				    NULL, "childprop is a QM failure");
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

struct exported {
	const char *scenario;
	int sas;              /* IKE SAs whose keys verified a message */
	const char *frame;    /* an SK/SKF frame tshark must decrypt */
	const char *inner;    /* inner payload types it must then show */
};

/* IDi (35) then CERT/AUTH for the initiator's IKE_AUTH; IDr (36) for the
 * responder's answer when the initiator sent a PSK AUTH (authfail). */
static const struct exported exports[] = {
	{"success", 1, "4", "53,35,37"},
	{"authfail", 1, "3", "46,35"},
	{"untrusted", 1, "4", "53,35,37"},
	{"childprop", 1, "4", "53,35,37"},
	{"ts", 1, "4", "53,35,37"},
	{"nocert", 0, NULL, NULL},     /* IKE_SA_INIT only */
	{"proposal", 0, NULL, NULL},
	{"timeout", 0, NULL, NULL},
};

/* The tshark line of a frame ("N\t..."), or NULL. */
static const char *
frame_line(const char *out, const char *frame, char *line, size_t cap)
{
	size_t fl = strlen(frame);
	const char *p = out;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, frame, fl) == 0 && p[fl] == '\t') {
			snprintf(line, cap, "%.*s", (int)strcspn(p, "\n"), p);
			return line;
		}
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	return NULL;
}

static void
export_and_decrypt(const struct exported *e)
{
	char dir[4096], cmd[16384], table[] = "/tmp/wfpdiag-kt-XXXXXX";
	char want[128], pcap[4200], line[1024];
	char *out = NULL, *ts;
	int fd = mkstemp(table);

	close(fd);
	snprintf(dir, sizeof(dir), "%s/tests/integration/lab/recorded/%s",
	    TEST_SRCDIR, e->scenario);
	snprintf(cmd, sizeof(cmd), "cd '%s' && '%s' analyze -f text "
	    "$(for k in charon-*.log; do echo -k $k; done) --export-keys '%s' "
	    "events.log capture.pcap", dir, TEST_WFPDIAG, table);
	cr_assert_eq(tu_run(cmd, &out), 0, "%s: %s", e->scenario, out);
	if (e->sas > 0)
		snprintf(want, sizeof(want), "keys: %s holds the keys of %d "
		    "IKE SA%s", table, e->sas, e->sas == 1 ? "" : "s");
	else
		snprintf(want, sizeof(want), "keys: %s holds no IKE SA",
		    table);
	cr_expect(strstr(out, want) != NULL, "%s: want '%s' in:\n%s",
	    e->scenario, want, out);
	free(out);
	if (e->frame == NULL) {
		unlink(table);
		return;
	}
	snprintf(pcap, sizeof(pcap), "%s/capture.pcap", dir);
	ts = tu_tshark_ikev2(pcap, table);
	unlink(table);
	cr_assert_not_null(ts, "tshark failed on %s", pcap);
	cr_expect(strstr(ts, "Integrity Checksum Data is incorrect") == NULL,
	    "%s: tshark rejects an ICV with our keys:\n%s", e->scenario, ts);
	cr_assert_not_null(frame_line(ts, e->frame, line, sizeof(line)),
	    "%s: no frame %s in:\n%s", e->scenario, e->frame, ts);
	cr_expect(strstr(line, e->inner) != NULL, "%s: frame %s not "
	    "decrypted by tshark with the exported table (want %s): %s",
	    e->scenario, e->frame, e->inner, line);
	free(ts);
}

Test(lab_recorded, exported_keys_let_tshark_decrypt_ike_auth)
{
	size_t i;

	if (!tu_have_tool("tshark"))
		cr_skip_test("tshark is absent: the exported tables are "
		    "checked by the keys_out unit tests only");
	for (i = 0; i < sizeof(exports) / sizeof(exports[0]); i++)
		export_and_decrypt(&exports[i]);
}

static size_t
count_of(const char *hay, const char *needle)
{
	size_t n = 0;

	for (; (hay = strstr(hay, needle)) != NULL; hay += strlen(needle))
		n++;
	return n;
}

/* --export-esp-keys on the success run (ESP-in-UDP, AES-GCM-16): the two
 * CHILD SA directions whose keys verified packets go out as Wireshark's
 * esp_sa, and tshark decrypts every ESP packet to the pings inside. */
Test(lab_recorded, exported_esp_keys_let_tshark_decrypt_esp)
{
	char dir[4096], cmd[16384], table[] = "/tmp/wfpdiag-esp-XXXXXX";
	char want[128], pcap[4200];
	char *out = NULL, *ts;
	int fd = mkstemp(table);

	if (!tu_have_tool("tshark"))
		cr_skip_test("tshark is absent: the exported esp_sa is checked "
		    "by the keystore unit tests only");
	cr_assert_geq(fd, 0);
	close(fd);
	snprintf(dir, sizeof(dir), "%s/tests/integration/lab/recorded/success",
	    TEST_SRCDIR);
	snprintf(cmd, sizeof(cmd), "cd '%s' && '%s' analyze -f text -k "
	    "charon-ini.log -k charon-res.log --export-esp-keys '%s' "
	    "events.log capture.pcap", dir, TEST_WFPDIAG, table);
	cr_assert_eq(tu_run(cmd, &out), 0, "%s", out);
	snprintf(want, sizeof(want), "keys: %s holds the keys of 2 ESP SAs",
	    table);
	cr_expect(strstr(out, want) != NULL, "want '%s' in:\n%s", want, out);
	free(out);
	snprintf(pcap, sizeof(pcap), "%s/capture.pcap", dir);
	ts = tu_tshark_uat(pcap, "esp_sa", table, "-o "
	    "esp.enable_encryption_decode:TRUE -Y esp -T fields "
	    "-e frame.number -e _ws.col.Protocol");
	unlink(table);
	cr_assert_not_null(ts, "tshark failed on %s", pcap);
	cr_expect_eq(count_of(ts, "\tICMP\n"), 6, "every ESP packet "
	    "decrypted to ICMP:\n%s", ts);
	free(ts);
}
