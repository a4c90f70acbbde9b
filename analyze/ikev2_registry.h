/*
 * IKEv2 protocol registries: names for the numbers in IKEv2 messages
 * (RFC 7296 3.x and the IANA "Internet Key Exchange Version 2 (IKEv2)
 * Parameters" registry, as summarised in
 * /work/shared/reference/ikev2-to-windows-errors.md).
 *
 * Each registry is one analyze/ikev2_<reg>.def table (STYLE.md 5), sorted
 * by value, expanded here into an enum and in ikev2_registry.c into a
 * {value, name} array searched with bsearch. Lookups never return NULL:
 * an unnamed value is "UNKNOWN", and callers print the number beside the
 * name. docs/registries.md says how to add a constant.
 */
#ifndef WFPDIAG_ANALYZE_IKEV2_REGISTRY_H
#define WFPDIAG_ANALYZE_IKEV2_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Fixed header sizes used with these registries (RFC 7296 3.1-3.3). */
#define IKEV2_HDR_LEN 28u	     /* IKE header */
#define IKEV2_GENERIC_HDR_LEN 4u     /* generic payload header */
#define IKEV2_PROPOSAL_HDR_LEN 8u    /* proposal substructure, no SPI */
#define IKEV2_TRANSFORM_HDR_LEN 8u   /* transform substructure */
#define IKEV2_ATTR_KEY_LENGTH 14u    /* transform attribute type */
#define IKEV2_ATTR_TV_BIT 0x8000u    /* attribute in TV (short) form */
#define IKEV2_VERSION 0x20u	     /* major 2, minor 0 */
#define IKEV2_FLAG_INITIATOR 0x08u
#define IKEV2_FLAG_VERSION 0x10u
#define IKEV2_FLAG_RESPONSE 0x20u
#define IKEV2_CRITICAL_BIT 0x80u     /* in the generic payload header */

enum ikev2_exchange {
#define EXCH(name, value) IKEV2_EXCH_##name = value,
#include "analyze/ikev2_exchange.def"
#undef EXCH
};

enum ikev2_payload {
#define PAYLOAD(name, value, abbrev) IKEV2_PT_##name = value,
#include "analyze/ikev2_payload.def"
#undef PAYLOAD
};

enum ikev2_notify {
#define NOTIFY(name, value, kind, len, spi) IKEV2_N_##name = value,
#include "analyze/ikev2_notify.def"
#undef NOTIFY
};

enum ikev2_transform_type {
#define TTYPE(name, value) IKEV2_TT_##name = value,
#include "analyze/ikev2_transform_type.def"
#undef TTYPE
};

enum ikev2_encr {
#define ENCR(name, value, aead, fixed_bits) IKEV2_ENCR_##name = value,
#include "analyze/ikev2_encr.def"
#undef ENCR
};

enum ikev2_prf {
#define PRF(name, value) IKEV2_PRF_##name = value,
#include "analyze/ikev2_prf.def"
#undef PRF
};

enum ikev2_integ {
#define INTEG(name, value) IKEV2_INTEG_##name = value,
#include "analyze/ikev2_integ.def"
#undef INTEG
};

enum ikev2_ke {
#define KE(name, value, bits) IKEV2_KE_##name = value,
#include "analyze/ikev2_ke.def"
#undef KE
};

enum ikev2_esn {
#define ESN(name, value) IKEV2_ESN_##name = value,
#include "analyze/ikev2_esn.def"
#undef ESN
};

enum ikev2_auth {
#define AUTHM(name, value) IKEV2_AUTH_##name = value,
#include "analyze/ikev2_auth.def"
#undef AUTHM
};

enum ikev2_id {
#define IDT(name, value) IKEV2_ID_##name = value,
#include "analyze/ikev2_id.def"
#undef IDT
};

enum ikev2_cert {
#define CERT(name, value) IKEV2_CERT_##name = value,
#include "analyze/ikev2_cert.def"
#undef CERT
};

enum ikev2_ts {
#define TS(name, value) IKEV2_TS_##name = value,
#include "analyze/ikev2_ts.def"
#undef TS
};

enum ikev2_cp {
#define CP(name, value) IKEV2_CP_##name = value,
#include "analyze/ikev2_cp.def"
#undef CP
};

enum ikev2_cfg {
#define CFG(name, value) IKEV2_CFG_##name = value,
#include "analyze/ikev2_cfg.def"
#undef CFG
};

