/*
 * analyze/keystore: algorithm-name mapping (Wireshark, tcpdump,
 * strongSwan, IANA), loading key tables, SPI lookups, binding SPI-less
 * (charon) key sets by ICV on real captures, ESP keys on tcpdump's ESP
 * captures (nested ESP), and export to Wireshark UATs.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>

#include "analyze/keystore.h"
#include "crypto_tu.h"
#include "formats/keytab.h"
#include "testutil.h"

static struct sk_ctx *ctx;

static void
setup(void)
{
	ctx = sk_ctx_new();
	cr_assert_not_null(ctx);
}

static void
teardown(void)
{
	sk_ctx_free(ctx);
}

static void
expect_map(const char *encr, const char *integ, size_t kl, uint16_t e,
    uint16_t bits, uint16_t i)
{
	struct sk_suite s;
	bool esn;

	cr_assert(keystore_map_alg(encr, integ, kl, &s, &esn), "%s / %s",
	    encr, integ);
	cr_expect_eq(s.encr_id, e, "%s", encr);
	cr_expect_eq(s.encr_key_bits, bits, "%s", encr);
	cr_expect_eq(s.integ_id, i, "%s / %s", encr, integ);
}

Test(keystore, maps_every_key_table_dialect_to_iana_ids)
{
	struct sk_suite s;
	bool esn = false;

	expect_map("AES-CBC-256 [RFC3602]", "HMAC_SHA2_256_128 [RFC4868]", 0,
	    12, 256, 12);
	expect_map("AES-GCM-128 with 16 octet ICV [RFC5282]", "NONE [RFC4306]",
	    0, 20, 128, 0);
	expect_map("AES-CCM-256 with 8 octet ICV [RFC5282]", "NONE [RFC4306]",
	    0, 14, 256, 0);
	expect_map("AES-CTR-192 [RFC5930]", "HMAC_SHA2_512_256 [RFC4868]", 0,
	    13, 192, 14);
	expect_map("AES-CTR-128 [RFC5930]",
	    "ANY 96-bits of Authentication [No Checking]", 0, 13, 128,
	    SK_INTEG_NOCHECK(12));
	expect_map("3DES [RFC2451]", "HMAC_SHA1_160 [RFC4595]", 0, 3, 0, 7);
	expect_map("AES-CBC [RFC3602]", "HMAC-SHA-1-96 [RFC2404]", 16, 12, 128,
	    2);
	expect_map("AES-GCM with 16 octet ICV [RFC4106]", "NULL", 36, 20, 256,
	    0);
	expect_map("TripleDES-CBC [RFC2451]", "HMAC-MD5-96 [RFC2403]", 24, 3,
	    0, 1);
	expect_map("aes128", "sha1", 16, 12, 128, 2);
	expect_map("3des-cbc-hmac96", "", 24, 3, 0, SK_INTEG_NOCHECK(12));
	expect_map("aes256-cbc-hmac96", "", 32, 12, 256, SK_INTEG_NOCHECK(12));
	expect_map("AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048",
	    "", 0, 12, 256, 12);
	expect_map("AES_GCM_16_256/PRF_HMAC_SHA2_384/ECP_384", "", 0, 20, 256,
	    0);
	expect_map("CHACHA20_POLY1305/PRF_HMAC_SHA2_256/CURVE_25519", "", 0,
	    28, 0, 0);
	expect_map("AES_CBC_128/AES_XCBC_96/PRF_AES128_XCBC/MODP_2048", "", 0,
	    12, 128, 5);
	expect_map("AES_CBC_128/AES_CMAC_96/NO_EXT_SEQ", "", 0, 12, 128, 8);
	cr_assert(keystore_map_alg("AES_GCM_16_128/EXT_SEQ", "", 0, &s, &esn));
	cr_expect(esn);
	cr_expect(!keystore_map_alg("NULL [RFC2410]", "NONE [RFC4306]", 0, &s,
	    &esn), "NULL without integrity is not an IKE suite");
	cr_expect(!keystore_map_alg("CAST5-CBC [RFC2144]",
	    "HMAC-SHA-1-96 [RFC2404]", 16, &s, &esn));
	cr_expect(!keystore_map_alg("AES-CBC-256 [RFC3602]", "bogus", 0, &s,
	    &esn));
	cr_expect(!keystore_map_alg("AES-CBC [RFC3602]",
	    "HMAC-SHA-1-96 [RFC2404]", 17, &s, &esn), "no AES size 17");
}

Test(keystore, wireshark_names_map_back_to_the_same_suite)
{
	struct sk_suite suites[] = {
		{12, 128, 2}, {12, 256, 12}, {13, 192, 14}, {18, 256, 0},
		{19, 128, 0}, {20, 192, 0}, {14, 128, 0}, {15, 256, 0},
		{16, 192, 0}, {3, 0, 1}, {3, 0, 7}, {12, 128, 13},
	};
	size_t i;

	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		const char *e = keystore_ws_ikev2_encr(&suites[i]);
		char en[80];
		const char *in = keystore_ws_ikev2_integ(&suites[i]);
		struct sk_suite back;
		bool esn;

		cr_assert_not_null(e, "row %zu", i);
		cr_assert_not_null(in, "row %zu", i);
		snprintf(en, sizeof(en), "%s", e);
		cr_assert(keystore_map_alg(en, in, 0, &back, &esn), "%s", en);
		cr_expect_eq(back.encr_id, suites[i].encr_id, "%s", en);
		cr_expect_eq(back.encr_key_bits, suites[i].encr_key_bits);
		cr_expect_eq(back.integ_id, suites[i].integ_id, "%s", in);
	}
	cr_expect_null(keystore_ws_ikev2_integ(&(struct sk_suite){12, 128, 5}),
	    "Wireshark has no AES-XCBC entry");
}

static struct keystore *
load(const char *text, enum keytab_format fmt, struct keystore_load *st)
{
	struct keytab *t = keytab_new();
	struct keystore *ks = keystore_new();

	cr_assert_eq(keytab_parse(t, fmt, "inline", (const uint8_t *)text,
	    strlen(text)), RC_OK, "%s", keytab_errmsg(t));
	cr_assert_eq(keystore_add_keytab(ks, t, st), RC_OK);
	keytab_free(t);
	return ks;
}

Test(keystore, corpus_wireshark_table_loads_and_finds_by_spis)
{
	const char *p = tu_shared(
	    "corpus/wireshark/keys/ikev2_decryption_table");
	struct keytab *t;
	struct keystore *ks;
	struct keystore_load st;
	uint8_t spi_i[8], spi_r[8];
	const struct keystore_ike *k;

	if (p == NULL)
		cr_skip_test("corpus/wireshark/keys/ikev2_decryption_table is "
		    "absent");
	t = keytab_new();
	ks = keystore_new();
	cr_assert_eq(keytab_load(t, KEYTAB_AUTO, p), RC_OK);
	cr_assert_eq(keystore_add_keytab(ks, t, &st), RC_OK);
	cr_expect_eq(st.ike_added, 8);
	cr_expect_eq(st.skipped, 1, "the NULL/NONE row");
	cr_expect(strstr(st.first_skip, "NULL [RFC2410]") != NULL, "%s",
	    st.first_skip);
	ctu_hex("cd7ae76304b277e2", spi_i, 8);
	ctu_hex("74f6080ed799d463", spi_r, 8);
	k = keystore_find_ike(ks, spi_i, spi_r);
	cr_assert_not_null(k);
	cr_expect_eq(k->suite.encr_id, 16);
	cr_expect_eq(k->suite.encr_key_bits, 256);
	cr_expect_eq(secret_len(k->sk_ei), 35);
	cr_expect_null(k->sk_ai);
	spi_r[0] ^= 1;
	cr_expect_null(keystore_find_ike(ks, spi_i, spi_r));
	keytab_free(t);
	keystore_free(ks);
}

Test(keystore, wrong_key_length_for_the_suite_is_skipped_with_reason)
{
	struct keystore_load st;
	struct keystore *ks = load("0102030405060708,0102030405060709,"
	    "00112233,44556677,\"AES-CBC-128 [RFC3602]\",aa,bb,"
	    "\"HMAC_SHA1_96 [RFC2404]\"\n", KEYTAB_WS_IKEV2, &st);

	cr_expect_eq(st.ike_added, 0);
	cr_expect_eq(st.skipped, 1);
	cr_expect(strstr(st.first_skip, "SK_e is 4 bytes") != NULL, "%s",
	    st.first_skip);
	keystore_free(ks);
}

/* A charon level-4 log (strongSwan's %B hex dump layout) for given keys;
 * proposal may be NULL (not logged). */
