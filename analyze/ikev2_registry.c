/*
 * IKEv2 registry lookups (RFC 7296 3.x, IANA "IKEv2 Parameters"). Every
 * table comes from one analyze/ikev2_<reg>.def, expanded into a sorted
 * {value, name} array (searched with bsearch) plus, for the tables with
 * extra columns (payload abbreviations, notify kind and data length,
 * cipher properties, KE sizes), a side array in the same row order so a
 * row's index finds its extras. tests/analyze/test_ikev2_registry.c
 * checks that every array is strictly increasing, which bsearch needs.
 */
#include "analyze/ikev2_registry.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct reg_row {
	uint32_t value;
	const char *name; /* without the enum prefix */
};

/* A run of values with a common status, for ikev2_range(). */
struct reg_range {
	uint32_t lo, hi; /* inclusive */
	const char *note;
};

#define NROWS(a) (sizeof(a) / sizeof((a)[0]))

static const struct reg_row exchange_rows[] = {
#define EXCH(name, value) {value, #name},
#include "analyze/ikev2_exchange.def"
#undef EXCH
};

static const struct reg_row payload_rows[] = {
#define PAYLOAD(name, value, abbrev) {value, #name},
#include "analyze/ikev2_payload.def"
#undef PAYLOAD
};
static const char *const payload_abbrevs[] = {
#define PAYLOAD(name, value, abbrev) abbrev,
#include "analyze/ikev2_payload.def"
#undef PAYLOAD
};

static const struct reg_row notify_rows[] = {
#define NOTIFY(name, value, kind, len, spi) {value, #name},
#include "analyze/ikev2_notify.def"
#undef NOTIFY
};