enum ikev2_proto {
#define PROTO(name, value) IKEV2_PROTO_##name = value,
#include "analyze/ikev2_proto.def"
#undef PROTO
};

enum ikev2_eap_code {
#define EAPCODE(name, value) IKEV2_EAP_CODE_##name = value,
#include "analyze/ikev2_eap_code.def"
#undef EAPCODE
};

enum ikev2_eap_type {
#define EAPTYPE(name, value) IKEV2_EAP_TYPE_##name = value,
#include "analyze/ikev2_eap_type.def"
#undef EAPTYPE
};

enum ikev2_hash {
#define SIGHASH(name, value) IKEV2_HASH_##name = value,
#include "analyze/ikev2_hash.def"
#undef SIGHASH
};

/*
 * IKEv1 / ISAKMP names (analyze/ikev1_registry.def), for IKEv1 traffic
 * seen beside IKEv2. Prefix IKEV1_ says which protocol they belong to.
 */
#define V1PAYLOAD(name, value)
#define V1NOTIFY(name, value)
enum ikev1_exchange {
#define V1EXCH(name, value) IKEV1_EXCH_##name = value,
#include "analyze/ikev1_registry.def"
#undef V1EXCH
};
#undef V1PAYLOAD
#undef V1NOTIFY

#define V1EXCH(name, value)
#define V1NOTIFY(name, value)
enum ikev1_payload {
#define V1PAYLOAD(name, value) IKEV1_PT_##name = value,
#include "analyze/ikev1_registry.def"
#undef V1PAYLOAD
};
#undef V1EXCH
#undef V1NOTIFY

#define V1EXCH(name, value)
#define V1PAYLOAD(name, value)
enum ikev1_notify {
#define V1NOTIFY(name, value) IKEV1_N_##name = value,
#include "analyze/ikev1_registry.def"
#undef V1NOTIFY
};
#undef V1EXCH
#undef V1PAYLOAD

/* The registries, for the generic lookups below. */
enum ikev2_reg {
	IKEV2_REG_EXCHANGE,	  /* ikev2_exchange.def */
	IKEV2_REG_PAYLOAD,	  /* ikev2_payload.def */
	IKEV2_REG_NOTIFY,	  /* ikev2_notify.def */
	IKEV2_REG_TRANSFORM_TYPE, /* ikev2_transform_type.def */
	IKEV2_REG_ENCR,		  /* ikev2_encr.def */
	IKEV2_REG_PRF,		  /* ikev2_prf.def */
	IKEV2_REG_INTEG,	  /* ikev2_integ.def */
	IKEV2_REG_KE,		  /* ikev2_ke.def (also ADDKE1..7) */
	IKEV2_REG_ESN,		  /* ikev2_esn.def */
	IKEV2_REG_AUTH,		  /* ikev2_auth.def */
	IKEV2_REG_ID,		  /* ikev2_id.def */
	IKEV2_REG_CERT,		  /* ikev2_cert.def */
	IKEV2_REG_TS,		  /* ikev2_ts.def */
	IKEV2_REG_CP,		  /* ikev2_cp.def */
	IKEV2_REG_CFG,		  /* ikev2_cfg.def, CP attribute types */
	IKEV2_REG_PROTO,	  /* ikev2_proto.def */
	IKEV2_REG_EAP_CODE,	  /* ikev2_eap_code.def */
	IKEV2_REG_EAP_TYPE,	  /* ikev2_eap_type.def */
	IKEV2_REG_HASH,		  /* ikev2_hash.def, RFC 7427 */
	IKEV2_REG_IKEV1_EXCHANGE, /* ikev1_registry.def V1EXCH */
	IKEV2_REG_IKEV1_PAYLOAD,  /* ikev1_registry.def V1PAYLOAD */
	IKEV2_REG_IKEV1_NOTIFY,	  /* ikev1_registry.def V1NOTIFY */
	IKEV2_REG__COUNT
};

/*
 * Symbolic name of value in reg, as written in the .def without the enum
 * prefix ("NO_PROPOSAL_CHOSEN", "AES_CBC", "IKE_SA_INIT"). Never NULL:
 * "UNKNOWN" for unnamed values and for an out-of-range reg.
 */
