/*
 * wfpdiag.xml report writer (see report_xml.h and docs/report.md).
 * Element names and value renderings of the Windows parts follow
 * ../shared/reference/wfpdiag-xml.md ("Value rendering rules", "IKE
 * failure events") and ikeext-enums.md (struct member order of
 * FWPM_NET_EVENT_HEADER3, _IKEEXT_MM_FAILURE2, _QM_FAILURE1,
 * _EM_FAILURE1, _IPSEC_KERNEL_DROP0).
 *
 * Each spool is an anonymous file (unlinked at creation) written by its
 * own xmlTextWriter through a write callback, so a crash leaves no
 * litter and a full disk is seen as an error on the call that hit it.
 */
#include "analyze/report_xml.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libxml/xmlwriter.h>

#include "analyze/ikeext.h"
#include "analyze/ikev1_decode.h"
#include "analyze/ikev2_registry.h"
#include "analyze/winerr.h"
#include "formats/limits.h"

#define COPY_CHUNK (64u * 1024u)
#define MAX_TEXT 2048u          /* longest string field, cleaned */

struct report_xml_sink {
	struct report_xml *r;
	int fd;                 /* spool, or the final temp file */
	xmlTextWriterPtr w;
	enum rc err;            /* sticky */
	int depth;              /* open elements */
	uint64_t items;         /* top-level elements begun */
	bool pending_indent;    /* copy: a chunk ended on a newline */
	int io_errno;           /* errno of the first failed write */
};

struct report_xml {
	char path[PATH_MAX];    /* final name */
	char dir[PATH_MAX];     /* its directory, for spools and the temp */
	struct report_xml_sink events;
	struct report_xml_sink sec[REPORT_XML__SECTIONS];
	char msg[PATH_MAX + 128];
};

static const char *const section_names[REPORT_XML__SECTIONS] = {
	"ikeSecurityAssociations", "espSecurityAssociations",
	"policyFindings", "windowsErrorFrequencyTables",
};

/* ---- names from the registries (winerr, ikeext, ikev2) ---- */

/* Win32 error name as Windows would write it, or NULL: codes without a
 * winerror.h symbol (Azure's 13999, whose table name is ours) are written
 * as numbers, never under a name Windows does not use. */
static const char *
err_name(uint32_t code)
{
	if (!winerr_known(code) || winerr_source(code) != WINERR_SRC_SDK)
		return NULL;
	return winerr_name(code);
}

/* ---- output plumbing ---- */

static int
write_fd(void *ctx, const char *buf, int len)
{
	struct report_xml_sink *s = ctx;
	size_t done = 0;
	ssize_t w;

	while (done < (size_t)len) {
		w = write(s->fd, buf + done, (size_t)len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (s->io_errno == 0)
				s->io_errno = w < 0 ? errno : ENOSPC;
			return -1;
		}
		done += (size_t)w;
	}
	return len;
}

/* libxml2 reports output errors ("I/O error : flush error") through its
 * global generic handler, which prints on stderr; library code never
 * prints, and our sinks see every failure through write_fd. */
