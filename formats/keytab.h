/*
 * Text key tables: the files people already have that hold IKEv2 and ESP
 * keys, parsed into generic records (algorithm names as written, key and
 * SPI bytes). Knows the file formats only; analyze/keystore.c maps the
 * algorithm strings to IANA ids.
 *
 *   KEYTAB_WS_IKEV2   Wireshark UAT "ikev2_decryption_table" (CSV:
 *                     SPIi,SPIr,SK_ei,SK_er,"encr",SK_ai,SK_ar,"integ")
 *   KEYTAB_WS_ESP     Wireshark UAT "esp_sa" ("proto","src","dst","SPI",
 *                     "encr","key","auth","key", further columns ignored)
 *   KEYTAB_TCPDUMP    tcpdump -E secrets: "ikev2 I|R 0xSPIi 0xSPIr
 *                     alg:0xkey alg:0xkey" and "[0xSPI@addr] alg:0xkey"
 *   KEYTAB_SWAN_TSV   tab-separated table with a header row naming the
 *                     columns spi_i spi_r sk_ei sk_er wireshark_enc_alg
 *                     sk_ai sk_ar wireshark_integ_alg (and pcap as a
 *                     label), as in the corpus openswan/keys/KEYS.tsv
 *   KEYTAB_CHARON     strongSwan charon log at ike/chd level 4: "Sk_ei
 *                     secret => N bytes @ 0x..." followed by hex dump
 *                     lines ("   0: 4E A8 ...  ascii"); records have no
 *                     SPIs (bound later by ICV) and take the algorithm
 *                     from the last "selected proposal:" line
 *
 * Key bytes are held in keytab-owned memory that is wiped when the table
 * is freed; callers copy them into struct secret. Errors name the file,
 * line and column; rows parsed before an error stay in the table.
 */
#ifndef WFPDIAG_FORMATS_KEYTAB_H
#define WFPDIAG_FORMATS_KEYTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formats/buf.h"
#include "formats/rc.h"

enum keytab_format {
	KEYTAB_AUTO,      /* keytab_detect() picks one */
	KEYTAB_WS_IKEV2,
	KEYTAB_WS_ESP,
	KEYTAB_TCPDUMP,
	KEYTAB_SWAN_TSV,
	KEYTAB_CHARON,
};

#define KEYTAB_ALG_MAX 96   /* algorithm text kept (longer is an error) */
#define KEYTAB_ADDR_MAX 64  /* address text kept */

struct keytab_bytes {
	uint8_t *p;             /* owned, wiped on free; NULL when len 0 */
	size_t len;
};

/* Which directions a tcpdump "ikev2 I|R" pair supplied. */
#define KEYTAB_SIDE_I 0x1u  /* sk_ei / sk_ai (initiator -> responder) */
#define KEYTAB_SIDE_R 0x2u  /* sk_er / sk_ar */

struct keytab_ike {
	enum keytab_format format;
	unsigned line;                /* first source line of the record */
	bool has_spis;                /* false: charon log (bind by ICV) */
	uint8_t spi_i[8], spi_r[8];   /* wire order */
	unsigned sides;               /* KEYTAB_SIDE_*: keys present */
	char encr[KEYTAB_ALG_MAX];    /* as written ("AES-CBC-256 [RFC3602]",
	                                 "aes128", or a charon proposal
	                                 "AES_CBC_256/HMAC_SHA2_256_128/...") */
	char integ[KEYTAB_ALG_MAX];   /* as written; "" when encr says all */
	char label[KEYTAB_ALG_MAX];   /* TSV "pcap" column; "" otherwise */
	struct keytab_bytes sk_ei, sk_er, sk_ai, sk_ar;
};

struct keytab_esp {
	enum keytab_format format;
	unsigned line;
	bool has_spi;                 /* false: any SA / bind by ICV */
	uint32_t spi;                 /* host order */
	char proto[8];                /* "IPv4", "IPv6", "*" or "" */
	char src[KEYTAB_ADDR_MAX];    /* "" or "*": any */
	char dst[KEYTAB_ADDR_MAX];
	char encr[KEYTAB_ALG_MAX];
	char integ[KEYTAB_ALG_MAX];   /* "" when encr names it (tcpdump) */
	struct keytab_bytes ekey, akey;
	bool initiator_dir;           /* charon: key for initiator->responder
	                                 (the "initiator key" lines) */
};

struct keytab;

struct keytab *keytab_new(void);
/* Wipes every key and frees; NULL is a no-op. */
void keytab_free(struct keytab *t);

/* Guesses the format from the text; KEYTAB_AUTO when unsure. */
enum keytab_format keytab_detect(const uint8_t *text, size_t len);

/*
 * Parses text (borrowed; name is used in messages) and appends its
 * records. fmt KEYTAB_AUTO detects. Returns RC_OK, RC_FORMAT (unknown
 * format), RC_MALFORMED (errmsg says "name:line:col: ..."; rows before
 * the error are kept), RC_LIMIT (LIMIT_KEYTAB_ROWS, LIMIT_TEXT_LINE,
 * LIMIT_KEY_BYTES) or RC_NOMEM.
 */
enum rc keytab_parse(struct keytab *t, enum keytab_format fmt,
    const char *name, const uint8_t *text, size_t len) MUST_CHECK;
/* Reads a file and parses it as above (RC_IO when it cannot be read). */
enum rc keytab_load(struct keytab *t, enum keytab_format fmt,
    const char *path) MUST_CHECK;
/* Last error message; "" when none. */
const char *keytab_errmsg(const struct keytab *t);

size_t keytab_ike_count(const struct keytab *t);
const struct keytab_ike *keytab_ike_at(const struct keytab *t, size_t i);
size_t keytab_esp_count(const struct keytab *t);
const struct keytab_esp *keytab_esp_at(const struct keytab *t, size_t i);

/*
 * Adds a record (copies r and its key bytes); used by code that builds a
 * table to write (capture). RC_LIMIT, RC_NOMEM, RC_INVAL (text too long).
 */
enum rc keytab_add_ike(struct keytab *t, const struct keytab_ike *r)
    MUST_CHECK;
enum rc keytab_add_esp(struct keytab *t, const struct keytab_esp *r)
    MUST_CHECK;

/*
 * Writes Wireshark's UAT files: ikev2_decryption_table (IKE records with
 * SPIs; others skipped) and esp_sa (records with an SPI). Algorithm
 * strings are written as held: give Wireshark's display strings
 * (analyze/keystore.c has the mapping). Appends to out. The output holds
 * keys: it is for the capture archive only, never for reports.
 */
enum rc keytab_write_ws_ikev2(const struct keytab *t, struct buf *out)
    MUST_CHECK;
enum rc keytab_write_ws_esp(const struct keytab *t, struct buf *out)
    MUST_CHECK;

#endif
