/*
 * Windows IKEEXT/WFP enumeration names (analyze/ikeext.def, after
 * reference/ikeext-enums.md). Each section is a sorted run of rows found
 * by bsearch; flags render in ascending bit order as wfpdiag.xml does.
 */
#include "analyze/ikeext.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyze/ikev2_registry.h"

struct ikeext_row {
	enum ikeext_reg reg;
	uint32_t value;
	const char *name;
};

/* All sections in .def order: grouped by reg, sorted within a group. */
static const struct ikeext_row rows[] = {
#define IKEEXT(reg, name, value) {IKEEXT_REG_##reg, value, #name},
#define IKEEXT_ALIAS(reg, name, value)
#define IKEEXT_NTSTATUS(name, value, win32)
#define IKEEXT_AUTHMAP(ikev2, ikeext)
#include "analyze/ikeext.def"
#undef IKEEXT
#undef IKEEXT_ALIAS
#undef IKEEXT_NTSTATUS
#undef IKEEXT_AUTHMAP
};

static const struct ikeext_row aliases[] = {
#define IKEEXT(reg, name, value)
#define IKEEXT_ALIAS(reg, name, value) {IKEEXT_REG_##reg, value, #name},
#define IKEEXT_NTSTATUS(name, value, win32)
#define IKEEXT_AUTHMAP(ikev2, ikeext)
#include "analyze/ikeext.def"
#undef IKEEXT
#undef IKEEXT_ALIAS
#undef IKEEXT_NTSTATUS
#undef IKEEXT_AUTHMAP
};

struct ntstatus_row {
	uint32_t value;
	const char *name;
	uint32_t win32;
};

static const struct ntstatus_row ntstatus_rows[] = {
#define IKEEXT(reg, name, value)
#define IKEEXT_ALIAS(reg, name, value)
#define IKEEXT_NTSTATUS(name, value, win32) {value, #name, win32},
#define IKEEXT_AUTHMAP(ikev2, ikeext)
#include "analyze/ikeext.def"
#undef IKEEXT
#undef IKEEXT_ALIAS
#undef IKEEXT_NTSTATUS
#undef IKEEXT_AUTHMAP
};

struct authmap_row {
	uint8_t ikev2;
	uint32_t ikeext;
};

