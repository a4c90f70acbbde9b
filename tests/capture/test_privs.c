/* capture/privs: the capability check reads CapEff and names what is
 * missing. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/privs.h"

Test(privs, capeff_line_is_parsed)
{
	const char *s = "Name:\tx\nCapInh:\t0000000000000000\nCapEff:\t"
	    "0000000000003000\nCapBnd:\t000001ffffffffff\n";
	uint64_t eff = 0;

	cr_assert_eq(privs_parse_capeff(s, strlen(s), &eff), RC_OK);
	cr_assert_eq(eff, 0x3000u);
}

Test(privs, bad_or_missing_capeff_is_an_error)
{
	uint64_t eff;

	cr_assert_eq(privs_parse_capeff("Name: x\n", 8, &eff), RC_NOTFOUND);
	cr_assert_eq(privs_parse_capeff("\nCapEff:\tzz\n", 12, &eff),
	    RC_MALFORMED);
	cr_assert_eq(privs_parse_capeff("\nCapEff:\t11111111111111111\n", 27,
	    &eff), RC_MALFORMED);
}

Test(privs, missing_capabilities_are_named)
{
	char m[64];

	privs_missing(0, m, sizeof(m));
	cr_assert_str_eq(m, "CAP_NET_RAW and CAP_NET_ADMIN");
	privs_missing(1ull << PRIVS_CAP_NET_ADMIN, m, sizeof(m));
	cr_assert_str_eq(m, "CAP_NET_RAW");
	privs_missing(1ull << PRIVS_CAP_NET_RAW, m, sizeof(m));
	cr_assert_str_eq(m, "CAP_NET_ADMIN");
	privs_missing(0x3000, m, sizeof(m));
	cr_assert_str_eq(m, "");
}

Test(privs, sudo_user_is_the_invoker_under_root)
{
	uid_t u;
	gid_t g;

	setenv("SUDO_UID", "1234", 1);
	setenv("SUDO_GID", "4321", 1);
	privs_invoker(&u, &g);
	if (getuid() == 0) {
		cr_assert_eq(u, 1234);
		cr_assert_eq(g, 4321);
	} else
		cr_assert_eq(u, getuid(), "SUDO_UID only counts under root");
	setenv("SUDO_UID", "12x", 1);
	privs_invoker(&u, &g);
	cr_assert_eq(u, getuid());
}

Test(privs, drop_leaves_no_capability)
{
	uint64_t eff = 1;
	char err[128];
	uid_t u = getuid();

	cr_assert_eq(privs_drop(u, getgid(), err, sizeof(err)), RC_OK, "%s",
	    err);
	cr_assert_eq(privs_self(&eff), RC_OK);
	cr_assert_eq(eff, 0, "CapEff %llx after the drop",
	    (unsigned long long)eff);
}
