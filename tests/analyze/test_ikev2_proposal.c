/*
 * Tests for analyze/ikev2_proposal: strongSwan-style and admin (Azure)
 * text, admin name parsing (seed 004 tables), named suites (RFC 4308,
 * RFC 6379), selection (RFC 7296 3.3.6) and the NO_PROPOSAL_CHOSEN
 * explanation.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "analyze/ikev2_proposal.h"
#include "analyze/ikev2_registry.h"

/* Builds a proposal from (type, id, bits) triples ending in type 0. */
static struct ikev2_proposal
mk(uint8_t num, uint8_t proto, const uint16_t *spec)
{
	struct ikev2_proposal p;

	memset(&p, 0, sizeof(p));
	p.num = num;
	p.protocol = proto;
	for (; spec[0] != 0; spec += 3)
		cr_assert_eq(ikev2_proposal_add(&p, (uint8_t)spec[0], spec[1],
		    spec[2]), RC_OK);
	return p;
}

static const uint16_t ike_aes256_sha256_modp2048[] = {
	IKEV2_TT_KE, IKEV2_KE_MODP_2048, 0,
	IKEV2_TT_PRF, IKEV2_PRF_HMAC_SHA2_256, 0,
	IKEV2_TT_ENCR, IKEV2_ENCR_AES_CBC, 256,
	IKEV2_TT_INTEG, IKEV2_INTEG_HMAC_SHA2_256_128, 0,
	0};
static const uint16_t esp_gcm256_pfs2048[] = {
	IKEV2_TT_ENCR, IKEV2_ENCR_AES_GCM_16, 256,
	IKEV2_TT_KE, IKEV2_KE_MODP_2048, 0,
	IKEV2_TT_ESN, IKEV2_ESN_NO_EXT_SEQ, 0,
	0};

Test(ikev2_proposal, text_groups_types_like_strongswan)
{
	struct ikev2_proposal p = mk(1, IKEV2_PROTO_IKE,
	    ike_aes256_sha256_modp2048);
	char buf[128];
	size_t n;

	n = ikev2_proposal_text(&p, buf, sizeof(buf));
	cr_expect_str_eq(buf, "IKE:AES_CBC_256/HMAC_SHA2_256_128/"
	    "PRF_HMAC_SHA2_256/MODP_2048");
	cr_expect_eq(n, strlen(buf));
	p = mk(1, IKEV2_PROTO_ESP, esp_gcm256_pfs2048);
	ikev2_proposal_text(&p, buf, sizeof(buf));
	cr_expect_str_eq(buf, "ESP:AES_GCM_16_256/MODP_2048/NO_EXT_SEQ");
}

Test(ikev2_proposal, text_truncates_but_reports_the_full_length)
{
	struct ikev2_proposal p = mk(1, IKEV2_PROTO_IKE,
	    ike_aes256_sha256_modp2048);
	char small[10];
	size_t n;

	n = ikev2_proposal_text(&p, small, sizeof(small));
	cr_expect_eq(n, strlen("IKE:AES_CBC_256/HMAC_SHA2_256_128/"
	    "PRF_HMAC_SHA2_256/MODP_2048"));
	cr_expect_str_eq(small, "IKE:AES_C");
	cr_expect_eq(ikev2_proposal_text(&p, NULL, 0), n);
}

Test(ikev2_proposal, unknown_transforms_print_their_numbers)
{
	static const uint16_t spec[] = {
		IKEV2_TT_ENCR, 1025, 128, IKEV2_TT_PRF, 99, 0,
		IKEV2_TT_KWA, 3, 0, IKEV2_TT_ADDKE1, IKEV2_KE_ML_KEM_768, 0,
		0};
	struct ikev2_proposal p = mk(1, 77, spec);
	char buf[128];

	ikev2_proposal_text(&p, buf, sizeof(buf));
	cr_expect_str_eq(buf, "PROTO77:ENCR_1025_128/PRF_99/"
	    "ADDKE1_ML_KEM_768/TRANSFORM13_3");
}

