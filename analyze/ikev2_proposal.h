/*
 * Decoded IKEv2 SA proposals (RFC 7296 3.3) and what we say about them:
 * strongSwan-style text, the algorithm names gateway admins write (Azure
 * IPsec/IKE policy, /work/shared/seeds/004_66c0dc87f5fc9c98.txt), the
 * named suites of RFC 4308 and RFC 6379, proposal selection (RFC 7296
 * 2.7, 3.3.6) and the per-transform-type explanation printed for a
 * NO_PROPOSAL_CHOSEN failure.
 *
 * A proposal is a plain value (no pointers), filled by the decoder and
 * copied freely. All functions are pure; text goes into caller buffers.
 */
#ifndef WFPDIAG_ANALYZE_IKEV2_PROPOSAL_H
#define WFPDIAG_ANALYZE_IKEV2_PROPOSAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formats/limits.h"
#include "formats/rc.h"

/* Largest SPI a proposal carries (IKE SA: 8, ESP/AH: 4). */
#define IKEV2_SPI_MAX 8u

struct ikev2_transform {
	uint8_t type;	   /* enum ikev2_transform_type */
	uint16_t id;	   /* transform ID within type */
	uint16_t key_bits; /* Key Length attribute, bits; 0 = none sent */
};

struct ikev2_proposal {
	uint8_t num;	      /* proposal number, 1-based on the wire */
	uint8_t protocol;     /* enum ikev2_proto (IKE, AH, ESP) */
	uint8_t spi_size;     /* bytes used in spi[] (0, 4 or 8) */
	uint8_t spi[IKEV2_SPI_MAX]; /* network order as on the wire */
	uint8_t n_transforms; /* entries used in xf[] */
	struct ikev2_transform xf[LIMIT_IKE_TRANSFORMS]; /* wire order */
};

/*
 * Appends a transform; RC_LIMIT (proposal unchanged) when xf[] is full.
 * For decoders and tests building proposals.
 */
enum rc ikev2_proposal_add(struct ikev2_proposal *p, uint8_t type,
    uint16_t id, uint16_t key_bits) MUST_CHECK;
/* Number of transforms of the given type in p. */
size_t ikev2_proposal_count_type(const struct ikev2_proposal *p,
    uint8_t type);

/*
 * One transform as strongSwan prints it: "AES_CBC_256",
 * "HMAC_SHA2_256_128", "PRF_HMAC_SHA2_256", "MODP_2048", "NO_EXT_SEQ";
 * unnamed ids as "ENCR_1025". Returns what snprintf returns (the length
 * the whole text needs); dst is always NUL-terminated when size > 0.
 */
size_t ikev2_transform_text(const struct ikev2_transform *xf, char *dst,
    size_t size);
/*
 * Whole proposal, strongSwan style: "IKE:AES_CBC_256/HMAC_SHA2_256_128/
 * PRF_HMAC_SHA2_256/MODP_2048", "ESP:AES_GCM_16_256/NO_EXT_SEQ".
 * Transforms are grouped by type in the order ENCR, INTEG, PRF, KE, ESN,
 * ADDKE1..7, others; within a type in wire order. Returns the length the
 * full text needs (snprintf semantics); truncated text stays terminated.
 */
size_t ikev2_proposal_text(const struct ikev2_proposal *p, char *dst,
    size_t size);

/* The six fields of an Azure-style IPsec/IKE policy, plus the PRF. */
enum ikev2_admin_slot {
	IKEV2_ADMIN_IKE_ENCR,	/* "AES256", "DES3" */
	IKEV2_ADMIN_IKE_INTEG,	/* "SHA256" -> HMAC_SHA2_256_128 */
	IKEV2_ADMIN_DH_GROUP,	/* "DHGroup14", "ECP384", "None" */
	IKEV2_ADMIN_IPSEC_ENCR, /* "GCMAES256", "AES128", "None" */
	IKEV2_ADMIN_IPSEC_INTEG, /* "SHA1", "GCMAES256" (AEAD) */
	IKEV2_ADMIN_PFS_GROUP,	/* "PFS2048", "ECP256", "None" */
	IKEV2_ADMIN_IKE_PRF,	/* the PRF implied by IKE integrity */
	IKEV2_ADMIN__COUNT
};

/*
 * Admin-style text, the way gateway admins (Azure) write a policy:
 * IKE "AES256/SHA256/DHGroup14", ESP "GCMAES256/GCMAES256/PFS2048",
 * "None" for a missing KE (no PFS). Several alternatives of one type are
 * joined with ",". Algorithms the admin vocabulary has no name for are
 * shown with their IANA name (strongSwan form, "AES_CTR_128"). For an IKE
 * proposal without INTEG (AEAD) the middle field comes from the PRF.
 * Returns the length the full text needs (snprintf semantics).
 */
size_t ikev2_proposal_admin_text(const struct ikev2_proposal *p, char *dst,
    size_t size);
/*
 * Admin name of one transform in a slot ("AES256" for AES_CBC/256 in
 * IKEV2_ADMIN_IKE_ENCR); NULL when the vocabulary has none.
 */
