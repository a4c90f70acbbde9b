/*
 * formats/keytab: every supported key-table format (corpus files when
 * ../shared is there, inline text otherwise), errors naming file, line and
 * column with earlier rows kept, truncation at every length, and the
 * Wireshark UAT writers read back by the parsers.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/keytab.h"
#include "formats/limits.h"
#include "testutil.h"

static struct keytab *
parse_text(enum keytab_format fmt, const char *text, enum rc want)
{
	struct keytab *t = keytab_new();
	enum rc rc;

	cr_assert_not_null(t);
	rc = keytab_parse(t, fmt, "inline", (const uint8_t *)text,
	    strlen(text));
	cr_expect_eq(rc, want, "rc %s: %s", rc_name(rc), keytab_errmsg(t));
	return t;
}

static void
expect_bytes(const struct keytab_bytes *b, const char *hex)
{
	char got[1100];
	size_t i;

	cr_assert_lt(b->len * 2, sizeof(got));
	for (i = 0; i < b->len; i++)
		snprintf(got + 2 * i, 3, "%02x", b->p[i]);
	got[2 * b->len] = '\0';
	cr_expect_str_eq(got, hex);
}

#define WS_IKEV2_ROW \
	"191ccd371a7a1f7b,bc123d15e4af593f," \
	"9096ddd2933620e8f48122c53a3f562cb0222c1cf97ce41fcc874ea2582a89ac," \
	"6718c6b2bbef2f234eac4c13832f885d87b574afd2af0111161e99b5dc61b4d4," \
	"\"AES-CBC-256 [RFC3602]\"," \
	"12d532c3e83c757906af548dfe1ccf223ca5507af77898454e2d55c8ace57a17," \
	"30c4ead18c93024b58a86c1e3db60f550221801026853170b4cb0248d3a95329," \
	"\"HMAC_SHA2_256_128 [RFC4868]\"\n"

Test(keytab, wireshark_ikev2_row_gives_spis_keys_and_algorithm_strings)
{
	struct keytab *t = parse_text(KEYTAB_AUTO,
	    "# comment\n\n" WS_IKEV2_ROW, RC_OK);
	const struct keytab_ike *r;

	cr_assert_eq(keytab_ike_count(t), 1);
	r = keytab_ike_at(t, 0);
	cr_expect(r->has_spis);
	cr_expect_eq(r->spi_i[0], 0x19);
	cr_expect_eq(r->spi_r[7], 0x3f);
	cr_expect_eq(r->line, 3);
	cr_expect_str_eq(r->encr, "AES-CBC-256 [RFC3602]");
	cr_expect_str_eq(r->integ, "HMAC_SHA2_256_128 [RFC4868]");
	cr_expect_eq(r->sk_ei.len, 32);
	expect_bytes(&r->sk_ar,
	    "30c4ead18c93024b58a86c1e3db60f550221801026853170b4cb0248d3a95329");
	keytab_free(t);
}

Test(keytab, corpus_wireshark_ikev2_table_parses_completely)
{
	const char *ike = tu_shared(
	    "corpus/wireshark/keys/ikev2_decryption_table");
	struct keytab *t;

	if (ike == NULL)
		cr_skip_test("corpus/wireshark/keys/ikev2_decryption_table is "
		    "absent");
	t = keytab_new();
	cr_assert_eq(keytab_load(t, KEYTAB_AUTO, ike), RC_OK, "%s",
	    keytab_errmsg(t));
	cr_expect_eq(keytab_ike_count(t), 9);
	cr_expect_str_eq(keytab_ike_at(t, 0)->encr, "NULL [RFC2410]");
	cr_expect_eq(keytab_ike_at(t, 0)->sk_ei.len, 0, "empty key field");
	cr_expect_str_eq(keytab_ike_at(t, 6)->encr,
	    "AES-CCM-256 with 16 octet ICV [RFC5282]");
	cr_expect_eq(keytab_ike_at(t, 6)->sk_ei.len, 35);
	keytab_free(t);
}

Test(keytab, corpus_wireshark_esp_table_parses_completely)
{
	const char *esp = tu_shared("corpus/wireshark/keys/esp_sa");
	struct keytab *t;

	if (esp == NULL)
		cr_skip_test("corpus/wireshark/keys/esp_sa is absent");
	t = keytab_new();
	cr_expect_eq(keytab_load(t, KEYTAB_AUTO, esp), RC_OK, "%s",
	    keytab_errmsg(t));
	cr_assert_eq(keytab_esp_count(t), 2);
	cr_expect_eq(keytab_esp_at(t, 0)->spi, 0x070883c2u);
	cr_expect_str_eq(keytab_esp_at(t, 0)->dst, "192.168.0.100");
	cr_expect_str_eq(keytab_esp_at(t, 1)->integ, "HMAC-SHA-1-96 [RFC2404]");
	cr_expect_eq(keytab_esp_at(t, 1)->akey.len, 20);
	keytab_free(t);
}

Test(keytab, tcpdump_ikev2_i_and_r_lines_merge_into_one_sa)
{
	struct keytab *t = parse_text(KEYTAB_AUTO,
	    "ikev2 I 0x0001020304050607 0xc02e7a3031a03188 "
	    "sha1:0x4ea8e662b07cdd430f6944c6723e4b82d5722418 "
	    "aes128:0x3f44bf47cafd8150591deb088199fcbf\n"
	    "ikev2 R 0x0001020304050607 0xc02e7a3031a03188 "
	    "sha1:0x515b0bd22e6d76b34fdb760aa7bfad80b109b75d "
	    "aes128:0xbedb67ec7dc3d00cccac42e70cd63bde\n", RC_OK);
	const struct keytab_ike *r;

	cr_assert_eq(keytab_ike_count(t), 1);
	r = keytab_ike_at(t, 0);
	cr_expect_eq(r->sides, KEYTAB_SIDE_I | KEYTAB_SIDE_R);
	cr_expect_str_eq(r->encr, "aes128");
	cr_expect_str_eq(r->integ, "sha1");
	expect_bytes(&r->sk_ei, "3f44bf47cafd8150591deb088199fcbf");
	expect_bytes(&r->sk_ar, "515b0bd22e6d76b34fdb760aa7bfad80b109b75d");
	keytab_free(t);
}

Test(keytab, tcpdump_esp_lines_with_and_without_spi)
{
	struct keytab *t = parse_text(KEYTAB_TCPDUMP,
	    "# a comment\n\n"
	    "0x12345678@192.1.2.45 3des-cbc-hmac96:0x4343454546464949"
	    "4a4a4c4c4f4f51515252545457575840\n"
	    "3des-cbc-hmac96:0x4043434545464649494a4a4c4c4f4f5151525254545757"
	    "58\n",
	    RC_OK);

	cr_assert_eq(keytab_esp_count(t), 2);
	cr_expect(keytab_esp_at(t, 0)->has_spi);
	cr_expect_eq(keytab_esp_at(t, 0)->spi, 0x12345678u);
	cr_expect_str_eq(keytab_esp_at(t, 0)->dst, "192.1.2.45");
	cr_expect_str_eq(keytab_esp_at(t, 0)->encr, "3des-cbc-hmac96");
	cr_expect_eq(keytab_esp_at(t, 0)->ekey.len, 24);
	cr_expect(!keytab_esp_at(t, 1)->has_spi);
	keytab_free(t);
}

Test(keytab, corpus_tcpdump_and_openswan_files_parse)
{
	char esp[4096], tsv[4096], ike[4096];
	struct keytab *t;
	size_t i;
	bool found = false;

	/* tu_shared() returns one static buffer: copy each path. */
	if (tu_shared("corpus/tcpdump/esp-secrets.txt") == NULL ||
	    tu_shared("corpus/openswan/keys/KEYS.tsv") == NULL ||
	    tu_shared("corpus/tcpdump/ikev2pI2-secrets.txt") == NULL)
		cr_skip_test("corpus tcpdump/esp-secrets.txt, "
		    "tcpdump/ikev2pI2-secrets.txt or openswan/keys/KEYS.tsv "
		    "is absent");
	snprintf(esp, sizeof(esp), "%s",
	    tu_shared("corpus/tcpdump/esp-secrets.txt"));
	snprintf(tsv, sizeof(tsv), "%s",
	    tu_shared("corpus/openswan/keys/KEYS.tsv"));
	snprintf(ike, sizeof(ike), "%s",
	    tu_shared("corpus/tcpdump/ikev2pI2-secrets.txt"));
	t = keytab_new();
	cr_assert_eq(keytab_load(t, KEYTAB_AUTO, esp), RC_OK, "%s",
	    keytab_errmsg(t));
	cr_expect_eq(keytab_esp_count(t), 3);
	cr_expect_eq(keytab_esp_at(t, 2)->ekey.len, 32);
	cr_assert_eq(keytab_load(t, KEYTAB_AUTO, ike), RC_OK, "%s",
	    keytab_errmsg(t));
	cr_expect_eq(keytab_ike_count(t), 1);
	cr_assert_eq(keytab_load(t, KEYTAB_AUTO, tsv), RC_OK, "%s",
	    keytab_errmsg(t));
	cr_expect_eq(keytab_ike_count(t), 1 + 34);
	for (i = 0; i < keytab_ike_count(t); i++) {
		const struct keytab_ike *r = keytab_ike_at(t, i);

		if (strcmp(r->label, "lp74-alg-h2hR2__h2hI2.pcap") == 0) {
			found = true;
			cr_expect_str_eq(r->encr, "3DES [RFC2451]");
			cr_expect_str_eq(r->integ, "HMAC_MD5_96 [RFC2403]");
			cr_expect_eq(r->sk_ei.len, 24);
		}
	}
	cr_expect(found, "KEYS.tsv row for lp74 present");
	keytab_free(t);
}

