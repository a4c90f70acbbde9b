/*
 * Windows wfpdiag.xml import (see winxml_import.h). Field names and value
 * renderings: ../shared/reference/wfpdiag-xml.md ("netEvent shape", "IKE
 * failure events", "Value rendering rules"); enum and flag values:
 * ikeext-enums.md. Where Windows' spelling is unverified the reader
 * accepts each enum by symbol or by number, and the error code as a
 * name, decimal or 0x-hex.
 */
#include "analyze/winxml_import.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyze/ikeext.h"
#include "analyze/ikev2_registry.h"
#include "analyze/winerr.h"

/* FWPM_NET_EVENT_FLAG_* bits the importer gates on (ikeext-enums.md). */
#define HF_IP_PROTOCOL 0x001u
#define HF_LOCAL_ADDR 0x002u
#define HF_REMOTE_ADDR 0x004u
#define HF_LOCAL_PORT 0x008u
#define HF_REMOTE_PORT 0x010u
#define HF_IP_VERSION 0x100u

/* Parse context for one record: the failure element's path prefix and
 * the first problem. */
struct pctx {
	const struct wfpxml_record *rec;
	const char *fe;         /* "ikeMmFailure" ... */
	char *why;
	size_t whylen;
	bool bad;
};

/* ---- small parsers ---- */

static bool
parse_u64(const char *t, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (t == NULL || t[0] < '0' || t[0] > '9')
		return false;
	v = strtoull(t, &end, 0);
	if (*end != '\0' || v > max)
		return false;
	*out = v;
	return true;
}

static bool
parse_hex_bytes(const char *t, uint8_t *out, size_t n)
{
	size_t i;
	unsigned v;

	if (t == NULL || strlen(t) != 2 * n)
		return false;
	for (i = 0; i < n; i++) {
		if (sscanf(t + 2 * i, "%2x", &v) != 1 ||
		    strchr("0123456789abcdefABCDEF", t[2 * i]) == NULL ||
		    strchr("0123456789abcdefABCDEF", t[2 * i + 1]) == NULL)
			return false;
		out[i] = (uint8_t)v;
	}
	return true;
}

/* 2020-05-21T17:25:59.070Z (fraction optional, any digits). */
static bool
parse_time(const char *t, int64_t *sec, uint32_t *nsec)
{
	struct tm tm;
	int y, mo, d, h, mi, s, used = 0;
	uint32_t ns = 0, scale = 100000000u;

	if (t == NULL || sscanf(t, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d,
	    &h, &mi, &s, &used) != 6 || used != 19)
		return false;
	t += used;
	if (*t == '.') {
		for (t++; *t >= '0' && *t <= '9'; t++) {
			ns += (uint32_t)(*t - '0') * scale;
			scale /= 10;
		}
	}
	if (strcmp(t, "Z") != 0 && *t != '\0')
		return false;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    s > 60)
		return false;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	*sec = (int64_t)timegm(&tm);
	*nsec = ns;
	return true;
}

static bool
parse_addr(const char *t, struct net_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (t == NULL)
		return false;
	if (inet_pton(AF_INET, t, a->bytes) == 1) {
		a->family = 4;
		return true;
	}
	if (inet_pton(AF_INET6, t, a->bytes) == 1) {
		a->family = 6;
		return true;
	}
	return false;
}

/* ---- record access ---- */

static void
complain(struct pctx *p, const char *field, const char *text)
{
	if (p->bad)
		return;
	p->bad = true;
	snprintf(p->why, p->whylen, "netEvent at line %lu: %s%s%s \"%.60s\" "
	    "cannot be read", p->rec->line, strchr(field, '/') ? "" : p->fe,
	    strchr(field, '/') ? "" : "/", field, text ? text : "");
}

/* Value of "<fe>/<name>" or NULL. */
static const char *
fget(struct pctx *p, const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", p->fe, name);
	return wfpxml_get(p->rec, path);
}

/* An enum by symbol or number; absent leaves *out alone. */
static void
get_enum(struct pctx *p, const char *t, const char *field,
    enum ikeext_reg reg, uint32_t *out)
{
	uint64_t v;

	if (t == NULL)
		return;
	if (ikeext_lookup_value(reg, t, out))
		return;
	if (parse_u64(t, UINT32_MAX, &v)) {
		*out = (uint32_t)v;
		return;
	}
	complain(p, field, t);
}