Test(ikev2_proposal, admin_text_uses_azure_names)
{
	struct ikev2_proposal p = mk(1, IKEV2_PROTO_IKE,
	    ike_aes256_sha256_modp2048);
	static const uint16_t esp_nopfs[] = {
		IKEV2_TT_ENCR, IKEV2_ENCR_AES_CBC, 128,
		IKEV2_TT_INTEG, IKEV2_INTEG_HMAC_SHA1_96, 0,
		IKEV2_TT_ESN, IKEV2_ESN_NO_EXT_SEQ, 0, 0};
	static const uint16_t ike_gcm_alts[] = {
		IKEV2_TT_ENCR, IKEV2_ENCR_AES_GCM_16, 256,
		IKEV2_TT_ENCR, IKEV2_ENCR_AES_CTR, 128,
		IKEV2_TT_PRF, IKEV2_PRF_HMAC_SHA2_384, 0,
		IKEV2_TT_KE, IKEV2_KE_ECP_384, 0,
		IKEV2_TT_KE, IKEV2_KE_CURVE_25519, 0, 0};
	char buf[128];

	ikev2_proposal_admin_text(&p, buf, sizeof(buf));
	cr_expect_str_eq(buf, "AES256/SHA256/DHGroup14");
	p = mk(1, IKEV2_PROTO_ESP, esp_gcm256_pfs2048);
	ikev2_proposal_admin_text(&p, buf, sizeof(buf));
	cr_expect_str_eq(buf, "GCMAES256/GCMAES256/PFS2048");
	p = mk(1, IKEV2_PROTO_ESP, esp_nopfs);
	ikev2_proposal_admin_text(&p, buf, sizeof(buf));
	cr_expect_str_eq(buf, "AES128/SHA1/None");
	/* No Azure name: IANA (strongSwan) name; AEAD IKE: PRF hash. */
	p = mk(1, IKEV2_PROTO_IKE, ike_gcm_alts);
	ikev2_proposal_admin_text(&p, buf, sizeof(buf));
	cr_expect_str_eq(buf, "GCMAES256,AES_CTR_128/SHA384/"
	    "ECP384,CURVE_25519");
}

Test(ikev2_proposal, admin_names_parse_back_including_aliases_and_typo)
{
	struct ikev2_transform xf;

	cr_assert_eq(ikev2_admin_name_parse("aes256", IKEV2_ADMIN_IKE_ENCR,
	    &xf), RC_OK);
	cr_expect(xf.type == IKEV2_TT_ENCR && xf.id == IKEV2_ENCR_AES_CBC &&
	    xf.key_bits == 256);
	cr_assert_eq(ikev2_admin_name_parse("DHGroup2048",
	    IKEV2_ADMIN_DH_GROUP, &xf), RC_OK);
	cr_expect(xf.type == IKEV2_TT_KE && xf.id == IKEV2_KE_MODP_2048);
	cr_assert_eq(ikev2_admin_name_parse("DHGroup24",
	    IKEV2_ADMIN_DH_GROUP, &xf), RC_OK);
	cr_expect_eq(xf.id, 24);
	cr_assert_eq(ikev2_admin_name_parse("GCMASE256",
	    IKEV2_ADMIN_IPSEC_INTEG, &xf), RC_OK);
	cr_expect(xf.type == IKEV2_TT_ENCR && xf.id == IKEV2_ENCR_AES_GCM_16 &&
	    xf.key_bits == 256);
	cr_assert_eq(ikev2_admin_name_parse("PFS14", IKEV2_ADMIN_PFS_GROUP,
	    &xf), RC_OK);
	cr_expect_eq(xf.id, 14);
	cr_assert_eq(ikev2_admin_name_parse("None", IKEV2_ADMIN_PFS_GROUP,
	    &xf), RC_OK);
	cr_expect(xf.type == IKEV2_TT_KE && xf.id == 0);
	cr_assert_eq(ikev2_admin_name_parse("None", IKEV2_ADMIN_IPSEC_ENCR,
	    &xf), RC_OK);
	cr_expect_eq(xf.id, IKEV2_ENCR_NULL);
	cr_assert_eq(ikev2_admin_name_parse("SHA384", IKEV2_ADMIN_IKE_PRF,
	    &xf), RC_OK);
	cr_expect(xf.type == IKEV2_TT_PRF && xf.id == IKEV2_PRF_HMAC_SHA2_384);
	/* Wrong slot or unknown name. */
	cr_expect_eq(ikev2_admin_name_parse("PFS2048", IKEV2_ADMIN_DH_GROUP,
	    &xf), RC_NOTFOUND);
	cr_expect_eq(ikev2_admin_name_parse("SHA384", IKEV2_ADMIN_IPSEC_INTEG,
	    &xf), RC_NOTFOUND);
	cr_expect_eq(ikev2_admin_name_parse(NULL, IKEV2_ADMIN_DH_GROUP, &xf),
	    RC_INVAL);
	cr_expect_eq(ikev2_admin_name_parse("AES256", IKEV2_ADMIN__COUNT,
	    &xf), RC_INVAL);
}

