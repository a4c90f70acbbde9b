/*
 * Atomic file replacement: data is written to a temporary file beside the
 * target (same directory, so same filesystem), fsync'ed, then renamed over
 * the target name, and the directory is fsync'ed. No reader ever sees a
 * half-written file under the final name, and a crash leaves either the
 * old file or the new one. Files are created mode 0600 (captures can hold
 * key material) whatever the umask.
 *
 * Also provides anonymous spool files beside a target (O_TMPFILE, or a
 * mkstemp'ed name unlinked at once) for writers that must produce data
 * before they know the header that precedes it (cab_writer).
 */
#ifndef WFPDIAG_FORMATS_ATOMIC_FILE_H
#define WFPDIAG_FORMATS_ATOMIC_FILE_H

#include <stddef.h>

#include "formats/rc.h"

struct atomic_file;

/*
 * Creates a temporary file ".<name>.XXXXXX" in the directory of path, mode
 * 0600. *out owns it until atomic_file_commit() or atomic_file_abort().
 * RC_IO/RC_PERM when the directory cannot be written; *out is NULL then.
 * errno is left as the failing call set it.
 */
enum rc atomic_file_open(struct atomic_file **out, const char *path)
    MUST_CHECK;
/* The temporary file's descriptor (owned by af; do not close it). */
int atomic_file_fd(const struct atomic_file *af);
/* The final path given to atomic_file_open() (view). */
const char *atomic_file_path(const struct atomic_file *af);
/* The temporary file's current path (view), for messages and tests. */
const char *atomic_file_tmp_path(const struct atomic_file *af);
/*
 * Writes all n bytes at the current offset (retries short writes, EINTR).
 * RC_IO on failure (errno kept).
 */
enum rc atomic_file_write(struct atomic_file *af, const void *p, size_t n)
    MUST_CHECK;
/*
 * fsyncs the data, renames the temporary file to the final path, fsyncs
 * the directory and frees af (whatever the result). On failure the
 * temporary file is removed and nothing stands under the final name that
 * was not there before.
 */
enum rc atomic_file_commit(struct atomic_file *af) MUST_CHECK;
/* Removes the temporary file and frees af. NULL is a no-op. */
void atomic_file_abort(struct atomic_file *af);

/*
 * Opens an anonymous read-write file (mode 0600) in the directory of path,
 * already unlinked: it vanishes when closed. *fd gets the descriptor,
 * which the caller closes. RC_IO/RC_PERM on failure.
 */
enum rc atomic_file_spool(const char *path, int *fd) MUST_CHECK;

/* Writes all n bytes to fd (retries short writes and EINTR). */
enum rc atomic_file_write_fd(int fd, const void *p, size_t n) MUST_CHECK;

#endif