static void
charon_log(char *out, size_t cap, const char *proposal, const char **hex)
{
	static const char *labels[] = {"Sk_ai", "Sk_ar", "Sk_ei", "Sk_er"};
	size_t n = 0, i, k, len, b;
	uint8_t key[128];

	n += snprintf(out + n, cap - n, "Nov 23 18:00:00 05[IKE] initiating "
	    "IKE_SA home[1] to 192.0.2.1\n");
	if (proposal)
		n += snprintf(out + n, cap - n, "Nov 23 18:00:00 06[CFG] "
		    "selected proposal: IKE:%s\n", proposal);
	n += snprintf(out + n, cap - n, "Nov 23 18:00:00 06[IKE] Sk_d secret "
	    "=> 0 bytes @ (nil)\n");
	for (i = 0; i < 4; i++) {
		len = ctu_hex(hex[i], key, sizeof(key));
		n += snprintf(out + n, cap - n, "Nov 23 18:00:00 06[IKE] %s "
		    "secret => %zu bytes @ 0x5611f0a0c0e0", labels[i], len);
		for (k = 0; k < len; k += 16) {
			n += snprintf(out + n, cap - n,
			    "\nNov 23 18:00:00 06[IKE] %4zu:", k);
			for (b = k; b < k + 16 && b < len; b++)
				n += snprintf(out + n, cap - n, " %02X",
				    key[b]);
			n += snprintf(out + n, cap - n, "  ....");
		}
		n += snprintf(out + n, cap - n, "\n");
	}
	cr_assert_lt(n, cap);
}