static uint8_t
get_enum8(struct pctx *p, const char *name, enum ikeext_reg reg)
{
	uint32_t v = 0;

	get_enum(p, fget(p, name), name, reg, &v);
	return (uint8_t)v;
}

/* OR of the named bits listed as <path>/item (or a number). */
static uint32_t
get_flags(struct pctx *p, const char *path, enum ikeext_reg reg,
    bool *present)
{
	size_t i, plen = strlen(path);
	uint32_t bits = 0, v;

	*present = false;
	for (i = 0; i < p->rec->n_fields; i++) {
		const struct wfpxml_field *f = &p->rec->fields[i];

		if (strncmp(f->name, path, plen) != 0)
			continue;
		if (f->name[plen] == '\0') {
			*present = true;        /* <flags/> */
			continue;
		}
		if (strcmp(f->name + plen, "/item") != 0)
			continue;
		*present = true;
		v = 0;
		get_enum(p, f->value, path, reg, &v);
		bits |= v;
	}
	return bits;
}

static uint64_t
get_uint(struct pctx *p, const char *path, uint64_t max)
{
	const char *t = wfpxml_get(p->rec, path);
	uint64_t v = 0;

	if (t != NULL && !parse_u64(t, max, &v))
		complain(p, path, t);
	return v;
}

static void
get_string(struct pctx *p, const char *name, char *dst, size_t len)
{
	const char *t = fget(p, name);

	snprintf(dst, len, "%s", t ? t : "");
}

/* ---- the header ---- */

static void
read_addrs(struct pctx *p, uint32_t hf, struct fail_event *ev)
{
	static const char *const lnames[] = {"header/localAddrV4",
	    "header/localAddrV6.byteArray16", "header/localAddrV6"};
	static const char *const rnames[] = {"header/remoteAddrV4",
	    "header/remoteAddrV6.byteArray16", "header/remoteAddrV6"};
	const char *t;
	size_t i;

	for (i = 0; i < 3; i++) {
		t = wfpxml_get(p->rec, lnames[i]);
		if ((hf & HF_LOCAL_ADDR) && t != NULL &&
		    !parse_addr(t, &ev->local))
			complain(p, lnames[i], t);
		t = wfpxml_get(p->rec, rnames[i]);
		if ((hf & HF_REMOTE_ADDR) && t != NULL &&
		    !parse_addr(t, &ev->remote))
			complain(p, rnames[i], t);
	}
}

static void
read_header(struct pctx *p, struct fail_event *ev)
{
	const char *t = wfpxml_get(p->rec, "header/timeStamp");
	uint32_t hf, ver = 2;
	bool present;

	if (!parse_time(t, &ev->ts_sec, &ev->ts_nsec))
		complain(p, "header/timeStamp", t);
	hf = get_flags(p, "header/flags", IKEEXT_REG_NET_EVENT_FLAG, &present);
	if (!present)   /* no flags element: trust what is there */
		hf = ~0u;
	if (hf & HF_IP_VERSION) {
		get_enum(p, wfpxml_get(p->rec, "header/ipVersion"),
		    "header/ipVersion", IKEEXT_REG_IP_VERSION, &ver);
		ev->ip_version = ver == 0 ? 4 : ver == 1 ? 6 : 0;
	}
	if (hf & HF_IP_PROTOCOL)
		ev->ip_protocol = (uint8_t)get_uint(p, "header/ipProtocol",
		    255);
	read_addrs(p, hf, ev);
	if (hf & HF_LOCAL_PORT)
		ev->local_port = (uint16_t)get_uint(p, "header/localPort",
		    65535);
	if (hf & HF_REMOTE_PORT)
		ev->remote_port = (uint16_t)get_uint(p, "header/remotePort",
		    65535);
}

/* ---- the failure element ---- */

static void
read_error_code(struct pctx *p, struct fail_event *ev)
{
	const char *t = fget(p, "failureErrorCode");

	if (t != NULL && winerr_parse(t, &ev->win_error) != RC_OK)
		complain(p, "failureErrorCode", t);
}

static void
read_cert_hash(struct pctx *p, struct fail_event *ev)
{
	const char *t = fget(p, "endCertHash");
	size_t i;

	if (t == NULL || t[0] == '\0')
		return;
	if (!parse_hex_bytes(t, ev->end_cert_hash, 20)) {
		complain(p, "endCertHash", t);
		return;
	}
	for (i = 0; i < 20; i++)
		if (ev->end_cert_hash[i] != 0)
			ev->has_cert_hash = true;
}

