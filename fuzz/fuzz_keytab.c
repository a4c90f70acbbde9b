/* Key tables (every format keytab knows) into the key store, and the
 * policy file parser. */
#include <stdint.h>

#include "analyze/keystore.h"
#include "analyze/policy.h"
#include "formats/keytab.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct keytab *t = keytab_new();
	struct keystore *ks = keystore_new();
	struct keystore_load st;
	struct policy *p;
	char err[512];

	if (t != NULL && ks != NULL) {
		(void)!keytab_parse(t, KEYTAB_AUTO, "fuzz", data, size);
		(void)!keystore_add_keytab(ks, t, &st);
	}
	keystore_free(ks);
	keytab_free(t);
	p = policy_parse(data, size, "fuzz.conf", err, sizeof(err));
	policy_free(p);
	return 0;
}
