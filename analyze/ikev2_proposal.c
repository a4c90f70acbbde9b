/*
 * IKEv2 SA proposals (RFC 7296 3.3): text forms, admin (Azure policy)
 * names, named suites (RFC 4308 VPN-A/B, RFC 6379 Suite B), selection
 * (RFC 7296 2.7, 3.3.6) and the NO_PROPOSAL_CHOSEN explanation.
 *
 * Proposals are small (at most LIMIT_IKE_TRANSFORMS transforms) and the
 * lists compared are what two peers offered, so the quadratic scans below
 * stay cheap; nothing here allocates.
 */
#include "analyze/ikev2_proposal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "analyze/ikev2_registry.h"
#include "formats/txt.h"

/* Output text with snprintf semantics: len counts what the text needs. */

/*
 * Transforms to walk: n_transforms, clamped to the array so that a
 * proposal filled wrongly cannot make us read past xf[].
 */
static size_t
nxf(const struct ikev2_proposal *p)
{
	return p->n_transforms < LIMIT_IKE_TRANSFORMS ? p->n_transforms :
	    LIMIT_IKE_TRANSFORMS;
}

enum rc
ikev2_proposal_add(struct ikev2_proposal *p, uint8_t type, uint16_t id,
    uint16_t key_bits)
{
	struct ikev2_transform *xf;

	if (nxf(p) >= LIMIT_IKE_TRANSFORMS)
		return RC_LIMIT;
	xf = &p->xf[p->n_transforms++];
	xf->type = type;
	xf->id = id;
	xf->key_bits = key_bits;
	return RC_OK;
}

size_t
ikev2_proposal_count_type(const struct ikev2_proposal *p, uint8_t type)
{
	size_t i, n = 0;

	for (i = 0; i < nxf(p); i++)
		n += p->xf[i].type == type;
	return n;
}

/* Prefix strongSwan puts before a type's names, and our fallback stem. */
static const char *
type_prefix(uint8_t type)
{
	static const char *const addke[] = {"ADDKE1_", "ADDKE2_", "ADDKE3_",
	    "ADDKE4_", "ADDKE5_", "ADDKE6_", "ADDKE7_"};

	if (type == IKEV2_TT_PRF)
		return "PRF_";
	if (type >= IKEV2_TT_ADDKE1 && type <= IKEV2_TT_ADDKE7)
		return addke[type - IKEV2_TT_ADDKE1];
	return "";
}

static void
txt_transform(struct txt *t, const struct ikev2_transform *xf)
{
	const char *name = ikev2_transform_name(xf->type, xf->id);

	if (strcmp(name, "UNKNOWN") == 0) {
		if (ikev2_transform_reg(xf->type) == IKEV2_REG__COUNT)
			txt_add(t, "TRANSFORM%u_%u", xf->type, xf->id);
		else
			txt_add(t, "%s_%u", ikev2_name(
			    IKEV2_REG_TRANSFORM_TYPE, xf->type), xf->id);
	} else {
		txt_add(t, "%s%s", type_prefix(xf->type), name);
	}
	if (xf->key_bits != 0)
		txt_add(t, "_%u", xf->key_bits);
}

size_t
ikev2_transform_text(const struct ikev2_transform *xf, char *dst,
    size_t size)
{
	struct txt t;

	txt_init(&t, dst, size);
	txt_transform(&t, xf);
	return t.len;
}

/* Print order of transform types (strongSwan's); others come last. */
static const uint8_t type_order[] = {
	IKEV2_TT_ENCR, IKEV2_TT_INTEG, IKEV2_TT_PRF, IKEV2_TT_KE, IKEV2_TT_ESN,
	IKEV2_TT_ADDKE1, IKEV2_TT_ADDKE2, IKEV2_TT_ADDKE3, IKEV2_TT_ADDKE4,
	IKEV2_TT_ADDKE5, IKEV2_TT_ADDKE6, IKEV2_TT_ADDKE7,
};

static bool
in_type_order(uint8_t type)
{
	return memchr(type_order, type, sizeof(type_order)) != NULL;
}

static void
txt_proto(struct txt *t, uint8_t protocol)
{
	if (ikev2_known(IKEV2_REG_PROTO, protocol))
		txt_add(t, "%s", ikev2_name(IKEV2_REG_PROTO, protocol));
	else
		txt_add(t, "PROTO%u", protocol);
}