/* Notify extras: the .def's len and spi columns become these values. */
struct notify_extra {
	enum ikev2_notify_kind kind;
	struct ikev2_notify_len len;
};
#define ANY {0, 65535, 1, false}
#define EXACT(n) {n, n, 1, false}
#define RANGE(lo, hi) {lo, hi, 1, false}
#define MULT(n) {n, 65535, n, false}
#define MIN(n) {n, 65535, 1, false}
#define ANY_SPI false
#define WITH_SPI true
static const struct notify_extra notify_extras[] = {
#define NOTIFY(name, value, kind, len, spi)				\
	{IKEV2_NOTIFY_##kind, len},
#include "analyze/ikev2_notify.def"
#undef NOTIFY
};
/* The spi column, kept apart so the len initialiser stays one token. */
static const bool notify_spi[] = {
#define NOTIFY(name, value, kind, len, spi) spi,
#include "analyze/ikev2_notify.def"
#undef NOTIFY
};
#undef ANY
#undef EXACT
#undef RANGE
#undef MULT
#undef MIN
#undef ANY_SPI
#undef WITH_SPI

static const struct reg_row ttype_rows[] = {
#define TTYPE(name, value) {value, #name},
#include "analyze/ikev2_transform_type.def"
#undef TTYPE
};

static const struct reg_row encr_rows[] = {
#define ENCR(name, value, aead, fixed_bits) {value, #name},
#include "analyze/ikev2_encr.def"
#undef ENCR
};
struct encr_extra {
	bool aead;
	uint16_t fixed_bits;
};
static const struct encr_extra encr_extras[] = {
#define ENCR(name, value, aead, fixed_bits) {aead, fixed_bits},
#include "analyze/ikev2_encr.def"
#undef ENCR
};

static const struct reg_row prf_rows[] = {
#define PRF(name, value) {value, #name},
#include "analyze/ikev2_prf.def"
#undef PRF
};

static const struct reg_row integ_rows[] = {
#define INTEG(name, value) {value, #name},
#include "analyze/ikev2_integ.def"
#undef INTEG
};

static const struct reg_row ke_rows[] = {
#define KE(name, value, bits) {value, #name},
#include "analyze/ikev2_ke.def"
#undef KE
};
static const uint16_t ke_bits[] = {
#define KE(name, value, bits) bits,
#include "analyze/ikev2_ke.def"
#undef KE
};

static const struct reg_row esn_rows[] = {
#define ESN(name, value) {value, #name},
#include "analyze/ikev2_esn.def"
#undef ESN
};

static const struct reg_row auth_rows[] = {
#define AUTHM(name, value) {value, #name},
#include "analyze/ikev2_auth.def"
#undef AUTHM
};

static const struct reg_row id_rows[] = {
#define IDT(name, value) {value, #name},
#include "analyze/ikev2_id.def"
#undef IDT
};

static const struct reg_row cert_rows[] = {
#define CERT(name, value) {value, #name},
#include "analyze/ikev2_cert.def"
#undef CERT
};

static const struct reg_row ts_rows[] = {
#define TS(name, value) {value, #name},
#include "analyze/ikev2_ts.def"
#undef TS
};

static const struct reg_row cp_rows[] = {
#define CP(name, value) {value, #name},
#include "analyze/ikev2_cp.def"
#undef CP
};

static const struct reg_row cfg_rows[] = {
#define CFG(name, value) {value, #name},
#include "analyze/ikev2_cfg.def"
#undef CFG
};

static const struct reg_row proto_rows[] = {
#define PROTO(name, value) {value, #name},
#include "analyze/ikev2_proto.def"
#undef PROTO
};

static const struct reg_row eap_code_rows[] = {
#define EAPCODE(name, value) {value, #name},
#include "analyze/ikev2_eap_code.def"
#undef EAPCODE
};

static const struct reg_row eap_type_rows[] = {
#define EAPTYPE(name, value) {value, #name},
#include "analyze/ikev2_eap_type.def"
#undef EAPTYPE
};

static const struct reg_row hash_rows[] = {
#define SIGHASH(name, value) {value, #name},
#include "analyze/ikev2_hash.def"
#undef SIGHASH
};

#define V1PAYLOAD(name, value)
#define V1NOTIFY(name, value)
static const struct reg_row v1_exchange_rows[] = {
#define V1EXCH(name, value) {value, #name},
#include "analyze/ikev1_registry.def"
#undef V1EXCH
};
#undef V1PAYLOAD
#undef V1NOTIFY

#define V1EXCH(name, value)
#define V1NOTIFY(name, value)
static const struct reg_row v1_payload_rows[] = {
#define V1PAYLOAD(name, value) {value, #name},
#include "analyze/ikev1_registry.def"
#undef V1PAYLOAD
};
#undef V1EXCH
#undef V1NOTIFY

#define V1EXCH(name, value)
#define V1PAYLOAD(name, value)
static const struct reg_row v1_notify_rows[] = {
#define V1NOTIFY(name, value) {value, #name},
#include "analyze/ikev1_registry.def"
#undef V1NOTIFY
};
#undef V1EXCH
#undef V1PAYLOAD

/*
 * Range rules per registry (IANA "Reserved", "Unassigned", "Private
 * use"); first match wins, anything else unnamed is "unassigned".
 */
static const struct reg_range exchange_ranges[] = {
	{0, 33, "reserved"}, {240, 255, "private use"},
};
static const struct reg_range payload_ranges[] = {
	{1, 32, "reserved"}, {128, 255, "private use"},
};
static const struct reg_range notify_ranges[] = {
	{0, 49, "reserved"}, {50, 8191, "unassigned error"},
	{8192, 16383, "private use error"},
	{16384, 40959, "unassigned status"},
	{40960, 65535, "private use status"},
};
static const struct reg_range ttype_ranges[] = {
	{0, 0, "reserved"}, {241, 255, "private use"},
};
static const struct reg_range encr_ranges[] = {
	{0, 0, "reserved"}, {1024, 65535, "private use"},
};
static const struct reg_range prf_ranges[] = {
	{0, 0, "reserved"}, {1024, 65535, "private use"},
};
static const struct reg_range integ_ranges[] = {
	{1024, 65535, "private use"},
};
static const struct reg_range ke_ranges[] = {
	{3, 13, "reserved"}, {32768, 65535, "private use"},
};
static const struct reg_range id_ranges[] = {
	{0, 8, "reserved"}, {201, 255, "private use"},
};
static const struct reg_range auth_ranges[] = {
	{0, 8, "reserved"}, {201, 255, "private use"},
};
static const struct reg_range cert_ranges[] = {
	{0, 5, "reserved"}, {201, 255, "private use"},
};
static const struct reg_range ts_ranges[] = {
	{0, 6, "reserved"}, {241, 255, "private use"},
};
static const struct reg_range cp_ranges[] = {
	{0, 0, "reserved"}, {128, 255, "private use"},
};
static const struct reg_range cfg_ranges[] = {
	{0, 11, "reserved"}, {16384, 32767, "private use"},
};
static const struct reg_range proto_ranges[] = {
	{201, 255, "private use"},
};
static const struct reg_range hash_ranges[] = {
	{0, 0, "reserved"}, {1024, 65535, "private use"},
};
/* RFC 2408 3.1 / 3.14.1 */
static const struct reg_range v1_exchange_ranges[] = {
	{7, 31, "reserved (DOI)"}, {34, 239, "DOI specific"},
	{240, 255, "private use"},
};
static const struct reg_range v1_payload_ranges[] = {
	{128, 255, "private use"},
};
static const struct reg_range v1_notify_ranges[] = {
	{31, 8191, "reserved"}, {8192, 16383, "private use error"},
	{16385, 24575, "reserved status"}, {24576, 32767, "DOI status"},
	{32768, 40959, "private use status"},
};

struct reg_desc {
	const struct reg_row *rows;
	size_t n;
	const char *prefix; /* enum prefix accepted by ikev2_lookup_value */
	const char *title;
	const struct reg_range *ranges;
	size_t n_ranges;
};

#define DESC(rows, prefix, title, ranges)				\
	{rows, NROWS(rows), prefix, title, ranges, NROWS(ranges)}
#define DESC0(rows, prefix, title) {rows, NROWS(rows), prefix, title, NULL, 0}

static const struct reg_desc regs[IKEV2_REG__COUNT] = {
	[IKEV2_REG_EXCHANGE] = DESC(exchange_rows, "IKEV2_EXCH_",
	    "exchange type", exchange_ranges),
	[IKEV2_REG_PAYLOAD] = DESC(payload_rows, "IKEV2_PT_", "payload type",
	    payload_ranges),
	[IKEV2_REG_NOTIFY] = DESC(notify_rows, "IKEV2_N_", "notify type",
	    notify_ranges),
	[IKEV2_REG_TRANSFORM_TYPE] = DESC(ttype_rows, "IKEV2_TT_",
	    "transform type", ttype_ranges),
	[IKEV2_REG_ENCR] = DESC(encr_rows, "IKEV2_ENCR_", "encryption "
	    "algorithm", encr_ranges),
	[IKEV2_REG_PRF] = DESC(prf_rows, "IKEV2_PRF_", "PRF", prf_ranges),
	[IKEV2_REG_INTEG] = DESC(integ_rows, "IKEV2_INTEG_", "integrity "
	    "algorithm", integ_ranges),
	[IKEV2_REG_KE] = DESC(ke_rows, "IKEV2_KE_", "key exchange method",
	    ke_ranges),
	[IKEV2_REG_ESN] = DESC0(esn_rows, "IKEV2_ESN_", "sequence numbers"),
	[IKEV2_REG_AUTH] = DESC(auth_rows, "IKEV2_AUTH_", "auth method",
	    auth_ranges),
	[IKEV2_REG_ID] = DESC(id_rows, "IKEV2_ID_", "ID type", id_ranges),
	[IKEV2_REG_CERT] = DESC(cert_rows, "IKEV2_CERT_", "certificate "
	    "encoding", cert_ranges),
	[IKEV2_REG_TS] = DESC(ts_rows, "IKEV2_TS_", "traffic selector type",
	    ts_ranges),
	[IKEV2_REG_CP] = DESC(cp_rows, "IKEV2_CP_", "configuration type",
	    cp_ranges),
	[IKEV2_REG_CFG] = DESC(cfg_rows, "IKEV2_CFG_", "configuration "
	    "attribute", cfg_ranges),
	[IKEV2_REG_PROTO] = DESC(proto_rows, "IKEV2_PROTO_", "protocol ID",
	    proto_ranges),
	[IKEV2_REG_EAP_CODE] = DESC0(eap_code_rows, "IKEV2_EAP_CODE_",
	    "EAP code"),
	[IKEV2_REG_EAP_TYPE] = DESC0(eap_type_rows, "IKEV2_EAP_TYPE_",
	    "EAP method"),
	[IKEV2_REG_HASH] = DESC(hash_rows, "IKEV2_HASH_", "hash algorithm",
	    hash_ranges),
	[IKEV2_REG_IKEV1_EXCHANGE] = DESC(v1_exchange_rows, "IKEV1_EXCH_",
	    "IKEv1 exchange type", v1_exchange_ranges),
	[IKEV2_REG_IKEV1_PAYLOAD] = DESC(v1_payload_rows, "IKEV1_PT_",
	    "IKEv1 payload type", v1_payload_ranges),
	[IKEV2_REG_IKEV1_NOTIFY] = DESC(v1_notify_rows, "IKEV1_N_",
	    "IKEv1 notify type", v1_notify_ranges),
};

static const struct reg_desc *
desc(enum ikev2_reg reg)
{
	if ((unsigned)reg >= IKEV2_REG__COUNT)
		return NULL;
	return &regs[reg];
}

static int
row_cmp(const void *key, const void *elem)
{
	uint32_t k = *(const uint32_t *)key;
	const struct reg_row *r = elem;

	if (k < r->value)
		return -1;
	return k > r->value;
}

/* Index of value's row in reg, or -1. */
static long
find(enum ikev2_reg reg, uint32_t value)
{
	const struct reg_desc *d = desc(reg);
	const struct reg_row *r;

	if (d == NULL)
		return -1;
	r = bsearch(&value, d->rows, d->n, sizeof(d->rows[0]), row_cmp);
	if (r == NULL)
		return -1;
	return (long)(r - d->rows);
}

const char *
ikev2_name(enum ikev2_reg reg, uint32_t value)
{
	long i = find(reg, value);

	if (i < 0)
		return "UNKNOWN";
	return regs[reg].rows[i].name;
}

bool
ikev2_known(enum ikev2_reg reg, uint32_t value)
{
	return find(reg, value) >= 0;
}

/* Strips prefix (case-insensitively) from name when present. */
static const char *
strip_prefix(const char *name, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strncasecmp(name, prefix, n) == 0 && name[n] != '\0')
		return name + n;
	return name;
}