/* Format built from strongSwan's mem_printf_hook ("=> %u bytes @ %p",
 * then "\n%4d: %s  %s" per 16 bytes) with the file logger's prefix on
 * every line. */
static const char charon_log[] =
    "Nov 23 18:00:01 09[CFG] selected proposal: IKE:AES_CBC_256/"
    "HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048\n"
    "Nov 23 18:00:01 09[IKE] Sk_d secret => 32 bytes @ 0x55d0c0a0b0c0\n"
    "Nov 23 18:00:01 09[IKE]    0: 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D"
    " 0E 0F  ................\n"
    "Nov 23 18:00:01 09[IKE]   16: 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D"
    " 0E 0F  ................\n"
    "Nov 23 18:00:01 09[IKE] Sk_ai secret => 20 bytes @ 0x55d0c0a0b0c0\n"
    "Nov 23 18:00:01 09[IKE]    0: 4E A8 E6 62 B0 7C DD 43 0F 69 44 C6 72 3E"
    " 4B 82  N..b.|.C.iD.r>K.\n"
    "Nov 23 18:00:01 09[IKE]   16: D5 72 24 18                              "
    "         .r$.\n"
    "Nov 23 18:00:01 09[IKE] Sk_ar secret => 0 bytes @ (nil)\n"
    "Nov 23 18:00:01 09[IKE] Sk_ei secret => 16 bytes @ 0x55d0c0a0b0c0\n"
    "Nov 23 18:00:01 09[IKE]    0: 3F 44 BF 47 CA FD 81 50 59 1D EB 08 81 99"
    " FC BF  ?D.G...PY.......\n"
    "Nov 23 18:00:01 09[IKE] Sk_er secret => 16 bytes @ 0x55d0c0a0b0c0\n"
    "Nov 23 18:00:01 09[IKE]    0: BE DB 67 EC 7D C3 D0 0C CC AC 42 E7 0C D6"
    " 3B DE  ..g.}.....B...;.\n"
    "Nov 23 18:00:01 09[IKE] Sk_pi secret => 4 bytes @ 0x55d0c0a0b0c0\n"
    "Nov 23 18:00:01 09[IKE]    0: 01 02 03 04                              "
    "         ....\n"
    "Nov 23 18:00:02 10[CFG] selected proposal: ESP:AES_GCM_16_128/"
    "NO_EXT_SEQ\n"
    "Nov 23 18:00:02 10[CHD] encryption initiator key => 20 bytes @ 0x1\n"
    "Nov 23 18:00:02 10[CHD]    0: 00 11 22 33 44 55 66 77 88 99 AA BB CC DD"
    " EE FF  .\"3DUfw........\n"
    "Nov 23 18:00:02 10[CHD]   16: 01 02 03 04                              "
    "         ....\n"
    "Nov 23 18:00:02 10[CHD] encryption responder key => 20 bytes @ 0x1\n"
    "Nov 23 18:00:02 10[CHD]    0: FF EE DD CC BB AA 99 88 77 66 55 44 33 22"
    " 11 00  ........wfUD3\".\n"
    "Nov 23 18:00:02 10[CHD]   16: 05 06 07 08                              "
    "         ....\n"
    "Nov 23 18:00:02 10[IKE] CHILD_SA net{1} established\n";