/* Every name in the seed's "Algorithms and keys" table parses. */
Test(ikev2_proposal, every_seed_table_name_parses_in_its_slot)
{
	static const struct {
		enum ikev2_admin_slot slot;
		const char *names;
	} rows[] = {
		{IKEV2_ADMIN_IKE_ENCR, "AES256 AES192 AES128 DES3 DES"},
		{IKEV2_ADMIN_IKE_INTEG, "SHA384 SHA256 SHA1 MD5"},
		{IKEV2_ADMIN_DH_GROUP, "DHGroup24 ECP384 ECP256 DHGroup14 "
		    "DHGroup2048 DHGroup2 DHGroup1 None"},
		{IKEV2_ADMIN_IPSEC_ENCR, "GCMAES256 GCMAES192 GCMAES128 AES256 "
		    "AES192 AES128 DES3 DES None"},
		{IKEV2_ADMIN_IPSEC_INTEG, "GCMASE256 GCMAES192 GCMAES128 "
		    "SHA256 SHA1 MD5"},
		{IKEV2_ADMIN_PFS_GROUP, "PFS24 ECP384 ECP256 PFS2048 PFS2 PFS1 "
		    "None"},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char copy[128], *save = NULL;

		strncpy(copy, rows[i].names, sizeof(copy) - 1);
		copy[sizeof(copy) - 1] = '\0';
		for (char *w = strtok_r(copy, " ", &save); w != NULL;
		    w = strtok_r(NULL, " ", &save)) {
			struct ikev2_transform xf;

			cr_expect_eq(ikev2_admin_name_parse(w, rows[i].slot,
			    &xf), RC_OK, "%s in slot %d", w, rows[i].slot);
		}
	}
}

/* Primary names round-trip: parse, then name the transform again. */
Test(ikev2_proposal, admin_names_round_trip)
{
	static const char *const dh[] = {"DHGroup24", "ECP384", "ECP256",
	    "DHGroup14", "DHGroup2", "DHGroup1", "None"};
	struct ikev2_transform xf;

	for (size_t i = 0; i < sizeof(dh) / sizeof(dh[0]); i++) {
		cr_assert_eq(ikev2_admin_name_parse(dh[i], IKEV2_ADMIN_DH_GROUP,
		    &xf), RC_OK);
		cr_expect_str_eq(ikev2_admin_name(IKEV2_ADMIN_DH_GROUP, &xf),
		    dh[i]);
	}
	cr_assert_eq(ikev2_admin_name_parse("DHGroup2048",
	    IKEV2_ADMIN_DH_GROUP, &xf), RC_OK);
	cr_expect_str_eq(ikev2_admin_name(IKEV2_ADMIN_DH_GROUP, &xf),
	    "DHGroup14", "aliases render as the primary name");
	xf = (struct ikev2_transform){IKEV2_TT_KE, IKEV2_KE_CURVE_448, 0};
	cr_expect_null(ikev2_admin_name(IKEV2_ADMIN_DH_GROUP, &xf));
}