static void
quiet(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

/* An anonymous file in dir: O_TMPFILE, else a mkstemp name unlinked at
 * once. */
static int
spool_fd(const char *dir)
{
	char tmpl[PATH_MAX];
	int fd;

#ifdef O_TMPFILE
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
#endif
	if (snprintf(tmpl, sizeof(tmpl), "%s/.wfpdiag-spool.XXXXXX", dir) >=
	    (int)sizeof(tmpl))
		return -1;
	fd = mkstemp(tmpl);
	if (fd >= 0)
		unlink(tmpl);
	return fd;
}

static enum rc
sink_init(struct report_xml_sink *s, struct report_xml *r, int fd)
{
	xmlOutputBufferPtr out;

	s->r = r;
	s->fd = fd;
	s->io_errno = 0;
	s->pending_indent = false;
	s->err = RC_OK;
	s->depth = 0;
	s->items = 0;
	out = xmlOutputBufferCreateIO(write_fd, NULL, s, NULL);
	if (out == NULL)
		return RC_NOMEM;
	s->w = xmlNewTextWriter(out);
	if (s->w == NULL) {
		xmlOutputBufferClose(out);
		return RC_NOMEM;
	}
	xmlTextWriterSetIndent(s->w, 1);
	xmlTextWriterSetIndentString(s->w, (const xmlChar *)" ");
	return RC_OK;
}

static void
sink_fini(struct report_xml_sink *s)
{
	if (s->w != NULL)
		xmlFreeTextWriter(s->w);
	s->w = NULL;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

/* Records a failed libxml2 call on the sink. */
static enum rc
sink_check(struct report_xml_sink *s, int xrc)
{
	if (xrc < 0 && s->err == RC_OK)
		s->err = errno == ENOMEM ? RC_NOMEM : RC_IO;
	return s->err;
}

struct report_xml *
report_xml_open(const char *final_path, char *err, size_t errlen)
{
	struct report_xml *r = calloc(1, sizeof(*r));
	const char *slash;
	int i, fd;

	if (r == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->events.fd = -1;
	for (i = 0; i < REPORT_XML__SECTIONS; i++)
		r->sec[i].fd = -1;
	if (snprintf(r->path, sizeof(r->path), "%s", final_path) >=
	    (int)sizeof(r->path)) {
		snprintf(err, errlen, "report path too long");
		goto fail;
	}
	slash = strrchr(final_path, '/');
	if (slash == NULL)
		snprintf(r->dir, sizeof(r->dir), ".");
	else if (slash == final_path)
		snprintf(r->dir, sizeof(r->dir), "/");
	else
		snprintf(r->dir, sizeof(r->dir), "%.*s",
		    (int)(slash - final_path), final_path);
	xmlInitParser();
	xmlSetGenericErrorFunc(NULL, quiet);
	for (i = -1; i < REPORT_XML__SECTIONS; i++) {
		struct report_xml_sink *s = i < 0 ? &r->events : &r->sec[i];

		fd = spool_fd(r->dir);
		if (fd < 0) {
			snprintf(err, errlen, "%s: cannot create a spool file: "
			    "%s", r->dir, strerror(errno));
			goto fail;
		}
		if (sink_init(s, r, fd) != RC_OK) {
			close(fd);
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
	}
	return r;
fail:
	report_xml_abort(r);
	return NULL;
}

void
report_xml_abort(struct report_xml *r)
{
	int i;

	if (r == NULL)
		return;
	sink_fini(&r->events);
	for (i = 0; i < REPORT_XML__SECTIONS; i++)
		sink_fini(&r->sec[i]);
	free(r);
}

const char *
report_xml_errmsg(const struct report_xml *r)
{
	return r->msg;
}

/* ---- text helpers ---- */

/* Length of the valid UTF-8 sequence at p (n bytes left) encoding a
 * character XML 1.0 allows, or 0. */
static size_t
xml_char_len(const unsigned char *p, size_t n)
{
	uint32_t c;
	size_t len, i;

	/* Tab, CR and LF are legal XML but are escaped too: values stay one
	 * line, so every raw newline in a spool is layout (write_spooled
	 * indents after it). */
	if (p[0] < 0x80)
		return p[0] >= 0x20 && p[0] != 0x7f ? 1 : 0;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, c = p[0] & 0x1fu;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, c = p[0] & 0x0fu;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, c = p[0] & 0x07u;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3fu);
	}
	/* overlong forms, surrogates, U+FFFE/FFFF, past U+10FFFF */
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c == 0xfffe || c == 0xffff ||
	    c > 0x10ffff)
		return 0;
	return len;
}

void
report_xml_clean(const char *src, size_t srclen, char *dst, size_t len)
{
	const unsigned char *p = (const unsigned char *)src;
	size_t n = strnlen(src, srclen), i = 0, o = 0, cl;

	if (len == 0)
		return;
	while (i < n) {
		cl = xml_char_len(p + i, n - i);
		if (cl == 0) {
			if (len - o < 5)
				break;
			snprintf(dst + o, 5, "\\x%02X", p[i]);
			o += 4;
			i++;
			continue;
		}
		if (len - o <= cl)
			break;
		memcpy(dst + o, p + i, cl);
		o += cl;
		i += cl;
	}
	dst[o] = '\0';
}

char *
report_xml_format_time(int64_t sec, uint32_t nsec, char *dst, size_t len)
{
	struct tm tm;
	time_t t = (time_t)sec;

	if (gmtime_r(&t, &tm) == NULL) {
		snprintf(dst, len, "1601-01-01T00:00:00.000Z");
		return dst;
	}
	snprintf(dst, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (unsigned)(nsec / 1000000u % 1000u));
	return dst;
}

static bool
valid_name(const char *name)
{
	const char *p = name;

	if (name == NULL || !((*p >= 'A' && *p <= 'Z') ||
	    (*p >= 'a' && *p <= 'z')))
		return false;
	for (p++; *p != '\0'; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ||
		    *p == '-'))
			return false;
	return true;
}

static void
addr_text(const struct net_addr *a, char *dst, size_t len)
{
	if (a->family == 4)
		inet_ntop(AF_INET, a->bytes, dst, (socklen_t)len);
	else if (a->family == 6)
		inet_ntop(AF_INET6, a->bytes, dst, (socklen_t)len);
	else
		dst[0] = '\0';
}

/* ---- the sink API ---- */

struct report_xml_sink *
report_xml_section(struct report_xml *r, enum report_xml_section sec)
{
	if ((unsigned)sec >= REPORT_XML__SECTIONS)
		return NULL;
	return &r->sec[sec];
}

static enum rc
s_begin(struct report_xml_sink *s, const char *name)
{
	if (s->err != RC_OK)
		return s->err;
	if (!valid_name(name))
		return RC_INVAL;
	if (s->depth++ == 0)
		s->items++;
	return sink_check(s, xmlTextWriterStartElement(s->w,
	    (const xmlChar *)name));
}

static enum rc
s_end(struct report_xml_sink *s)
{
	if (s->err != RC_OK)
		return s->err;
	if (s->depth == 0)
		return RC_INVAL;
	s->depth--;
	return sink_check(s, xmlTextWriterEndElement(s->w));
}

static enum rc
s_attr(struct report_xml_sink *s, const char *name,
    const char *value)
{
	char clean[MAX_TEXT];

	if (s->err != RC_OK)
		return s->err;
	if (!valid_name(name) || s->depth == 0)
		return RC_INVAL;
	report_xml_clean(value ? value : "", MAX_TEXT, clean, sizeof(clean));
	return sink_check(s, xmlTextWriterWriteAttribute(s->w,
	    (const xmlChar *)name, (const xmlChar *)clean));
}

/* <name>text</name> for text that is already clean. */
static enum rc
leaf(struct report_xml_sink *s, const char *name, const char *text)
{
	if (s->err != RC_OK)
		return s->err;
	if (!valid_name(name))
		return RC_INVAL;
	if (s->depth == 0)
		s->items++;
	if (text[0] == '\0') {
		if (sink_check(s, xmlTextWriterStartElement(s->w,
		    (const xmlChar *)name)) != RC_OK)
			return s->err;
		return sink_check(s, xmlTextWriterEndElement(s->w));
	}
	return sink_check(s, xmlTextWriterWriteElement(s->w,
	    (const xmlChar *)name, (const xmlChar *)text));
}

