/*
 * Issue 7: the installed binary is hardened: PIE, full RELRO (BIND_NOW),
 * non-executable stack, stack protector and _FORTIFY_SOURCE. Checked on
 * a `cmake --install` into a temporary prefix with readelf (binutils).
 * The checker is one function, and it must also reject a tiny program
 * built here without those flags: a checker that passes everything would
 * otherwise go unnoticed.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

enum harden {
	H_PIE = 1 << 0,
	H_RELRO = 1 << 1,
	H_NOW = 1 << 2,
	H_NX_STACK = 1 << 3,
	H_CANARY = 1 << 4,
	H_FORTIFY = 1 << 5,
	H_ALL = (1 << 6) - 1,
};

static char prefix[] = "/tmp/wfpdiag-inst-XXXXXX";
static char installed[4200];

static char *
readelf(const char *opt, const char *path)
{
	char cmd[4400], *out = NULL;

	snprintf(cmd, sizeof(cmd), "readelf %s '%s' 2>&1", opt, path);
	tu_run(cmd, &out);
	cr_assert_not_null(out);
	return out;
}

/*
 * Which of the hardening properties the ELF file at path has (enum
 * harden bits). Reads its header, program headers, dynamic section and
 * dynamic symbols.
 */
static unsigned
hardening_of(const char *path)
{
	char *hdr = readelf("-hW", path), *seg = readelf("-lW", path);
	char *dyn = readelf("-dW", path);
	char *syms = readelf("-sW --dyn-syms", path);
	char line[512];
	const char *s;
	unsigned h = 0;

	if (strstr(hdr, "DYN (Position-Independent Executable") != NULL ||
	    strstr(hdr, "DYN (Shared object") != NULL)
		h |= H_PIE;
	if (strstr(seg, "GNU_RELRO") != NULL)
		h |= H_RELRO;
	if (strstr(dyn, "BIND_NOW") != NULL || (strstr(dyn, "FLAGS_1") !=
	    NULL && strstr(dyn, " NOW") != NULL))
		h |= H_NOW;
	if ((s = strstr(seg, "GNU_STACK")) != NULL) {
		snprintf(line, sizeof(line), "%.*s", (int)strcspn(s, "\n"), s);
		if (strstr(line, " RW ") != NULL && strstr(line, "RWE") == NULL)
			h |= H_NX_STACK;
	}
	if (strstr(syms, "__stack_chk_fail") != NULL)
		h |= H_CANARY;
	if (strstr(syms, "__snprintf_chk") != NULL ||
	    strstr(syms, "__fprintf_chk") != NULL ||
	    strstr(syms, "__memcpy_chk") != NULL ||
	    strstr(syms, "__printf_chk") != NULL)
		h |= H_FORTIFY;
	free(hdr);
	free(seg);
	free(dyn);
	free(syms);
	return h;
}

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
	snprintf(installed, sizeof(installed), "%s/bin/wfpdiag", prefix);
}

static void
cleanup(void)
{
	char cmd[4200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", prefix);
	tu_run(cmd, NULL);
}

TestSuite(hardening, .init = install, .fini = cleanup);

static void
need_release(void)
{
	char *syms;
	bool asan;

	if (!tu_have_tool("readelf"))
		cr_skip_test("readelf (binutils) is not installed");
	syms = readelf("-sW --dyn-syms", installed);
	asan = strstr(syms, "__asan_") != NULL;
	free(syms);
	if (asan)
		cr_skip_test("sanitizer build: hardening is checked on the "
		    "release build");
}

Test(hardening, installed_binary_has_every_property)
{
	unsigned h;

	need_release();
	h = hardening_of(installed);
	cr_expect(h & H_PIE, "not a PIE");
	cr_expect(h & H_RELRO, "no GNU_RELRO segment");
	cr_expect(h & H_NOW, "relocations not bound now (partial RELRO)");
	cr_expect(h & H_NX_STACK, "stack executable or no GNU_STACK");
	cr_expect(h & H_CANARY, "no stack protector (__stack_chk_fail)");
	cr_expect(h & H_FORTIFY, "no __*_chk symbol: _FORTIFY_SOURCE off");
}

/* The same checker on a program built with every protection off finds
 * none of them, and on the same program built hardened finds all. */
Test(hardening, checker_rejects_a_binary_built_without_the_flags)
{
	static const char prog[] =
	    "#include <stdio.h>\n#include <string.h>\n"
	    "int main(int c, char **v) { char b[64]; "
	    "snprintf(b, sizeof(b), \"%s\", v[0]); "
	    "memcpy(b, v[0], (size_t)c); return b[1]; }\n";
	char dir[] = "/tmp/wfpdiag-harden-XXXXXX", cmd[8192], src[4200];
	char soft[4200], hard[4200];
	FILE *f;
	unsigned h;

	if (!tu_have_tool("readelf") || !tu_have_tool("cc"))
		cr_skip_test("readelf or cc is not installed");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(src, sizeof(src), "%s/t.c", dir);
	snprintf(soft, sizeof(soft), "%s/soft", dir);
	snprintf(hard, sizeof(hard), "%s/hard", dir);
	f = fopen(src, "w");
	cr_assert_not_null(f);
	fputs(prog, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "cc -O2 -fno-stack-protector "
	    "-U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=0 -fno-pie -no-pie "
	    "-Wl,-z,norelro -Wl,-z,lazy -Wl,-z,execstack -o '%s' '%s' "
	    "2>/dev/null", soft, src);
	cr_assert_eq(tu_run(cmd, NULL), 0, "%s", cmd);
	snprintf(cmd, sizeof(cmd), "cc -O2 -fstack-protector-all "
	    "-D_FORTIFY_SOURCE=2 -fPIE -pie -Wl,-z,relro -Wl,-z,now "
	    "-Wl,-z,noexecstack -o '%s' '%s'", hard, src);
	cr_assert_eq(tu_run(cmd, NULL), 0, "%s", cmd);
	h = hardening_of(soft);
	cr_expect_eq(h, 0, "checker accepted an unhardened binary: 0x%x", h);
	h = hardening_of(hard);
	cr_expect_eq(h, H_ALL, "checker missed a property: 0x%x", h);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	tu_run(cmd, NULL);
}