static struct ctu_msg msgs[8];

/* Binds a charon key set to the capture's SPIs by frame 3's ICV, then
 * decrypts frame 4 through the normal lookup. */
static void
bind_and_decrypt(const char *capture, const char *proposal,
    const char **hex, uint16_t want_encr)
{
	static char log[8192];
	char path[4096];
	struct keystore_load st;
	struct keystore *ks;
	const struct keystore_ike *k, *found;
	struct sk_result res;
	struct buf out;
	int n;

	snprintf(path, sizeof(path), "%s/corpus/%s", TEST_SHARED, capture);
	n = ctu_read_ike(path, msgs, 8);
	if (n < 0)
		cr_skip_test("corpus/%s is absent", capture);
	cr_assert_eq(n, 4);
	charon_log(log, sizeof(log), proposal, hex);
	ks = load(log, KEYTAB_AUTO, &st);
	cr_assert_eq(st.ike_unassigned, 1, "%s", st.first_skip);
	cr_expect_null(keystore_find_ike(ks, msgs[2].spi_i, msgs[2].spi_r));
	cr_expect_eq(keystore_try_unassigned(ks, ctx, msgs[3].data,
	    msgs[3].len, msgs[3].sk_off, 46, true, &k), RC_NOKEY,
	    "responder's message does not verify with initiator keys");
	cr_assert_eq(keystore_try_unassigned(ks, ctx, msgs[2].data,
	    msgs[2].len, msgs[2].sk_off, 46, true, &k), RC_OK);
	cr_expect(k->bound);
	cr_expect_eq(k->suite.encr_id, want_encr);
	found = keystore_find_ike(ks, msgs[3].spi_i, msgs[3].spi_r);
	cr_assert_eq(found, k);
	buf_init(&out, 65536);
	cr_expect_eq(sk_decrypt(ctx, msgs[3].data, msgs[3].len,
	    msgs[3].sk_off, 46, &found->suite, found->sk_er, found->sk_ar, 0,
	    &out, &res), RC_OK, "%s", sk_ctx_errmsg(ctx));
	cr_expect_eq(out.data[0], 39, "IDr is followed by AUTH");
	buf_fini(&out);
	keystore_free(ks);
}

static const char *cbc_keys[] = {
	"12d532c3e83c757906af548dfe1ccf223ca5507af77898454e2d55c8ace57a17",
	"30c4ead18c93024b58a86c1e3db60f550221801026853170b4cb0248d3a95329",
	"9096ddd2933620e8f48122c53a3f562cb0222c1cf97ce41fcc874ea2582a89ac",
	"6718c6b2bbef2f234eac4c13832f885d87b574afd2af0111161e99b5dc61b4d4",
};

static const char *ccm_keys[] = {"", "",
	"daa0a85a81e6adda7b8c568f1c4cfaa6e9f9edb242e9895f012caaa642eacf4d"
	    "004903",
	"e02281ba4bb8ed20321faff956b95ce7f841b3039984dad4ed4625e77743fce4"
	    "a04f32",
};

Test(keystore, charon_keys_bind_by_icv_with_a_logged_proposal,
    .init = setup, .fini = teardown)
{
	if (tu_shared("corpus/MANIFEST.md") == NULL)
		cr_skip_test("../shared/corpus is absent");
	bind_and_decrypt("wireshark/ikev2-decrypt-aes256cbc.pcapng",
	    "AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048",
	    cbc_keys, 12);
}

Test(keystore, charon_keys_bind_by_icv_guessing_the_suite_from_lengths,
    .init = setup, .fini = teardown)
{
	if (tu_shared("corpus/MANIFEST.md") == NULL)
		cr_skip_test("../shared/corpus is absent");
	bind_and_decrypt("wireshark/ikev2-decrypt-aes256cbc.pcapng", NULL,
	    cbc_keys, 12);
	bind_and_decrypt("wireshark/ikev2-decrypt-aes256ccm16.pcapng", NULL,
	    ccm_keys, 16);
}

