/*
 * --export-keys and capture stop: the IKE SA keys the analysis verified,
 * written as Wireshark's ikev2_decryption_table UAT (packet-isakmp.c's
 * "IKEv2 Decryption Table": SPIi,SPIr,SK_ei,SK_er,"encr",SK_ai,SK_ar,
 * "integ") so the same capture opens decrypted in Wireshark; and
 * --export-esp-keys: the ESP SA keys that verified a packet, as its
 * esp_sa UAT (packet-esp.c: protocol, source, destination, SPI,
 * encryption, key, authentication, key). Only key
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

typedef enum rc (*export_fn)(const struct ike_decrypt *, struct buf *,
    size_t *, size_t *);

/* Writes what fn exports to path; the key text is wiped from memory. */
static enum rc
export_to(struct analyzer *an, const char *path, export_fn fn, size_t *n,
    size_t *skipped)
{
	struct buf b;
	enum rc rc;

	an->err[0] = '\0';
	buf_init(&b, KEYS_OUT_MAX);
	rc = fn(an->dec, &b, n, skipped);
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

enum rc
analyzer_export_ike_keys(struct analyzer *an, const char *path, size_t *n,
    size_t *skipped)
{
	return export_to(an, path, ike_decrypt_export_ike, n, skipped);
}

enum rc
analyzer_export_esp_keys(struct analyzer *an, const char *path, size_t *n,
    size_t *skipped)
{
	return export_to(an, path, ike_decrypt_export_esp, n, skipped);
}