Test(ikev2_proposal, suite_b_proposals_are_named)
{
	static const uint16_t gcm128[] = {
		IKEV2_TT_ENCR, IKEV2_ENCR_AES_GCM_16, 128,
		IKEV2_TT_KE, IKEV2_KE_ECP_256, 0,
		IKEV2_TT_ESN, IKEV2_ESN_NO_EXT_SEQ, 0, 0};
	static const uint16_t gmac256[] = {
		IKEV2_TT_ENCR, IKEV2_ENCR_NULL_AUTH_AES_GMAC, 256, 0};
	static const uint16_t ike256[] = {
		IKEV2_TT_ENCR, IKEV2_ENCR_AES_CBC, 256,
		IKEV2_TT_PRF, IKEV2_PRF_HMAC_SHA2_384, 0,
		IKEV2_TT_INTEG, IKEV2_INTEG_HMAC_SHA2_384_192, 0,
		IKEV2_TT_KE, IKEV2_KE_ECP_384, 0, 0};
	static const uint16_t ike256_extra[] = {
		IKEV2_TT_ENCR, IKEV2_ENCR_AES_CBC, 256,
		IKEV2_TT_PRF, IKEV2_PRF_HMAC_SHA2_384, 0,
		IKEV2_TT_INTEG, IKEV2_INTEG_HMAC_SHA2_384_192, 0,
		IKEV2_TT_KE, IKEV2_KE_ECP_384, 0,
		IKEV2_TT_KE, IKEV2_KE_MODP_2048, 0, 0};
	static const uint16_t vpn_a[] = {
		IKEV2_TT_ENCR, IKEV2_ENCR_3DES, 0,
		IKEV2_TT_INTEG, IKEV2_INTEG_HMAC_SHA1_96, 0,
		IKEV2_TT_ESN, IKEV2_ESN_NO_EXT_SEQ, 0, 0};
	struct ikev2_proposal p;

	p = mk(1, IKEV2_PROTO_ESP, gcm128);
	cr_expect_str_eq(ikev2_suite_b_name(&p), "Suite-B-GCM-128");
	p = mk(1, IKEV2_PROTO_ESP, gmac256);
	cr_expect_str_eq(ikev2_suite_b_name(&p), "Suite-B-GMAC-256");
	p = mk(1, IKEV2_PROTO_IKE, ike256);
	cr_expect_str_eq(ikev2_suite_b_name(&p),
	    "Suite-B-GCM-256/GMAC-256 (IKE)");
	p = mk(1, IKEV2_PROTO_IKE, ike256_extra);
	cr_expect_null(ikev2_suite_b_name(&p), "an extra group is no suite");
	p = mk(1, IKEV2_PROTO_IKE, ike_aes256_sha256_modp2048);
	cr_expect_null(ikev2_suite_b_name(&p));
	p = mk(1, IKEV2_PROTO_ESP, vpn_a);
	cr_expect_null(ikev2_suite_b_name(&p));
	cr_expect_str_eq(ikev2_suite_name(&p), "VPN-A");
	cr_expect_null(ikev2_suite_b_name(NULL));
}

