/*
 * Expected IPsec/IKE policy: the file format (docs/policy.md), its
 * validation with the rules of the Azure "IPsec/IKE policy" page
 * (/work/shared/seeds/004_66c0dc87f5fc9c98.txt: algorithm tables, QM SA
 * lifetime min. 300 s / 1024 KB, DPD timeout 9..3600 s, GCMAES IPsec
 * encryption needs the same GCMAES integrity, all six algorithms or
 * none, policy-based traffic selectors pair every local prefix with
 * every remote prefix), and the checks of negotiations against it: IKE
 * SA proposals (RFC 7296 3.3), CHILD_SA proposals and traffic selectors
 * (RFC 7296 3.13), rekey spacing (RFC 7296 2.8) and liveness checks
 * (RFC 7296 2.4).
 *
 * Workload: one small text file parsed once; checks run once per
 * finalised SA on fixed-size values. Nothing allocates but the policy.
 */
#include "analyze/policy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyze/ikev2_registry.h"
#include "formats/rd.h"
#include "formats/txt.h"

/* ---- text output with snprintf semantics ------------------------- */


/* ---- the keys ----------------------------------------------------- */

enum key_kind { KIND_ALG, KIND_UINT, KIND_BOOL, KIND_PREFIXES };

enum pkey {
	KEY_IKE_ENCR,
	KEY_IKE_INTEG,
	KEY_DH_GROUP,
	KEY_IPSEC_ENCR,
	KEY_IPSEC_INTEG,
	KEY_PFS_GROUP,
	KEY_SA_LIFE_S,
	KEY_SA_LIFE_KB,
	KEY_IKE_LIFE_S,
	KEY_POLICY_TS,
	KEY_LOCAL,
	KEY_REMOTE,
	KEY_DPD,
	KEY__COUNT
};
#define KEY_ALGS 6	/* the first six keys are the algorithms */

struct key_row {
	const char *name;	/* as printed (portal / New-AzIpsecPolicy) */
	const char *alias;	/* also accepted; NULL none */
	enum key_kind kind;
	enum ikev2_admin_slot slot;	/* KIND_ALG */
	uint32_t min, max, def;		/* KIND_UINT */
	const char *unit;		/* KIND_UINT, for messages */
};

/*
 * Ranges from the seed's "Algorithms and keys" table; maxima are the
 * Int32 of New-AzIpsecPolicy where the seed gives none. IkeLifeTimeSeconds
 * is ours: Azure fixes main mode at 28,800 s, other gateways differ.
 */
static const struct key_row keys[KEY__COUNT] = {
	[KEY_IKE_ENCR] = {"IkeEncryption", NULL, KIND_ALG,
	    IKEV2_ADMIN_IKE_ENCR, 0, 0, 0, NULL},
	[KEY_IKE_INTEG] = {"IkeIntegrity", NULL, KIND_ALG,
	    IKEV2_ADMIN_IKE_INTEG, 0, 0, 0, NULL},
	[KEY_DH_GROUP] = {"DhGroup", NULL, KIND_ALG,
	    IKEV2_ADMIN_DH_GROUP, 0, 0, 0, NULL},
	[KEY_IPSEC_ENCR] = {"IpsecEncryption", NULL, KIND_ALG,
	    IKEV2_ADMIN_IPSEC_ENCR, 0, 0, 0, NULL},
	[KEY_IPSEC_INTEG] = {"IpsecIntegrity", NULL, KIND_ALG,
	    IKEV2_ADMIN_IPSEC_INTEG, 0, 0, 0, NULL},
	[KEY_PFS_GROUP] = {"PfsGroup", NULL, KIND_ALG,
	    IKEV2_ADMIN_PFS_GROUP, 0, 0, 0, NULL},
	[KEY_SA_LIFE_S] = {"SALifeTimeSeconds", NULL, KIND_UINT,
	    IKEV2_ADMIN__COUNT, 300, INT32_MAX, 27000, "seconds"},
	[KEY_SA_LIFE_KB] = {"SADataSizeKilobytes", NULL, KIND_UINT,
	    IKEV2_ADMIN__COUNT, 1024, INT32_MAX, 102400000, "KB"},
	[KEY_IKE_LIFE_S] = {"IkeLifeTimeSeconds", NULL, KIND_UINT,
	    IKEV2_ADMIN__COUNT, 300, INT32_MAX, 28800, "seconds"},
	[KEY_POLICY_TS] = {"UsePolicyBasedTrafficSelectors", NULL, KIND_BOOL,
	    IKEV2_ADMIN__COUNT, 0, 0, 0, NULL},
	[KEY_LOCAL] = {"LocalPrefixes", "VNetPrefixes", KIND_PREFIXES,
	    IKEV2_ADMIN__COUNT, 0, 0, 0, NULL},
	[KEY_REMOTE] = {"RemotePrefixes", "OnPremisesPrefixes",
	    KIND_PREFIXES, IKEV2_ADMIN__COUNT, 0, 0, 0, NULL},
	[KEY_DPD] = {"DpdTimeoutSeconds", "DpdTimeoutInSeconds", KIND_UINT,
	    IKEV2_ADMIN__COUNT, 9, 3600, 45, "seconds"},
};

/* ---- the policy --------------------------------------------------- */

struct policy_algs {
	uint8_t n;
	struct ikev2_transform xf[LIMIT_POLICY_ALTS];
	uint32_t col[LIMIT_POLICY_ALTS];	/* 1-based column in the file */
};

struct policy_prefix {
	uint8_t family;		/* 4 or 6 */
	uint8_t bits;		/* prefix length */
	uint8_t addr[16];	/* network order, host bits zero */
};

enum { SIDE_LOCAL, SIDE_REMOTE };

struct policy {
	char name[256];				/* file, for messages */
	bool has_algs;				/* all six were given */
	struct policy_algs alg[IKEV2_ADMIN__COUNT]; /* IKE_PRF derived */
	uint32_t uval[KEY__COUNT];		/* KIND_UINT values */
	bool policy_based_ts;
	uint8_t n_prefix[2];			/* SIDE_LOCAL, SIDE_REMOTE */
	struct policy_prefix prefix[2][LIMIT_POLICY_PREFIXES];
	uint32_t line[KEY__COUNT];		/* where set; 0 = default */
};

const char *
policy_area_name(enum policy_area area)
{
	static const char *const names[POLICY_AREA__COUNT] = {
		"IKE_PROPOSAL", "IPSEC_PROPOSAL", "LIFETIME",
		"TRAFFIC_SELECTORS", "DPD", "POLICY_FILE",
	};

	return (unsigned)area < POLICY_AREA__COUNT ? names[area] : "UNKNOWN";
}

const char *
policy_severity_name(enum policy_severity severity)
{
	static const char *const names[POLICY_SEVERITY__COUNT] = {
		"MISMATCH", "WARNING", "INFO",
	};

	return (unsigned)severity < POLICY_SEVERITY__COUNT ? names[severity] :
	    "UNKNOWN";
}

/*
 * Same algorithm: same type and id, and the same key size, where a
 * missing Key Length attribute equals a fixed-size cipher's only size.
 */
static bool
xf_same(const struct ikev2_transform *a, const struct ikev2_transform *b)
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

static bool
algs_have(const struct policy_algs *a, const struct ikev2_transform *xf)
{
	size_t i;

	for (i = 0; i < a->n; i++) {
		if (xf_same(&a->xf[i], xf))
			return true;
	}
	return false;
}

static bool
is_aead(const struct ikev2_transform *xf)
{
	return xf->type == IKEV2_TT_ENCR && ikev2_encr_is_aead(xf->id);
}

/* Admin name of xf in slot, else its IANA (strongSwan-style) name. */
static void
out_xf(struct txt *o, enum ikev2_admin_slot slot,
    const struct ikev2_transform *xf)
{
	const char *name = ikev2_admin_name(slot, xf);
	char iana[48];

	if (name != NULL) {
		txt_add(o, "%s", name);
		return;
	}
	(void)ikev2_transform_text(xf, iana, sizeof(iana));
	txt_add(o, "%s", iana);
}

/* A slot's alternatives joined by sep: "AES256,AES128". */
static void
out_algs(struct txt *o, const struct policy *p, enum ikev2_admin_slot slot,
    const char *sep)
{
	size_t i;

	for (i = 0; i < p->alg[slot].n; i++) {
		if (i > 0)
			txt_add(o, "%s", sep);
		out_xf(o, slot, &p->alg[slot].xf[i]);
	}
}

size_t
policy_ike_text(const struct policy *p, char *dst, size_t size)
{
	struct txt o;

	txt_init(&o, dst, size);
	if (p == NULL || !p->has_algs)
		return 0;
	out_algs(&o, p, IKEV2_ADMIN_IKE_ENCR, ",");
	txt_add(&o, "/");
	out_algs(&o, p, IKEV2_ADMIN_IKE_INTEG, ",");
	txt_add(&o, "/");
	out_algs(&o, p, IKEV2_ADMIN_DH_GROUP, ",");
	return o.len;
}

size_t
policy_ipsec_text(const struct policy *p, char *dst, size_t size)
{
	struct txt o;

	txt_init(&o, dst, size);
	if (p == NULL || !p->has_algs)
		return 0;
	out_algs(&o, p, IKEV2_ADMIN_IPSEC_ENCR, ",");
	txt_add(&o, "/");
	out_algs(&o, p, IKEV2_ADMIN_IPSEC_INTEG, ",");
	txt_add(&o, "/");
	out_algs(&o, p, IKEV2_ADMIN_PFS_GROUP, ",");
	return o.len;
}

static void
out_prefix(struct txt *o, const struct policy_prefix *pf)
{
	char a[INET6_ADDRSTRLEN];

	if (inet_ntop(pf->family == 6 ? AF_INET6 : AF_INET, pf->addr, a,
	    sizeof(a)) == NULL)
		txt_add(o, "?");
	else
		txt_add(o, "%s/%u", a, pf->bits);
}

/* One key = value line of policy_text(). */
static void
out_key(struct txt *o, const struct policy *p, enum pkey k)
{
	const struct key_row *kr = &keys[k];
	size_t i, side = k == KEY_LOCAL ? SIDE_LOCAL : SIDE_REMOTE;

	/* Defaults print as comments, so the text parses back the same. */
	if (p->line[k] == 0)
		txt_add(o, "# %-29s = ", kr->name);
	else
		txt_add(o, "%-31s = ", kr->name);
	switch (kr->kind) {
	case KIND_ALG:
		out_algs(o, p, kr->slot, ", ");
		break;
	case KIND_UINT:
		txt_add(o, "%u", p->uval[k]);
		break;
	case KIND_BOOL:
		txt_add(o, "%s", p->policy_based_ts ? "true" : "false");
		break;
	case KIND_PREFIXES:
		for (i = 0; i < p->n_prefix[side]; i++) {
			if (i > 0)
				txt_add(o, ", ");
			out_prefix(o, &p->prefix[side][i]);
		}
		break;
	}
	txt_add(o, "%s\n", p->line[k] == 0 ? "  (default)" : "");
}

