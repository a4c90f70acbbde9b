/*
 * Tests for analyze/ikeext: section order, single-bit flags, values
 * against ../shared/reference/ikeext-enums.md, flag rendering in
 * ascending bit order, NTSTATUS <-> Win32, the IKEv2 auth mapping and
 * the errorFrequencyTable index.
 */
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/ikeext.h"
#include "analyze/ikev2_registry.h"
#include "testutil.h"

Test(ikeext, sections_are_sorted_and_flags_are_single_bits)
{
	for (int reg = 0; reg < IKEEXT_REG__COUNT; reg++) {
		size_t n = ikeext_reg_count(reg);
		uint32_t v, prev = 0;
		const char *name;

		cr_assert_gt(n, 0, "%s empty", ikeext_reg_title(reg));
		for (size_t i = 0; i < n; i++) {
			cr_assert(ikeext_reg_row(reg, i, &v, &name));
			if (i > 0)
				cr_expect_gt(v, prev, "%s", name);
			prev = v;
			if (ikeext_is_flags(reg))
				cr_expect(v != 0 && (v & (v - 1)) == 0,
				    "%s is not one bit", name);
			cr_expect_str_eq(ikeext_name(reg, v), name);
		}
		cr_expect_not(ikeext_reg_row(reg, n, &v, &name));
	}
	cr_expect_str_eq(ikeext_name(IKEEXT_REG__COUNT, 0), "UNKNOWN");
	cr_expect_str_eq(ikeext_name(IKEEXT_REG_SA_ROLE, 9), "UNKNOWN");
}

/* Finds name in any section; returns its value through *v. */
static bool
lookup_any(const char *name, uint32_t *v)
{
	for (int reg = 0; reg < IKEEXT_REG__COUNT; reg++)
		if (ikeext_lookup_value(reg, name, v))
			return true;
	return ikeext_ntstatus_lookup(name, v);
}

/* Splits a markdown table row into trimmed cells; returns the count. */
static int
cells(char *line, char **cell, int max)
{
	int n = 0;
	char *p = line + 1, *bar;

	while (n < max && (bar = strchr(p, '|')) != NULL) {
		char *e = bar;

		*bar = '\0';
		while (*p == ' ')
			p++;
		while (e > p && e[-1] == ' ')
			*--e = '\0';
		cell[n++] = p;
		p = bar + 1;
	}
	return n;
}

/*
 * Checks every markdown table row of the reference that has a cell
 * holding only a number followed by a cell starting with an upper-case
 * identifier ("| 2 | IPSEC_FAILURE_PEER | ...").
 */
static int
check_row(char *line)
{
	char *cell[8], name[96];
	int n = cells(line, cell, 8);

	for (int k = 0; k + 1 < n; k++) {
		char *end;
		unsigned long v;
		size_t len = 0;
		uint32_t got = 0;

		if (!isdigit((unsigned char)cell[k][0]))
			continue;
		v = strtoul(cell[k], &end, 0);
		if (*end != '\0')
			continue;
		while ((isupper((unsigned char)cell[k + 1][len]) ||
		    isdigit((unsigned char)cell[k + 1][len]) ||
		    cell[k + 1][len] == '_') && len + 1 < sizeof(name)) {
			name[len] = cell[k + 1][len];
			len++;
		}
		name[len] = '\0';
		if (len < 4 || strchr(name, '_') == NULL)
			continue;
		cr_expect(lookup_any(name, &got), "%s unknown", name);
		cr_expect_eq(got, v, "%s = %lu in the reference, %u here", name,
		    v, got);
		return 1;
	}
	return 0;
}

Test(ikeext, values_agree_with_the_reference)
{
	const char *path = tu_shared("reference/ikeext-enums.md");
	char *doc, *line, *save = NULL;
	size_t len;
	int checked = 0;

	if (path == NULL)
		cr_skip_test("../shared is absent");
	doc = (char *)tu_read_file(path, &len);
	cr_assert_not_null(doc);
	for (line = strtok_r(doc, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '|')
			checked += check_row(line);
	}
	cr_expect_geq(checked, 90, "only %d rows checked", checked);
	free(doc);
}