/* ESP packets (IPv4 protocol 50 over Ethernet) of a capture. */
static int
read_esp(const char *capture, struct ctu_msg *m, int max)
{
	char path[4096], err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *p;
	pcap_t *pc;
	int n = 0;

	snprintf(path, sizeof(path), "%s/corpus/%s", TEST_SHARED, capture);
	pc = pcap_open_offline(path, err);
	if (pc == NULL)
		cr_skip_test("corpus/%s is absent or unreadable", capture);
	while (n < max && pcap_next_ex(pc, &h, &p) == 1) {
		size_t ihl;

		if (h->caplen < 34 || p[14 + 9] != 50)
			continue;
		ihl = (size_t)(p[14] & 15) * 4;
		m[n].len = h->caplen - 14 - ihl;
		memcpy(m[n].data, p + 14 + ihl, m[n].len);
		memcpy(m[n].spi_i, p + 14 + 16, 4);   /* IPv4 destination */
		n++;
	}
	pcap_close(pc);
	return n;
}

Test(keystore, corpus_tcpdump_esp_nested_sas_decrypt, .init = setup,
    .fini = teardown)
{
	const char *p = tu_shared("corpus/tcpdump/esp-secrets.txt");
	struct keytab *t;
	struct keystore *ks;
	struct keystore_load st;
	struct esp_result res, ires;
	struct buf inner;
	int n, i;

	if (p == NULL)
		cr_skip_test("corpus/tcpdump/esp-secrets.txt is absent");
	t = keytab_new();
	ks = keystore_new();
	cr_assert_eq(keytab_load(t, KEYTAB_AUTO, p), RC_OK);
	cr_assert_eq(keystore_add_keytab(ks, t, &st), RC_OK);
	cr_expect_eq(st.esp_added, 3);
	n = read_esp("tcpdump/08-sunrise-sunset-esp2.pcap", msgs, 8);
	cr_assert_eq(n, 8);
	buf_init(&inner, 65536);
	for (i = 0; i < n; i++) {
		const struct keystore_esp *o = keystore_find_esp(ks,
		    0x12345678u, 4, msgs[i].spi_i), *in;
		uint8_t dst[4];

		cr_assert_not_null(o);
		cr_expect_null(keystore_find_esp(ks, 0x12345678u, 4,
		    (const uint8_t *)"\x0a\x0a\x0a\x0a"), "other destination");
		buf_reset(&inner);
		cr_assert_eq(esp_decrypt(ctx, msgs[i].data, msgs[i].len,
		    &o->suite, o->ekey, o->akey, 0, 0, &inner, &res), RC_OK,
		    "%s", sk_ctx_errmsg(ctx));
		cr_expect_eq(res.seq, (uint32_t)i + 1);
		cr_expect(!res.icv_checked, "esp-secrets.txt has no auth keys");
		cr_expect_eq(res.next_header, 4, "tunnel mode: IPv4 inside");
		cr_expect(res.pad_default);
		cr_assert_geq(inner.len, 28);
		cr_expect_eq(inner.data[9], 50, "ESP in ESP (tcpdump esp2)");
		memcpy(dst, inner.data + 16, 4);
		in = keystore_find_esp(ks, 0xabcdabcdu, 4, dst);
		cr_assert_not_null(in);
		cr_expect_eq(esp_decrypt(ctx, inner.data + 20, inner.len - 20,
		    &in->suite, in->ekey, in->akey, 0, 0, NULL, &ires), RC_OK,
		    "%s", sk_ctx_errmsg(ctx));
		cr_expect_eq(ires.next_header, 4);
		cr_expect_eq(ires.payload_len, 84, "IPv4 + ICMP echo of 64");
	}
	n = read_esp("tcpdump/08-sunrise-sunset-aes.pcap", msgs, 8);
	cr_assert_eq(n, 8);
	for (i = 0; i < n; i++) {
		const struct keystore_esp *o = keystore_find_esp(ks,
		    0xd1234567u, 4, msgs[i].spi_i);

		cr_assert_not_null(o);
		cr_expect_eq(o->suite.encr_key_bits, 256);
		cr_expect_eq(esp_decrypt(ctx, msgs[i].data, msgs[i].len,
		    &o->suite, o->ekey, o->akey, 0, 0, NULL, &res), RC_OK);
		cr_expect_eq(res.next_header, 4);
		cr_expect_eq(res.payload_len, 84);
	}
	buf_fini(&inner);
	keytab_free(t);
	keystore_free(ks);
}

