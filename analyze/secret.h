/*
 * Key material holder (STYLE.md 7): SK_e/SK_a keys, ESP keys and any other
 * secret bytes live only in a struct secret. The bytes are owned, never
 * printed by wfpdiag, and wiped with explicit_bzero() when released.
 *
 * Each secret has a process-unique serial number so that crypto handles
 * can tell "same key as last time" (and skip the key schedule) without
 * comparing pointers that may have been reused after a free.
 */
#ifndef WFPDIAG_ANALYZE_SECRET_H
#define WFPDIAG_ANALYZE_SECRET_H

#include <stddef.h>
#include <stdint.h>

struct secret;

/* Copies len bytes from p (len may be 0: an empty key). NULL when out of
 * memory or p is NULL with len > 0. */
struct secret *secret_new(const uint8_t *p, size_t len);
/* Wipes and frees; NULL is a no-op. */
void secret_free(struct secret *s);
/* A copy with its own serial; NULL on failure or when s is NULL. */
struct secret *secret_dup(const struct secret *s);

/* View of the key bytes (valid until secret_free); never print them. */
const uint8_t *secret_data(const struct secret *s);
size_t secret_len(const struct secret *s);
/* Process-unique, never 0. */
uint64_t secret_serial(const struct secret *s);
/* True when both hold the same bytes (constant time in the length). */
int secret_equal(const struct secret *a, const struct secret *b);

#endif
