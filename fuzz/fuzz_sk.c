/*
 * SK decryption with known keys: the input is an IKE message; it is
 * checked and decrypted with fixed keys under a suite picked by the
 * first byte (AES-CBC/HMAC, AES-GCM, ChaCha20-Poly1305, 3DES, AES-CTR/
 * CMAC), then the inner chain is decoded. ICVs rarely match, so the
 * NOCHECK integrity id lets the fuzzer reach padding and inner decoding.
 */
#include <stdint.h>
#include <string.h>

#include "analyze/ikev2_decode.h"
#include "analyze/secret.h"
#include "analyze/sk_crypto.h"
#include "formats/buf.h"

static struct ikev2_msg msg;

static const struct sk_suite suites[] = {
	{12, 256, 12}, {20, 256, 0}, {28, 0, 0}, {3, 0, 2}, {13, 128, 8},
	{12, 128, SK_INTEG_NOCHECK(16)}, {18, 128, 0}, {14, 192, 0},
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t key[64];
	const struct sk_suite *s;
	struct secret *e, *a = NULL;
	struct sk_ctx *c;
	struct sk_result res;
	struct buf out;

	if (size < 2)
		return 0;
	s = &suites[data[0] % (sizeof(suites) / sizeof(suites[0]))];
	data++;
	size--;
	if (ikev2_decode(data, size, &msg) == RC_FORMAT || !msg.has_sk)
		return 0;
	memset(key, 0x42, sizeof(key));
	e = secret_new(key, sk_suite_encr_key_len(s));
	if (sk_suite_integ_key_len(s) > 0)
		a = secret_new(key, sk_suite_integ_key_len(s));
	c = sk_ctx_new();
	buf_init(&out, 1u << 20);
	if (c != NULL && e != NULL &&
	    sk_decrypt(c, data, size, msg.sk_offset, msg.is_skf ? 53 : 46, s,
	    e, a, SK_SKIP_ICV, &out, &res) == RC_OK)
		(void)!ikev2_decode_inner(&msg, out.data, out.len,
		    res.next_payload);
	buf_fini(&out);
	sk_ctx_free(c);
	secret_free(e);
	secret_free(a);
	return 0;
}
