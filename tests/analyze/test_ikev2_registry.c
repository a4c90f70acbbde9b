/*
 * Tests for analyze/ikev2_registry: table order (bsearch needs strictly
 * increasing values, which also catches duplicates), unique names, notify
 * invariants (RFC 7296 3.10.1), and spot checks against
 * ../shared/reference/ikev2-to-windows-errors.md.
 */
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyze/ikev2_registry.h"
#include "testutil.h"

Test(ikev2_registry, every_table_is_strictly_increasing)
{
	for (int reg = 0; reg < IKEV2_REG__COUNT; reg++) {
		uint32_t prev = 0, v;
		size_t n = ikev2_reg_count(reg);

		cr_assert_gt(n, 0, "registry %d is empty", reg);
		for (size_t i = 0; i < n; i++) {
			cr_assert(ikev2_reg_row(reg, i, &v, NULL));
			if (i > 0)
				cr_expect_gt(v, prev, "%s: row %zu value %u "
				    "after %u", ikev2_reg_title(reg), i, v,
				    prev);
			prev = v;
		}
		cr_expect_not(ikev2_reg_row(reg, n, &v, NULL));
	}
}

Test(ikev2_registry, names_are_unique_within_a_table)
{
	for (int reg = 0; reg < IKEV2_REG__COUNT; reg++) {
		size_t n = ikev2_reg_count(reg);

		for (size_t i = 0; i < n; i++) {
			const char *a, *b;

			ikev2_reg_row(reg, i, NULL, &a);
			cr_expect_str_neq(a, "UNKNOWN");
			for (size_t j = i + 1; j < n; j++) {
				ikev2_reg_row(reg, j, NULL, &b);
				cr_expect(strcasecmp(a, b) != 0, "%s: %s twice",
				    ikev2_reg_title(reg), a);
			}
		}
	}
}

Test(ikev2_registry, every_row_round_trips_through_name_and_value)
{
	for (int reg = 0; reg < IKEV2_REG__COUNT; reg++) {
		for (size_t i = 0; i < ikev2_reg_count(reg); i++) {
			uint32_t v, back = 0xdeadbeef;
			const char *name;

			ikev2_reg_row(reg, i, &v, &name);
			cr_expect(ikev2_known(reg, v));
			cr_expect_str_eq(ikev2_name(reg, v), name);
			cr_expect_null(ikev2_range(reg, v));
			cr_expect(ikev2_lookup_value(reg, name, &back));
			cr_expect_eq(back, v, "%s %s", ikev2_reg_title(reg),
			    name);
		}
	}
}

Test(ikev2_registry, unknown_values_are_named_unknown_never_null)
{
	cr_expect_str_eq(ikev2_name(IKEV2_REG_NOTIFY, 50), "UNKNOWN");
	cr_expect_str_eq(ikev2_name(IKEV2_REG_EXCHANGE, 250), "UNKNOWN");
	cr_expect_str_eq(ikev2_name(IKEV2_REG__COUNT, 1), "UNKNOWN");
	cr_expect_str_eq(ikev2_name((enum ikev2_reg)-1, 1), "UNKNOWN");
	cr_expect_not(ikev2_known(IKEV2_REG_ENCR, 10));
	cr_expect_str_eq(ikev2_transform_name(IKEV2_TT_KWA, 1), "UNKNOWN");
	cr_expect_str_eq(ikev2_transform_name(99, 1), "UNKNOWN");
	cr_expect_str_eq(ikev2_payload_short(200), "UNKNOWN");
}

Test(ikev2_registry, ranges_say_private_reserved_or_unassigned)
{
	cr_expect_str_eq(ikev2_range(IKEV2_REG_EXCHANGE, 240), "private use");
	cr_expect_str_eq(ikev2_range(IKEV2_REG_EXCHANGE, 5), "reserved");
	cr_expect_str_eq(ikev2_range(IKEV2_REG_EXCHANGE, 45), "unassigned");
	cr_expect_str_eq(ikev2_range(IKEV2_REG_PAYLOAD, 132), "private use");
	cr_expect_str_eq(ikev2_range(IKEV2_REG_NOTIFY, 16),
	    "reserved"); /* IKEv1 PAYLOAD-MALFORMED */
	cr_expect_str_eq(ikev2_range(IKEV2_REG_NOTIFY, 9000),
	    "private use error");
	cr_expect_str_eq(ikev2_range(IKEV2_REG_NOTIFY, 50000),
	    "private use status");
	cr_expect_str_eq(ikev2_range(IKEV2_REG_ENCR, 1024), "private use");
	cr_expect_str_eq(ikev2_range(IKEV2_REG_KE, 4), "reserved");
	cr_expect_str_eq(ikev2_range(IKEV2_REG_KE, 40000), "private use");
}

