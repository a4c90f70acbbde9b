/* Status code names and descriptions, expanded from rc.def. */
#include "formats/rc.h"

static const char *const rc_texts[] = {
#define RC(name, text) [RC_##name] = text,
#include "formats/rc.def"
#undef RC
};

static const char *const rc_names[] = {
#define RC(name, text) [RC_##name] = #name,
#include "formats/rc.def"
#undef RC
};

const char *
rc_str(enum rc rc)
{
	if ((unsigned)rc >= RC__COUNT)
		return "unknown status";
	return rc_texts[rc];
}

const char *
rc_name(enum rc rc)
{
	if ((unsigned)rc >= RC__COUNT)
		return "UNKNOWN";
	return rc_names[rc];
}