Test(ikev2_proposal, intersect_picks_initiator_order_and_match_accepts_it)
{
	static const uint16_t offer_spec[] = {
		IKEV2_TT_ENCR, IKEV2_ENCR_AES_GCM_16, 256,
		IKEV2_TT_ENCR, IKEV2_ENCR_AES_GCM_16, 128,
		IKEV2_TT_KE, IKEV2_KE_ECP_256, 0,
		IKEV2_TT_KE, IKEV2_KE_NONE, 0,
		IKEV2_TT_ESN, IKEV2_ESN_NO_EXT_SEQ, 0, 0};
	static const uint16_t local_spec[] = {
		IKEV2_TT_ENCR, IKEV2_ENCR_AES_GCM_16, 128,
		IKEV2_TT_ENCR, IKEV2_ENCR_AES_GCM_16, 256,
		IKEV2_TT_ESN, IKEV2_ESN_NO_EXT_SEQ, 0, 0};
	struct ikev2_proposal offer = mk(2, IKEV2_PROTO_ESP, offer_spec);
	struct ikev2_proposal local = mk(1, IKEV2_PROTO_ESP, local_spec);
	struct ikev2_proposal sel;
	char buf[128];

	cr_assert(ikev2_proposal_intersect(&offer, &local, &sel));
	ikev2_proposal_text(&sel, buf, sizeof(buf));
	cr_expect_str_eq(buf, "ESP:AES_GCM_16_256/NONE/NO_EXT_SEQ",
	    "initiator's first choice; the optional KE answered NONE");
	cr_expect_eq(sel.num, 2);
	cr_expect(ikev2_proposal_match(&offer, &sel));
	/* A chosen transform the offer lacks, or two of one type: invalid. */
	sel.xf[0].key_bits = 192;
	cr_expect_not(ikev2_proposal_match(&offer, &sel));
	sel.xf[0].key_bits = 256;
	cr_assert_eq(ikev2_proposal_add(&sel, IKEV2_TT_ENCR,
	    IKEV2_ENCR_AES_GCM_16, 128), RC_OK);
	cr_expect_not(ikev2_proposal_match(&offer, &sel));
	/* Omitting the ESN the offer requires: invalid. */
	sel = mk(2, IKEV2_PROTO_ESP, (const uint16_t[]){IKEV2_TT_ENCR,
	    IKEV2_ENCR_AES_GCM_16, 256, 0});
	cr_expect_not(ikev2_proposal_match(&offer, &sel));
	/* Omitting KE is fine: the offer listed NONE. */
	sel = mk(2, IKEV2_PROTO_ESP, (const uint16_t[]){IKEV2_TT_ENCR,
	    IKEV2_ENCR_AES_GCM_16, 256, IKEV2_TT_ESN, 0, 0, 0});
	cr_expect(ikev2_proposal_match(&offer, &sel));
	sel.protocol = IKEV2_PROTO_AH;
	cr_expect_not(ikev2_proposal_match(&offer, &sel));
}

Test(ikev2_proposal, a_3des_key_length_attribute_equals_none)
{
	struct ikev2_proposal a = mk(1, IKEV2_PROTO_ESP, (const uint16_t[]){
	    IKEV2_TT_ENCR, IKEV2_ENCR_3DES, 192, 0});
	struct ikev2_proposal b = mk(1, IKEV2_PROTO_ESP, (const uint16_t[]){
	    IKEV2_TT_ENCR, IKEV2_ENCR_3DES, 0, 0});

	cr_expect(ikev2_proposal_intersect(&a, &b, NULL));
}

Test(ikev2_proposal, select_returns_the_first_matching_offer)
{
	struct ikev2_proposal offers[2], accepts[1];
	struct ikev2_proposal sel;

	offers[0] = mk(1, IKEV2_PROTO_IKE, (const uint16_t[]){
	    IKEV2_TT_ENCR, IKEV2_ENCR_AES_CBC, 128,
	    IKEV2_TT_INTEG, IKEV2_INTEG_HMAC_SHA1_96, 0,
	    IKEV2_TT_PRF, IKEV2_PRF_HMAC_SHA1, 0,
	    IKEV2_TT_KE, IKEV2_KE_MODP_1024, 0, 0});
	offers[1] = mk(2, IKEV2_PROTO_IKE, ike_aes256_sha256_modp2048);
	accepts[0] = mk(1, IKEV2_PROTO_IKE, ike_aes256_sha256_modp2048);
	cr_expect_eq(ikev2_proposal_select(offers, 2, accepts, 1, &sel), 1);
	cr_expect_eq(sel.num, 2);
	cr_expect_eq(ikev2_proposal_select(offers, 1, accepts, 1, NULL), -1);
}

