/*
 * XFRM netlink decoder and renderers (see xfrm.h). Reference: the Linux
 * uapi <linux/xfrm.h> (structures, XFRMA_* attributes), <linux/netlink.h>
 * (message and attribute framing, NLMSG_ALIGN/NLA_ALIGN to 4 bytes) and
 * ip-xfrm(8) for the text layout.
 *
 *   struct nlmsghdr (16, host order)     struct nlattr (4, host order)
 *   +---------------------------+        +-------------+-------------+
 *   | length (incl. header) 32  |        | nla_len 16  | nla_type 16 |
 *   | type 16      | flags 16   |        +-------------+-------------+
 *   | sequence 32               |        | payload (nla_len - 4), padded
 *   | port id 32                |        | to a multiple of 4          |
 *   +---------------------------+        +---------------------------+
 *   | fixed body (e.g. xfrm_usersa_info), NLMSG_ALIGNed, then nlattrs |
 *
 * Fields are read one at a time at their uapi offsets (offsetof) from a
 * body whose size was checked first; nothing is cast from the bytes.
 */
#include "capture/xfrm.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "formats/evlog.h"

/* <linux/netlink.h>'s macros are int-typed; the same values, unsigned. */
#define NL_HDR 16u		/* NL_HDR */
#define NLA_HDR 4u		/* NLA_HDR */
#define NLA_TYPE 0x3fffu	/* NLA_TYPE */
#define ALIGN4(x) (((size_t)(x) + 3u) & ~(size_t)3u)

struct xmsg_row {
	uint16_t type;
	const char *name;
	enum xfrm_body body;
};

static const struct xmsg_row xmsg_rows[] = {
#define XMSG(name, value, body) {value, #name, XFRM_BODY_##body},
#include "capture/xfrm_msg.def"
#undef XMSG
};

enum xalg_kind { XALG_ENC, XALG_AUTH, XALG_AEAD };

struct xalg_row {
	enum xalg_kind kind;
	const char *kname;
	uint32_t bits;
	const char *wsname;
};

static const struct xalg_row xalg_rows[] = {
#define XALG(kind, kname, bits, wsname) {XALG_##kind, kname, bits, wsname},
#include "capture/xfrm_alg.def"
#undef XALG
};

#define NROWS(a) (sizeof(a) / sizeof((a)[0]))

static const struct xmsg_row *
xmsg_find(uint16_t type)
{
	size_t i;

	for (i = 0; i < NROWS(xmsg_rows); i++)
		if (xmsg_rows[i].type == type)
			return &xmsg_rows[i];
	return NULL;
}

const char *
xfrm_msg_name(uint16_t type)
{
	const struct xmsg_row *row = xmsg_find(type);

	return row ? row->name : "UNKNOWN";
}

/* Field reads inside a fixed part whose size was checked by the caller. */
static void
at(const struct rd *r, size_t off, void *dst, size_t n)
{
	struct rd c = *r;

	rd_skip(&c, off);
	(void)rd_copy(&c, dst, n);
}

#define AT(r, off, var) at((r), (off), &(var), sizeof(var))

static uint16_t
at_be16(const struct rd *r, size_t off)
{
	struct rd c = *r;

	rd_skip(&c, off);
	return rd_be16(&c);
}

static uint32_t
at_be32(const struct rd *r, size_t off)
{
	struct rd c = *r;

	rd_skip(&c, off);
	return rd_be32(&c);
}

static enum rc
too_short(struct xfrm_ev *ev, const char *what, size_t have, size_t need)
{
	snprintf(ev->err, sizeof(ev->err), "%s %s: %zu bytes < %zu",
	    xfrm_msg_name(ev->msg_type), what, have, need);
	return RC_SHORT;
}

/* Carves a fixed part of size n off r (the body or an attribute). */
static enum rc
fixed(struct rd *r, size_t n, struct rd *out, struct xfrm_ev *ev,
    const char *what)
{
	if (rd_left(r) < n)
		return too_short(ev, what, rd_left(r), n);
	*out = rd_sub(r, n);
	/* attributes start at ALIGN4(n); the pad may be missing at the
	 * very end of a message */
	rd_skip(r, ALIGN4(n) - n <= rd_left(r) ? ALIGN4(n) - n :
	    rd_left(r));
	return RC_OK;
}