const char *ikev2_name(enum ikev2_reg reg, uint32_t value);
/* True when reg names value. */
bool ikev2_known(enum ikev2_reg reg, uint32_t value);
/*
 * Case-insensitive reverse lookup for policy files and command lines:
 * "aes_cbc" -> 12. Accepts the name with or without the enum prefix
 * ("IKEV2_ENCR_AES_CBC"). On success stores the value and returns true;
 * on failure leaves *value alone and returns false.
 */
bool ikev2_lookup_value(enum ikev2_reg reg, const char *name,
    uint32_t *value);
/*
 * What an unnamed value is, from the registry's range rules: "private
 * use", "reserved", "unassigned". NULL when reg names value.
 */
const char *ikev2_range(enum ikev2_reg reg, uint32_t value);
/* Short registry title for messages ("notify type"); never NULL. */
const char *ikev2_reg_title(enum ikev2_reg reg);
/* Rows in reg's table (for tests and listings); 0 for a bad reg. */
size_t ikev2_reg_count(enum ikev2_reg reg);
/*
 * The i-th row of reg in ascending value order; false when i is past the
 * end. Either out pointer may be NULL.
 */
bool ikev2_reg_row(enum ikev2_reg reg, size_t i, uint32_t *value,
    const char **name);

/*
 * Name of transform id within transform_type: dispatches to the ENCR,
 * PRF, INTEG, KE (types 4 and ADDKE1..7 share the KE registry) or ESN
 * table. Never NULL ("UNKNOWN", also for transform types without a
 * registry here: KWA, GCAUTH).
 */
const char *ikev2_transform_name(uint8_t transform_type, uint16_t id);
/* The registry behind a transform type; IKEV2_REG__COUNT when none. */
enum ikev2_reg ikev2_transform_reg(uint8_t transform_type);
/* True for combined-mode (AEAD) ciphers, which carry no INTEG transform. */
bool ikev2_encr_is_aead(uint16_t encr_id);
/*
 * Key size in bits of a single-size cipher (3DES 192, CHACHA20 256); 0
 * when the cipher needs a Key Length attribute (AES...) or is unknown.
 */
uint16_t ikev2_encr_fixed_bits(uint16_t encr_id);
/* Modulus or curve size of a key exchange method; 0 when unknown/NONE. */
uint16_t ikev2_ke_bits(uint16_t ke_id);

/*
 * Payload abbreviation as tcpdump/tshark/strongSwan print it ("SA",
 * "IDi", "N", "SKF"). For the nonce, from_initiator picks "Ni" or "Nr";
 * ikev2_payload_short() gives "Nonce". Never NULL ("UNKNOWN").
 */
const char *ikev2_payload_short(uint8_t type);
const char *ikev2_payload_abbrev(uint8_t type, bool from_initiator);

/* Notify classes (RFC 7296 3.10.1). */
enum ikev2_notify_kind {
	IKEV2_NOTIFY_ERROR,   /* IANA error type, 0-8191 */
	IKEV2_NOTIFY_STATUS,  /* IANA status type, 16384-40959 */
	IKEV2_NOTIFY_PRIVATE, /* private use, or an IKEv1 value */
};

/*
 * Kind of a notify type. Named types report their table kind; unnamed
 * ones are classified by range (8192-16383 and 40960-65535 are PRIVATE).
 */
enum ikev2_notify_kind ikev2_notify_kind(uint16_t type);
/* "ERROR", "STATUS" or "PRIVATE"; never NULL. */
const char *ikev2_notify_kind_name(enum ikev2_notify_kind kind);
/*
 * True for error notifies: every type below 16384, private errors
 * 8192-16383 (MS_STATUS 12345, ME_CONNECT_FAILED 8192) included
 * (RFC 7296 3.10.1).
 */
bool ikev2_notify_is_error(uint16_t type);

/* Expected Notification Data length (RFC-fixed) of one notify type. */
struct ikev2_notify_len {
	uint16_t min;	/* bytes */
	uint16_t max;	/* bytes; 65535 = no upper bound */
	uint16_t mult;	/* length must be a multiple of this (1 = any) */
	bool spi;	/* the notify must carry an SPI (REKEY_SA) */
};

/*
 * The expected data length of notify type (unknown types: any length).
 * Returns true when an RFC fixes something, i.e. the rule is not "any".
 */
bool ikev2_notify_expected_len(uint16_t type, struct ikev2_notify_len *out);
/*
 * True when data_len satisfies type's rule. The SPI requirement is not
 * checked here (see ikev2_notify_expected_len().spi).
 */
bool ikev2_notify_len_ok(uint16_t type, size_t data_len);

#endif
