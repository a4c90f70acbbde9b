/*
 * Key store (see keystore.h): algorithm-name mapping for the key-table
 * formats, hash-indexed IKE and ESP key sets, and binding of SPI-less key
 * sets by ICV (RFC 7296 3.14 for IKE, RFC 4303 3.4.4 for ESP).
 *
 * Workload: a few to tens of thousands of key sets loaded once, then one
 * lookup per encrypted packet; so lookups go through open-addressing
 * indexes and the unassigned sets are tried only for SAs not yet bound.
 */
#include "analyze/keystore.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/limits.h"
#include "formats/rd.h"

#define IKE_HDR_LEN 28u
#define NOCHECK SK_INTEG_NOCHECK

/* The last algorithm names mapped (map_alg_memo). */
struct alg_memo {
	bool valid, ok, esn;
	char encr[96], integ[96];
	size_t key_len;
	struct sk_suite suite;
};

struct keystore {
	struct alg_memo memo;
	struct keystore_ike *ike;   /* all IKE sets (bound and not) */
	size_t n_ike, cap_ike;
	struct keystore_esp *esp;
	size_t n_esp, cap_esp;
	uint32_t *ike_idx;          /* open addressing: entry + 1, 0 empty */
	size_t ike_slots;           /* power of two */
	uint32_t *esp_idx;
	size_t esp_slots;
	size_t n_unassigned_ike;    /* quick "anything to try?" */
	size_t n_unassigned_esp;    /* SPI-less, checkable by ICV */
	size_t n_wildcard_esp;      /* SPI-less, uncheckable: any SA */
	size_t first_wildcard;      /* entry index of the first wildcard */
};

/* --- algorithm names --------------------------------------------------- */

struct name_row {
	const char *name;
	uint16_t id;
};

/* Wireshark 4.x IKEv2 UAT integrity strings (packet-isakmp.c). */
static const struct name_row ws_ikev2_integ[] = {
	{"NONE [RFC4306]", 0},
	{"HMAC_MD5_96 [RFC2403]", 1},
	{"HMAC_SHA1_96 [RFC2404]", 2},
	{"HMAC_MD5_128 [RFC4595]", 6},
	{"HMAC_SHA1_160 [RFC4595]", 7},
	{"HMAC_SHA2_256_128 [RFC4868]", 12},
	{"HMAC_SHA2_384_192 [RFC4868]", 13},
	{"HMAC_SHA2_512_256 [RFC4868]", 14},
	{"ANY 64-bits of Authentication [No Checking]", NOCHECK(8)},
	{"ANY 96-bits of Authentication [No Checking]", NOCHECK(12)},
	{"ANY 128-bits of Authentication [No Checking]", NOCHECK(16)},
	{"ANY 160-bits of Authentication [No Checking]", NOCHECK(20)},
	{"ANY 192-bits of Authentication [No Checking]", NOCHECK(24)},
	{"ANY 256-bits of Authentication [No Checking]", NOCHECK(32)},
	{NULL, 0},
};

/* Wireshark ESP UAT strings (packet-ipsec.c); AES key size from the key
 * length. */
static const struct name_row ws_esp_encr[] = {
	{"NULL", 11},
	{"TripleDES-CBC [RFC2451]", 3},
	{"AES-CBC [RFC3602]", 12},
	{"AES-CTR [RFC3686]", 13},
	{"AES-GCM with 8 octet ICV [RFC4106]", 18},
	{"AES-GCM with 12 octet ICV [RFC4106]", 19},
	{"AES-GCM with 16 octet ICV [RFC4106]", 20},
	{NULL, 0},
};

static const struct name_row ws_esp_integ[] = {
	{"NULL", NOCHECK(0)},
	{"HMAC-SHA-1-96 [RFC2404]", 2},
	{"HMAC-SHA-256-128 [RFC4868]", 12},
	{"HMAC-SHA-384-192 [RFC4868]", 13},
	{"HMAC-SHA-512-256 [RFC4868]", 14},
	{"HMAC-MD5-96 [RFC2403]", 1},
	{"ANY 64 bit authentication [no checking]", NOCHECK(8)},
	{"ANY 96 bit authentication [no checking]", NOCHECK(12)},
	{"ANY 128 bit authentication [no checking]", NOCHECK(16)},
	{"ANY 192 bit authentication [no checking]", NOCHECK(24)},
	{"ANY 256 bit authentication [no checking]", NOCHECK(32)},
	{NULL, 0},
};

/* IANA / strongSwan integrity names, and tcpdump's. */
static const struct name_row iana_integ[] = {
	{"HMAC_MD5_96", 1}, {"HMAC_SHA1_96", 2}, {"AES_XCBC_96", 5},
	{"HMAC_MD5_128", 6}, {"HMAC_SHA1_160", 7}, {"AES_CMAC_96", 8},
	{"HMAC_SHA2_256_128", 12}, {"HMAC_SHA2_384_192", 13},
	{"HMAC_SHA2_512_256", 14},
	{"md5", 1}, {"sha1", 2}, {"sha256", 12}, {"sha384", 13},
	{"sha512", 14}, {"hmac-md5", 1}, {"hmac-sha1", 2},
	{NULL, 0},
};

static const struct name_row *
row_by_name(const struct name_row *t, const char *name)
{
	for (; t->name != NULL; t++)
		if (strcmp(t->name, name) == 0)
			return t;
	return NULL;
}