/* Text content of the open element, cleaned and escaped. */
static enum rc
write_string(struct report_xml_sink *s, const char *text)
{
	char clean[MAX_TEXT];

	if (s->err != RC_OK)
		return s->err;
	report_xml_clean(text ? text : "", MAX_TEXT, clean, sizeof(clean));
	if (clean[0] == '\0')
		return RC_OK;
	return sink_check(s, xmlTextWriterWriteString(s->w,
	    (const xmlChar *)clean));
}

static enum rc
s_text(struct report_xml_sink *s, const char *name,
    const char *value)
{
	char clean[MAX_TEXT];

	report_xml_clean(value ? value : "", MAX_TEXT, clean, sizeof(clean));
	return leaf(s, name, clean);
}

static enum rc
s_uint(struct report_xml_sink *s, const char *name, uint64_t v)
{
	char t[24];

	snprintf(t, sizeof(t), "%" PRIu64, v);
	return leaf(s, name, t);
}

static enum rc
s_bool(struct report_xml_sink *s, const char *name, bool v)
{
	return leaf(s, name, v ? "true" : "false");
}

static enum rc
s_hex(struct report_xml_sink *s, const char *name,
    const uint8_t *p, size_t n)
{
	char t[MAX_TEXT];
	size_t i;

	if (n > (sizeof(t) - 1) / 2)
		return RC_INVAL;
	for (i = 0; i < n; i++)
		snprintf(t + 2 * i, 3, "%02x", p[i]);
	t[2 * n] = '\0';
	return leaf(s, name, t);
}

static enum rc
s_time(struct report_xml_sink *s, const char *name, int64_t sec,
    uint32_t nsec)
{
	char t[40];

	return leaf(s, name, report_xml_format_time(sec, nsec, t, sizeof(t)));
}

static enum rc
s_addr(struct report_xml_sink *s, const char *name,
    const struct net_addr *a)
{
	char t[INET6_ADDRSTRLEN];

	addr_text(a, t, sizeof(t));
	return leaf(s, name, t);
}

/* ---- public sink wrappers (the static versions are used internally,
 * where the sink's sticky error is checked once at the end) ---- */

enum rc
report_xml_begin(struct report_xml_sink *s, const char *name)
{
	return s_begin(s, name);
}

enum rc
report_xml_end(struct report_xml_sink *s)
{
	return s_end(s);
}

enum rc
report_xml_attr(struct report_xml_sink *s, const char *name,
    const char *value)
{
	return s_attr(s, name, value);
}

enum rc
report_xml_text(struct report_xml_sink *s, const char *name,
    const char *value)
{
	return s_text(s, name, value);
}

enum rc
report_xml_uint(struct report_xml_sink *s, const char *name, uint64_t v)
{
	return s_uint(s, name, v);
}

enum rc
report_xml_bool(struct report_xml_sink *s, const char *name, bool v)
{
	return s_bool(s, name, v);
}

enum rc
report_xml_hex(struct report_xml_sink *s, const char *name,
    const uint8_t *p, size_t n)
{
	return s_hex(s, name, p, n);
}

enum rc
report_xml_time(struct report_xml_sink *s, const char *name, int64_t sec,
    uint32_t nsec)
{
	return s_time(s, name, sec, nsec);
}

enum rc
report_xml_addr(struct report_xml_sink *s, const char *name,
    const struct net_addr *a)
{
	return s_addr(s, name, a);
}

/* Error code as failureErrorCode and the table render it. */
static void
code_text(uint32_t code, char *dst, size_t len)
{
	const char *n = err_name(code);

	if (n != NULL)
		snprintf(dst, len, "%s", n);
	else
		snprintf(dst, len, "%" PRIu32, code);
}

enum rc
report_xml_add_windows_table(struct report_xml *r, const char *input,
    const struct freq_item *items, size_t n)
{
	struct report_xml_sink *s = &r->sec[REPORT_XML_WIN_TABLES];
	char code[64], num[24];
	size_t i;

	(void)s_begin(s, "errorFrequencyTable");
	(void)s_attr(s, "input", input);
	snprintf(num, sizeof(num), "%zu", n);
	(void)s_attr(s, "numItems", num);
	for (i = 0; i < n; i++) {
		code_text(items[i].win_error, code, sizeof(code));
		(void)s_begin(s, "item");
		(void)leaf(s, "error", code);
		(void)s_uint(s, "frequency", items[i].frequency);
		(void)s_end(s);
	}
	return s_end(s);
}

/* ---- netEvent rendering ---- */

/* <name>SYMBOL</name> from an ikeext registry; a value without a name
 * is written in decimal (never "UNKNOWN", which would not read back). */
static enum rc
enum_leaf(struct report_xml_sink *s, const char *name, enum ikeext_reg reg,
    uint32_t v)
{
	char num[16];

	if (ikeext_known(reg, v))
		return leaf(s, name, ikeext_name(reg, v));
	snprintf(num, sizeof(num), "%" PRIu32, v);
	return leaf(s, name, num);
}

/* A flags element: numItems + one <item> per set bit, ascending; <name/>
 * when none (wfpdiag-xml.md "bit flags", "empty array"). */
static enum rc
flags_leaf(struct report_xml_sink *s, const char *name, enum ikeext_reg reg,
    uint32_t bits)
{
	char num[16];
	unsigned i, n = 0;

	for (i = 0; i < 32; i++)
		n += (bits >> i) & 1u;
	if (n == 0)
		return leaf(s, name, "");
	snprintf(num, sizeof(num), "%u", n);
	(void)s_begin(s, name);
	(void)s_attr(s, "numItems", num);
	for (i = 0; i < 32; i++)
		if (bits & (1u << i))
			(void)enum_leaf(s, "item", reg, 1u << i);
	return s_end(s);
}

