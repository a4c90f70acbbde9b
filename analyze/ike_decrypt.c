/*
 * Decryption in the analyzer's path (see ike_decrypt.h). RFC 7296 3.14:
 * the sender's SK_e/SK_a protect a message, so a message from the
 * original initiator uses SK_ei/SK_ai. RFC 7383 2.5: SKF fragments are
 * decrypted one by one and their plaintexts joined in order before the
 * inner payloads are decoded.
 */
#include "analyze/ike_decrypt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/keystore.h"
#include "analyze/sk_crypto.h"
#include "formats/buf.h"
#include "formats/keytab.h"
#include "formats/limits.h"

/*
 * Sides already verified, by SPI pair: lets an empty liveness message be
 * recognised without the key-table lookup, which on a gateway capture is
 * a cache miss per message. Direct-mapped; a slot taken by another SA
 * just sends the message through the full path.
 */
#define VERIFIED_SLOTS 16384u

struct verified_slot {
	uint8_t spi_i[8], spi_r[8];
	bool side_i, side_r;
};

struct ike_decrypt {
	struct verified_slot *vs;       /* VERIFIED_SLOTS entries */
	struct keystore *ks;
	struct sk_ctx *ctx;
	struct skf_reasm *skf;
	struct buf plain;      /* plaintext of the current message */
	struct buf frag;       /* one fragment's plaintext */
	struct ike_decrypt_stats st;
	bool verify_all;
	char err[256];
};

struct ike_decrypt *
ike_decrypt_new(void)
{
	struct ike_decrypt *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	d->ks = keystore_new();
	d->ctx = sk_ctx_new();
	d->skf = skf_reasm_new();
	d->vs = calloc(VERIFIED_SLOTS, sizeof(*d->vs));
	buf_init(&d->plain, LIMIT_SKF_BYTES);
	buf_init(&d->frag, LIMIT_SKF_BYTES);
	if (d->ks == NULL || d->ctx == NULL || d->skf == NULL ||
	    d->vs == NULL) {
		ike_decrypt_free(d);
		return NULL;
	}
	return d;
}

void
ike_decrypt_free(struct ike_decrypt *d)
{
	if (d == NULL)
		return;
	keystore_free(d->ks);
	free(d->vs);
	sk_ctx_free(d->ctx);
	skf_reasm_free(d->skf);
	/* Plaintext may hold identities and keys of child SAs: wipe. */
	if (d->plain.data)
		explicit_bzero(d->plain.data, d->plain.cap);
	if (d->frag.data)
		explicit_bzero(d->frag.data, d->frag.cap);
	buf_fini(&d->plain);
	buf_fini(&d->frag);
	free(d);
}

enum rc
ike_decrypt_add_keys(struct ike_decrypt *d, const char *name,
    const uint8_t *text, size_t len, char *err, size_t errlen)
{
	struct keytab *t = keytab_new();
	struct keystore_load st;
	enum keytab_format fmt;
	enum rc rc, rc2;

	if (t == NULL)
		return RC_NOMEM;
	fmt = keytab_detect(text, len);
	if (fmt == KEYTAB_AUTO) {
		snprintf(err, errlen, "%s: not a key table this tool reads "
		    "(Wireshark ikev2_decryption_table/esp_sa, tcpdump -E, "
		    "strongSwan log)", name);
		keytab_free(t);
		return RC_FORMAT;
	}
	rc = keytab_parse(t, fmt, name, text, len);
	if (rc != RC_OK)
		snprintf(err, errlen, "%s", keytab_errmsg(t));
	memset(&st, 0, sizeof(st));
	rc2 = keystore_add_keytab(d->ks, t, &st);
	d->st.keys_ike += st.ike_added + st.ike_unassigned;
	d->st.keys_esp += st.esp_added;
	d->st.keys_skipped += st.skipped;
	if (rc == RC_OK && rc2 != RC_OK) {
		snprintf(err, errlen, "%s: keys not stored: %s", name,
		    rc_str(rc2));
		rc = rc2;
	}
	keytab_free(t);
	return rc;
}

