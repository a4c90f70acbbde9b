/*
 * The capture front end against real strongSwan daemons (issue 5): each
 * scenario runs tests/integration/lab/lab.sh (two namespaces, a charon in
 * each, `wfpdiag capture start` in the initiator's namespace, swanctl
 * --initiate, `wfpdiag capture stop`), opens the cab with bsdtar and
 * checks the capture (members, sources present, packets), the daemon's
 * evidence in events.log, the daemon candidates (analyze/daemon_events)
 * and, when this build has the analyzer, the report's netEvents and
 * errorFrequencyTable; on success, that the cab's ikev2_decryption_table
 * (charon log keys bound by ICV) lets tshark decrypt IKE_AUTH. Needs
 * root, ip, strongSwan (charon, swanctl, pki) and bsdtar; skips with the
 * reason otherwise. Each scenario is bounded by `timeout 90`; lab.sh
 * removes what it made even on failure.
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/daemon_events.h"
#include "testutil.h"

/* The scenario's work directory, removed by lab_fini() even when an
 * assertion ended the test (each test runs in its own process). */
static char lab_work[64];

static void
lab_fini(void)
{
	char cmd[128];

	if (lab_work[0] == '\0' || getenv("WFPDIAG_LAB_KEEP") != NULL)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", lab_work);
	if (system(cmd) != 0)
		cr_log_warn("could not remove %s", lab_work);
}

struct expect {
	const char *scenario;
	uint32_t win;              /* 0: success, no failure expected */
	const char *symbol;        /* in the report (or NULL: number only) */
	const char *evidence;      /* substring of events.log */
};

static void
need_lab(void)
{
	static const char *const tools[] = {"ip", "swanctl", "pki", "bsdtar",
	    "unshare", "timeout"};
	size_t i;

	if (!tu_is_root())
		cr_skip_test("strongSwan lab needs root (namespaces, charon)");
	for (i = 0; i < sizeof(tools) / sizeof(tools[0]); i++)
		if (!tu_have_tool(tools[i]))
			cr_skip_test("strongSwan lab needs '%s' (scripts/"
			    "setup.sh installs it)", tools[i]);
	if (access("/usr/lib/ipsec/charon", X_OK) != 0)
		cr_skip_test("strongSwan lab needs /usr/lib/ipsec/charon "
		    "(package strongswan-charon)");
	if (access("/usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so",
	    R_OK) != 0)
		cr_skip_test("strongSwan lab needs the kernel-libipsec plugin "
		    "(package libcharon-extra-plugins)");
}

/* A whole file, NUL-terminated (tu_read_file() is not); NULL if absent. */
static char *
slurp(const char *dir, const char *name, size_t *len)
{
	char p[8600];
	size_t l = 0;
	uint8_t *t;
	char *z;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if ((t = tu_read_file(p, &l)) == NULL)
		return NULL;
	z = malloc(l + 1);
	cr_assert_not_null(z);
	memcpy(z, t, l);
	z[l] = '\0';
	free(t);
	if (len != NULL)
		*len = l;
	return z;
}

static void
collect(const struct fail_event *ev, void *ctx)
{
	uint32_t *seen = ctx;
	size_t i;

	for (i = 0; i < 8 && seen[i] != 0; i++)
		;
	if (i < 8)
		seen[i] = ev->win_error;
}

/* The daemon candidates of events.log (analyze/daemon_events). */
static void
check_daemon(const char *x, const struct expect *e)
{
	uint32_t seen[8] = {0};
	size_t len, i;
	char *t = slurp(x, "events.log", &len), err[256];
	struct daemon_events *de = daemon_events_new(collect, seen, "ev");
	bool found = false;

	cr_assert_not_null(t, "events.log missing from the cab");
	cr_assert_eq(daemon_events_parse(de, (const uint8_t *)t, len,
	    "events.log", err, sizeof(err)), RC_OK, "%s", err);
	daemon_events_free(de);
	for (i = 0; i < 8; i++)
		found |= seen[i] == e->win;
	if (e->win == 0)
		cr_assert_eq(seen[0], 0, "%s: daemon candidate %u on success",
		    e->scenario, seen[0]);
	else
		cr_assert(found, "%s: no daemon candidate %u (first: %u)",
		    e->scenario, e->win, seen[0]);
	free(t);
}

/* Text of the report's <tag ...>...</tag> section, the one with
 * attributes (the header has a plain <events>N</events> counter), or ""
 * when absent; caller frees. */
static char *
section(const char *xml, const char *tag)
{
	char open_t[64], close_t[64];
	const char *a, *b;

	snprintf(open_t, sizeof(open_t), "<%s ", tag);
	snprintf(close_t, sizeof(close_t), "</%s>", tag);
	if ((a = strstr(xml, open_t)) == NULL) {
		snprintf(open_t, sizeof(open_t), "<%s>", tag);
		a = strstr(xml, open_t);
	}
	if (a == NULL || (b = strstr(a, close_t)) == NULL)
		return strdup("");
	return strndup(a, (size_t)(b - a));
}