Test(keytab, charon_level4_log_gives_unassigned_ike_and_esp_sets)
{
	struct keytab *t = parse_text(KEYTAB_AUTO, charon_log, RC_OK);
	const struct keytab_ike *r;

	cr_assert_eq(keytab_ike_count(t), 1);
	r = keytab_ike_at(t, 0);
	cr_expect(!r->has_spis);
	cr_expect_str_eq(r->encr,
	    "AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048");
	expect_bytes(&r->sk_ai, "4ea8e662b07cdd430f6944c6723e4b82d5722418");
	cr_expect_eq(r->sk_ar.len, 0);
	expect_bytes(&r->sk_ei, "3f44bf47cafd8150591deb088199fcbf");
	expect_bytes(&r->sk_er, "bedb67ec7dc3d00cccac42e70cd63bde");
	cr_assert_eq(keytab_esp_count(t), 2);
	cr_expect(keytab_esp_at(t, 0)->initiator_dir);
	cr_expect(!keytab_esp_at(t, 1)->initiator_dir);
	cr_expect_str_eq(keytab_esp_at(t, 0)->encr,
	    "AES_GCM_16_128/NO_EXT_SEQ");
	expect_bytes(&keytab_esp_at(t, 1)->ekey,
	    "ffeeddccbbaa9988776655443322110005060708");
	keytab_free(t);
}

