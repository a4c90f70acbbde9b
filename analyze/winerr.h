/*
 * Win32 IPsec/IKE error codes (winerror.h ERROR_IPSEC_* 13000-13932) as
 * Windows puts them in wfpdiag.xml failureErrorCode, the IKE
 * errorFrequencyTable and RAS client events. Table: analyze/winerr.def,
 * from /work/shared/reference/ike-errors.csv, plus Azure's unnamed 13999.
 */
#ifndef WFPDIAG_ANALYZE_WINERR_H
#define WFPDIAG_ANALYZE_WINERR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formats/rc.h"

enum winerr {
#define WINERR(name, code, source, meaning) WINERR_##name = code,
#include "analyze/winerr.def"
#undef WINERR
};

/* Where a row's name comes from. */
enum winerr_source {
	WINERR_SRC_SDK,	  /* a winerror.h symbol */
	WINERR_SRC_AZURE, /* a number from Azure docs; the name is ours */
};

/* HRESULT_FROM_WIN32 facility and prefix (0x8007xxxx). */
#define WINERR_HRESULT_BASE 0x80070000u

/*
 * Symbolic name of a Win32 code ("ERROR_IPSEC_IKE_AUTH_FAIL"); never
 * NULL: "UNKNOWN" for codes not in the table. Callers print the number
 * beside it.
 */
const char *winerr_name(uint32_t code);
/* True when the table has code. */
bool winerr_known(uint32_t code);
/* Short meaning in our words; NULL for unknown codes. */
const char *winerr_meaning(uint32_t code);
/* Where code's name comes from; SDK for unknown codes. */
enum winerr_source winerr_source(uint32_t code);
/* The HRESULT form of a Win32 code: 0x80070000 | (code & 0xffff). */
uint32_t winerr_hresult(uint32_t code);
/*
 * Parses a Windows error as people paste it: a name (case-insensitive,
 * "ERROR_IPSEC_IKE_AUTH_FAIL"), decimal ("13801"), hex ("0x35E9") or the
 * HRESULT form ("0x800735E9", also as a negative or unsigned decimal).
 * Leading/trailing blanks are ignored. Numbers need not be in the table
 * but must fit 16 bits once unwrapped from an HRESULT. RC_OK and *code
 * set; RC_NOTFOUND for an unknown name; RC_INVAL for anything else
 * (*code untouched).
 */
enum rc winerr_parse(const char *text, uint32_t *code) MUST_CHECK;

/* Rows in the table and row i in code order (tests, listings). */
size_t winerr_count(void);
bool winerr_row(size_t i, uint32_t *code, const char **name);

#endif
