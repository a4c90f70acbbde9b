/* capture/enfy: error-notify records parse field by field. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <string.h>

#include "capture/enfy.h"

Test(enfy, record_fields_and_type_in_network_order)
{
	uint8_t b[ENFY_RECORD_LEN * 2] = {0};
	uint32_t t = htonl(ENFY_PEER_AUTH_FAILED);
	struct rd r;
	struct enfy_rec rec;

	memcpy(b, &t, 4);
	memcpy(b + 4, "peer authentication failed\x01", 27);
	memcpy(b + 388, "host-host", 9);
	memcpy(b + 452, "CN=moon", 7);
	memset(b + 708, 'x', 60);	/* no NUL: cut at the field end */
	r = rd_init(b, ENFY_RECORD_LEN + 10);
	cr_assert_eq(enfy_parse(&r, &rec), RC_OK);
	cr_assert_eq(rec.type, ENFY_PEER_AUTH_FAILED);
	cr_assert_str_eq(rec.str, "peer authentication failed?");
	cr_assert_str_eq(rec.name, "host-host");
	cr_assert_str_eq(rec.id, "CN=moon");
	cr_assert_eq(strlen(rec.ip), 60);
	cr_assert_str_eq(enfy_type_name(rec.type), "PEER_AUTH_FAILED");
	cr_assert_eq(enfy_parse(&r, &rec), RC_SHORT);	/* 10 bytes left */
	cr_assert_null(enfy_type_name(999));
}