Test(keytab, charon_dump_cut_short_names_the_line)
{
	char text[sizeof(charon_log) + 64];
	const char *cut = strstr(charon_log,
	    "Nov 23 18:00:01 09[IKE]   16: D5");
	struct keytab *t;

	snprintf(text, sizeof(text), "%.*s%s", (int)(cut - charon_log),
	    charon_log, "Nov 23 18:00:01 09[IKE] something else\n");
	t = parse_text(KEYTAB_CHARON, text, RC_MALFORMED);
	cr_expect(strstr(keytab_errmsg(t), "inline:7:") != NULL, "%s",
	    keytab_errmsg(t));
	cr_expect(strstr(keytab_errmsg(t), "offset 16") != NULL, "%s",
	    keytab_errmsg(t));
	keytab_free(t);
}

Test(keytab, error_names_line_and_column_and_keeps_earlier_rows)
{
	struct keytab *t = parse_text(KEYTAB_WS_IKEV2,
	    WS_IKEV2_ROW
	    "191ccd371a7a1f7b,bc123d15e4af593f,00zz,,\"x\",,,\"y\"\n",
	    RC_MALFORMED);

	cr_expect_eq(keytab_ike_count(t), 1, "row 1 kept");
	cr_expect(strstr(keytab_errmsg(t), "inline:2:") != NULL, "%s",
	    keytab_errmsg(t));
	cr_expect(strstr(keytab_errmsg(t), "SK_ei") != NULL, "%s",
	    keytab_errmsg(t));
	keytab_free(t);
	t = parse_text(KEYTAB_WS_IKEV2, "191ccd371a7a1f,bc123d15e4af593f,,,"
	    "\"x\",,,\"y\"\n", RC_MALFORMED);
	cr_expect(strstr(keytab_errmsg(t), "SPIi is 7 bytes, expected 8"),
	    "%s", keytab_errmsg(t));
	keytab_free(t);
	t = parse_text(KEYTAB_WS_IKEV2, "1,2,3\n", RC_MALFORMED);
	cr_expect(strstr(keytab_errmsg(t), "3 fields, expected 8"), "%s",
	    keytab_errmsg(t));
	keytab_free(t);
	t = parse_text(KEYTAB_AUTO, "hello world\n", RC_FORMAT);
	keytab_free(t);
}

Test(keytab, truncation_at_every_length_never_crashes)
{
	const char *inputs[] = {WS_IKEV2_ROW, charon_log,
	    "ikev2 I 0x0001020304050607 0xc02e7a3031a03188 sha1:0x4e "
	    "aes128:0x3f44\n",
	    "\"IPv4\",\"1.2.3.4\",\"5.6.7.8\",\"0x01020304\",\"AES-CBC "
	    "[RFC3602]\",\"0x00112233445566778899aabbccddeeff\",\"NULL\","
	    "\"\"\n"};
	enum keytab_format fmts[] = {KEYTAB_WS_IKEV2, KEYTAB_CHARON,
	    KEYTAB_TCPDUMP, KEYTAB_WS_ESP};
	size_t i, cut;

	for (i = 0; i < 4; i++) {
		size_t n = strlen(inputs[i]);

		for (cut = 0; cut <= n; cut++) {
			struct keytab *t = keytab_new();
			enum rc rc = keytab_parse(t, fmts[i], "cut",
			    (const uint8_t *)inputs[i], cut);

			cr_expect(rc == RC_OK || rc == RC_MALFORMED,
			    "input %zu cut %zu: %s", i, cut, rc_name(rc));
			keytab_free(t);
		}
	}
}