static bool
names(const char *text, const struct expect *e)
{
	char num[16];

	snprintf(num, sizeof(num), "%u", e->win);
	return strstr(text, num) != NULL ||
	    (e->symbol != NULL && strstr(text, e->symbol) != NULL);
}

static void
check_report(char *xml, const struct expect *e, const char *stop_log)
{
	char *freq, *events;

	if (xml == NULL) {
		/* capture stop packages the cab even when the report cannot be
		 * built; it must then say why (the analyzer of this build) */
		cr_assert(strstr(stop_log, "no analyzer") != NULL ||
		    strstr(stop_log, "report: ") != NULL,
		    "%s: cab has no wfpdiag.xml and stop gave no reason: %s",
		    e->scenario, stop_log);
		cr_skip_test("%s: capture, cab and daemon events checked; no "
		    "report assertion: this build's analyzer built no "
		    "wfpdiag.xml (%s)", e->scenario, stop_log);
	}
	freq = section(xml, "errorFrequencyTable");
	events = section(xml, "events");
	if (e->win == 0) {
		cr_assert(strstr(freq, "ERROR_") == NULL,
		    "success scenario reports a failure: %s", freq);
	} else {
		cr_assert(names(freq, e), "%s: errorFrequencyTable lacks %u "
		    "(%s): %.2000s", e->scenario, e->win,
		    e->symbol ? e->symbol : "-", freq);
		/* one failure, counted once although the wire and the
		 * daemon both saw it */
		cr_assert(strstr(freq, "numItems=\"1\"") != NULL &&
		    strstr(freq, "<frequency>1</frequency>") != NULL,
		    "%s: the failure is not counted exactly once: %s",
		    e->scenario, freq);
		cr_assert(names(events, e), "%s: netEvents lack %u (%s): "
		    "%.3000s", e->scenario, e->win, e->symbol ? e->symbol :
		    "-", events);
	}
	free(freq);
	free(events);
	free(xml);
}

/*
 * Success: capture stop bound the charon log's keys to the IKE SA by ICV
 * and put them in the cab as ikev2_decryption_table (said so in stop's
 * output and capture-info.txt); tshark decrypts the IKE_AUTH exchange
 * of the cab's capture with that table (IDi and AUTH inside).
 */
static void
check_ike_keys(const char *x, const char *stop_log, const char *info)
{
	char table[4200], pcap[4200];
	char *kt = slurp(x, "ikev2_decryption_table", NULL), *ts, *p;
	bool idi = false;

	cr_assert_not_null(kt, "the cab has no ikev2_decryption_table; "
	    "stop said:\n%s", stop_log);
	cr_expect(strstr(stop_log, "IKE keys: 1 IKE SA exported to "
	    "ikev2_decryption_table") != NULL, "%s", stop_log);
	cr_expect(strstr(info, "ike-keys: 1 SA exported") != NULL, "%s",
	    info);
	cr_expect(strstr(stop_log, "AES") == NULL, "stop prints no keys or "
	    "algorithms of keys: %s", stop_log);
	free(kt);
	if (!tu_have_tool("tshark")) {
		cr_log_warn("tshark is absent: the cab's key table is not "
		    "cross-checked");
		return;
	}
	snprintf(table, sizeof(table), "%s/ikev2_decryption_table", x);
	snprintf(pcap, sizeof(pcap), "%s/capture.pcap", x);
	ts = tu_tshark_ikev2(pcap, table);
	cr_assert_not_null(ts, "tshark failed on %s", pcap);
	cr_expect(strstr(ts, "Integrity Checksum Data is incorrect") == NULL,
	    "tshark rejects an ICV with the cab's keys:\n%s", ts);
	/* the initiator's IKE_AUTH (SK 46 or SKF 53) decrypted: IDi (35)
	 * and AUTH (39) follow the encrypted payload's type */
	for (p = ts; p != NULL && *p != '\0'; p = strchr(p + 1, '\n'))
		if (strstr(p, "\t46,35,") != NULL ||
		    strstr(p, "\t53,35,") != NULL)
			idi = true;
	cr_expect(idi, "tshark did not decrypt the IKE_AUTH request with "
	    "the cab's ikev2_decryption_table:\n%s", ts);
	free(ts);
}