Test(ikev2_registry, notify_kinds_follow_rfc7296_ranges)
{
	for (size_t i = 0; i < ikev2_reg_count(IKEV2_REG_NOTIFY); i++) {
		uint32_t v;
		const char *name;

		ikev2_reg_row(IKEV2_REG_NOTIFY, i, &v, &name);
		switch (ikev2_notify_kind((uint16_t)v)) {
		case IKEV2_NOTIFY_ERROR:
			cr_expect_lt(v, 8192, "%s", name);
			break;
		case IKEV2_NOTIFY_STATUS:
			cr_expect(v >= 16384 && v < 40960, "%s", name);
			break;
		case IKEV2_NOTIFY_PRIVATE:
			/* private range, or IKEv1 value in status range */
			cr_expect(v >= 8192, "%s", name);
			break;
		}
		cr_expect_eq(ikev2_notify_is_error((uint16_t)v), v < 16384,
		    "%s", name);
	}
	/* Unnamed values classified by range. */
	cr_expect_eq(ikev2_notify_kind(60), IKEV2_NOTIFY_ERROR);
	cr_expect_eq(ikev2_notify_kind(9000), IKEV2_NOTIFY_PRIVATE);
	cr_expect_eq(ikev2_notify_kind(20000), IKEV2_NOTIFY_STATUS);
	cr_expect_eq(ikev2_notify_kind(50000), IKEV2_NOTIFY_PRIVATE);
	cr_expect(ikev2_notify_is_error(IKEV2_N_MS_STATUS));
	cr_expect(ikev2_notify_is_error(IKEV2_N_ME_CONNECT_FAILED));
	cr_expect_not(ikev2_notify_is_error(IKEV2_N_DPD_R_U_THERE));
	cr_expect_str_eq(ikev2_notify_kind_name(
	    ikev2_notify_kind(IKEV2_N_MS_STATUS)), "PRIVATE");
	cr_expect_str_eq(ikev2_notify_kind_name(
	    ikev2_notify_kind(IKEV2_N_COOKIE)), "STATUS");
	cr_expect_str_eq(ikev2_notify_kind_name(99), "UNKNOWN");
}

Test(ikev2_registry, notify_expected_lengths_match_the_rfcs)
{
	struct ikev2_notify_len l;

	cr_expect(ikev2_notify_expected_len(IKEV2_N_NAT_DETECTION_SOURCE_IP,
	    &l));
	cr_expect(l.min == 20 && l.max == 20);
	cr_expect(ikev2_notify_len_ok(IKEV2_N_NAT_DETECTION_DESTINATION_IP,
	    20));
	cr_expect_not(ikev2_notify_len_ok(
	    IKEV2_N_NAT_DETECTION_DESTINATION_IP, 32));
	cr_expect(ikev2_notify_len_ok(IKEV2_N_INVALID_KE_PAYLOAD, 2));
	cr_expect_not(ikev2_notify_len_ok(IKEV2_N_INVALID_KE_PAYLOAD, 1));
	cr_expect(ikev2_notify_len_ok(IKEV2_N_MS_STATUS, 4));
	cr_expect_not(ikev2_notify_len_ok(IKEV2_N_MS_STATUS, 2));
	cr_expect(ikev2_notify_expected_len(IKEV2_N_REKEY_SA, &l));
	cr_expect(l.max == 0 && l.spi);
	cr_expect(ikev2_notify_len_ok(IKEV2_N_SIGNATURE_HASH_ALGORITHMS, 8));
	cr_expect_not(ikev2_notify_len_ok(IKEV2_N_SIGNATURE_HASH_ALGORITHMS,
	    7));
	cr_expect_not(ikev2_notify_len_ok(IKEV2_N_SIGNATURE_HASH_ALGORITHMS,
	    0));
	cr_expect(ikev2_notify_len_ok(IKEV2_N_COOKIE, 64));
	cr_expect_not(ikev2_notify_len_ok(IKEV2_N_COOKIE, 65));
	cr_expect_not(ikev2_notify_len_ok(IKEV2_N_COOKIE, 0));
	cr_expect_not(ikev2_notify_len_ok(IKEV2_N_INITIAL_CONTACT, 1));
	/* No rule: anything goes, and the function says so. */
	cr_expect_not(ikev2_notify_expected_len(IKEV2_N_NO_PROPOSAL_CHOSEN,
	    &l));
	cr_expect(ikev2_notify_len_ok(IKEV2_N_NO_PROPOSAL_CHOSEN, 1000));
	cr_expect(ikev2_notify_len_ok(61234, 7));
}

