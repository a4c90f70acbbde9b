/* formats/evlog: the keying-event log round-trips and rejects hostile
 * lines with file/line/column messages. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "formats/evlog.h"

static struct evlog_rec *
parse_all(const char *text, size_t *n, enum rc *last)
{
	struct evlog_reader r;
	struct evlog_rec *recs = calloc(4, sizeof(*recs));
	enum rc rc;

	evlog_reader_init(&r, (const uint8_t *)text, strlen(text), "t.log");
	*n = 0;
	while ((rc = evlog_next(&r, &recs[*n])) == RC_OK && *n < 3)
		(*n)++;
	*last = rc;
	return recs;
}

Test(evlog, written_line_reads_back_identically)
{
	struct buf b;
	struct evlog_kv kv[] = {{"name", "host-host"}, {"id", "CN=moon, O=x"},
	    {"str", "quote\" back\\ nl\n tab\t bell\x07 \xc3\xa9"},
	    {"empty", ""}};
	struct evlog_rec *rec = calloc(1, sizeof(*rec));
	struct evlog_reader r;
	size_t i;

	buf_init(&b, 1 << 20);
	cr_assert_eq(buf_append(&b, EVLOG_MAGIC "\n", strlen(EVLOG_MAGIC) + 1),
	    RC_OK);
	cr_assert_eq(evlog_format(&b, 1732380000, 123456789, "enfy",
	    "PEER_AUTH_FAILED", kv, 4), RC_OK);
	cr_assert(evlog_detect(b.data, b.len));
	evlog_reader_init(&r, b.data, b.len, "events.log");
	cr_assert_eq(evlog_next(&r, rec), RC_OK, "%s", r.err);
	cr_assert_eq(rec->sec, 1732380000);
	cr_assert_eq(rec->nsec, 123456789u);
	cr_assert_str_eq(rec->source, "enfy");
	cr_assert_str_eq(rec->type, "PEER_AUTH_FAILED");
	cr_assert_eq(rec->n, 4);
	for (i = 0; i < 4; i++) {
		cr_assert_str_eq(rec->f[i].key, kv[i].key);
		cr_assert_str_eq(rec->f[i].val, kv[i].val);
	}
	cr_assert_str_eq(evlog_get(rec, "name"), "host-host");
	cr_assert_null(evlog_get(rec, "nope"));
	cr_assert_eq(r.line, 2);
	cr_assert_eq(evlog_next(&r, rec), RC_EOF);
	buf_fini(&b);
	free(rec);
}

Test(evlog, writer_rejects_bad_tokens_and_appends_nothing)
{
	struct buf b;
	struct evlog_kv bad[] = {{"a b", "x"}};

	buf_init(&b, 1024);
	cr_assert_eq(evlog_format(&b, 1, 0, "x y", "T", NULL, 0), RC_INVAL);
	cr_assert_eq(evlog_format(&b, 1, 0, "x", "T", bad, 1), RC_INVAL);
	cr_assert_eq(evlog_format(&b, 1, 1000000000u, "x", "T", NULL, 0),
	    RC_INVAL);
	cr_assert_eq(b.len, 0);
	buf_init(&b, 16);	/* cap smaller than the line */
	cr_assert_eq(evlog_format(&b, 1, 0, "xfrm", "NEWPOLICY", NULL, 0),
	    RC_LIMIT);
	cr_assert_eq(b.len, 0);
	buf_fini(&b);
}

Test(evlog, comments_and_blank_lines_are_skipped_and_lines_counted)
{
	const char *t = "# c\n\n1.000000001 a B k=v\n# x\n2.000000000 a C\n";
	size_t n;
	enum rc last;
	struct evlog_rec *recs = parse_all(t, &n, &last);

	cr_assert_eq(n, 2);
	cr_assert_eq(last, RC_EOF);
	cr_assert_eq(recs[0].nsec, 1u);
	cr_assert_str_eq(recs[1].type, "C");
	cr_assert_eq(recs[1].n, 0);
	free(recs);
}