static void
scenario(const struct expect *e)
{
	char work[] = "/tmp/wfpdiag-lab-XXXXXX", cmd[16384], x[4200];
	char *out = NULL, *info, *events, *stop_log, *xml;
	int st;

	need_lab();
	cr_assert_not_null(mkdtemp(work));
	snprintf(lab_work, sizeof(lab_work), "%s", work);
	snprintf(cmd, sizeof(cmd), "timeout 90 '%s' %s '%s' '%s'",
	    tu_src("tests/integration/lab/lab.sh"), e->scenario, work,
	    TEST_WFPDIAG);
	st = tu_run(cmd, &out);
	cr_assert_eq(st, 0, "lab.sh %s failed (%d):\n%s", e->scenario, st,
	    out);
	free(out);
	snprintf(x, sizeof(x), "%s/x", work);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s' && bsdtar -xf "
	    "'%s/out/wfpdiag.cab' -C '%s'", x, work, x);
	cr_assert_eq(tu_run(cmd, &out), 0, "bsdtar: %s", out);
	free(out);
	info = slurp(x, "capture-info.txt", NULL);
	cr_assert_not_null(info);
	cr_assert(strstr(info, "source: pcap present") != NULL, "%s", info);
	cr_assert(strstr(info, "source: xfrm present") != NULL, "%s", info);
	cr_assert(strstr(info, "source: vici present") != NULL, "%s", info);
	cr_assert(strstr(info, "source: enfy present") != NULL, "%s", info);
	cr_assert(strstr(info, "recovered: no") != NULL, "%s", info);
	cr_assert(strstr(info, "final-snapshot: present") != NULL, "%s", info);
	cr_assert(strstr(info, " 0 written") == NULL, "no packet: %s", info);
	{
		char *log = slurp(x, "charon.log", NULL);

		cr_assert(log != NULL && strstr(log, "[IKE]") != NULL,
		    "--daemon-log did not bring charon.log into the cab");
		free(log);
	}
	events = slurp(x, "events.log", NULL);
	cr_assert(strstr(events, e->evidence) != NULL, "%s: events.log lacks "
	    "'%s'", e->scenario, e->evidence);
	{
		size_t plen = 0;
		char *pcap = slurp(x, "capture.pcap", &plen);

		cr_assert(pcap != NULL && plen > 24, "capture.pcap empty");
		free(pcap);
	}
	check_daemon(x, e);
	stop_log = slurp(work, "out/stop.log", NULL);
	xml = slurp(x, "wfpdiag.xml", NULL);
	if (strcmp(e->scenario, "success") == 0) {
		char *ping = slurp(work, "out/ping.log", NULL);

		cr_assert(strstr(ping, " 0% packet loss") != NULL, "%s", ping);
		free(ping);
		check_ike_keys(x, stop_log ? stop_log : "", info);
	}
	if (getenv("WFPDIAG_LAB_KEEP") != NULL)
		cr_log_info("kept %s", work);
	free(info);
	free(events);
	check_report(xml, e, stop_log ? stop_log : "");
	free(stop_log);
}

Test(strongswan_lab, success_with_certificates_carries_esp_traffic,
    .timeout = 120,
    .fini = lab_fini)
{
	static const struct expect e = {"success", 0, NULL,
	    "vici child-updown up=yes"};

	scenario(&e);
}

Test(strongswan_lab, initiator_without_certificate_is_no_cert,
    .timeout = 120,
    .fini = lab_fini)
{
	static const struct expect e = {"nocert", 13806,
	    "ERROR_IPSEC_IKE_NO_CERT", "no private key found"};

	scenario(&e);
}

Test(strongswan_lab, wrong_psk_is_auth_fail, .timeout = 120,
    .fini = lab_fini)
{
	static const struct expect e = {"authfail", 13801,
	    "ERROR_IPSEC_IKE_AUTH_FAIL", "received AUTHENTICATION_FAILED"};

	scenario(&e);
}

Test(strongswan_lab, untrusted_ca_is_auth_fail, .timeout = 120,
    .fini = lab_fini)
{
	static const struct expect e = {"untrusted", 13801,
	    "ERROR_IPSEC_IKE_AUTH_FAIL", "enfy NO_ISSUER_CERT"};

	scenario(&e);
}

Test(strongswan_lab, ike_proposal_mismatch_is_policy_match, .timeout = 120,
    .fini = lab_fini)
{
	static const struct expect e = {"proposal", 13868,
	    "ERROR_IPSEC_IKE_POLICY_MATCH", "enfy PROPOSAL_MISMATCH_IKE"};

	scenario(&e);
}

Test(strongswan_lab, child_proposal_mismatch_is_policy_match,
    .timeout = 120, .fini = lab_fini)
{
	/* The IKE SA is up; the responder refuses the CHILD SA's ESP
	 * proposals in IKE_AUTH (a QM failure in Windows terms). */
	static const struct expect e = {"childprop", 13868,
	    "ERROR_IPSEC_IKE_POLICY_MATCH", "NO_PROPOSAL_CHOSEN"};

	scenario(&e);
}

Test(strongswan_lab, traffic_selector_mismatch_is_13999, .timeout = 120,
    .fini = lab_fini)
{
	static const struct expect e = {"ts", 13999, NULL,
	    "received TS_UNACCEPTABLE notify"};

	scenario(&e);
}

Test(strongswan_lab, no_responder_is_timed_out, .timeout = 120,
    .fini = lab_fini)
{
	static const struct expect e = {"timeout", 13805,
	    "ERROR_IPSEC_IKE_TIMED_OUT", "enfy RETRANSMIT_SEND_TIMEOUT"};

	scenario(&e);
}