static void
dec_sel(const struct rd *r, size_t base, struct xfrm_ev_sel *s)
{
	AT(r, base + offsetof(struct xfrm_selector, family), s->family);
	AT(r, base + offsetof(struct xfrm_selector, saddr), s->saddr);
	AT(r, base + offsetof(struct xfrm_selector, daddr), s->daddr);
	AT(r, base + offsetof(struct xfrm_selector, prefixlen_s), s->plen_s);
	AT(r, base + offsetof(struct xfrm_selector, prefixlen_d), s->plen_d);
	AT(r, base + offsetof(struct xfrm_selector, proto), s->proto);
	s->sport = at_be16(r, base + offsetof(struct xfrm_selector, sport));
	s->dport = at_be16(r, base + offsetof(struct xfrm_selector, dport));
}

/* struct xfrm_usersa_info at base. */
static void
dec_sa_info(const struct rd *r, size_t base, struct xfrm_ev *ev)
{
	ev->has_sa = true;
	ev->has_saddr = true;
	dec_sel(r, base + offsetof(struct xfrm_usersa_info, sel), &ev->sel);
	AT(r, base + offsetof(struct xfrm_usersa_info, id.daddr), ev->daddr);
	ev->spi = at_be32(r, base + offsetof(struct xfrm_usersa_info, id.spi));
	AT(r, base + offsetof(struct xfrm_usersa_info, id.proto), ev->proto);
	AT(r, base + offsetof(struct xfrm_usersa_info, saddr), ev->saddr);
	AT(r, base + offsetof(struct xfrm_usersa_info, family), ev->family);
	AT(r, base + offsetof(struct xfrm_usersa_info, mode), ev->mode);
	AT(r, base + offsetof(struct xfrm_usersa_info, reqid), ev->reqid);
	AT(r, base + offsetof(struct xfrm_usersa_info, seq), ev->seq);
	AT(r, base + offsetof(struct xfrm_usersa_info, replay_window),
	    ev->replay_window);
	AT(r, base + offsetof(struct xfrm_usersa_info, flags), ev->flags);
	AT(r, base + offsetof(struct xfrm_usersa_info, curlft.bytes),
	    ev->bytes);
	AT(r, base + offsetof(struct xfrm_usersa_info, curlft.packets),
	    ev->packets);
	AT(r, base + offsetof(struct xfrm_usersa_info, curlft.add_time),
	    ev->add_time);
	AT(r, base + offsetof(struct xfrm_usersa_info,
	    lft.soft_add_expires_seconds), ev->soft_add_expires);
	AT(r, base + offsetof(struct xfrm_usersa_info,
	    lft.hard_add_expires_seconds), ev->hard_add_expires);
}

/* struct xfrm_userpolicy_info at base. */
static void
dec_pol_info(const struct rd *r, size_t base, struct xfrm_ev *ev)
{
	ev->has_pol = ev->has_pol_info = true;
	dec_sel(r, base + offsetof(struct xfrm_userpolicy_info, sel),
	    &ev->psel);
	AT(r, base + offsetof(struct xfrm_userpolicy_info, priority),
	    ev->priority);
	AT(r, base + offsetof(struct xfrm_userpolicy_info, index), ev->index);
	AT(r, base + offsetof(struct xfrm_userpolicy_info, dir), ev->dir);
	AT(r, base + offsetof(struct xfrm_userpolicy_info, action),
	    ev->action);
}

/* xfrm_algo / xfrm_algo_auth / xfrm_algo_aead: name[64], key_len (bits),
 * [trunc/icv bits], key. */
static enum rc
dec_alg(struct rd *a, bool has_bits, struct xfrm_ev_alg *alg,
    struct xfrm_ev *ev, const char *what)
{
	size_t hdr = 64 + 4 + (has_bits ? 4 : 0), i, keylen;
	struct rd f;
	uint32_t bits = 0;

	if (rd_left(a) < hdr)
		return too_short(ev, what, rd_left(a), hdr);
	f = rd_sub(a, hdr);
	for (i = 0; i < 64; i++) {
		uint8_t c = rd_peek_u8(&f, i);

		if (c == 0)
			break;
		alg->name[i] = c > 0x20 && c < 0x7f ? (char)c : '?';
	}
	alg->name[i] = '\0';
	at(&f, 64, &alg->key_bits, 4);
	if (has_bits)
		at(&f, 68, &bits, 4);
	alg->bits = bits;
	keylen = ((size_t)alg->key_bits + 7) / 8;
	if (keylen > rd_left(a)) {
		snprintf(ev->err, sizeof(ev->err),
		    "%s %s key %zu bytes > %zu left",
		    xfrm_msg_name(ev->msg_type), what, keylen, rd_left(a));
		return RC_MALFORMED;
	}
	alg->key = rd_bytes(a, keylen);
	alg->key_len = keylen;
	alg->present = true;
	return RC_OK;
}