Test(keystore, tcpdump_key_for_any_sa_is_a_wildcard, .init = setup,
    .fini = teardown)
{
	struct keystore_load st;
	struct keystore *ks = load("3des-cbc-hmac96:0x4043434545464649494a4a"
	    "4c4c4f4f515152525454575758\n", KEYTAB_TCPDUMP, &st);
	const struct keystore_esp *e;
	struct esp_result res;
	int n, i;

	e = keystore_find_esp(ks, 0x11111111u, 0, NULL);
	cr_assert_not_null(e);
	cr_expect(e->wildcard);
	if (tu_shared("corpus/MANIFEST.md") == NULL) {
		keystore_free(ks);
		cr_skip_test("../shared/corpus is absent");
	}
	/* tcpdump test esp3: this key decrypts 02-sunrise-sunset-esp. */
	n = read_esp("tcpdump/02-sunrise-sunset-esp.pcap", msgs, 8);
	cr_assert_eq(n, 8);
	for (i = 0; i < n; i++) {
		cr_expect_eq(esp_decrypt(ctx, msgs[i].data, msgs[i].len,
		    &e->suite, e->ekey, NULL, 0, 0, NULL, &res), RC_OK);
		cr_expect_eq(res.next_header, 4);
		cr_expect_eq(res.payload_len, 84);
	}
	keystore_free(ks);
}

/* Suites Wireshark can express, one row each (keys are patterns). */
static const char export_rows[] =
    "0102030405060708,1112131415161718,"
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f,"
    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f,"
    "\"AES-CBC-256 [RFC3602]\","
    "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f,"
    "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f,"
    "\"HMAC_SHA2_256_128 [RFC4868]\"\n"
    "2102030405060708,3112131415161718,"
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    "a0a1a2a3,"
    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
    "b0b1b2b3,\"AES-GCM-256 with 16 octet ICV [RFC5282]\",,,"
    "\"NONE [RFC4306]\"\n"
    "4102030405060708,5112131415161718,"
    "000102030405060708090a0b0c0d0e0f1011121314151617,"
    "202122232425262728292a2b2c2d2e2f3031323334353637,"
    "\"3DES [RFC2451]\",4041424344454647484950515253545556575859,"
    "6061626364656667686970717273747576777879,"
    "\"HMAC_SHA1_160 [RFC4595]\"\n";

Test(keystore, export_writes_wireshark_uats_that_load_back)
{
	struct keytab *t, *out, *back;
	struct keystore *ks, *ks2;
	struct keystore_load st, st2;
	struct buf text;
	size_t skipped, i;

	t = keytab_new();
	out = keytab_new();
	back = keytab_new();
	ks = keystore_new();
	ks2 = keystore_new();
	cr_assert_eq(keytab_parse(t, KEYTAB_WS_IKEV2, "rows",
	    (const uint8_t *)export_rows, strlen(export_rows)), RC_OK, "%s",
	    keytab_errmsg(t));
	cr_assert_eq(keystore_add_keytab(ks, t, &st), RC_OK);
	cr_assert_eq(st.ike_added, 3, "%s", st.first_skip);
	cr_assert_eq(keystore_export(ks, out, &skipped), RC_OK);
	cr_expect_eq(skipped, 0);
	buf_init(&text, 1 << 20);
	cr_assert_eq(keytab_write_ws_ikev2(out, &text), RC_OK);
	cr_assert_eq(keytab_parse(back, KEYTAB_AUTO, "export", text.data,
	    text.len), RC_OK, "%s", keytab_errmsg(back));
	cr_assert_eq(keystore_add_keytab(ks2, back, &st2), RC_OK);
	cr_expect_eq(st2.ike_added, st.ike_added);
	for (i = 0; i < keytab_ike_count(t); i++) {
		const struct keytab_ike *r = keytab_ike_at(t, i);
		const struct keystore_ike *a = keystore_find_ike(ks, r->spi_i,
		    r->spi_r), *b = keystore_find_ike(ks2, r->spi_i, r->spi_r);

		cr_assert_not_null(a);
		cr_assert_not_null(b);
		cr_expect_eq(memcmp(&a->suite, &b->suite, sizeof(a->suite)),
		    0);
		cr_expect(secret_equal(a->sk_ei, b->sk_ei));
		cr_expect(secret_equal(a->sk_er, b->sk_er));
	}
	buf_fini(&text);
	keytab_free(t);
	keytab_free(out);
	keytab_free(back);
	keystore_free(ks);
	keystore_free(ks2);
}

