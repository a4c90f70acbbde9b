/*
 * --export-keys and capture stop: the IKE SA keys the analysis verified,
 * written as Wireshark's ikev2_decryption_table UAT (packet-isakmp.c's
 * "IKEv2 Decryption Table": SPIi,SPIr,SK_ei,SK_er,"encr",SK_ai,SK_ar,
 * "integ") so the same capture opens decrypted in Wireshark. Only key
 * sets that verified an ICV or AEAD tag on a captured message are written
 * (ike_decrypt_export_ike()); the file is created mode 0600 and replaced
 * atomically, and the key text is wiped from memory once written.
 */
#include "analyze/analyzer_priv.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "analyze/ike_decrypt.h"
#include "formats/atomic_file.h"
#include "formats/buf.h"
#include "formats/limits.h"

/* Key text cap: LIMIT_KEYS rows of four LIMIT_KEY_BYTES keys is far more
 * than any capture binds; 64 MiB bounds a pathological one. */
#define KEYS_OUT_MAX (64u << 20)

static enum rc
write_file(struct analyzer *an, const char *path, const struct buf *b)
{
	struct atomic_file *af = NULL;
	enum rc rc = atomic_file_open(&af, path);

	if (rc != RC_OK) {
		snprintf(an->err, sizeof(an->err), "%s: cannot create: %s",
		    path, strerror(errno));
		return rc;
	}
	rc = atomic_file_write(af, b->data, b->len);
	if (rc != RC_OK) {
		snprintf(an->err, sizeof(an->err), "%s: cannot write: %s",
		    path, strerror(errno));
		atomic_file_abort(af);
		return rc;
	}
	rc = atomic_file_commit(af);
	if (rc != RC_OK)
		snprintf(an->err, sizeof(an->err), "%s: cannot write: %s",
		    path, strerror(errno));
	return rc;
}

enum rc
analyzer_export_ike_keys(struct analyzer *an, const char *path, size_t *n,
    size_t *skipped)
{
	struct buf b;
	enum rc rc;

	an->err[0] = '\0';
	buf_init(&b, KEYS_OUT_MAX);
	rc = ike_decrypt_export_ike(an->dec, &b, n, skipped);
	if (rc != RC_OK)
		snprintf(an->err, sizeof(an->err), "%s: keys not exported: %s",
		    path, rc_str(rc));
	else
		rc = write_file(an, path, &b);
	if (b.data != NULL)
		explicit_bzero(b.data, b.cap);
	buf_fini(&b);
	return rc;
}
