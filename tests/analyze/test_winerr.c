/*
 * Tests for analyze/winerr: the table against ../shared/reference/
 * ike-errors.csv (every row, same name, code and meaning), order, the
 * Azure-only 13999, and parsing of names, decimal, hex and HRESULTs.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/winerr.h"
#include "testutil.h"

Test(winerr, table_is_strictly_increasing_with_unique_names)
{
	uint32_t prev = 0, c;
	const char *name;

	cr_assert_eq(winerr_count(), 154, "153 CSV rows + Azure 13999");
	for (size_t i = 0; i < winerr_count(); i++) {
		cr_assert(winerr_row(i, &c, &name));
		if (i > 0)
			cr_expect_gt(c, prev, "%s", name);
		prev = c;
		for (size_t j = i + 1; j < winerr_count(); j++) {
			const char *other;

			winerr_row(j, NULL, &other);
			cr_expect_str_neq(name, other);
		}
	}
	cr_expect_not(winerr_row(winerr_count(), &c, &name));
}

Test(winerr, every_csv_row_is_in_the_table)
{
	const char *path = tu_shared("reference/ike-errors.csv");
	char *csv, *line, *save = NULL;
	size_t len;
	int rows = 0;

	if (path == NULL)
		cr_skip_test("../shared is absent");
	csv = (char *)tu_read_file(path, &len);
	cr_assert_not_null(csv);
	line = strtok_r(csv, "\n", &save); /* header */
	cr_assert_str_eq(line, "name,code,hex,meaning");
	while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
		char *f[4], *p = line;
		unsigned long code;

		for (int i = 0; i < 3; i++) {
			f[i] = p;
			p = strchr(p, ',');
			cr_assert_not_null(p, "short CSV row %s", line);
			*p++ = '\0';
		}
		f[3] = p; /* the meaning may contain commas */
		code = strtoul(f[1], NULL, 10);
		cr_expect_eq(strtoul(f[2], NULL, 16), code);
		cr_expect_str_eq(winerr_name((uint32_t)code), f[0]);
		cr_expect_str_eq(winerr_meaning((uint32_t)code), f[3]);
		cr_expect_eq(winerr_source((uint32_t)code), WINERR_SRC_SDK);
		rows++;
	}
	cr_expect_eq(rows, 153);
	free(csv);
}

Test(winerr, spot_checks_from_the_mapping_doc)
{
	cr_expect_str_eq(winerr_name(13801), "ERROR_IPSEC_IKE_AUTH_FAIL");
	cr_expect_str_eq(winerr_name(0x362C), "ERROR_IPSEC_IKE_POLICY_MATCH");
	cr_expect_eq(WINERR_ERROR_IPSEC_IKE_TIMED_OUT, 13805);
	cr_expect_eq(WINERR_ERROR_IPSEC_BAD_SPI, 13910);
	cr_expect_eq(winerr_hresult(13801), 0x800735E9u);
	cr_expect_str_eq(winerr_name(12), "UNKNOWN");
	cr_expect_null(winerr_meaning(12));
	cr_expect_not(winerr_known(13919));
}

Test(winerr, azure_13999_has_a_marked_name)
{
	cr_expect(winerr_known(13999));
	cr_expect_eq(winerr_source(13999), WINERR_SRC_AZURE);
	cr_expect_str_eq(winerr_name(0x36AF),
	    "WFPDIAG_AZURE_13999_TS_UNACCEPTABLE");
	cr_expect_not_null(strstr(winerr_meaning(13999), "traffic selectors"));
}

Test(winerr, parse_accepts_names_numbers_and_hresults)
{
	static const char *const forms[] = {
		"ERROR_IPSEC_IKE_AUTH_FAIL", "error_ipsec_ike_auth_fail",
		"13801", "0x35E9", "0x35e9", " 13801\n", "0x800735E9",
		"2147956201", "-2147011095",
	};
	uint32_t code;

	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		code = 0;
		cr_expect_eq(winerr_parse(forms[i], &code), RC_OK, "%s",
		    forms[i]);
		cr_expect_eq(code, 13801, "%s", forms[i]);
	}
	cr_expect_eq(winerr_parse("WFPDIAG_AZURE_13999_TS_UNACCEPTABLE",
	    &code), RC_OK);
	cr_expect_eq(code, 13999);
	cr_expect_eq(winerr_parse("809", &code), RC_OK, "numbers need not "
	    "be in the table");
	cr_expect_eq(code, 809);
	code = 7;
	cr_expect_eq(winerr_parse("ERROR_IPSEC_NOPE", &code), RC_NOTFOUND);
	cr_expect_eq(winerr_parse("0x80040005", &code), RC_INVAL);
	cr_expect_eq(winerr_parse("013801", &code), RC_INVAL);
	cr_expect_eq(winerr_parse("13801x", &code), RC_INVAL);
	cr_expect_eq(winerr_parse("-5", &code), RC_INVAL);
	cr_expect_eq(winerr_parse("", &code), RC_INVAL);
	cr_expect_eq(winerr_parse("99999999999999999999999", &code),
	    RC_INVAL);
	cr_expect_eq(winerr_parse(NULL, &code), RC_INVAL);
	cr_expect_eq(code, 7, "failures leave *code alone");
}

/* Mutated inputs: every prefix and byte flip of valid forms parses to a
 * 16-bit code or fails cleanly (run under ASan in CI). */
Test(winerr, mutated_text_parses_or_fails_cleanly)
{
	static const char *const seeds[] = {"0x800735E9", "13801",
	    "ERROR_IPSEC_IKE_AUTH_FAIL", "-2147011095"};

	for (size_t s = 0; s < sizeof(seeds) / sizeof(seeds[0]); s++) {
		char buf[64];
		size_t len = strlen(seeds[s]);

		for (size_t cut = 0; cut <= len; cut++) {
			for (int flip = -1; flip < (int)cut; flip++) {
				uint32_t code = 0xdeadbeef;
				enum rc rc;

				memcpy(buf, seeds[s], cut);
				buf[cut] = '\0';
				if (flip >= 0)
					buf[flip] = (char)(buf[flip] ^ 0x41);
				rc = winerr_parse(buf, &code);
				if (rc == RC_OK)
					cr_expect_leq(code, 0xffff, "%s", buf);
				else
					cr_expect_eq(code, 0xdeadbeef, "%s",
					    buf);
			}
		}
	}
}