static enum rc
dec_tmpls(struct rd *a, struct xfrm_ev *ev)
{
	const size_t sz = sizeof(struct xfrm_user_tmpl);

	if (rd_left(a) % sz != 0) {
		snprintf(ev->err, sizeof(ev->err),
		    "%s XFRMA_TMPL length %zu not a multiple of %zu",
		    xfrm_msg_name(ev->msg_type), rd_left(a), sz);
		return RC_MALFORMED;
	}
	while (rd_left(a) > 0 && ev->ntmpl < XFRM_EV_TMPL_MAX) {
		struct rd t = rd_sub(a, sz);
		struct xfrm_ev_tmpl *x = &ev->tmpl[ev->ntmpl++];

		AT(&t, offsetof(struct xfrm_user_tmpl, family), x->family);
		AT(&t, offsetof(struct xfrm_user_tmpl, saddr), x->saddr);
		AT(&t, offsetof(struct xfrm_user_tmpl, id.daddr), x->daddr);
		x->spi = at_be32(&t, offsetof(struct xfrm_user_tmpl, id.spi));
		AT(&t, offsetof(struct xfrm_user_tmpl, id.proto), x->proto);
		AT(&t, offsetof(struct xfrm_user_tmpl, mode), x->mode);
		AT(&t, offsetof(struct xfrm_user_tmpl, reqid), x->reqid);
	}
	return RC_OK;
}

/* One attribute body by type. */
static enum rc
dec_attr(uint16_t type, struct rd *a, struct xfrm_ev *ev)
{
	struct rd f;
	enum rc rc = RC_OK;

	switch (type) {
	case XFRMA_ALG_CRYPT:
		return dec_alg(a, false, &ev->enc, ev, "XFRMA_ALG_CRYPT");
	case XFRMA_ALG_AUTH:
		if (ev->auth.present)	/* AUTH_TRUNC wins */
			return RC_OK;
		return dec_alg(a, false, &ev->auth, ev, "XFRMA_ALG_AUTH");
	case XFRMA_ALG_AUTH_TRUNC:
		memset(&ev->auth, 0, sizeof(ev->auth));
		return dec_alg(a, true, &ev->auth, ev, "XFRMA_ALG_AUTH_TRUNC");
	case XFRMA_ALG_AEAD:
		return dec_alg(a, true, &ev->aead, ev, "XFRMA_ALG_AEAD");
	case XFRMA_ENCAP:
		if ((rc = fixed(a, sizeof(struct xfrm_encap_tmpl), &f, ev,
		    "XFRMA_ENCAP")) != RC_OK)
			return rc;
		ev->has_encap = true;
		AT(&f, offsetof(struct xfrm_encap_tmpl, encap_type),
		    ev->encap_type);
		ev->encap_sport = at_be16(&f,
		    offsetof(struct xfrm_encap_tmpl, encap_sport));
		ev->encap_dport = at_be16(&f,
		    offsetof(struct xfrm_encap_tmpl, encap_dport));
		return RC_OK;
	case XFRMA_TMPL:
		return dec_tmpls(a, ev);
	case XFRMA_SA:
		if ((rc = fixed(a, sizeof(struct xfrm_usersa_info), &f, ev,
		    "XFRMA_SA")) == RC_OK)
			dec_sa_info(&f, 0, ev);
		return rc;
	case XFRMA_POLICY:
		if ((rc = fixed(a, sizeof(struct xfrm_userpolicy_info), &f, ev,
		    "XFRMA_POLICY")) == RC_OK)
			dec_pol_info(&f, 0, ev);
		return rc;
	case XFRMA_SRCADDR:
		if ((rc = fixed(a, 16, &f, ev, "XFRMA_SRCADDR")) == RC_OK) {
			at(&f, 0, ev->saddr, 16);
			ev->has_saddr = true;
		}
		return rc;
	default:
		return RC_OK;	/* replay, marks, offload: not ours */
	}
}