/* FWPM_NET_EVENT_FLAG_* bits for the header fields ev actually sets. */
static uint32_t
header_flags(const struct fail_event *ev)
{
	uint32_t f = 0;

	if (ev->ip_protocol != 0)
		f |= 0x1;
	if (ev->local.family != 0)
		f |= 0x2;
	if (ev->remote.family != 0)
		f |= 0x4;
	if (ev->local_port != 0)
		f |= 0x8;
	if (ev->remote_port != 0)
		f |= 0x10;
	if (ev->ip_version != 0)
		f |= 0x100;
	return f;
}

static uint8_t
event_ip_version(const struct fail_event *ev)
{
	if (ev->ip_version == 4 || ev->ip_version == 6)
		return ev->ip_version;
	if (ev->remote.family != 0)
		return ev->remote.family;
	return ev->local.family;
}

/* FWPM_NET_EVENT_HEADER3, members in struct order. */
static enum rc
write_header(struct report_xml_sink *s, const struct fail_event *ev)
{
	uint8_t ver = event_ip_version(ev);
	struct net_addr zero = {.family = ver == 6 ? 6 : 4};
	const struct net_addr *la = ev->local.family ? &ev->local : &zero;
	const struct net_addr *ra = ev->remote.family ? &ev->remote : &zero;
	bool v6 = ver == 6;

	(void)s_begin(s, "header");
	(void)s_time(s, "timeStamp", ev->ts_sec, ev->ts_nsec);
	(void)flags_leaf(s, "flags", IKEEXT_REG_NET_EVENT_FLAG,
	    header_flags(ev));
	(void)enum_leaf(s, "ipVersion", IKEEXT_REG_IP_VERSION,
	    ver == 4 ? 0 : ver == 6 ? 1 : 2);
	(void)s_uint(s, "ipProtocol", ev->ip_protocol);
	(void)s_addr(s, v6 ? "localAddrV6.byteArray16" :
	    "localAddrV4", la);
	(void)s_addr(s, v6 ? "remoteAddrV6.byteArray16" :
	    "remoteAddrV4", ra);
	(void)s_uint(s, "localPort", ev->local_port);
	(void)s_uint(s, "remotePort", ev->remote_port);
	(void)s_uint(s, "scopeId", 0);
	(void)leaf(s, "appId", "");
	(void)leaf(s, "userId", "");
	(void)enum_leaf(s, "addressFamily", IKEEXT_REG_AF,
	    ver == 4 ? 0 : ver == 6 ? 1 : 3);
	(void)leaf(s, "packageSid", "S-1-0-0");
	(void)leaf(s, "enterpriseId", "");
	(void)s_uint(s, "policyFlags", 0);
	(void)leaf(s, "effectiveName", "");
	return s_end(s);
}

static enum rc
write_cert_hash(struct report_xml_sink *s, const struct fail_event *ev)
{
	static const uint8_t zero[20];

	return s_hex(s, "endCertHash", ev->has_cert_hash ?
	    ev->end_cert_hash : zero, 20);
}

static enum rc
write_principals(struct report_xml_sink *s, const struct fail_event *ev)
{
	(void)s_text(s, "localPrincipalNameForAuth", ev->local_id);
	(void)s_text(s, "remotePrincipalNameForAuth",
	    ev->remote_id);
	(void)leaf(s, "localPrincipalGroupSids", "");
	return leaf(s, "remotePrincipalGroupSids", "");
}

/* FWPM_NET_EVENT_IKEEXT_MM_FAILURE2 (providerContextKey omitted). */
static enum rc
write_mm(struct report_xml_sink *s, const struct fail_event *ev)
{
	char code[64];

	code_text(ev->win_error, code, sizeof(code));
	(void)s_begin(s, "ikeMmFailure");
	(void)leaf(s, "failureErrorCode", code);
	(void)enum_leaf(s, "failurePoint", IKEEXT_REG_FAILURE_POINT,
	    ev->failure_point);
	(void)flags_leaf(s, "flags", IKEEXT_REG_MM_FAILURE_FLAG,
	    (ev->benign ? 0x1u : 0) | (ev->count > 1 ? 0x2u : 0));
	(void)enum_leaf(s, "keyingModuleType", IKEEXT_REG_KEY_MODULE,
	    ev->keying_module);
	(void)enum_leaf(s, "mmState", IKEEXT_REG_MM_SA_STATE, ev->state);
	(void)enum_leaf(s, "saRole", IKEEXT_REG_SA_ROLE, ev->sa_role);
	if (ev->auth_method >= 0)
		(void)enum_leaf(s, "mmAuthMethod", IKEEXT_REG_AUTH_METHOD,
		    (uint32_t)ev->auth_method);
	(void)write_cert_hash(s, ev);
	(void)s_uint(s, "mmId", ev->mm_id);
	(void)s_uint(s, "mmFilterId", 0);
	(void)write_principals(s, ev);
	return s_end(s);
}

/* FWPM_NET_EVENT_IKEEXT_EM_FAILURE1. */
static enum rc
write_em(struct report_xml_sink *s, const struct fail_event *ev)
{
	char code[64];

	code_text(ev->win_error, code, sizeof(code));
	(void)s_begin(s, "ikeEmFailure");
	(void)leaf(s, "failureErrorCode", code);
	(void)enum_leaf(s, "failurePoint", IKEEXT_REG_FAILURE_POINT,
	    ev->failure_point);
	(void)flags_leaf(s, "flags", IKEEXT_REG_EM_FAILURE_FLAG,
	    (ev->count > 1 ? 0x1u : 0) | (ev->benign ? 0x2u : 0));
	(void)enum_leaf(s, "emState", IKEEXT_REG_EM_SA_STATE, ev->state);
	(void)enum_leaf(s, "saRole", IKEEXT_REG_SA_ROLE, ev->sa_role);
	if (ev->auth_method >= 0)
		(void)enum_leaf(s, "emAuthMethod", IKEEXT_REG_AUTH_METHOD,
		    (uint32_t)ev->auth_method);
	(void)write_cert_hash(s, ev);
	(void)s_uint(s, "mmId", ev->mm_id);
	(void)s_uint(s, "qmFilterId", 0);
	(void)write_principals(s, ev);
	if (ev->traffic_type >= 0)
		(void)enum_leaf(s, "saTrafficType", IKEEXT_REG_TRAFFIC_TYPE,
		    (uint32_t)ev->traffic_type);
	return s_end(s);
}