Test(ikeext, flags_render_in_ascending_bit_order)
{
	char buf[256];
	size_t n;

	n = ikeext_flags_text(IKEEXT_REG_NET_EVENT_FLAG, 0x106, " ", buf,
	    sizeof(buf));
	cr_expect_str_eq(buf, "FWPM_NET_EVENT_FLAG_LOCAL_ADDR_SET "
	    "FWPM_NET_EVENT_FLAG_REMOTE_ADDR_SET "
	    "FWPM_NET_EVENT_FLAG_IP_VERSION_SET");
	cr_expect_eq(n, strlen(buf));
	ikeext_flags_text(IKEEXT_REG_MM_FAILURE_FLAG, 0x1, "|", buf,
	    sizeof(buf));
	cr_expect_str_eq(buf, "FWPM_NET_EVENT_IKEEXT_MM_FAILURE_FLAG_BENIGN");
	ikeext_flags_text(IKEEXT_REG_EM_FAILURE_FLAG, 0x1, "|", buf,
	    sizeof(buf));
	cr_expect_str_eq(buf, "FWPM_NET_EVENT_IKEEXT_EM_FAILURE_FLAG_MULTIPLE",
	    "MM and EM bits are swapped");
	ikeext_flags_text(IKEEXT_REG_NET_EVENT_KEYWORD, 0x80000013, "|", buf,
	    sizeof(buf));
	cr_expect_str_eq(buf, "FWPM_NET_EVENT_KEYWORD_INBOUND_MCAST|"
	    "FWPM_NET_EVENT_KEYWORD_INBOUND_BCAST|"
	    "FWPM_NET_EVENT_KEYWORD_CLASSIFY_ALLOW|0x80000000");
	cr_expect_eq(ikeext_flags_text(IKEEXT_REG_NET_EVENT_FLAG, 0, " ", buf,
	    sizeof(buf)), 0);
	cr_expect_str_eq(buf, "");
	ikeext_flags_text(IKEEXT_REG_SA_ROLE, 1, " ", buf, sizeof(buf));
	cr_expect_str_eq(buf, "0x00000001", "not a flag registry");
	n = ikeext_flags_text(IKEEXT_REG_NET_EVENT_FLAG, 0x106, " ", buf, 8);
	cr_expect_str_eq(buf, "FWPM_NE");
	cr_expect_gt(n, 8);
}

Test(ikeext, flags_parse_back)
{
	uint32_t bits = 0;

	cr_assert_eq(ikeext_flags_parse(IKEEXT_REG_NET_EVENT_FLAG,
	    "FWPM_NET_EVENT_FLAG_LOCAL_ADDR_SET fwpm_net_event_flag_remote_"
	    "addr_set|FWPM_NET_EVENT_FLAG_IP_VERSION_SET", &bits), RC_OK);
	cr_expect_eq(bits, 0x106);
	cr_assert_eq(ikeext_flags_parse(IKEEXT_REG_NET_EVENT_KEYWORD,
	    "0x13", &bits), RC_OK);
	cr_expect_eq(bits, 0x13);
	cr_assert_eq(ikeext_flags_parse(IKEEXT_REG_NET_EVENT_KEYWORD, "",
	    &bits), RC_OK);
	cr_expect_eq(bits, 0);
	bits = 5;
	cr_expect_eq(ikeext_flags_parse(IKEEXT_REG_NET_EVENT_FLAG, "NOPE",
	    &bits), RC_NOTFOUND);
	cr_expect_eq(ikeext_flags_parse(IKEEXT_REG_SA_ROLE, "1", &bits),
	    RC_INVAL);
	cr_expect_eq(ikeext_flags_parse(IKEEXT_REG_NET_EVENT_FLAG, "0x1zz",
	    &bits), RC_INVAL);
	cr_expect_eq(bits, 5);
}

Test(ikeext, names_and_aliases_look_up)
{
	uint32_t v = 99;

	cr_expect_eq(IKEEXT_C_IPSEC_FAILURE_PEER, 2);
	cr_expect_eq(IKEEXT_C_FWPM_NET_EVENT_TYPE_IKEEXT_MM_FAILURE, 0);
	cr_expect_eq(IKEEXT_C_IKEEXT_KEY_MODULE_IKEV2, 2);
	cr_expect(ikeext_lookup_value(IKEEXT_REG_DH_GROUP,
	    "IKEEXT_DH_GROUP_2048", &v));
	cr_expect_eq(v, IKEEXT_C_IKEEXT_DH_GROUP_14);
	cr_expect_str_eq(ikeext_name(IKEEXT_REG_DH_GROUP, 3),
	    "IKEEXT_DH_GROUP_14");
	cr_expect(ikeext_lookup_value(IKEEXT_REG_MS_FWP_DIRECTION,
	    "ms_fwp_direction_out", &v));
	cr_expect_eq(v, 0x3901);
	v = 99;
	cr_expect_not(ikeext_lookup_value(IKEEXT_REG_SA_ROLE,
	    "IKEEXT_DH_GROUP_14", &v), "names are per section");
	cr_expect_eq(v, 99);
}