static const struct authmap_row authmap[] = {
#define IKEEXT(reg, name, value)
#define IKEEXT_ALIAS(reg, name, value)
#define IKEEXT_NTSTATUS(name, value, win32)
#define IKEEXT_AUTHMAP(ikev2, ikeext) {IKEV2_AUTH_##ikev2, IKEEXT_C_##ikeext},
#include "analyze/ikeext.def"
#undef IKEEXT
#undef IKEEXT_ALIAS
#undef IKEEXT_NTSTATUS
#undef IKEEXT_AUTHMAP
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *const titles[IKEEXT_REG__COUNT] = {
	[IKEEXT_REG_FAILURE_POINT] = "IPSEC_FAILURE_POINT",
	[IKEEXT_REG_KEY_MODULE] = "IKEEXT_KEY_MODULE_TYPE",
	[IKEEXT_REG_MM_SA_STATE] = "IKEEXT_MM_SA_STATE",
	[IKEEXT_REG_QM_SA_STATE] = "IKEEXT_QM_SA_STATE",
	[IKEEXT_REG_EM_SA_STATE] = "IKEEXT_EM_SA_STATE",
	[IKEEXT_REG_SA_ROLE] = "IKEEXT_SA_ROLE",
	[IKEEXT_REG_AUTH_METHOD] = "IKEEXT_AUTHENTICATION_METHOD_TYPE",
	[IKEEXT_REG_NET_EVENT_TYPE] = "FWPM_NET_EVENT_TYPE",
	[IKEEXT_REG_NET_EVENT_FLAG] = "FWPM_NET_EVENT_FLAG",
	[IKEEXT_REG_MM_FAILURE_FLAG] = "FWPM_NET_EVENT_IKEEXT_MM_FAILURE_FLAG",
	[IKEEXT_REG_EM_FAILURE_FLAG] = "FWPM_NET_EVENT_IKEEXT_EM_FAILURE_FLAG",
	[IKEEXT_REG_NET_EVENT_KEYWORD] = "FWPM_NET_EVENT_KEYWORD",
	[IKEEXT_REG_IP_VERSION] = "FWP_IP_VERSION",
	[IKEEXT_REG_AF] = "FWP_AF",
	[IKEEXT_REG_DIRECTION] = "FWP_DIRECTION",
	[IKEEXT_REG_MS_FWP_DIRECTION] = "MS_FWP_DIRECTION",
	[IKEEXT_REG_TRAFFIC_TYPE] = "IPSEC_TRAFFIC_TYPE",
	[IKEEXT_REG_CIPHER] = "IKEEXT_CIPHER_TYPE",
	[IKEEXT_REG_INTEGRITY] = "IKEEXT_INTEGRITY_TYPE",
	[IKEEXT_REG_DH_GROUP] = "IKEEXT_DH_GROUP",
};

/* First row of reg and how many follow (sections are contiguous). */
static const struct ikeext_row *
section(enum ikeext_reg reg, size_t *n)
{
	size_t i, first;

	*n = 0;
	if ((unsigned)reg >= IKEEXT_REG__COUNT)
		return NULL;
	for (i = 0; i < NELEM(rows) && rows[i].reg != reg; i++)
		;
	first = i;
	while (i < NELEM(rows) && rows[i].reg == reg)
		i++;
	*n = i - first;
	return *n == 0 ? NULL : &rows[first];
}

static int
row_cmp(const void *key, const void *elem)
{
	uint32_t k = *(const uint32_t *)key;
	const struct ikeext_row *r = elem;

	if (k < r->value)
		return -1;
	return k > r->value;
}

static const struct ikeext_row *
find(enum ikeext_reg reg, uint32_t value)
{
	size_t n;
	const struct ikeext_row *s = section(reg, &n);

	if (s == NULL)
		return NULL;
	return bsearch(&value, s, n, sizeof(*s), row_cmp);
}

const char *
ikeext_name(enum ikeext_reg reg, uint32_t value)
{
	const struct ikeext_row *r = find(reg, value);

	return r == NULL ? "UNKNOWN" : r->name;
}

bool
ikeext_known(enum ikeext_reg reg, uint32_t value)
{
	return find(reg, value) != NULL;
}

bool
ikeext_lookup_value(enum ikeext_reg reg, const char *name, uint32_t *value)
{
	size_t n, i;
	const struct ikeext_row *s = section(reg, &n);

	if (s == NULL || name == NULL || value == NULL)
		return false;
	for (i = 0; i < n; i++) {
		if (strcasecmp(s[i].name, name) == 0) {
			*value = s[i].value;
			return true;
		}
	}
	for (i = 0; i < NELEM(aliases); i++) {
		if (aliases[i].reg == reg &&
		    strcasecmp(aliases[i].name, name) == 0) {
			*value = aliases[i].value;
			return true;
		}
	}
	return false;
}

bool
ikeext_is_flags(enum ikeext_reg reg)
{
	return reg == IKEEXT_REG_NET_EVENT_FLAG ||
	    reg == IKEEXT_REG_MM_FAILURE_FLAG ||
	    reg == IKEEXT_REG_EM_FAILURE_FLAG ||
	    reg == IKEEXT_REG_NET_EVENT_KEYWORD;
}

const char *
ikeext_reg_title(enum ikeext_reg reg)
{
	if ((unsigned)reg >= IKEEXT_REG__COUNT)
		return "UNKNOWN";
	return titles[reg];
}

size_t
ikeext_reg_count(enum ikeext_reg reg)
{
	size_t n;

	(void)section(reg, &n);
	return n;
}

bool
ikeext_reg_row(enum ikeext_reg reg, size_t i, uint32_t *value,
    const char **name)
{
	size_t n;
	const struct ikeext_row *s = section(reg, &n);

	if (s == NULL || i >= n)
		return false;
	if (value != NULL)
		*value = s[i].value;
	if (name != NULL)
		*name = s[i].name;
	return true;
}

/* Appends s to dst at *used, counting the full length like snprintf. */
static void
put(char *dst, size_t size, size_t *used, const char *s)
{
	if (*used < size)
		(void)snprintf(dst + *used, size - *used, "%s", s);
	*used += strlen(s);
}

size_t
ikeext_flags_text(enum ikeext_reg reg, uint32_t bits, const char *sep,
    char *dst, size_t size)
{
	size_t used = 0, items = 0;
	uint32_t rest = bits;
	char hex[16];
	unsigned b;

	if (dst == NULL)
		size = 0;
	if (size > 0)
		dst[0] = '\0';
	if (sep == NULL)
		sep = " ";
	for (b = 0; b < 32 && ikeext_is_flags(reg); b++) {
		uint32_t bit = (uint32_t)1 << b;

		if ((bits & bit) == 0 || !ikeext_known(reg, bit))
			continue;
		if (items++ > 0)
			put(dst, size, &used, sep);
		put(dst, size, &used, ikeext_name(reg, bit));
		rest &= ~bit;
	}
	if (rest != 0) {
		if (items > 0)
			put(dst, size, &used, sep);
		(void)snprintf(hex, sizeof(hex), "0x%08x", rest);
		put(dst, size, &used, hex);
	}
	return used;
}

/* One flag token: a name in reg or a number. */
static enum rc
flag_token(enum ikeext_reg reg, const char *tok, uint32_t *bit)
{
	char *end;
	unsigned long v;

	if (isdigit((unsigned char)tok[0])) {
		errno = 0;
		v = strtoul(tok, &end, 0);
		if (errno != 0 || *end != '\0' || v > UINT32_MAX)
			return RC_INVAL;
		*bit = (uint32_t)v;
		return RC_OK;
	}
	return ikeext_lookup_value(reg, tok, bit) ? RC_OK : RC_NOTFOUND;
}

enum rc
ikeext_flags_parse(enum ikeext_reg reg, const char *text, uint32_t *bits)
{
	char tok[96];
	uint32_t acc = 0, bit;
	size_t n;
	enum rc rc;

	if (!ikeext_is_flags(reg) || text == NULL || bits == NULL)
		return RC_INVAL;
	for (;;) {
		text += strspn(text, " \t\r\n|,");
		if (*text == '\0')
			break;
		n = strcspn(text, " \t\r\n|,");
		if (n >= sizeof(tok))
			return RC_INVAL;
		memcpy(tok, text, n);
		tok[n] = '\0';
		text += n;
		rc = flag_token(reg, tok, &bit);
		if (rc != RC_OK)
			return rc;
		acc |= bit;
	}
	*bits = acc;
	return RC_OK;
}

static int
nt_cmp(const void *key, const void *elem)
{
	uint32_t k = *(const uint32_t *)key;
	const struct ntstatus_row *r = elem;

	if (k < r->value)
		return -1;
	return k > r->value;
}

static const struct ntstatus_row *
nt_find(uint32_t status)
{
	return bsearch(&status, ntstatus_rows, NELEM(ntstatus_rows),
	    sizeof(ntstatus_rows[0]), nt_cmp);
}

const char *
ikeext_ntstatus_name(uint32_t status)
{
	const struct ntstatus_row *r = nt_find(status);

	return r == NULL ? "UNKNOWN" : r->name;
}

uint32_t
ikeext_ntstatus_win32(uint32_t status)
{
	const struct ntstatus_row *r = nt_find(status);

	return r == NULL ? 0 : r->win32;
}

bool
ikeext_ntstatus_lookup(const char *name, uint32_t *status)
{
	size_t i;

	if (name == NULL || status == NULL)
		return false;
	for (i = 0; i < NELEM(ntstatus_rows); i++) {
		if (strcasecmp(ntstatus_rows[i].name, name) == 0) {
			*status = ntstatus_rows[i].value;
			return true;
		}
	}
	return false;
}

uint32_t
ikeext_ntstatus_from_win32(uint32_t win32)
{
	size_t i;

	for (i = 0; i < NELEM(ntstatus_rows); i++) {
		if (win32 != 0 && ntstatus_rows[i].win32 == win32)
			return ntstatus_rows[i].value;
	}
	return 0;
}

bool
ikeext_auth_from_ikev2(uint8_t auth_method, bool eap, uint32_t *out)
{
	size_t i;

	if (out == NULL)
		return false;
	if (eap) {
		*out = IKEEXT_C_IKEEXT_EAP;
		return true;
	}
	for (i = 0; i < NELEM(authmap); i++) {
		if (authmap[i].ikev2 == auth_method) {
			*out = authmap[i].ikeext;
			return true;
		}
	}
	return false;
}

bool
ikeext_error_index(uint32_t win32, size_t *index)
{
	if (win32 < IKEEXT_ERROR_CODE_BASE ||
	    win32 - IKEEXT_ERROR_CODE_BASE >= IKEEXT_ERROR_CODE_COUNT)
		return false;
	if (index != NULL)
		*index = win32 - IKEEXT_ERROR_CODE_BASE;
	return true;
}