size_t
policy_text(const struct policy *p, char *dst, size_t size)
{
	struct txt o;
	size_t k;

	txt_init(&o, dst, size);
	if (p == NULL)
		return 0;
	txt_add(&o, "# IPsec/IKE policy from %s\n", p->name);
	if (!p->has_algs)
		txt_add(&o, "# no custom algorithms: gateway default "
		    "proposals\n");
	for (k = 0; k < KEY__COUNT; k++) {
		if (k < KEY_ALGS && !p->has_algs)
			continue;
		if ((k == KEY_LOCAL || k == KEY_REMOTE) &&
		    p->n_prefix[k == KEY_LOCAL ? SIDE_LOCAL : SIDE_REMOTE] == 0)
			continue;
		out_key(&o, p, (enum pkey)k);
	}
	return o.len;
}

void
policy_get_values(const struct policy *p, struct policy_values *out)
{
	memset(out, 0, sizeof(*out));
	if (p == NULL)
		return;
	out->has_algorithms = p->has_algs;
	out->sa_lifetime_s = p->uval[KEY_SA_LIFE_S];
	out->sa_lifetime_kb = p->uval[KEY_SA_LIFE_KB];
	out->ike_lifetime_s = p->uval[KEY_IKE_LIFE_S];
	out->dpd_timeout_s = p->uval[KEY_DPD];
	out->policy_based_ts = p->policy_based_ts;
	out->n_local = p->n_prefix[SIDE_LOCAL];
	out->n_remote = p->n_prefix[SIDE_REMOTE];
}

void
policy_free(struct policy *p)
{
	free(p);
}

/* ---- parsing ------------------------------------------------------ */

struct pctx {
	struct policy *p;
	struct txt err;
	unsigned n_errors;
	uint32_t lineno;	/* current line, 1-based */
	size_t line_base;	/* absolute offset of the line's first byte */
};

static void perr(struct pctx *c, uint32_t line, size_t col, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

/* Appends "name:line:col: message\n" to the error text. */
static void
perr(struct pctx *c, uint32_t line, size_t col, const char *fmt, ...)
{
	char msg[320];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	txt_add(&c->err, "%s:%u:%zu: %s\n", c->p->name, line, col, msg);
	c->n_errors++;
}

/* Column (1-based) of r's cursor on the current line. */
static size_t
col_of(const struct pctx *c, const struct rd *r)
{
	return rd_pos(r) - c->line_base + 1;
}

static bool
is_blank(uint8_t ch)
{
	return ch == ' ' || ch == '\t';
}

static void
skip_blanks(struct rd *r)
{
	while (rd_left(r) > 0 && is_blank(rd_peek_u8(r, 0)))
		rd_skip(r, 1);
}

/* Drops trailing blanks by moving r's end back. */
static void
trim_end(struct rd *r)
{
	while (rd_left(r) > 0 && is_blank(rd_peek_u8(r, rd_left(r) - 1)))
		(void)rd_tail(r, 1);
}

/* Index of the first ch in what is left of r, or rd_left(r). */
static size_t
find_byte(const struct rd *r, uint8_t ch)
{
	size_t i, n = rd_left(r);

	for (i = 0; i < n; i++) {
		if (rd_peek_u8(r, i) == ch)
			break;
	}
	return i;
}

/*
 * Next line of file without its '\n' (and a '\r' before it); false at
 * the end of the file.
 */
static bool
next_line(struct rd *file, struct rd *line)
{
	size_t n;

	if (!rd_ok(file) || rd_left(file) == 0)
		return false;
	n = find_byte(file, '\n');
	*line = rd_sub(file, n);
	if (rd_left(file) > 0)
		rd_skip(file, 1);
	if (rd_left(line) > 0 && rd_peek_u8(line, rd_left(line) - 1) == '\r')
		(void)rd_tail(line, 1);
	return true;
}

/* Copies r's remaining bytes into buf as a C string; false if too long. */
static bool
rd_cstr(struct rd *r, char *buf, size_t size)
{
	size_t n = rd_left(r);

	if (n >= size) {
		buf[0] = '\0';
		return false;
	}
	if (!rd_copy(r, buf, n))
		return false;
	buf[n] = '\0';
	return true;
}

/* The comma-separated items of one value. */
struct items {
	struct rd v;
	bool after_comma;	/* the last item ended on ',' */
};

/*
 * Next item, blanks and one pair of quotes ("GCMAES256", PowerShell
 * style) removed; *col gets its column. An empty item (",," or a final
 * ",") comes back empty for the caller to report. False when the value
 * is used up.
 */
static bool
next_item(const struct pctx *c, struct items *it, struct rd *item,
    size_t *col)
{
	size_t n;
	uint8_t q;

	skip_blanks(&it->v);
	*col = col_of(c, &it->v);
	if (rd_left(&it->v) == 0) {
		if (!it->after_comma)
			return false;
		it->after_comma = false;
		*item = rd_sub(&it->v, 0);
		return true;
	}
	n = find_byte(&it->v, ',');
	*item = rd_sub(&it->v, n);
	it->after_comma = rd_left(&it->v) > 0;
	if (it->after_comma)
		rd_skip(&it->v, 1);
	trim_end(item);
	q = rd_peek_u8(item, 0);
	if (rd_left(item) >= 2 && (q == '"' || q == '\'') &&
	    rd_peek_u8(item, rd_left(item) - 1) == q) {
		rd_skip(item, 1);
		(void)rd_tail(item, 1);
		*col = col_of(c, item);
	}
	return true;
}

/*
 * The names a slot accepts, from the admin vocabulary itself (walking the
 * registries asks ikev2_admin_name() about every algorithm), so messages
 * never disagree with the parser.
 */
static void
slot_names(enum ikev2_admin_slot slot, char *dst, size_t size)
{
	static const uint16_t bits[] = {0, 128, 192, 256};
	uint8_t types[2] = {IKEV2_TT_ENCR, 0};
	const char *seen[32];
	size_t n_seen = 0, t, i, b, k;
	struct txt o;

	txt_init(&o, dst, size);
	if (slot == IKEV2_ADMIN_IKE_INTEG)
		types[0] = IKEV2_TT_INTEG;
	else if (slot == IKEV2_ADMIN_IPSEC_INTEG)
		types[1] = IKEV2_TT_INTEG;
	else if (slot == IKEV2_ADMIN_DH_GROUP || slot == IKEV2_ADMIN_PFS_GROUP)
		types[0] = IKEV2_TT_KE;
	else if (slot == IKEV2_ADMIN_IKE_PRF)
		types[0] = IKEV2_TT_PRF;
	for (t = 0; t < 2 && types[t] != 0; t++) {
		enum ikev2_reg reg = ikev2_transform_reg(types[t]);
		uint32_t id;

		for (i = 0; ikev2_reg_row(reg, i, &id, NULL); i++) {
			for (b = 0; b < sizeof(bits) / sizeof(bits[0]); b++) {
				struct ikev2_transform xf = {types[t],
				    (uint16_t)id, bits[b]};
				const char *name = ikev2_admin_name(slot, &xf);

				/* Rows are static: one name, one pointer. */
				for (k = 0; k < n_seen && seen[k] != name; k++)
					;
				if (name == NULL || k < n_seen ||
				    n_seen == sizeof(seen) / sizeof(seen[0]))
					continue;
				seen[n_seen++] = name;
				txt_add(&o, "%s%s", n_seen > 1 ? ", " : "",
				    name);
			}
		}
	}
}

/* Item as a C string for messages and lookups; reports one too long. */
static bool
item_str(struct pctx *c, struct rd *item, size_t col, const char *key,
    char *buf, size_t size)
{
	if (rd_left(item) == 0) {
		perr(c, c->lineno, col, "%s: empty item in the list", key);
		return false;
	}
	if (!rd_cstr(item, buf, size)) {
		perr(c, c->lineno, col, "%s: value of %zu characters is "
		    "longer than %zu", key, rd_left(item), size - 1);
		return false;
	}
	return true;
}

/* IkeEncryption = AES256, AES128: admin names of one slot, any of them. */
static void
parse_alg(struct pctx *c, enum pkey k, struct items *it)
{
	const struct key_row *kr = &keys[k];
	struct policy_algs *a = &c->p->alg[kr->slot];
	struct ikev2_transform xf;
	struct rd item;
	char name[32], allowed[200];
	size_t col;

	while (next_item(c, it, &item, &col)) {
		if (!item_str(c, &item, col, kr->name, name, sizeof(name)))
			continue;
		if (ikev2_admin_name_parse(name, kr->slot, &xf) != RC_OK) {
			slot_names(kr->slot, allowed, sizeof(allowed));
			perr(c, c->lineno, col, "%s: '%s' is not one of %s",
			    kr->name, name, allowed);
			continue;
		}
		if (algs_have(a, &xf))
			continue;	/* "AES256, aes256": same choice */
		if (a->n == LIMIT_POLICY_ALTS) {
			perr(c, c->lineno, col, "%s: more than %u algorithms",
			    kr->name, LIMIT_POLICY_ALTS);
			return;
		}
		a->col[a->n] = (uint32_t)col;
		a->xf[a->n++] = xf;
	}
}

/* One unsigned decimal within the key's range (strtoul, checked). */
static void
parse_uint(struct pctx *c, enum pkey k, struct items *it)
{
	const struct key_row *kr = &keys[k];
	struct rd item;
	char num[16], *end;
	unsigned long v;
	size_t col;

	if (!next_item(c, it, &item, &col) ||
	    !item_str(c, &item, col, kr->name, num, sizeof(num)))
		return;
	if (it->after_comma || rd_left(&it->v) > 0) {
		perr(c, c->lineno, col, "%s takes one number, not a list",
		    kr->name);
		return;
	}
	/* strtoul alone would take blanks, a sign and "0x". */
	errno = 0;
	v = strtoul(num, &end, 10);
	if (num[0] < '0' || num[0] > '9' || *end != '\0' || errno != 0) {
		perr(c, c->lineno, col, "%s: '%s' is not a whole number of %s",
		    kr->name, num, kr->unit);
		return;
	}
	if (v < kr->min) {
		perr(c, c->lineno, col, "%s %lu < minimum %u %s", kr->name, v,
		    kr->min, kr->unit);
		return;
	}
	if (v > kr->max) {
		perr(c, c->lineno, col, "%s %lu > maximum %u %s", kr->name, v,
		    kr->max, kr->unit);
		return;
	}
	c->p->uval[k] = (uint32_t)v;
}

/* true/false as PowerShell ($True), the portal (Enable) or ini files. */
static void
parse_bool(struct pctx *c, enum pkey k, struct items *it)
{
	static const char *const yes[] = {"true", "$true", "yes", "on", "1",
	    "enable", "enabled"};
	static const char *const no[] = {"false", "$false", "no", "off", "0",
	    "disable", "disabled"};
	struct rd item;
	char word[16];
	size_t col, i;
	bool single;

	if (!next_item(c, it, &item, &col) ||
	    !item_str(c, &item, col, keys[k].name, word, sizeof(word)))
		return;
	single = !it->after_comma && rd_left(&it->v) == 0;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]) && single; i++) {
		if (strcasecmp(word, yes[i]) == 0) {
			c->p->policy_based_ts = true;
			return;
		}
		if (strcasecmp(word, no[i]) == 0) {
			c->p->policy_based_ts = false;
			return;
		}
	}
	perr(c, c->lineno, col, "%s: '%s' is not true or false",
	    keys[k].name, word);
}

