/*
 * IKEv2 decoder tests on hand-made messages: every payload type decodes,
 * and mutation tests (iked's regress/parser idea): every truncation and
 * corrupted length field gives an error, never a crash or an over-read
 * (run under ASan in the sanitizer build).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/ikev2_decode.h"
#include "formats/buf.h"

static struct ikev2_msg msg;

/* Appends a generic payload header + body. */
static void
pl(struct buf *b, uint8_t next, const void *body, size_t len)
{
	cr_assert_eq(buf_put_u8(b, next), RC_OK);
	cr_assert_eq(buf_put_u8(b, 0), RC_OK);
	cr_assert_eq(buf_put_be16(b, (uint16_t)(len + 4)), RC_OK);
	cr_assert_eq(buf_append(b, body, len), RC_OK);
}

static void
hdr(struct buf *b, uint8_t first, uint8_t exch, uint8_t flags,
    uint32_t msgid)
{
	static const uint8_t spi_i[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	static const uint8_t spi_r[8] = {0};

	cr_assert_eq(buf_append(b, spi_i, 8), RC_OK);
	cr_assert_eq(buf_append(b, spi_r, 8), RC_OK);
	cr_assert_eq(buf_put_u8(b, first), RC_OK);
	cr_assert_eq(buf_put_u8(b, 0x20), RC_OK);
	cr_assert_eq(buf_put_u8(b, exch), RC_OK);
	cr_assert_eq(buf_put_u8(b, flags), RC_OK);
	cr_assert_eq(buf_put_be32(b, msgid), RC_OK);
	cr_assert_eq(buf_put_be32(b, 0), RC_OK); /* length, fixed below */
}

static void
fix_len(struct buf *b)
{
	b->data[24] = (uint8_t)(b->len >> 24);
	b->data[25] = (uint8_t)(b->len >> 16);
	b->data[26] = (uint8_t)(b->len >> 8);
	b->data[27] = (uint8_t)b->len;
}

/* SA with one IKE proposal: AES_CBC/256, HMAC_SHA2_256_128,
 * PRF_HMAC_SHA2_256, MODP_2048. */
static const uint8_t sa_body[] = {
	0x00, 0x00, 0x00, 0x2c, 0x01, 0x01, 0x00, 0x04, /* proposal */
	0x03, 0x00, 0x00, 0x0c, 0x01, 0x00, 0x00, 0x0c, 0x80, 0x0e, 0x01,
	0x00,                                           /* ENCR AES_CBC 256 */
	0x03, 0x00, 0x00, 0x08, 0x03, 0x00, 0x00, 0x0c, /* INTEG 12 */
	0x03, 0x00, 0x00, 0x08, 0x02, 0x00, 0x00, 0x05, /* PRF 5 */
	0x00, 0x00, 0x00, 0x08, 0x04, 0x00, 0x00, 0x0e, /* KE 14 */
};

/* An IKE_SA_INIT request: SA KE Ni N(NAT_D_SRC) N(FRAG_SUPPORTED) V. */
static void
build_init(struct buf *b)
{
	uint8_t ke[4 + 256] = {0x00, 0x0e, 0, 0};
	uint8_t nonce[32];
	uint8_t natd[4 + 20] = {0, 0, 0x40, 0x04};
	uint8_t frag[4] = {0, 0, 0x40, 0x2e};
	uint8_t vid[16] = {0x88, 0x2f, 0xe5, 0x6d};

	memset(nonce, 0xab, sizeof(nonce));
	hdr(b, IKEV2_PT_SA, IKEV2_EXCH_IKE_SA_INIT, IKEV2_FLAG_INITIATOR, 0);
	pl(b, IKEV2_PT_KE, sa_body, sizeof(sa_body));
	pl(b, IKEV2_PT_NONCE, ke, sizeof(ke));
	pl(b, IKEV2_PT_NOTIFY, nonce, sizeof(nonce));
	pl(b, IKEV2_PT_NOTIFY, natd, sizeof(natd));
	pl(b, IKEV2_PT_VENDOR, frag, sizeof(frag));
	pl(b, IKEV2_PT_NONE, vid, sizeof(vid));
	fix_len(b);
}

Test(ikev2_decode, decodes_an_ike_sa_init_request)
{
	struct buf b;
	char chain[256];

	buf_init(&b, 4096);
	build_init(&b);
	cr_assert_eq(ikev2_decode(b.data, b.len, &msg), RC_OK, "%s",
	    msg.err_text);
	cr_expect_eq(msg.hdr.exchange, IKEV2_EXCH_IKE_SA_INIT);
	cr_expect_eq(msg.n_pl, 6);
	cr_expect(msg.has_sa);
	cr_assert_eq(msg.n_prop, 1);
	cr_expect_eq(msg.prop[0].n_transforms, 4);
	cr_expect_eq(msg.prop[0].xf[0].id, IKEV2_ENCR_AES_CBC);
	cr_expect_eq(msg.prop[0].xf[0].key_bits, 256);
	cr_expect_eq(msg.ke_group, 14);
	cr_expect_eq(msg.ke_len, 256);
	cr_expect_eq(msg.nonce_len, 32);
	cr_expect_eq(msg.n_notify, 2);
	cr_expect_eq(msg.notify[0].type, IKEV2_N_NAT_DETECTION_SOURCE_IP);
	cr_expect(!msg.notify[0].data_bad);
	cr_expect_eq(msg.n_vendor, 1);
	ikev2_msg_chain_text(&msg, chain, sizeof(chain));
	cr_expect_str_eq(chain, "SA KE Ni N(NAT_DETECTION_SOURCE_IP) "
	    "N(IKEV2_FRAGMENTATION_SUPPORTED) V");
	buf_fini(&b);
}

Test(ikev2_decode, reads_invalid_ke_group_and_ms_status)
{
	struct buf b;
	uint8_t inv_ke[6] = {0, 0, 0, 17, 0x00, 0x13};
	uint8_t ms[8] = {0, 0, 0x30, 0x39, 0, 0, 0x35, 0xee};

	buf_init(&b, 4096);
	hdr(&b, IKEV2_PT_NOTIFY, IKEV2_EXCH_IKE_SA_INIT, IKEV2_FLAG_RESPONSE,
	    0);
	pl(&b, IKEV2_PT_NOTIFY, inv_ke, sizeof(inv_ke));
	pl(&b, IKEV2_PT_NONE, ms, sizeof(ms));
	fix_len(&b);
	cr_assert_eq(ikev2_decode(b.data, b.len, &msg), RC_OK);
	cr_expect_eq(msg.notify[0].value, 19, "requested group ECP_256");
	cr_expect(msg.notify[0].has_value);
	cr_expect_eq(msg.notify[1].type, IKEV2_N_MS_STATUS);
	cr_expect_eq(msg.notify[1].value, 13806, "ERROR_IPSEC_IKE_NO_CERT");
	cr_expect_eq(ikev2_msg_error_notify(&msg)->type,
	    IKEV2_N_INVALID_KE_PAYLOAD);
	buf_fini(&b);
}

Test(ikev2_decode, decodes_ids_auth_ts_certreq_cp_eap_delete)
{
	struct buf b;
	uint8_t idi[4 + 11] = {IKEV2_ID_FQDN, 0, 0, 0, 'v', 'p', 'n', '.',
	    'e', 'x', 'a', 'm', 'p', 'l', 'e'};
	uint8_t auth[4 + 32] = {2};
	uint8_t certreq[1 + 40] = {4};
	uint8_t ts[4 + 16] = {1, 0, 0, 0, 7, 0, 0, 16, 0, 0, 0xff, 0xff, 10,
	    0, 0, 0, 10, 0, 0xff, 0xff};
	uint8_t cp[4 + 4] = {1, 0, 0, 0, 0, 1, 0, 0};
	uint8_t eap[5] = {1, 7, 0, 5, 1};
	uint8_t del[4 + 8] = {3, 4, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8};

	buf_init(&b, 4096);
	hdr(&b, IKEV2_PT_IDI, IKEV2_EXCH_IKE_AUTH, IKEV2_FLAG_INITIATOR, 1);
	pl(&b, IKEV2_PT_AUTH, idi, sizeof(idi));
	pl(&b, IKEV2_PT_CERTREQ, auth, sizeof(auth));
	pl(&b, IKEV2_PT_TSI, certreq, sizeof(certreq));
	pl(&b, IKEV2_PT_TSR, ts, sizeof(ts));
	pl(&b, IKEV2_PT_CP, ts, sizeof(ts));
	pl(&b, IKEV2_PT_EAP, cp, sizeof(cp));
	pl(&b, IKEV2_PT_DELETE, eap, sizeof(eap));
	pl(&b, IKEV2_PT_NONE, del, sizeof(del));
	fix_len(&b);
	cr_assert_eq(ikev2_decode(b.data, b.len, &msg), RC_OK, "%s",
	    msg.err_text);
	cr_expect(msg.idi.present);
	cr_expect_eq(msg.idi.type, IKEV2_ID_FQDN);
	cr_expect_eq(rd_left(&msg.idi.data), 11);
	cr_expect_eq(msg.auth_method, 2);
	cr_expect_eq(msg.auth_len, 32);
	cr_expect_eq(msg.n_ca_hashes, 2);
	cr_expect_eq(msg.n_tsi, 1);
	cr_expect_eq(msg.tsi[0].addr_len, 4);
	cr_expect_eq(msg.tsi[0].end[1], 0);
	cr_expect_eq(msg.tsi[0].end_port, 0xffff);
	cr_expect(msg.has_cp);
	cr_expect_eq(msg.cp_n_attr, 1);
	cr_expect(msg.has_eap);
	cr_expect_eq(msg.eap_type, 1);
	cr_expect_eq(msg.n_delete, 1);
	cr_expect_eq(msg.del_n_spi, 2);
	buf_fini(&b);
}

Test(ikev2_decode, keeps_sk_opaque_and_names_its_first_inner_payload)
{
	struct buf b;
	uint8_t sk[16 + 32 + 16] = {0};
	uint8_t skf[4 + 40] = {0, 2, 0, 3};

	buf_init(&b, 4096);
	hdr(&b, IKEV2_PT_SK, IKEV2_EXCH_IKE_AUTH, IKEV2_FLAG_RESPONSE, 1);
	pl(&b, IKEV2_PT_IDR, sk, sizeof(sk));
	fix_len(&b);
	cr_assert_eq(ikev2_decode(b.data, b.len, &msg), RC_OK);
	cr_expect(msg.has_sk);
	cr_expect_eq(msg.sk_inner, IKEV2_PT_IDR);
	cr_expect_eq(msg.sk_offset, 28);
	cr_expect_eq(msg.sk_len, sizeof(sk) + 4);
	buf_reset(&b);
	hdr(&b, IKEV2_PT_SKF, IKEV2_EXCH_IKE_AUTH, IKEV2_FLAG_INITIATOR, 1);
	pl(&b, IKEV2_PT_NONE, skf, sizeof(skf));
	fix_len(&b);
	cr_assert_eq(ikev2_decode(b.data, b.len, &msg), RC_OK);
	cr_expect(msg.is_skf);
	cr_expect_eq(msg.skf_number, 2);
	cr_expect_eq(msg.skf_total, 3);
	buf_fini(&b);
}

Test(ikev2_decode, unknown_payloads_are_kept_and_critical_noted)
{
	struct buf b;
	uint8_t body[6] = {0};

	buf_init(&b, 4096);
	hdr(&b, 200, IKEV2_EXCH_INFORMATIONAL, 0, 2);
	cr_assert_eq(buf_put_u8(&b, 0), RC_OK);
	cr_assert_eq(buf_put_u8(&b, 0x80), RC_OK); /* critical */
	cr_assert_eq(buf_put_be16(&b, 10), RC_OK);
	cr_assert_eq(buf_append(&b, body, sizeof(body)), RC_OK);
	fix_len(&b);
	cr_assert_eq(ikev2_decode(b.data, b.len, &msg), RC_OK);
	cr_expect_eq(msg.n_unknown, 1);
	cr_expect(msg.unknown_critical);
	cr_expect(msg.pl[0].critical);
	buf_fini(&b);
}

Test(ikev2_decode, ikev1_header_is_not_read_as_ikev2)
{
	struct buf b;

	buf_init(&b, 4096);
	build_init(&b);
	b.data[17] = 0x10;
	cr_expect_eq(ikev2_decode(b.data, b.len, &msg), RC_FORMAT);
	cr_expect_eq(ike_major_version(b.data, b.len), 1);
	buf_fini(&b);
}

Test(ikev2_decode, length_below_header_is_malformed)
{
	struct buf b;

	buf_init(&b, 4096);
	build_init(&b);
	b.data[27] = 20;
	b.data[26] = 0;
	cr_expect_eq(ikev2_decode(b.data, b.len, &msg), RC_MALFORMED);
	cr_expect_str_eq(msg.err_text, "IKE length 20 < header size 28");
	buf_fini(&b);
}

Test(ikev2_decode, proposal_length_lie_names_both_numbers)
{
	struct buf b;

	buf_init(&b, 4096);
	build_init(&b);
	/* proposal length (SA body bytes 2..3) below its header */
	b.data[28 + 4 + 3] = 6;
	cr_expect_eq(ikev2_decode(b.data, b.len, &msg), RC_MALFORMED);
	cr_expect_str_eq(msg.err_text, "SA proposal length 6 < 8");
	cr_expect_eq(msg.err_off, 32);
	buf_fini(&b);
}

/* Every prefix of a valid message: an error or OK, never a crash, and
 * the decoder never claims more payloads than fit. */
Test(ikev2_decode, every_truncation_is_an_error_not_a_crash)
{
	struct buf b;
	size_t n;

	buf_init(&b, 4096);
	build_init(&b);
	for (n = 0; n < b.len; n++) {
		uint8_t *copy = malloc(n ? n : 1);
		enum rc rc;

		memcpy(copy, b.data, n);
		rc = ikev2_decode(copy, n, &msg);
		cr_expect(rc == RC_SHORT || rc == RC_MALFORMED,
		    "truncated to %zu gave %s", n, rc_name(rc));
		free(copy);
	}
	buf_fini(&b);
}

/* Each byte of the message set to a few values that break length
 * fields: never a crash; the walk stays inside the buffer. */
Test(ikev2_decode, corrupted_bytes_never_crash)
{
	static const uint8_t values[] = {0x00, 0x01, 0x03, 0x04, 0x7f, 0x80,
	    0xfe, 0xff};
	struct buf b;
	size_t i, v;

	buf_init(&b, 4096);
	build_init(&b);
	for (i = 0; i < b.len; i++)
		for (v = 0; v < sizeof(values); v++) {
			uint8_t *copy = malloc(b.len);
			enum rc rc;

			memcpy(copy, b.data, b.len);
			copy[i] = values[v];
			rc = ikev2_decode(copy, b.len, &msg);
			cr_expect(rc == RC_OK || rc == RC_SHORT ||
			    rc == RC_MALFORMED || rc == RC_FORMAT);
			cr_expect(msg.n_pl <= LIMIT_IKE_PAYLOADS);
			if (rc != RC_OK)
				cr_expect(msg.err_text[0] != '\0');
			free(copy);
		}
	buf_fini(&b);
}