Test(ikev2_registry, transform_names_dispatch_by_type)
{
	cr_expect_str_eq(ikev2_transform_name(IKEV2_TT_ENCR, 12), "AES_CBC");
	cr_expect_str_eq(ikev2_transform_name(IKEV2_TT_PRF, 5),
	    "HMAC_SHA2_256");
	cr_expect_str_eq(ikev2_transform_name(IKEV2_TT_INTEG, 12),
	    "HMAC_SHA2_256_128");
	cr_expect_str_eq(ikev2_transform_name(IKEV2_TT_KE, 14), "MODP_2048");
	cr_expect_str_eq(ikev2_transform_name(IKEV2_TT_ADDKE1, 36),
	    "ML_KEM_768");
	cr_expect_str_eq(ikev2_transform_name(IKEV2_TT_ESN, 1), "EXT_SEQ");
	cr_expect(ikev2_encr_is_aead(IKEV2_ENCR_AES_GCM_16));
	cr_expect(ikev2_encr_is_aead(IKEV2_ENCR_CHACHA20_POLY1305));
	cr_expect_not(ikev2_encr_is_aead(IKEV2_ENCR_AES_CBC));
	cr_expect_eq(ikev2_encr_fixed_bits(IKEV2_ENCR_3DES), 192);
	cr_expect_eq(ikev2_encr_fixed_bits(IKEV2_ENCR_AES_CBC), 0);
	cr_expect_eq(ikev2_ke_bits(IKEV2_KE_ECP_384), 384);
}

Test(ikev2_registry, payload_abbreviations_match_tcpdump_and_tshark)
{
	cr_expect_str_eq(ikev2_payload_short(IKEV2_PT_IDI), "IDi");
	cr_expect_str_eq(ikev2_payload_short(IKEV2_PT_NOTIFY), "N");
	cr_expect_str_eq(ikev2_payload_short(IKEV2_PT_SKF), "SKF");
	cr_expect_str_eq(ikev2_payload_short(54), "PS");
	cr_expect_str_eq(ikev2_payload_short(IKEV2_PT_NONCE), "Nonce");
	cr_expect_str_eq(ikev2_payload_abbrev(IKEV2_PT_NONCE, true), "Ni");
	cr_expect_str_eq(ikev2_payload_abbrev(IKEV2_PT_NONCE, false), "Nr");
	cr_expect_str_eq(ikev2_payload_abbrev(IKEV2_PT_TSR, true), "TSr");
}

Test(ikev2_registry, reverse_lookup_is_case_insensitive_and_takes_prefixes)
{
	uint32_t v = 0;

	cr_expect(ikev2_lookup_value(IKEV2_REG_ENCR, "aes_gcm_16", &v));
	cr_expect_eq(v, 20);
	cr_expect(ikev2_lookup_value(IKEV2_REG_NOTIFY,
	    "IKEV2_N_NO_PROPOSAL_CHOSEN", &v));
	cr_expect_eq(v, 14);
	cr_expect(ikev2_lookup_value(IKEV2_REG_PAYLOAD, "Nr", &v));
	cr_expect_eq(v, 40);
	cr_expect(ikev2_lookup_value(IKEV2_REG_PAYLOAD, "idr", &v));
	cr_expect_eq(v, 36);
	v = 77;
	cr_expect_not(ikev2_lookup_value(IKEV2_REG_KE, "MODP_9999", &v));
	cr_expect_eq(v, 77, "a failed lookup leaves *value alone");
	cr_expect_not(ikev2_lookup_value(IKEV2_REG_KE, NULL, &v));
	cr_expect_not(ikev2_lookup_value(IKEV2_REG__COUNT, "X", &v));
}