/* Mask of byte i of a prefix of the given length. */
static uint8_t
byte_mask(unsigned bits, size_t i)
{
	static const uint8_t masks[9] = {0x00, 0x80, 0xc0, 0xe0, 0xf0, 0xf8,
	    0xfc, 0xfe, 0xff};
	unsigned keep = bits >= 8 * (i + 1) ? 8 :
	    bits > 8 * i ? bits - 8 * (unsigned)i : 0;

	return masks[keep];
}

/* Zeroes the host bits of addr (len bytes) past bits; true if any set. */
static bool
clear_host_bits(uint8_t *addr, size_t len, unsigned bits)
{
	bool had = false;
	size_t i;

	for (i = 0; i < len; i++) {
		uint8_t mask = byte_mask(bits, i);

		had |= (addr[i] & (uint8_t)~mask) != 0;
		addr[i] &= mask;
	}
	return had;
}

/* "10.1.0.0/16" or "2001:db8::/32"; a bare address is a host prefix. */
static bool
parse_one_prefix(struct pctx *c, const char *key, char *text, size_t col,
    struct policy_prefix *out)
{
	char *slash = strchr(text, '/'), *end;
	unsigned long bits;
	unsigned max;
	struct policy_prefix pf;

	memset(&pf, 0, sizeof(pf));
	if (slash != NULL)
		*slash = '\0';
	if (inet_pton(AF_INET, text, pf.addr) == 1)
		pf.family = 4;
	else if (inet_pton(AF_INET6, text, pf.addr) == 1)
		pf.family = 6;
	if (pf.family == 0) {
		perr(c, c->lineno, col, "%s: '%s' is not an IPv4 or IPv6 "
		    "address", key, text);
		return false;
	}
	max = pf.family == 4 ? 32 : 128;
	bits = max;
	if (slash != NULL) {
		errno = 0;
		bits = strtoul(slash + 1, &end, 10);
		if (slash[1] < '0' || slash[1] > '9' || *end != '\0' ||
		    errno != 0 || bits > max) {
			perr(c, c->lineno, col, "%s: prefix length '%s' of %s "
			    "is not 0..%u", key, slash + 1, text, max);
			return false;
		}
	}
	pf.bits = (uint8_t)bits;
	if (clear_host_bits(pf.addr, pf.family == 4 ? 4 : 16, pf.bits)) {
		char a[INET6_ADDRSTRLEN];

		(void)inet_ntop(pf.family == 4 ? AF_INET : AF_INET6, pf.addr,
		    a, sizeof(a));
		perr(c, c->lineno, col, "%s: %s/%u has host bits set (the "
		    "prefix is %s/%u)", key, text, pf.bits, a, pf.bits);
		return false;
	}
	*out = pf;
	return true;
}

static void
parse_prefixes(struct pctx *c, enum pkey k, struct items *it)
{
	size_t side = k == KEY_LOCAL ? SIDE_LOCAL : SIDE_REMOTE, col, i;
	struct policy *p = c->p;
	struct policy_prefix pf;
	struct rd item;
	char text[64];

	while (next_item(c, it, &item, &col)) {
		if (!item_str(c, &item, col, keys[k].name, text, sizeof(text)))
			continue;
		if (!parse_one_prefix(c, keys[k].name, text, col, &pf))
			continue;
		for (i = 0; i < p->n_prefix[side]; i++) {
			if (memcmp(&p->prefix[side][i], &pf, sizeof(pf)) == 0)
				break;
		}
		if (i < p->n_prefix[side])
			continue;
		if (p->n_prefix[side] == LIMIT_POLICY_PREFIXES) {
			perr(c, c->lineno, col, "%s: more than %u prefixes",
			    keys[k].name, LIMIT_POLICY_PREFIXES);
			return;
		}
		p->prefix[side][p->n_prefix[side]++] = pf;
	}
}

/* The key at the cursor (letters, digits, '_'), or KEY__COUNT. */
static enum pkey
lookup_key(struct rd *r, size_t *n_out)
{
	size_t n = 0, k;
	const char *name;

	while (n < rd_left(r)) {
		uint8_t ch = rd_peek_u8(r, n);

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '_'))
			break;
		n++;
	}
	*n_out = n;
	for (k = 0; k < KEY__COUNT && n > 0; k++) {
		const struct key_row *kr = &keys[k];
		struct rd peek = *r;
		const char *word = (const char *)rd_bytes(&peek, n);

		name = kr->name;
		if (word != NULL && strlen(name) == n &&
		    strncasecmp(name, word, n) == 0)
			return (enum pkey)k;
		name = kr->alias;
		if (word != NULL && name != NULL && strlen(name) == n &&
		    strncasecmp(name, word, n) == 0)
			return (enum pkey)k;
	}
	return KEY__COUNT;
}

/* One line: blank, comment, or key = value [# comment]. */
static void
parse_line(struct pctx *c, struct rd *line)
{
	struct rd body = rd_sub(line, find_byte(line, '#'));
	struct items it = {.after_comma = false};
	size_t n, col;
	enum pkey k;

	skip_blanks(&body);
	trim_end(&body);
	if (rd_left(&body) == 0)
		return;
	col = col_of(c, &body);
	k = lookup_key(&body, &n);
	if (k == KEY__COUNT) {
		char word[48];
		struct rd w = rd_sub(&body, n < sizeof(word) ? n :
		    sizeof(word) - 1);

		if (n == 0 || !rd_cstr(&w, word, sizeof(word)))
			perr(c, c->lineno, col, "expected a key such as "
			    "IkeEncryption");
		else
			perr(c, c->lineno, col, "unknown key '%s'", word);
		return;
	}
	rd_skip(&body, n);
	skip_blanks(&body);
	if (rd_peek_u8(&body, 0) != '=' || rd_left(&body) == 0) {
		perr(c, c->lineno, col_of(c, &body), "expected '=' after %s",
		    keys[k].name);
		return;
	}
	rd_skip(&body, 1);
	if (c->p->line[k] != 0) {
		perr(c, c->lineno, col, "%s already set on line %u",
		    keys[k].name, c->p->line[k]);
		return;
	}
	c->p->line[k] = c->lineno;
	it.v = rd_rest(&body);
	skip_blanks(&it.v);
	if (rd_left(&it.v) == 0) {
		perr(c, c->lineno, col_of(c, &it.v), "%s has no value",
		    keys[k].name);
		return;
	}
	switch (keys[k].kind) {
	case KIND_ALG:
		parse_alg(c, k, &it);
		break;
	case KIND_UINT:
		parse_uint(c, k, &it);
		break;
	case KIND_BOOL:
		parse_bool(c, k, &it);
		break;
	case KIND_PREFIXES:
		parse_prefixes(c, k, &it);
		break;
	}
}

/* The seed: all six algorithms for IKE and IPsec, or none at all. */
static void
check_complete(struct pctx *c)
{
	struct policy *p = c->p;
	char missing[160];
	struct txt o;
	uint32_t first = 0;
	size_t k, n = 0;

	txt_init(&o, missing, sizeof(missing));
	for (k = 0; k < KEY_ALGS; k++) {
		if (p->line[k] == 0) {
			txt_add(&o, "%s%s", o.len ? ", " : "", keys[k].name);
			continue;
		}
		n++;
		if (first == 0 || p->line[k] < first)
			first = p->line[k];
	}
	if (n > 0 && n < KEY_ALGS)
		perr(c, first, 1, "partial IPsec/IKE policy, missing %s: "
		    "Azure needs all algorithms for both IKE (main mode) and "
		    "IPsec (quick mode)", missing);
	p->has_algs = n == KEY_ALGS;
}

/* "SHA384" integrity means the PRF of the same hash too (RFC 7296 3.3.2). */
static void
derive_prf(struct pctx *c)
{
	struct policy *p = c->p;
	const struct policy_algs *integ = &p->alg[IKEV2_ADMIN_IKE_INTEG];
	struct policy_algs *prf = &p->alg[IKEV2_ADMIN_IKE_PRF];
	size_t i;

	for (i = 0; i < integ->n; i++) {
		const char *name = ikev2_admin_name(IKEV2_ADMIN_IKE_INTEG,
		    &integ->xf[i]);
		struct ikev2_transform xf;

		if (name == NULL ||
		    ikev2_admin_name_parse(name, IKEV2_ADMIN_IKE_PRF, &xf) !=
		    RC_OK)
			continue;
		prf->col[prf->n] = integ->col[i];
		prf->xf[prf->n++] = xf;
	}
}

static bool
algs_any(const struct policy_algs *a, bool aead)
{
	size_t i;

	for (i = 0; i < a->n; i++) {
		if (is_aead(&a->xf[i]) == aead)
			return true;
	}
	return false;
}

/*
 * The seed: "If GCMAES is used as for IPsec Encryption algorithm, you
 * must select the same GCMAES algorithm and key length for IPsec
 * Integrity". With lists, every value must pair with one on the other
 * side: a GCMAES with the same GCMAES, a classic cipher with a classic
 * integrity.
 */
static void
check_gcm_pairing(struct pctx *c)
{
	const struct policy *p = c->p;
	const struct policy_algs *e = &p->alg[IKEV2_ADMIN_IPSEC_ENCR];
	const struct policy_algs *i = &p->alg[IKEV2_ADMIN_IPSEC_INTEG];
	uint32_t le = p->line[KEY_IPSEC_ENCR], li = p->line[KEY_IPSEC_INTEG];
	unsigned before = c->n_errors;
	const char *name;
	size_t k;

	for (k = 0; k < e->n; k++) {
		if (!is_aead(&e->xf[k]) || algs_have(i, &e->xf[k]))
			continue;
		name = ikev2_admin_name(IKEV2_ADMIN_IPSEC_ENCR, &e->xf[k]);
		perr(c, le, e->col[k], "IpsecEncryption %s needs IpsecIntegrity "
		    "%s: Azure requires the same GCMAES algorithm and key "
		    "length for both", name, name);
	}
	for (k = 0; k < i->n && c->n_errors == before; k++) {
		name = ikev2_admin_name(IKEV2_ADMIN_IPSEC_INTEG, &i->xf[k]);
		if (is_aead(&i->xf[k]) && !algs_have(e, &i->xf[k]))
			perr(c, li, i->col[k], "IpsecIntegrity %s needs "
			    "IpsecEncryption %s: Azure requires the same GCMAES "
			    "algorithm for both", name, name);
		else if (!is_aead(&i->xf[k]) && !algs_any(e, false))
			perr(c, li, i->col[k], "IpsecIntegrity %s pairs with "
			    "no IpsecEncryption: GCMAES encryption takes the "
			    "same GCMAES as integrity", name);
	}
	if (c->n_errors == before && algs_any(e, false) && !algs_any(i, false))
		perr(c, li, i->col[0], "IpsecIntegrity lists only GCMAES, which "
		    "cannot go with the non-GCMAES IpsecEncryption: add SHA256, "
		    "SHA1 or MD5");
}

static void
set_defaults(struct policy *p)
{
	size_t k;

	for (k = 0; k < KEY__COUNT; k++) {
		if (keys[k].kind == KIND_UINT)
			p->uval[k] = keys[k].def;
	}
}

