/*
 * Owned, wiped key bytes (see secret.h). The serial counter is atomic so
 * secrets may be created from more than one thread.
 */
#include "analyze/secret.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

struct secret {
	uint8_t *data;   /* owned; at least 1 byte allocated */
	size_t len;      /* key bytes */
	uint64_t serial; /* process-unique, never 0 */
};

static atomic_uint_fast64_t secret_next_serial = 1;

struct secret *
secret_new(const uint8_t *p, size_t len)
{
	struct secret *s;

	if (p == NULL && len > 0)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->data = malloc(len > 0 ? len : 1);
	if (s->data == NULL) {
		free(s);
		return NULL;
	}
	if (len > 0)
		memcpy(s->data, p, len);
	s->len = len;
	s->serial = (uint64_t)atomic_fetch_add(&secret_next_serial, 1);
	return s;
}

void
secret_free(struct secret *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s->data, s->len > 0 ? s->len : 1);
	free(s->data);
	explicit_bzero(s, sizeof(*s));
	free(s);
}

struct secret *
secret_dup(const struct secret *s)
{
	return s ? secret_new(s->data, s->len) : NULL;
}

const uint8_t *
secret_data(const struct secret *s)
{
	return s->data;
}

size_t
secret_len(const struct secret *s)
{
	return s->len;
}

uint64_t
secret_serial(const struct secret *s)
{
	return s->serial;
}

int
secret_equal(const struct secret *a, const struct secret *b)
{
	if (a == NULL || b == NULL || a->len != b->len)
		return 0;
	return CRYPTO_memcmp(a->data, b->data, a->len) == 0;
}
