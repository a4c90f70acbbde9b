#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "formats/buf.h"

Test(buf, appends_and_takes)
{
	struct buf b;
	uint8_t *p;
	size_t len;

	buf_init(&b, 64);
	cr_assert_eq(buf_put_be16(&b, 0x0102), RC_OK);
	cr_assert_eq(buf_put_le32(&b, 0x06050403), RC_OK);
	cr_assert_eq(buf_printf(&b, "x%d", 7), RC_OK);
	p = buf_take(&b, &len);
	cr_expect_eq(len, 8);
	cr_expect(memcmp(p, "\x01\x02\x03\x04\x05\x06x7", 8) == 0);
	free(p);
	cr_expect_eq(b.len, 0);
}

Test(buf, refuses_to_grow_past_its_cap)
{
	struct buf b;
	uint8_t blob[40] = {0};

	buf_init(&b, 64);
	cr_assert_eq(buf_append(&b, blob, sizeof(blob)), RC_OK);
	cr_expect_eq(buf_append(&b, blob, sizeof(blob)), RC_LIMIT);
	cr_expect_eq(b.len, 40, "a refused append changes nothing");
	buf_fini(&b);
}