Test(ikev2_registry, spot_values_from_the_registries)
{
	cr_expect_eq(IKEV2_EXCH_IKE_SA_INIT, 34);
	cr_expect_eq(IKEV2_EXCH_IKE_INTERMEDIATE, 43);
	cr_expect_eq(IKEV2_PT_SKF, 53);
	cr_expect_eq(IKEV2_N_MS_STATUS, 12345);
	cr_expect_eq(IKEV2_N_SIGNATURE_HASH_ALGORITHMS, 16431);
	cr_expect_eq(IKEV2_KE_ML_KEM_1024, 37);
	cr_expect_eq(IKEV2_KE_CURVE_25519, 31);
	cr_expect_eq(IKEV2_AUTH_DIGITAL_SIGNATURE, 14);
	cr_expect_eq(IKEV2_CFG_INTERNAL_IP4_ADDRESS, 1);
	cr_expect_eq(IKEV2_CFG_INTERNAL_IP6_SUBNET, 15);
	cr_expect_eq(IKEV2_EAP_TYPE_AKA_PRIME, 50);
	cr_expect_eq(IKEV2_EAP_TYPE_MSCHAPV2, 26);
	cr_expect_eq(IKEV2_HASH_IDENTITY, 5);
	cr_expect_eq(IKEV2_TS_IPV6_ADDR_RANGE, 8);
	cr_expect_eq(IKEV2_CERT_X509_SIG, 4);
	cr_expect_eq(IKEV2_PROTO_ESP, 3);
	cr_expect_eq(IKEV2_ESN_EXT_SEQ, 1);
	/* IKEv1 (RFC 2408, 2409, 3706) */
	cr_expect_eq(IKEV1_EXCH_QUICK_MODE, 32);
	cr_expect_str_eq(ikev2_name(IKEV2_REG_IKEV1_EXCHANGE, 2),
	    "IDENTITY_PROTECTION");
	cr_expect_eq(IKEV1_PT_NAT_D, 20);
	cr_expect_eq(IKEV1_PT_FRAGMENT, 132);
	cr_expect_str_eq(ikev2_name(IKEV2_REG_IKEV1_NOTIFY, 16),
	    "PAYLOAD_MALFORMED");
	cr_expect_eq(IKEV1_N_DPD_R_U_THERE_ACK, 36137);
	cr_expect_str_eq(ikev2_range(IKEV2_REG_IKEV1_NOTIFY, 9000),
	    "private use error");
}

/*
 * Walks "NNN NAME" pairs in text[from, to) of the reference doc and checks
 * each against reg: the table's name must start with the doc's (the doc
 * writes "INITIAL_CONTACT (IKEv1)" where we say INITIAL_CONTACT_IKEV1).
 * skip is a prefix the doc puts on names and the table does not.
 */
static int
check_pairs(enum ikev2_reg reg, const char *from, const char *to,
    const char *skip)
{
	int checked = 0;
	const char *p = from;

	while (p < to) {
		char *end;
		unsigned long v;
		char name[64];
		size_t n = 0;

		if (!isdigit((unsigned char)*p) ||
		    (p > from && isalnum((unsigned char)p[-1]))) {
			p++;
			continue;
		}
		v = strtoul(p, &end, 10);
		p = end;
		if (*p != ' ' || !isupper((unsigned char)p[1]))
			continue;
		p++;
		if (strncmp(p, skip, strlen(skip)) == 0)
			p += strlen(skip);
		while (p < to && (isalnum((unsigned char)*p) || *p == '_') &&
		    n + 1 < sizeof(name))
			name[n++] = *p++;
		name[n] = '\0';
		cr_expect(strncasecmp(ikev2_name(reg, (uint32_t)v), name, n) ==
		    0, "%s %lu: doc says %s, table says %s",
		    ikev2_reg_title(reg), v, name, ikev2_name(reg,
		    (uint32_t)v));
		checked++;
	}
	return checked;
}

static const char *
section(const char *doc, const char *start, const char *stop,
    const char **end)
{
	const char *s = strstr(doc, start);

	cr_assert_not_null(s, "reference lacks \"%s\"", start);
	*end = strstr(s, stop);
	cr_assert_not_null(*end, "reference lacks \"%s\" after \"%s\"", stop,
	    start);
	return s + strlen(start);
}

Test(ikev2_registry, notify_and_exchange_names_agree_with_the_reference)
{
	const char *path = tu_shared("reference/ikev2-to-windows-errors.md");
	const char *s, *e;
	char *doc;
	size_t len;

	if (path == NULL)
		cr_skip_test("../shared is absent");
	doc = (char *)tu_read_file(path, &len);
	cr_assert_not_null(doc);
	s = section(doc, "**Notify error types**", "Values 2, 3", &e);
	cr_expect_geq(check_pairs(IKEV2_REG_NOTIFY, s, e, ""), 27);
	s = section(doc, "**Notify status types**", "\n", &e);
	cr_expect_geq(check_pairs(IKEV2_REG_NOTIFY, s, e, ""), 63);
	s = section(doc, "**Exchange types**", "240", &e);
	cr_expect_eq(check_pairs(IKEV2_REG_EXCHANGE, s, e, ""), 11);
	s = section(doc, "**PRF**", "\n", &e);
	cr_expect_eq(check_pairs(IKEV2_REG_PRF, s, e, ""), 9);
	s = section(doc, "**Security protocol IDs**", "\n", &e);
	cr_expect_eq(check_pairs(IKEV2_REG_PROTO, s, e, ""), 5);
	s = section(doc, "**Traffic selector types**", "\n", &e);
	cr_expect_eq(check_pairs(IKEV2_REG_TS, s, e, "TS_"), 4);
	s = section(doc, "**CP types**", "\n", &e);
	cr_expect_eq(check_pairs(IKEV2_REG_CP, s, e, ""), 4);
	free(doc);
}