/* One end of a range or prefix as an FWP_VALUE0 (wfpdiag-xml.md "typed
 * values"; addresses dotted although typed FWP_UINT32). */
static enum rc
write_typed_addr(struct report_xml_sink *s, const char *name,
    const char *addr)
{
	bool v6 = strchr(addr, ':') != NULL;

	(void)s_begin(s, name);
	(void)leaf(s, "type", v6 ? "FWP_BYTE_ARRAY16_TYPE" : "FWP_UINT32");
	(void)s_text(s, v6 ? "byteArray16" : "uint32", addr);
	return s_end(s);
}

/* "24" -> "255.255.255.0" (FWP_V4_ADDR_AND_MASK carries a mask); other
 * text is passed through. */
static const char *
prefix_to_mask(const char *len, char *dst, size_t dlen)
{
	char *end;
	unsigned long n = strtoul(len, &end, 10);
	uint32_t m;

	if (end == len || *end != '\0' || n > 32)
		return len;
	m = n == 0 ? 0 : 0xffffffffu << (32 - n);
	snprintf(dst, dlen, "%u.%u.%u.%u", m >> 24, m >> 16 & 255,
	    m >> 8 & 255, m & 255);
	return dst;
}

/* localSubNet / remoteSubNet (FWP_CONDITION_VALUE0) from the selector
 * text "a-b" (FWP_RANGE_TYPE) or "addr/len" (FWP_V4/V6_ADDR_MASK). The
 * exact Windows spelling is unverified; the schema is lax here. */
static enum rc
write_subnet(struct report_xml_sink *s, const char *name, const char *ts)
{
	char a[96], mask[16], *sep;
	bool v6 = strchr(ts, ':') != NULL;

	report_xml_clean(ts, 96, a, sizeof(a));
	(void)s_begin(s, name);
	if ((sep = strchr(a, '-')) != NULL) {
		*sep = '\0';
		(void)leaf(s, "type", "FWP_RANGE_TYPE");
		(void)s_begin(s, "rangeValue");
		(void)write_typed_addr(s, "valueLow", a);
		(void)write_typed_addr(s, "valueHigh", sep + 1);
		(void)s_end(s);
	} else if ((sep = strchr(a, '/')) != NULL) {
		*sep = '\0';
		(void)leaf(s, "type", v6 ? "FWP_V6_ADDR_MASK" :
		    "FWP_V4_ADDR_MASK");
		(void)s_begin(s, v6 ? "v6AddrMask" : "v4AddrMask");
		(void)leaf(s, "addr", a);
		(void)leaf(s, v6 ? "prefixLength" : "mask", v6 ? sep + 1 :
		    prefix_to_mask(sep + 1, mask, sizeof(mask)));
		(void)s_end(s);
	} else {
		(void)leaf(s, "type", v6 ? "FWP_BYTE_ARRAY16_TYPE" :
		    "FWP_UINT32");
		(void)leaf(s, v6 ? "byteArray16" : "uint32", a);
	}
	return s_end(s);
}

/* FWPM_NET_EVENT_IKEEXT_QM_FAILURE1 (mmProviderContextKey omitted). */
static enum rc
write_qm(struct report_xml_sink *s, const struct fail_event *ev)
{
	char code[64];

	code_text(ev->win_error, code, sizeof(code));
	(void)s_begin(s, "ikeQmFailure");
	(void)leaf(s, "failureErrorCode", code);
	(void)enum_leaf(s, "failurePoint", IKEEXT_REG_FAILURE_POINT,
	    ev->failure_point);
	(void)enum_leaf(s, "keyingModuleType", IKEEXT_REG_KEY_MODULE,
	    ev->keying_module);
	(void)enum_leaf(s, "qmState", IKEEXT_REG_QM_SA_STATE, ev->state);
	(void)enum_leaf(s, "saRole", IKEEXT_REG_SA_ROLE, ev->sa_role);
	if (ev->traffic_type >= 0)
		(void)enum_leaf(s, "saTrafficType", IKEEXT_REG_TRAFFIC_TYPE,
		    (uint32_t)ev->traffic_type);
	if (ev->local_ts[0] != '\0')
		(void)write_subnet(s, "localSubNet", ev->local_ts);
	if (ev->remote_ts[0] != '\0')
		(void)write_subnet(s, "remoteSubNet", ev->remote_ts);
	(void)s_uint(s, "qmFilterId", 0);
	(void)s_uint(s, "mmSaLuid", ev->mm_id);
	return s_end(s);
}

/* FWPM_NET_EVENT_IPSEC_KERNEL_DROP0; failureStatus is an NTSTATUS and is
 * written in hex (0xC0360004), the way NTSTATUS codes are quoted. */
static enum rc
write_drop(struct report_xml_sink *s, const struct fail_event *ev)
{
	char st[16];

	snprintf(st, sizeof(st), "0x%08" PRIX32, ev->ntstatus);
	(void)s_begin(s, "ipsecDrop");
	(void)leaf(s, "failureStatus", st);
	(void)enum_leaf(s, "direction", IKEEXT_REG_DIRECTION, ev->direction);
	(void)s_uint(s, "spi", ev->esp_spi);
	(void)s_uint(s, "filterId", 0);
	(void)s_uint(s, "layerId", 0);
	return s_end(s);
}

