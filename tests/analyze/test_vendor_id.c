/*
 * Tests for analyze/vendor_id: table order and uniqueness, MD5-derived
 * rows recomputed with libcrypto (the oracle for the hex in the .def),
 * exact before prefix matching, and the report text.
 */
#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/vendor_id.h"
#include "testutil.h"

static size_t
unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex) / 2;

	cr_assert_leq(n, cap);
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		cr_assert_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return n;
}

Test(vendor_id, rows_are_sorted_unique_lower_case_hex)
{
	size_t n = vendor_id_count();

	cr_assert_gt(n, 50);
	for (size_t i = 0; i < n; i++) {
		const struct vendor_id_row *r = vendor_id_row(i);
		size_t len = strlen(r->hex);

		cr_expect(len > 0 && len % 2 == 0, "%s", r->name);
		cr_expect_eq(r->len, len / 2, "%s", r->name);
		cr_expect_eq(strspn(r->hex, "0123456789abcdef"), len, "%s",
		    r->name);
		if (i > 0)
			cr_expect_gt(strcmp(r->hex, vendor_id_row(i - 1)->hex),
			    0, "%s out of order", r->name);
		for (size_t j = i + 1; j < n; j++)
			cr_expect_str_neq(r->name, vendor_id_row(j)->name);
	}
	cr_expect_null(vendor_id_row(n));
}

Test(vendor_id, md5_derived_rows_match_their_source_strings)
{
	int checked = 0;

	for (size_t i = 0; i < vendor_id_count(); i++) {
		const struct vendor_id_row *r = vendor_id_row(i);
		uint8_t md[EVP_MAX_MD_SIZE], b[128];
		unsigned mdlen = 0;
		size_t n;

		if (r->md5_len == 0)
			continue;
		cr_assert(EVP_Digest(r->md5_src, strlen(r->md5_src), md, &mdlen,
		    EVP_md5(), NULL));
		n = unhex(r->hex, b, sizeof(b));
		cr_assert_leq(r->md5_len, n);
		cr_expect(memcmp(md, b, r->md5_len) == 0, "%s is not MD5(%s)",
		    r->name, r->md5_src);
		checked++;
	}
	cr_expect_geq(checked, 30);
}

Test(vendor_id, every_row_finds_itself)
{
	for (size_t i = 0; i < vendor_id_count(); i++) {
		const struct vendor_id_row *r = vendor_id_row(i);
		uint8_t b[128];
		size_t n = unhex(r->hex, b, sizeof(b));

		cr_expect_str_eq(vendor_id_name(b, n), r->name);
	}
}

Test(vendor_id, well_known_vids_are_named)
{
	static const uint8_t ss[] = {0x88, 0x2f, 0xe5, 0x6d, 0x6f, 0xd2,
	    0x0d, 0xbc, 0x22, 0x51, 0x61, 0x3b, 0x2e, 0xbe, 0x5b, 0xeb};
	static const uint8_t ms9[] = {0x1e, 0x2b, 0x51, 0x69, 0x05, 0x99,
	    0x1c, 0x7d, 0x7c, 0x96, 0xfc, 0xbf, 0xb5, 0x87, 0xe4, 0x61, 0, 0,
	    0, 9};
	static const uint8_t natt[] = {0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03,
	    0x58, 0x45, 0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f};
	static const uint8_t dpd[] = {0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1,
	    0xf1, 0xc9, 0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00};

	cr_expect_str_eq(vendor_id_name(ss, sizeof(ss)), "strongSwan");
	cr_expect_str_eq(vendor_id_name(ms9, sizeof(ms9)),
	    "MS NT5 ISAKMPOAKLEY v9 (Windows 8 and later)");
	cr_expect_str_eq(vendor_id_name(natt, sizeof(natt)), "RFC 3947 NAT-T");
	cr_expect_str_eq(vendor_id_name(dpd, sizeof(dpd)),
	    "Dead Peer Detection (RFC 3706)");
	cr_expect_str_eq(vendor_id_name((const uint8_t *)"CISCO-DELETE-REASON",
	    19), "CISCO-DELETE-REASON");
	cr_expect_str_eq(vendor_id_name((const uint8_t *)"FLEXVPN-SUPPORTED",
	    17), "Cisco FlexVPN supported");
}