bool
ike_decrypt_has_keys(const struct ike_decrypt *d)
{
	return keystore_ike_count(d->ks) > 0 || keystore_esp_count(d->ks) > 0;
}

void
ike_decrypt_set_verify_all(struct ike_decrypt *d, bool verify_all)
{
	d->verify_all = verify_all;
}

/*
 * An empty INFORMATIONAL (RFC 7296 1.4: a liveness check or its answer)
 * that may go undecrypted once its side verified: the SK payload's Next
 * Payload (its generic header's first byte, in the clear) is NONE.
 */
static bool
empty_liveness(const struct ike_decrypt *d, const uint8_t *bytes,
    size_t len, const struct ikev2_msg *msg)
{
	struct rd r = rd_init(bytes, len);

	if (d->verify_all || msg->is_skf ||
	    msg->hdr.exchange != IKEV2_EXCH_INFORMATIONAL)
		return false;
	rd_skip(&r, msg->sk_offset);
	return rd_u8(&r) == IKEV2_PT_NONE && rd_ok(&r);
}

static struct verified_slot *
verified_slot(struct ike_decrypt *d, const struct ikev2_msg *msg)
{
	uint64_t h = 0;
	int i;

	for (i = 0; i < 8; i++)
		h = (h ^ msg->hdr.spi_i[i] ^ (uint64_t)msg->hdr.spi_r[i] << 8) *
		    0x100000001b3ULL;
	return &d->vs[(h >> 17) % VERIFIED_SLOTS];
}

static void
note_side_verified(struct ike_decrypt *d, const struct ikev2_msg *msg,
    bool from_init)
{
	struct verified_slot *v = verified_slot(d, msg);

	if (memcmp(v->spi_i, msg->hdr.spi_i, 8) != 0 ||
	    memcmp(v->spi_r, msg->hdr.spi_r, 8) != 0) {
		memcpy(v->spi_i, msg->hdr.spi_i, 8);
		memcpy(v->spi_r, msg->hdr.spi_r, 8);
		v->side_i = v->side_r = false;
	}
	if (from_init)
		v->side_i = true;
	else
		v->side_r = true;
}

/* The memo says this side of this SA verified (no key-table lookup). */
static bool
side_verified(struct ike_decrypt *d, const struct ikev2_msg *msg,
    bool from_init)
{
	const struct verified_slot *v = verified_slot(d, msg);

	return memcmp(v->spi_i, msg->hdr.spi_i, 8) == 0 &&
	    memcmp(v->spi_r, msg->hdr.spi_r, 8) == 0 &&
	    (from_init ? v->side_i : v->side_r);
}

static const struct keystore_ike *
find_keys(struct ike_decrypt *d, const uint8_t *bytes, size_t len,
    const struct ikev2_msg *msg, bool from_init)
{
	const struct keystore_ike *k = keystore_find_ike(d->ks,
	    msg->hdr.spi_i, msg->hdr.spi_r);

	if (k == NULL && keystore_try_unassigned(d->ks, d->ctx, bytes, len,
	    msg->sk_offset, msg->is_skf ? IKEV2_PT_SKF : IKEV2_PT_SK,
	    from_init, &k) != RC_OK)
		k = NULL;
	return k;
}

static enum ike_dec
status_of(struct ike_decrypt *d, enum rc rc)
{
	switch (rc) {
	case RC_OK:
		d->st.ok++;
		return IKE_DEC_OK;
	case RC_AUTH:
		d->st.auth_failed++;
		snprintf(d->err, sizeof(d->err), "%s", sk_ctx_errmsg(d->ctx));
		return IKE_DEC_AUTH;
	case RC_NOKEY:
		d->st.nokey++;
		return IKE_DEC_NOKEY;
	default:
		d->st.bad++;
		snprintf(d->err, sizeof(d->err), "%s", sk_ctx_errmsg(d->ctx));
		return IKE_DEC_BAD;
	}
}

