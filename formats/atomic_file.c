/*
 * Atomic file replacement (see atomic_file.h): temp file beside the target,
 * fsync, rename(2), fsync of the directory. rename(2) within one
 * filesystem is atomic (POSIX), which is why the temp file lives in the
 * target's directory rather than in $TMPDIR.
 */
#include "formats/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct atomic_file {
	int fd;     /* temp file, owned */
	char *path; /* final name, owned */
	char *tmp;  /* temp name, owned */
};

static enum rc
rc_from_errno(int e)
{
	if (e == EACCES || e == EPERM || e == EROFS)
		return RC_PERM;
	if (e == ENOMEM)
		return RC_NOMEM;
	return RC_IO;
}

/* Directory part of path ("." when none); caller frees. */
static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t n;
	char *d;

	if (slash == NULL)
		return strdup(".");
	n = slash == path ? 1 : (size_t)(slash - path);
	d = malloc(n + 1);
	if (d == NULL)
		return NULL;
	memcpy(d, path, n);
	d[n] = '\0';
	return d;
}

static const char *
base_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

enum rc
atomic_file_open(struct atomic_file **out, const char *path)
{
	struct atomic_file *af;
	char *dir = NULL;
	size_t n;
	int e;

	*out = NULL;
	if (path == NULL || *base_of(path) == '\0') {
		errno = EINVAL;
		return RC_INVAL;
	}
	af = calloc(1, sizeof(*af));
	dir = dir_of(path);
	if (af == NULL || dir == NULL)
		goto nomem;
	af->fd = -1;
	af->path = strdup(path);
	n = strlen(dir) + strlen(base_of(path)) + 16;
	af->tmp = malloc(n);
	if (af->path == NULL || af->tmp == NULL)
		goto nomem;
	snprintf(af->tmp, n, "%s/.%s.XXXXXX", dir, base_of(path));
	free(dir);
	/* mkstemp creates 0600 regardless of umask; fchmod makes it explicit
	 * in case a libc ever differs. */
	af->fd = mkstemp(af->tmp);
	if (af->fd < 0 || fchmod(af->fd, 0600) != 0) {
		e = errno;
		atomic_file_abort(af);
		errno = e;
		return rc_from_errno(e);
	}
	*out = af;
	return RC_OK;
nomem:
	free(dir);
	atomic_file_abort(af);
	errno = ENOMEM;
	return RC_NOMEM;
}

int
atomic_file_fd(const struct atomic_file *af)
{
	return af->fd;
}

const char *
atomic_file_path(const struct atomic_file *af)
{
	return af->path;
}

const char *
atomic_file_tmp_path(const struct atomic_file *af)
{
	return af->tmp;
}

enum rc
atomic_file_write_fd(int fd, const void *p, size_t n)
{
	const unsigned char *c = p;
	ssize_t w;

	while (n > 0) {
		w = write(fd, c, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return rc_from_errno(errno);
		}
		if (w == 0) {
			errno = ENOSPC;
			return RC_IO;
		}
		c += w;
		n -= (size_t)w;
	}
	return RC_OK;
}

enum rc
atomic_file_write(struct atomic_file *af, const void *p, size_t n)
{
	return atomic_file_write_fd(af->fd, p, n);
}

/* fsync of the directory makes the rename itself durable. */
static void
sync_dir(const char *path)
{
	char *dir = dir_of(path);
	int fd;

	if (dir == NULL)
		return;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	free(dir);
}

enum rc
atomic_file_commit(struct atomic_file *af)
{
	int e;

	if (fsync(af->fd) != 0 || close(af->fd) != 0) {
		e = errno;
		af->fd = -1;
		atomic_file_abort(af);
		errno = e;
		return rc_from_errno(e);
	}
	af->fd = -1;
	if (rename(af->tmp, af->path) != 0) {
		e = errno;
		atomic_file_abort(af);
		errno = e;
		return rc_from_errno(e);
	}
	sync_dir(af->path);
	free(af->tmp);
	free(af->path);
	free(af);
	return RC_OK;
}

void
atomic_file_abort(struct atomic_file *af)
{
	if (af == NULL)
		return;
	if (af->fd >= 0)
		close(af->fd);
	if (af->tmp != NULL && af->tmp[0] != '\0')
		(void)unlink(af->tmp);
	free(af->tmp);
	free(af->path);
	free(af);
}

enum rc
atomic_file_spool(const char *path, int *fd)
{
	char *dir = dir_of(path);
	char *tmp;
	size_t n;
	int e;

	*fd = -1;
	if (dir == NULL)
		return RC_NOMEM;
#ifdef O_TMPFILE
	*fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (*fd >= 0) {
		free(dir);
		return RC_OK;
	}
#endif
	/* No O_TMPFILE (old kernel, some filesystems): a named file that is
	 * unlinked at once. */
	n = strlen(dir) + 32;
	tmp = malloc(n);
	if (tmp == NULL) {
		free(dir);
		return RC_NOMEM;
	}
	snprintf(tmp, n, "%s/.wfpdiag-spool.XXXXXX", dir);
	free(dir);
	*fd = mkstemp(tmp);
	e = errno;
	if (*fd >= 0)
		(void)unlink(tmp);
	free(tmp);
	errno = e;
	return *fd >= 0 ? RC_OK : rc_from_errno(e);
}
