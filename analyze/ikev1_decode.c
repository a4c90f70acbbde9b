/*
 * ISAKMP/IKEv1 header and notification decoding (RFC 2408 3.1-3.2,
 * 3.14). Names come from analyze/ikev1_registry.def.
 */
#include "analyze/ikev1_decode.h"

#include <stdarg.h>
#include <stdio.h>

#include "analyze/ikev2_registry.h"
#include "formats/rd.h"

const char *
ikev1_exchange_name(uint8_t exchange)
{
	return ikev2_name(IKEV2_REG_IKEV1_EXCHANGE, exchange);
}

const char *
ikev1_payload_name(uint8_t type)
{
	return ikev2_name(IKEV2_REG_IKEV1_PAYLOAD, type);
}

const char *
ikev1_notify_name(uint16_t type)
{
	return ikev2_name(IKEV2_REG_IKEV1_NOTIFY, type);
}

static enum rc
fail(struct ikev1_msg *msg, enum rc rc, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static enum rc
fail(struct ikev1_msg *msg, enum rc rc, size_t off, const char *fmt, ...)
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

/* Notification payload, RFC 2408 3.14: DOI (4), protocol (1), SPI size
 * (1), notify message type (2), SPI, data. */
static enum rc
pld_notification(struct rd *body, struct ikev1_msg *msg)
{
	size_t at = rd_pos(body);
	uint8_t spi_size;
	uint16_t type;

	(void)rd_be32(body);
	(void)rd_u8(body);
	spi_size = rd_u8(body);
	type = rd_be16(body);
	rd_skip(body, spi_size);
	if (!rd_ok(body))
		return fail(msg, RC_MALFORMED, at,
		    "ISAKMP notification shorter than its header and SPI");
	if (msg->n_notify < IKEV1_MAX_NOTIFY)
		msg->notify[msg->n_notify++] = type;
	return RC_OK;
}

static enum rc
walk(struct rd *r, struct ikev1_msg *msg)
{
	uint8_t next = msg->next_payload;

	while (next != 0) {
		size_t at = rd_pos(r);
		uint8_t type = next;
		uint16_t len;
		struct rd body;
		enum rc rc = RC_OK;

		next = rd_u8(r);
		(void)rd_u8(r);
		len = rd_be16(r);
		if (!rd_ok(r))
			return fail(msg, RC_SHORT, at,
			    "ISAKMP payload header cut: %zu bytes left",
			    rd_left(r));
		if (len < 4)
			return fail(msg, RC_MALFORMED, at,
			    "ISAKMP payload %s length %u < 4",
			    ikev1_payload_name(type), len);
		body = rd_sub(r, (size_t)len - 4);
		if (!rd_ok(r))
			return fail(msg, RC_SHORT, at,
			    "ISAKMP payload %s length %u > %zu bytes left",
			    ikev1_payload_name(type), len, rd_left(r) + 4);
		if (msg->n_pl < sizeof(msg->pl_types))
			msg->pl_types[msg->n_pl] = type;
		if (msg->n_pl < UINT16_MAX)
			msg->n_pl++;
		if (type == 11)
			rc = pld_notification(&body, msg);
		else if (type == 13 && msg->n_vendor < UINT8_MAX)
			msg->n_vendor++;
		if (rc != RC_OK)
			return rc;
	}
	return RC_OK;
}

/*
 * ISAKMP header, RFC 2408 3.1: initiator cookie (8), responder cookie
 * (8), next payload, version (MjVer|MnVer), exchange type, flags,
 * message ID (4), length (4).
 */
enum rc
ikev1_decode(const uint8_t *bytes, size_t len, struct ikev1_msg *msg)
{
	struct rd r = rd_init(bytes, len);
	struct rd body;
	uint8_t ver;

	msg->n_pl = 0;
	msg->n_notify = 0;
	msg->n_vendor = 0;
	msg->err = RC_OK;
	msg->err_off = 0;
	msg->err_text[0] = '\0';
	rd_copy(&r, msg->icookie, 8);
	rd_copy(&r, msg->rcookie, 8);
	msg->next_payload = rd_u8(&r);
	ver = rd_u8(&r);
	msg->exchange = rd_u8(&r);
	msg->flags = rd_u8(&r);
	msg->msg_id = rd_be32(&r);
	msg->length = rd_be32(&r);
	msg->major = ver >> 4;
	msg->minor = ver & 0x0f;
	msg->encrypted = (msg->flags & IKEV1_FLAG_E) != 0;
	if (!rd_ok(&r))
		return fail(msg, RC_SHORT, 0,
		    "ISAKMP header needs 28 bytes, message has %zu", len);
	if (msg->major != 1)
		return fail(msg, RC_FORMAT, 17,
		    "ISAKMP major version %u is not 1", msg->major);
	if (msg->length < 28)
		return fail(msg, RC_MALFORMED, 24,
		    "ISAKMP length %u < header size 28", msg->length);
	if (msg->length > len)
		return fail(msg, RC_SHORT, 24,
		    "ISAKMP length %u > %zu bytes received", msg->length, len);
	if (msg->encrypted)
		return RC_OK;
	body = rd_sub(&r, msg->length - 28);
	body.base = 28;
	return walk(&body, msg);
}
