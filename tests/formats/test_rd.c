#include <criterion/criterion.h>

#include "formats/rd.h"

static const uint8_t bytes[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
    0x08, 0x09};

Test(rd, reads_big_and_little_endian_fields)
{
	struct rd r = rd_init(bytes, sizeof(bytes));

	cr_expect_eq(rd_u8(&r), 0x01);
	cr_expect_eq(rd_be16(&r), 0x0203);
	cr_expect_eq(rd_le32(&r), 0x07060504u);
	cr_expect_eq(rd_left(&r), 2);
	cr_expect(rd_ok(&r));
}

Test(rd, short_read_is_sticky_and_consumes_nothing)
{
	struct rd r = rd_init(bytes, 3);

	(void)rd_be16(&r);
	cr_expect_eq(rd_be32(&r), 0);
	cr_expect_eq(r.err, RC_SHORT);
	cr_expect_eq(r.off, 2);
	cr_expect_eq(rd_u8(&r), 0, "no read succeeds after an error");
	cr_expect_null(rd_bytes(&r, 0));
}

Test(rd, sub_cannot_escape_parent)
{
	struct rd r = rd_init(bytes, sizeof(bytes));
	struct rd s;

	rd_skip(&r, 2);
	s = rd_sub(&r, 3);
	cr_expect_eq(s.base, 2);
	cr_expect_eq(rd_u8(&s), 0x03);
	cr_expect_eq(rd_be32(&s), 0, "reading past the sub-reader fails");
	cr_expect_eq(s.err, RC_SHORT);
	cr_expect(rd_ok(&r), "the parent is unaffected");
	cr_expect_eq(rd_u8(&r), 0x06);
}

Test(rd, sub_longer_than_parent_fails_both)
{
	struct rd r = rd_init(bytes, sizeof(bytes));
	struct rd s = rd_sub(&r, sizeof(bytes) + 1);

	cr_expect(!rd_ok(&s));
	cr_expect(!rd_ok(&r));
	cr_expect_eq(rd_left(&s), 0);
}

Test(rd, tail_takes_trailer_and_shrinks_parent)
{
	struct rd r = rd_init(bytes, sizeof(bytes));
	struct rd t = rd_tail(&r, 2);

	cr_expect_eq(rd_be16(&t), 0x0809);
	cr_expect_eq(t.base, 7);
	cr_expect_eq(rd_left(&r), 7);
	t = rd_tail(&r, 8);
	cr_expect(!rd_ok(&t));
	cr_expect_eq(r.err, RC_SHORT);
}

Test(rd, huge_lengths_do_not_overflow)
{
	struct rd r = rd_init(bytes, sizeof(bytes));

	rd_skip(&r, 1);
	cr_expect_null(rd_bytes(&r, SIZE_MAX));
	cr_expect_eq(r.err, RC_SHORT);
}

Test(rd, peek_does_not_consume_or_fail)
{
	struct rd r = rd_init(bytes, 2);

	cr_expect_eq(rd_peek_u8(&r, 1), 0x02);
	cr_expect_eq(rd_peek_u8(&r, 5), 0);
	cr_expect(rd_ok(&r));
	cr_expect_eq(r.off, 0);
}

Test(rd, fail_keeps_the_first_error)
{
	struct rd r = rd_init(bytes, sizeof(bytes));

	rd_fail(&r, RC_MALFORMED);
	rd_fail(&r, RC_SHORT);
	cr_expect_eq(r.err, RC_MALFORMED);
	cr_expect_eq(rd_u8(&r), 0);
}
