/*
 * Names for IKE Vendor ID payload contents (RFC 7296 3.12, RFC 2408
 * 3.16): which implementation or capability a peer announces. The table
 * is analyze/vendor_id.def. Lookups are by exact match, then by the
 * longest matching prefix (strongSwan, libreswan, Microsoft and others
 * append versions or flags to a fixed prefix).
 */
#ifndef WFPDIAG_ANALYZE_VENDOR_ID_H
#define WFPDIAG_ANALYZE_VENDOR_ID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Name of the Vendor ID vid[0..len) ("strongSwan", "RFC 3947 NAT-T",
 * "MS NT5 ISAKMPOAKLEY v9 (Windows 8 and later)"), or NULL when unknown
 * (also for vid == NULL or len == 0). vid is borrowed.
 */
const char *vendor_id_name(const uint8_t *vid, size_t len);
/*
 * One-line description for reports: the name plus what follows a prefix
 * match (" 4.12" when printable, " +c0000000" in hex otherwise), or for
 * an unknown VID "unknown" followed by its first 32 bytes in hex ("..."
 * when longer). Returns the length the full text needs (snprintf
 * semantics); dst is NUL-terminated when size > 0.
 */
size_t vendor_id_text(const uint8_t *vid, size_t len, char *dst, size_t size);

/* One table row, for tests and listings. */
struct vendor_id_row {
	const char *name;
	const char *hex;     /* lower-case hex of the bytes */
	size_t len;	     /* bytes (strlen(hex) / 2) */
	bool prefix;	     /* matched as a prefix */
	const char *md5_src; /* "" unless the first md5_len bytes are MD5 */
	unsigned md5_len;    /* of md5_src */
};

/* Number of rows in vendor_id.def. */
size_t vendor_id_count(void);
/* Row i (ascending byte order); NULL past the end. */
const struct vendor_id_row *vendor_id_row(size_t i);

#endif
