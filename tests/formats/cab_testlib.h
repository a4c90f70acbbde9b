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

/* A fresh directory under /tmp (caller frees the string). */
static char *
ct_tmpdir(void)
{
	char *d = strdup("/tmp/wfpdiag-cab-XXXXXX");

	cr_assert_not_null(mkdtemp(d));
	return d;
}

static char *
ct_path(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);

	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

/* kind 0: zeros-ish text (compressible), 1: xorshift noise. */
static uint8_t *
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

static void
ct_write(const char *path, const uint8_t *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	cr_assert_not_null(f, "%s", path);
	cr_assert_eq(fwrite(p, 1, n, f), n);
	cr_assert_eq(fclose(f), 0);
}

/* Runs a shell command; asserts it exits 0; returns its output. */
static char *
ct_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#include <stdarg.h>

static char *
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

static void
ct_need(const char *tool)
{
	if (!tu_have_tool(tool))
		cr_skip_test("%s is not installed (scripts/setup.sh installs "
		    "it)", tool);
}

#endif