Test(keystore, many_keys_stay_findable_as_the_index_grows)
{
	struct keytab *t = keytab_new();
	struct keystore *ks = keystore_new();
	struct keystore_load st;
	struct keytab_ike r;
	uint8_t ek[16] = {0}, ak[20] = {0};
	size_t i;

	memset(&r, 0, sizeof(r));
	r.has_spis = true;
	snprintf(r.encr, sizeof(r.encr), "AES-CBC-128 [RFC3602]");
	snprintf(r.integ, sizeof(r.integ), "HMAC_SHA1_96 [RFC2404]");
	r.sk_ei.p = ek;
	r.sk_ei.len = 16;
	r.sk_ai.p = ak;
	r.sk_ai.len = 20;
	for (i = 0; i < 3000; i++) {
		r.spi_i[0] = (uint8_t)i;
		r.spi_i[1] = (uint8_t)(i >> 8);
		cr_assert_eq(keytab_add_ike(t, &r), RC_OK);
	}
	cr_assert_eq(keystore_add_keytab(ks, t, &st), RC_OK);
	cr_expect_eq(st.ike_added, 3000);
	for (i = 0; i < 3000; i++) {
		r.spi_i[0] = (uint8_t)i;
		r.spi_i[1] = (uint8_t)(i >> 8);
		cr_expect_not_null(keystore_find_ike(ks, r.spi_i, r.spi_r),
		    "entry %zu", i);
	}
	keytab_free(t);
	keystore_free(ks);
}

/* A real strongSwan 5.9.8 pair (two namespaces, PSK, ike/chd level 4,
 * throwaway secrets): the capture and both daemons' logs are fixtures. */
Test(keystore, real_charon_logs_bind_to_their_capture, .init = setup,
    .fini = teardown)
{
	const char *logs[] = {"charon-lab-initiator.log",
	    "charon-lab-responder.log"};
	char path[4096];
	size_t i;
	int n;

	snprintf(path, sizeof(path), "%s",
	    tu_src("tests/analyze/data/crypto/charon-lab-psk.pcap"));
	n = ctu_read_ike(path, msgs, 8);
	cr_assert_eq(n, 4);
	for (i = 0; i < 2; i++) {
		struct keytab *t = keytab_new();
		struct keystore *ks = keystore_new();
		struct keystore_load st;
		const struct keystore_ike *k;
		struct sk_result res;
		struct buf out;
		char rel[256];

		snprintf(rel, sizeof(rel), "tests/analyze/data/crypto/%s",
		    logs[i]);
		cr_assert_eq(keytab_load(t, KEYTAB_AUTO, tu_src(rel)), RC_OK,
		    "%s", keytab_errmsg(t));
		cr_assert_eq(keystore_add_keytab(ks, t, &st), RC_OK);
		cr_expect_eq(st.ike_unassigned, 1, "%s", logs[i]);
		cr_expect_eq(st.esp_added, i == 1 ? 2 : 0, "%s: the responder "
		    "derived child keys before its kernel refused them",
		    logs[i]);
		cr_assert_eq(keystore_try_unassigned(ks, ctx, msgs[2].data,
		    msgs[2].len, msgs[2].sk_off, 46, true, &k), RC_OK, "%s",
		    logs[i]);
		cr_expect_eq(k->suite.encr_id, 12);
		cr_expect_eq(k->suite.encr_key_bits, 256);
		cr_expect_eq(k->suite.integ_id, 12);
		buf_init(&out, 65536);
		cr_expect_eq(sk_decrypt(ctx, msgs[3].data, msgs[3].len,
		    msgs[3].sk_off, 46, &k->suite, k->sk_er, k->sk_ar, 0, &out,
		    &res), RC_OK, "%s", sk_ctx_errmsg(ctx));
		cr_expect_eq(res.next_payload, 36, "IDr");
		cr_expect_eq(out.data[0], 39, "then AUTH, then N(NO_PROP)");
		buf_fini(&out);
		keytab_free(t);
		keystore_free(ks);
	}
}

/* Wireshark 4.x packet-isakmp.c vs_ikev2_encr_algs / vs_ikev2_auth_algs:
 * the strings its "IKEv2 Decryption Table" UAT accepts (less "NULL
 * [RFC2410]": RFC 8247 forbids ENCR_NULL for IKE SAs and we never bind
 * it, and "HMAC_SHA2_256_96", a pre-RFC 4868 draft). */
