/*
 * error-notify record parser (see enfy.h; strongSwan
 * src/libcharon/plugins/error_notify/error_notify_msg.h).
 */
#include "capture/enfy.h"

#include <stddef.h>

static const struct {
	uint32_t type;
	const char *name;
} enfy_rows[] = {
#define ENFY(name, value) {value, #name},
#include "capture/enfy.def"
#undef ENFY
};

const char *
enfy_type_name(uint32_t type)
{
	size_t i;

	for (i = 0; i < sizeof(enfy_rows) / sizeof(enfy_rows[0]); i++)
		if (enfy_rows[i].type == type)
			return enfy_rows[i].name;
	return NULL;
}

/* A fixed char field: up to its NUL, non-printables as '?'. */
static void
field(struct rd *r, size_t n, char *out)
{
	const uint8_t *p = rd_bytes(r, n);
	size_t i;

	for (i = 0; p != NULL && i < n && p[i] != 0; i++)
		out[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	out[i] = '\0';
}

enum rc
enfy_parse(struct rd *r, struct enfy_rec *out)
{
	struct rd rec;

	if (rd_left(r) < ENFY_RECORD_LEN)
		return RC_SHORT;
	rec = rd_sub(r, ENFY_RECORD_LEN);
	out->type = rd_be32(&rec);
	field(&rec, 384, out->str);
	field(&rec, 64, out->name);
	field(&rec, 256, out->id);
	field(&rec, 60, out->ip);
	return rd_ok(&rec) ? RC_OK : rec.err;
}
