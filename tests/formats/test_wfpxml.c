/*
 * formats/wfpxml: the streaming Windows XML reader. Published Microsoft
 * samples (../shared/reference/samples), hand-written IKE fixtures in
 * tests/formats/data/wfpxml (UTF-8 and UTF-16 with CRLF) and hostile
 * inputs: entity bombs, XXE, deep nesting, huge text, truncation, bad
 * UTF-8, and a generated stream read in bounded memory.
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "formats/limits.h"
#include "formats/wfpxml.h"
#include "testutil.h"

static char errbuf[512];

static struct wfpxml *
open_fixture(const char *name)
{
	char rel[256];
	struct wfpxml *x;

	snprintf(rel, sizeof(rel), "tests/formats/data/wfpxml/%s", name);
	cr_assert_eq(wfpxml_open_path(&x, tu_src(rel), errbuf,
	    sizeof(errbuf)), RC_OK, "%s", errbuf);
	return x;
}

/* Reads to the end; returns the final rc and counts records by kind. */
static enum rc
drain(struct wfpxml *x, size_t *events, size_t *tables)
{
	const struct wfpxml_record *rec;
	enum rc rc;

	*events = *tables = 0;
	while ((rc = wfpxml_next(x, &rec)) == RC_OK) {
		if (rec->kind == WFPXML_NET_EVENT)
			(*events)++;
		else
			(*tables)++;
	}
	return rc;
}

Test(wfpxml, reads_every_published_sample)
{
	const char *dir = tu_shared("reference/samples");
	char pat[4096];
	glob_t g;
	size_t i, ev, tb, total = 0;

	if (dir == NULL)
		cr_skip_test("../shared/reference/samples is absent");
	snprintf(pat, sizeof(pat), "%s/*.xml", dir);
	cr_assert_eq(glob(pat, 0, NULL, &g), 0);
	cr_assert_geq(g.gl_pathc, 7);
	for (i = 0; i < g.gl_pathc; i++) {
		struct wfpxml *x;

		cr_assert_eq(wfpxml_open_path(&x, g.gl_pathv[i], errbuf,
		    sizeof(errbuf)), RC_OK);
		cr_expect_eq(drain(x, &ev, &tb), RC_EOF, "%s: %s",
		    g.gl_pathv[i], wfpxml_errmsg(x));
		total += ev;
		wfpxml_free(x);
	}
	globfree(&g);
	/* 5 netEvents (uwp cases 1, 2, 4, 7 and quarantine); the filter
	 * items are not events. */
	cr_expect_eq(total, 5);
}

Test(wfpxml, flattens_a_published_netevent_into_paths)
{
	const char *p = tu_shared("reference/samples/"
	    "uwp-case2-classify-drop-netevent-v6.xml");
	const struct wfpxml_record *rec;
	struct wfpxml *x;
	size_t i, flags = 0;

	if (p == NULL)
		cr_skip_test("../shared/reference/samples is absent");
	cr_assert_eq(wfpxml_open_path(&x, p, errbuf, sizeof(errbuf)), RC_OK);
	cr_assert_eq(wfpxml_next(x, &rec), RC_OK, "%s", wfpxml_errmsg(x));
	cr_expect_str_eq(wfpxml_get(rec, "type"),
	    "FWPM_NET_EVENT_TYPE_CLASSIFY_DROP");
	cr_expect_str_eq(wfpxml_get(rec, "header/timeStamp"),
	    "2020-03-30T23:53:09.720Z");
	cr_expect_str_eq(wfpxml_get(rec, "header/remoteAddrV6.byteArray16"),
	    "2620:1ec:c11::200");
	cr_expect_str_eq(wfpxml_get(rec, "header/enterpriseId"), "");
	cr_expect_str_eq(wfpxml_get(rec, "classifyDrop/filterId"), "68893");
	cr_expect_null(wfpxml_get(rec, "header/appId"),
	    "an element with children is no leaf");
	for (i = 0; i < rec->n_fields; i++)
		if (strcmp(rec->fields[i].name, "header/flags/item") == 0)
			flags++;
	cr_expect_eq(flags, 9);
	cr_expect_eq(wfpxml_next(x, &rec), RC_EOF);
	wfpxml_free(x);
}