static void
expect_bad(const char *line, enum rc want, const char *needle)
{
	struct evlog_reader r;
	struct evlog_rec *rec = calloc(1, sizeof(*rec));
	enum rc rc;

	evlog_reader_init(&r, (const uint8_t *)line, strlen(line), "ev.log");
	rc = evlog_next(&r, rec);
	cr_assert_eq(rc, want, "'%s': rc %s (%s)", line, rc_name(rc), r.err);
	cr_assert(strstr(r.err, "ev.log:1:") != NULL, "%s", r.err);
	cr_assert(strstr(r.err, needle) != NULL, "'%s' lacks '%s'", r.err,
	    needle);
	free(rec);
}

Test(evlog, hostile_lines_fail_with_file_line_and_reason)
{
	expect_bad("x.1 a b\n", RC_MALFORMED, "timestamp");
	expect_bad("1.12345678 a b\n", RC_MALFORMED, "9 digits");
	expect_bad("1234567890123456789.000000000 a b\n", RC_MALFORMED,
	    "too large");
	expect_bad("1.000000000  a b\n", RC_MALFORMED, "expected source");
	expect_bad("1.000000000 a\n", RC_MALFORMED, "expected one space");
	expect_bad("1.000000000 a b k\n", RC_MALFORMED, "expected '='");
	expect_bad("1.000000000 a b k=\n", RC_MALFORMED, "expected a value");
	expect_bad("1.000000000 a b k=\"x\n", RC_SHORT, "inside a quote");
	expect_bad("1.000000000 a b k=\"\\q\"\n", RC_MALFORMED,
	    "unknown escape");
	expect_bad("1.000000000 a b k=\"\\x0g\"\n", RC_MALFORMED, "hex");
	expect_bad("1.000000000 a b k=\"\\x00\"\n", RC_MALFORMED, "hex");
	expect_bad("1.000000000 a b k=\"\x01\"\n", RC_MALFORMED, "control");
	expect_bad("1.000000000 a b k=v  j=w\n", RC_MALFORMED, "key");
}

Test(evlog, last_line_cut_by_a_crash_is_short_not_malformed)
{
	const char *t = "1.000000000 a b k=v\n2.000000000 a b k=\"cut";
	size_t n;
	enum rc last;
	struct evlog_rec *recs = parse_all(t, &n, &last);

	cr_assert_eq(n, 1);
	cr_assert_eq(last, RC_SHORT);
	free(recs);
}

Test(evlog, too_many_fields_hit_the_cap)
{
	struct buf b;
	char *line;
	struct evlog_reader r;
	struct evlog_rec *rec = calloc(1, sizeof(*rec));
	unsigned i;

	buf_init(&b, 1 << 20);
	cr_assert_eq(buf_printf(&b, "1.000000000 a b"), RC_OK);
	for (i = 0; i <= LIMIT_EVLOG_FIELDS; i++)
		cr_assert_eq(buf_printf(&b, " k%u=v", i), RC_OK);
	line = (char *)b.data;
	evlog_reader_init(&r, (const uint8_t *)line, b.len, "f");
	cr_assert_eq(evlog_next(&r, rec), RC_LIMIT);
	cr_assert(strstr(r.err, "too many fields") != NULL);
	buf_fini(&b);
	free(rec);
}

Test(evlog, every_truncation_of_a_valid_line_is_handled)
{
	struct buf b;
	struct evlog_kv kv[] = {{"a", "x y"}, {"b", "\x7f"}};
	struct evlog_rec *rec = calloc(1, sizeof(*rec));
	size_t cut;

	buf_init(&b, 4096);
	cr_assert_eq(evlog_format(&b, 5, 6, "s", "t", kv, 2), RC_OK);
	for (cut = 0; cut < b.len; cut++) {
		struct evlog_reader r;
		enum rc rc;

		evlog_reader_init(&r, b.data, cut, "f");
		rc = evlog_next(&r, rec);
		cr_assert(rc == RC_OK || rc == RC_SHORT || rc == RC_EOF ||
		    rc == RC_MALFORMED, "cut %zu rc %s", cut, rc_name(rc));
	}
	buf_fini(&b);
	free(rec);
}