/* SKF: decrypt this fragment; decode once all fragments are in. */
static enum ike_dec
decrypt_fragment(struct ike_decrypt *d, const struct ikev2_msg *m,
    const struct sk_result *res, struct ikev2_msg *msg, bool from_init)
{
	struct skf_key key;
	uint8_t first = 0;
	bool complete = false;
	enum rc rc;

	memcpy(key.spi_i, m->hdr.spi_i, 8);
	memcpy(key.spi_r, m->hdr.spi_r, 8);
	key.msgid = m->hdr.msg_id;
	key.from_initiator = from_init;
	buf_reset(&d->plain);
	rc = skf_reasm_add(d->skf, &key, res, d->frag.data, d->frag.len,
	    &d->plain, &first, &complete);
	if (rc != RC_OK)
		return status_of(d, rc);
	if (!complete) {
		d->st.fragments++;
		return IKE_DEC_FRAGMENT;
	}
	d->st.ok++;
	/* Decrypted: inner problems are the message's (msg->err), not the
	 * decryption's. */
	(void)!ikev2_decode_inner(msg, d->plain.data, d->plain.len, first);
	return IKE_DEC_OK;
}

enum ike_dec
ike_decrypt_msg(struct ike_decrypt *d, const uint8_t *bytes, size_t len,
    struct ikev2_msg *msg)
{
	bool from_init = (msg->hdr.flags & IKEV2_FLAG_INITIATOR) != 0;
	const struct keystore_ike *k;
	struct sk_result res;
	bool empty;
	struct buf *out;
	enum rc rc;

	if (!msg->has_sk)
		return IKE_DEC_CLEAR;
	empty = empty_liveness(d, bytes, len, msg);
	if (empty && side_verified(d, msg, from_init)) {
		d->st.empty_skipped++;
		return IKE_DEC_EMPTY;
	}
	k = find_keys(d, bytes, len, msg, from_init);
	if (k == NULL) {
		d->st.nokey++;
		return IKE_DEC_NOKEY;
	}
	/* the memo's slot may have been taken by another SA since */
	if (empty && (from_init ? k->verified_i : k->verified_r)) {
		d->st.empty_skipped++;
		return IKE_DEC_EMPTY;
	}
	out = msg->is_skf ? &d->frag : &d->plain;
	buf_reset(out);
	rc = sk_decrypt(d->ctx, bytes, len, msg->sk_offset, msg->is_skf ?
	    IKEV2_PT_SKF : IKEV2_PT_SK, &k->suite, from_init ? k->sk_ei :
	    k->sk_er, from_init ? k->sk_ai : k->sk_ar, 0, out, &res);
	if (rc != RC_OK)
		return status_of(d, rc);
	keystore_ike_note_verified(d->ks, k, from_init);
	note_side_verified(d, msg, from_init);
	if (msg->is_skf)
		return decrypt_fragment(d, msg, &res, msg, from_init);
	d->st.ok++;
	/* Decrypted: inner problems are the message's (msg->err), not the
	 * decryption's. */
	(void)!ikev2_decode_inner(msg, d->plain.data, d->plain.len,
	    res.next_payload);
	return IKE_DEC_OK;
}