static bool
all_zero(const uint8_t *p, size_t n)
{
	while (n-- > 0)
		if (*p++ != 0)
			return false;
	return true;
}

/* <name type="N">NAME</name>: a registry value with its number. */
static enum rc
registry_leaf(struct report_xml_sink *s, const char *name,
    enum ikev2_reg reg, uint32_t v)
{
	char num[16];

	snprintf(num, sizeof(num), "%" PRIu32, v);
	(void)s_begin(s, name);
	(void)s_attr(s, "type", num);
	(void)write_string(s, ikev2_known(reg, v) ? ikev2_name(reg, v) : num);
	return s_end(s);
}

static enum rc
write_sources(struct report_xml_sink *s, unsigned src)
{
	static const char *const names[] = {"wire", "daemon", "kernel",
	    "windows"};
	char num[8];
	unsigned i, n = 0;

	for (i = 0; i < 4; i++)
		n += (src >> i) & 1u;
	snprintf(num, sizeof(num), "%u", n);
	(void)s_begin(s, "sources");
	(void)s_attr(s, "numItems", num);
	for (i = 0; i < 4; i++)
		if (src & (1u << i))
			(void)leaf(s, "item", names[i]);
	return s_end(s);
}

/* What we know beyond Windows' struct members (docs/report.md). */
static enum rc
write_extra(struct report_xml_sink *s, const struct fail_event *ev)
{
	const char *name = err_name(ev->win_error);
	char num[24];
	uint32_t i, nf = ev->n_frames;

	(void)s_begin(s, "wfpdiagExtra");
	(void)s_uint(s, "errorCode", ev->win_error);
	if (name != NULL)
		(void)leaf(s, "errorName", name);
	(void)s_uint(s, "count", ev->count ? ev->count : 1);
	if (ev->exchange != 0 && ev->keying_module == 0) { /* IKEv1 */
		snprintf(num, sizeof(num), "%u", ev->exchange);
		(void)s_begin(s, "exchange");
		(void)s_attr(s, "type", num);
		(void)write_string(s, ikev1_exchange_name(ev->exchange));
		(void)s_end(s);
	} else if (ev->exchange != 0) {
		(void)registry_leaf(s, "exchange", IKEV2_REG_EXCHANGE,
		    ev->exchange);
	}
	if (ev->notify != 0)
		(void)registry_leaf(s, "notify", IKEV2_REG_NOTIFY, ev->notify);
	if (!all_zero(ev->spi_i, 8))
		(void)s_hex(s, "ikeSpiI", ev->spi_i, 8);
	if (!all_zero(ev->spi_r, 8))
		(void)s_hex(s, "ikeSpiR", ev->spi_r, 8);
	if (ev->esp_spi != 0) {
		snprintf(num, sizeof(num), "%08" PRIx32, ev->esp_spi);
		(void)leaf(s, "espSpi", num);
	}
	(void)s_uint(s, "retransmissions", ev->retransmissions);
	if (nf > LIMIT_EVIDENCE_FRAMES)
		nf = LIMIT_EVIDENCE_FRAMES;
	if (nf > 0) {
		snprintf(num, sizeof(num), "%" PRIu32, nf);
		(void)s_begin(s, "evidenceFrames");
		(void)s_attr(s, "numItems", num);
		for (i = 0; i < nf; i++)
			(void)s_uint(s, "item", ev->frames[i]);
		(void)s_end(s);
	}
	(void)s_bool(s, "inferred", ev->inferred);
	if (ev->basis[0] != '\0')
		(void)s_text(s, "basis", ev->basis);
	if (ev->reason[0] != '\0')
		(void)s_text(s, "reason", ev->reason);
	if (ev->detail[0] != '\0')
		(void)s_text(s, "detail", ev->detail);
	if (ev->daemon_evidence[0] != '\0')
		(void)s_text(s, "daemonEvidence",
		    ev->daemon_evidence);
	(void)write_sources(s, ev->sources);
	if (ev->input[0] != '\0')
		(void)s_text(s, "input", ev->input);
	return s_end(s);
}

static const char *
event_type_name(enum event_type t)
{
	return ikeext_name(IKEEXT_REG_NET_EVENT_TYPE, (uint32_t)t);
}

enum rc
report_xml_add_event(struct report_xml *r, const struct fail_event *ev)
{
	struct report_xml_sink *s = &r->events;

	(void)s_begin(s, "netEvent");
	(void)write_header(s, ev);
	(void)leaf(s, "type", event_type_name(ev->type));
	switch (ev->type) {
	case EVENT_MM_FAILURE:
		(void)write_mm(s, ev);
		break;
	case EVENT_QM_FAILURE:
		(void)write_qm(s, ev);
		break;
	case EVENT_EM_FAILURE:
		(void)write_em(s, ev);
		break;
	case EVENT_KERNEL_DROP:
		(void)write_drop(s, ev);
		break;
	}
	(void)write_extra(s, ev);
	return s_end(s);
}

/* ---- finishing: header, spools, table, atomic rename ---- */

static enum rc
write_inputs(struct report_xml_sink *s, const struct report_header *h)
{
	char num[24];
	size_t i;

	snprintf(num, sizeof(num), "%zu", h->n_inputs);
	(void)s_begin(s, "inputs");
	(void)s_attr(s, "numItems", num);
	for (i = 0; i < h->n_inputs; i++) {
		const struct report_input *in = &h->inputs[i];

		(void)s_begin(s, "item");
		(void)s_text(s, "path", in->path);
		(void)s_text(s, "format", in->format);
		(void)s_uint(s, "packets", in->packets);
		(void)s_uint(s, "bytes", in->bytes);
		(void)s_bool(s, "complete", !in->error);
		if (in->error)
			(void)s_text(s, "error", in->errmsg);
		(void)s_end(s);
	}
	return s_end(s);
}

