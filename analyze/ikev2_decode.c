/*
 * IKEv2 message decoder: RFC 7296 section 3 (header and payloads), RFC
 * 7383 (SKF), RFC 7296 3.10.1 notify data. Validate, then interpret:
 * ikev2_decode() splits the chain with generic-header checks, and one
 * function per payload type parses inside a sub-reader that ends exactly
 * where the payload does, so no decoder can read into its neighbour.
 */
#include "analyze/ikev2_decode.h"

#include <stdio.h>
#include <string.h>

#include "analyze/ikev2_registry.h"

typedef enum rc (*pld_fn)(struct rd *body, struct ikev2_msg *msg);

static enum rc
fail(struct ikev2_msg *msg, enum rc rc, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#include <stdarg.h>

/* Records the first error with its absolute offset and a message. */
static enum rc
fail(struct ikev2_msg *msg, enum rc rc, size_t off, const char *fmt, ...)
{
	va_list ap;

	if (msg->err == RC_OK) {
		msg->err = rc;
		msg->err_off = (uint32_t)off;
		va_start(ap, fmt);
		vsnprintf(msg->err_text, sizeof(msg->err_text), fmt, ap);
		va_end(ap);
	}
	return rc;
}

/*
 * Transform substructure, RFC 7296 3.3.2:
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Last Substruc |   RESERVED    |        Transform Length       |
 * +---------------+---------------+---------------+---------------+
 * |Transform Type |   RESERVED    |          Transform ID         |
 * +---------------+---------------+---------------+---------------+
 * ~                      Transform Attributes                     ~
 */
static enum rc
pld_transform(struct rd *r, struct ikev2_transform *xf, uint8_t *last,
    struct ikev2_msg *msg)
{
	size_t at = rd_pos(r);
	uint16_t len;
	struct rd body;
	unsigned n_attr = 0;

	*last = rd_u8(r);
	(void)rd_u8(r);
	len = rd_be16(r);
	xf->type = rd_u8(r);
	(void)rd_u8(r);
	xf->id = rd_be16(r);
	xf->key_bits = 0;
	if (!rd_ok(r))
		return fail(msg, r->err, at, "transform header cut short");
	if (len < 8)
		return fail(msg, RC_MALFORMED, at, "transform length %u < 8",
		    len);
	body = rd_sub(r, (size_t)len - 8);
	if (!rd_ok(r))
		return fail(msg, RC_SHORT, at,
		    "transform length %u > %zu bytes left", len,
		    rd_left(r) + 8);
	/* Data attributes, RFC 7296 3.3.5: AF bit set = TV (2-byte value). */
	while (rd_left(&body) > 0 && n_attr++ < LIMIT_IKE_ATTRIBUTES) {
		uint16_t type = rd_be16(&body);
		uint16_t val = rd_be16(&body);

		if (!rd_ok(&body))
			return fail(msg, RC_MALFORMED, rd_pos(&body),
			    "transform attribute cut short");
		if ((type & 0x8000) == 0) {
			rd_skip(&body, val); /* TLV: val is the length */
			if (!rd_ok(&body))
				return fail(msg, RC_MALFORMED, rd_pos(&body),
				    "attribute length %u exceeds transform",
				    val);
		} else if ((type & 0x7fff) == 14) { /* Key Length */
			xf->key_bits = val;
		}
	}
	return RC_OK;
}

/*
 * Proposal substructure, RFC 7296 3.3.1:
 * +---------------+---------------+---------------+---------------+
 * | Last Substruc |   RESERVED    |         Proposal Length       |
 * +---------------+---------------+---------------+---------------+
 * | Proposal Num  |  Protocol ID  |    SPI Size   |Num  Transforms|
 * +---------------+---------------+---------------+---------------+
 * ~                        SPI (variable)                         ~
 * ~                        <Transforms>                           ~
 */
static enum rc
pld_proposal(struct rd *r, struct ikev2_proposal *p, uint8_t *last,
    struct ikev2_msg *msg)
{
	size_t at = rd_pos(r);
	uint16_t len;
	uint8_t n_xf, i, xlast = 3;
	struct rd body;
	enum rc rc;

	*last = rd_u8(r);
	(void)rd_u8(r);
	len = rd_be16(r);
	p->num = rd_u8(r);
	p->protocol = rd_u8(r);
	p->spi_size = rd_u8(r);
	n_xf = rd_u8(r);
	p->n_transforms = 0;
	if (!rd_ok(r))
		return fail(msg, r->err, at, "proposal header cut short");
	if (len < 8)
		return fail(msg, RC_MALFORMED, at, "SA proposal length %u < 8",
		    len);
	body = rd_sub(r, (size_t)len - 8);
	if (!rd_ok(r))
		return fail(msg, RC_SHORT, at,
		    "SA proposal length %u > %zu bytes left", len,
		    rd_left(r) + 8);
	if (p->spi_size > sizeof(p->spi))
		return fail(msg, RC_MALFORMED, at,
		    "proposal SPI size %u > %zu", p->spi_size, sizeof(p->spi));
	rd_copy(&body, p->spi, p->spi_size);
	for (i = 0; i < n_xf; i++) {
		struct ikev2_transform xf;

		rc = pld_transform(&body, &xf, &xlast, msg);
		if (rc != RC_OK)
			return rc;
		if (p->n_transforms < LIMIT_IKE_TRANSFORMS)
			p->xf[p->n_transforms++] = xf;
		if (xlast == 0)
			break;
	}
	/* Count, last-substructure flags and length must agree. */
	if (n_xf > 0 && (i + 1u != n_xf || xlast != 0))
		return fail(msg, RC_MALFORMED, at,
		    "proposal %u declares %u transforms, last-transform flag "
		    "seen after %u", p->num, n_xf, i < n_xf ? i + 1u : i);
	if (rd_left(&body) != 0)
		return fail(msg, RC_MALFORMED, rd_pos(&body),
		    "%zu bytes after the last transform of proposal %u",
		    rd_left(&body), p->num);
	return RC_OK;
}

/* SA payload, RFC 7296 3.3: a list of proposals. */
static enum rc
pld_sa(struct rd *body, struct ikev2_msg *msg)
{
	uint8_t last = 2;
	struct ikev2_proposal scratch;
	enum rc rc;

	if (msg->has_sa)
		return RC_OK; /* only the first SA payload is kept */
	msg->has_sa = true;
	msg->n_prop = 0;
	while (rd_left(body) > 0 && last == 2) {
		struct ikev2_proposal *p = msg->n_prop < LIMIT_IKE_PROPOSALS ?
		    &msg->prop[msg->n_prop] : &scratch;

		rc = pld_proposal(body, p, &last, msg);
		if (rc != RC_OK)
			return rc;
		if (p != &scratch)
			msg->n_prop++;
	}
	if (last == 2)
		return fail(msg, RC_MALFORMED, rd_pos(body),
		    "SA payload ends while its last proposal says more follow");
	return RC_OK;
}

/* KE payload, RFC 7296 3.4: group (2), reserved (2), key data. */
static enum rc
pld_ke(struct rd *body, struct ikev2_msg *msg)
{
	size_t at = rd_pos(body);

	msg->ke_group = rd_be16(body);
	(void)rd_be16(body);
	if (!rd_ok(body))
		return fail(msg, RC_MALFORMED, at, "KE payload shorter than 4");
	msg->has_ke = true;
	msg->ke_len = (uint32_t)rd_left(body);
	return RC_OK;
}

/* IDi/IDr, RFC 7296 3.5: ID type (1), reserved (3), data. */
static enum rc
pld_id(struct rd *body, struct ikev2_identity *id, struct ikev2_msg *msg)
{
	size_t at = rd_pos(body);

	id->type = rd_u8(body);
	rd_skip(body, 3);
	if (!rd_ok(body))
		return fail(msg, RC_MALFORMED, at, "ID payload shorter than 4");
	id->present = true;
	id->data = rd_rest(body);
	return RC_OK;
}

static enum rc
pld_idi(struct rd *body, struct ikev2_msg *msg)
{
	return pld_id(body, &msg->idi, msg);
}

static enum rc
pld_idr(struct rd *body, struct ikev2_msg *msg)
{
	return pld_id(body, &msg->idr, msg);
}

/* CERT, RFC 7296 3.6: encoding (1), data. */
static enum rc
pld_cert(struct rd *body, struct ikev2_msg *msg)
{
	uint8_t enc = rd_u8(body);

	if (!rd_ok(body))
		return fail(msg, RC_MALFORMED, rd_pos(body),
		    "CERT payload has no encoding byte");
	if (msg->n_cert < 4) {
		msg->cert_encs[msg->n_cert] = enc;
		msg->certs[msg->n_cert] = rd_rest(body);
	}
	if (msg->n_cert++ == 0) {
		msg->cert_enc = enc;
		msg->cert = msg->certs[0];
	}
	return RC_OK;
}

/* CERTREQ, RFC 7296 3.7: encoding (1), concatenated 20-byte CA hashes
 * when the encoding is X.509 signature (4). */
static enum rc
pld_certreq(struct rd *body, struct ikev2_msg *msg)
{
	uint8_t enc = rd_u8(body);
	size_t n;

	if (!rd_ok(body))
		return fail(msg, RC_MALFORMED, rd_pos(body),
		    "CERTREQ payload has no encoding byte");
	n = rd_left(body);
	if (msg->n_certreq++ == 0) {
		msg->certreq_enc = enc;
		msg->ca_hashes = rd_rest(body);
	}
	if (enc == 4 && n % 20 != 0)
		return fail(msg, RC_MALFORMED, rd_pos(body),
		    "CERTREQ data %zu bytes is not a multiple of 20", n);
	if (enc == 4)
		msg->n_ca_hashes = (uint16_t)(msg->n_ca_hashes + n / 20);
	return RC_OK;
}

/* AUTH, RFC 7296 3.8: method (1), reserved (3), data. */
static enum rc
pld_auth(struct rd *body, struct ikev2_msg *msg)
{
	size_t at = rd_pos(body);

	msg->auth_method = rd_u8(body);
	rd_skip(body, 3);
	if (!rd_ok(body))
		return fail(msg, RC_MALFORMED, at,
		    "AUTH payload shorter than 4");
	msg->has_auth = true;
	msg->auth_len = (uint32_t)rd_left(body);
	return RC_OK;
}

/* Nonce, RFC 7296 3.9: 16..256 bytes. */
static enum rc
pld_nonce(struct rd *body, struct ikev2_msg *msg)
{
	size_t n = rd_left(body);

	msg->nonce_len = (uint32_t)n;
	if (n < 16 || n > 256)
		return fail(msg, RC_MALFORMED, rd_pos(body),
		    "nonce length %zu outside 16..256", n);
	return RC_OK;
}

/* Decodes the notification data whose meaning the RFCs fix. */
static void
notify_value(struct ikev2_notif *n)
{
	struct rd d = n->data;
	size_t len = rd_left(&d);

	switch (n->type) {
	case IKEV2_N_INVALID_KE_PAYLOAD:
		n->data_bad = len != 2;
		n->value = rd_be16(&d);
		n->has_value = rd_ok(&d);
		break;
	case IKEV2_N_MS_STATUS:
		n->data_bad = len != 4;
		n->value = rd_be32(&d);
		n->has_value = rd_ok(&d);
		break;
	case IKEV2_N_NAT_DETECTION_SOURCE_IP:
	case IKEV2_N_NAT_DETECTION_DESTINATION_IP:
		n->data_bad = len != 20;
		break;
	case IKEV2_N_COOKIE:
		n->data_bad = len < 1 || len > 64;
		break;
	case IKEV2_N_SIGNATURE_HASH_ALGORITHMS:
		n->data_bad = len % 2 != 0;
		break;
	case IKEV2_N_IKEV2_FRAGMENTATION_SUPPORTED:
		n->data_bad = len != 0;
		break;
	case IKEV2_N_REKEY_SA:
	case IKEV2_N_INVALID_SPI:
		if (n->spi_size == 4) {
			struct rd s = rd_init(n->spi, 4);

			n->value = rd_be32(&s);
			n->has_value = true;
		} else if (n->type == IKEV2_N_INVALID_SPI && len == 4) {
			n->value = rd_be32(&d);
			n->has_value = true;
		}
		break;
	default:
		break;
	}
}

/* Notify, RFC 7296 3.10: protocol (1), SPI size (1), type (2), SPI,
 * notification data. */
static enum rc
pld_notify(struct rd *body, struct ikev2_msg *msg)
{
	size_t at = rd_pos(body);
	struct ikev2_notif n = {0};

	n.protocol = rd_u8(body);
	n.spi_size = rd_u8(body);
	n.type = rd_be16(body);
	if (!rd_ok(body))
		return fail(msg, RC_MALFORMED, at,
		    "Notify payload shorter than 4");
	n.spi = rd_bytes(body, n.spi_size);
	if (n.spi == NULL)
		return fail(msg, RC_MALFORMED, at,
		    "Notify SPI size %u > %zu bytes left", n.spi_size,
		    rd_left(body));
	n.data = rd_rest(body);
	notify_value(&n);
	if (msg->n_notify < LIMIT_IKE_PAYLOADS)
		msg->notify[msg->n_notify++] = n;
	return RC_OK;
}

/* Delete, RFC 7296 3.11: protocol, SPI size, number of SPIs, SPIs. */
static enum rc
pld_delete(struct rd *body, struct ikev2_msg *msg)
{
	size_t at = rd_pos(body);
	uint8_t proto = rd_u8(body);
	uint8_t spi_size = rd_u8(body);
	uint16_t n = rd_be16(body);

	if (!rd_ok(body))
		return fail(msg, RC_MALFORMED, at,
		    "Delete payload shorter than 4");
	if ((size_t)spi_size * n != rd_left(body))
		return fail(msg, RC_MALFORMED, at,
		    "Delete declares %u SPIs of %u bytes, has %zu bytes", n,
		    spi_size, rd_left(body));
	if (msg->n_delete++ == 0) {
		msg->del_protocol = proto;
		msg->del_spi_size = spi_size;
		msg->del_n_spi = n;
		msg->del_spis = rd_rest(body);
	}
	return RC_OK;
}

static enum rc
pld_vendor(struct rd *body, struct ikev2_msg *msg)
{
	if (msg->n_vendor < 8)
		msg->vendor[msg->n_vendor] = rd_rest(body);
	if (msg->n_vendor < UINT8_MAX)
		msg->n_vendor++;
	return RC_OK;
}

/*
 * Traffic selector payload, RFC 7296 3.13: number of TSs (1), reserved
 * (3), then selectors: type (1), IP protocol (1), selector length (2),
 * start port (2), end port (2), start address, end address.
 */
static enum rc
pld_ts(struct rd *body, struct ikev2_selector *ts, uint8_t *n_out,
    struct ikev2_msg *msg)
{
	size_t at = rd_pos(body);
	uint8_t n = rd_u8(body), i;

	rd_skip(body, 3);
	if (!rd_ok(body))
		return fail(msg, RC_MALFORMED, at, "TS payload shorter than 4");
	*n_out = 0;
	for (i = 0; i < n; i++) {
		struct ikev2_selector t = {0};
		size_t sat = rd_pos(body);
		uint16_t slen;
		struct rd s;

		t.type = rd_u8(body);
		t.ip_proto = rd_u8(body);
		slen = rd_be16(body);
		if (!rd_ok(body) || slen < 4)
			return fail(msg, RC_MALFORMED, sat,
			    "traffic selector %u of %u: header cut or length "
			    "%u < 4", i + 1, n, slen);
		s = rd_sub(body, (size_t)slen - 4);
		if (!rd_ok(body))
			return fail(msg, RC_MALFORMED, sat,
			    "traffic selector length %u > bytes left", slen);
		if (t.type == 7 || t.type == 8) {
			t.addr_len = t.type == 7 ? 4 : 16;
			t.start_port = rd_be16(&s);
			t.end_port = rd_be16(&s);
			rd_copy(&s, t.start, t.addr_len);
			rd_copy(&s, t.end, t.addr_len);
			if (!rd_ok(&s) || rd_left(&s) != 0)
				return fail(msg, RC_MALFORMED, sat,
				    "traffic selector length %u wrong for type "
				    "%u", slen, t.type);
		}
		if (*n_out < LIMIT_IKE_TS)
			ts[(*n_out)++] = t;
	}
	if (rd_left(body) != 0)
		return fail(msg, RC_MALFORMED, rd_pos(body),
		    "%zu bytes after the last of %u traffic selectors",
		    rd_left(body), n);
	return RC_OK;
}

static enum rc
pld_tsi(struct rd *body, struct ikev2_msg *msg)
{
	return pld_ts(body, msg->tsi, &msg->n_tsi, msg);
}

static enum rc
pld_tsr(struct rd *body, struct ikev2_msg *msg)
{
	return pld_ts(body, msg->tsr, &msg->n_tsr, msg);
}

/* CP, RFC 7296 3.15: type (1), reserved (3), attributes (type 2 with
 * the top bit reserved, length 2, value). */
static enum rc
pld_cp(struct rd *body, struct ikev2_msg *msg)
{
	size_t at = rd_pos(body);

	msg->cp_type = rd_u8(body);
	rd_skip(body, 3);
	if (!rd_ok(body))
		return fail(msg, RC_MALFORMED, at, "CP payload shorter than 4");
	msg->has_cp = true;
	msg->cp_n_attr = 0;
	while (rd_left(body) > 0) {
		uint16_t alen;

		(void)rd_be16(body);
		alen = rd_be16(body);
		rd_skip(body, alen);
		if (!rd_ok(body))
			return fail(msg, RC_MALFORMED, rd_pos(body),
			    "CP attribute %u overruns the payload",
			    msg->cp_n_attr + 1u);
		msg->cp_n_attr++;
	}
	return RC_OK;
}

/* EAP, RFC 7296 3.16 / RFC 3748 4: code, identifier, length, type. */
static enum rc
pld_eap(struct rd *body, struct ikev2_msg *msg)
{
	size_t at = rd_pos(body);
	uint16_t len;

	msg->eap_code = rd_u8(body);
	msg->eap_id = rd_u8(body);
	len = rd_be16(body);
	if (!rd_ok(body))
		return fail(msg, RC_MALFORMED, at, "EAP payload shorter than 4");
	if (len != rd_left(body) + 4)
		return fail(msg, RC_MALFORMED, at,
		    "EAP length %u != payload body %zu", len,
		    rd_left(body) + 4);
	msg->has_eap = true;
	/* Request (1) and Response (2) carry a type; Success/Failure not. */
	msg->eap_type = (msg->eap_code == 1 || msg->eap_code == 2) ?
	    rd_u8(body) : 0;
	return RC_OK;
}

/*
 * SK, RFC 7296 3.14: IV, encrypted payloads, padding, ICV: opaque until
 * keys are known. SKF, RFC 7383 2.5: fragment number (2), total (2),
 * then the same.
 */
static enum rc
pld_skf(struct rd *body, struct ikev2_msg *msg)
{
	size_t at = rd_pos(body);

	msg->skf_number = rd_be16(body);
	msg->skf_total = rd_be16(body);
	if (!rd_ok(body))
		return fail(msg, RC_MALFORMED, at, "SKF payload shorter than 4");
	if (msg->skf_number == 0 || msg->skf_number > msg->skf_total)
		return fail(msg, RC_MALFORMED, at,
		    "SKF fragment number %u of %u", msg->skf_number,
		    msg->skf_total);
	msg->is_skf = true;
	return RC_OK;
}

static const pld_fn pld_table[] = {
	[IKEV2_PT_SA] = pld_sa,
	[IKEV2_PT_KE] = pld_ke,
	[IKEV2_PT_IDI] = pld_idi,
	[IKEV2_PT_IDR] = pld_idr,
	[IKEV2_PT_CERT] = pld_cert,
	[IKEV2_PT_CERTREQ] = pld_certreq,
	[IKEV2_PT_AUTH] = pld_auth,
	[IKEV2_PT_NONCE] = pld_nonce,
	[IKEV2_PT_NOTIFY] = pld_notify,
	[IKEV2_PT_DELETE] = pld_delete,
	[IKEV2_PT_VENDOR] = pld_vendor,
	[IKEV2_PT_TSI] = pld_tsi,
	[IKEV2_PT_TSR] = pld_tsr,
	[IKEV2_PT_CP] = pld_cp,
	[IKEV2_PT_EAP] = pld_eap,
	[IKEV2_PT_SKF] = pld_skf,
};

/* Resets the counters of *msg without clearing its large arrays. */
static void
msg_reset(struct ikev2_msg *msg)
{
	msg->n_pl = 0;
	msg->n_pl_dropped = 0;
	msg->has_sa = false;
	msg->n_prop = 0;
	msg->has_ke = false;
	msg->ke_group = 0;
	msg->ke_len = 0;
	msg->nonce_len = 0;
	msg->idi.present = false;
	msg->idr.present = false;
	msg->n_cert = 0;
	msg->n_certreq = 0;
	msg->n_ca_hashes = 0;
	msg->has_auth = false;
	msg->n_notify = 0;
	msg->n_delete = 0;
	msg->n_vendor = 0;
	msg->n_tsi = 0;
	msg->n_tsr = 0;
	msg->has_cp = false;
	msg->has_eap = false;
	msg->has_sk = false;
	msg->is_skf = false;
	msg->n_unknown = 0;
	msg->unknown_critical = false;
	msg->decrypted = false;
	msg->inner_start = 0;
	msg->err = RC_OK;
	msg->err_off = 0;
	msg->err_text[0] = '\0';
}

/*
 * IKE header, RFC 7296 3.1:
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       IKE SA Initiator's SPI                  |
 * |                       IKE SA Responder's SPI                  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Next Payload | MjVer | MnVer | Exchange Type |     Flags     |
 * |                          Message ID                           |
 * |                            Length                             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
static enum rc
decode_header(struct rd *r, struct ikev2_msg *msg)
{
	struct ikev2_hdr *h = &msg->hdr;
	uint8_t ver;

	rd_copy(r, h->spi_i, 8);
	rd_copy(r, h->spi_r, 8);
	h->next_payload = rd_u8(r);
	ver = rd_u8(r);
	h->exchange = rd_u8(r);
	h->flags = rd_u8(r);
	h->msg_id = rd_be32(r);
	h->length = rd_be32(r);
	h->major = ver >> 4;
	h->minor = ver & 0x0f;
	if (!rd_ok(r))
		return fail(msg, RC_SHORT, 0, "IKE header needs 28 bytes, "
		    "message has %u", msg->size);
	if (h->major != 2)
		return fail(msg, RC_FORMAT, 17, "IKE major version %u is not 2",
		    h->major);
	if (h->length < IKEV2_HDR_LEN)
		return fail(msg, RC_MALFORMED, 24,
		    "IKE length %u < header size 28", h->length);
	return RC_OK;
}

/* Walks the generic payload headers (RFC 7296 3.2). */
static enum rc
walk_chain(struct rd *r, struct ikev2_msg *msg, uint8_t first)
{
	uint8_t next = first;

	while (next != IKEV2_PT_NONE) {
		size_t at = rd_pos(r);
		uint8_t type = next, flags;
		uint16_t len;
		struct rd body;

		next = rd_u8(r);
		flags = rd_u8(r);
		len = rd_be16(r);
		if (!rd_ok(r))
			return fail(msg, RC_SHORT, at, "payload %s header cut: "
			    "%zu bytes left", ikev2_name(IKEV2_REG_PAYLOAD,
			    type), rd_left(r));
		if (len < IKEV2_GENERIC_HDR_LEN)
			return fail(msg, RC_MALFORMED, at,
			    "payload %s length %u < 4",
			    ikev2_name(IKEV2_REG_PAYLOAD, type), len);
		body = rd_sub(r, (size_t)len - IKEV2_GENERIC_HDR_LEN);
		if (!rd_ok(r))
			return fail(msg, RC_SHORT, at,
			    "payload %s length %u > %zu bytes left",
			    ikev2_name(IKEV2_REG_PAYLOAD, type), len,
			    rd_left(r) + 4);
		if (msg->n_pl < LIMIT_IKE_PAYLOADS) {
			struct ikev2_pl *p = &msg->pl[msg->n_pl++];

			p->type = type;
			p->critical = (flags & 0x80) != 0;
			p->length = len;
			p->offset = (uint32_t)at;
		} else {
			msg->n_pl_dropped++;
		}
		if ((type == IKEV2_PT_SK || type == IKEV2_PT_SKF) &&
		    !msg->decrypted) {
			msg->has_sk = true;
			msg->sk_inner = next;
			msg->sk_offset = (uint32_t)at;
			msg->sk_len = len;
			if (type == IKEV2_PT_SKF)
				(void)pld_skf(&body, msg);
			/* RFC 7296 3.14: SK is the last payload; its next
			 * field names the first inner payload. */
			return msg->err;
		}
		if (type < sizeof(pld_table) / sizeof(pld_table[0]) &&
		    pld_table[type] != NULL) {
			/* A payload's own content being wrong does not move
			 * its neighbours: the generic header already said
			 * where it ends, so the walk goes on (the first
			 * error is kept and returned). */
			(void)pld_table[type](&body, msg);
		} else {
			msg->n_unknown++;
			if (flags & 0x80)
				msg->unknown_critical = true;
		}
	}
	return msg->err;
}

enum rc
ikev2_decode(const uint8_t *bytes, size_t len, struct ikev2_msg *msg)
{
	struct rd r = rd_init(bytes, len);
	struct rd body;
	enum rc rc;

	msg_reset(msg);
	msg->size = (uint32_t)(len > UINT32_MAX ? UINT32_MAX : len);
	rc = decode_header(&r, msg);
	if (rc != RC_OK)
		return rc;
	if (msg->hdr.length > len)
		return fail(msg, RC_SHORT, 24,
		    "IKE length %u > %zu bytes received", msg->hdr.length,
		    len);
	/* Bytes after the declared length (padding) are ignored. */
	body = rd_sub(&r, msg->hdr.length - IKEV2_HDR_LEN);
	body.base = IKEV2_HDR_LEN;
	return walk_chain(&body, msg, msg->hdr.next_payload);
}

enum rc
ikev2_decode_inner(struct ikev2_msg *msg, const uint8_t *plain, size_t len,
    uint8_t first)
{
	struct rd r = rd_init(plain, len);

	msg->decrypted = true;
	msg->inner_start = msg->n_pl;
	return walk_chain(&r, msg, first);
}

int
ike_major_version(const uint8_t *bytes, size_t len)
{
	if (len < IKEV2_HDR_LEN)
		return 0;
	return bytes[17] >> 4;
}

const struct ikev2_notif *
ikev2_msg_notify(const struct ikev2_msg *msg, uint16_t type)
{
	uint16_t i;

	for (i = 0; i < msg->n_notify; i++)
		if (msg->notify[i].type == type)
			return &msg->notify[i];
	return NULL;
}

const struct ikev2_notif *
ikev2_msg_error_notify(const struct ikev2_msg *msg)
{
	uint16_t i;

	for (i = 0; i < msg->n_notify; i++)
		if (msg->notify[i].type < 16384)
			return &msg->notify[i];
	return NULL;
}

char *
ikev2_msg_chain_text(const struct ikev2_msg *msg, char *dst, size_t len)
{
	size_t used = 0;
	uint16_t i, n = 0;
	int w;

	if (len == 0)
		return dst;
	dst[0] = '\0';
	for (i = 0; i < msg->n_pl && used < len; i++) {
		uint8_t t = msg->pl[i].type;
		const char *sep = i == 0 ? "" : (msg->decrypted &&
		    i == msg->inner_start) ? "{" : " ";

		if (t == IKEV2_PT_NOTIFY && n < msg->n_notify)
			w = snprintf(dst + used, len - used, "%sN(%s)", sep,
			    ikev2_name(IKEV2_REG_NOTIFY, msg->notify[n++].type));
		else
			w = snprintf(dst + used, len - used, "%s%s", sep,
			    ikev2_payload_abbrev(t,
			    (msg->hdr.flags & IKEV2_FLAG_INITIATOR) != 0));
		if (w < 0)
			break;
		used += (size_t)w;
	}
	if (used < len && msg->decrypted)
		snprintf(dst + used, len - used, "%s",
		    msg->inner_start < msg->n_pl ? "}" : "{}");
	else if (msg->has_sk && used < len)
		snprintf(dst + used, len - used, "{%s}",
		    ikev2_payload_short(msg->sk_inner));
	return dst;
}