Test(ikev2_proposal, explain_names_each_type_without_common_ground)
{
	struct ikev2_proposal init[1], resp[1];
	char buf[512];
	size_t n;

	init[0] = mk(1, IKEV2_PROTO_ESP, (const uint16_t[]){
	    IKEV2_TT_ENCR, IKEV2_ENCR_AES_CBC, 128,
	    IKEV2_TT_INTEG, IKEV2_INTEG_HMAC_SHA2_256_128, 0,
	    IKEV2_TT_KE, IKEV2_KE_MODP_2048, 0,
	    IKEV2_TT_ESN, IKEV2_ESN_NO_EXT_SEQ, 0, 0});
	resp[0] = mk(1, IKEV2_PROTO_ESP, (const uint16_t[]){
	    IKEV2_TT_ENCR, IKEV2_ENCR_AES_GCM_16, 256,
	    IKEV2_TT_ESN, IKEV2_ESN_NO_EXT_SEQ, 0, 0});
	n = ikev2_proposal_explain(init, 1, resp, 1, buf, sizeof(buf));
	cr_expect_eq(n, strlen(buf));
	cr_expect_str_eq(buf,
	    "ENCR: initiator offered AES_CBC_128, responder accepts "
	    "AES_GCM_16_256\n"
	    "INTEG: initiator offered HMAC_SHA2_256_128, responder accepts "
	    "NONE\n"
	    "KE: initiator offered MODP_2048, responder accepts "
	    "NONE (no PFS)\n");
}

Test(ikev2_proposal, explain_lists_alternatives_across_proposals)
{
	struct ikev2_proposal init[2], resp[1];
	char buf[512];

	init[0] = mk(1, IKEV2_PROTO_IKE, (const uint16_t[]){
	    IKEV2_TT_ENCR, IKEV2_ENCR_AES_CBC, 256,
	    IKEV2_TT_INTEG, IKEV2_INTEG_HMAC_SHA2_256_128, 0,
	    IKEV2_TT_PRF, IKEV2_PRF_HMAC_SHA2_256, 0,
	    IKEV2_TT_KE, IKEV2_KE_MODP_2048, 0,
	    IKEV2_TT_KE, IKEV2_KE_MODP_1024, 0, 0});
	init[1] = mk(2, IKEV2_PROTO_IKE, (const uint16_t[]){
	    IKEV2_TT_ENCR, IKEV2_ENCR_AES_CBC, 128,
	    IKEV2_TT_INTEG, IKEV2_INTEG_HMAC_SHA2_256_128, 0,
	    IKEV2_TT_PRF, IKEV2_PRF_HMAC_SHA2_256, 0,
	    IKEV2_TT_KE, IKEV2_KE_MODP_2048, 0, 0});
	resp[0] = mk(1, IKEV2_PROTO_IKE, (const uint16_t[]){
	    IKEV2_TT_ENCR, IKEV2_ENCR_AES_CBC, 256,
	    IKEV2_TT_INTEG, IKEV2_INTEG_HMAC_SHA2_256_128, 0,
	    IKEV2_TT_PRF, IKEV2_PRF_HMAC_SHA2_256, 0,
	    IKEV2_TT_KE, IKEV2_KE_ECP_384, 0, 0});
	ikev2_proposal_explain(init, 2, resp, 1, buf, sizeof(buf));
	cr_expect_str_eq(buf, "KE: initiator offered MODP_2048 or MODP_1024, "
	    "responder accepts ECP_384\n");
}