bool
ikev2_lookup_value(enum ikev2_reg reg, const char *name, uint32_t *value)
{
	const struct reg_desc *d = desc(reg);
	const char *bare;
	size_t i;

	if (d == NULL || name == NULL || value == NULL)
		return false;
	bare = strip_prefix(name, d->prefix);
	for (i = 0; i < d->n; i++) {
		if (strcasecmp(bare, d->rows[i].name) == 0)
			goto found;
	}
	/* Payloads are also known by their abbreviation ("IDi", "Nr"). */
	if (reg == IKEV2_REG_PAYLOAD) {
		if (strcasecmp(name, "Ni") == 0 || strcasecmp(name, "Nr") == 0)
			name = "Nonce";
		for (i = 0; i < d->n; i++) {
			if (strcasecmp(name, payload_abbrevs[i]) == 0)
				goto found;
		}
	}
	return false;
found:
	*value = d->rows[i].value;
	return true;
}

const char *
ikev2_range(enum ikev2_reg reg, uint32_t value)
{
	const struct reg_desc *d = desc(reg);
	size_t i;

	if (d == NULL)
		return "unassigned";
	if (find(reg, value) >= 0)
		return NULL;
	for (i = 0; i < d->n_ranges; i++) {
		if (value >= d->ranges[i].lo && value <= d->ranges[i].hi)
			return d->ranges[i].note;
	}
	return "unassigned";
}