static const char *const ws_encr[] = {
	"3DES [RFC2451]", "AES-CBC-128 [RFC3602]", "AES-CBC-192 [RFC3602]",
	"AES-CBC-256 [RFC3602]", "AES-CTR-128 [RFC5930]",
	"AES-CTR-192 [RFC5930]", "AES-CTR-256 [RFC5930]",
	"AES-GCM-128 with 16 octet ICV [RFC5282]",
	"AES-GCM-192 with 16 octet ICV [RFC5282]",
	"AES-GCM-256 with 16 octet ICV [RFC5282]",
	"AES-GCM-128 with 8 octet ICV [RFC5282]",
	"AES-GCM-192 with 8 octet ICV [RFC5282]",
	"AES-GCM-256 with 8 octet ICV [RFC5282]",
	"AES-GCM-128 with 12 octet ICV [RFC5282]",
	"AES-GCM-192 with 12 octet ICV [RFC5282]",
	"AES-GCM-256 with 12 octet ICV [RFC5282]",
	"AES-CCM-128 with 16 octet ICV [RFC5282]",
	"AES-CCM-192 with 16 octet ICV [RFC5282]",
	"AES-CCM-256 with 16 octet ICV [RFC5282]",
	"AES-CCM-128 with 8 octet ICV [RFC5282]",
	"AES-CCM-192 with 8 octet ICV [RFC5282]",
	"AES-CCM-256 with 8 octet ICV [RFC5282]",
	"AES-CCM-128 with 12 octet ICV [RFC5282]",
	"AES-CCM-192 with 12 octet ICV [RFC5282]",
	"AES-CCM-256 with 12 octet ICV [RFC5282]",
};

static const char *const ws_integ[] = {
	"HMAC_MD5_96 [RFC2403]", "HMAC_SHA1_96 [RFC2404]",
	"HMAC_MD5_128 [RFC4595]", "HMAC_SHA1_160 [RFC4595]",
	"HMAC_SHA2_256_128 [RFC4868]", "HMAC_SHA2_384_192 [RFC4868]",
	"HMAC_SHA2_512_256 [RFC4868]",
};

Test(keystore, export_names_are_wiresharks_uat_strings_exactly)
{
	size_t i, j;

	for (i = 0; i < sizeof(ws_encr) / sizeof(ws_encr[0]); i++) {
		bool aead = strstr(ws_encr[i], "ICV") != NULL;

		for (j = 0; j < sizeof(ws_integ) / sizeof(ws_integ[0]); j++) {
			const char *in = aead ? "NONE [RFC4306]" : ws_integ[j];
			struct sk_suite s;
			bool esn;

			cr_assert(keystore_map_alg(ws_encr[i], in, 0, &s, &esn),
			    "%s / %s", ws_encr[i], in);
			cr_expect_str_eq(keystore_ws_ikev2_encr(&s),
			    ws_encr[i]);
			cr_expect_str_eq(keystore_ws_ikev2_integ(&s), in);
		}
	}
}

static size_t
export_count(const struct keystore *ks, struct keytab **out)
{
	size_t n = 0, skipped = 0;

	*out = keytab_new();
	cr_assert_eq(keystore_export_verified_ike(ks, *out, &n, &skipped),
	    RC_OK);
	cr_expect_eq(skipped, 0);
	cr_expect_eq(keytab_ike_count(*out), n);
	return n;
}

Test(keystore, only_keys_that_verified_a_message_are_exported)
{
	struct keystore_load st, st2;
	struct keystore *ks, *back;
	struct keytab *t, *reread;
	const struct keystore_ike *k, *b;
	uint8_t spi_i[8], spi_r[8];
	struct buf text;

	ks = load(export_rows, KEYTAB_WS_IKEV2, &st);
	cr_assert_eq(st.ike_added, 3);
	cr_expect_eq(export_count(ks, &t), 0, "rows with SPIs are not yet "
	    "verified");
	keytab_free(t);
	memcpy(spi_i, "\x41\x02\x03\x04\x05\x06\x07\x08", 8);
	memcpy(spi_r, "\x51\x12\x13\x14\x15\x16\x17\x18", 8);
	k = keystore_find_ike(ks, spi_i, spi_r);
	cr_assert_not_null(k);
	cr_expect(!k->verified_i && !k->verified_r);
	keystore_ike_note_verified(ks, k, false);
	cr_assert_eq(export_count(ks, &t), 1);
	cr_expect_str_eq(keytab_ike_at(t, 0)->encr, "3DES [RFC2451]");
	cr_expect_str_eq(keytab_ike_at(t, 0)->integ,
	    "HMAC_SHA1_160 [RFC4595]");
	/* round trip: written, re-read as a key table, same keys */
	buf_init(&text, 1 << 16);
	cr_assert_eq(keytab_write_ws_ikev2(t, &text), RC_OK);
	reread = keytab_new();
	cr_assert_eq(keytab_parse(reread, KEYTAB_AUTO, "export", text.data,
	    text.len), RC_OK, "%s", keytab_errmsg(reread));
	back = keystore_new();
	cr_assert_eq(keystore_add_keytab(back, reread, &st2), RC_OK);
	cr_assert_eq(st2.ike_added, 1, "%s", st2.first_skip);
	b = keystore_find_ike(back, spi_i, spi_r);
	cr_assert_not_null(b);
	cr_expect_eq(memcmp(&b->suite, &k->suite, sizeof(b->suite)), 0);
	cr_expect(secret_equal(b->sk_ei, k->sk_ei));
	cr_expect(secret_equal(b->sk_er, k->sk_er));
	cr_expect(secret_equal(b->sk_ai, k->sk_ai));
	cr_expect(secret_equal(b->sk_ar, k->sk_ar));
	buf_fini(&text);
	keytab_free(reread);
	keytab_free(t);
	keystore_free(back);
	keystore_free(ks);
}