Test(vendor_id, prefix_matches_show_what_follows)
{
	static const uint8_t frag[] = {0x40, 0x48, 0xb7, 0xd5, 0x6e, 0xbc,
	    0xe8, 0x85, 0x25, 0xe7, 0xde, 0x7f, 0x00, 0xd6, 0xc2, 0xd3, 0xc0, 0,
	    0, 0};
	static const uint8_t ms10[] = {0x1e, 0x2b, 0x51, 0x69, 0x05, 0x99,
	    0x1c, 0x7d, 0x7c, 0x96, 0xfc, 0xbf, 0xb5, 0x87, 0xe4, 0x61, 0, 0,
	    0, 10};
	const char *lsw = "OE-Libreswan-4.12";
	char buf[128];

	cr_expect_str_eq(vendor_id_name(frag, sizeof(frag)),
	    "IKE fragmentation (FRAGMENTATION)");
	vendor_id_text(frag, sizeof(frag), buf, sizeof(buf));
	cr_expect_str_eq(buf, "IKE fragmentation (FRAGMENTATION) +c0000000");
	vendor_id_text(ms10, sizeof(ms10), buf, sizeof(buf));
	cr_expect_str_eq(buf, "MS NT5 ISAKMPOAKLEY +0000000a");
	vendor_id_text((const uint8_t *)lsw, strlen(lsw), buf, sizeof(buf));
	cr_expect_str_eq(buf, "Libreswan 4.12", "longest prefix wins over OE");
	vendor_id_text((const uint8_t *)"OEabc", 5, buf, sizeof(buf));
	cr_expect_str_eq(buf, "Libreswan / Openswan / FreeS/WAN (OE) abc");
}

Test(vendor_id, unknown_vids_are_null_and_dumped_in_hex)
{
	static const uint8_t x[] = {0x01, 0x02, 0xff};
	uint8_t big[40];
	char buf[128];
	size_t n;

	cr_expect_null(vendor_id_name(x, sizeof(x)));
	cr_expect_null(vendor_id_name(NULL, 0));
	cr_expect_null(vendor_id_name(x, 0));
	n = vendor_id_text(x, sizeof(x), buf, sizeof(buf));
	cr_expect_str_eq(buf, "unknown 0102ff");
	cr_expect_eq(n, strlen(buf));
	memset(big, 0x11, sizeof(big));
	n = vendor_id_text(big, sizeof(big), buf, 10);
	cr_expect_str_eq(buf, "unknown 1");
	cr_expect_eq(n, strlen("unknown ") + 64 + 3);
	/* A truncated exact VID is not a match. */
	cr_expect_null(vendor_id_name((const uint8_t *)"CISCO-DELETE", 12));
}

/* Truncating any known VID gives no match or a shorter prefix row. */
Test(vendor_id, truncated_vids_match_only_shorter_prefixes)
{
	for (size_t i = 0; i < vendor_id_count(); i++) {
		const struct vendor_id_row *r = vendor_id_row(i);
		uint8_t b[128];
		size_t n = unhex(r->hex, b, sizeof(b));

		for (size_t cut = 0; cut < n; cut++) {
			const char *name = vendor_id_name(b, cut);
			char buf[200];

			vendor_id_text(b, cut, buf, sizeof(buf));
			if (name == NULL)
				continue;
			for (size_t j = 0; j < vendor_id_count(); j++) {
				const struct vendor_id_row *o;

				o = vendor_id_row(j);
				if (strcmp(o->name, name) == 0)
					cr_expect(o->prefix && o->len <= cut,
					    "%s cut at %zu matched %s", r->name,
					    cut, name);
			}
		}
	}
}

/*
 * tshark as oracle: every Vendor ID in the shared IKE captures that
 * Wireshark names must have a name here too. The captures are merged
 * into one file first so tshark starts once.
 */
Test(vendor_id, every_vid_tshark_names_in_the_corpus_is_known)
{
	const char *corpus = tu_shared("corpus");
	char cmd[1024], *out = NULL, *line, *save = NULL;
	int known = 0;

	if (corpus == NULL)
		cr_skip_test("../shared is absent");
	if (!tu_have_tool("tshark") || !tu_have_tool("mergecap"))
		cr_skip_test("tshark/mergecap not installed");
	snprintf(cmd, sizeof(cmd), "f=$(mktemp) && find '%s' -type f "
	    "\\( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \\) "
	    "-print0 | xargs -0 mergecap -F pcapng -w \"$f\" 2>/dev/null; "
	    "tshark -r \"$f\" -Y isakmp.vid_bytes -T fields -E "
	    "aggregator='|' -e isakmp.vid_bytes -e isakmp.vid_string "
	    "2>/dev/null; rm -f \"$f\"", corpus);
	cr_assert_eq(tu_run(cmd, &out), 0);
	for (line = strtok_r(out, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char *tab = strchr(line, '\t'), *hs, *ns, *hsave, *nsave;

		if (tab == NULL)
			continue;
		*tab = '\0';
		hs = strtok_r(line, "|", &hsave);
		ns = strtok_r(tab + 1, "|", &nsave);
		for (; hs != NULL && ns != NULL; hs = strtok_r(NULL, "|",
		    &hsave), ns = strtok_r(NULL, "|", &nsave)) {
			uint8_t b[256];
			size_t n;

			if (strcmp(ns, "Unknown Vendor ID") == 0 ||
			    strlen(hs) > 2 * sizeof(b))
				continue;
			n = unhex(hs, b, sizeof(b));
			cr_expect_not_null(vendor_id_name(b, n),
			    "tshark names %s \"%s\", we do not", hs, ns);
			known++;
		}
	}
	cr_expect_geq(known, 20, "only %d named VIDs seen", known);
	free(out);
}
