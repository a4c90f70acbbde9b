/*
 * ISAKMP / IKEv1 decoding at header and notification level (RFC 2408
 * 3.1, 3.2, 3.14; RFC 2409). Enough to recognise IKEv1 traffic, never
 * mistake it for IKEv2, and report its notifications (e.g. a main mode
 * NO-PROPOSAL-CHOSEN). Encrypted messages (E flag) stop after the header.
 */
#ifndef WFPDIAG_ANALYZE_IKEV1_DECODE_H
#define WFPDIAG_ANALYZE_IKEV1_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formats/rc.h"

#define IKEV1_FLAG_E 0x01 /* payloads after the header are encrypted */
#define IKEV1_MAX_NOTIFY 8

struct ikev1_msg {
	uint8_t icookie[8], rcookie[8];
	uint8_t next_payload;
	uint8_t major, minor;
	uint8_t exchange;
	uint8_t flags;
	uint32_t msg_id;
	uint32_t length;
	bool encrypted;
	uint16_t n_pl;
	uint8_t pl_types[32];       /* first 32 payload types in order */
	uint8_t n_notify;
	uint16_t notify[IKEV1_MAX_NOTIFY]; /* notify message types */
	uint8_t n_vendor;
	enum rc err;
	uint32_t err_off;
	char err_text[96];
};

/* Decodes an ISAKMP message (major version 1). Returns OK, SHORT,
 * MALFORMED or FORMAT (not version 1); partial results stay in *msg. */
enum rc ikev1_decode(const uint8_t *bytes, size_t len,
    struct ikev1_msg *msg) MUST_CHECK;

/* Names: exchange (2 "Identity Protection (Main Mode)" ...), payload and
 * notify message types (RFC 2408 3.14.1); "UNKNOWN" when not known. */
const char *ikev1_exchange_name(uint8_t exchange);
const char *ikev1_payload_name(uint8_t type);
const char *ikev1_notify_name(uint16_t type);

#endif