static void
read_optional_enums(struct pctx *p, const char *auth, struct fail_event *ev)
{
	uint32_t v;
	const char *t;

	if (auth != NULL && (t = fget(p, auth)) != NULL) {
		v = 0;
		get_enum(p, t, auth, IKEEXT_REG_AUTH_METHOD, &v);
		ev->auth_method = (int16_t)v;
	}
	if ((t = fget(p, "saTrafficType")) != NULL) {
		v = 0;
		get_enum(p, t, "saTrafficType", IKEEXT_REG_TRAFFIC_TYPE, &v);
		ev->traffic_type = (int8_t)v;
	}
}

/* 255.255.0.0 -> 16; NULL when not a contiguous mask. */
static int
mask_len(const char *mask)
{
	struct in_addr a;
	uint32_t m;
	int n = 0;

	if (inet_pton(AF_INET, mask, &a) != 1)
		return -1;
	m = ntohl(a.s_addr);
	while (m & 0x80000000u) {
		n++;
		m <<= 1;
	}
	return m == 0 ? n : -1;
}

/* localSubNet / remoteSubNet back to selector text (report_xml.c writes
 * them; Windows' own spelling is unverified, so unknown shapes are left
 * empty). */
static void
read_subnet(struct pctx *p, const char *name, char *dst, size_t len)
{
	char path[160];
	const char *lo, *hi, *addr, *m;
	int ml;

	snprintf(path, sizeof(path), "%s/rangeValue/valueLow/uint32", name);
	lo = fget(p, path);
	if (lo == NULL) {
		snprintf(path, sizeof(path), "%s/rangeValue/valueLow/"
		    "byteArray16", name);
		lo = fget(p, path);
	}
	snprintf(path, sizeof(path), "%s/rangeValue/valueHigh/uint32", name);
	hi = fget(p, path);
	if (hi == NULL) {
		snprintf(path, sizeof(path), "%s/rangeValue/valueHigh/"
		    "byteArray16", name);
		hi = fget(p, path);
	}
	if (lo != NULL && hi != NULL) {
		snprintf(dst, len, "%s-%s", lo, hi);
		return;
	}
	snprintf(path, sizeof(path), "%s/v4AddrMask/addr", name);
	addr = fget(p, path);
	snprintf(path, sizeof(path), "%s/v4AddrMask/mask", name);
	m = fget(p, path);
	if (addr != NULL && m != NULL && (ml = mask_len(m)) >= 0) {
		snprintf(dst, len, "%s/%d", addr, ml);
		return;
	}
	snprintf(path, sizeof(path), "%s/v6AddrMask/addr", name);
	addr = fget(p, path);
	snprintf(path, sizeof(path), "%s/v6AddrMask/prefixLength", name);
	m = fget(p, path);
	if (addr != NULL && m != NULL)
		snprintf(dst, len, "%s/%s", addr, m);
}

static void
read_mm(struct pctx *p, struct fail_event *ev)
{
	bool present;
	uint32_t fl;

	read_error_code(p, ev);
	ev->failure_point = get_enum8(p, "failurePoint",
	    IKEEXT_REG_FAILURE_POINT);
	fl = get_flags(p, "ikeMmFailure/flags", IKEEXT_REG_MM_FAILURE_FLAG,
	    &present);
	ev->benign = (fl & 0x1u) != 0;
	ev->keying_module = get_enum8(p, "keyingModuleType",
	    IKEEXT_REG_KEY_MODULE);
	ev->state = get_enum8(p, "mmState", IKEEXT_REG_MM_SA_STATE);
	ev->sa_role = get_enum8(p, "saRole", IKEEXT_REG_SA_ROLE);
	read_optional_enums(p, "mmAuthMethod", ev);
	read_cert_hash(p, ev);
	ev->mm_id = get_uint(p, "ikeMmFailure/mmId", UINT64_MAX);
	get_string(p, "localPrincipalNameForAuth", ev->local_id,
	    sizeof(ev->local_id));
	get_string(p, "remotePrincipalNameForAuth", ev->remote_id,
	    sizeof(ev->remote_id));
}