static enum rc
dec_attrs(struct rd *r, struct xfrm_ev *ev)
{
	enum rc rc;

	while (rd_left(r) > 0) {
		uint16_t nla_len = 0, nla_type = 0;
		struct rd a;
		size_t pad;

		if (rd_left(r) < NLA_HDR)
			return too_short(ev, "attribute header", rd_left(r),
			    NLA_HDR);
		(void)rd_copy(r, &nla_len, 2);
		(void)rd_copy(r, &nla_type, 2);
		if (nla_len < NLA_HDR) {
			snprintf(ev->err, sizeof(ev->err),
			    "%s attribute %u length %u < %u",
			    xfrm_msg_name(ev->msg_type),
			    nla_type & NLA_TYPE, nla_len, NLA_HDR);
			return RC_MALFORMED;
		}
		if ((size_t)nla_len - NLA_HDR > rd_left(r))
			return too_short(ev, "attribute body", rd_left(r),
			    (size_t)nla_len - NLA_HDR);
		a = rd_sub(r, (size_t)nla_len - NLA_HDR);
		pad = ALIGN4(nla_len) - nla_len;
		rd_skip(r, pad <= rd_left(r) ? pad : rd_left(r));
		if ((rc = dec_attr(nla_type & NLA_TYPE, &a, ev)) != RC_OK)
			return rc;
	}
	return RC_OK;
}

/* ACQUIRE, MAPPING, FLUSH (the rarer bodies). */
static enum rc
dec_body2(struct rd *b, struct xfrm_ev *ev)
{
	struct rd f;
	enum rc rc;

	switch (ev->body) {
	case XFRM_BODY_ACQUIRE:
		rc = fixed(b, sizeof(struct xfrm_user_acquire), &f, ev,
		    "xfrm_user_acquire");
		if (rc != RC_OK)
			return rc;
		ev->has_sa = ev->has_saddr = true;
		AT(&f, offsetof(struct xfrm_user_acquire, id.daddr), ev->daddr);
		ev->spi = at_be32(&f, offsetof(struct xfrm_user_acquire,
		    id.spi));
		AT(&f, offsetof(struct xfrm_user_acquire, id.proto), ev->proto);
		AT(&f, offsetof(struct xfrm_user_acquire, saddr), ev->saddr);
		AT(&f, offsetof(struct xfrm_user_acquire, seq), ev->seq);
		dec_sel(&f, offsetof(struct xfrm_user_acquire, sel), &ev->sel);
		ev->family = ev->sel.family;
		dec_pol_info(&f, offsetof(struct xfrm_user_acquire, policy),
		    ev);
		return dec_attrs(b, ev);
	case XFRM_BODY_MAPPING:
		rc = fixed(b, sizeof(struct xfrm_user_mapping), &f, ev,
		    "xfrm_user_mapping");
		if (rc != RC_OK)
			return rc;
		ev->has_sa = true;
		AT(&f, offsetof(struct xfrm_user_mapping, id.daddr), ev->daddr);
		ev->spi = at_be32(&f, offsetof(struct xfrm_user_mapping,
		    id.spi));
		AT(&f, offsetof(struct xfrm_user_mapping, id.family),
		    ev->family);
		AT(&f, offsetof(struct xfrm_user_mapping, id.proto), ev->proto);
		AT(&f, offsetof(struct xfrm_user_mapping, reqid), ev->reqid);
		AT(&f, offsetof(struct xfrm_user_mapping, old_saddr),
		    ev->old_addr);
		AT(&f, offsetof(struct xfrm_user_mapping, new_saddr),
		    ev->new_addr);
		ev->old_port = at_be16(&f, offsetof(struct xfrm_user_mapping,
		    old_sport));
		ev->new_port = at_be16(&f, offsetof(struct xfrm_user_mapping,
		    new_sport));
		return dec_attrs(b, ev);
	case XFRM_BODY_FLUSH:
		if (rd_left(b) > 0)
			ev->flush_proto = rd_u8(b);
		return RC_OK;
	default:
		return RC_OK;	/* recorded by type only */
	}
}