const char *ikev2_admin_name(enum ikev2_admin_slot slot,
    const struct ikev2_transform *xf);
/*
 * Parses one admin algorithm name (case-insensitive) for a slot into a
 * transform. Aliases are accepted: DHGroup2048 = DHGroup14, PFS14 =
 * PFS2048, and Azure's typo GCMASE256 = GCMAES256. "None" gives the KE
 * NONE (id 0) transform for group slots and ENCR NULL for IPsec
 * encryption. For IKEV2_ADMIN_IPSEC_INTEG a GCMAES name yields the AEAD
 * *encryption* transform (integrity comes from the cipher), so a policy
 * reader can check it equals the IPsec encryption choice as Azure
 * requires. RC_NOTFOUND when the name is not in the slot's vocabulary,
 * RC_INVAL on NULL arguments or a bad slot.
 */
enum rc ikev2_admin_name_parse(const char *name, enum ikev2_admin_slot slot,
    struct ikev2_transform *out) MUST_CHECK;

/*
 * Builds the IKE and ESP proposals an Azure-style policy stands for from
 * its six names, indexed by slot IKEV2_ADMIN_IKE_ENCR..PFS_GROUP (e.g.
 * {"AES256", "SHA384", "DHGroup24", "GCMAES256", "GCMAES256", "None"}).
 * IKE gets ENCR, INTEG (none with a GCMAES cipher), the PRF of the same
 * hash and the DH group ("None": no KE); ESP gets ENCR, INTEG (none with
 * GCMAES, which must then be the same GCMAES name in both IPsec fields,
 * as Azure requires), the PFS group ("None": no KE) and NO_EXT_SEQ.
 * RC_OK; RC_NOTFOUND / RC_INVAL with *bad_slot (when not NULL) naming
 * the offending field; RC_INVAL for NULL arguments.
 */
enum rc ikev2_admin_policy(const char *const names[6],
    struct ikev2_proposal *ike, struct ikev2_proposal *esp,
    enum ikev2_admin_slot *bad_slot) MUST_CHECK;

/*
 * Named suite that proposal p is exactly (no extra transforms, ESN and
 * ESP's KE aside): RFC 6379 "Suite-B-GCM-128", "Suite-B-GCM-256",
 * "Suite-B-GMAC-128", "Suite-B-GMAC-256" (ESP) and their IKEv2 halves
 * "Suite-B-GCM-128/GMAC-128 (IKE)", "Suite-B-GCM-256/GMAC-256 (IKE)"
 * (AES-CBC-128/HMAC-SHA-256-128/PRF-SHA-256/ECP-256 and AES-CBC-256/
 * HMAC-SHA-384-192/PRF-SHA-384/ECP-384, as in RFC 4869). NULL when none.
 */
const char *ikev2_suite_b_name(const struct ikev2_proposal *p);
/* As ikev2_suite_b_name(), also knowing RFC 4308 "VPN-A" and "VPN-B". */
const char *ikev2_suite_name(const struct ikev2_proposal *p);

/*
 * True when chosen is a valid selection from offer (RFC 7296 3.3.6):
 * same protocol, at most one transform per type, each one present in
 * offer with the same id and key length, and every type the offer has is
 * answered. A type missing from chosen counts as NONE (id 0), acceptable
 * only when offer lists NONE for it (optional KE/INTEG, RFC 7296 3.3.3).
 */
bool ikev2_proposal_match(const struct ikev2_proposal *offer,
    const struct ikev2_proposal *chosen);
/*
 * Responder-side selection of one initiator proposal against one local
 * (configured) proposal: for every transform type either side has, the
 * first initiator transform (initiator preference order) that local also
 * lists. On success writes the selection to out (one transform per type,
 * num/protocol/SPI from offer) and returns true.
 */
bool ikev2_proposal_intersect(const struct ikev2_proposal *offer,
    const struct ikev2_proposal *local, struct ikev2_proposal *out);
/*
 * First pair (initiator order) of offers[] and accepts[] that intersects;
 * returns its index in offers (and writes the selection to out when not
 * NULL), or -1 when none does.
 */
int ikev2_proposal_select(const struct ikev2_proposal *offers,
    size_t n_offers, const struct ikev2_proposal *accepts, size_t n_accepts,
    struct ikev2_proposal *out);
/*
 * Why no proposal of offers[] (initiator) fits accepts[] (responder), one
 * line per transform type with no common algorithm:
 *   "ENCR: initiator offered AES_CBC_128, responder accepts AES_GCM_16_256"
 * plus protocol mismatches ("protocol: initiator offered ESP, responder
 * accepts AH") and, when every type has something in common but no
 * single proposal pair combines them, a line saying so and naming the
 * types the closest pair disagrees on. Lines end in '\n'. Writes "" and
 * returns 0 when a proposal does match. Returns the length the full text
 * needs (snprintf semantics).
 */
size_t ikev2_proposal_explain(const struct ikev2_proposal *offers,
    size_t n_offers, const struct ikev2_proposal *accepts, size_t n_accepts,
    char *dst, size_t size);

#endif