static void
read_em(struct pctx *p, struct fail_event *ev)
{
	bool present;
	uint32_t fl;

	read_error_code(p, ev);
	ev->failure_point = get_enum8(p, "failurePoint",
	    IKEEXT_REG_FAILURE_POINT);
	fl = get_flags(p, "ikeEmFailure/flags", IKEEXT_REG_EM_FAILURE_FLAG,
	    &present);
	ev->benign = (fl & 0x2u) != 0;
	ev->keying_module = 1;  /* extended mode exists only in AuthIP */
	ev->state = get_enum8(p, "emState", IKEEXT_REG_EM_SA_STATE);
	ev->sa_role = get_enum8(p, "saRole", IKEEXT_REG_SA_ROLE);
	read_optional_enums(p, "emAuthMethod", ev);
	read_cert_hash(p, ev);
	ev->mm_id = get_uint(p, "ikeEmFailure/mmId", UINT64_MAX);
	get_string(p, "localPrincipalNameForAuth", ev->local_id,
	    sizeof(ev->local_id));
	get_string(p, "remotePrincipalNameForAuth", ev->remote_id,
	    sizeof(ev->remote_id));
}

static void
read_qm(struct pctx *p, struct fail_event *ev)
{
	read_error_code(p, ev);
	ev->failure_point = get_enum8(p, "failurePoint",
	    IKEEXT_REG_FAILURE_POINT);
	ev->keying_module = get_enum8(p, "keyingModuleType",
	    IKEEXT_REG_KEY_MODULE);
	ev->state = get_enum8(p, "qmState", IKEEXT_REG_QM_SA_STATE);
	ev->sa_role = get_enum8(p, "saRole", IKEEXT_REG_SA_ROLE);
	read_optional_enums(p, NULL, ev);
	read_subnet(p, "localSubNet", ev->local_ts, sizeof(ev->local_ts));
	read_subnet(p, "remoteSubNet", ev->remote_ts, sizeof(ev->remote_ts));
	ev->mm_id = get_uint(p, "ikeQmFailure/mmSaLuid", UINT64_MAX);
}

static void
read_drop(struct pctx *p, struct fail_event *ev)
{
	const char *t = fget(p, "failureStatus");
	uint64_t v = 0;
	char *end;
	long long sv;

	if (t != NULL && t[0] == '-') {
		/* INT32 NTSTATUS printed signed */
		sv = strtoll(t, &end, 10);
		if (*end != '\0' || sv < INT32_MIN)
			complain(p, "failureStatus", t);
		else
			v = (uint32_t)(int32_t)sv;
	} else if (t != NULL && !parse_u64(t, UINT32_MAX, &v)) {
		complain(p, "failureStatus", t);
	}
	ev->ntstatus = (uint32_t)v;
	ev->win_error = ikeext_ntstatus_win32(ev->ntstatus);
	ev->direction = get_enum8(p, "direction", IKEEXT_REG_DIRECTION);
	ev->esp_spi = (uint32_t)get_uint(p, "ipsecDrop/spi", UINT32_MAX);
}

/* ---- wfpdiagExtra: our own reports read back ---- */

static void
read_extra_ids(struct pctx *p, struct fail_event *ev)
{
	const char *t;
	uint32_t v;
	uint64_t u;

	if ((t = wfpxml_get(p->rec, "wfpdiagExtra/exchange")) != NULL) {
		if (ikev2_lookup_value(IKEV2_REG_EXCHANGE, t, &v))
			ev->exchange = (uint8_t)v;
		else if (parse_u64(t, UINT8_MAX, &u))
			ev->exchange = (uint8_t)u;
	}
	if ((t = wfpxml_get(p->rec, "wfpdiagExtra/notify")) != NULL) {
		if (ikev2_lookup_value(IKEV2_REG_NOTIFY, t, &v))
			ev->notify = (uint16_t)v;
		else if (parse_u64(t, UINT16_MAX, &u))
			ev->notify = (uint16_t)u;
	}
	if ((t = wfpxml_get(p->rec, "wfpdiagExtra/ikeSpiI")) != NULL &&
	    !parse_hex_bytes(t, ev->spi_i, 8))
		complain(p, "wfpdiagExtra/ikeSpiI", t);
	if ((t = wfpxml_get(p->rec, "wfpdiagExtra/ikeSpiR")) != NULL &&
	    !parse_hex_bytes(t, ev->spi_r, 8))
		complain(p, "wfpdiagExtra/ikeSpiR", t);
	if ((t = wfpxml_get(p->rec, "wfpdiagExtra/espSpi")) != NULL) {
		char *end;

		u = strtoull(t, &end, 16);
		if (*end != '\0' || u > UINT32_MAX)
			complain(p, "wfpdiagExtra/espSpi", t);
		else
			ev->esp_spi = (uint32_t)u;
	}
}