Test(keytab, wireshark_writers_round_trip_through_the_parsers)
{
	struct keytab *t = parse_text(KEYTAB_WS_IKEV2, WS_IKEV2_ROW, RC_OK);
	struct keytab *back = keytab_new();
	struct keytab_esp e = {.has_spi = true, .spi = 0xc254fe64u,
	    .proto = "IPv4", .src = "192.168.0.100", .dst = "192.168.0.1",
	    .encr = "AES-CBC [RFC3602]", .integ = "HMAC-SHA-1-96 [RFC2404]"};
	uint8_t ek[16] = {1, 2, 3}, ak[20] = {9, 8, 7};
	struct buf out;
	const struct keytab_ike *a, *b;

	e.ekey.p = ek;
	e.ekey.len = sizeof(ek);
	e.akey.p = ak;
	e.akey.len = sizeof(ak);
	cr_assert_eq(keytab_add_esp(t, &e), RC_OK);
	buf_init(&out, 1 << 20);
	cr_assert_eq(keytab_write_ws_ikev2(t, &out), RC_OK);
	cr_assert_eq(keytab_parse(back, KEYTAB_WS_IKEV2, "w1", out.data,
	    out.len), RC_OK, "%s", keytab_errmsg(back));
	cr_assert_eq(keytab_ike_count(back), 1);
	a = keytab_ike_at(t, 0);
	b = keytab_ike_at(back, 0);
	cr_expect_arr_eq(a->spi_i, b->spi_i, 8);
	cr_expect_arr_eq(a->spi_r, b->spi_r, 8);
	cr_expect_str_eq(a->encr, b->encr);
	cr_expect_str_eq(a->integ, b->integ);
	cr_expect_eq(a->sk_er.len, b->sk_er.len);
	cr_expect_arr_eq(a->sk_er.p, b->sk_er.p, a->sk_er.len);
	cr_expect_arr_eq(a->sk_ai.p, b->sk_ai.p, a->sk_ai.len);
	buf_reset(&out);
	cr_assert_eq(keytab_write_ws_esp(t, &out), RC_OK);
	cr_assert_eq(keytab_parse(back, KEYTAB_WS_ESP, "w2", out.data,
	    out.len), RC_OK, "%s", keytab_errmsg(back));
	cr_assert_eq(keytab_esp_count(back), 1);
	cr_expect_eq(keytab_esp_at(back, 0)->spi, 0xc254fe64u);
	cr_expect_str_eq(keytab_esp_at(back, 0)->src, "192.168.0.100");
	cr_expect_str_eq(keytab_esp_at(back, 0)->integ,
	    "HMAC-SHA-1-96 [RFC2404]");
	cr_expect_arr_eq(keytab_esp_at(back, 0)->akey.p, ak, 20);
	buf_fini(&out);
	keytab_free(t);
	keytab_free(back);
}

Test(keytab, corpus_ikev2_table_round_trips_byte_for_byte_in_content)
{
	const char *ike = tu_shared(
	    "corpus/wireshark/keys/ikev2_decryption_table");
	struct keytab *t, *back;
	struct buf out;
	size_t i;

	if (ike == NULL)
		cr_skip_test("corpus/wireshark/keys/ikev2_decryption_table is "
		    "absent");
	t = keytab_new();
	back = keytab_new();
	cr_assert_eq(keytab_load(t, KEYTAB_WS_IKEV2, ike), RC_OK);
	buf_init(&out, 1 << 20);
	cr_assert_eq(keytab_write_ws_ikev2(t, &out), RC_OK);
	cr_assert_eq(keytab_parse(back, KEYTAB_AUTO, "rt", out.data, out.len),
	    RC_OK, "%s", keytab_errmsg(back));
	cr_assert_eq(keytab_ike_count(back), keytab_ike_count(t));
	for (i = 0; i < keytab_ike_count(t); i++) {
		const struct keytab_ike *a = keytab_ike_at(t, i);
		const struct keytab_ike *b = keytab_ike_at(back, i);

		cr_expect_str_eq(a->encr, b->encr);
		cr_expect_str_eq(a->integ, b->integ);
		cr_expect_eq(a->sk_ei.len, b->sk_ei.len);
		cr_expect_eq(a->sk_ar.len, b->sk_ar.len);
		if (a->sk_ei.len)
			cr_expect_arr_eq(a->sk_ei.p, b->sk_ei.p, a->sk_ei.len);
	}
	buf_fini(&out);
	keytab_free(t);
	keytab_free(back);
}