Test(ikev2_proposal, explain_finds_the_closest_pair_when_types_all_meet)
{
	struct ikev2_proposal init[2], resp[2];
	char buf[512];

	/* Initiator: AES128+MODP2048 or AES256+ECP256; responder: the
	 * crosswise combinations. Each type meets, no pair does. */
	init[0] = mk(1, IKEV2_PROTO_ESP, (const uint16_t[]){
	    IKEV2_TT_ENCR, IKEV2_ENCR_AES_GCM_16, 128,
	    IKEV2_TT_KE, IKEV2_KE_MODP_2048, 0, 0});
	init[1] = mk(2, IKEV2_PROTO_ESP, (const uint16_t[]){
	    IKEV2_TT_ENCR, IKEV2_ENCR_AES_GCM_16, 256,
	    IKEV2_TT_KE, IKEV2_KE_ECP_256, 0, 0});
	resp[0] = mk(1, IKEV2_PROTO_ESP, (const uint16_t[]){
	    IKEV2_TT_ENCR, IKEV2_ENCR_AES_GCM_16, 128,
	    IKEV2_TT_KE, IKEV2_KE_ECP_256, 0, 0});
	resp[1] = mk(2, IKEV2_PROTO_ESP, (const uint16_t[]){
	    IKEV2_TT_ENCR, IKEV2_ENCR_AES_GCM_16, 256,
	    IKEV2_TT_KE, IKEV2_KE_MODP_2048, 0, 0});
	ikev2_proposal_explain(init, 2, resp, 2, buf, sizeof(buf));
	cr_expect_str_eq(buf, "every transform type has a common algorithm, "
	    "but no single proposal combines them: closest are initiator "
	    "proposal 1 and responder proposal 1, which differ in KE\n");
}

Test(ikev2_proposal, explain_reports_protocol_mismatch_and_matches)
{
	struct ikev2_proposal init[1], resp[1];
	char buf[256];

	init[0] = mk(1, IKEV2_PROTO_ESP, esp_gcm256_pfs2048);
	resp[0] = mk(1, IKEV2_PROTO_AH, (const uint16_t[]){
	    IKEV2_TT_INTEG, IKEV2_INTEG_HMAC_SHA1_96, 0, 0});
	ikev2_proposal_explain(init, 1, resp, 1, buf, sizeof(buf));
	cr_expect_str_eq(buf, "protocol: initiator offered ESP, responder "
	    "accepts AH\n");
	resp[0] = init[0];
	cr_expect_eq(ikev2_proposal_explain(init, 1, resp, 1, buf,
	    sizeof(buf)), 0);
	cr_expect_str_eq(buf, "");
	ikev2_proposal_explain(init, 0, resp, 1, buf, sizeof(buf));
	cr_expect_str_eq(buf, "initiator offered no proposal\n");
}

Test(ikev2_proposal, add_refuses_past_the_transform_cap)
{
	struct ikev2_proposal p;

	memset(&p, 0, sizeof(p));
	for (unsigned i = 0; i < LIMIT_IKE_TRANSFORMS; i++)
		cr_assert_eq(ikev2_proposal_add(&p, IKEV2_TT_ENCR, 12, 128),
		    RC_OK);
	cr_expect_eq(ikev2_proposal_add(&p, IKEV2_TT_ENCR, 12, 128),
	    RC_LIMIT);
	cr_expect_eq(p.n_transforms, LIMIT_IKE_TRANSFORMS);
	cr_expect_eq(ikev2_proposal_count_type(&p, IKEV2_TT_ENCR),
	    LIMIT_IKE_TRANSFORMS);
}

Test(ikev2_proposal, a_bad_transform_count_is_clamped_to_the_array)
{
	struct ikev2_proposal p;
	char buf[64];

	memset(&p, 0, sizeof(p));
	p.protocol = IKEV2_PROTO_ESP;
	p.n_transforms = 255; /* more than xf[] holds */
	ikev2_proposal_text(&p, buf, sizeof(buf));
	cr_expect_eq(ikev2_proposal_count_type(&p, 0), LIMIT_IKE_TRANSFORMS);
	cr_expect_eq(ikev2_proposal_add(&p, IKEV2_TT_ENCR, 12, 128), RC_LIMIT);
}