Test(keystore, no_checking_integrity_never_counts_as_verified)
{
	static const char row[] =
	    "0102030405060708,1112131415161718,"
	    "000102030405060708090a0b0c0d0e0f,"
	    "101112131415161718191a1b1c1d1e1f,\"AES-CBC-128 [RFC3602]\",,,"
	    "\"ANY 96-bits of Authentication [No Checking]\"\n";
	struct keystore_load st;
	struct keystore *ks = load(row, KEYTAB_WS_IKEV2, &st);
	const struct keystore_ike *k;
	struct keytab *t;

	cr_assert_eq(st.ike_added, 1, "%s", st.first_skip);
	k = keystore_find_ike(ks, (const uint8_t *)"\x01\x02\x03\x04\x05\x06"
	    "\x07\x08", (const uint8_t *)"\x11\x12\x13\x14\x15\x16\x17\x18");
	cr_assert_not_null(k);
	keystore_ike_note_verified(ks, k, true);
	cr_expect_eq(export_count(ks, &t), 0, "decrypting without an ICV "
	    "check proves nothing about the keys");
	keytab_free(t);
	keystore_free(ks);
}

/* ESP: only SAs whose keys verified a packet go out, and the protocol
 * field is the one Wireshark accepts (IPv4 or IPv6, never "*"): from the
 * row's destination, else from the verified packet. */
Test(keystore, only_esp_keys_that_verified_a_packet_are_exported)
{
	static const char rows[] =
	    "\"IPv4\",\"*\",\"*\",\"0x00001001\",\"AES-CBC [RFC3602]\","
	    "\"0x000102030405060708090a0b0c0d0e0f\","
	    "\"HMAC-SHA-1-96 [RFC2404]\","
	    "\"0x000102030405060708090a0b0c0d0e0f10111213\"\n"
	    "\"IPv6\",\"*\",\"*\",\"0x00001002\",\"AES-CBC [RFC3602]\","
	    "\"0x101112131415161718191a1b1c1d1e1f\","
	    "\"HMAC-SHA-1-96 [RFC2404]\","
	    "\"0x101112131415161718191a1b1c1d1e1f20212223\"\n";
	struct keystore_load st;
	struct keystore *ks = load(rows, KEYTAB_WS_ESP, &st);
	const struct keystore_esp *k;
	struct keytab *t = keytab_new();
	struct buf text;
	size_t n, skipped;

	cr_assert_eq(st.esp_added, 2, "%s", st.first_skip);
	cr_assert_eq(keystore_export_verified_esp(ks, t, &n, &skipped),
	    RC_OK);
	cr_expect_eq(n, 0, "nothing verified yet");
	k = keystore_find_esp(ks, 0x1002, 0, NULL);
	cr_assert_not_null(k);
	keystore_esp_note_verified(ks, k, 6);
	cr_assert_eq(keystore_export_verified_esp(ks, t, &n, &skipped),
	    RC_OK);
	cr_assert_eq(n, 1);
	cr_expect_eq(skipped, 0);
	cr_expect_eq(keytab_esp_at(t, 0)->spi, 0x1002);
	cr_expect_str_eq(keytab_esp_at(t, 0)->proto, "IPv6");
	buf_init(&text, 1 << 16);
	cr_assert_eq(keytab_write_ws_esp(t, &text), RC_OK);
	static const char want[] = "\"IPv6\",\"*\",\"*\",\"0x00001002\"";
	static const char star[] = "\"*\",\"*\",\"*\"";
	cr_expect(memmem(text.data, text.len, want, sizeof(want) - 1) != NULL);
	cr_expect(memmem(text.data, text.len, star, sizeof(star) - 1) == NULL,
	    "never a \"*\" protocol");
	explicit_bzero(text.data, text.cap);
	buf_fini(&text);
	keytab_free(t);
	keystore_free(ks);
}