static void
read_extra_text(struct pctx *p, struct fail_event *ev)
{
	static const struct {
		const char *name;
		size_t off, len;
	} texts[] = {
#define T(n, m) {"wfpdiagExtra/" n, offsetof(struct fail_event, m), \
	sizeof(((struct fail_event *)0)->m)}
		T("basis", basis), T("reason", reason), T("detail", detail),
		T("daemonEvidence", daemon_evidence),
#undef T
	};
	static const char *const srcs[] = {"wire", "daemon", "kernel",
	    "windows"};
	size_t i, k;
	const char *t;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if ((t = wfpxml_get(p->rec, texts[i].name)) != NULL)
			snprintf((char *)ev + texts[i].off, texts[i].len, "%s",
			    t);
	for (i = 0; i < p->rec->n_fields; i++) {
		const struct wfpxml_field *f = &p->rec->fields[i];

		if (strcmp(f->name, "wfpdiagExtra/sources/item") == 0) {
			for (k = 0; k < 4; k++)
				if (strcmp(f->value, srcs[k]) == 0)
					ev->sources |= 1u << k;
		} else if (strcmp(f->name,
		    "wfpdiagExtra/evidenceFrames/item") == 0 &&
		    ev->n_frames < LIMIT_EVIDENCE_FRAMES) {
			uint64_t fr;

			if (parse_u64(f->value, UINT64_MAX, &fr))
				ev->frames[ev->n_frames++] = fr;
		}
	}
	if ((t = wfpxml_get(p->rec, "wfpdiagExtra/inferred")) != NULL)
		ev->inferred = strcmp(t, "true") == 0 || strcmp(t, "1") == 0;
}

static void
read_extra(struct pctx *p, struct fail_event *ev)
{
	uint64_t v;

	if (wfpxml_get(p->rec, "wfpdiagExtra/errorCode") != NULL &&
	    (ev->win_error == 0 || fget(p, "failureErrorCode") == NULL)) {
		v = get_uint(p, "wfpdiagExtra/errorCode", UINT32_MAX);
		ev->win_error = (uint32_t)v;
	}
	if ((v = get_uint(p, "wfpdiagExtra/count", UINT32_MAX)) > 0)
		ev->count = (uint32_t)v;
	ev->retransmissions = (uint32_t)get_uint(p,
	    "wfpdiagExtra/retransmissions", UINT32_MAX);
	read_extra_ids(p, ev);
	read_extra_text(p, ev);
}

static const struct {
	enum event_type type;
	const char *element;
	void (*read)(struct pctx *, struct fail_event *);
} kinds[] = {
	{EVENT_MM_FAILURE, "ikeMmFailure", read_mm},
	{EVENT_QM_FAILURE, "ikeQmFailure", read_qm},
	{EVENT_EM_FAILURE, "ikeEmFailure", read_em},
	{EVENT_KERNEL_DROP, "ipsecDrop", read_drop},
};

enum rc
winxml_event(const struct wfpxml_record *rec, const char *input,
    struct fail_event *ev, char *why, size_t whylen)
{
	struct pctx p = {.rec = rec, .why = why, .whylen = whylen};
	const char *t = wfpxml_get(rec, "type");
	uint32_t type = UINT32_MAX;
	size_t k;

	memset(ev, 0, sizeof(*ev));
	ev->auth_method = -1;
	ev->traffic_type = -1;
	ev->count = 1;
	if (whylen > 0)
		why[0] = '\0';
	if (t != NULL && !ikeext_lookup_value(IKEEXT_REG_NET_EVENT_TYPE, t,
	    &type)) {
		uint64_t v;

		if (parse_u64(t, UINT32_MAX, &v))
			type = (uint32_t)v;
	}
	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		if ((uint32_t)kinds[k].type == type)
			break;
	if (k == sizeof(kinds) / sizeof(kinds[0])) {
		snprintf(why, whylen, "netEvent at line %lu: type %s is no "
		    "IKE/IPsec failure", rec->line, t ? t : "(none)");
		return RC_NOTFOUND;
	}
	ev->type = kinds[k].type;
	p.fe = kinds[k].element;
	read_header(&p, ev);
	kinds[k].read(&p, ev);
	read_extra(&p, ev);
	ev->sources |= EVENT_SRC_WINDOWS;
	snprintf(ev->input, sizeof(ev->input), "%s", input ? input : "");
	return p.bad ? RC_MALFORMED : RC_OK;
}