static const char *
row_by_id(const struct name_row *t, uint16_t id)
{
	for (; t->name != NULL; t++)
		if (t->id == id)
			return t->name;
	return NULL;
}

/* Encryption ids that take an AES key size, and their ICV for names. */
static const struct {
	uint16_t id;
	const char *mode;   /* Wireshark "AES-<mode>-<bits>" part */
	unsigned icv;       /* AEAD ICV octets; 0 otherwise */
	const char *swan;   /* strongSwan "AES_<swan>_<bits>" part */
} aes_ids[] = {
	{12, "CBC", 0, "CBC"}, {13, "CTR", 0, "CTR"},
	{14, "CCM", 8, "CCM_8"}, {15, "CCM", 12, "CCM_12"},
	{16, "CCM", 16, "CCM_16"}, {18, "GCM", 8, "GCM_8"},
	{19, "GCM", 12, "GCM_12"}, {20, "GCM", 16, "GCM_16"},
};
#define N_AES (sizeof(aes_ids) / sizeof(aes_ids[0]))
static const uint16_t aes_bits[] = {128, 192, 256};

/* Wireshark IKEv2 encryption string for a suite into dst; false if none. */
static bool
ws_ikev2_encr_name(uint16_t id, uint16_t bits, char *dst, size_t len)
{
	size_t i;

	if (id == 11)
		return snprintf(dst, len, "NULL [RFC2410]") > 0;
	if (id == 3)
		return snprintf(dst, len, "3DES [RFC2451]") > 0;
	for (i = 0; i < N_AES; i++) {
		if (aes_ids[i].id != id)
			continue;
		if (aes_ids[i].icv == 0)
			(void)snprintf(dst, len, "AES-%s-%u [%s]",
			    aes_ids[i].mode, bits, id == 12 ? "RFC3602" :
			    "RFC5930");
		else
			(void)snprintf(dst, len, "AES-%s-%u with %u octet ICV "
			    "[RFC5282]", aes_ids[i].mode, bits, aes_ids[i].icv);
		return true;
	}
	return false;
}

/* Wireshark IKEv2 UAT encryption string -> id/bits. */
static bool
map_ws_ikev2_encr(const char *s, struct sk_suite *o)
{
	char name[80];
	size_t i, b;

	if (ws_ikev2_encr_name(11, 0, name, sizeof(name)) &&
	    strcmp(s, name) == 0) {
		o->encr_id = 11;
		return true;
	}
	if (strcmp(s, "3DES [RFC2451]") == 0) {
		o->encr_id = 3;
		return true;
	}
	for (i = 0; i < N_AES; i++) {
		for (b = 0; b < 3; b++) {
			(void)ws_ikev2_encr_name(aes_ids[i].id, aes_bits[b],
			    name, sizeof(name));
			if (strcmp(s, name) == 0) {
				o->encr_id = aes_ids[i].id;
				o->encr_key_bits = aes_bits[b];
				return true;
			}
		}
	}
	return false;
}

/* AES key bits from a key length (minus salt); 0 when impossible. */
static uint16_t
bits_from_key(uint16_t id, size_t key_len)
{
	struct sk_suite s = {id, 0, 0};
	size_t b;

	for (b = 0; b < 3; b++) {
		s.encr_key_bits = aes_bits[b];
		if (sk_suite_encr_key_len(&s) == key_len)
			return aes_bits[b];
	}
	return 0;
}

/* strongSwan / IANA token ("AES_CBC_256", "3DES_CBC", "AES_GCM_16_128",
 * "CHACHA20_POLY1305", "AES_CBC" + key length). */
static bool
map_swan_encr(const char *t, size_t key_len, struct sk_suite *o)
{
	char name[40];
	size_t i, b;

	if (strcmp(t, "3DES_CBC") == 0 || strcmp(t, "3DES") == 0 ||
	    strcmp(t, "ENCR_3DES") == 0) {
		o->encr_id = 3;
		return true;
	}
	if (strcmp(t, "CHACHA20_POLY1305") == 0) {
		o->encr_id = 28;
		return true;
	}
	if (strcmp(t, "NULL") == 0 || strcmp(t, "ENCR_NULL") == 0) {
		o->encr_id = 11;
		return true;
	}
	for (i = 0; i < N_AES; i++) {
		(void)snprintf(name, sizeof(name), "AES_%s", aes_ids[i].swan);
		if (strcmp(t, name) == 0 && key_len > 0) {
			o->encr_id = aes_ids[i].id;
			o->encr_key_bits = bits_from_key(o->encr_id, key_len);
			return o->encr_key_bits != 0;
		}
		for (b = 0; b < 3; b++) {
			(void)snprintf(name, sizeof(name), "AES_%s_%u",
			    aes_ids[i].swan, aes_bits[b]);
			if (strcmp(t, name) == 0) {
				o->encr_id = aes_ids[i].id;
				o->encr_key_bits = aes_bits[b];
				return true;
			}
		}
	}
	return false;
}

