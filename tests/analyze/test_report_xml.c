/*
 * analyze/report_xml: the wfpdiag.xml report writer. Every report written
 * here is validated against docs/wfpdiag-report.xsd (libxml2, and xmllint
 * when installed); the errorFrequencyTable must be the last element with
 * items sorted by frequency; hostile strings stay well-formed; abort and
 * failures leave nothing under the final name; a golden report pins the
 * rendering.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "analyze/report_validate.h"
#include "analyze/report_xml.h"
#include "testutil.h"

static char errbuf[1024];

static char *
temp_dir(void)
{
	char *d = strdup("/tmp/wfpdiag-rx-XXXXXX");

	cr_assert_not_null(mkdtemp(d));
	return d;
}

static size_t
dir_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	cr_assert_not_null(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void
set_v4(struct net_addr *a, uint8_t b0, uint8_t b1, uint8_t b2, uint8_t b3)
{
	memset(a, 0, sizeof(*a));
	a->family = 4;
	a->bytes[0] = b0;
	a->bytes[1] = b1;
	a->bytes[2] = b2;
	a->bytes[3] = b3;
}

static void
base_event(struct fail_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->ts_sec = 1486056961;        /* 2017-02-02T17:36:01 */
	ev->ts_nsec = 496000000;
	ev->type = EVENT_MM_FAILURE;
	ev->sources = EVENT_SRC_WIRE;
	ev->ip_version = 4;
	ev->ip_protocol = 17;
	set_v4(&ev->local, 13, 78, 238, 92);
	set_v4(&ev->remote, 52, 161, 24, 36);
	ev->local_port = 500;
	ev->remote_port = 500;
	ev->win_error = 13801;
	ev->failure_point = 2;
	ev->keying_module = 2;
	ev->state = 4;
	ev->auth_method = 0;
	ev->traffic_type = -1;
	ev->mm_id = 1;
	ev->count = 1;
}