size_t
ikev2_proposal_text(const struct ikev2_proposal *p, char *dst, size_t size)
{
	struct txt t;
	bool first = true;
	size_t k, i;

	txt_init(&t, dst, size);
	txt_proto(&t, p->protocol);
	txt_add(&t, ":");
	for (k = 0; k <= sizeof(type_order); k++) {
		for (i = 0; i < nxf(p); i++) {
			const struct ikev2_transform *xf = &p->xf[i];

			if (k < sizeof(type_order) ? xf->type != type_order[k] :
			    in_type_order(xf->type))
				continue;
			if (!first)
				txt_add(&t, "/");
			first = false;
			txt_transform(&t, xf);
		}
	}
	return t.len;
}

/* ---- admin (Azure policy) names ---------------------------------- */

enum admin_use { PRIMARY, ALIAS };

struct admin_row {
	enum ikev2_admin_slot slot;
	const char *name;
	struct ikev2_transform xf;
	enum admin_use use;
};

static const struct admin_row admin_rows[] = {
#define ADMIN(slot, name, type, id, bits, use)				\
	{IKEV2_ADMIN_##slot, name,					\
	    {IKEV2_TT_##type, IKEV2_##type##_##id, bits}, use},
#include "analyze/ikev2_admin.def"
#undef ADMIN
};

/*
 * Same algorithm: same type and id, and the same key size, where a
 * missing Key Length attribute equals the cipher's only size.
 */
static bool
xf_eq(const struct ikev2_transform *a, const struct ikev2_transform *b)
{
	uint16_t fixed;

	if (a->type != b->type || a->id != b->id)
		return false;
	if (a->key_bits == b->key_bits)
		return true;
	if (a->type != IKEV2_TT_ENCR)
		return false;
	fixed = ikev2_encr_fixed_bits(a->id);
	return fixed != 0 && (a->key_bits == 0 || a->key_bits == fixed) &&
	    (b->key_bits == 0 || b->key_bits == fixed);
}

const char *
ikev2_admin_name(enum ikev2_admin_slot slot, const struct ikev2_transform *xf)
{
	size_t i;

	if (xf == NULL)
		return NULL;
	for (i = 0; i < sizeof(admin_rows) / sizeof(admin_rows[0]); i++) {
		const struct admin_row *r = &admin_rows[i];

		if (r->slot == slot && r->use == PRIMARY && xf_eq(&r->xf, xf))
			return r->name;
	}
	return NULL;
}

enum rc
ikev2_admin_name_parse(const char *name, enum ikev2_admin_slot slot,
    struct ikev2_transform *out)
{
	size_t i;

	if (name == NULL || out == NULL || (unsigned)slot >= IKEV2_ADMIN__COUNT)
		return RC_INVAL;
	for (i = 0; i < sizeof(admin_rows) / sizeof(admin_rows[0]); i++) {
		const struct admin_row *r = &admin_rows[i];

		if (r->slot == slot && strcasecmp(r->name, name) == 0) {
			*out = r->xf;
			return RC_OK;
		}
	}
	return RC_NOTFOUND;
}

/* One transform in a slot: admin name, else the strongSwan-style name. */
static void
txt_admin_xf(struct txt *t, enum ikev2_admin_slot slot,
    const struct ikev2_transform *xf)
{
	const char *name = ikev2_admin_name(slot, xf);

	if (name != NULL)
		txt_add(t, "%s", name);
	else
		txt_transform(t, xf);
}

/*
 * All transforms of type in p, joined by ","; "None" when there are none.
 * Returns how many were printed.
 */
static size_t
txt_admin_field(struct txt *t, const struct ikev2_proposal *p, uint8_t type,
    enum ikev2_admin_slot slot)
{
	size_t i, n = 0;

	for (i = 0; i < nxf(p); i++) {
		if (p->xf[i].type != type)
			continue;
		if (n++ > 0)
			txt_add(t, ",");
		txt_admin_xf(t, slot, &p->xf[i]);
	}
	if (n == 0)
		txt_add(t, "None");
	return n;
}

/* True when p has an INTEG transform other than NONE. */
static bool
has_integ(const struct ikev2_proposal *p)
{
	size_t i;

	for (i = 0; i < nxf(p); i++) {
		if (p->xf[i].type == IKEV2_TT_INTEG &&
		    p->xf[i].id != IKEV2_INTEG_NONE)
			return true;
	}
	return false;
}

/*
 * ESP without INTEG: with an AEAD cipher Azure repeats the GCMAES name in
 * the integrity field; otherwise there is no integrity ("None").
 */
static void
txt_admin_aead_integ(struct txt *t, const struct ikev2_proposal *p)
{
	size_t i, n = 0;

	for (i = 0; i < nxf(p); i++) {
		const struct ikev2_transform *xf = &p->xf[i];

		if (xf->type != IKEV2_TT_ENCR || !ikev2_encr_is_aead(xf->id))
			continue;
		if (n++ > 0)
			txt_add(t, ",");
		txt_admin_xf(t, IKEV2_ADMIN_IPSEC_INTEG, xf);
	}
	if (n == 0)
		txt_add(t, "None");
}

size_t
ikev2_proposal_admin_text(const struct ikev2_proposal *p, char *dst,
    size_t size)
{
	struct txt t;
	bool ike = p->protocol == IKEV2_PROTO_IKE;

	txt_init(&t, dst, size);
	(void)txt_admin_field(&t, p, IKEV2_TT_ENCR,
	    ike ? IKEV2_ADMIN_IKE_ENCR : IKEV2_ADMIN_IPSEC_ENCR);
	txt_add(&t, "/");
	if (has_integ(p))
		(void)txt_admin_field(&t, p, IKEV2_TT_INTEG,
		    ike ? IKEV2_ADMIN_IKE_INTEG : IKEV2_ADMIN_IPSEC_INTEG);
	else if (ike)
		/* AEAD IKE SA: the admin's "integrity" is the PRF hash. */
		(void)txt_admin_field(&t, p, IKEV2_TT_PRF,
		    IKEV2_ADMIN_IKE_PRF);
	else
		txt_admin_aead_integ(&t, p);
	txt_add(&t, "/");
	(void)txt_admin_field(&t, p, IKEV2_TT_KE,
	    ike ? IKEV2_ADMIN_DH_GROUP : IKEV2_ADMIN_PFS_GROUP);
	return t.len;
}

/* Starts an empty proposal number 1 of protocol. */
static void
proposal_start(struct ikev2_proposal *p, uint8_t protocol)
{
	memset(p, 0, sizeof(*p));
	p->num = 1;
	p->protocol = protocol;
}

/* Adds xf unless it is a KE NONE ("None" group: no KE transform). */
static enum rc
add_unless_none(struct ikev2_proposal *p, const struct ikev2_transform *xf)
{
	if (xf->type == IKEV2_TT_KE && xf->id == IKEV2_KE_NONE)
		return RC_OK;
	return ikev2_proposal_add(p, xf->type, xf->id, xf->key_bits);
}

/* Parses names[slot]; on failure records the slot. */
static enum rc
admin_get(const char *const names[6], enum ikev2_admin_slot slot,
    enum ikev2_admin_slot name_slot, struct ikev2_transform *xf,
    enum ikev2_admin_slot *bad)
{
	enum rc rc = ikev2_admin_name_parse(names[name_slot], slot, xf);

	if (rc != RC_OK)
		*bad = name_slot;
	return rc;
}

static enum rc
admin_ike(const char *const names[6], struct ikev2_proposal *ike,
    enum ikev2_admin_slot *bad)
{
	struct ikev2_transform encr, integ, prf, dh;
	enum rc rc;

	if ((rc = admin_get(names, IKEV2_ADMIN_IKE_ENCR, IKEV2_ADMIN_IKE_ENCR,
	    &encr, bad)) != RC_OK ||
	    (rc = admin_get(names, IKEV2_ADMIN_IKE_INTEG,
	    IKEV2_ADMIN_IKE_INTEG, &integ, bad)) != RC_OK ||
	    (rc = admin_get(names, IKEV2_ADMIN_IKE_PRF, IKEV2_ADMIN_IKE_INTEG,
	    &prf, bad)) != RC_OK ||
	    (rc = admin_get(names, IKEV2_ADMIN_DH_GROUP, IKEV2_ADMIN_DH_GROUP,
	    &dh, bad)) != RC_OK)
		return rc;
	proposal_start(ike, IKEV2_PROTO_IKE);
	/* An AEAD IKE SA carries no INTEG; the hash still picks the PRF. */
	if ((rc = add_unless_none(ike, &encr)) != RC_OK ||
	    (!ikev2_encr_is_aead(encr.id) &&
	    (rc = add_unless_none(ike, &integ)) != RC_OK) ||
	    (rc = add_unless_none(ike, &prf)) != RC_OK ||
	    (rc = add_unless_none(ike, &dh)) != RC_OK)
		return rc;
	return RC_OK;
}

static enum rc
admin_esp(const char *const names[6], struct ikev2_proposal *esp,
    enum ikev2_admin_slot *bad)
{
	struct ikev2_transform encr, integ, pfs;
	bool aead;
	enum rc rc;

	if ((rc = admin_get(names, IKEV2_ADMIN_IPSEC_ENCR,
	    IKEV2_ADMIN_IPSEC_ENCR, &encr, bad)) != RC_OK ||
	    (rc = admin_get(names, IKEV2_ADMIN_IPSEC_INTEG,
	    IKEV2_ADMIN_IPSEC_INTEG, &integ, bad)) != RC_OK ||
	    (rc = admin_get(names, IKEV2_ADMIN_PFS_GROUP,
	    IKEV2_ADMIN_PFS_GROUP, &pfs, bad)) != RC_OK)
		return rc;
	aead = ikev2_encr_is_aead(encr.id);
	/* Azure: GCMAES in one IPsec field needs the same in the other. */
	if (aead != (integ.type == IKEV2_TT_ENCR) ||
	    (aead && !xf_eq(&encr, &integ))) {
		*bad = IKEV2_ADMIN_IPSEC_INTEG;
		return RC_INVAL;
	}
	proposal_start(esp, IKEV2_PROTO_ESP);
	if ((rc = add_unless_none(esp, &encr)) != RC_OK ||
	    (!aead && (rc = add_unless_none(esp, &integ)) != RC_OK) ||
	    (rc = add_unless_none(esp, &pfs)) != RC_OK)
		return rc;
	return ikev2_proposal_add(esp, IKEV2_TT_ESN, IKEV2_ESN_NO_EXT_SEQ, 0);
}

enum rc
ikev2_admin_policy(const char *const names[6], struct ikev2_proposal *ike,
    struct ikev2_proposal *esp, enum ikev2_admin_slot *bad_slot)
{
	enum ikev2_admin_slot bad = IKEV2_ADMIN__COUNT;
	enum rc rc;
	size_t i;

	if (names == NULL || ike == NULL || esp == NULL)
		return RC_INVAL;
	for (i = 0; i < 6; i++) {
		if (names[i] == NULL) {
			bad = (enum ikev2_admin_slot)i;
			rc = RC_INVAL;
			goto out;
		}
	}
	rc = admin_ike(names, ike, &bad);
	if (rc == RC_OK)
		rc = admin_esp(names, esp, &bad);
out:
	if (rc != RC_OK && bad_slot != NULL)
		*bad_slot = bad;
	return rc;
}

/* ---- named suites ------------------------------------------------ */

struct suite {
	const char *name;
	uint8_t protocol;
	bool suite_b; /* RFC 6379 / RFC 4869 rather than RFC 4308 */
	uint8_t n;
	struct ikev2_transform xf[4];
};

#define XF(type, id, bits) {IKEV2_TT_##type, IKEV2_##type##_##id, bits}
static const struct suite suites[] = {
	/* RFC 6379 2 (ESP) and RFC 6379 3 / RFC 4869 (IKEv2 half) */
	{"Suite-B-GCM-128", IKEV2_PROTO_ESP, true, 1,
	    {XF(ENCR, AES_GCM_16, 128)}},
	{"Suite-B-GCM-256", IKEV2_PROTO_ESP, true, 1,
	    {XF(ENCR, AES_GCM_16, 256)}},
	{"Suite-B-GMAC-128", IKEV2_PROTO_ESP, true, 1,
	    {XF(ENCR, NULL_AUTH_AES_GMAC, 128)}},
	{"Suite-B-GMAC-256", IKEV2_PROTO_ESP, true, 1,
	    {XF(ENCR, NULL_AUTH_AES_GMAC, 256)}},
	{"Suite-B-GCM-128/GMAC-128 (IKE)", IKEV2_PROTO_IKE, true, 4,
	    {XF(ENCR, AES_CBC, 128), XF(INTEG, HMAC_SHA2_256_128, 0),
	    XF(PRF, HMAC_SHA2_256, 0), XF(KE, ECP_256, 0)}},
	{"Suite-B-GCM-256/GMAC-256 (IKE)", IKEV2_PROTO_IKE, true, 4,
	    {XF(ENCR, AES_CBC, 256), XF(INTEG, HMAC_SHA2_384_192, 0),
	    XF(PRF, HMAC_SHA2_384, 0), XF(KE, ECP_384, 0)}},
	/* RFC 4308 2.1, 2.2 */
	{"VPN-A", IKEV2_PROTO_ESP, false, 2,
	    {XF(ENCR, 3DES, 0), XF(INTEG, HMAC_SHA1_96, 0)}},
	{"VPN-A (IKE)", IKEV2_PROTO_IKE, false, 4,
	    {XF(ENCR, 3DES, 0), XF(INTEG, HMAC_SHA1_96, 0),
	    XF(PRF, HMAC_SHA1, 0), XF(KE, MODP_1024, 0)}},
	{"VPN-B", IKEV2_PROTO_ESP, false, 2,
	    {XF(ENCR, AES_CBC, 128), XF(INTEG, AES_XCBC_96, 0)}},
	{"VPN-B (IKE)", IKEV2_PROTO_IKE, false, 4,
	    {XF(ENCR, AES_CBC, 128), XF(INTEG, AES_XCBC_96, 0),
	    XF(PRF, AES128_XCBC, 0), XF(KE, MODP_2048, 0)}},
};
#undef XF

/*
 * Transforms a suite does not constrain: ESN always, and for ESP the
 * KE (PFS) and an explicit INTEG NONE.
 */
static bool
suite_ignores(const struct ikev2_proposal *p, const struct ikev2_transform *xf)
{
	if (xf->type == IKEV2_TT_ESN)
		return true;
	if (p->protocol == IKEV2_PROTO_IKE)
		return false;
	return xf->type == IKEV2_TT_KE ||
	    (xf->type == IKEV2_TT_INTEG && xf->id == IKEV2_INTEG_NONE);
}

static bool
suite_is(const struct suite *s, const struct ikev2_proposal *p)
{
	size_t i, k, counted = 0;

	if (s->protocol != p->protocol)
		return false;
	for (i = 0; i < nxf(p); i++) {
		if (suite_ignores(p, &p->xf[i]))
			continue;
		for (k = 0; k < s->n; k++) {
			if (xf_eq(&s->xf[k], &p->xf[i]))
				break;
		}
		if (k == s->n)
			return false;
		counted++;
	}
	/* Every transform is the suite's; as many as the suite has. */
	return counted == s->n;
}

static const char *
suite_find(const struct ikev2_proposal *p, bool suite_b_only)
{
	size_t i;

	if (p == NULL)
		return NULL;
	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		if ((suites[i].suite_b || !suite_b_only) &&
		    suite_is(&suites[i], p))
			return suites[i].name;
	}
	return NULL;
}

const char *
ikev2_suite_b_name(const struct ikev2_proposal *p)
{
	return suite_find(p, true);
}

const char *
ikev2_suite_name(const struct ikev2_proposal *p)
{
	return suite_find(p, false);
}

/* ---- selection --------------------------------------------------- */

/* True when p lists a transform equal to xf. */
static bool
has_xf(const struct ikev2_proposal *p, const struct ikev2_transform *xf)
{
	size_t i;

	for (i = 0; i < nxf(p); i++) {
		if (xf_eq(&p->xf[i], xf))
			return true;
	}
	return false;
}

/*
 * Types whose ID 0 is NONE, i.e. optional (RFC 7296 3.3.3 for INTEG and
 * KE, RFC 9370 for ADDKE): a proposal that omits such a type is the same
 * as one that offers only NONE. ESN 0 is a real choice and is not.
 */
static bool
is_optional_type(uint8_t type)
{
	return type == IKEV2_TT_INTEG || type == IKEV2_TT_KE ||
	    (type >= IKEV2_TT_ADDKE1 && type <= IKEV2_TT_ADDKE7);
}

/* Does p accept xf? Without xf's type p accepts only an optional NONE. */
static bool
allows(const struct ikev2_proposal *p, const struct ikev2_transform *xf)
{
	if (ikev2_proposal_count_type(p, xf->type) == 0)
		return xf->id == 0 && is_optional_type(xf->type);
	return has_xf(p, xf);
}

bool
ikev2_proposal_match(const struct ikev2_proposal *offer,
    const struct ikev2_proposal *chosen)
{
	size_t i;

	if (offer == NULL || chosen == NULL ||
	    offer->protocol != chosen->protocol)
		return false;
	for (i = 0; i < nxf(chosen); i++) {
		const struct ikev2_transform *xf = &chosen->xf[i];

		if (ikev2_proposal_count_type(chosen, xf->type) != 1)
			return false;
		if (!allows(offer, xf))
			return false;
	}
	/* Each offered type is answered, or the offer allowed NONE. */
	for (i = 0; i < nxf(offer); i++) {
		struct ikev2_transform none = {offer->xf[i].type, 0, 0};

		if (ikev2_proposal_count_type(chosen, offer->xf[i].type) == 0 &&
		    !(is_optional_type(none.type) && has_xf(offer, &none)))
			return false;
	}
	return true;
}

/* Types present in a or b, each once, in first-seen order. */
static size_t
union_types(const struct ikev2_proposal *a, const struct ikev2_proposal *b,
    uint8_t types[256])
{
	bool seen[256] = {false};
	const struct ikev2_proposal *ps[2] = {a, b};
	size_t n = 0, k, i;

	for (k = 0; k < 2; k++) {
		for (i = 0; i < nxf(ps[k]); i++) {
			uint8_t t = ps[k]->xf[i].type;

			if (!seen[t]) {
				seen[t] = true;
				types[n++] = t;
			}
		}
	}
	return n;
}

/*
 * First transform of type in offer (or the implied NONE when offer has
 * none of that type) that local accepts; false when there is none.
 */
static bool
pick(const struct ikev2_proposal *offer, const struct ikev2_proposal *local,
    uint8_t type, struct ikev2_transform *out)
{
	size_t i;

	if (ikev2_proposal_count_type(offer, type) == 0) {
		*out = (struct ikev2_transform){type, 0, 0};
		return is_optional_type(type) && allows(local, out);
	}
	for (i = 0; i < nxf(offer); i++) {
		if (offer->xf[i].type == type && allows(local, &offer->xf[i])) {
			*out = offer->xf[i];
			return true;
		}
	}
	return false;
}

/* Number of transform types on which offer and local find nothing. */
static size_t
disagreements(const struct ikev2_proposal *offer,
    const struct ikev2_proposal *local, struct ikev2_proposal *sel)
{
	uint8_t types[256];
	size_t n, i, bad = 0;

	n = union_types(offer, local, types);
	for (i = 0; i < n; i++) {
		struct ikev2_transform xf;

		if (!pick(offer, local, types[i], &xf))
			bad++;
		else if (sel != NULL && (xf.id != 0 ||
		    ikev2_proposal_count_type(offer, types[i]) > 0) &&
		    ikev2_proposal_add(sel, xf.type, xf.id, xf.key_bits) !=
		    RC_OK)
			bad++; /* cannot happen: one per offered type */
	}
	return bad;
}

bool
ikev2_proposal_intersect(const struct ikev2_proposal *offer,
    const struct ikev2_proposal *local, struct ikev2_proposal *out)
{
	struct ikev2_proposal sel;

	if (offer == NULL || local == NULL ||
	    offer->protocol != local->protocol)
		return false;
	memset(&sel, 0, sizeof(sel));
	sel.num = offer->num;
	sel.protocol = offer->protocol;
	sel.spi_size = offer->spi_size;
	memcpy(sel.spi, offer->spi, sizeof(sel.spi));
	if (disagreements(offer, local, &sel) != 0)
		return false;
	if (out != NULL)
		*out = sel;
	return true;
}

int
ikev2_proposal_select(const struct ikev2_proposal *offers, size_t n_offers,
    const struct ikev2_proposal *accepts, size_t n_accepts,
    struct ikev2_proposal *out)
{
	size_t i, j;

	for (i = 0; i < n_offers && i <= (size_t)INT32_MAX; i++) {
		for (j = 0; j < n_accepts; j++) {
			if (ikev2_proposal_intersect(&offers[i], &accepts[j],
			    out))
				return (int)i;
		}
	}
	return -1;
}

/* ---- NO_PROPOSAL_CHOSEN explanation ------------------------------ */

/*
 * The distinct alternatives one side has for a type, across proposals. A
 * proposal without the type contributes an ABSENT entry.
 */
#define ABSENT 0xffffu /* key_bits of an "omitted" entry */
struct alts {
	size_t n;
	bool more; /* some were dropped: more than fit */
	struct ikev2_transform xf[LIMIT_IKE_TRANSFORMS];
};

static void
alts_add(struct alts *a, const struct ikev2_transform *xf)
{
	size_t i;

	for (i = 0; i < a->n; i++) {
		if (xf_eq(&a->xf[i], xf))
			return;
	}
	if (a->n < LIMIT_IKE_TRANSFORMS)
		a->xf[a->n++] = *xf;
	else
		a->more = true;
}

/* What proposals of protocol offer for type (NONE where they omit it). */
static void
alts_collect(struct alts *a, const struct ikev2_proposal *ps, size_t n,
    uint8_t protocol, uint8_t type)
{
	size_t i, k;

	a->n = 0;
	a->more = false;
	for (i = 0; i < n; i++) {
		if (ps[i].protocol != protocol)
			continue;
		if (ikev2_proposal_count_type(&ps[i], type) == 0) {
			struct ikev2_transform none = {type, 0, ABSENT};

			alts_add(a, &none);
			continue;
		}
		for (k = 0; k < nxf(&ps[i]); k++) {
			if (ps[i].xf[k].type == type)
				alts_add(a, &ps[i].xf[k]);
		}
	}
}

static void
txt_alts(struct txt *t, const struct alts *a, uint8_t protocol)
{
	size_t i;

	for (i = 0; i < a->n; i++) {
		const struct ikev2_transform *xf = &a->xf[i];

		if (i > 0)
			txt_add(t, " or ");
		if (xf->type == IKEV2_TT_KE && xf->id == 0 &&
		    protocol != IKEV2_PROTO_IKE)
			txt_add(t, "NONE (no PFS)");
		else if (xf->key_bits == ABSENT)
			txt_add(t, is_optional_type(xf->type) ? "NONE" :
			    "none");
		else
			txt_transform(t, xf);
	}
	if (a->more)
		txt_add(t, " or more");
}

/* An omitted optional type meets an explicit NONE; else equal only. */
static bool
alt_meets(const struct ikev2_transform *a, const struct ikev2_transform *b)
{
	if (a->key_bits == ABSENT || b->key_bits == ABSENT)
		return a->type == b->type && a->id == 0 && b->id == 0 &&
		    (a->key_bits == b->key_bits || is_optional_type(a->type));
	return xf_eq(a, b);
}

static bool
alts_meet(const struct alts *a, const struct alts *b)
{
	size_t i, k;

	for (i = 0; i < a->n; i++) {
		for (k = 0; k < b->n; k++) {
			if (alt_meets(&a->xf[i], &b->xf[k]))
				return true;
		}
	}
	return false;
}

/* Types used by proposals of protocol in either list, in print order. */
static size_t
proto_types(const struct ikev2_proposal *a, size_t na,
    const struct ikev2_proposal *b, size_t nb, uint8_t protocol,
    uint8_t types[256])
{
	bool seen[256] = {false};
	size_t i, k, n = 0;

	for (i = 0; i < na + nb; i++) {
		const struct ikev2_proposal *p = i < na ? &a[i] : &b[i - na];

		if (p->protocol != protocol)
			continue;
		for (k = 0; k < nxf(p); k++)
			seen[p->xf[k].type] = true;
	}
	for (i = 0; i < sizeof(type_order); i++) {
		if (seen[type_order[i]])
			types[n++] = type_order[i];
	}
	for (i = 0; i < 256; i++) {
		if (seen[i] && !in_type_order((uint8_t)i))
			types[n++] = (uint8_t)i;
	}
	return n;
}

static void
txt_type(struct txt *t, uint8_t type)
{
	if (ikev2_known(IKEV2_REG_TRANSFORM_TYPE, type))
		txt_add(t, "%s", ikev2_name(IKEV2_REG_TRANSFORM_TYPE, type));
	else
		txt_add(t, "TRANSFORM%u", type);
}

/*
 * Every type has a common algorithm, yet no pair matches: name the pair
 * that disagrees on the fewest types, and those types.
 */
static void
explain_pairs(struct txt *t, const struct ikev2_proposal *offers,
    size_t n_offers, const struct ikev2_proposal *accepts, size_t n_accepts,
    uint8_t protocol)
{
	size_t i, j, best = SIZE_MAX, bi = 0, bj = 0, n;
	uint8_t types[256], pick_xf_type;
	struct ikev2_transform xf;
	bool first = true;

	for (i = 0; i < n_offers; i++) {
		for (j = 0; j < n_accepts; j++) {
			size_t d;

			if (offers[i].protocol != protocol ||
			    accepts[j].protocol != protocol)
				continue;
			d = disagreements(&offers[i], &accepts[j], NULL);
			if (d < best) {
				best = d;
				bi = i;
				bj = j;
			}
		}
	}
	txt_add(t, "every transform type has a common algorithm, but no "
	    "single proposal combines them: closest are initiator proposal "
	    "%u and responder proposal %u, which differ in ",
	    offers[bi].num, accepts[bj].num);
	n = union_types(&offers[bi], &accepts[bj], types);
	for (i = 0; i < n; i++) {
		pick_xf_type = types[i];
		if (pick(&offers[bi], &accepts[bj], pick_xf_type, &xf))
			continue;
		if (!first)
			txt_add(t, ", ");
		first = false;
		txt_type(t, pick_xf_type);
	}
	txt_add(t, "\n");
}

static void
explain_proto(struct txt *t, const struct ikev2_proposal *offers,
    size_t n_offers, const struct ikev2_proposal *accepts, size_t n_accepts,
    uint8_t protocol, bool say_proto)
{
	uint8_t types[256];
	struct alts ia, ra;
	size_t n, i, lines = 0;

	n = proto_types(offers, n_offers, accepts, n_accepts, protocol,
	    types);
	for (i = 0; i < n; i++) {
		alts_collect(&ia, offers, n_offers, protocol, types[i]);
		alts_collect(&ra, accepts, n_accepts, protocol, types[i]);
		if (alts_meet(&ia, &ra))
			continue;
		if (say_proto) {
			txt_proto(t, protocol);
			txt_add(t, " ");
		}
		txt_type(t, types[i]);
		txt_add(t, ": initiator offered ");
		txt_alts(t, &ia, protocol);
		txt_add(t, ", responder accepts ");
		txt_alts(t, &ra, protocol);
		txt_add(t, "\n");
		lines++;
	}
	if (lines == 0)
		explain_pairs(t, offers, n_offers, accepts, n_accepts,
		    protocol);
}

static bool
has_proto(const struct ikev2_proposal *ps, size_t n, uint8_t protocol)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (ps[i].protocol == protocol)
			return true;
	}
	return false;
}

