/*
 * Status codes returned by every fallible function in wfpdiag's libraries
 * (STYLE.md 4). Library code returns an rc and never prints; only cli/
 * talks to the user.
 */
#ifndef WFPDIAG_FORMATS_RC_H
#define WFPDIAG_FORMATS_RC_H

#define MUST_CHECK __attribute__((warn_unused_result))

enum rc {
#define RC(name, text) RC_##name,
#include "formats/rc.def"
#undef RC
	RC__COUNT
};

/* Short description of rc; never NULL ("unknown status" out of range). */
const char *rc_str(enum rc rc);
/* Symbolic name without the RC_ prefix ("SHORT"); never NULL. */
const char *rc_name(enum rc rc);

#endif