/* tcpdump -E names: aes128[-cbc], 3des[-cbc], null, with -hmac96. */
static bool
map_tcpdump_encr(const char *t, size_t key_len, struct sk_suite *o,
    bool *hmac96)
{
	char base[40];
	size_t n = strlen(t);

	*hmac96 = false;
	if (n >= sizeof(base))
		return false;
	memcpy(base, t, n + 1);
	if (n > 7 && strcmp(base + n - 7, "-hmac96") == 0) {
		*hmac96 = true;
		base[n - 7] = '\0';
		n -= 7;
	}
	if (n > 4 && strcmp(base + n - 4, "-cbc") == 0)
		base[n - 4] = '\0';
	if (strcmp(base, "3des") == 0) {
		o->encr_id = 3;
		return true;
	}
	if (strcmp(base, "null") == 0 || strcmp(base, "none") == 0) {
		o->encr_id = 11;
		return true;
	}
	o->encr_id = 12;
	if (strcmp(base, "aes128") == 0)
		o->encr_key_bits = 128;
	else if (strcmp(base, "aes192") == 0)
		o->encr_key_bits = 192;
	else if (strcmp(base, "aes256") == 0)
		o->encr_key_bits = 256;
	else if (strcmp(base, "aes") == 0)
		o->encr_key_bits = bits_from_key(12, key_len);
	return o->encr_key_bits != 0;
}

/* A strongSwan proposal "AES_CBC_256/HMAC_SHA2_256_128/PRF_.../MODP_..." */
static bool
map_proposal(const char *p, size_t key_len, struct sk_suite *o, bool *esn)
{
	char tok[48];
	const struct name_row *r;
	bool have_encr = false;
	size_t n;

	while (*p) {
		n = strcspn(p, "/");
		if (n < sizeof(tok)) {
			memcpy(tok, p, n);
			tok[n] = '\0';
			if (!have_encr && map_swan_encr(tok, key_len, o))
				have_encr = true;
			else if ((r = row_by_name(iana_integ, tok)) != NULL)
				o->integ_id = r->id;
			else if (strcmp(tok, "EXT_SEQ") == 0)
				*esn = true;
		}
		p += n;
		if (*p == '/')
			p++;
	}
	if (have_encr && o->encr_id == 11 && o->integ_id == 0)
		o->integ_id = NOCHECK(0);
	return have_encr;
}

bool
keystore_map_alg(const char *encr, const char *integ, size_t key_len,
    struct sk_suite *out, bool *esn)
{
	const struct name_row *r;
	struct sk_suite s = {0, 0, 0};
	bool hmac96 = false, ok;

	*esn = false;
	if (integ[0] == '\0' && strchr(encr, '/') != NULL)
		ok = map_proposal(encr, key_len, &s, esn);
	else if (map_ws_ikev2_encr(encr, &s))
		ok = true;
	else if ((r = row_by_name(ws_esp_encr, encr)) != NULL) {
		s.encr_id = r->id;
		s.encr_key_bits = r->id == 11 || r->id == 3 ? 0 :
		    bits_from_key(r->id, key_len);
		ok = r->id == 11 || r->id == 3 || s.encr_key_bits != 0;
	} else {
		ok = map_swan_encr(encr, key_len, &s) ||
		    map_tcpdump_encr(encr, key_len, &s, &hmac96);
	}
	if (!ok)
		return false;
	if (integ[0] != '\0') {
		if ((r = row_by_name(ws_ikev2_integ, integ)) != NULL ||
		    (r = row_by_name(ws_esp_integ, integ)) != NULL ||
		    (r = row_by_name(iana_integ, integ)) != NULL)
			s.integ_id = r->id;
		else
			return false;
	} else if (hmac96) {
		s.integ_id = NOCHECK(12);   /* tcpdump: ICV skipped */
	}
	if (sk_suite_is_aead(&s) && (s.integ_id == NOCHECK(0)))
		s.integ_id = 0;             /* Wireshark ESP "NULL" auth */
	if (!sk_suite_supported(&s))
		return false;
	*out = s;
	return true;
}

const char *
keystore_ws_ikev2_encr(const struct sk_suite *s)
{
	static char name[80];    /* one result at a time */

	return ws_ikev2_encr_name(s->encr_id, s->encr_key_bits, name,
	    sizeof(name)) ? name : NULL;
}

const char *
keystore_ws_ikev2_integ(const struct sk_suite *s)
{
	return row_by_id(ws_ikev2_integ, s->integ_id);
}

const char *
keystore_ws_esp_encr(const struct sk_suite *s)
{
	return row_by_id(ws_esp_encr, s->encr_id);
}

const char *
keystore_ws_esp_integ(const struct sk_suite *s)
{
	return row_by_id(ws_esp_integ, s->integ_id == 0 ? NOCHECK(0) :
	    s->integ_id);
}

/* --- storage ------------------------------------------------------------ */

struct keystore *
keystore_new(void)
{
	return calloc(1, sizeof(struct keystore));
}

static void
ike_entry_wipe(struct keystore_ike *e)
{
	secret_free(e->sk_ei);
	secret_free(e->sk_er);
	secret_free(e->sk_ai);
	secret_free(e->sk_ar);
	memset(e, 0, sizeof(*e));
}

void
keystore_free(struct keystore *ks)
{
	size_t i;

	if (ks == NULL)
		return;
	for (i = 0; i < ks->n_ike; i++)
		ike_entry_wipe(&ks->ike[i]);
	for (i = 0; i < ks->n_esp; i++) {
		secret_free(ks->esp[i].ekey);
		secret_free(ks->esp[i].akey);
	}
	free(ks->ike);
	free(ks->esp);
	free(ks->ike_idx);
	free(ks->esp_idx);
	free(ks);
}