/* Four events of four types plus one with hostile strings. */
static size_t
sample_events(struct fail_event *evs)
{
	struct fail_event *ev;
	static const uint8_t v6a[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
	static const uint8_t v6b[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1,
	    [15] = 2};

	ev = &evs[0];
	base_event(ev);
	memcpy(ev->spi_i, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	ev->exchange = 35;
	ev->notify = 24;
	ev->n_frames = 2;
	ev->frames[0] = 3;
	ev->frames[1] = 4;
	snprintf(ev->reason, sizeof(ev->reason), "peer rejected our AUTH");
	snprintf(ev->local_id, sizeof(ev->local_id), "gw1.example.net");
	snprintf(ev->input, sizeof(ev->input), "lab.pcap");

	ev = &evs[1];
	base_event(ev);
	ev->ts_sec += 30;
	ev->ip_version = 6;
	ev->local.family = ev->remote.family = 6;
	memcpy(ev->local.bytes, v6a, 16);
	memcpy(ev->remote.bytes, v6b, 16);
	ev->remote_port = 4500;
	ev->win_error = 13806;
	ev->failure_point = 1;
	ev->auth_method = 1;
	ev->has_cert_hash = true;
	memcpy(ev->end_cert_hash, "\xa9\x4a\x8f\xe5\xcc\xb1\x9b\xa6\x1c\x4c"
	    "\x08\x73\xd3\x91\xe9\x87\x98\x2f\xbb\xd3", 20);
	ev->count = 3;
	ev->inferred = true;
	snprintf(ev->basis, sizeof(ev->basis), "CERTREQ answered by no CERT");
	/* identity from a packet: markup, a control byte, bad UTF-8 */
	snprintf(ev->remote_id, sizeof(ev->remote_id),
	    "CN=<evil> & \"co\"\x01\xff\xc3(");

	ev = &evs[2];
	base_event(ev);
	ev->type = EVENT_QM_FAILURE;
	ev->ts_sec += 60;
	ev->win_error = 13999;          /* Azure's TS error: no symbol */
	ev->state = 1;
	ev->traffic_type = 1;
	snprintf(ev->local_ts, sizeof(ev->local_ts), "10.1.0.0/16");
	snprintf(ev->remote_ts, sizeof(ev->remote_ts),
	    "10.2.0.0-10.2.255.255");
	ev->sources = EVENT_SRC_WIRE | EVENT_SRC_DAEMON;
	snprintf(ev->daemon_evidence, sizeof(ev->daemon_evidence),
	    "charon: received TS_UNACCEPTABLE notify");

	ev = &evs[3];
	base_event(ev);
	ev->type = EVENT_KERNEL_DROP;
	ev->ts_sec += 90;
	ev->ip_protocol = 50;
	ev->local_port = ev->remote_port = 0;
	ev->win_error = 13913;
	ev->ntstatus = 0xC0360004u;
	ev->direction = 1;
	ev->esp_spi = 0xdeadbeefu;
	ev->sources = EVENT_SRC_KERNEL;

	ev = &evs[4];
	base_event(ev);
	ev->type = EVENT_EM_FAILURE;
	ev->ts_sec += 120;
	ev->keying_module = 1;
	ev->win_error = 13806;
	ev->ip_version = 0;             /* unknown: header still valid */
	memset(&ev->local, 0, sizeof(ev->local));
	ev->auth_method = -1;
	ev->sources = EVENT_SRC_WINDOWS;
	return 5;
}

static const struct freq_item sample_freq[] = {
	{13801, 1}, {13806, 4}, {13999, 1}, {13913, 1}, {13805, 0},
};

static void
fill_header(struct report_header *h)
{
	static const struct report_input in[] = {
		{.path = "lab.pcap", .format = "pcap", .packets = 12,
		    .bytes = 4096},
		{.path = "bad\x01name.xml", .format = "wfpdiag.xml",
		    .error = true, .errmsg = "bad.xml:3:1: input ended"},
	};
	static const char *const cn[] = {"skip.not_ike"};
	static const uint64_t cv[] = {7};
	static const char *const sn[] = {"strongswan", "xfrm"};
	static const char *const ss[] = {"present", "absent"};

	memset(h, 0, sizeof(*h));
	h->tool_version = "0.1.0";
	h->host = "lab-host";
	h->first_ts_sec = 1486056961;
	h->last_ts_sec = 1486057081;
	h->n_inputs = 2;
	h->inputs = in;
	h->frames = 12;
	h->ike_messages = 8;
	h->events = 5;
	h->n_counters = 1;
	h->counter_names = cn;
	h->counter_values = cv;
	h->n_sources = 2;
	h->source_names = sn;
	h->source_status = ss;
}

static void
write_sections(struct report_xml *r)
{
	struct report_xml_sink *s = report_xml_section(r, REPORT_XML_IKE_SAS);
	static const uint8_t spi[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	struct net_addr a;

	set_v4(&a, 52, 161, 24, 36);
	cr_assert_eq(report_xml_begin(s, "ikeSa"), RC_OK);
	cr_assert_eq(report_xml_uint(s, "mmId", 1), RC_OK);
	cr_assert_eq(report_xml_hex(s, "initiatorSpi", spi, 8), RC_OK);
	cr_assert_eq(report_xml_addr(s, "responderAddr", &a), RC_OK);
	cr_assert_eq(report_xml_text(s, "outcome", "FAILED"), RC_OK);
	cr_assert_eq(report_xml_text(s, "remoteId", "\xfe<x>"), RC_OK);
	cr_assert_eq(report_xml_begin(s, "exchanges"), RC_OK);
	cr_assert_eq(report_xml_attr(s, "numItems", "1"), RC_OK);
	cr_assert_eq(report_xml_begin(s, "exchange"), RC_OK);
	cr_assert_eq(report_xml_begin(s, "type"), RC_OK);
	cr_assert_eq(report_xml_attr(s, "type", "34"), RC_OK);
	cr_assert_eq(report_xml_end(s), RC_OK);
	cr_assert_eq(report_xml_time(s, "time", 1486056961, 0), RC_OK);
	cr_assert_eq(report_xml_bool(s, "response", false), RC_OK);
	cr_assert_eq(report_xml_end(s), RC_OK);
	cr_assert_eq(report_xml_end(s), RC_OK);
	cr_assert_eq(report_xml_end(s), RC_OK);

	s = report_xml_section(r, REPORT_XML_POLICY);
	cr_assert_eq(report_xml_begin(s, "finding"), RC_OK);
	cr_assert_eq(report_xml_text(s, "kind", "PROPOSAL_MISMATCH"), RC_OK);
	cr_assert_eq(report_xml_text(s, "expected", "AES_GCM_16-256"), RC_OK);
	cr_assert_eq(report_xml_end(s), RC_OK);
}

/* Writes the sample report to dir/name; returns its path (caller frees). */
static char *
write_sample(const char *dir, const char *name)
{
	struct fail_event evs[8];
	struct report_header h;
	struct report_xml *r;
	char *path = malloc(4096);
	size_t i, n = sample_events(evs);
	static const struct freq_item win[] = {{13806, 32}, {13801, 1}};

	snprintf(path, 4096, "%s/%s", dir, name);
	r = report_xml_open(path, errbuf, sizeof(errbuf));
	cr_assert_not_null(r, "%s", errbuf);
	for (i = 0; i < n; i++)
		cr_assert_eq(report_xml_add_event(r, &evs[i]), RC_OK);
	cr_assert_eq(report_xml_add_windows_table(r, "wfpdiag.xml", win, 2),
	    RC_OK);
	write_sections(r);
	fill_header(&h);
	cr_assert_eq(report_xml_finish(r, &h, sample_freq,
	    sizeof(sample_freq) / sizeof(sample_freq[0]), errbuf,
	    sizeof(errbuf)), RC_OK, "%s", errbuf);
	return path;
}

/* The check every test applies to every report it writes. */
static void
expect_valid(const char *path)
{
	char cmd[8192], *out = NULL;

	cr_expect_eq(report_validate_file(path,
	    tu_src("docs/wfpdiag-report.xsd"), errbuf, sizeof(errbuf)),
	    RC_OK, "%s", errbuf);
	if (!tu_have_tool("xmllint"))
		return;
	snprintf(cmd, sizeof(cmd), "xmllint --noout --nonet --schema '%s' "
	    "'%s'", tu_src("docs/wfpdiag-report.xsd"), path);
	cr_expect_eq(tu_run(cmd, &out), 0, "xmllint: %s", out);
	free(out);
}

static xmlNodePtr
last_element(xmlNodePtr parent)
{
	xmlNodePtr n, last = NULL;

	for (n = parent->children; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE)
			last = n;
	return last;
}

static const char *
child_text(xmlNodePtr parent, const char *name, char *buf, size_t len)
{
	xmlNodePtr n;
	xmlChar *t;

	for (n = parent->children; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE ||
		    strcmp((const char *)n->name, name) != 0)
			continue;
		t = xmlNodeGetContent(n);
		snprintf(buf, len, "%s", (const char *)t);
		xmlFree(t);
		return buf;
	}
	return NULL;
}

Test(report_xml, report_validates_and_ends_with_the_sorted_frequency_table)
{
	char *dir = temp_dir(), *path = write_sample(dir, "wfpdiag.xml");
	xmlDocPtr doc;
	xmlNodePtr root, tab, it;
	char e[64], f[32];
	const char *want[][2] = {{"ERROR_IPSEC_IKE_NO_CERT", "4"},
	    {"ERROR_IPSEC_IKE_AUTH_FAIL", "1"},
	    {"ERROR_IPSEC_REPLAY_CHECK_FAILED", "1"}, {"13999", "1"}};
	int i = 0;

	expect_valid(path);
	doc = xmlReadFile(path, NULL, XML_PARSE_NONET);
	cr_assert_not_null(doc);
	root = xmlDocGetRootElement(doc);
	cr_expect_str_eq((const char *)root->name, "wfpdiag");
	tab = last_element(root);
	cr_assert_str_eq((const char *)tab->name, "errorFrequencyTable");
	cr_expect_str_eq((const char *)xmlGetProp(tab,
	    (const xmlChar *)"numItems"), "4", "zero rows left out");
	for (it = tab->children; it != NULL; it = it->next) {
		if (it->type != XML_ELEMENT_NODE)
			continue;
		cr_assert_lt(i, 4);
		cr_expect_str_eq(child_text(it, "error", e, sizeof(e)),
		    want[i][0]);
		cr_expect_str_eq(child_text(it, "frequency", f, sizeof(f)),
		    want[i][1]);
		i++;
	}
	cr_expect_eq(i, 4);
	xmlFreeDoc(doc);
	cr_expect_eq(dir_entries(dir), 1, "no spool or temp file left");
	unlink(path);
	rmdir(dir);
	free(path);
	free(dir);
}

Test(report_xml, matches_the_golden_report_apart_from_the_generated_time)
{
	char *dir = temp_dir(), *path = write_sample(dir, "golden.xml");
	size_t len, glen;
	char *got = (char *)tu_read_file(path, &len), *p, *q;
	char *want = (char *)tu_read_file(tu_src(
	    "tests/analyze/data/report/golden-sample.xml"), &glen);

	expect_valid(path);
	cr_assert_not_null(got);
	cr_assert_not_null(want, "golden file missing");
	got = realloc(got, len + 1);
	got[len] = '\0';
	/* normalise the one volatile field */
	p = strstr(got, "<generated>");
	cr_assert_not_null(p);
	q = strstr(p, "</generated>");
	memcpy(p + 11, "2000-01-01T00:00:00.000Z", 24);
	cr_assert_eq(q - p, 11 + 24);
	cr_expect_eq(len, glen, "length %zu vs golden %zu", len, glen);
	cr_expect(memcmp(got, want, len < glen ? len : glen) == 0,
	    "report differs from tests/analyze/data/report/golden-sample.xml"
	    " (regenerate deliberately with WFPDIAG_GOLDEN_OUT)");
	if (getenv("WFPDIAG_GOLDEN_OUT") != NULL) {
		FILE *f = fopen(getenv("WFPDIAG_GOLDEN_OUT"), "wb");

		fwrite(got, 1, len, f);
		fclose(f);
	}
	unlink(path);
	rmdir(dir);
	free(got);
	free(want);
	free(path);
	free(dir);
}

Test(report_xml, renders_events_the_way_windows_writes_them)
{
	char *dir = temp_dir(), *path = write_sample(dir, "r.xml");
	size_t len;
	char *x = (char *)tu_read_file(path, &len), *flags;

	x = realloc(x, len + 1);
	x[len] = '\0';
	cr_expect_not_null(strstr(x, "<?xml version=\"1.0\" encoding=\"UTF-8\""
	    "?>\n<wfpdiag version=\"0.1.0\">"));
	cr_expect_not_null(strstr(x,
	    "<timeStamp>2017-02-02T17:36:01.496Z</timeStamp>"));
	cr_expect_not_null(strstr(x, "<flags numItems=\"6\">\n"));
	flags = strstr(x, "<flags numItems=\"6\">");
	cr_assert_not_null(flags);
	cr_expect(strstr(flags, "_IP_PROTOCOL_SET") < strstr(flags,
	    "_LOCAL_ADDR_SET") && strstr(flags, "_LOCAL_ADDR_SET") <
	    strstr(flags, "_REMOTE_PORT_SET") && strstr(flags,
	    "_REMOTE_PORT_SET") < strstr(flags, "_IP_VERSION_SET"),
	    "flag items in ascending bit order");
	cr_expect_not_null(strstr(x,
	    "<localAddrV4>13.78.238.92</localAddrV4>"));
	cr_expect_not_null(strstr(x, "<remoteAddrV6.byteArray16>2001:db8:0:1::2"
	    "</remoteAddrV6.byteArray16>"), "RFC 5952");
	cr_expect_not_null(strstr(x, "<failureErrorCode>ERROR_IPSEC_IKE_AUTH_"
	    "FAIL</failureErrorCode>"));
	cr_expect_not_null(strstr(x, "<failureErrorCode>13999"
	    "</failureErrorCode>"), "a code without a name is decimal");
	cr_expect_not_null(strstr(x, "<endCertHash>0000000000000000000000000"
	    "000000000000000</endCertHash>"));
	cr_expect_not_null(strstr(x, "<endCertHash>a94a8fe5ccb19ba61c4c0873"
	    "d391e987982fbbd3</endCertHash>"));
	cr_expect_not_null(strstr(x, "<item>FWPM_NET_EVENT_IKEEXT_MM_FAILURE_"
	    "FLAG_MULTIPLE</item>"), "count 3 folds several failures");
	cr_expect_not_null(strstr(x, "<failureStatus>0xC0360004"
	    "</failureStatus>"));
	cr_expect_not_null(strstr(x, "<exchange type=\"35\">IKE_AUTH"
	    "</exchange>"));
	cr_expect_not_null(strstr(x, "<ikeSpiI>0102030405060708</ikeSpiI>"));
	cr_expect_not_null(strstr(x, "<espSpi>deadbeef</espSpi>"));
	cr_expect_not_null(strstr(x, "<valueHigh>\n"));
	cr_expect_not_null(strstr(x, "<packageSid>S-1-0-0</packageSid>"));
	cr_expect_not_null(strstr(x, "<events numItems=\"5\">"));
	cr_expect_not_null(strstr(x,
	    "<ikeSecurityAssociations numItems=\"1\">"));
	cr_expect_not_null(strstr(x,
	    "<espSecurityAssociations numItems=\"0\""));
	/* packet strings escaped by libxml2, bad bytes as \xNN */
	cr_expect_not_null(strstr(x,
	    "CN=&lt;evil&gt; &amp; &quot;co&quot;\\x01\\xFF"
	    "\\xC3("), "%s", strstr(x, "CN="));
	cr_expect_not_null(strstr(x, "<remoteId>\\xFE&lt;x&gt;</remoteId>"));
	cr_expect_null(strstr(x, "\x01"));
	free(x);
	unlink(path);
	rmdir(dir);
	free(path);
	free(dir);
}

Test(report_xml, abort_leaves_no_file_and_keeps_an_older_one)
{
	char *dir = temp_dir(), path[4096];
	struct fail_event ev;
	struct report_xml *r;
	struct stat st;

	snprintf(path, sizeof(path), "%s/wfpdiag.xml", dir);
	base_event(&ev);
	r = report_xml_open(path, errbuf, sizeof(errbuf));
	cr_assert_not_null(r);
	cr_assert_eq(report_xml_add_event(r, &ev), RC_OK);
	cr_expect_neq(stat(path, &st), 0, "nothing before finish");
	report_xml_abort(r);
	cr_expect_neq(stat(path, &st), 0);
	cr_expect_eq(dir_entries(dir), 0, "spools are anonymous");
	report_xml_abort(NULL);

	/* an unbalanced section fails the finish; the old file stays */
	{
		FILE *f = fopen(path, "w");
		struct report_header h;

		fputs("old", f);
		fclose(f);
		r = report_xml_open(path, errbuf, sizeof(errbuf));
		cr_assert_eq(report_xml_begin(report_xml_section(r,
		    REPORT_XML_ESP_SAS), "espSa"), RC_OK);
		fill_header(&h);
		cr_expect_neq(report_xml_finish(r, &h, NULL, 0, errbuf,
		    sizeof(errbuf)), RC_OK);
		cr_expect_not_null(strstr(errbuf, "report not written"));
		cr_expect_eq(stat(path, &st), 0);
		cr_expect_eq(st.st_size, 3, "the older report is untouched");
		cr_expect_eq(dir_entries(dir), 1);
	}
	unlink(path);
	rmdir(dir);
	free(dir);
}

Test(report_xml, finished_report_is_private_and_replaces_an_older_one)
{
	char *dir = temp_dir(), *path;
	struct stat st;
	FILE *f;
	char p0[4096];

	snprintf(p0, sizeof(p0), "%s/wfpdiag.xml", dir);
	f = fopen(p0, "w");
	fputs("old", f);
	fclose(f);
	chmod(p0, 0644);
	path = write_sample(dir, "wfpdiag.xml");
	cr_assert_eq(stat(path, &st), 0);
	cr_expect_gt(st.st_size, 1000);
	cr_expect_eq(st.st_mode & 0777, 0600);
	expect_valid(path);
	unlink(path);
	rmdir(dir);
	free(path);
	free(dir);
}

Test(report_xml, open_fails_cleanly_when_the_directory_is_missing)
{
	cr_expect_null(report_xml_open("/nonexistent-dir/x/wfpdiag.xml",
	    errbuf, sizeof(errbuf)));
	cr_expect_not_null(strstr(errbuf, "/nonexistent-dir/x"), "%s",
	    errbuf);
}

Test(report_xml, sink_refuses_bad_names_and_unbalanced_ends)
{
	char *dir = temp_dir(), path[4096];
	struct report_xml *r;
	struct report_xml_sink *s;
	struct report_header h;

	snprintf(path, sizeof(path), "%s/r.xml", dir);
	r = report_xml_open(path, errbuf, sizeof(errbuf));
	s = report_xml_section(r, REPORT_XML_POLICY);
	cr_expect_eq(report_xml_begin(s, "bad name"), RC_INVAL);
	cr_expect_eq(report_xml_begin(s, "<x"), RC_INVAL);
	cr_expect_eq(report_xml_end(s), RC_INVAL);
	cr_expect_eq(report_xml_attr(s, "numItems", "1"), RC_INVAL,
	    "no element open");
	cr_expect_null(report_xml_section(r, REPORT_XML__SECTIONS));
	fill_header(&h);
	cr_expect_eq(report_xml_finish(r, &h, NULL, 0, errbuf,
	    sizeof(errbuf)), RC_OK, "%s", errbuf);
	expect_valid(path);
	unlink(path);
	rmdir(dir);
	free(dir);
}

Test(report_xml, clean_escapes_bytes_xml_cannot_carry)
{
	char out[64];

	report_xml_clean("plain", 64, out, sizeof(out));
	cr_expect_str_eq(out, "plain");
	report_xml_clean("a\x01" "b\x7f", 64, out, sizeof(out));
	cr_expect_str_eq(out, "a\\x01b\\x7F");
	report_xml_clean("l1\nl2\t\r", 64, out, sizeof(out));
	cr_expect_str_eq(out, "l1\\x0Al2\\x09\\x0D", "values stay one line");
	report_xml_clean("caf\xc3\xa9 \xe2\x82\xac", 64, out, sizeof(out));
	cr_expect_str_eq(out, "caf\xc3\xa9 \xe2\x82\xac", "valid UTF-8 kept");
	report_xml_clean("\xc0\xaf\xed\xa0\x80\xef\xbf\xbe", 64, out,
	    sizeof(out));
	cr_expect_str_eq(out, "\\xC0\\xAF\\xED\\xA0\\x80\\xEF\\xBF\\xBE",
	    "overlong, surrogate and U+FFFE refused");
	report_xml_clean("abcdef", 3, out, sizeof(out));
	cr_expect_str_eq(out, "abc", "srclen bounds an unterminated field");
	report_xml_clean("\xff\xff\xff", 64, out, 9);
	cr_expect_str_eq(out, "\\xFF\\xFF", "truncates whole escapes");
	report_xml_clean("\xc3\xa9\xc3\xa9", 64, out, 4);
	cr_expect_str_eq(out, "\xc3\xa9", "truncates whole characters");
}

Test(report_xml, formats_timestamps_like_windows)
{
	char t[40];

	cr_expect_str_eq(report_xml_format_time(1590081959, 70123456, t,
	    sizeof(t)), "2020-05-21T17:25:59.070Z");
	cr_expect_str_eq(report_xml_format_time(-11644473600LL, 0, t,
	    sizeof(t)), "1601-01-01T00:00:00.000Z", "zero FILETIME");
}

Test(report_xml, memory_stays_flat_while_events_stream_to_the_spool)
{
	char *dir = temp_dir(), path[4096];
	struct fail_event evs[8];
	struct report_xml *r;
	struct report_header h;
	struct rusage ru;
	long warm = 0;
	size_t i, n = sample_events(evs);
	struct freq_item fi = {13801, 200000};

#if defined(__SANITIZE_ADDRESS__)
	cr_skip_test("ASan's quarantine makes RSS meaningless; the release "
	    "build runs this check");
#endif
	snprintf(path, sizeof(path), "%s/big.xml", dir);
	r = report_xml_open(path, errbuf, sizeof(errbuf));
	cr_assert_not_null(r);
	for (i = 0; i < 200000; i++) {
		cr_assert_eq(report_xml_add_event(r, &evs[i % n]), RC_OK);
		if (i == 1000) {
			getrusage(RUSAGE_SELF, &ru);
			warm = ru.ru_maxrss;
		}
	}
	fill_header(&h);
	cr_assert_eq(report_xml_finish(r, &h, &fi, 1, errbuf, sizeof(errbuf)),
	    RC_OK);
	getrusage(RUSAGE_SELF, &ru);
	cr_expect_lt(ru.ru_maxrss - warm, 8 * 1024, "RSS grew %ld KiB",
	    ru.ru_maxrss - warm);
	cr_expect_eq(report_validate_file(path,
	    tu_src("docs/wfpdiag-report.xsd"), errbuf, sizeof(errbuf)),
	    RC_OK, "%s", errbuf);
	getrusage(RUSAGE_SELF, &ru);
	cr_expect_lt(ru.ru_maxrss - warm, 16 * 1024,
	    "streaming validation grew RSS %ld KiB", ru.ru_maxrss - warm);
	unlink(path);
	rmdir(dir);
	free(dir);
}

Test(report_xml, spooled_parts_are_indented_across_copy_chunks)
{
	char *dir = temp_dir(), path[4096], line[4096];
	struct fail_event evs[8];
	struct report_xml *r;
	struct report_header h;
	size_t i, n = sample_events(evs), opened = 0, bad = 0, was;
	char first_bad[4096] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/indent.xml", dir);
	r = report_xml_open(path, errbuf, sizeof(errbuf));
	cr_assert_not_null(r);
	for (i = 0; i < 3000; i++)      /* ~6 MB: many 64 KiB chunks */
		cr_assert_eq(report_xml_add_event(r, &evs[i % n]), RC_OK);
	fill_header(&h);
	cr_assert_eq(report_xml_finish(r, &h, NULL, 0, errbuf, sizeof(errbuf)),
	    RC_OK);
	expect_valid(path);
	f = fopen(path, "r");
	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		was = bad;
		if (strstr(line, "<netEvent>") != NULL) {
			opened++;
			bad += strcmp(line, "  <netEvent>\n") != 0;
		}
		bad += strcmp(line, "   <header>\n") != 0 &&
		    strstr(line, "<header>") != NULL && opened > 0;
		bad += line[0] == '<' && strncmp(line, "<?xml", 5) != 0 &&
		    strcmp(line, "<wfpdiag version=\"0.1.0\">\n") != 0 &&
		    strcmp(line, "</wfpdiag>\n") != 0;
		if (bad != was && first_bad[0] == '\0')
			snprintf(first_bad, sizeof(first_bad), "%s", line);
	}
	fclose(f);
	cr_expect_eq(opened, 3000);
	cr_expect_eq(bad, 0, "%zu lines out of place, first: %s", bad,
	    first_bad);
	unlink(path);
	rmdir(dir);
	free(dir);
}

Test(report_xml, full_disk_fails_cleanly_without_printing)
{
	char *dir = temp_dir(), path[4096], errpath[4096];
	struct fail_event evs[8];
	struct report_xml *r;
	struct report_header h;
	struct rlimit rl = {.rlim_cur = 64 * 1024, .rlim_max = RLIM_INFINITY};
	struct stat st;
	size_t i, n = sample_events(evs);
	enum rc rc = RC_OK;
	int saved, fd;

	snprintf(path, sizeof(path), "%s/full.xml", dir);
	snprintf(errpath, sizeof(errpath), "%s/stderr.txt", dir);
	/* a 64 KiB file size limit stands in for a full disk */
	signal(SIGXFSZ, SIG_IGN);
	fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	saved = dup(2);
	dup2(fd, 2);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
	r = report_xml_open(path, errbuf, sizeof(errbuf));
	cr_assert_not_null(r);
	for (i = 0; i < 2000 && rc == RC_OK; i++)
		rc = report_xml_add_event(r, &evs[i % n]);
	cr_expect_eq(rc, RC_IO, "the spool write failure surfaces");
	fill_header(&h);
	cr_expect_eq(report_xml_finish(r, &h, NULL, 0, errbuf,
	    sizeof(errbuf)), RC_IO);
	rl.rlim_cur = RLIM_INFINITY;
	setrlimit(RLIMIT_FSIZE, &rl);
	dup2(saved, 2);
	close(saved);
	cr_expect_not_null(strstr(errbuf, "File too large"), "%s", errbuf);
	cr_expect_neq(stat(path, &st), 0, "no report under the final name");
	cr_assert_eq(stat(errpath, &st), 0);
	cr_expect_eq(st.st_size, 0, "libxml2 printed nothing");
	close(fd);
	unlink(errpath);
	cr_expect_eq(dir_entries(dir), 0);
	rmdir(dir);
	free(dir);
}