static enum rc
write_counts(struct report_xml_sink *s, const struct report_header *h)
{
	(void)s_begin(s, "packetCounts");
	(void)s_uint(s, "frames", h->frames);
	(void)s_uint(s, "ikeMessages", h->ike_messages);
	(void)s_uint(s, "ikev1Messages", h->ikev1_messages);
	(void)s_uint(s, "espPackets", h->esp_packets);
	(void)s_uint(s, "natKeepalives", h->nat_keepalives);
	(void)s_uint(s, "skipped", h->skipped);
	(void)s_uint(s, "truncated", h->truncated);
	(void)s_uint(s, "malformed", h->malformed);
	(void)s_end(s);
	(void)s_begin(s, "analysisCounts");
	(void)s_uint(s, "ikeSas", h->ike_sas);
	(void)s_uint(s, "espSas", h->esp_sas);
	/* not "events": a text search for <events must find the section */
	(void)s_uint(s, "failureEvents", h->events);
	(void)s_uint(s, "failureEventsDropped", h->events_dropped);
	return s_end(s);
}

/* <name numItems="n"><tag name="...">value</tag>...</name> */
static enum rc
write_named_list(struct report_xml_sink *s, const char *name,
    const char *tag, size_t n, const char *const *names,
    const char *const *values, const uint64_t *nums)
{
	char num[24];
	size_t i;

	snprintf(num, sizeof(num), "%zu", n);
	(void)s_begin(s, name);
	(void)s_attr(s, "numItems", num);
	for (i = 0; i < n; i++) {
		if (nums != NULL)
			snprintf(num, sizeof(num), "%" PRIu64, nums[i]);
		(void)s_begin(s, tag);
		(void)s_attr(s, "name", names[i]);
		(void)write_string(s, nums ? num : values[i]);
		(void)s_end(s);
	}
	return s_end(s);
}

static enum rc
write_report_header(struct report_xml_sink *s, const struct report_header *h)
{
	char host[256];
	struct timespec now;

	(void)s_begin(s, "header");
	(void)s_text(s, "toolVersion", h->tool_version ?
	    h->tool_version : WFPDIAG_VERSION);
	if (h->host != NULL && h->host[0] != '\0')
		(void)s_text(s, "host", h->host);
	else if (gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		(void)s_text(s, "host", host);
	}
	clock_gettime(CLOCK_REALTIME, &now);
	(void)s_time(s, "generated", now.tv_sec,
	    (uint32_t)now.tv_nsec);
	if (h->first_ts_sec != 0 || h->last_ts_sec != 0) {
		(void)s_begin(s, "captureTimeRange");
		(void)s_time(s, "first", h->first_ts_sec,
		    h->first_ts_nsec);
		(void)s_time(s, "last", h->last_ts_sec,
		    h->last_ts_nsec);
		(void)s_end(s);
	}
	(void)write_inputs(s, h);
	(void)write_counts(s, h);
	(void)write_named_list(s, "counters", "counter", h->n_counters,
	    h->counter_names, NULL, h->counter_values);
	(void)write_named_list(s, "keyingSources", "source", h->n_sources,
	    h->source_names, h->source_status, NULL);
	return s_end(s);
}

static int
cmp_freq(const void *a, const void *b)
{
	const struct freq_item *x = a, *y = b;

	if (x->frequency != y->frequency)
		return x->frequency > y->frequency ? -1 : 1;
	if (x->win_error != y->win_error)
		return x->win_error < y->win_error ? -1 : 1;
	return 0;
}

/* The last element of the file: the seed's "last errorFrequencyTable". */
static enum rc
write_freq(struct report_xml_sink *s, const struct freq_item *freq,
    size_t n)
{
	struct freq_item *sorted = NULL;
	char num[24], code[64];
	size_t i, shown = 0;

	if (n > 0 && (sorted = malloc(n * sizeof(*sorted))) == NULL)
		return RC_NOMEM;
	for (i = 0; i < n; i++)
		if (freq[i].frequency > 0)
			sorted[shown++] = freq[i];
	if (shown > 0)
		qsort(sorted, shown, sizeof(*sorted), cmp_freq);
	snprintf(num, sizeof(num), "%zu", shown);
	(void)s_begin(s, "errorFrequencyTable");
	(void)s_attr(s, "numItems", num);
	for (i = 0; i < shown; i++) {
		code_text(sorted[i].win_error, code, sizeof(code));
		(void)s_begin(s, "item");
		(void)leaf(s, "error", code);
		(void)s_uint(s, "frequency", sorted[i].frequency);
		(void)s_end(s);
	}
	free(sorted);
	return s_end(s);
}

/* Closes a spool's writer and rewinds it for copying. */
static enum rc
spool_close(struct report_xml_sink *sp)
{
	if (sp->err == RC_OK && sp->depth != 0)
		sp->err = RC_INVAL;     /* an element left open */
	if (sp->err == RC_OK)
		(void)sink_check(sp, xmlTextWriterFlush(sp->w));
	xmlFreeTextWriter(sp->w);
	sp->w = NULL;
	if (sp->err == RC_OK && lseek(sp->fd, 0, SEEK_SET) != 0)
		sp->err = RC_IO;
	return sp->err;
}

/* The spools were written as fragments at level 0; inside the document
 * they sit at level 2. Raw newlines in a spool are only layout (values
 * are one-line, report_xml_clean), so indenting after each is safe. The
 * last newline of a spool gets no indent: the end tag follows. */
#define INDENT2 "  "

