/* The IKEv2 and IKEv1 decoders directly, and the chain text. */
#include <stdint.h>
#include <stdlib.h>

#include "analyze/ikev1_decode.h"
#include "analyze/ikev2_decode.h"

static struct ikev2_msg msg;
static struct ikev1_msg v1;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char chain[512];

	if (ikev2_decode(data, size, &msg) != RC_FORMAT) {
		(void)ikev2_msg_chain_text(&msg, chain, sizeof(chain));
		(void)ikev2_msg_error_notify(&msg);
		/* The same bytes as a decrypted inner chain. */
		if (size > 1)
			(void)!ikev2_decode_inner(&msg, data + 1, size - 1,
			    data[0]);
		(void)ikev2_msg_chain_text(&msg, chain, sizeof(chain));
	}
	(void)!ikev1_decode(data, size, &v1);
	return 0;
}