struct policy *
policy_parse(const uint8_t *bytes, size_t len, const char *name, char *err,
    size_t errlen)
{
	struct rd file = rd_init(bytes, len), line;
	struct pctx c;

	memset(&c, 0, sizeof(c));
	txt_init(&c.err, err, errlen);
	c.p = calloc(1, sizeof(*c.p));
	if (c.p == NULL) {
		txt_add(&c.err, "%s: out of memory", name ? name : "policy");
		return NULL;
	}
	snprintf(c.p->name, sizeof(c.p->name), "%s", name ? name : "policy");
	set_defaults(c.p);
	/* A UTF-8 byte order mark, as Windows editors write it. */
	if (len >= 3 && bytes[0] == 0xef && bytes[1] == 0xbb &&
	    bytes[2] == 0xbf)
		rd_skip(&file, 3);
	while (next_line(&file, &line)) {
		c.lineno++;
		c.line_base = line.base;
		if (rd_left(&line) > LIMIT_TEXT_LINE) {
			perr(&c, c.lineno, 1, "line of %zu bytes > limit %u",
			    rd_left(&line), LIMIT_TEXT_LINE);
			continue;
		}
		parse_line(&c, &line);
	}
	check_complete(&c);
	derive_prf(&c);
	if (c.p->has_algs)
		check_gcm_pairing(&c);
	if (c.n_errors > 0) {
		policy_free(c.p);
		return NULL;
	}
	return c.p;
}

struct policy *
policy_load(const char *path, char *err, size_t errlen)
{
	struct policy *p = NULL;
	uint8_t *buf = NULL;
	struct txt o;
	size_t n;
	FILE *f;

	txt_init(&o, err, errlen);
	if (path == NULL) {
		txt_add(&o, "policy: no file name");
		return NULL;
	}
	f = fopen(path, "rb");
	if (f == NULL) {
		txt_add(&o, "%s: %s", path, strerror(errno));
		return NULL;
	}
	buf = malloc(LIMIT_POLICY_BYTES + 1);
	if (buf == NULL) {
		txt_add(&o, "%s: out of memory", path);
		goto out;
	}
	n = fread(buf, 1, LIMIT_POLICY_BYTES + 1, f);
	if (ferror(f))
		txt_add(&o, "%s: read failed: %s", path, strerror(errno));
	else if (n > LIMIT_POLICY_BYTES)
		txt_add(&o, "%s: larger than %u bytes: not a policy file",
		    path, LIMIT_POLICY_BYTES);
	else
		p = policy_parse(buf, n, path, err, errlen);
out:
	free(buf);
	fclose(f);
	return p;
}

/* ---- findings ----------------------------------------------------- */

struct emit {
	const struct policy *p;
	uint64_t serial;
	policy_finding_fn cb;
	void *ctx;
};