/* The fixed body of each message kind, then its attributes. */
static enum rc
dec_body(struct rd *b, struct xfrm_ev *ev)
{
	struct rd f;
	enum rc rc = RC_OK;

	switch (ev->body) {
	case XFRM_BODY_SA:
		rc = fixed(b, sizeof(struct xfrm_usersa_info), &f, ev,
		    "xfrm_usersa_info");
		if (rc == RC_OK)
			dec_sa_info(&f, 0, ev);
		break;
	case XFRM_BODY_EXPIRE:
		rc = fixed(b, sizeof(struct xfrm_user_expire), &f, ev,
		    "xfrm_user_expire");
		if (rc == RC_OK) {
			dec_sa_info(&f, 0, ev);
			AT(&f, offsetof(struct xfrm_user_expire, hard),
			    ev->hard);
		}
		break;
	case XFRM_BODY_SA_ID:
	case XFRM_BODY_AE:
		rc = fixed(b, ev->body == XFRM_BODY_AE ?
		    sizeof(struct xfrm_aevent_id) :
		    sizeof(struct xfrm_usersa_id), &f, ev, "xfrm_usersa_id");
		if (rc != RC_OK)
			break;
		AT(&f, offsetof(struct xfrm_usersa_id, daddr), ev->daddr);
		ev->spi = at_be32(&f, offsetof(struct xfrm_usersa_id, spi));
		AT(&f, offsetof(struct xfrm_usersa_id, family), ev->family);
		AT(&f, offsetof(struct xfrm_usersa_id, proto), ev->proto);
		ev->has_sa = true;
		break;
	case XFRM_BODY_POLICY:
		rc = fixed(b, sizeof(struct xfrm_userpolicy_info), &f, ev,
		    "xfrm_userpolicy_info");
		if (rc == RC_OK)
			dec_pol_info(&f, 0, ev);
		break;
	case XFRM_BODY_POLEXPIRE:
		rc = fixed(b, sizeof(struct xfrm_user_polexpire), &f, ev,
		    "xfrm_user_polexpire");
		if (rc == RC_OK) {
			dec_pol_info(&f, 0, ev);
			AT(&f, offsetof(struct xfrm_user_polexpire, hard),
			    ev->hard);
		}
		break;
	case XFRM_BODY_POLICY_ID:
		rc = fixed(b, sizeof(struct xfrm_userpolicy_id), &f, ev,
		    "xfrm_userpolicy_id");
		if (rc != RC_OK)
			break;
		ev->has_pol = true;
		dec_sel(&f, 0, &ev->psel);
		AT(&f, offsetof(struct xfrm_userpolicy_id, index), ev->index);
		AT(&f, offsetof(struct xfrm_userpolicy_id, dir), ev->dir);
		break;
	default:
		return dec_body2(b, ev);
	}
	return rc == RC_OK ? dec_attrs(b, ev) : rc;
}

enum rc
xfrm_decode(const uint8_t *msg, size_t len, struct xfrm_ev *ev)
{
	struct rd m = rd_init(msg, len), body;
	uint32_t nl_len = 0;
	uint16_t type = 0;
	const struct xmsg_row *row;

	memset(ev, 0, sizeof(*ev));
	if (len < NL_HDR)
		return too_short(ev, "nlmsghdr", len, NL_HDR);
	(void)rd_copy(&m, &nl_len, 4);
	(void)rd_copy(&m, &type, 2);
	rd_skip(&m, NL_HDR - 6);
	ev->msg_type = type;
	if (nl_len < NL_HDR || nl_len > len) {
		snprintf(ev->err, sizeof(ev->err),
		    "nlmsghdr length %" PRIu32 " outside %u..%zu", nl_len,
		    NL_HDR, len);
		return RC_MALFORMED;
	}
	body = rd_sub(&m, nl_len - NL_HDR);
	if ((row = xmsg_find(type)) == NULL) {
		snprintf(ev->err, sizeof(ev->err), "message type %u", type);
		return RC_UNSUPPORTED;
	}
	ev->body = row->body;
	return dec_body(&body, ev);
}

/* ---- rendering ---- */

static const char *
proto_name(uint8_t p, char *tmp, size_t n)
{
	switch (p) {
	case IPPROTO_ESP:
		return "esp";
	case IPPROTO_AH:
		return "ah";
	case IPPROTO_COMP:
		return "comp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_ICMP:
		return "icmp";
	case 0:
		return "any";
	default:
		snprintf(tmp, n, "%u", p);
		return tmp;
	}
}

static const char *const mode_names[] = {"transport", "tunnel", "ro",
    "in_trigger", "beet"};
static const char *const dir_names[] = {"in", "out", "fwd"};

static const char *
mode_name(uint8_t m)
{
	return m < NROWS(mode_names) ? mode_names[m] : "unknown";
}

static const char *
dir_name(uint8_t d)
{
	return d < NROWS(dir_names) ? dir_names[d] : "unknown";
}

static void
addr_str(uint16_t family, const uint8_t a[16], char *out, size_t n)
{
	if (family == AF_INET6) {
		if (inet_ntop(AF_INET6, a, out, (socklen_t)n) == NULL)
			snprintf(out, n, "?");
	} else if (family == AF_INET) {
		if (inet_ntop(AF_INET, a, out, (socklen_t)n) == NULL)
			snprintf(out, n, "?");
	} else
		snprintf(out, n, "af%u", family);
}

static void
sel_str(const struct xfrm_ev_sel *s, char *out, size_t n)
{
	char a[64], b[64], t[8];

	addr_str(s->family ? s->family : AF_INET, s->saddr, a, sizeof(a));
	addr_str(s->family ? s->family : AF_INET, s->daddr, b, sizeof(b));
	snprintf(out, n, "%s/%u->%s/%u/%s", a, s->plen_s, b, s->plen_d,
	    proto_name(s->proto, t, sizeof(t)));
}

