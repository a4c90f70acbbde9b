/*
 * atomic_file: the final name holds either the old file or the complete
 * new one, never a partial file; files are 0600 whatever the umask; the
 * temporary file lives beside the target and is gone afterwards.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>

#include "cab_testlib.h"
#include "formats/atomic_file.h"

static unsigned
entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned n = 0;

	cr_assert_not_null(d);
	while ((e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") != 0 &&
		    strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

Test(atomic_file, commit_publishes_complete_content_mode_0600)
{
	struct atomic_file *af;
	char *d = ct_tmpdir(), *p = ct_path(d, "out.cab"), *tmpdir;
	mode_t old = umask(0);
	struct stat st;
	uint8_t *got;
	size_t len;

	cr_assert_eq(atomic_file_open(&af, p), RC_OK);
	tmpdir = strdup(atomic_file_tmp_path(af));
	cr_expect_str_eq(dirname(tmpdir), d, "temp file beside the target");
	cr_assert_eq(atomic_file_write(af, "hello", 5), RC_OK);
	cr_expect_neq(stat(p, &st), 0, "nothing under the final name yet");
	cr_assert_eq(atomic_file_commit(af), RC_OK);
	umask(old);
	cr_assert_eq(stat(p, &st), 0);
	cr_expect_eq(st.st_mode & 0777, 0600);
	got = tu_read_file(p, &len);
	cr_expect(len == 5 && memcmp(got, "hello", 5) == 0);
	cr_expect_eq(entries(d), 1, "no temporary file left");
	free(got);
	free(tmpdir);
}

Test(atomic_file, a_failure_midway_keeps_the_old_file_and_leaves_no_temp)
{
	struct atomic_file *af;
	char *d = ct_tmpdir(), *p = ct_path(d, "out.cab");
	uint8_t *got;
	size_t len;

	ct_write(p, (const uint8_t *)"old", 3);
	cr_assert_eq(atomic_file_open(&af, p), RC_OK);
	cr_assert_eq(atomic_file_write(af, "half-writ", 9), RC_OK);
	/* The writer fails here (disk full, bad input...) and aborts. */
	atomic_file_abort(af);
	got = tu_read_file(p, &len);
	cr_expect(len == 3 && memcmp(got, "old", 3) == 0);
	cr_expect_eq(entries(d), 1);
	free(got);
	atomic_file_abort(NULL);
}

Test(atomic_file, a_new_name_never_appears_after_a_failure)
{
	struct atomic_file *af;
	char *d = ct_tmpdir(), *p = ct_path(d, "new.cab");
	struct stat st;

	cr_assert_eq(atomic_file_open(&af, p), RC_OK);
	cr_assert_eq(atomic_file_write(af, "partial", 7), RC_OK);
	atomic_file_abort(af);
	cr_expect_neq(stat(p, &st), 0);
	cr_expect_eq(entries(d), 0);
}

Test(atomic_file, an_unwritable_directory_is_an_error)
{
	struct atomic_file *af;

	cr_expect_neq(atomic_file_open(&af, "/nonexistent/dir/x.cab"), RC_OK);
	cr_expect_null(af);
	cr_expect_eq(atomic_file_open(&af, "dir/"), RC_INVAL);
}

Test(atomic_file, a_spool_is_anonymous_and_private)
{
	char *d = ct_tmpdir(), *p = ct_path(d, "x.cab");
	struct stat st;
	char buf[4];
	int fd;

	cr_assert_eq(atomic_file_spool(p, &fd), RC_OK);
	cr_expect_eq(entries(d), 0, "the spool has no name");
	cr_assert_eq(fstat(fd, &st), 0);
	cr_expect_eq(st.st_mode & 0077, 0);
	cr_assert_eq(atomic_file_write_fd(fd, "abc", 3), RC_OK);
	cr_expect_eq(pread(fd, buf, 3, 0), 3);
	cr_expect(memcmp(buf, "abc", 3) == 0);
	close(fd);
}