enum rc
winxml_freq_table(const struct wfpxml_record *rec, struct freq_item *rows,
    size_t cap, size_t *n, size_t *unreadable)
{
	const char *err = NULL;
	uint64_t f;
	uint32_t code;
	size_t i;
	enum rc rc = RC_OK;

	*n = 0;
	*unreadable = 0;
	for (i = 0; i < rec->n_fields; i++) {
		const struct wfpxml_field *fl = &rec->fields[i];

		if (strcmp(fl->name, "item/error") == 0) {
			if (err != NULL)
				(*unreadable)++;  /* error, no frequency */
			err = fl->value;
			continue;
		}
		if (strcmp(fl->name, "item/frequency") != 0)
			continue;
		if (err == NULL || winerr_parse(err, &code) != RC_OK ||
		    !parse_u64(fl->value, UINT64_MAX, &f)) {
			(*unreadable)++;
		} else if (*n == cap) {
			rc = RC_LIMIT;
		} else {
			rows[*n].win_error = code;
			rows[(*n)++].frequency = f;
		}
		err = NULL;
	}
	if (err != NULL)
		(*unreadable)++;
	return rc;
}

/* ---- whole-file import ---- */

struct winxml_import {
	struct winxml_stats st;
	char msg[768];
	/* the last file's last errorFrequencyTable */
	struct freq_item win[LIMIT_WINXML_CODES];
	size_t n_win;
	bool has_win;
	/* rebuilt from events, kept sorted by code for bsearch */
	struct freq_item rebuilt[LIMIT_WINXML_CODES];
	size_t n_rebuilt;
	struct freq_item sorted[LIMIT_WINXML_CODES];
};

struct winxml_import *
winxml_import_new(void)
{
	return calloc(1, sizeof(struct winxml_import));
}

void
winxml_import_free(struct winxml_import *wi)
{
	free(wi);
}

const struct winxml_stats *
winxml_import_stats(const struct winxml_import *wi)
{
	return &wi->st;
}

const char *
winxml_import_errmsg(const struct winxml_import *wi)
{
	return wi->msg;
}

/* Adds count to code's row (insertion keeps rows sorted by code). */
static void
rebuilt_add(struct winxml_import *wi, uint32_t code, uint64_t count)
{
	size_t lo = 0, hi = wi->n_rebuilt, mid;

	if (code == 0)
		return;         /* no error recorded (unmapped NTSTATUS) */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (wi->rebuilt[mid].win_error < code)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < wi->n_rebuilt && wi->rebuilt[lo].win_error == code) {
		wi->rebuilt[lo].frequency += count;
		return;
	}
	if (wi->n_rebuilt == LIMIT_WINXML_CODES) {
		wi->st.codes_dropped += count;
		return;
	}
	memmove(&wi->rebuilt[lo + 1], &wi->rebuilt[lo],
	    (wi->n_rebuilt - lo) * sizeof(wi->rebuilt[0]));
	wi->rebuilt[lo].win_error = code;
	wi->rebuilt[lo].frequency = count;
	wi->n_rebuilt++;
}

static int
cmp_freq(const void *a, const void *b)
{
	const struct freq_item *x = a, *y = b;

	if (x->frequency != y->frequency)
		return x->frequency > y->frequency ? -1 : 1;
	return x->win_error < y->win_error ? -1 : x->win_error > y->win_error;
}

const struct freq_item *
winxml_import_rebuilt_table(struct winxml_import *wi, size_t *n)
{
	memcpy(wi->sorted, wi->rebuilt, wi->n_rebuilt * sizeof(wi->sorted[0]));
	qsort(wi->sorted, wi->n_rebuilt, sizeof(wi->sorted[0]), cmp_freq);
	*n = wi->n_rebuilt;
	return wi->sorted;
}

const struct freq_item *
winxml_import_windows_table(const struct winxml_import *wi, size_t *n)
{
	*n = wi->has_win ? wi->n_win : 0;
	return wi->has_win ? wi->win : NULL;
}

