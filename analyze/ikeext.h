/*
 * Windows IKEEXT / IPsec / WFP enumerations (iketypes.h, ipsectypes.h,
 * fwptypes.h, fwpmtypes.h, ntstatus.h) as wfpdiag.xml and netEvents use
 * them: name <-> value for each enum, flag words rendered as bit-name
 * lists in ascending bit order, IPsec NTSTATUS codes with their Win32
 * counterparts, the IKEv2 -> IKEEXT authentication method mapping and
 * the errorFrequencyTable index. Table: analyze/ikeext.def, from
 * /work/shared/reference/ikeext-enums.md.
 */
#ifndef WFPDIAG_ANALYZE_IKEEXT_H
#define WFPDIAG_ANALYZE_IKEEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formats/rc.h"

/* Every named value, as IKEEXT_C_<Windows name>. */
enum ikeext_const {
#define IKEEXT(reg, name, value) IKEEXT_C_##name = value,
#define IKEEXT_ALIAS(reg, name, value)
#define IKEEXT_NTSTATUS(name, value, win32)
#define IKEEXT_AUTHMAP(ikev2, ikeext)
#include "analyze/ikeext.def"
#undef IKEEXT
#undef IKEEXT_ALIAS
#undef IKEEXT_NTSTATUS
#undef IKEEXT_AUTHMAP
};

/* The enumerations (sections of ikeext.def). */
enum ikeext_reg {
	IKEEXT_REG_FAILURE_POINT,     /* IPSEC_FAILURE_POINT */
	IKEEXT_REG_KEY_MODULE,	      /* IKEEXT_KEY_MODULE_TYPE */
	IKEEXT_REG_MM_SA_STATE,	      /* IKEEXT_MM_SA_STATE */
	IKEEXT_REG_QM_SA_STATE,	      /* IKEEXT_QM_SA_STATE */
	IKEEXT_REG_EM_SA_STATE,	      /* IKEEXT_EM_SA_STATE */
	IKEEXT_REG_SA_ROLE,	      /* IKEEXT_SA_ROLE */
	IKEEXT_REG_AUTH_METHOD,	      /* IKEEXT_AUTHENTICATION_METHOD_TYPE */
	IKEEXT_REG_NET_EVENT_TYPE,    /* FWPM_NET_EVENT_TYPE */
	IKEEXT_REG_NET_EVENT_FLAG,    /* FWPM_NET_EVENT_FLAG_* (bits) */
	IKEEXT_REG_MM_FAILURE_FLAG,   /* ikeMmFailure.flags (bits) */
	IKEEXT_REG_EM_FAILURE_FLAG,   /* ikeEmFailure.flags (bits) */
	IKEEXT_REG_NET_EVENT_KEYWORD, /* FWPM_NET_EVENT_KEYWORD_* (bits) */
	IKEEXT_REG_IP_VERSION,	      /* FWP_IP_VERSION */
	IKEEXT_REG_AF,		      /* FWP_AF */
	IKEEXT_REG_DIRECTION,	      /* FWP_DIRECTION */
	IKEEXT_REG_MS_FWP_DIRECTION,  /* msFwpDirection (0x3900...) */
	IKEEXT_REG_TRAFFIC_TYPE,      /* IPSEC_TRAFFIC_TYPE */
	IKEEXT_REG_CIPHER,	      /* IKEEXT_CIPHER_TYPE */
	IKEEXT_REG_INTEGRITY,	      /* IKEEXT_INTEGRITY_TYPE */
	IKEEXT_REG_DH_GROUP,	      /* IKEEXT_DH_GROUP */
	IKEEXT_REG__COUNT
};

/*
 * errorFrequencyTable length: ERROR_IPSEC_IKE_NEG_STATUS_END (13897) -
 * ERROR_IPSEC_IKE_NEG_STATUS_BEGIN (13800) in current headers.
 */
#define IKEEXT_ERROR_CODE_BASE 13800u
#define IKEEXT_ERROR_CODE_COUNT 97u

/* Windows name of value in reg ("IPSEC_FAILURE_PEER"); "UNKNOWN" if none. */
const char *ikeext_name(enum ikeext_reg reg, uint32_t value);
bool ikeext_known(enum ikeext_reg reg, uint32_t value);
/*
 * Case-insensitive name -> value within reg, aliases included
 * (IKEEXT_DH_GROUP_2048). False (and *value untouched) when not found.
 */
bool ikeext_lookup_value(enum ikeext_reg reg, const char *name,
    uint32_t *value);
/* True for the bit-flag registries. */
bool ikeext_is_flags(enum ikeext_reg reg);
/* The C type name of reg ("IKEEXT_MM_SA_STATE"); "UNKNOWN" if bad. */
const char *ikeext_reg_title(enum ikeext_reg reg);
/* Rows of reg in value order (tests, listings); false past the end. */
size_t ikeext_reg_count(enum ikeext_reg reg);
bool ikeext_reg_row(enum ikeext_reg reg, size_t i, uint32_t *value,
    const char **name);

/*
 * The set bits of a flag word as names in ascending bit order, joined by
 * sep (wfpdiag.xml lists them that way): 0x106 with " " gives
 * "FWPM_NET_EVENT_FLAG_LOCAL_ADDR_SET FWPM_NET_EVENT_FLAG_REMOTE_ADDR_SET
 * FWPM_NET_EVENT_FLAG_IP_VERSION_SET". Bits without a name come last as
 * one "0x..." item. 0 gives "". Returns the length the full text needs
 * (snprintf semantics); dst is NUL-terminated when size > 0.
 */
size_t ikeext_flags_text(enum ikeext_reg reg, uint32_t bits,
    const char *sep, char *dst, size_t size);
/*
 * Inverse of ikeext_flags_text(): names (case-insensitive) or numbers
 * separated by blanks, '|' or ','. RC_NOTFOUND for an unknown name,
 * RC_INVAL for a non-flag reg or bad number; *bits set only on RC_OK.
 */
enum rc ikeext_flags_parse(enum ikeext_reg reg, const char *text,
    uint32_t *bits) MUST_CHECK;

/* NTSTATUS name ("STATUS_IPSEC_BAD_SPI"); "UNKNOWN" if not an IPsec one. */
const char *ikeext_ntstatus_name(uint32_t status);
/* The Win32 code with the same suffix (13910 for BAD_SPI); 0 if none. */
uint32_t ikeext_ntstatus_win32(uint32_t status);
/* Case-insensitive NTSTATUS name -> value. */
bool ikeext_ntstatus_lookup(const char *name, uint32_t *status);
/*
 * The IPsec NTSTATUS for a Win32 code (0xC0360001 for 13910), for
 * rendering kernel drops; 0 when none. (NTSTATUS values exceed int, so
 * they are looked up rather than declared as enum constants.)
 */
uint32_t ikeext_ntstatus_from_win32(uint32_t win32);

/*
 * The IKEEXT_AUTHENTICATION_METHOD_TYPE Windows would report for an
 * IKEv2 peer authenticating with AUTH method auth_method (ikev2_auth.def),
 * or IKEEXT_EAP when eap is true (EAP is not an AUTH method value).
 * False when there is no counterpart (GSPAM, unknown values).
 */
bool ikeext_auth_from_ikev2(uint8_t auth_method, bool eap, uint32_t *out);

/*
 * Index of Win32 code in IKEEXT_KEYMODULE_STATISTICS.errorFrequencyTable
 * (code - 13800, judgement: not stated by Microsoft); false when code is
 * outside 13800..13896.
 */
bool ikeext_error_index(uint32_t win32, size_t *index);

#endif