Test(wfpxml, published_filter_with_broken_tags_fails_naming_line_and_column)
{
	const char *p = tu_shared("reference/samples/"
	    "uwp-case1-filter-125918.published.txt");
	const struct wfpxml_record *rec;
	struct wfpxml *x;
	size_t ev, tb;
	enum rc rc;

	if (p == NULL)
		cr_skip_test("../shared/reference/samples is absent");
	cr_assert_eq(wfpxml_open_path(&x, p, errbuf, sizeof(errbuf)), RC_OK);
	rc = drain(x, &ev, &tb);
	cr_expect(rc == RC_MALFORMED || rc == RC_SHORT, "rc %d", rc);
	/* "<path>:15:5: ..." : the unclosed </subLayerKey on line 14 is
	 * noticed where the next tag starts. */
	cr_expect_not_null(strstr(wfpxml_errmsg(x), "published.txt:1"),
	    "%s", wfpxml_errmsg(x));
	cr_expect_eq(wfpxml_next(x, &rec), rc, "errors are sticky");
	wfpxml_free(x);
}

Test(wfpxml, reads_mm_failure_fields_and_every_frequency_table)
{
	struct wfpxml *x = open_fixture("ike-mm-failure-name.xml");
	const struct wfpxml_record *rec;
	int n = 0, tables = 0;

	while (wfpxml_next(x, &rec) == RC_OK) {
		if (rec->kind == WFPXML_FREQ_TABLE) {
			cr_expect_eq(rec->index, (uint64_t)tables);
			tables++;
			continue;
		}
		if (n++ == 0) {
			cr_expect_str_eq(wfpxml_get(rec,
			    "ikeMmFailure/failureErrorCode"),
			    "ERROR_IPSEC_IKE_AUTH_FAIL");
			cr_expect_str_eq(wfpxml_get(rec, "ikeMmFailure/flags"),
			    "");
			cr_expect_str_eq(wfpxml_get(rec,
			    "header/localAddrV4"), "13.78.238.92");
		} else {
			cr_expect_str_eq(wfpxml_get(rec,
			    "ikeMmFailure/flags/item"),
			    "FWPM_NET_EVENT_IKEEXT_MM_FAILURE_FLAG_MULTIPLE");
			cr_expect_str_eq(wfpxml_get(rec,
			    "ikeMmFailure/remotePrincipalNameForAuth"),
			    "CN=client & co", "entities are decoded");
		}
	}
	cr_expect_str_eq(wfpxml_errmsg(x), "");
	cr_expect_eq(n, 2);
	cr_expect_eq(tables, 2);
	cr_expect_eq(wfpxml_stats(x)->items_skipped, 0,
	    "nested filter items are not candidates");
	wfpxml_free(x);
}

Test(wfpxml, last_frequency_table_keeps_pairs_in_document_order)
{
	struct wfpxml *x = open_fixture("ike-mm-failure-hex.xml");
	const struct wfpxml_record *rec, *last = NULL;

	while (wfpxml_next(x, &rec) == RC_OK)
		if (rec->kind == WFPXML_FREQ_TABLE)
			last = rec;
	cr_assert_not_null(last);
	cr_assert_eq(last->n_fields, 4);
	cr_expect_str_eq(last->fields[0].name, "item/error");
	cr_expect_str_eq(last->fields[0].value, "0x35ee");
	cr_expect_str_eq(last->fields[1].name, "item/frequency");
	cr_expect_str_eq(last->fields[1].value, "32");
	wfpxml_free(x);
}

Test(wfpxml, reads_utf16_netevents_with_crlf_and_skips_filter_items)
{
	struct wfpxml *x = open_fixture("ike-qm-failure-netevents-utf16.xml");
	const struct wfpxml_record *rec;
	int n = 0;

	while (wfpxml_next(x, &rec) == RC_OK) {
		cr_assert_eq(rec->kind, WFPXML_NET_EVENT);
		if (n++ == 0) {
			cr_expect_str_eq(wfpxml_get(rec,
			    "ikeQmFailure/failureErrorCode"), "0x0000362C");
			cr_expect_str_eq(wfpxml_get(rec,
			    "ikeQmFailure/remoteSubNet/v4AddrMask"),
			    "10.2.0.0/16");
			cr_expect_str_eq(wfpxml_get(rec, "header/remoteAddrV4"),
			    "198.51.100.7", "no CR left in values");
		} else {
			cr_expect_str_eq(wfpxml_get(rec, "ipsecDrop/spi"),
			    "3735928559");
		}
	}
	cr_expect_str_eq(wfpxml_errmsg(x), "");
	cr_expect_eq(n, 2);
	cr_expect_eq(wfpxml_stats(x)->items_skipped, 1);
	wfpxml_free(x);
}

