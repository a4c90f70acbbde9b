/* The archive reader (our MS-CAB pre-checks, then libarchive). */
#include <stdint.h>
#include <stdlib.h>

#include "formats/cab_reader.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cab_reader *r = cab_reader_new();
	struct cab_member m;
	int n = 0;

	if (r == NULL)
		return 0;
	if (cab_reader_open_mem(r, data, size, "fuzz.cab") == RC_OK)
		while (n++ < 64 && cab_reader_next(r, &m) == RC_OK) {
			uint8_t *d = NULL;
			size_t len = 0;

			(void)cab_reader_name_is_safe(m.name);
			if (cab_reader_read_all(r, 1u << 22, &d, &len) ==
			    RC_OK)
				free(d);
		}
	cab_reader_free(r);
	return 0;
}
