/*
 * strongSwan's error-notify socket (charon.enfy, plugin error-notify):
 * a stream of fixed 768-byte records, one per alert
 * (src/libcharon/plugins/error_notify/error_notify_msg.h, 5.9.x):
 *
 *   0        4                      388          452           708    768
 *   +--------+----------------------+------------+-------------+------+
 *   | type   | str[384]             | name[64]   | id[256]     |ip[60]|
 *   | u32 BE | description, NUL-terminated strings ...                 |
 *   +--------+----------------------+------------+-------------+------+
 */
#ifndef WFPDIAG_CAPTURE_ENFY_H
#define WFPDIAG_CAPTURE_ENFY_H

#include <stdint.h>

#include "formats/rc.h"
#include "formats/rd.h"

#define ENFY_RECORD_LEN 768u

struct enfy_rec {
	uint32_t type;          /* ENFY_* below */
	char str[385];          /* printable ASCII; others become '?' */
	char name[65];          /* connection name */
	char id[257];           /* peer identity */
	char ip[61];            /* peer address[port] */
};

enum enfy_type {
#define ENFY(name, value) ENFY_##name = value,
#include "capture/enfy.def"
#undef ENFY
};

/* Reads one record (exactly ENFY_RECORD_LEN bytes) from r. SHORT when
 * fewer are left; strings without their NUL are cut at the field end. */
enum rc enfy_parse(struct rd *r, struct enfy_rec *out) MUST_CHECK;

/* "PEER_AUTH_FAILED"; NULL for a type not in the table (callers then
 * write "TYPE_<n>"). */
const char *enfy_type_name(uint32_t type);

#endif