const char *
ikev2_reg_title(enum ikev2_reg reg)
{
	const struct reg_desc *d = desc(reg);

	return d == NULL ? "UNKNOWN" : d->title;
}

size_t
ikev2_reg_count(enum ikev2_reg reg)
{
	const struct reg_desc *d = desc(reg);

	return d == NULL ? 0 : d->n;
}

bool
ikev2_reg_row(enum ikev2_reg reg, size_t i, uint32_t *value,
    const char **name)
{
	const struct reg_desc *d = desc(reg);

	if (d == NULL || i >= d->n)
		return false;
	if (value != NULL)
		*value = d->rows[i].value;
	if (name != NULL)
		*name = d->rows[i].name;
	return true;
}

enum ikev2_reg
ikev2_transform_reg(uint8_t transform_type)
{
	if (transform_type >= IKEV2_TT_ADDKE1 &&
	    transform_type <= IKEV2_TT_ADDKE7)
		return IKEV2_REG_KE;
	switch (transform_type) {
	case IKEV2_TT_ENCR:
		return IKEV2_REG_ENCR;
	case IKEV2_TT_PRF:
		return IKEV2_REG_PRF;
	case IKEV2_TT_INTEG:
		return IKEV2_REG_INTEG;
	case IKEV2_TT_KE:
		return IKEV2_REG_KE;
	case IKEV2_TT_ESN:
		return IKEV2_REG_ESN;
	default:
		return IKEV2_REG__COUNT;
	}
}