Test(ikeext, ntstatus_codes_pair_with_win32)
{
	uint32_t st = 0;

	cr_expect_str_eq(ikeext_ntstatus_name(0xC0360001u),
	    "STATUS_IPSEC_BAD_SPI");
	cr_expect_eq(ikeext_ntstatus_win32(0xC0360001u), 13910);
	cr_expect_eq(ikeext_ntstatus_win32(0xC0368006u), 13932);
	cr_expect_eq(ikeext_ntstatus_win32(0xC000A010u), 0);
	cr_expect_eq(ikeext_ntstatus_from_win32(13915), 0xC0360006u);
	cr_expect_eq(ikeext_ntstatus_from_win32(13931), 0,
	    "DOSP_NOT_INSTALLED has no NTSTATUS");
	cr_expect_eq(ikeext_ntstatus_from_win32(0), 0);
	cr_expect(ikeext_ntstatus_lookup("status_ipsec_replay_check_failed",
	    &st));
	cr_expect_eq(st, 0xC0360004u);
	cr_expect_str_eq(ikeext_ntstatus_name(0xC0360010u), "UNKNOWN");
}

Test(ikeext, ikev2_auth_methods_map_to_ikeext)
{
	uint32_t m = 99;

	cr_assert(ikeext_auth_from_ikev2(IKEV2_AUTH_RSA_SIG, false, &m));
	cr_expect_eq(m, IKEEXT_C_IKEEXT_CERTIFICATE);
	cr_assert(ikeext_auth_from_ikev2(IKEV2_AUTH_DSS_SIG, false, &m));
	cr_expect_eq(m, IKEEXT_C_IKEEXT_CERTIFICATE);
	cr_assert(ikeext_auth_from_ikev2(IKEV2_AUTH_DIGITAL_SIGNATURE, false,
	    &m));
	cr_expect_eq(m, IKEEXT_C_IKEEXT_CERTIFICATE);
	cr_assert(ikeext_auth_from_ikev2(IKEV2_AUTH_SHARED_KEY_MIC, false,
	    &m));
	cr_expect_eq(m, IKEEXT_C_IKEEXT_PRESHARED_KEY);
	cr_assert(ikeext_auth_from_ikev2(IKEV2_AUTH_ECDSA_SHA256_P256, false,
	    &m));
	cr_expect_eq(m, IKEEXT_C_IKEEXT_CERTIFICATE_ECDSA_P256);
	cr_assert(ikeext_auth_from_ikev2(IKEV2_AUTH_ECDSA_SHA384_P384, false,
	    &m));
	cr_expect_eq(m, IKEEXT_C_IKEEXT_CERTIFICATE_ECDSA_P384);
	cr_assert(ikeext_auth_from_ikev2(0, true, &m));
	cr_expect_eq(m, IKEEXT_C_IKEEXT_EAP);
	m = 99;
	cr_expect_not(ikeext_auth_from_ikev2(IKEV2_AUTH_GSPAM, false, &m));
	cr_expect_not(ikeext_auth_from_ikev2(77, false, &m));
	cr_expect_eq(m, 99);
}

Test(ikeext, error_frequency_index_covers_13800_to_13896)
{
	size_t i = 1000;

	cr_expect(ikeext_error_index(13800, &i));
	cr_expect_eq(i, 0);
	cr_expect(ikeext_error_index(13801, &i));
	cr_expect_eq(i, 1);
	cr_expect(ikeext_error_index(13896, &i));
	cr_expect_eq(i, 96);
	cr_expect_not(ikeext_error_index(13897, &i));
	cr_expect_not(ikeext_error_index(13799, &i));
	cr_expect_not(ikeext_error_index(0, NULL));
}