static void
expect_refused(const char *fixture, const char *why)
{
	struct wfpxml *x = open_fixture(fixture);
	size_t ev, tb;
	enum rc rc = drain(x, &ev, &tb);

	cr_expect(rc != RC_OK && rc != RC_EOF, "%s accepted", fixture);
	cr_expect_eq(ev, 0, "%s: %s", fixture, why);
	cr_expect_not_null(strstr(wfpxml_errmsg(x), fixture), "%s",
	    wfpxml_errmsg(x));
	cr_expect_null(strstr(wfpxml_errmsg(x), "root:"),
	    "no file content in the message");
	wfpxml_free(x);
}

Test(wfpxml, refuses_billion_laughs_before_expanding_anything)
{
	struct rusage ru;

	expect_refused("hostile-billion-laughs.xml", "DTD refused");
	getrusage(RUSAGE_SELF, &ru);
	cr_expect_lt(ru.ru_maxrss, 512 * 1024, "peak RSS %ld KiB",
	    ru.ru_maxrss);
}

Test(wfpxml, refuses_external_entities_and_never_reads_them)
{
	struct wfpxml *x = open_fixture("hostile-xxe.xml");
	const struct wfpxml_record *rec;
	enum rc rc = wfpxml_next(x, &rec);

	cr_expect_eq(rc, RC_MALFORMED);
	cr_expect_not_null(strstr(wfpxml_errmsg(x), "DTD"), "%s",
	    wfpxml_errmsg(x));
	wfpxml_free(x);
	expect_refused("hostile-xxe-nodoctype-ref.xml", "undeclared entity");
}

Test(wfpxml, truncated_file_keeps_the_events_read_before)
{
	struct wfpxml *x = open_fixture("hostile-truncated.xml");
	const struct wfpxml_record *rec;
	int n = 0;
	enum rc rc;

	while ((rc = wfpxml_next(x, &rec)) == RC_OK)
		n += rec->kind == WFPXML_NET_EVENT;
	cr_expect_eq(n, 1, "the first netEvent was complete");
	cr_expect_eq(rc, RC_SHORT, "%s", wfpxml_errmsg(x));
	cr_expect_not_null(strstr(wfpxml_errmsg(x), ":66:40: input ended"),
	    "names where the file stops: %s", wfpxml_errmsg(x));
	cr_expect_not_null(strstr(wfpxml_errmsg(x),
	    "hostile-truncated.xml:"), "%s", wfpxml_errmsg(x));
	wfpxml_free(x);
}

Test(wfpxml, invalid_utf8_is_a_clear_error)
{
	expect_refused("hostile-invalid-utf8.xml", "not UTF-8");
}

/* "<" then NULs looks like UCS-4 to libxml2, whose conversion then fails
 * before any parser exists: the error is ours to report, not printed on
 * stderr by the library (fuzz_capture found it). */
Test(wfpxml, failed_encoding_conversion_is_reported_not_printed,
    .init = cr_redirect_stderr)
{
	static const uint8_t doc[] = {'<', 0, 0, 0, 0};
	const struct wfpxml_record *rec;
	struct wfpxml *x;

	cr_assert_eq(wfpxml_open_memory(&x, doc, sizeof(doc), "ucs4.xml",
	    errbuf, sizeof(errbuf)), RC_OK, "%s", errbuf);
	cr_expect_eq(wfpxml_next(x, &rec), RC_MALFORMED);
	cr_expect_not_null(strstr(wfpxml_errmsg(x), "ucs4.xml:1:1: input "
	    "conversion failed"), "%s", wfpxml_errmsg(x));
	wfpxml_free(x);
	fflush(stderr);
	cr_expect_stderr_eq_str("");
}