Test(ikev2_proposal, admin_policy_builds_ike_and_esp_proposals)
{
	/* The seed's S2S example and its VNet-to-VNet example. */
	const char *s2s[6] = {"AES256", "SHA384", "DHGroup24", "AES256",
	    "SHA256", "None"};
	const char *v2v[6] = {"AES128", "SHA1", "DHGroup14", "GCMAES128",
	    "GCMAES128", "PFS14"};
	struct ikev2_proposal ike, esp;
	enum ikev2_admin_slot bad = IKEV2_ADMIN__COUNT;
	char buf[160];

	cr_assert_eq(ikev2_admin_policy(s2s, &ike, &esp, &bad), RC_OK);
	ikev2_proposal_text(&ike, buf, sizeof(buf));
	cr_expect_str_eq(buf, "IKE:AES_CBC_256/HMAC_SHA2_384_192/"
	    "PRF_HMAC_SHA2_384/MODP_2048_256");
	ikev2_proposal_text(&esp, buf, sizeof(buf));
	cr_expect_str_eq(buf, "ESP:AES_CBC_256/HMAC_SHA2_256_128/NO_EXT_SEQ");
	ikev2_proposal_admin_text(&esp, buf, sizeof(buf));
	cr_expect_str_eq(buf, "AES256/SHA256/None");
	cr_assert_eq(ikev2_admin_policy(v2v, &ike, &esp, &bad), RC_OK);
	ikev2_proposal_text(&esp, buf, sizeof(buf));
	cr_expect_str_eq(buf, "ESP:AES_GCM_16_128/MODP_2048/NO_EXT_SEQ");
	ikev2_proposal_admin_text(&esp, buf, sizeof(buf));
	cr_expect_str_eq(buf, "GCMAES128/GCMAES128/PFS2048");
	ikev2_proposal_admin_text(&ike, buf, sizeof(buf));
	cr_expect_str_eq(buf, "AES128/SHA1/DHGroup14");
}

Test(ikev2_proposal, admin_policy_names_the_bad_field)
{
	const char *mixed[6] = {"AES256", "SHA256", "DHGroup14", "GCMAES256",
	    "GCMAES128", "None"};
	const char *gcm_sha[6] = {"AES256", "SHA256", "DHGroup14", "GCMAES256",
	    "SHA256", "None"};
	const char *typo[6] = {"AES256", "SHA256", "DHGroup15", "AES256",
	    "SHA256", "None"};
	struct ikev2_proposal ike, esp;
	enum ikev2_admin_slot bad = IKEV2_ADMIN__COUNT;

	cr_expect_eq(ikev2_admin_policy(mixed, &ike, &esp, &bad), RC_INVAL);
	cr_expect_eq(bad, IKEV2_ADMIN_IPSEC_INTEG);
	bad = IKEV2_ADMIN__COUNT;
	cr_expect_eq(ikev2_admin_policy(gcm_sha, &ike, &esp, &bad), RC_INVAL);
	cr_expect_eq(bad, IKEV2_ADMIN_IPSEC_INTEG);
	cr_expect_eq(ikev2_admin_policy(typo, &ike, &esp, &bad), RC_NOTFOUND);
	cr_expect_eq(bad, IKEV2_ADMIN_DH_GROUP);
	cr_expect_eq(ikev2_admin_policy(NULL, &ike, &esp, &bad), RC_INVAL);
}

Test(ikev2_proposal, admin_policy_meets_a_matching_peer_offer)
{
	const char *pol[6] = {"AES256", "SHA256", "DHGroup14", "GCMAES256",
	    "GCMAES256", "None"};
	struct ikev2_proposal ike, esp, offer;
	char buf[256];

	cr_assert_eq(ikev2_admin_policy(pol, &ike, &esp, NULL), RC_OK);
	offer = mk(1, IKEV2_PROTO_ESP, (const uint16_t[]){
	    IKEV2_TT_ENCR, IKEV2_ENCR_AES_GCM_16, 256,
	    IKEV2_TT_ESN, IKEV2_ESN_NO_EXT_SEQ, 0, 0});
	cr_expect(ikev2_proposal_intersect(&offer, &esp, NULL));
	offer.xf[0].key_bits = 128;
	ikev2_proposal_explain(&offer, 1, &esp, 1, buf, sizeof(buf));
	cr_expect_str_eq(buf, "ENCR: initiator offered AES_GCM_16_128, "
	    "responder accepts AES_GCM_16_256\n");
}
