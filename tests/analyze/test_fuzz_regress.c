/*
 * Issue 7: every input a fuzzer found (fuzz/regress/<harness>/<file>) is
 * replayed through the entry point its harness drives. A crash, hang or
 * sanitizer report fails the test (Criterion runs each test in its own
 * process; the ASan suite aborts on any error). A harness directory
 * without a replay here fails too, so new findings cannot be skipped.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/analyzer.h"
#include "testutil.h"

/* fuzz/fuzz_capture.c: a whole file through the analyzer. */
static void
replay_capture(const uint8_t *data, size_t len)
{
	struct analyzer_opts o = {0};
	char err[256];
	struct analyzer *an = analyzer_new(&o, err, sizeof(err));

	cr_assert_not_null(an, "%s", err);
	(void)!analyzer_add_memory(an, "regress", data, len);
	(void)!analyzer_finish(an);
	analyzer_free(an);
}

static const struct {
	const char *harness;
	void (*replay)(const uint8_t *, size_t);
} replays[] = {
	{"fuzz_capture", replay_capture},
};

/* Replays every file of one harness directory; returns how many. */
static size_t
replay_dir(const char *dir, void (*fn)(const uint8_t *, size_t))
{
	char path[4200];
	struct dirent *e;
	size_t n = 0, len;
	uint8_t *d;
	DIR *dh = opendir(dir);

	cr_assert_not_null(dh, "%s", dir);
	while ((e = readdir(dh)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		d = tu_read_file(path, &len);
		cr_assert_not_null(d, "%s", path);
		fn(d, len);
		free(d);
		n++;
	}
	closedir(dh);
	return n;
}

Test(fuzz_regress, every_finding_replays_without_a_fault)
{
	char root[4200], dir[4400];
	struct dirent *e;
	size_t i, total = 0;
	DIR *dh;

	snprintf(root, sizeof(root), "%s", tu_src("fuzz/regress"));
	dh = opendir(root);
	cr_assert_not_null(dh, "%s", root);
	while ((e = readdir(dh)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		for (i = 0; i < sizeof(replays) / sizeof(replays[0]); i++)
			if (strcmp(e->d_name, replays[i].harness) == 0)
				break;
		cr_assert_lt(i, sizeof(replays) / sizeof(replays[0]),
		    "no replay for fuzz/regress/%s", e->d_name);
		snprintf(dir, sizeof(dir), "%s/%s", root, e->d_name);
		total += replay_dir(dir, replays[i].replay);
	}
	closedir(dh);
	cr_expect_gt(total, 0, "fuzz/regress holds no input");
}