size_t
keystore_ike_count(const struct keystore *ks)
{
	return ks->n_ike;
}

size_t
keystore_esp_count(const struct keystore *ks)
{
	return ks->n_esp;
}

static uint64_t
mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	x *= UINT64_C(0xc4ceb9fe1a85ec53);
	x ^= x >> 33;
	return x;
}

static uint64_t
load64(const uint8_t *p)
{
	struct rd r = rd_init(p, 8);

	return rd_be64(&r);
}

static size_t
ike_hash(const uint8_t *spi_i, const uint8_t *spi_r)
{
	return (size_t)mix64(load64(spi_i) ^ mix64(load64(spi_r)));
}

static size_t
esp_hash(uint32_t spi)
{
	return (size_t)mix64(spi);
}

/* Rebuilds an index of 2x..4x the entries it must hold. */
static enum rc
index_grow(uint32_t **idx, size_t *slots, size_t need)
{
	size_t n = 64;

	if (need * 2 <= *slots)
		return RC_OK;
	while (n < need * 4)
		n *= 2;
	free(*idx);
	*idx = calloc(n, sizeof(**idx));
	if (*idx == NULL) {
		*slots = 0;
		return RC_NOMEM;
	}
	*slots = n;
	return RC_OK;
}

static void
ike_index_put(struct keystore *ks, size_t entry)
{
	const struct keystore_ike *e = &ks->ike[entry];
	size_t mask = ks->ike_slots - 1;
	size_t h = ike_hash(e->spi_i, e->spi_r) & mask;

	while (ks->ike_idx[h] != 0)
		h = (h + 1) & mask;
	ks->ike_idx[h] = (uint32_t)entry + 1;
}

/* Makes room in the IKE index for one more bound entry. */
static enum rc
ike_index_reserve(struct keystore *ks, size_t bound_after)
{
	size_t old = ks->ike_slots, i;
	enum rc rc = index_grow(&ks->ike_idx, &ks->ike_slots, bound_after);

	if (rc != RC_OK || old == ks->ike_slots)
		return rc;
	for (i = 0; i < ks->n_ike; i++)
		if (ks->ike[i].bound)
			ike_index_put(ks, i);
	return RC_OK;
}

static void
esp_index_put(struct keystore *ks, size_t entry)
{
	size_t mask = ks->esp_slots - 1;
	size_t h = esp_hash(ks->esp[entry].spi) & mask;

	while (ks->esp_idx[h] != 0)
		h = (h + 1) & mask;
	ks->esp_idx[h] = (uint32_t)entry + 1;
}

static enum rc
esp_index_reserve(struct keystore *ks, size_t with_spi_after)
{
	size_t old = ks->esp_slots, i;
	enum rc rc = index_grow(&ks->esp_idx, &ks->esp_slots, with_spi_after);

	if (rc != RC_OK || old == ks->esp_slots)
		return rc;
	for (i = 0; i < ks->n_esp; i++)
		if (ks->esp[i].has_spi)
			esp_index_put(ks, i);
	return RC_OK;
}

static size_t
count_bound_ike(const struct keystore *ks)
{
	return ks->n_ike - ks->n_unassigned_ike;
}

static size_t
count_spi_esp(const struct keystore *ks)
{
	return ks->n_esp - ks->n_unassigned_esp - ks->n_wildcard_esp;
}

void
keystore_ike_note_verified(struct keystore *ks, const struct keystore_ike *k,
    bool from_init)
{
	size_t i;

	if (k < ks->ike || k >= ks->ike + ks->n_ike)
		return;
	i = (size_t)(k - ks->ike);
	if (from_init)
		ks->ike[i].verified_i = true;
	else
		ks->ike[i].verified_r = true;
}

const struct keystore_ike *
keystore_find_ike(const struct keystore *ks, const uint8_t spi_i[8],
    const uint8_t spi_r[8])
{
	size_t mask, h;
	const struct keystore_ike *e;

	if (ks->ike_slots == 0)
		return NULL;
	mask = ks->ike_slots - 1;
	for (h = ike_hash(spi_i, spi_r) & mask; ks->ike_idx[h] != 0;
	    h = (h + 1) & mask) {
		e = &ks->ike[ks->ike_idx[h] - 1];
		if (memcmp(e->spi_i, spi_i, 8) == 0 &&
		    memcmp(e->spi_r, spi_r, 8) == 0)
			return e;
	}
	return NULL;
}

static bool
esp_dst_matches(const struct keystore_esp *e, uint8_t family,
    const uint8_t *dst)
{
	if (e->dst_family == 0 || family == 0 || dst == NULL)
		return true;
	return e->dst_family == family &&
	    memcmp(e->dst, dst, family == 4 ? 4 : 16) == 0;
}

const struct keystore_esp *
keystore_find_esp(const struct keystore *ks, uint32_t spi, uint8_t family,
    const uint8_t *dst)
{
	const struct keystore_esp *e;
	size_t mask, h;

	if (ks->esp_slots > 0) {
		mask = ks->esp_slots - 1;
		for (h = esp_hash(spi) & mask; ks->esp_idx[h] != 0;
		    h = (h + 1) & mask) {
			e = &ks->esp[ks->esp_idx[h] - 1];
			if (e->spi == spi && esp_dst_matches(e, family, dst))
				return e;
		}
	}
	/* tcpdump's "key for any SA". */
	return ks->n_wildcard_esp > 0 ? &ks->esp[ks->first_wildcard] : NULL;
}