static enum rc
copy_indented(struct report_xml_sink *out, const uint8_t *p, size_t n)
{
	size_t i, start = 0;

	if (out->pending_indent && n > 0) {     /* last chunk ended on \n */
		(void)sink_check(out, xmlTextWriterWriteRaw(out->w,
		    (const xmlChar *)INDENT2));
		out->pending_indent = false;
	}
	for (i = 0; i < n && out->err == RC_OK; i++) {
		if (p[i] != '\n')
			continue;
		(void)sink_check(out, xmlTextWriterWriteRawLen(out->w,
		    (const xmlChar *)p + start, (int)(i + 1 - start)));
		out->pending_indent = true;
		start = i + 1;
		if (i + 1 < n) {
			(void)sink_check(out, xmlTextWriterWriteRaw(out->w,
			    (const xmlChar *)INDENT2));
			out->pending_indent = false;
		}
	}
	if (start < n && out->err == RC_OK)
		(void)sink_check(out, xmlTextWriterWriteRawLen(out->w,
		    (const xmlChar *)p + start, (int)(n - start)));
	return out->err;
}

/* <name numItems="N"> + the spool's bytes + </name>. */
static enum rc
write_spooled(struct report_xml_sink *out, const char *name,
    struct report_xml_sink *sp, uint8_t *chunk)
{
	char num[24];
	ssize_t got;

	snprintf(num, sizeof(num), "%" PRIu64, sp->items);
	(void)s_begin(out, name);
	(void)s_attr(out, "numItems", num);
	if (sp->items > 0)
		(void)sink_check(out, xmlTextWriterWriteRaw(out->w,
		    (const xmlChar *)"\n" INDENT2));
	while (out->err == RC_OK) {
		got = read(sp->fd, chunk, COPY_CHUNK);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return out->err = RC_IO;
		if (got == 0)
			break;
		(void)copy_indented(out, chunk, (size_t)got);
	}
	out->pending_indent = false;    /* the end tag follows */
	if (sp->items > 0)      /* the end tag's own indent (level 1) */
		(void)sink_check(out, xmlTextWriterWriteRaw(out->w,
		    (const xmlChar *)" "));
	return s_end(out);
}

static enum rc
write_document(struct report_xml *r, struct report_xml_sink *out,
    const struct report_header *h, const struct freq_item *freq, size_t n)
{
	uint8_t *chunk = malloc(COPY_CHUNK);
	int i;

	if (chunk == NULL)
		return RC_NOMEM;
	(void)sink_check(out, xmlTextWriterStartDocument(out->w, "1.0",
	    "UTF-8", NULL));
	(void)s_begin(out, "wfpdiag");
	(void)s_attr(out, "version", h->tool_version ?
	    h->tool_version : WFPDIAG_VERSION);
	(void)write_report_header(out, h);
	(void)write_spooled(out, "events", &r->events, chunk);
	for (i = 0; i < REPORT_XML__SECTIONS; i++)
		(void)write_spooled(out, section_names[i], &r->sec[i], chunk);
	(void)write_freq(out, freq, n);
	(void)s_end(out);
	(void)sink_check(out, xmlTextWriterEndDocument(out->w));
	(void)sink_check(out, xmlTextWriterFlush(out->w));
	free(chunk);
	return out->err;
}

/* fsync + rename + fsync of the directory (the durability the
 * atomic-replace idiom needs). */
static enum rc
commit_file(struct report_xml *r, int fd, const char *tmp)
{
	int dfd;

	if (fsync(fd) != 0)
		return RC_IO;
	if (rename(tmp, r->path) != 0)
		return errno == EACCES || errno == EPERM ? RC_PERM : RC_IO;
	dfd = open(r->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	return RC_OK;
}

static int
first_io_errno(const struct report_xml *r)
{
	int i;

	if (r->events.io_errno != 0)
		return r->events.io_errno;
	for (i = 0; i < REPORT_XML__SECTIONS; i++)
		if (r->sec[i].io_errno != 0)
			return r->sec[i].io_errno;
	return 0;
}

enum rc
report_xml_finish(struct report_xml *r, const struct report_header *h,
    const struct freq_item *freq, size_t n, char *err, size_t errlen)
{
	struct report_xml_sink out = {.fd = -1};
	const char *base = strrchr(r->path, '/');
	char tmp[PATH_MAX];
	enum rc rc = RC_OK;
	int i;

	base = base ? base + 1 : r->path;
	if ((rc = spool_close(&r->events)) != RC_OK)
		goto out;
	for (i = 0; i < REPORT_XML__SECTIONS; i++)
		if ((rc = spool_close(&r->sec[i])) != RC_OK)
			goto out;
	if (snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", r->dir, base) >=
	    (int)sizeof(tmp)) {
		rc = RC_INVAL;
		goto out;
	}
	if ((out.fd = mkstemp(tmp)) < 0) {
		out.io_errno = errno;
		rc = errno == EACCES ? RC_PERM : RC_IO;
		tmp[0] = '\0';
		goto out;
	}
	(void)fchmod(out.fd, 0600);
	if ((rc = sink_init(&out, r, out.fd)) != RC_OK)
		goto out;
	if ((rc = write_document(r, &out, h, freq, n)) != RC_OK)
		goto out;
	xmlFreeTextWriter(out.w);
	out.w = NULL;
	rc = commit_file(r, out.fd, tmp);
	if (rc == RC_OK)
		tmp[0] = '\0';
	else
		out.io_errno = errno;
out:
	if (rc != RC_OK) {
		int e = out.io_errno ? out.io_errno : first_io_errno(r);

		snprintf(err, errlen, "%s: report not written: %s%s%s%s",
		    r->path, rc_str(rc), e ? " (" : "", e ? strerror(e) : "",
		    e ? ")" : "");
	}
	sink_fini(&out);
	if (tmp[0] != '\0')
		unlink(tmp);
	report_xml_abort(r);
	return rc;
}