Test(wfpxml, deep_nesting_stops_at_the_depth_cap)
{
	size_t depth = 10000, i, len = depth * 7 + 64;
	char *doc = malloc(len), *p = doc;
	struct wfpxml *x;
	const struct wfpxml_record *rec;

	p += snprintf(p, 64, "<wfpdiag><events><netEvent>");
	for (i = 0; i < depth; i++)
		p += snprintf(p, 8, "<a>");
	cr_assert_eq(wfpxml_open_memory(&x, (uint8_t *)doc,
	    (size_t)(p - doc), "deep.xml", errbuf, sizeof(errbuf)), RC_OK);
	cr_expect_eq(wfpxml_next(x, &rec), RC_LIMIT);
	cr_expect_not_null(strstr(wfpxml_errmsg(x), "deep.xml:1:"), "%s",
	    wfpxml_errmsg(x));
	wfpxml_free(x);
	free(doc);
}

Test(wfpxml, text_node_over_the_cap_is_refused)
{
	size_t big = 2u * 1024 * 1024, len = big + 128;
	char *doc = malloc(len), *p = doc;
	struct wfpxml *x;
	const struct wfpxml_record *rec;
	enum rc rc;

	p += snprintf(p, 64, "<wfpdiag><events><netEvent><type>");
	memset(p, 'A', big);
	p += big;
	p += snprintf(p, 64, "</type></netEvent></events></wfpdiag>");
	cr_assert_eq(wfpxml_open_memory(&x, (uint8_t *)doc,
	    (size_t)(p - doc), "big.xml", errbuf, sizeof(errbuf)), RC_OK);
	rc = wfpxml_next(x, &rec);
	cr_expect_eq(rc, RC_LIMIT, "rc %d: %s", rc, wfpxml_errmsg(x));
	cr_expect_not_null(strstr(wfpxml_errmsg(x), "big.xml:"));
	wfpxml_free(x);
	free(doc);
}

Test(wfpxml, truncating_a_fixture_anywhere_never_crashes)
{
	size_t len, cut, ev, tb;
	uint8_t *doc = tu_read_file(tu_src("tests/formats/data/wfpxml/"
	    "ike-mm-failure-name.xml"), &len);

	cr_assert_not_null(doc);
	for (cut = 0; cut < len; cut += 7) {
		struct wfpxml *x;
		enum rc rc;

		cr_assert_eq(wfpxml_open_memory(&x, doc, cut, "cut.xml",
		    errbuf, sizeof(errbuf)), RC_OK);
		rc = drain(x, &ev, &tb);
		cr_expect(rc != RC_OK && rc != RC_EOF, "cut %zu accepted", cut);
		cr_expect(ev <= 2 && tb <= 2);
		wfpxml_free(x);
	}
	free(doc);
}

/* A generator behind the read callback: an endless-looking wfpdiag.xml of
 * n events, produced on the fly so the test itself uses no memory. */
struct gen {
	uint64_t n, i;
	char chunk[2048];
	size_t len, off;
	int stage;      /* 0 head, 1 events, 2 tail, 3 done */
};

static void
gen_fill(struct gen *g)
{
	int k;

	g->off = 0;
	if (g->stage == 0) {
		k = snprintf(g->chunk, sizeof(g->chunk),
		    "<?xml version=\"1.0\"?>\n<wfpdiag><events>\n");
		g->stage = 1;
	} else if (g->stage == 1 && g->i < g->n) {
		k = snprintf(g->chunk, sizeof(g->chunk),
		    "<netEvent><header><timeStamp>2024-01-01T00:00:%02u.000Z"
		    "</timeStamp><flags numItems=\"1\"><item>"
		    "FWPM_NET_EVENT_FLAG_REMOTE_ADDR_SET</item></flags>"
		    "<remoteAddrV4>10.%u.%u.%u</remoteAddrV4></header>"
		    "<type>FWPM_NET_EVENT_TYPE_IKEEXT_MM_FAILURE</type>"
		    "<ikeMmFailure><failureErrorCode>%u</failureErrorCode>"
		    "<remotePrincipalNameForAuth>peer-%llu.example"
		    "</remotePrincipalNameForAuth></ikeMmFailure></netEvent>\n",
		    (unsigned)(g->i % 60), (unsigned)(g->i >> 16 & 255),
		    (unsigned)(g->i >> 8 & 255), (unsigned)(g->i & 255),
		    13801u + (unsigned)(g->i % 7), (unsigned long long)g->i);
		g->i++;
	} else if (g->stage == 1) {
		k = snprintf(g->chunk, sizeof(g->chunk),
		    "</events><errorFrequencyTable numItems=\"0\"/>"
		    "</wfpdiag>\n");
		g->stage = 3;
	} else {
		k = 0;
	}
	g->len = (size_t)k;
}