/* --- loading ------------------------------------------------------------ */

static void __attribute__((format(printf, 2, 3)))
skip(struct keystore_load *st, const char *fmt, ...)
{
	va_list ap;

	if (st->skipped++ > 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(st->first_skip, sizeof(st->first_skip), fmt, ap);
	va_end(ap);
}

/* A secret from key bytes; *s NULL when the key is absent. */
static enum rc
to_secret(const struct keytab_bytes *b, struct secret **s)
{
	*s = NULL;
	if (b->len == 0)
		return RC_OK;
	*s = secret_new(b->p, b->len);
	return *s ? RC_OK : RC_NOMEM;
}

/* Checks key lengths against the suite; false (and why) on a mismatch. */
static bool
ike_lengths_ok(const struct keytab_ike *r, const struct sk_suite *s,
    struct keystore_load *st)
{
	size_t el = sk_suite_encr_key_len(s), al = sk_suite_integ_key_len(s);
	char name[64];
	bool hmac = s->integ_id != 5 && s->integ_id != 8;

	if ((r->sk_ei.len && r->sk_ei.len != el) ||
	    (r->sk_er.len && r->sk_er.len != el)) {
		(void)sk_suite_name(s, name, sizeof(name));
		skip(st, "line %u: SK_e is %zu bytes, %s needs %zu", r->line,
		    r->sk_ei.len ? r->sk_ei.len : r->sk_er.len, name, el);
		return false;
	}
	if (!hmac && ((r->sk_ai.len && r->sk_ai.len != al) ||
	    (r->sk_ar.len && r->sk_ar.len != al))) {
		(void)sk_suite_name(s, name, sizeof(name));
		skip(st, "line %u: SK_a is %zu bytes, %s needs %zu", r->line,
		    r->sk_ai.len ? r->sk_ai.len : r->sk_ar.len, name, al);
		return false;
	}
	return true;
}

static enum rc
grow(void **v, size_t *cap, size_t n, size_t size)
{
	void *p;
	size_t nc;

	if (n < *cap)
		return RC_OK;
	nc = *cap ? *cap * 2 : 16;
	p = realloc(*v, nc * size);
	if (p == NULL)
		return RC_NOMEM;
	*v = p;
	*cap = nc;
	return RC_OK;
}

/*
 * keystore_map_alg() remembering its last answer: a key table names the
 * same algorithms on every row, and matching the names costs more than
 * the rest of the row.
 */
static bool
map_alg_memo(struct keystore *ks, const char *encr, const char *integ,
    size_t key_len, struct sk_suite *out, bool *esn)
{
	struct alg_memo *m = &ks->memo;

	if (m->valid && m->key_len == key_len && strcmp(m->encr, encr) == 0 &&
	    strcmp(m->integ, integ) == 0) {
		*out = m->suite;
		*esn = m->esn;
		return m->ok;
	}
	m->ok = keystore_map_alg(encr, integ, key_len, &m->suite, &m->esn);
	m->valid = strlen(encr) < sizeof(m->encr) &&
	    strlen(integ) < sizeof(m->integ);
	if (m->valid) {
		(void)snprintf(m->encr, sizeof(m->encr), "%s", encr);
		(void)snprintf(m->integ, sizeof(m->integ), "%s", integ);
		m->key_len = key_len;
	}
	*out = m->suite;
	*esn = m->esn;
	return m->ok;
}

static enum rc
add_ike(struct keystore *ks, const struct keytab_ike *r,
    struct keystore_load *st)
{
	struct keystore_ike e;
	bool esn = false;
	size_t kl = r->sk_ei.len ? r->sk_ei.len : r->sk_er.len;
	enum rc rc;

	memset(&e, 0, sizeof(e));
	e.suite_known = map_alg_memo(ks, r->encr, r->integ, kl, &e.suite,
	    &esn);
	if (!e.suite_known && (r->has_spis || r->encr[0] != '\0')) {
		skip(st, "line %u: algorithms \"%s\" / \"%s\" not supported",
		    r->line, r->encr, r->integ);
		return RC_OK;
	}
	if (e.suite_known && !ike_lengths_ok(r, &e.suite, st))
		return RC_OK;
	if (r->has_spis && keystore_find_ike(ks, r->spi_i, r->spi_r)) {
		skip(st, "line %u: SPIs already have keys", r->line);
		return RC_OK;
	}
	if (ks->n_ike + ks->n_esp >= LIMIT_KEYS)
		return RC_LIMIT;
	rc = grow((void **)&ks->ike, &ks->cap_ike, ks->n_ike, sizeof(e));
	if (rc == RC_OK && r->has_spis)
		rc = ike_index_reserve(ks, count_bound_ike(ks) + 1);
	if (rc == RC_OK)
		rc = to_secret(&r->sk_ei, &e.sk_ei);
	if (rc == RC_OK)
		rc = to_secret(&r->sk_er, &e.sk_er);
	if (rc == RC_OK)
		rc = to_secret(&r->sk_ai, &e.sk_ai);
	if (rc == RC_OK)
		rc = to_secret(&r->sk_ar, &e.sk_ar);
	if (rc != RC_OK) {
		ike_entry_wipe(&e);
		return rc;
	}
	memcpy(e.spi_i, r->spi_i, 8);
	memcpy(e.spi_r, r->spi_r, 8);
	e.bound = r->has_spis;
	e.source = r->format;
	e.line = r->line;
	ks->ike[ks->n_ike] = e;
	if (e.bound) {
		ike_index_put(ks, ks->n_ike);
		st->ike_added++;
	} else {
		ks->n_unassigned_ike++;
		st->ike_unassigned++;
	}
	ks->n_ike++;
	return RC_OK;
}

/* Destination text (IPv4/IPv6 literal) into family/bytes; "*", "" or
 * anything else means any destination. */
static void
parse_dst(const char *text, struct keystore_esp *e)
{
	e->dst_family = 0;
	if (inet_pton(AF_INET, text, e->dst) == 1)
		e->dst_family = 4;
	else if (inet_pton(AF_INET6, text, e->dst) == 1)
		e->dst_family = 6;
}

static enum rc
add_esp(struct keystore *ks, const struct keytab_esp *r,
    struct keystore_load *st)
{
	struct keystore_esp e;
	enum rc rc;

	memset(&e, 0, sizeof(e));
	e.suite_known = map_alg_memo(ks, r->encr, r->integ, r->ekey.len,
	    &e.suite, &e.esn);
	if (!e.suite_known) {
		skip(st, "line %u: ESP algorithms \"%s\" / \"%s\" not "
		    "supported", r->line, r->encr, r->integ);
		return RC_OK;
	}
	if (r->ekey.len != sk_suite_encr_key_len(&e.suite)) {
		skip(st, "line %u: ESP key is %zu bytes, suite needs %zu",
		    r->line, r->ekey.len, sk_suite_encr_key_len(&e.suite));
		return RC_OK;
	}
	if (ks->n_ike + ks->n_esp >= LIMIT_KEYS)
		return RC_LIMIT;
	e.has_spi = r->has_spi;
	e.spi = r->spi;
	e.initiator_dir = r->initiator_dir;
	e.wildcard = !r->has_spi && r->akey.len == 0 &&
	    !sk_suite_is_aead(&e.suite);
	parse_dst(r->dst, &e);
	e.source = r->format;
	e.line = r->line;
	rc = grow((void **)&ks->esp, &ks->cap_esp, ks->n_esp, sizeof(e));
	if (rc == RC_OK && e.has_spi)
		rc = esp_index_reserve(ks, count_spi_esp(ks) + 1);
	if (rc == RC_OK)
		rc = to_secret(&r->ekey, &e.ekey);
	if (rc == RC_OK)
		rc = to_secret(&r->akey, &e.akey);
	if (rc != RC_OK) {
		secret_free(e.ekey);
		secret_free(e.akey);
		return rc;
	}
	ks->esp[ks->n_esp] = e;
	if (e.has_spi) {
		esp_index_put(ks, ks->n_esp);
	} else if (e.wildcard) {
		if (ks->n_wildcard_esp++ == 0)
			ks->first_wildcard = ks->n_esp;
	} else {
		ks->n_unassigned_esp++;
	}
	ks->n_esp++;
	st->esp_added++;
	return RC_OK;
}

enum rc
keystore_add_keytab(struct keystore *ks, const struct keytab *t,
    struct keystore_load *st)
{
	enum rc rc = RC_OK;
	size_t i;

	memset(st, 0, sizeof(*st));
	for (i = 0; rc == RC_OK && i < keytab_ike_count(t); i++)
		rc = add_ike(ks, keytab_ike_at(t, i), st);
	for (i = 0; rc == RC_OK && i < keytab_esp_count(t); i++)
		rc = add_esp(ks, keytab_esp_at(t, i), st);
	return rc;
}

/* --- binding by ICV ------------------------------------------------------ */

/* Suites the key lengths allow, most likely first. */
static size_t
candidates(size_t ek, size_t ak, struct sk_suite *out, size_t max)
{
	static const uint16_t aead[] = {20, 18, 19, 16, 14, 15, 28};
	static const uint16_t plain[] = {12, 13, 3};
	uint16_t integ[4] = {0};
	size_t n = 0, i, b, j, ni = 0;
	struct sk_suite s;

	if (ak == 16) {
		integ[ni++] = 1;
		integ[ni++] = 5;
		integ[ni++] = 8;
		integ[ni++] = 6;
	} else if (ak == 20) {
		integ[ni++] = 2;
		integ[ni++] = 7;
	} else if (ak == 32 || ak == 48 || ak == 64) {
		integ[ni++] = ak == 32 ? 12 : ak == 48 ? 13 : 14;
	}
	for (j = 0; j < (ak ? ni : 1); j++) {
		for (i = 0; i < (ak ? 3u : 7u); i++) {
			for (b = 0; b < 3; b++) {
				s.encr_id = ak ? plain[i] : aead[i];
				s.encr_key_bits = s.encr_id == 3 ||
				    s.encr_id == 28 ? 0 : aes_bits[b];
				s.integ_id = ak ? integ[j] : 0;
				if (b > 0 && s.encr_key_bits == 0)
					break;
				if (sk_suite_encr_key_len(&s) == ek && n < max)
					out[n++] = s;
			}
		}
	}
	return n;
}

/* After the ICV matched for a non-AEAD suite the cipher is still a guess
 * when several fit the key length: plausible when the padding is shorter
 * than a block (what senders do). */
static bool
plausible(struct sk_ctx *c, const uint8_t *msg, size_t len, size_t off,
    uint8_t type, const struct sk_suite *s, const struct secret *ek,
    const struct secret *ak)
{
	struct sk_result res;
	struct buf tmp;
	bool ok;

	if (sk_suite_is_aead(s))
		return true;
	buf_init(&tmp, 65536);
	ok = sk_decrypt(c, msg, len, off, type, s, ek, ak, 0, &tmp, &res) ==
	    RC_OK && res.pad_len < (sk_suite_block_len(s) > 1 ?
	    sk_suite_block_len(s) : 4);
	if (tmp.data != NULL)
		explicit_bzero(tmp.data, tmp.cap);
	buf_fini(&tmp);
	return ok;
}

/* False for "ANY n-bits [No Checking]": decrypting with such a suite
 * proves nothing about the keys. */
static bool
integ_checked(const struct sk_suite *s)
{
	return (s->integ_id & 0xff00u) != SK_INTEG_NOCHECK(0);
}

static enum rc
bind_ike(struct keystore *ks, size_t i, const uint8_t *spi_i,
    const uint8_t *spi_r, const struct sk_suite *s)
{
	struct keystore_ike *e = &ks->ike[i];
	enum rc rc = ike_index_reserve(ks, count_bound_ike(ks) + 1);

	if (rc != RC_OK)
		return rc;
	memcpy(e->spi_i, spi_i, 8);
	memcpy(e->spi_r, spi_r, 8);
	e->suite = *s;
	e->suite_known = true;
	e->bound = true;
	ks->n_unassigned_ike--;
	ike_index_put(ks, i);
	return RC_OK;
}

/* Tries one unassigned set; RC_OK when bound, RC_NOKEY when not. */
static enum rc
try_one(struct keystore *ks, struct sk_ctx *c, size_t i,
    const uint8_t *msg, size_t len, size_t off, uint8_t type, bool from_i,
    const uint8_t *spis, size_t *tries)
{
	struct keystore_ike *e = &ks->ike[i];
	const struct secret *ek = from_i ? e->sk_ei : e->sk_er;
	const struct secret *ak = from_i ? e->sk_ai : e->sk_ar;
	struct sk_suite cand[64];
	size_t n, k, first = SIZE_MAX;

	if (ek == NULL)
		return RC_NOKEY;
	if (e->suite_known) {
		cand[0] = e->suite;
		n = 1;
	} else {
		n = candidates(secret_len(ek), ak ? secret_len(ak) : 0, cand,
		    64);
	}
	for (k = 0; k < n && *tries < LIMIT_UNASSIGNED_TRIES; k++) {
		++*tries;
		if (sk_check(c, msg, len, off, type, &cand[k], ek, ak) != RC_OK)
			continue;
		if (first == SIZE_MAX)
			first = k;
		if (plausible(c, msg, len, off, type, &cand[k], ek, ak))
			return bind_ike(ks, i, spis, spis + 8, &cand[k]);
	}
	if (first != SIZE_MAX)
		return bind_ike(ks, i, spis, spis + 8, &cand[first]);
	return RC_NOKEY;
}

enum rc
keystore_try_unassigned(struct keystore *ks, struct sk_ctx *c,
    const uint8_t *msg, size_t len, size_t sk_off, uint8_t sk_type,
    bool from_initiator, const struct keystore_ike **out)
{
	struct rd r = rd_init(msg, len);
	uint8_t spis[16];   /* IKE header: SPIi | SPIr (RFC 7296 3.1) */
	size_t i, tries = 0;
	enum rc rc;

	*out = NULL;
	if (len < IKE_HDR_LEN || !rd_copy(&r, spis, sizeof(spis)))
		return RC_SHORT;
	for (i = 0; i < ks->n_ike && ks->n_unassigned_ike > 0; i++) {
		if (ks->ike[i].bound)
			continue;
		rc = try_one(ks, c, i, msg, len, sk_off, sk_type,
		    from_initiator, spis, &tries);
		if (rc == RC_OK) {
			*out = &ks->ike[i];
			return RC_OK;
		}
		if (rc != RC_NOKEY)
			return rc;
		if (tries >= LIMIT_UNASSIGNED_TRIES)
			break;
	}
	return RC_NOKEY;
}

enum rc
keystore_try_unassigned_esp(struct keystore *ks, struct sk_ctx *c,
    const uint8_t *pkt, size_t len, const struct keystore_esp **out)
{
	struct rd r = rd_init(pkt, len);
	uint32_t spi = rd_be32(&r);
	size_t i, tries = 0;
	struct keystore_esp *e;
	enum rc rc;

	*out = NULL;
	if (!rd_ok(&r))
		return RC_SHORT;
	for (i = 0; i < ks->n_esp && ks->n_unassigned_esp > 0 &&
	    tries < LIMIT_UNASSIGNED_TRIES; i++) {
		e = &ks->esp[i];
		if (e->has_spi || e->wildcard)
			continue;
		tries++;
		if (esp_check(c, pkt, len, &e->suite, e->ekey, e->akey,
		    e->esn ? ESP_ESN : 0, 0) != RC_OK)
			continue;
		rc = esp_index_reserve(ks, count_spi_esp(ks) + 1);
		if (rc != RC_OK)
			return rc;
		e->has_spi = true;
		e->spi = spi;
		ks->n_unassigned_esp--;
		esp_index_put(ks, i);
		*out = e;
		return RC_OK;
	}
	return RC_NOKEY;
}

/* --- export ------------------------------------------------------------ */

static void
view(struct keytab_bytes *b, const struct secret *s)
{
	b->p = s ? (uint8_t *)(uintptr_t)secret_data(s) : NULL;
	b->len = s ? secret_len(s) : 0;
}

static enum rc
export_ike(const struct keystore_ike *e, struct keytab *t, size_t *skipped)
{
	const char *en = keystore_ws_ikev2_encr(&e->suite);
	struct keytab_ike r;

	memset(&r, 0, sizeof(r));
	if (en == NULL || keystore_ws_ikev2_integ(&e->suite) == NULL) {
		++*skipped;
		return RC_OK;
	}
	r.format = KEYTAB_WS_IKEV2;
	r.has_spis = true;
	r.sides = KEYTAB_SIDE_I | KEYTAB_SIDE_R;
	memcpy(r.spi_i, e->spi_i, 8);
	memcpy(r.spi_r, e->spi_r, 8);
	(void)snprintf(r.encr, sizeof(r.encr), "%s", en);
	(void)snprintf(r.integ, sizeof(r.integ), "%s",
	    keystore_ws_ikev2_integ(&e->suite));
	view(&r.sk_ei, e->sk_ei);
	view(&r.sk_er, e->sk_er);
	view(&r.sk_ai, e->sk_ai);
	view(&r.sk_ar, e->sk_ar);
	return keytab_add_ike(t, &r);
}

static enum rc
export_esp(const struct keystore_esp *e, struct keytab *t, size_t *skipped)
{
	struct keytab_esp r;

	memset(&r, 0, sizeof(r));
	if (keystore_ws_esp_encr(&e->suite) == NULL ||
	    keystore_ws_esp_integ(&e->suite) == NULL) {
		++*skipped;
		return RC_OK;
	}
	r.format = KEYTAB_WS_ESP;
	r.has_spi = true;
	r.spi = e->spi;
	/* Wireshark (4.0) takes only IPv4 or IPv6 here: the family of the
	 * destination given, else of the packet that verified the keys */
	(void)snprintf(r.proto, sizeof(r.proto), "%s", e->dst_family == 6 ||
	    (e->dst_family == 0 && e->seen_family == 6) ? "IPv6" : "IPv4");
	(void)snprintf(r.src, sizeof(r.src), "*");
	if (e->dst_family == 0 || inet_ntop(e->dst_family == 4 ? AF_INET :
	    AF_INET6, e->dst, r.dst, sizeof(r.dst)) == NULL)
		(void)snprintf(r.dst, sizeof(r.dst), "*");
	(void)snprintf(r.encr, sizeof(r.encr), "%s",
	    keystore_ws_esp_encr(&e->suite));
	(void)snprintf(r.integ, sizeof(r.integ), "%s",
	    keystore_ws_esp_integ(&e->suite));
	view(&r.ekey, e->ekey);
	view(&r.akey, e->akey);
	return keytab_add_esp(t, &r);
}

enum rc
keystore_export_verified_ike(const struct keystore *ks, struct keytab *t,
    size_t *n, size_t *skipped)
{
	size_t before = keytab_ike_count(t), i;
	enum rc rc = RC_OK;

	*skipped = 0;
	for (i = 0; rc == RC_OK && i < ks->n_ike; i++) {
		const struct keystore_ike *e = &ks->ike[i];

		/* not verified: from a table with SPIs but never checked
		 * on these captures, or "no checking" integrity */
		if (e->bound && e->suite_known && (e->verified_i ||
		    e->verified_r) && integ_checked(&e->suite))
			rc = export_ike(e, t, skipped);
	}
	*n = keytab_ike_count(t) - before;
	return rc;
}

void
keystore_esp_note_verified(struct keystore *ks, const struct keystore_esp *k,
    uint8_t family)
{
	struct keystore_esp *e;

	if (k < ks->esp || k >= ks->esp + ks->n_esp)
		return;
	e = &ks->esp[k - ks->esp];
	e->verified = true;
	if (e->seen_family == 0)
		e->seen_family = family;
}

enum rc
keystore_export_verified_esp(const struct keystore *ks, struct keytab *t,
    size_t *n, size_t *skipped)
{
	size_t before = keytab_esp_count(t), i;
	enum rc rc = RC_OK;

	*skipped = 0;
	for (i = 0; rc == RC_OK && i < ks->n_esp; i++) {
		const struct keystore_esp *e = &ks->esp[i];

		/* a wildcard key has no SPI to file it under in Wireshark,
		 * and "no checking" integrity proves nothing */
		if (e->has_spi && e->suite_known && e->verified &&
		    integ_checked(&e->suite))
			rc = export_esp(e, t, skipped);
	}
	*n = keytab_esp_count(t) - before;
	return rc;
}

enum rc
keystore_export(const struct keystore *ks, struct keytab *t,
    size_t *skipped)
{
	enum rc rc = RC_OK;
	size_t i;

	*skipped = 0;
	for (i = 0; rc == RC_OK && i < ks->n_ike; i++)
		if (ks->ike[i].bound && ks->ike[i].suite_known)
			rc = export_ike(&ks->ike[i], t, skipped);
	for (i = 0; rc == RC_OK && i < ks->n_esp; i++)
		if (ks->esp[i].has_spi)
			rc = export_esp(&ks->esp[i], t, skipped);
	return rc;
}