const char *
ikev2_transform_name(uint8_t transform_type, uint16_t id)
{
	enum ikev2_reg reg = ikev2_transform_reg(transform_type);

	if (reg == IKEV2_REG__COUNT)
		return "UNKNOWN";
	return ikev2_name(reg, id);
}

bool
ikev2_encr_is_aead(uint16_t encr_id)
{
	long i = find(IKEV2_REG_ENCR, encr_id);

	return i >= 0 && encr_extras[i].aead;
}

uint16_t
ikev2_encr_fixed_bits(uint16_t encr_id)
{
	long i = find(IKEV2_REG_ENCR, encr_id);

	return i < 0 ? 0 : encr_extras[i].fixed_bits;
}

uint16_t
ikev2_ke_bits(uint16_t ke_id)
{
	long i = find(IKEV2_REG_KE, ke_id);

	return i < 0 ? 0 : ke_bits[i];
}

const char *
ikev2_payload_short(uint8_t type)
{
	long i = find(IKEV2_REG_PAYLOAD, type);

	return i < 0 ? "UNKNOWN" : payload_abbrevs[i];
}

const char *
ikev2_payload_abbrev(uint8_t type, bool from_initiator)
{
	if (type == IKEV2_PT_NONCE)
		return from_initiator ? "Ni" : "Nr";
	return ikev2_payload_short(type);
}

enum ikev2_notify_kind
ikev2_notify_kind(uint16_t type)
{
	long i = find(IKEV2_REG_NOTIFY, type);

	if (i >= 0)
		return notify_extras[i].kind;
	if (type < 8192)
		return IKEV2_NOTIFY_ERROR;
	if (type < 16384 || type >= 40960)
		return IKEV2_NOTIFY_PRIVATE;
	return IKEV2_NOTIFY_STATUS;
}

const char *
ikev2_notify_kind_name(enum ikev2_notify_kind kind)
{
	static const char *const names[] = {
		[IKEV2_NOTIFY_ERROR] = "ERROR",
		[IKEV2_NOTIFY_STATUS] = "STATUS",
		[IKEV2_NOTIFY_PRIVATE] = "PRIVATE",
	};

	if ((unsigned)kind >= NROWS(names))
		return "UNKNOWN";
	return names[kind];
}

bool
ikev2_notify_is_error(uint16_t type)
{
	return type < 16384;
}

bool
ikev2_notify_expected_len(uint16_t type, struct ikev2_notify_len *out)
{
	static const struct ikev2_notify_len any = {0, 65535, 1, false};
	long i = find(IKEV2_REG_NOTIFY, type);
	struct ikev2_notify_len l = any;

	if (i >= 0) {
		l = notify_extras[i].len;
		l.spi = notify_spi[i];
	}
	if (out != NULL)
		*out = l;
	return l.min != any.min || l.max != any.max || l.mult != any.mult ||
	    l.spi;
}

bool
ikev2_notify_len_ok(uint16_t type, size_t data_len)
{
	struct ikev2_notify_len l;

	(void)ikev2_notify_expected_len(type, &l);
	if (data_len < l.min || data_len > l.max)
		return false;
	return l.mult <= 1 || data_len % l.mult == 0;
}