static void emit(const struct emit *e, enum policy_area area,
    enum policy_severity sev, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
emit(const struct emit *e, enum policy_area area, enum policy_severity sev,
    const char *fmt, ...)
{
	struct policy_finding f;
	va_list ap;

	memset(&f, 0, sizeof(f));
	f.ike_serial = e->serial;
	f.area = area;
	f.severity = sev;
	va_start(ap, fmt);
	(void)vsnprintf(f.text, sizeof(f.text), fmt, ap);
	va_end(ap);
	e->cb(&f, e->ctx);
}

/* The slots of a proposal as the admin sees them. */
enum mis {
	MIS_ENCR = 1u << 0,
	MIS_INTEG = 1u << 1,
	MIS_GROUP = 1u << 2,	/* DH group (IKE) or PFS group (ESP) */
	MIS_PRF = 1u << 3,	/* IKE: INTEG fits, PRF does not */
};
static const char *const slot_word[] = {"encryption", "integrity",
    "DH group", "PRF"};

/* "encryption, integrity or DH group" for the bits of mask. */
static void
out_slot_words(struct txt *o, unsigned mask, bool pfs, const char *last)
{
	size_t i, n = 0, total = 0;

	for (i = 0; i < 3; i++)
		total += (mask >> i) & 1u;
	for (i = 0; i < 3; i++) {
		if (!(mask & (1u << i)))
			continue;
		n++;
		txt_add(o, "%s%s", n == 1 ? "" : n == total ? last : ", ",
		    i == 2 && pfs ? "PFS group" : slot_word[i]);
	}
}

/* Slots of IKE proposal q for which q has nothing the policy allows. */
static unsigned
ike_misfit(const struct policy *p, const struct ikev2_proposal *q)
{
	static const struct ikev2_transform ke_none = {IKEV2_TT_KE, 0, 0};
	bool encr = false, integ = false, prf = false, ke = false;
	bool has_integ = false, has_ke = false;
	size_t i;

	for (i = 0; i < q->n_transforms; i++) {
		const struct ikev2_transform *xf = &q->xf[i];

		if (xf->type == IKEV2_TT_ENCR)
			encr |= algs_have(&p->alg[IKEV2_ADMIN_IKE_ENCR], xf);
		else if (xf->type == IKEV2_TT_INTEG && xf->id != 0) {
			has_integ = true;
			integ |= algs_have(&p->alg[IKEV2_ADMIN_IKE_INTEG], xf);
		} else if (xf->type == IKEV2_TT_PRF)
			prf |= algs_have(&p->alg[IKEV2_ADMIN_IKE_PRF], xf);
		else if (xf->type == IKEV2_TT_KE) {
			has_ke = true;
			ke |= algs_have(&p->alg[IKEV2_ADMIN_DH_GROUP], xf);
		}
	}
	if (!has_ke)
		ke = algs_have(&p->alg[IKEV2_ADMIN_DH_GROUP], &ke_none);
	/* AEAD IKE SA (RFC 5282): the admin's integrity is the PRF. */
	if (!has_integ)
		integ = prf;
	return (encr ? 0 : MIS_ENCR) | (integ ? 0 : MIS_INTEG) |
	    (ke ? 0 : MIS_GROUP) | (!has_integ || prf ? 0 : MIS_PRF);
}

/* Slots of ESP proposal q with nothing the policy allows. */
static unsigned
esp_misfit(const struct policy *p, const struct ikev2_proposal *q, bool pfs)
{
	static const struct ikev2_transform ke_none = {IKEV2_TT_KE, 0, 0};
	bool encr = false, aead = false, integ = false, ke = false;
	bool has_ke = false;
	size_t i;

	if (q->protocol != IKEV2_PROTO_ESP)
		return MIS_ENCR | MIS_INTEG | (pfs ? MIS_GROUP : 0);
	for (i = 0; i < q->n_transforms; i++) {
		const struct ikev2_transform *xf = &q->xf[i];

		if (xf->type == IKEV2_TT_ENCR &&
		    algs_have(&p->alg[IKEV2_ADMIN_IPSEC_ENCR], xf)) {
			encr = true;
			aead |= is_aead(xf);
		} else if (xf->type == IKEV2_TT_INTEG && xf->id != 0)
			integ |= algs_have(&p->alg[IKEV2_ADMIN_IPSEC_INTEG], xf);
		else if (xf->type == IKEV2_TT_KE) {
			has_ke = true;
			ke |= algs_have(&p->alg[IKEV2_ADMIN_PFS_GROUP], xf);
		}
	}
	if (!has_ke)
		ke = algs_have(&p->alg[IKEV2_ADMIN_PFS_GROUP], &ke_none);
	return (encr ? 0 : MIS_ENCR) | (aead || integ ? 0 : MIS_INTEG) |
	    (!pfs || ke ? 0 : MIS_GROUP);
}

/* First transform of type in q, or NULL. */
static const struct ikev2_transform *
first_of(const struct ikev2_proposal *q, uint8_t type)
{
	size_t i;

	for (i = 0; i < q->n_transforms; i++) {
		if (q->xf[i].type == type)
			return &q->xf[i];
	}
	return NULL;
}

/* "the policy's AES256" or "one of the policy's AES256, AES128". */
static void
out_policy_slot(struct txt *o, const struct policy *p,
    enum ikev2_admin_slot slot)
{
	txt_add(o, "%sthe policy's ", p->alg[slot].n > 1 ? "one of " : "");
	out_algs(o, p, slot, ", ");
}

/* The chosen algorithm of one slot ("None" when absent). */
static void
out_chosen_slot(struct txt *o, const struct ikev2_proposal *q,
    enum ikev2_admin_slot slot, uint8_t type)
{
	const struct ikev2_transform *xf = first_of(q, type);

	if (slot == IKEV2_ADMIN_IPSEC_INTEG && (xf == NULL || xf->id == 0)) {
		/* ESP with an AEAD cipher: integrity is the cipher */
		xf = first_of(q, IKEV2_TT_ENCR);
		if (xf != NULL && !is_aead(xf))
			xf = NULL;
	}
	if (xf == NULL)
		txt_add(o, "None");
	else
		out_xf(o, slot, xf);
}

/* Names printed per slot of an offer before "+N more". */
#define OFFER_SLOT_NAMES 4

/*
 * The transforms of type in q as admin names, at most OFFER_SLOT_NAMES
 * then "+N more" (real offers list a dozen ciphers); aead_only keeps
 * only AEAD ciphers (ESP integrity given by the cipher). Returns how
 * many there were.
 */
static size_t
out_slot_compact(struct txt *o, const struct ikev2_proposal *q,
    uint8_t type, enum ikev2_admin_slot slot, bool aead_only)
{
	size_t i, n = 0;

	for (i = 0; i < q->n_transforms; i++) {
		const struct ikev2_transform *xf = &q->xf[i];

		if (xf->type != type || (type == IKEV2_TT_INTEG &&
		    xf->id == 0) || (aead_only && !is_aead(xf)))
			continue;
		if (n < OFFER_SLOT_NAMES) {
			txt_add(o, "%s", n ? "," : "");
			out_xf(o, slot, xf);
		}
		n++;
	}
	if (n > OFFER_SLOT_NAMES)
		txt_add(o, " +%zu more", n - OFFER_SLOT_NAMES);
	return n;
}

/*
 * An offer in admin form like ikev2_proposal_admin_text(), each slot
 * capped: "AES128,AES256,DES3,AES192 +10 more/SHA1,SHA256/DHGroup2".
 */
static void
out_offer_compact(struct txt *o, const struct ikev2_proposal *q)
{
	bool ike = q->protocol == IKEV2_PROTO_IKE;
	size_t before;

	if (out_slot_compact(o, q, IKEV2_TT_ENCR, ike ? IKEV2_ADMIN_IKE_ENCR :
	    IKEV2_ADMIN_IPSEC_ENCR, false) == 0)
		txt_add(o, "None");
	txt_add(o, "/");
	before = o->len;
	if (out_slot_compact(o, q, IKEV2_TT_INTEG, ike ?
	    IKEV2_ADMIN_IKE_INTEG : IKEV2_ADMIN_IPSEC_INTEG, false) == 0 &&
	    o->len == before) {
		/* AEAD: IKE names the PRF, ESP repeats the GCMAES cipher */
		if ((ike ? out_slot_compact(o, q, IKEV2_TT_PRF,
		    IKEV2_ADMIN_IKE_PRF, false) : out_slot_compact(o, q,
		    IKEV2_TT_ENCR, IKEV2_ADMIN_IPSEC_INTEG, true)) == 0)
			txt_add(o, "None");
	}
	txt_add(o, "/");
	if (out_slot_compact(o, q, IKEV2_TT_KE, ike ? IKEV2_ADMIN_DH_GROUP :
	    IKEV2_ADMIN_PFS_GROUP, false) == 0)
		txt_add(o, "None");
}

/* Offers joined by " or ", with the count not kept. */
static void
out_offers(struct txt *o, const struct ikev2_proposal *q, size_t n,
    size_t total)
{
	size_t i;

	for (i = 0; i < n; i++) {
		txt_add(o, "%s", i ? " or " : "");
		out_offer_compact(o, &q[i]);
	}
	if (total > n)
		txt_add(o, " (and %zu more proposals not kept)", total - n);
}

/* Slot words for the slots no offer has, or the "not together" case. */
static void
out_offer_gap(struct txt *o, unsigned all_mis, bool pfs)
{
	if (all_mis == 0) {
		txt_add(o, ": each algorithm is offered, but never together "
		    "in one proposal");
		return;
	}
	txt_add(o, ": no proposal has the policy's ");
	out_slot_words(o, all_mis, pfs, " or ");
}

/* ", integrity SHA256 is not the policy's SHA384" for one slot. */
static void
out_mis_slot(struct txt *o, const char **sep, const struct policy *p,
    const char *word, const struct ikev2_proposal *q,
    enum ikev2_admin_slot slot, uint8_t type)
{
	txt_add(o, "%s%s ", *sep, word);
	out_chosen_slot(o, q, slot, type);
	txt_add(o, " is not ");
	out_policy_slot(o, p, slot);
	*sep = ", ";
}

/* The responder's IKE choice, slot by slot; true when it fits. */
static bool
check_ike_chosen(const struct emit *e, const struct ike_sa *sa)
{
	const struct policy *p = e->p;
	const struct ikev2_proposal *q = &sa->chosen;
	unsigned m = ike_misfit(p, q);
	const struct ikev2_transform *integ = first_of(q, IKEV2_TT_INTEG);
	bool aead = integ == NULL || integ->id == 0;
	const char *sep = ": ";
	char txt[384], admin[128];
	struct txt o;

	if (m == 0)
		return true;
	(void)ikev2_proposal_admin_text(q, admin, sizeof(admin));
	txt_init(&o, txt, sizeof(txt));
	txt_add(&o, "responder chose %s", admin);
	if (m & MIS_ENCR)
		out_mis_slot(&o, &sep, p, "encryption", q,
		    IKEV2_ADMIN_IKE_ENCR, IKEV2_TT_ENCR);
	if (m & MIS_INTEG)
		out_mis_slot(&o, &sep, p, "integrity", q, aead ?
		    IKEV2_ADMIN_IKE_PRF : IKEV2_ADMIN_IKE_INTEG,
		    aead ? IKEV2_TT_PRF : IKEV2_TT_INTEG);
	if (m & MIS_GROUP)
		out_mis_slot(&o, &sep, p, "DH group", q, IKEV2_ADMIN_DH_GROUP,
		    IKEV2_TT_KE);
	if (m == MIS_PRF) {
		txt_add(&o, ": PRF ");
		out_chosen_slot(&o, q, IKEV2_ADMIN_IKE_PRF, IKEV2_TT_PRF);
		txt_add(&o, " differs from its integrity; the policy's "
		    "integrity names the PRF too (");
		out_algs(&o, p, IKEV2_ADMIN_IKE_PRF, ", ");
		txt_add(&o, ")");
		emit(e, POLICY_AREA_IKE_PROPOSAL, POLICY_WARNING, "%s", txt);
		return true;
	}
	emit(e, POLICY_AREA_IKE_PROPOSAL, POLICY_MISMATCH, "%s", txt);
	return false;
}

/*
 * The KE payload carries one group guess (RFC 7296 1.2): outside the
 * policy, a responder holding it answers INVALID_KE_PAYLOAD.
 */
static void
check_ke_group(const struct emit *e, const struct ike_sa *sa,
    bool offers_have_group)
{
	const struct policy_algs *dh = &e->p->alg[IKEV2_ADMIN_DH_GROUP];
	struct ikev2_transform sent = {IKEV2_TT_KE, sa->ke_group_offered, 0};
	struct ikev2_transform asked = {IKEV2_TT_KE, sa->ke_group_requested,
	    0};
	char want[96], a[48], b[48];
	struct txt o, oa, ob;

	txt_init(&o, want, sizeof(want));
	out_algs(&o, e->p, IKEV2_ADMIN_DH_GROUP, ",");
	txt_init(&oa, a, sizeof(a));
	out_xf(&oa, IKEV2_ADMIN_DH_GROUP, &sent);
	txt_init(&ob, b, sizeof(b));
	out_xf(&ob, IKEV2_ADMIN_DH_GROUP, &asked);
	if (sa->ke_group_requested != 0 && !algs_have(dh, &asked))
		emit(e, POLICY_AREA_IKE_PROPOSAL, POLICY_MISMATCH,
		    "responder asked for %s (INVALID_KE_PAYLOAD); policy "
		    "requires %s", b, want);
	else if (offers_have_group && sa->ke_group_offered != 0 &&
	    !algs_have(dh, &sent))
		emit(e, POLICY_AREA_IKE_PROPOSAL, POLICY_WARNING,
		    "initiator's KE payload used %s; policy requires %s: a "
		    "responder with this policy answers INVALID_KE_PAYLOAD "
		    "and the initiator must retry", a, want);
}

/* Offers vs policy; returns the slots no offer fits (0: some fit). */
static bool
check_ike_offers(const struct emit *e, const struct ike_sa *sa,
    const char *want, unsigned *all_mis)
{
	unsigned all = MIS_ENCR | MIS_INTEG | MIS_GROUP, m;
	bool fit = false;
	char txt[384];
	struct txt o;
	size_t i;

	for (i = 0; i < sa->n_offers; i++) {
		m = ike_misfit(e->p, &sa->offers[i]) & ~(unsigned)MIS_PRF;
		all &= m;
		fit |= m == 0;
	}
	*all_mis = all;
	if (fit || sa->n_offers == 0)
		return fit;
	txt_init(&o, txt, sizeof(txt));
	txt_add(&o, "initiator offered ");
	out_offers(&o, sa->offers, sa->n_offers, sa->n_offers_total);
	txt_add(&o, "; policy requires %s", want);
	out_offer_gap(&o, all, false);
	/* Proposals past IKE_SA_OFFERS were not kept: one may fit. */
	emit(e, POLICY_AREA_IKE_PROPOSAL, sa->n_offers_total > sa->n_offers ?
	    POLICY_WARNING : POLICY_MISMATCH, "%s", txt);
	return false;
}

static void
check_ike_proposals(const struct emit *e, const struct ike_sa *sa)
{
	char want[160], txt[384], admin[128];
	bool offers_fit, chosen_fit = true;
	unsigned all_mis = 0;
	struct txt o;

	(void)policy_ike_text(e->p, want, sizeof(want));
	if (sa->n_offers == 0 && !sa->has_chosen) {
		emit(e, POLICY_AREA_IKE_PROPOSAL, POLICY_INFO, "IKE_SA_INIT "
		    "not captured: IKE proposals not checked against %s",
		    want);
		return;
	}
	offers_fit = check_ike_offers(e, sa, want, &all_mis);
	if (sa->has_chosen)
		chosen_fit = check_ike_chosen(e, sa);
	check_ke_group(e, sa, sa->n_offers > 0 && !(all_mis & MIS_GROUP));
	if ((!offers_fit && sa->n_offers > 0) || !chosen_fit)
		return;
	txt_init(&o, txt, sizeof(txt));
	if (sa->n_offers > 0) {
		txt_add(&o, "initiator offered ");
		out_offers(&o, sa->offers, sa->n_offers, sa->n_offers_total);
	} else {
		txt_add(&o, "IKE_SA_INIT request not captured");
	}
	if (sa->has_chosen) {
		(void)ikev2_proposal_admin_text(&sa->chosen, admin,
		    sizeof(admin));
		txt_add(&o, "; responder chose %s", admin);
	} else {
		txt_add(&o, "; no responder choice seen");
	}
	txt_add(&o, ": fits the policy %s", want);
	emit(e, POLICY_AREA_IKE_PROPOSAL, POLICY_INFO, "%s", txt);
}

/* ---- lifetimes and liveness -------------------------------------- */

#define NS_PER_S 1000000000LL
/* CREATE_CHILD_SA exchanges closer than this belong to one burst (extra
 * children set up together, a collision); the lifetime minimum is 300 s,
 * so a real rekey is never this close. */
#define REKEY_BURST_NS (60LL * NS_PER_S)

/* Seconds rounded to two significant digits for "every ~3600 s". */
static long long
approx_s(int64_t ns)
{
	long long s = (ns + NS_PER_S / 2) / NS_PER_S, scale = 1;

	while (s / scale >= 100)
		scale *= 10;
	return (s + scale / 2) / scale * scale;
}

/* When IKE_AUTH completed (its first clean response), or 0. */
static int64_t
auth_done_ns(const struct ike_sa *sa)
{
	size_t i;

	for (i = 0; i < sa->n_exch && sa->exch != NULL; i++) {
		const struct ike_exchange *x = &sa->exch[i];

		if (x->exchange == IKEV2_EXCH_IKE_AUTH && x->answered &&
		    x->resp_error == 0)
			return x->resp_ns;
	}
	return 0;
}

/*
 * Start times of CREATE_CHILD_SA bursts after t0 (0: unknown); returns
 * how many, *kept counting the exchanges seen in the timeline.
 */
static size_t
rekey_bursts(const struct ike_sa *sa, int64_t t0, int64_t *t, size_t cap,
    size_t *kept)
{
	int64_t last = t0;
	size_t i, n = 0;

	*kept = 0;
	for (i = 0; i < sa->n_exch && sa->exch != NULL; i++) {
		const struct ike_exchange *x = &sa->exch[i];
		int64_t ts = x->request_seen ? x->req_ns : x->resp_ns;

		if (x->exchange != IKEV2_EXCH_CREATE_CHILD_SA)
			continue;
		(*kept)++;
		if ((last != 0 && ts - last < REKEY_BURST_NS) || n == cap) {
			if (ts > last)
				last = ts;
			continue;
		}
		t[n++] = ts;
		last = ts;
	}
	return n;
}

static void
sort_ns(int64_t *v, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		int64_t x = v[i];

		for (j = i; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/* An established SA that lived past both lifetimes without a rekey. */
static void
check_no_rekey(const struct emit *e, const struct ike_sa *sa, int64_t auth,
    uint32_t hi)
{
	const struct policy *p = e->p;
	int64_t span = sa->last_ns - auth;

	if (auth == 0 || sa->child_creates != 0 ||
	    span <= ((int64_t)hi + hi / 10) * NS_PER_S)
		return;
	emit(e, POLICY_AREA_LIFETIME, POLICY_WARNING, "no CREATE_CHILD_SA in "
	    "%lld s after IKE_AUTH; policy SA lifetime %u s, IKE lifetime "
	    "%u s: a gateway with this policy would have rekeyed by then",
	    (long long)(span / NS_PER_S), p->uval[KEY_SA_LIFE_S],
	    p->uval[KEY_IKE_LIFE_S]);
}

/*
 * The timeline kept no pair of CREATE_CHILD_SA times (frequent liveness
 * checks fill its IKE_SA_EXCHANGES slots first): the average over the
 * SA's life after IKE_AUTH, said as such, and never a WARNING.
 */
static void
estimate_rekeys(const struct emit *e, const struct ike_sa *sa, int64_t auth,
    uint32_t life)
{
	int64_t span = sa->last_ns - auth, avg;

	if (auth == 0 || span <= 0)
		return;
	avg = span / sa->child_creates;
	emit(e, POLICY_AREA_LIFETIME, POLICY_INFO, "CREATE_CHILD_SA about "
	    "every ~%lld s (%u in %lld s after IKE_AUTH; too few kept in the "
	    "timeline to time them); policy SA lifetime %u s%s",
	    approx_s(avg), sa->child_creates, (long long)(span / NS_PER_S),
	    life, avg < (int64_t)life * NS_PER_S / 2 ? ": the peer's lifetime "
	    "(or data limit) is shorter; SA lifetimes are local settings and "
	    "need not match" : "");
}

/* RFC 7296 2.8: CREATE_CHILD_SA spacing against the lifetimes. */
static void
check_lifetimes(const struct emit *e, const struct ike_sa *sa)
{
	const struct policy *p = e->p;
	uint32_t life = p->uval[KEY_SA_LIFE_S], ike = p->uval[KEY_IKE_LIFE_S];
	uint32_t hi = life > ike ? life : ike;
	int64_t auth = auth_done_ns(sa), t[IKE_SA_EXCHANGES + 1];
	int64_t d[IKE_SA_EXCHANGES], med, max;
	size_t n, kept, i, nd = 0;
	char note[64] = "";

	t[0] = auth;
	n = rekey_bursts(sa, auth, t + 1, IKE_SA_EXCHANGES, &kept);
	if (sa->child_creates == 0) {
		check_no_rekey(e, sa, auth, hi);
		return;
	}
	for (i = auth != 0 ? 0 : 1; i < n; i++)
		d[nd++] = t[i + 1] - t[i];
	if (nd == 0) {
		estimate_rekeys(e, sa, auth, life);
		return;
	}
	sort_ns(d, nd);
	med = d[nd / 2];
	max = d[nd - 1];
	if (kept < sa->child_creates)
		snprintf(note, sizeof(note), " (first %zu of %u exchanges "
		    "kept)", kept, sa->child_creates);
	if (max > ((int64_t)hi + hi / 10) * NS_PER_S)
		emit(e, POLICY_AREA_LIFETIME, POLICY_WARNING, "CREATE_CHILD_SA "
		    "exchanges up to ~%lld s apart%s; policy SA lifetime %u s, "
		    "IKE lifetime %u s: an SA outlived the policy's lifetimes, "
		    "so the side holding this policy did not rekey in time",
		    approx_s(max), note, life, ike);
	else if (med < (int64_t)life * NS_PER_S / 2)
		emit(e, POLICY_AREA_LIFETIME, POLICY_INFO, "CREATE_CHILD_SA "
		    "rekeys every ~%lld s%s; policy SA lifetime %u s: the "
		    "peer's lifetime (or data limit) is shorter; SA lifetimes "
		    "are local settings and need not match", approx_s(med),
		    note, life);
	else
		emit(e, POLICY_AREA_LIFETIME, POLICY_INFO, "CREATE_CHILD_SA "
		    "rekeys every ~%lld s%s; policy SA lifetime %u s",
		    approx_s(med), note, life);
}

/* RFC 7296 2.4: empty INFORMATIONAL requests against the DPD timeout. */
static void
check_dpd(const struct emit *e, const struct ike_sa *sa)
{
	uint32_t dpd = e->p->uval[KEY_DPD];

	if (sa->liveness_unanswered > 0)
		emit(e, POLICY_AREA_DPD, POLICY_WARNING, "%u of %u liveness "
		    "checks went unanswered; policy DPD timeout %u s: a "
		    "gateway with this timeout declares the peer dead",
		    sa->liveness_unanswered, sa->liveness, dpd);
	if (sa->liveness < 2 || sa->liveness_max_gap_ns <= 0)
		return;
	if (sa->liveness_max_gap_ns > (int64_t)dpd * NS_PER_S)
		emit(e, POLICY_AREA_DPD, POLICY_WARNING, "liveness checks up to "
		    "%lld s apart; policy DPD timeout %u s",
		    (long long)((sa->liveness_max_gap_ns + NS_PER_S / 2) /
		    NS_PER_S), dpd);
	else
		emit(e, POLICY_AREA_DPD, POLICY_INFO, "liveness checks at most "
		    "%lld s apart; within policy DPD timeout %u s",
		    (long long)((sa->liveness_max_gap_ns + NS_PER_S / 2) /
		    NS_PER_S), dpd);
}

/* Some initiator proposal lists a policy DH group. */
static bool
offers_group_fit(const struct policy *p, const struct ike_sa *sa)
{
	size_t i;

	for (i = 0; i < sa->n_offers; i++) {
		if (!(ike_misfit(p, &sa->offers[i]) & MIS_GROUP))
			return true;
	}
	return false;
}

void
policy_check_ike_sa(const struct policy *p, const struct ike_sa *sa,
    policy_finding_fn cb, void *ctx)
{
	struct emit e = {p, 0, cb, ctx};

	if (p == NULL || sa == NULL || cb == NULL)
		return;
	e.serial = sa->serial;
	if (sa->ike_major != 2) {
		emit(&e, POLICY_AREA_IKE_PROPOSAL, POLICY_INFO, "IKEv%u "
		    "negotiation: policy checks cover IKEv2 only",
		    sa->ike_major);
		return;
	}
	/*
	 * A retry repeats the offers, and a COOKIE retry the KE guess too:
	 * only an INVALID_KE_PAYLOAD retry has news (the group guessed and
	 * the group asked for).
	 */
	if (sa->outcome == IKE_OUT_RETRIED) {
		if (p->has_algs && sa->ke_group_requested != 0)
			check_ke_group(&e, sa, offers_group_fit(p, sa));
		return;
	}
	if (p->has_algs)
		check_ike_proposals(&e, sa);
	check_lifetimes(&e, sa);
	check_dpd(&e, sa);
}

/* ---- CHILD_SA proposals ------------------------------------------ */

/*
 * An ESP proposal pairing an AEAD cipher with an integrity algorithm:
 * RFC 5282/RFC 4106 forbid it and Azure requires the same GCMAES as
 * integrity. For offers, only proposals whose ciphers are all AEAD.
 */
static void
check_gcm_integ(const struct emit *e, const char *who,
    const struct ikev2_proposal *q)
{
	const struct ikev2_transform *integ = NULL, *aead = NULL;
	bool classic = false;
	char txt[384];
	struct txt o;
	size_t i;

	for (i = 0; i < q->n_transforms; i++) {
		const struct ikev2_transform *xf = &q->xf[i];

		if (xf->type == IKEV2_TT_INTEG && xf->id != 0 && integ == NULL)
			integ = xf;
		else if (xf->type == IKEV2_TT_ENCR && is_aead(xf)) {
			if (aead == NULL)
				aead = xf;
		} else if (xf->type == IKEV2_TT_ENCR)
			classic = true;
	}
	if (aead == NULL || integ == NULL || classic)
		return;
	txt_init(&o, txt, sizeof(txt));
	txt_add(&o, "%s IPsec encryption ", who);
	out_xf(&o, IKEV2_ADMIN_IPSEC_ENCR, aead);
	txt_add(&o, " paired with integrity ");
	out_xf(&o, IKEV2_ADMIN_IPSEC_INTEG, integ);
	txt_add(&o, ": Azure requires the same GCMAES algorithm for both");
	emit(e, POLICY_AREA_IPSEC_PROPOSAL, POLICY_MISMATCH, "%s", txt);
}

static const char *
exch_label(uint8_t exchange)
{
	return exchange == IKEV2_EXCH_CREATE_CHILD_SA ? "CREATE_CHILD_SA" :
	    exchange == IKEV2_EXCH_IKE_AUTH ? "IKE_AUTH" : "CHILD_SA";
}

/* The responder's ESP choice; true when it fits. */
static bool
check_esp_chosen(const struct emit *e, const struct policy_child *c,
    bool pfs)
{
	const struct ikev2_proposal *q = c->chosen;
	unsigned m = esp_misfit(e->p, q, pfs);
	const char *sep = ": ";
	char txt[384], admin[128];
	struct txt o;

	check_gcm_integ(e, "responder chose", q);
	if (m == 0)
		return true;
	(void)ikev2_proposal_admin_text(q, admin, sizeof(admin));
	txt_init(&o, txt, sizeof(txt));
	txt_add(&o, "%s: responder chose %s%s", exch_label(c->exchange),
	    q->protocol == IKEV2_PROTO_ESP ? "" : "non-ESP ", admin);
	if (m & MIS_ENCR)
		out_mis_slot(&o, &sep, e->p, "encryption", q,
		    IKEV2_ADMIN_IPSEC_ENCR, IKEV2_TT_ENCR);
	if (m & MIS_INTEG)
		out_mis_slot(&o, &sep, e->p, "integrity", q,
		    IKEV2_ADMIN_IPSEC_INTEG, IKEV2_TT_INTEG);
	if (m & MIS_GROUP)
		out_mis_slot(&o, &sep, e->p, "PFS group", q,
		    IKEV2_ADMIN_PFS_GROUP, IKEV2_TT_KE);
	emit(e, POLICY_AREA_IPSEC_PROPOSAL, POLICY_MISMATCH, "%s", txt);
	return false;
}

static void
check_child_proposals(const struct emit *e, const struct policy_child *c)
{
	/* RFC 7296 1.2: the IKE_AUTH child has no KE of its own. */
	bool pfs = c->exchange == IKEV2_EXCH_CREATE_CHILD_SA;
	unsigned all = MIS_ENCR | MIS_INTEG | (pfs ? MIS_GROUP : 0), m;
	char want[160], txt[384], admin[128];
	bool fit = false, chosen_fit = true;
	struct txt o;
	size_t i;

	(void)policy_ipsec_text(e->p, want, sizeof(want));
	for (i = 0; i < c->n_offers; i++) {
		m = esp_misfit(e->p, &c->offers[i], pfs);
		all &= m;
		fit |= m == 0;
		check_gcm_integ(e, "initiator offered", &c->offers[i]);
	}
	txt_init(&o, txt, sizeof(txt));
	txt_add(&o, "%s: ", exch_label(c->exchange));
	if (c->n_offers > 0) {
		txt_add(&o, "initiator offered ");
		out_offers(&o, c->offers, c->n_offers, c->n_offers);
	}
	if (c->n_offers > 0 && !fit) {
		txt_add(&o, "; policy requires %s", want);
		out_offer_gap(&o, all, true);
		emit(e, POLICY_AREA_IPSEC_PROPOSAL, POLICY_MISMATCH, "%s",
		    txt);
	}
	if (c->chosen != NULL)
		chosen_fit = check_esp_chosen(e, c, pfs);
	if ((c->n_offers > 0 && !fit) || !chosen_fit ||
	    (c->n_offers == 0 && c->chosen == NULL))
		return;
	if (c->chosen != NULL) {
		(void)ikev2_proposal_admin_text(c->chosen, admin,
		    sizeof(admin));
		txt_add(&o, "%sresponder chose %s", c->n_offers ? "; " : "",
		    admin);
	}
	txt_add(&o, ": fits the policy %s%s", want, pfs ? "" :
	    " (PFS applies to CREATE_CHILD_SA only)");
	emit(e, POLICY_AREA_IPSEC_PROPOSAL, POLICY_INFO, "%s", txt);
}

/* ---- traffic selectors ------------------------------------------- */

static size_t
addr_len(uint8_t family)
{
	return family == 6 ? 16 : 4;
}

/* First and last address of a prefix. */
static void
prefix_range(const struct policy_prefix *pf, uint8_t lo[16], uint8_t hi[16])
{
	size_t i;

	memcpy(lo, pf->addr, 16);
	memcpy(hi, pf->addr, 16);
	for (i = 0; i < addr_len(pf->family); i++) {
		lo[i] &= byte_mask(pf->bits, i);
		hi[i] |= (uint8_t)~byte_mask(pf->bits, i);
	}
}

/* ts covers every address of pf. */
static bool
ts_covers(const struct policy_ts_range *ts, const struct policy_prefix *pf)
{
	uint8_t lo[16], hi[16];
	size_t n = addr_len(pf->family);

	if (ts->family != pf->family)
		return false;
	prefix_range(pf, lo, hi);
	return memcmp(ts->start, lo, n) <= 0 && memcmp(ts->end, hi, n) >= 0;
}

/* Every address of ts lies in pf. */
static bool
ts_within(const struct policy_ts_range *ts, const struct policy_prefix *pf)
{
	uint8_t lo[16], hi[16];
	size_t n = addr_len(pf->family);

	if (ts->family != pf->family)
		return false;
	prefix_range(pf, lo, hi);
	return memcmp(ts->start, lo, n) >= 0 && memcmp(ts->end, hi, n) <= 0;
}

/* All protocols and ports (what an admin's prefix pair means). */
static bool
ts_all_traffic(const struct policy_ts_range *ts)
{
	return ts->ip_proto == 0 && ts->port_lo == 0 && ts->port_hi == 65535;
}

static bool
ts_is_any(const struct policy_ts_range *ts)
{
	size_t i;

	for (i = 0; i < addr_len(ts->family); i++) {
		if (ts->start[i] != 0 || ts->end[i] != 0xff)
			return false;
	}
	return true;
}

/* Prefix length when start..end is exactly one prefix, else -1. */
static int
ts_prefix_len(const struct policy_ts_range *ts)
{
	struct policy_prefix pf;
	unsigned bits, max = (unsigned)addr_len(ts->family) * 8;
	uint8_t lo[16], hi[16];

	memset(&pf, 0, sizeof(pf));
	pf.family = ts->family;
	memcpy(pf.addr, ts->start, sizeof(pf.addr));
	for (bits = 0; bits <= max; bits++) {
		pf.bits = (uint8_t)bits;
		prefix_range(&pf, lo, hi);
		if (memcmp(lo, ts->start, max / 8) == 0 &&
		    memcmp(hi, ts->end, max / 8) == 0)
			return (int)bits;
	}
	return -1;
}

/* "10.1.0.0/16", "10.1.0.5-10.1.0.9", plus " protocol 6 ports 80-80". */
static void
out_ts(struct txt *o, const struct policy_ts_range *ts)
{
	int af = ts->family == 6 ? AF_INET6 : AF_INET, bits;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	if (inet_ntop(af, ts->start, a, sizeof(a)) == NULL ||
	    inet_ntop(af, ts->end, b, sizeof(b)) == NULL) {
		txt_add(o, "?");
		return;
	}
	bits = ts_prefix_len(ts);
	if (bits >= 0)
		txt_add(o, "%s/%d", a, bits);
	else
		txt_add(o, "%s-%s", a, b);
	if (ts->ip_proto != 0)
		txt_add(o, " protocol %u", ts->ip_proto);
	if (ts->port_lo != 0 || ts->port_hi != 65535)
		txt_add(o, " ports %u-%u", ts->port_lo, ts->port_hi);
}

static void
out_prefix_list(struct txt *o, const struct policy *p, size_t side)
{
	size_t i;

	for (i = 0; i < p->n_prefix[side]; i++) {
		if (i > 0)
			txt_add(o, ", ");
		out_prefix(o, &p->prefix[side][i]);
	}
	if (p->n_prefix[side] == 0)
		txt_add(o, "none");
}

/* Where one selector stands against the prefixes of its family. */
enum ts_place { TS_UNCHECKED, TS_INSIDE, TS_WIDER, TS_OUTSIDE };

static enum ts_place
ts_place(const struct policy *p, const struct policy_ts_range *ts)
{
	bool family = false, wider = false;
	size_t side, i;

	for (side = 0; side < 2; side++) {
		for (i = 0; i < p->n_prefix[side]; i++) {
			const struct policy_prefix *pf = &p->prefix[side][i];

			if (pf->family != ts->family)
				continue;
			family = true;
			if (ts_within(ts, pf))
				return TS_INSIDE;
			wider |= ts_covers(ts, pf);
		}
	}
	/* No prefix of this family (strongSwan's ::/0 beside 0.0.0.0/0). */
	if (!family)
		return TS_UNCHECKED;
	return wider ? TS_WIDER : TS_OUTSIDE;
}

/* An address range we can judge (not a Fibre Channel selector ...). */
static bool
ts_is_ip(const struct policy_ts_range *ts)
{
	return ts->family == 4 || ts->family == 6;
}

static void
check_ts_one(const struct emit *e, const char *label,
    const struct policy_ts_range *ts)
{
	const struct policy *p = e->p;
	enum ts_place where;
	char txt[384];
	struct txt o;

	if (!ts_is_ip(ts))
		return;
	where = ts_place(p, ts);

	/* A family the prefixes do not speak of (strongSwan's ::/0 next to
	 * 0.0.0.0/0) is nobody's business, unless there are no prefixes. */
	if (where == TS_UNCHECKED && p->n_prefix[SIDE_LOCAL] +
	    p->n_prefix[SIDE_REMOTE] > 0)
		return;
	txt_init(&o, txt, sizeof(txt));
	txt_add(&o, "%s ", label);
	out_ts(&o, ts);
	if (where == TS_OUTSIDE) {
		txt_add(&o, " is outside the policy's prefixes (local ");
		out_prefix_list(&o, p, SIDE_LOCAL);
		txt_add(&o, "; remote ");
		out_prefix_list(&o, p, SIDE_REMOTE);
		txt_add(&o, ")");
		emit(e, POLICY_AREA_TRAFFIC_SELECTORS, POLICY_MISMATCH, "%s",
		    txt);
	} else if (p->policy_based_ts && (where == TS_WIDER ||
	    ts_is_any(ts))) {
		txt_add(&o, " is wider than the policy's prefixes: with "
		    "UsePolicyBasedTrafficSelectors the selectors must name "
		    "each prefix pair, not any-to-any");
		emit(e, POLICY_AREA_TRAFFIC_SELECTORS, POLICY_WARNING, "%s",
		    txt);
	} else if (p->policy_based_ts && !ts_all_traffic(ts)) {
		txt_add(&o, " covers only part of the traffic; policy-based "
		    "selectors cover all protocols and ports");
		emit(e, POLICY_AREA_TRAFFIC_SELECTORS, POLICY_WARNING, "%s",
		    txt);
	}
}

/* The address selectors of a list, joined by ", ". */
static void
out_ts_list(struct txt *o, const struct policy_ts_range *ts, size_t n)
{
	size_t i, shown = 0;

	for (i = 0; i < n; i++) {
		if (!ts_is_ip(&ts[i]))
			continue;
		txt_add(o, "%s", shown++ ? ", " : "");
		out_ts(o, &ts[i]);
	}
	if (shown == 0)
		txt_add(o, "none");
}

/* Route-based: the gateway proposes any-to-any (the seed, 4th rule). */
static void
check_ts_route_based(const struct emit *e, const struct policy_child *c)
{
	char txt[384];
	struct txt o;
	size_t i;

	for (i = 0; i < c->n_tsi + c->n_tsr; i++) {
		const struct policy_ts_range *ts = i < c->n_tsi ? &c->tsi[i] :
		    &c->tsr[i - c->n_tsi];

		if (ts_is_ip(ts) && !ts_is_any(ts))
			break;
	}
	if (i == c->n_tsi + c->n_tsr)
		return;
	txt_init(&o, txt, sizeof(txt));
	txt_add(&o, "%s: TSi ", exch_label(c->exchange));
	out_ts_list(&o, c->tsi, c->n_tsi);
	txt_add(&o, ", TSr ");
	out_ts_list(&o, c->tsr, c->n_tsr);
	txt_add(&o, " are narrower than any-to-any: a route-based connection "
	    "(UsePolicyBasedTrafficSelectors = false) uses 0.0.0.0/0; a "
	    "policy-based peer needs UsePolicyBasedTrafficSelectors = true");
	emit(e, POLICY_AREA_TRAFFIC_SELECTORS, POLICY_INFO, "%s", txt);
}

/* Does (a in one list, b in the other) cover local l and remote r? */
static bool
child_covers(const struct policy_child *c, const struct policy_prefix *l,
    const struct policy_prefix *r)
{
	size_t i, j;

	for (i = 0; i < c->n_tsi; i++) {
		const struct policy_ts_range *a = &c->tsi[i];

		if (!ts_all_traffic(a))
			continue;
		for (j = 0; j < c->n_tsr; j++) {
			const struct policy_ts_range *b = &c->tsr[j];

			if (!ts_all_traffic(b))
				continue;
			/* Either end may be ours: initiator or responder. */
			if ((ts_covers(a, l) && ts_covers(b, r)) ||
			    (ts_covers(a, r) && ts_covers(b, l)))
				return true;
		}
	}
	return false;
}

/* Only prefixes of one family pair up (an IPv4 selector cannot carry
 * IPv6 traffic). */
static bool
pair_counts(const struct policy *p, size_t i, size_t j)
{
	return p->prefix[SIDE_LOCAL][i].family ==
	    p->prefix[SIDE_REMOTE][j].family;
}

static bool
cover_bit(const struct policy_ts_cover *cv, size_t i, size_t j)
{
	size_t k = i * LIMIT_POLICY_PREFIXES + j;

	return (cv->bits[k / 64] >> (k % 64)) & 1u;
}

static void
cover_add(struct policy_ts_cover *cv, const struct policy *p,
    const struct policy_child *c)
{
	size_t i, j, k;

	for (i = 0; i < p->n_prefix[SIDE_LOCAL]; i++) {
		for (j = 0; j < p->n_prefix[SIDE_REMOTE]; j++) {
			if (!pair_counts(p, i, j) ||
			    !child_covers(c, &p->prefix[SIDE_LOCAL][i],
			    &p->prefix[SIDE_REMOTE][j]))
				continue;
			k = i * LIMIT_POLICY_PREFIXES + j;
			cv->bits[k / 64] |= 1ull << (k % 64);
		}
	}
	cv->children++;
}

void
policy_ts_cover_init(struct policy_ts_cover *cover)
{
	memset(cover, 0, sizeof(*cover));
}

/* The seed: every on-premises prefix <====> every VNet prefix. */
static void
report_missing(const struct emit *e, const struct policy_ts_cover *cv)
{
	const struct policy *p = e->p;
	size_t nl = p->n_prefix[SIDE_LOCAL], nr = p->n_prefix[SIDE_REMOTE];
	size_t i, j, pairs = 0, missing = 0, shown = 0;
	char txt[384];
	struct txt o;

	if (!p->policy_based_ts || nl == 0 || nr == 0)
		return;
	for (i = 0; i < nl; i++) {
		for (j = 0; j < nr; j++) {
			pairs += pair_counts(p, i, j);
			missing += pair_counts(p, i, j) && !cover_bit(cv, i, j);
		}
	}
	if (pairs == 0)
		return;
	if (missing == 0) {
		emit(e, POLICY_AREA_TRAFFIC_SELECTORS, POLICY_INFO, "traffic "
		    "selectors cover all %zu combinations of local and remote "
		    "prefixes", pairs);
		return;
	}
	txt_init(&o, txt, sizeof(txt));
	txt_add(&o, "missing traffic-selector combinations (%zu of %zu; "
	    "policy-based selectors pair every remote prefix with every "
	    "local prefix):", missing, pairs);
	for (j = 0; j < nr; j++) {
		for (i = 0; i < nl; i++) {
			if (!pair_counts(p, i, j) || cover_bit(cv, i, j))
				continue;
			if (o.len > sizeof(txt) - 80) {
				txt_add(&o, " and %zu more", missing - shown);
				goto done;
			}
			txt_add(&o, "%s ", shown ? "," : "");
			out_prefix(&o, &p->prefix[SIDE_REMOTE][j]);
			txt_add(&o, " <====> ");
			out_prefix(&o, &p->prefix[SIDE_LOCAL][i]);
			shown++;
		}
	}
done:
	emit(e, POLICY_AREA_TRAFFIC_SELECTORS, POLICY_MISMATCH, "%s", txt);
}

static void
check_child_ts(const struct emit *e, const struct policy_child *c,
    struct policy_ts_cover *cover)
{
	struct policy_ts_cover mine;
	size_t i;

	if (c->n_tsi == 0 && c->n_tsr == 0)
		return;
	for (i = 0; i < c->n_tsi; i++)
		check_ts_one(e, "TSi", &c->tsi[i]);
	for (i = 0; i < c->n_tsr; i++)
		check_ts_one(e, "TSr", &c->tsr[i]);
	if (!e->p->policy_based_ts) {
		check_ts_route_based(e, c);
		return;
	}
	if (cover != NULL) {
		cover_add(cover, e->p, c);
		return;
	}
	policy_ts_cover_init(&mine);
	cover_add(&mine, e->p, c);
	report_missing(e, &mine);
}

void
policy_check_child(const struct policy *p, uint64_t ike_serial,
    const struct policy_child *child, struct policy_ts_cover *cover,
    policy_finding_fn cb, void *ctx)
{
	struct emit e = {p, ike_serial, cb, ctx};

	if (p == NULL || child == NULL || cb == NULL)
		return;
	if (p->has_algs)
		check_child_proposals(&e, child);
	check_child_ts(&e, child, cover);
}

void
policy_check_ts_cover(const struct policy *p, uint64_t ike_serial,
    const struct policy_ts_cover *cover, policy_finding_fn cb, void *ctx)
{
	struct emit e = {p, ike_serial, cb, ctx};

	if (p == NULL || cover == NULL || cb == NULL || cover->children == 0)
		return;
	report_missing(&e, cover);
}

/* ---- the policy file itself -------------------------------------- */

void
policy_check_file(const struct policy *p, policy_finding_fn cb, void *ctx)
{
	struct emit e = {p, 0, cb, ctx};
	uint32_t dpd;

	if (p == NULL || cb == NULL)
		return;
	dpd = p->uval[KEY_DPD];
	if (dpd < 30 || dpd > 45)
		emit(&e, POLICY_AREA_POLICY_FILE, POLICY_INFO, "%s:%u: "
		    "DpdTimeoutSeconds %u is outside the recommended 30 to "
		    "45 s: shorter makes IKE rekey more aggressively and the "
		    "connection can appear disconnected", p->name,
		    p->line[KEY_DPD], dpd);
	if (p->line[KEY_IKE_LIFE_S] != 0 && p->uval[KEY_IKE_LIFE_S] != 28800)
		emit(&e, POLICY_AREA_POLICY_FILE, POLICY_INFO, "%s:%u: "
		    "IkeLifeTimeSeconds %u: Azure VPN gateways fix main mode "
		    "at 28800 s, so this describes another gateway", p->name,
		    p->line[KEY_IKE_LIFE_S], p->uval[KEY_IKE_LIFE_S]);
	if (p->policy_based_ts && (p->n_prefix[SIDE_LOCAL] == 0 ||
	    p->n_prefix[SIDE_REMOTE] == 0))
		emit(&e, POLICY_AREA_POLICY_FILE, POLICY_WARNING, "%s:%u: "
		    "UsePolicyBasedTrafficSelectors = true without both "
		    "LocalPrefixes and RemotePrefixes: the prefix combinations "
		    "cannot be checked", p->name, p->line[KEY_POLICY_TS]);
}

/* ---- NO_PROPOSAL_CHOSEN without a policy ------------------------- */

/* The exchange answered with NO_PROPOSAL_CHOSEN, or NULL. */
static const struct ike_exchange *
npc_exchange(const struct ike_sa *sa)
{
	size_t i;

	for (i = 0; i < sa->n_exch && sa->exch != NULL; i++) {
		if (sa->exch[i].resp_error == IKEV2_N_NO_PROPOSAL_CHOSEN)
			return &sa->exch[i];
	}
	return NULL;
}

/* "AES128/SHA1/DHGroup2 (IKE:AES_CBC_128/...)". */
static void
out_both_forms(struct txt *o, const struct ikev2_proposal *q)
{
	char admin[160], iana[256];

	(void)ikev2_proposal_admin_text(q, admin, sizeof(admin));
	(void)ikev2_proposal_text(q, iana, sizeof(iana));
	txt_add(o, "%s (%s)", admin, iana);
}

/* ikev2_proposal_explain() lines joined with "; " on one line. */
static void
out_explain(struct txt *o, const struct ike_sa *sa,
    const struct ikev2_proposal *accept)
{
	char lines[512];
	size_t i, start = 0, shown = 0;
	bool skip_prf;

	(void)ikev2_proposal_explain(sa->offers, sa->n_offers, accept, 1,
	    lines, sizeof(lines));
	if (lines[0] == '\0') {
		txt_add(o, "the offers include it, so the responder's "
		    "configuration changed or it picks a policy per peer "
		    "address or identity");
		return;
	}
	/* The admin's integrity names INTEG and PRF alike: with an INTEG
	 * line, the PRF line repeats it (and reports cap detail texts). */
	skip_prf = strncmp(lines, "INTEG:", 6) == 0 ||
	    strstr(lines, "\nINTEG:") != NULL;
	for (i = 0; lines[i] != '\0'; i++) {
		if (lines[i] != '\n')
			continue;
		if (!(skip_prf && strncmp(lines + start, "PRF:", 4) == 0))
			txt_add(o, "%s%.*s", shown++ ? "; " : "",
			    (int)(i - start), lines + start);
		start = i + 1;
	}
	if (lines[start] != '\0')
		txt_add(o, "%s%s", shown ? "; " : "", lines + start);
}

/*
 * What the wire alone suggests: every offer limited to legacy
 * algorithms (1024-bit or smaller groups, DES/3DES, MD5), and a KE
 * payload whose group the initiator did not propose (RFC 7296 1.2).
 */
static void
out_wire_hints(struct txt *o, const struct ike_sa *sa)
{
	bool small_dh = true, old_cipher = true, seen_ke = false;
	size_t i, k;

	for (i = 0; i < sa->n_offers; i++) {
		const struct ikev2_proposal *q = &sa->offers[i];

		for (k = 0; k < q->n_transforms; k++) {
			const struct ikev2_transform *xf = &q->xf[k];
			uint16_t fixed;

			if (xf->type == IKEV2_TT_KE && xf->id != 0) {
				seen_ke = true;
				small_dh &= ikev2_ke_bits(xf->id) <= 1024;
			}
			fixed = ikev2_encr_fixed_bits(xf->id);
			if (xf->type == IKEV2_TT_ENCR && (fixed == 0 ||
			    fixed > 192))
				old_cipher = false;
		}
	}
	if (small_dh && seen_ke)
		txt_add(o, "; every offer uses DH groups of 1024 bits or less "
		    "(DHGroup2 and below), which current gateways refuse");
	if (old_cipher)
		txt_add(o, "; every offer uses DES or DES3 only, which current "
		    "gateways refuse");
	for (i = 0; i < sa->n_offers && sa->ke_group_offered != 0; i++) {
		struct ikev2_transform ke = {IKEV2_TT_KE, sa->ke_group_offered,
		    0};

		for (k = 0; k < sa->offers[i].n_transforms; k++) {
			if (xf_same(&sa->offers[i].xf[k], &ke))
				return;
		}
	}
	if (sa->ke_group_offered != 0)
		txt_add(o, "; the KE payload's group %s is in none of the "
		    "initiator's own proposals", ikev2_name(IKEV2_REG_KE,
		    sa->ke_group_offered));
}

size_t
policy_explain_no_proposal(const struct ike_sa *sa,
    const struct ikev2_proposal *known_accept, char *dst, size_t size)
{
	const struct ike_exchange *x;
	struct txt o;
	size_t i;

	txt_init(&o, dst, size);
	if (sa == NULL)
		return 0;
	x = npc_exchange(sa);
	if (x != NULL && x->exchange != IKEV2_EXCH_IKE_SA_INIT) {
		txt_add(&o, "the responder refused the CHILD_SA (ESP) "
		    "proposals of %s with NO_PROPOSAL_CHOSEN; they travel "
		    "encrypted, so only the session keys show them",
		    ikev2_name(IKEV2_REG_EXCHANGE, x->exchange));
		if (sa->has_chosen) {
			txt_add(&o, "; the IKE SA itself agreed on ");
			out_both_forms(&o, &sa->chosen);
		}
		return o.len;
	}
	if (sa->n_offers == 0) {
		txt_add(&o, "NO_PROPOSAL_CHOSEN to an IKE_SA_INIT request "
		    "that was not captured: the initiator's offers are "
		    "unknown");
		return o.len;
	}
	txt_add(&o, "the responder accepted none of the initiator's %u IKE "
	    "proposal%s: ", sa->n_offers_total, sa->n_offers_total == 1 ?
	    "" : "s");
	for (i = 0; i < sa->n_offers; i++) {
		txt_add(&o, "%s", i ? "; " : "");
		out_both_forms(&o, &sa->offers[i]);
	}
	if (sa->n_offers_total > sa->n_offers)
		txt_add(&o, "; and %u more not kept",
		    sa->n_offers_total - sa->n_offers);
	if (known_accept == NULL) {
		out_wire_hints(&o, sa);
		return o.len;
	}
	txt_add(&o, ". This responder accepted ");
	out_both_forms(&o, known_accept);
	txt_add(&o, " from the same initiator elsewhere in the capture: ");
	out_explain(&o, sa, known_accept);
	return o.len;
}