Test(keytab, charon_long_proposal_is_cut_at_a_slash)
{
	struct keytab *t = parse_text(KEYTAB_CHARON,
	    "00[CFG] selected proposal: IKE:AES_CBC_256/HMAC_SHA2_256_128/"
	    "PRF_HMAC_SHA2_256/MODP_2048/KE1_ECP_256/KE2_ECP_384/KE3_ECP_521/"
	    "KE4_CURVE_25519/KE5_CURVE_448\n"
	    "00[IKE] Sk_ei secret => 1 bytes @ 0x1\n"
	    "00[IKE]    0: 01  .\n", RC_OK);

	cr_assert_eq(keytab_ike_count(t), 1);
	cr_expect_str_eq(keytab_ike_at(t, 0)->encr,
	    "AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048/"
	    "KE1_ECP_256/KE2_ECP_384/KE3_ECP_521");
	keytab_free(t);
}

/* A charon log cut before its key dumps still has "@ 0x..." chunk dump
 * headers: it is a charon log with no keys, not a tcpdump secrets file
 * that fails at 1:4 (found by tests/cli/test_bad_input.c). */
Test(keytab, charon_log_without_key_dumps_is_detected_as_charon)
{
	static const char text[] =
	    "Nov 23 18:44:10 00[DMN] Starting IKE charon daemon\n"
	    "Nov 23 18:44:13 08[IKE] natd_chunk => 22 bytes @ 0x7f7fc8044480\n"
	    "Nov 23 18:44:13 08[IKE]    0: 3B F2 44 26 AD BE CF AA 00 00 00 "
	    "00 00 00 00 00  ;.D&............\n";
	struct keytab *t;

	cr_expect_eq(keytab_detect((const uint8_t *)text, strlen(text)),
	    KEYTAB_CHARON);
	t = parse_text(KEYTAB_AUTO, text, RC_OK);
	cr_expect_eq(keytab_ike_count(t), 0);
	cr_expect_eq(keytab_esp_count(t), 0);
	keytab_free(t);
}

/* Past LIMIT_KEYTAB_ROWS rows the parse stops with RC_LIMIT and a message
 * naming the file and line (it used to be an empty message). */
Test(keytab, too_many_rows_names_the_line_of_the_cap)
{
	size_t i, n = (size_t)LIMIT_KEYTAB_ROWS + 10;
	size_t row = strlen(WS_IKEV2_ROW);
	char *text = malloc(n * row + 1), want[64];
	struct keytab *t = keytab_new();

	cr_assert_not_null(text);
	for (i = 0; i < n; i++)
		memcpy(text + i * row, WS_IKEV2_ROW, row);
	text[n * row] = '\0';
	cr_expect_eq(keytab_parse(t, KEYTAB_AUTO, "many.keys",
	    (const uint8_t *)text, n * row), RC_LIMIT);
	snprintf(want, sizeof(want), "many.keys:%u:", LIMIT_KEYTAB_ROWS + 1);
	cr_expect(strstr(keytab_errmsg(t), want) != NULL, "%s",
	    keytab_errmsg(t));
	cr_expect_eq(keytab_ike_count(t), LIMIT_KEYTAB_ROWS);
	keytab_free(t);
	free(text);
}

Test(keytab, our_empty_uats_are_detected_as_tables)
{
	struct keytab *t = keytab_new();
	struct buf out;

	buf_init(&out, 4096);
	cr_assert_eq(keytab_write_ws_ikev2(t, &out), RC_OK);
	cr_expect_eq(keytab_detect(out.data, out.len), KEYTAB_WS_IKEV2,
	    "no verified SA: header only, still a table");
	cr_assert_eq(keytab_parse(t, KEYTAB_AUTO, "empty", out.data, out.len),
	    RC_OK, "%s", keytab_errmsg(t));
	cr_expect_eq(keytab_ike_count(t), 0);
	buf_reset(&out);
	cr_assert_eq(keytab_write_ws_esp(t, &out), RC_OK);
	cr_expect_eq(keytab_detect(out.data, out.len), KEYTAB_WS_ESP);
	buf_fini(&out);
	keytab_free(t);
}
