/*
 * Issue 7: the installed binary is hardened: PIE, full RELRO (BIND_NOW),
 * non-executable stack, stack protector and _FORTIFY_SOURCE. Checked on
 * a `cmake --install` into a temporary prefix with readelf (binutils).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static char *out_dyn, *out_seg, *out_syms, *out_hdr;
static char prefix[] = "/tmp/wfpdiag-inst-XXXXXX";

static void
install(void)
{
	char cmd[8192];

	if (!tu_have_tool("readelf"))
		return;
	cr_assert_not_null(mkdtemp(prefix));
	snprintf(cmd, sizeof(cmd), "cmake --install '%s' --prefix '%s' "
	    ">/dev/null", TEST_BINDIR, prefix);
	cr_assert_eq(tu_run(cmd, NULL), 0, "cmake --install failed");
	snprintf(cmd, sizeof(cmd), "readelf -dW '%s/bin/wfpdiag'", prefix);
	tu_run(cmd, &out_dyn);
	snprintf(cmd, sizeof(cmd), "readelf -lW '%s/bin/wfpdiag'", prefix);
	tu_run(cmd, &out_seg);
	snprintf(cmd, sizeof(cmd), "readelf -sW --dyn-syms '%s/bin/wfpdiag'",
	    prefix);
	tu_run(cmd, &out_syms);
	snprintf(cmd, sizeof(cmd), "readelf -hW '%s/bin/wfpdiag'", prefix);
	tu_run(cmd, &out_hdr);
}

static void
cleanup(void)
{
	char cmd[4200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", prefix);
	tu_run(cmd, NULL);
	free(out_dyn);
	free(out_seg);
	free(out_syms);
	free(out_hdr);
}

TestSuite(hardening, .init = install, .fini = cleanup);

static void
need_release(void)
{
	if (!tu_have_tool("readelf"))
		cr_skip_test("readelf (binutils) is not installed");
	if (strstr(out_syms, "__asan_") != NULL)
		cr_skip_test("sanitizer build: hardening is checked on the "
		    "release build");
}

Test(hardening, binary_is_position_independent)
{
	need_release();
	cr_expect(strstr(out_hdr, "DYN (Position-Independent Executable") !=
	    NULL || strstr(out_hdr, "DYN (Shared object") != NULL, "%s",
	    out_hdr);
}

Test(hardening, relocations_are_read_only_and_bound_now)
{
	need_release();
	cr_expect(strstr(out_seg, "GNU_RELRO") != NULL);
	cr_expect(strstr(out_dyn, "BIND_NOW") != NULL ||
	    strstr(out_dyn, "FLAGS_1") != NULL, "%s", out_dyn);
	cr_expect(strstr(out_dyn, "NOW") != NULL);
}

Test(hardening, stack_is_not_executable)
{
	char line[512];
	const char *s;

	need_release();
	s = strstr(out_seg, "GNU_STACK");
	cr_assert_not_null(s);
	snprintf(line, sizeof(line), "%.*s", (int)strcspn(s, "\n"), s);
	cr_expect(strstr(line, " RW ") != NULL, "%s", line);
	cr_expect(strstr(line, "RWE") == NULL, "executable stack: %s", line);
}

Test(hardening, stack_protector_and_fortify_are_compiled_in)
{
	need_release();
	cr_expect(strstr(out_syms, "__stack_chk_fail") != NULL);
	cr_expect(strstr(out_syms, "_chk@") != NULL &&
	    (strstr(out_syms, "__snprintf_chk") != NULL ||
	    strstr(out_syms, "__fprintf_chk") != NULL ||
	    strstr(out_syms, "__memcpy_chk") != NULL),
	    "no __*_chk symbol: _FORTIFY_SOURCE is off");
}