static enum rc
on_event(struct winxml_import *wi, const struct wfpxml_record *rec,
    const char *input, winxml_event_fn fn, void *ctx)
{
	struct fail_event ev;
	char why[256];
	enum rc rc;

	wi->st.net_events++;
	rc = winxml_event(rec, input, &ev, why, sizeof(why));
	if (rc == RC_NOTFOUND) {
		wi->st.skipped++;
		return RC_OK;
	}
	if (rc != RC_OK) {
		/* one unreadable event does not spoil the file */
		if (wi->st.unreadable++ == 0)
			snprintf(wi->msg, sizeof(wi->msg), "%s: %s", input,
			    why);
		return RC_OK;
	}
	wi->st.imported++;
	rebuilt_add(wi, ev.win_error, ev.count);
	return fn != NULL ? fn(ctx, &ev) : RC_OK;
}

static void
on_table(struct winxml_import *wi, const struct wfpxml_record *rec)
{
	size_t unreadable = 0;

	wi->st.freq_tables++;
	wi->has_win = true;
	/* LIMIT only means rows past LIMIT_WINXML_CODES were left out */
	if (winxml_freq_table(rec, wi->win, LIMIT_WINXML_CODES, &wi->n_win,
	    &unreadable) != RC_OK)
		wi->st.table_rows_unreadable++;
	wi->st.table_rows_unreadable += unreadable;
}

enum rc
winxml_import_reader(struct winxml_import *wi, struct wfpxml *x,
    const char *input, winxml_event_fn fn, void *ctx)
{
	const struct wfpxml_record *rec;
	enum rc rc;

	wi->has_win = false;
	wi->n_win = 0;
	while ((rc = wfpxml_next(x, &rec)) == RC_OK) {
		if (rec->kind == WFPXML_FREQ_TABLE)
			on_table(wi, rec);
		else if ((rc = on_event(wi, rec, input, fn, ctx)) != RC_OK)
			return rc;
	}
	if (rc == RC_EOF)
		return RC_OK;
	snprintf(wi->msg, sizeof(wi->msg), "%s", wfpxml_errmsg(x));
	return rc;
}

enum rc
winxml_import_path(struct winxml_import *wi, const char *path,
    winxml_event_fn fn, void *ctx)
{
	struct wfpxml *x;
	enum rc rc;

	rc = wfpxml_open_path(&x, path, wi->msg, sizeof(wi->msg));
	if (rc != RC_OK)
		return rc;
	rc = winxml_import_reader(wi, x, path, fn, ctx);
	wfpxml_free(x);
	return rc;
}

/* ---- per remote address ---- */

struct winxml_peer_stats {
	struct winxml_peer *peers;      /* owned, n used of cap */
	size_t n, cap;
	uint32_t *index;                /* open addressing: peer + 1, 0 free */
	size_t index_size;              /* power of two, >= 2 n */
	uint64_t dropped;
};

struct winxml_peer_stats *
winxml_peer_stats_new(void)
{
	return calloc(1, sizeof(struct winxml_peer_stats));
}

void
winxml_peer_stats_free(struct winxml_peer_stats *ps)
{
	if (ps == NULL)
		return;
	free(ps->peers);
	free(ps->index);
	free(ps);
}

uint64_t
winxml_peer_stats_dropped(const struct winxml_peer_stats *ps)
{
	return ps->dropped;
}

static uint32_t
addr_hash(const struct net_addr *a)
{
	uint32_t h = 2166136261u ^ a->family;
	size_t i;

	for (i = 0; i < 16; i++)
		h = (h ^ a->bytes[i]) * 16777619u;
	return h;
}

static bool
addr_same(const struct net_addr *a, const struct net_addr *b)
{
	return a->family == b->family && memcmp(a->bytes, b->bytes, 16) == 0;
}

static size_t
index_slot(const struct winxml_peer_stats *ps, const struct net_addr *a)
{
	size_t mask = ps->index_size - 1, i = addr_hash(a) & mask;

	while (ps->index[i] != 0 &&
	    !addr_same(&ps->peers[ps->index[i] - 1].remote, a))
		i = (i + 1) & mask;
	return i;
}