static void
hex_str(const uint8_t *p, size_t len, char *out, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	if (n < 3) {
		if (n > 0)
			out[0] = '\0';
		return;
	}
	out[o++] = '0';
	out[o++] = 'x';
	for (i = 0; i < len && o + 2 < n; i++) {
		out[o++] = hex[p[i] >> 4];
		out[o++] = hex[p[i] & 15];
	}
	out[o] = '\0';
}

/* Fields for events.log, collected in fixed storage. */
struct kvs {
	struct evlog_kv kv[LIMIT_EVLOG_FIELDS];
	char store[40][160];
	char keyhex[3][2 * 512 + 3];	/* secret: wiped after use */
	size_t n, ns, nk;
};

static void
kv_add(struct kvs *k, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
kv_add(struct kvs *k, const char *key, const char *fmt, ...)
{
	va_list ap;

	if (k->n >= LIMIT_EVLOG_FIELDS || k->ns >= NROWS(k->store))
		return;
	va_start(ap, fmt);
	vsnprintf(k->store[k->ns], sizeof(k->store[0]), fmt, ap);
	va_end(ap);
	k->kv[k->n].key = key;
	k->kv[k->n].val = k->store[k->ns];
	k->n++;
	k->ns++;
}

static void
kv_alg(struct kvs *k, const char *key, const char *bitskey,
    const char *keykey, const struct xfrm_ev_alg *alg, bool with_keys)
{
	char *h;

	if (!alg->present)
		return;
	kv_add(k, key, "%s", alg->name);
	if (alg->bits)
		kv_add(k, bitskey, "%" PRIu32, alg->bits);
	if (!with_keys || k->n >= LIMIT_EVLOG_FIELDS || k->nk >= 3 ||
	    alg->key_len > 512)
		return;
	h = k->keyhex[k->nk++];
	hex_str(alg->key, alg->key_len, h, sizeof(k->keyhex[0]));
	k->kv[k->n].key = keykey;
	k->kv[k->n].val = h;
	k->n++;
}

static void
kv_sa(struct kvs *k, const struct xfrm_ev *ev, bool with_keys)
{
	char a[64], t[8], sel[160];

	if (ev->has_saddr) {
		addr_str(ev->family, ev->saddr, a, sizeof(a));
		kv_add(k, "src", "%s", a);
	}
	addr_str(ev->family, ev->daddr, a, sizeof(a));
	kv_add(k, "dst", "%s", a);
	kv_add(k, "proto", "%s", proto_name(ev->proto, t, sizeof(t)));
	kv_add(k, "spi", "0x%08" PRIx32, ev->spi);
	if (ev->body == XFRM_BODY_SA || ev->body == XFRM_BODY_EXPIRE ||
	    ev->msg_type == XFRM_MSG_DELSA) {
		kv_add(k, "mode", "%s", mode_name(ev->mode));
		kv_add(k, "reqid", "%" PRIu32, ev->reqid);
	}
	if (ev->has_encap)
		kv_add(k, "encap", "%s:%u:%u", ev->encap_type == 2 ?
		    "espinudp" : "other", ev->encap_sport, ev->encap_dport);
	kv_alg(k, "enc", "enc_bits", "enc_key", &ev->enc, with_keys);
	kv_alg(k, "auth", "auth_trunc", "auth_key", &ev->auth, with_keys);
	kv_alg(k, "aead", "aead_icv", "aead_key", &ev->aead, with_keys);
	if (ev->sel.family) {
		sel_str(&ev->sel, sel, sizeof(sel));
		kv_add(k, "sel", "%s", sel);
	}
	if (ev->body == XFRM_BODY_EXPIRE)
		kv_add(k, "hard", "%u", ev->hard ? 1u : 0u);
	if (ev->packets || ev->bytes)
		kv_add(k, "packets", "%" PRIu64, ev->packets);
}

static void
kv_pol(struct kvs *k, const struct xfrm_ev *ev)
{
	char sel[160], a[64], b[64], t[8];
	size_t i;

	sel_str(&ev->psel, sel, sizeof(sel));
	kv_add(k, "sel", "%s", sel);
	kv_add(k, "dir", "%s", dir_name(ev->dir));
	if (ev->has_pol_info) {
		kv_add(k, "action", "%s", ev->action ? "block" : "allow");
		kv_add(k, "priority", "%" PRIu32, ev->priority);
	}
	kv_add(k, "index", "%" PRIu32, ev->index);
	for (i = 0; i < ev->ntmpl; i++) {
		const struct xfrm_ev_tmpl *x = &ev->tmpl[i];

		addr_str(x->family, x->saddr, a, sizeof(a));
		addr_str(x->family, x->daddr, b, sizeof(b));
		kv_add(k, "tmpl", "%s->%s/%s/%s/reqid=%" PRIu32, a, b,
		    proto_name(x->proto, t, sizeof(t)), mode_name(x->mode),
		    x->reqid);
	}
	if (ev->body == XFRM_BODY_POLEXPIRE)
		kv_add(k, "hard", "%u", ev->hard ? 1u : 0u);
}

enum rc
xfrm_ev_evlog(const struct xfrm_ev *ev, bool with_keys, int64_t sec,
    uint32_t nsec, struct buf *out)
{
	struct kvs *k;
	char a[64];
	enum rc rc;

	if ((k = calloc(1, sizeof(*k))) == NULL)
		return RC_NOMEM;
	if (ev->body == XFRM_BODY_MAPPING) {
		addr_str(ev->family, ev->daddr, a, sizeof(a));
		kv_add(k, "dst", "%s", a);
		kv_add(k, "spi", "0x%08" PRIx32, ev->spi);
		kv_add(k, "reqid", "%" PRIu32, ev->reqid);
		addr_str(ev->family, ev->old_addr, a, sizeof(a));
		kv_add(k, "old", "%s:%u", a, ev->old_port);
		addr_str(ev->family, ev->new_addr, a, sizeof(a));
		kv_add(k, "new", "%s:%u", a, ev->new_port);
	} else if (ev->body == XFRM_BODY_FLUSH)
		kv_add(k, "proto", "%u", ev->flush_proto);
	else {
		if (ev->has_sa)
			kv_sa(k, ev, with_keys);
		if (ev->has_pol)
			kv_pol(k, ev);
	}
	rc = evlog_format(out, sec, nsec, "xfrm", xfrm_msg_name(ev->msg_type),
	    k->kv, k->n);
	explicit_bzero(k, sizeof(*k));
	free(k);
	return rc;
}

static enum rc
text_alg(struct buf *out, const char *kw, const struct xfrm_ev_alg *alg,
    bool with_keys)
{
	char h[2 * 512 + 3];
	enum rc rc;

	if (!alg->present)
		return RC_OK;
	if (with_keys && alg->key_len <= 512)
		hex_str(alg->key, alg->key_len, h, sizeof(h));
	else
		snprintf(h, sizeof(h), "(%" PRIu32 " bits, key omitted)",
		    alg->key_bits);
	if (alg->bits)
		rc = buf_printf(out, "\t%s %s %s %" PRIu32 "\n", kw, alg->name,
		    h, alg->bits);
	else
		rc = buf_printf(out, "\t%s %s %s\n", kw, alg->name, h);
	explicit_bzero(h, sizeof(h));
	return rc;
}

static enum rc
text_sa(const struct xfrm_ev *ev, bool with_keys, struct buf *out)
{
	char a[64], b[64], t[8], sel[160];
	enum rc rc;

	addr_str(ev->family, ev->saddr, a, sizeof(a));
	addr_str(ev->family, ev->daddr, b, sizeof(b));
	sel_str(&ev->sel, sel, sizeof(sel));
	rc = buf_printf(out, "src %s dst %s\n\tproto %s spi 0x%08" PRIx32
	    " reqid %" PRIu32 " mode %s\n\treplay-window %u flag 0x%02x\n",
	    a, b, proto_name(ev->proto, t, sizeof(t)), ev->spi, ev->reqid,
	    mode_name(ev->mode), ev->replay_window, ev->flags);
	if (rc == RC_OK)
		rc = text_alg(out, "auth-trunc", &ev->auth, with_keys);
	if (rc == RC_OK)
		rc = text_alg(out, "enc", &ev->enc, with_keys);
	if (rc == RC_OK)
		rc = text_alg(out, "aead", &ev->aead, with_keys);
	if (rc == RC_OK && ev->has_encap)
		rc = buf_printf(out, "\tencap type %s sport %u dport %u\n",
		    ev->encap_type == 2 ? "espinudp" : "other",
		    ev->encap_sport, ev->encap_dport);
	if (rc == RC_OK)
		rc = buf_printf(out, "\tlifetime current: %" PRIu64
		    "(bytes), %" PRIu64 "(packets), add %" PRIu64
		    "\n\tsel %s\n", ev->bytes, ev->packets, ev->add_time, sel);
	return rc;
}

static enum rc
text_pol(const struct xfrm_ev *ev, struct buf *out)
{
	char a[64], b[64], t[8];
	size_t i;
	enum rc rc;

	addr_str(ev->psel.family, ev->psel.saddr, a, sizeof(a));
	addr_str(ev->psel.family, ev->psel.daddr, b, sizeof(b));
	rc = buf_printf(out, "src %s/%u dst %s/%u proto %s\n\tdir %s "
	    "priority %" PRIu32 " index %" PRIu32 " action %s\n", a,
	    ev->psel.plen_s, b, ev->psel.plen_d,
	    proto_name(ev->psel.proto, t, sizeof(t)), dir_name(ev->dir),
	    ev->priority, ev->index, ev->action ? "block" : "allow");
	for (i = 0; rc == RC_OK && i < ev->ntmpl; i++) {
		const struct xfrm_ev_tmpl *x = &ev->tmpl[i];

		addr_str(x->family, x->saddr, a, sizeof(a));
		addr_str(x->family, x->daddr, b, sizeof(b));
		rc = buf_printf(out, "\ttmpl src %s dst %s\n\t\tproto %s spi "
		    "0x%08" PRIx32 " reqid %" PRIu32 " mode %s\n", a, b,
		    proto_name(x->proto, t, sizeof(t)), x->spi, x->reqid,
		    mode_name(x->mode));
	}
	return rc;
}

enum rc
xfrm_ev_text(const struct xfrm_ev *ev, bool with_keys, struct buf *out)
{
	if (ev->body == XFRM_BODY_SA)
		return text_sa(ev, with_keys, out);
	if (ev->body == XFRM_BODY_POLICY)
		return text_pol(ev, out);
	return RC_UNSUPPORTED;
}

static const char *
ws_alg(enum xalg_kind kind, const struct xfrm_ev_alg *alg)
{
	size_t i;
	const char *any = NULL;

	for (i = 0; i < NROWS(xalg_rows); i++) {
		const struct xalg_row *r = &xalg_rows[i];

		if (r->kind != kind || strcmp(r->kname, alg->name) != 0)
			continue;
		if (r->bits == 0 || r->bits == alg->bits)
			return r->wsname;
		/* plain XFRMA_ALG_AUTH carries no truncation: the kernel
		 * default is the first (shortest) row */
		if (alg->bits == 0 && any == NULL)
			any = r->wsname;
	}
	return any;
}

enum rc
xfrm_ev_esp_uat(const struct xfrm_ev *ev, struct buf *out)
{
	char a[64], b[64], ek[2 * 512 + 3], ak[2 * 512 + 3];
	const char *enc, *auth;
	enum rc rc;

	if (!ev->has_sa || ev->proto != IPPROTO_ESP ||
	    (ev->body != XFRM_BODY_SA) ||
	    (!ev->enc.present && !ev->aead.present))
		return RC_NOTFOUND;
	if (ev->aead.present) {
		enc = ws_alg(XALG_AEAD, &ev->aead);
		auth = "NULL";
	} else {
		enc = ws_alg(XALG_ENC, &ev->enc);
		auth = ev->auth.present ? ws_alg(XALG_AUTH, &ev->auth) :
		    "NULL";
	}
	if (enc == NULL || auth == NULL)
		return RC_UNSUPPORTED;
	if ((ev->aead.present ? ev->aead.key_len : ev->enc.key_len) > 512 ||
	    ev->auth.key_len > 512)
		return RC_LIMIT;
	addr_str(ev->family, ev->saddr, a, sizeof(a));
	addr_str(ev->family, ev->daddr, b, sizeof(b));
	if (ev->aead.present)
		hex_str(ev->aead.key, ev->aead.key_len, ek, sizeof(ek));
	else
		hex_str(ev->enc.key, ev->enc.key_len, ek, sizeof(ek));
	if (ev->auth.present && !ev->aead.present)
		hex_str(ev->auth.key, ev->auth.key_len, ak, sizeof(ak));
	else
		ak[0] = '\0';
	rc = buf_printf(out, "\"%s\",\"%s\",\"%s\",\"0x%08" PRIx32
	    "\",\"%s\",\"%s\",\"%s\",\"%s\"\n",
	    ev->family == AF_INET6 ? "IPv6" : "IPv4", a, b, ev->spi, enc, ek,
	    auth, ak);
	explicit_bzero(ek, sizeof(ek));
	explicit_bzero(ak, sizeof(ak));
	return rc;
}
