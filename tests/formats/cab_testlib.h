/*
 * Helpers shared by the cabinet tests (header-only, static): temporary
 * directories, deterministic member contents, shell tools.
 */
#ifndef WFPDIAG_TESTS_CAB_TESTLIB_H
#define WFPDIAG_TESTS_CAB_TESTLIB_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

/* Paths live until the test process ends: kept reachable here so that
 * LeakSanitizer does not count them. */
static char *ct_kept[4096];
static size_t ct_nkept;

static char *
ct_keep(char *p)
{
	if (ct_nkept < sizeof(ct_kept) / sizeof(ct_kept[0]))
		ct_kept[ct_nkept++] = p;
	return p;
}

/* A fresh directory under /tmp (lives until the test ends). */
static __attribute__((unused)) char *
ct_tmpdir(void)
{
	char *d = ct_keep(strdup("/tmp/wfpdiag-cab-XXXXXX"));

	cr_assert_not_null(mkdtemp(d));
	return d;
}

/* dir/name (lives until the test ends; free() is not needed). */
static __attribute__((unused)) char *
ct_path(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);

	snprintf(p, n, "%s/%s", dir, name);
	return ct_keep(p);
}

/* kind 0: zeros-ish text (compressible), 1: xorshift noise. */
static __attribute__((unused)) uint8_t *
ct_bytes(size_t n, int kind, uint64_t seed)
{
	uint8_t *p = malloc(n ? n : 1);
	uint64_t x = seed | 1;
	size_t i;

	for (i = 0; i < n; i++) {
		if (kind == 0) {
			p[i] = (uint8_t)("IKE_SA_INIT ESP spi=0x1234 seq=\n"
			    [i % 32] + (i / 4096 % 3));
		} else {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			p[i] = (uint8_t)(x >> 24);
		}
	}
	return p;
}

static __attribute__((unused)) void
ct_write(const char *path, const uint8_t *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	cr_assert_not_null(f, "%s", path);
	cr_assert_eq(fwrite(p, 1, n, f), n);
	cr_assert_eq(fclose(f), 0);
}

/* Runs a shell command; asserts it exits 0; returns its output. */
static __attribute__((unused)) char *
ct_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#include <stdarg.h>

static __attribute__((unused)) char *
ct_sh(const char *fmt, ...)
{
	char cmd[8192], *out = NULL;
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = tu_run(cmd, &out);
	cr_assert_eq(st, 0, "'%s' exited %d:\n%s", cmd, st, out);
	return out;
}

static __attribute__((unused)) void
ct_need(const char *tool)
{
	if (!tu_have_tool(tool))
		cr_skip_test("%s is not installed (scripts/setup.sh installs "
		    "it)", tool);
}

#endif