static enum rc
index_rebuild(struct winxml_peer_stats *ps, size_t size)
{
	uint32_t *idx = calloc(size, sizeof(*idx));
	size_t i;

	if (idx == NULL)
		return RC_NOMEM;
	free(ps->index);
	ps->index = idx;
	ps->index_size = size;
	for (i = 0; i < ps->n; i++)
		ps->index[index_slot(ps, &ps->peers[i].remote)] =
		    (uint32_t)i + 1;
	return RC_OK;
}

/* Room for one more peer in both the array and the index. */
static enum rc
peers_grow(struct winxml_peer_stats *ps)
{
	struct winxml_peer *p;
	size_t ncap;

	if (ps->n == ps->cap) {
		ncap = ps->cap ? ps->cap * 2 : 64;
		p = realloc(ps->peers, ncap * sizeof(*p));
		if (p == NULL)
			return RC_NOMEM;
		ps->peers = p;
		ps->cap = ncap;
	}
	if (2 * (ps->n + 1) > ps->index_size)
		return index_rebuild(ps, ps->index_size ? ps->index_size * 2 :
		    128);
	return RC_OK;
}

static bool
time_before(int64_t s1, uint32_t n1, int64_t s2, uint32_t n2)
{
	return s1 < s2 || (s1 == s2 && n1 < n2);
}

static void
peer_count(struct winxml_peer *p, const struct fail_event *ev)
{
	uint64_t c = ev->count ? ev->count : 1;
	size_t i;

	if (p->events == 0 || time_before(ev->ts_sec, ev->ts_nsec,
	    p->first_sec, p->first_nsec)) {
		p->first_sec = ev->ts_sec;
		p->first_nsec = ev->ts_nsec;
	}
	if (p->events == 0 || time_before(p->last_sec, p->last_nsec,
	    ev->ts_sec, ev->ts_nsec)) {
		p->last_sec = ev->ts_sec;
		p->last_nsec = ev->ts_nsec;
	}
	p->events += c;
	for (i = 0; i < p->n_codes; i++)
		if (p->codes[i].win_error == ev->win_error)
			break;
	if (i == p->n_codes) {
		if (i == LIMIT_WINXML_PEER_CODES) {
			p->other_codes += c;
			return;
		}
		p->codes[i].win_error = ev->win_error;
		p->codes[i].frequency = 0;
		p->n_codes++;
	}
	p->codes[i].frequency += c;
}

enum rc
winxml_peer_stats_add(struct winxml_peer_stats *ps,
    const struct fail_event *ev)
{
	struct net_addr key = ev->remote;
	size_t slot;
	enum rc rc;

	if (key.family != 4 && key.family != 6)
		memset(&key, 0, sizeof(key));   /* one "unknown" peer */
	else if (key.family == 4)
		memset(key.bytes + 4, 0, 12);
	if (ps->index_size > 0) {
		slot = index_slot(ps, &key);
		if (ps->index[slot] != 0) {
			peer_count(&ps->peers[ps->index[slot] - 1], ev);
			return RC_OK;
		}
	}
	if (ps->n == LIMIT_WINXML_PEERS) {
		ps->dropped += ev->count ? ev->count : 1;
		return RC_LIMIT;
	}
	if ((rc = peers_grow(ps)) != RC_OK)
		return rc;
	slot = index_slot(ps, &key);
	memset(&ps->peers[ps->n], 0, sizeof(ps->peers[0]));
	ps->peers[ps->n].remote = key;
	ps->index[slot] = (uint32_t)++ps->n;
	peer_count(&ps->peers[ps->n - 1], ev);
	return RC_OK;
}

static int
cmp_peer(const void *a, const void *b)
{
	const struct winxml_peer *x = a, *y = b;

	if (x->remote.family != y->remote.family)
		return x->remote.family < y->remote.family ? -1 : 1;
	return memcmp(x->remote.bytes, y->remote.bytes, 16);
}

const struct winxml_peer *
winxml_peer_stats_sorted(struct winxml_peer_stats *ps, size_t *n)
{
	size_t i;

	*n = ps->n;
	if (ps->n == 0)
		return ps->peers;
	qsort(ps->peers, ps->n, sizeof(ps->peers[0]), cmp_peer);
	for (i = 0; i < ps->n; i++)
		qsort(ps->peers[i].codes, ps->peers[i].n_codes,
		    sizeof(ps->peers[i].codes[0]), cmp_freq);
	/* positions moved: the index must follow */
	if (index_rebuild(ps, ps->index_size) != RC_OK)
		ps->index_size = 0;     /* next add rebuilds */
	return ps->peers;
}