static int
gen_read(void *ctx, char *buf, int len)
{
	struct gen *g = ctx;
	size_t n;

	if (g->off == g->len)
		gen_fill(g);
	n = g->len - g->off;
	if (n > (size_t)len)
		n = (size_t)len;
	memcpy(buf, g->chunk + g->off, n);
	g->off += n;
	return (int)n;
}

Test(wfpxml, streams_a_generated_file_in_flat_memory)
{
	struct gen g = {.n = 400000};
	struct wfpxml *x;
	const struct wfpxml_record *rec;
	struct rusage ru;
	long warm = 0;
	uint64_t n = 0;
	enum rc rc;

#if defined(__SANITIZE_ADDRESS__)
	cr_skip_test("ASan's quarantine makes RSS meaningless; the release "
	    "build runs this check");
#endif
	cr_assert_eq(wfpxml_open_io(&x, gen_read, &g, "gen.xml", errbuf,
	    sizeof(errbuf)), RC_OK);
	while ((rc = wfpxml_next(x, &rec)) == RC_OK) {
		if (rec->kind == WFPXML_NET_EVENT && ++n == 1000) {
			getrusage(RUSAGE_SELF, &ru);
			warm = ru.ru_maxrss;
		}
	}
	cr_expect_eq(rc, RC_EOF, "%s", wfpxml_errmsg(x));
	cr_expect_eq(n, g.n);
	cr_expect_eq(wfpxml_stats(x)->freq_tables, 1);
	getrusage(RUSAGE_SELF, &ru);
	/* ~150 MB of XML went through; the peak may not grow with it */
	cr_expect_lt(ru.ru_maxrss - warm, 8 * 1024, "RSS grew %ld KiB",
	    ru.ru_maxrss - warm);
	wfpxml_free(x);
}

Test(wfpxml, sniffs_wfp_xml_in_utf8_and_utf16)
{
	static const uint8_t u16[] = {0xff, 0xfe, '<', 0, 'w', 0, 'f', 0,
	    'p', 0, 'd', 0, 'i', 0, 'a', 0, 'g', 0, '>', 0};
	static const char decl[] = "<?xml version=\"1.0\"?>\n"
	    "<!-- c -->\n<wfpdiag>";

	cr_expect(wfpxml_sniff((const uint8_t *)decl, sizeof(decl) - 1));
	cr_expect(wfpxml_sniff((const uint8_t *)"\xef\xbb\xbf<item>\n", 10));
	cr_expect(wfpxml_sniff(u16, sizeof(u16)));
	cr_expect_not(wfpxml_sniff((const uint8_t *)"<html><body>", 12));
	cr_expect_not(wfpxml_sniff((const uint8_t *)"\xd4\xc3\xb2\xa1", 4));
	cr_expect_not(wfpxml_sniff((const uint8_t *)"<wfpdiagX>", 10));
}

Test(wfpxml, flipping_bytes_anywhere_never_crashes)
{
	static const uint8_t subst[] = {'<', '>', '&', '/', '"', 0x00, 0xff,
	    0xc3, '\n'};
	size_t len, pos, k, ev, tb;
	uint8_t *doc = tu_read_file(tu_src("tests/formats/data/wfpxml/"
	    "ike-qm-failure-netevents-utf16.xml"), &len);

	cr_assert_not_null(doc);
	for (pos = 0; pos < len; pos += 11) {
		uint8_t keep = doc[pos];

		for (k = 0; k < sizeof(subst); k++) {
			struct wfpxml *x;
			enum rc rc;

			doc[pos] = subst[k];
			cr_assert_eq(wfpxml_open_memory(&x, doc, len, "m.xml",
			    errbuf, sizeof(errbuf)), RC_OK);
			rc = drain(x, &ev, &tb);
			cr_expect(rc == RC_EOF || rc == RC_SHORT ||
			    rc == RC_MALFORMED || rc == RC_LIMIT ||
			    rc == RC_FORMAT, "pos %zu: rc %d", pos, rc);
			cr_expect_leq(ev, 3);
			if (rc != RC_EOF)
				cr_expect_not_null(strstr(wfpxml_errmsg(x),
				    "m.xml:"), "%s", wfpxml_errmsg(x));
			wfpxml_free(x);
		}
		doc[pos] = keep;
	}
	free(doc);
}