enum ike_dec
ike_decrypt_esp(struct ike_decrypt *d, const uint8_t *pkt, size_t len,
    uint8_t family, const uint8_t *dst, uint8_t *next_header)
{
	const struct keystore_esp *k;
	struct esp_result res;
	uint32_t spi;
	enum rc rc;

	if (keystore_esp_count(d->ks) == 0) {
		d->st.esp_nokey++; /* IKE keys only: nothing to try */
		return IKE_DEC_NOKEY;
	}
	if (len < 8)
		return IKE_DEC_BAD;
	spi = (uint32_t)pkt[0] << 24 | (uint32_t)pkt[1] << 16 |
	    (uint32_t)pkt[2] << 8 | pkt[3];
	k = keystore_find_esp(d->ks, spi, family, dst);
	if (k == NULL && keystore_try_unassigned_esp(d->ks, d->ctx, pkt, len,
	    &k) != RC_OK)
		k = NULL;
	if (k == NULL) {
		d->st.esp_nokey++;
		return IKE_DEC_NOKEY;
	}
	d->st.esp_checked++;
	rc = esp_decrypt(d->ctx, pkt, len, &k->suite, k->ekey, k->akey,
	    k->esn ? ESP_ESN : 0, 0, NULL, &res);
	if (rc == RC_AUTH) {
		d->st.esp_icv_bad++;
		return IKE_DEC_AUTH;
	}
	if (rc != RC_OK)
		return IKE_DEC_BAD;
	keystore_esp_note_verified(d->ks, k, family);
	*next_header = res.next_header;
	return IKE_DEC_OK;
}

/* Bytes keytab_write_ws_ikev2() writes for t (names need no escapes:
 * they come from keystore's Wireshark tables). */
static size_t
ws_ikev2_size(const struct keytab *t)
{
	const struct keytab_ike *r;
	size_t i, n = 128;      /* the comment line */

	for (i = 0; i < keytab_ike_count(t); i++) {
		r = keytab_ike_at(t, i);
		n += 2 * 16 + 2 * (r->sk_ei.len + r->sk_er.len + r->sk_ai.len +
		    r->sk_ar.len) + strlen(r->encr) + strlen(r->integ) + 16;
	}
	return n;
}

enum rc
ike_decrypt_export_ike(const struct ike_decrypt *d, struct buf *out,
    size_t *n, size_t *skipped)
{
	struct keytab *t = keytab_new();
	enum rc rc;

	*n = *skipped = 0;
	if (t == NULL)
		return RC_NOMEM;
	rc = keystore_export_verified_ike(d->ks, t, n, skipped);
	/* one allocation up front: a realloc would leave key text behind
	 * in freed memory */
	if (rc == RC_OK)
		rc = buf_reserve(out, ws_ikev2_size(t));
	if (rc == RC_OK)
		rc = keytab_write_ws_ikev2(t, out);
	keytab_free(t);
	return rc;
}

/* Bytes keytab_write_ws_esp() writes for t (a bound, not a guess). */
static size_t
ws_esp_size(const struct keytab *t)
{
	const struct keytab_esp *r;
	size_t i, n = 128;      /* the comment line */

	for (i = 0; i < keytab_esp_count(t); i++) {
		r = keytab_esp_at(t, i);
		n += strlen(r->proto) + strlen(r->src) + strlen(r->dst) +
		    strlen(r->encr) + strlen(r->integ) + 2 * (r->ekey.len +
		    r->akey.len) + 48;
	}
	return n;
}

enum rc
ike_decrypt_export_esp(const struct ike_decrypt *d, struct buf *out,
    size_t *n, size_t *skipped)
{
	struct keytab *t = keytab_new();
	enum rc rc;

	*n = *skipped = 0;
	if (t == NULL)
		return RC_NOMEM;
	rc = keystore_export_verified_esp(d->ks, t, n, skipped);
	/* one allocation up front, as for IKE */
	if (rc == RC_OK)
		rc = buf_reserve(out, ws_esp_size(t));
	if (rc == RC_OK)
		rc = keytab_write_ws_esp(t, out);
	keytab_free(t);
	return rc;
}

const struct ike_decrypt_stats *
ike_decrypt_stats(const struct ike_decrypt *d)
{
	return &d->st;
}

const char *
ike_decrypt_errmsg(const struct ike_decrypt *d)
{
	return d->err;
}