/* The distinct protocols of ps, joined with " or ". */
static void
txt_protos(struct txt *t, const struct ikev2_proposal *ps, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (has_proto(ps, i, ps[i].protocol))
			continue;
		if (i > 0)
			txt_add(t, " or ");
		txt_proto(t, ps[i].protocol);
	}
}

size_t
ikev2_proposal_explain(const struct ikev2_proposal *offers, size_t n_offers,
    const struct ikev2_proposal *accepts, size_t n_accepts, char *dst,
    size_t size)
{
	struct txt t;
	size_t i, common = 0;

	txt_init(&t, dst, size);
	if (n_offers == 0 || n_accepts == 0 || offers == NULL ||
	    accepts == NULL) {
		txt_add(&t, "%s\n", n_offers == 0 || offers == NULL ?
		    "initiator offered no proposal" :
		    "responder accepts no proposal");
		return t.len;
	}
	if (ikev2_proposal_select(offers, n_offers, accepts, n_accepts,
	    NULL) >= 0)
		return 0;
	for (i = 0; i < n_offers; i++)
		common += !has_proto(offers, i, offers[i].protocol) &&
		    has_proto(accepts, n_accepts, offers[i].protocol);
	if (common == 0) {
		txt_add(&t, "protocol: initiator offered ");
		txt_protos(&t, offers, n_offers);
		txt_add(&t, ", responder accepts ");
		txt_protos(&t, accepts, n_accepts);
		txt_add(&t, "\n");
		return t.len;
	}
	for (i = 0; i < n_offers; i++) {
		if (has_proto(offers, i, offers[i].protocol) ||
		    !has_proto(accepts, n_accepts, offers[i].protocol))
			continue;
		explain_proto(&t, offers, n_offers, accepts, n_accepts,
		    offers[i].protocol, common > 1);
	}
	return t.len;
}
