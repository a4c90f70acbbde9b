/*
 * Streaming writer of Microsoft Cabinet files ([MS-CAB] 2.1 CFHEADER, 2.2
 * CFFOLDER, 2.3 CFFILE, 2.4 CFDATA) with MSZIP compression ([MS-MCI] 2,
 * raw deflate through zlib). The output is a real cabinet: Windows
 * Explorer, expand.exe, cabextract, gcab, 7-Zip and libarchive open it.
 *
 * Memory is constant whatever the member sizes: a few 32 KiB block
 * buffers per compression thread plus the file table (at most
 * CAB_MAX_FILES names). CFDATA blocks go to an anonymous spool file beside
 * the target while members are added; cab_writer_finish() writes the
 * header and file table into a temporary file beside the target, copies
 * the spool after it and renames it into place (atomic_file.h), mode 0600.
 *
 * Limits ([MS-CAB] 3 and the u16/u32 fields): a folder holds at most
 * CAB_MAX_FOLDER_BYTES uncompressed (65535 CFDATA blocks of 32 KiB), so a
 * member that would overflow the current folder starts a new one; a
 * member larger than a folder is refused (RC_LIMIT). A cabinet holds at
 * most CAB_MAX_FILES members and CAB_MAX_CABINET_BYTES bytes: when the
 * next member might not fit, cab_writer_add_*() returns RC_LIMIT before
 * writing anything of it, and the writer stays usable (finish it and start
 * another cabinet; struct cab_series below does exactly that).
 */
#ifndef WFPDIAG_FORMATS_CAB_WRITER_H
#define WFPDIAG_FORMATS_CAB_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "formats/rc.h"

#define CAB_BLOCK_BYTES 32768u              /* uncompressed CFDATA size */
#define CAB_MAX_FOLDER_BYTES 0x7FFF8000u   /* 65535 * 32768 */
#define CAB_MAX_CABINET_BYTES 0x7FFFFFFFu  /* [MS-CAB] 3, signed readers */
#define CAB_MAX_FILES 65535u               /* CFHEADER.cFiles is u16 */
#define CAB_MAX_NAME_BYTES 255u            /* CFFILE.szName without NUL */

/* File attributes, [MS-CAB] 2.3 CFFILE.attribs. */
#define CAB_ATTR_RDONLY 0x01u
#define CAB_ATTR_ARCH 0x20u
#define CAB_ATTR_EXEC 0x40u
#define CAB_ATTR_NAME_IS_UTF 0x80u

struct cab_writer;

/* Caps a writer enforces; lowered by tests and by capture rotation. */
struct cab_limits {
	uint32_t folder_bytes;  /* uncompressed bytes per folder */
	uint32_t cabinet_bytes; /* bytes per cabinet file (cbCabinet) */
	uint32_t files;         /* members per cabinet */
};

/* Totals after (or during) writing. */
struct cab_writer_stats {
	uint64_t in_bytes;  /* member bytes added */
	uint64_t out_bytes; /* cabinet size (final after finish) */
	uint32_t files;
	uint32_t folders;
	uint32_t blocks;  /* CFDATA blocks */
	uint32_t stored;  /* blocks kept stored because deflate did not shrink
	                     them */
};

/*
 * Starts a cabinet that cab_writer_finish() will place at path. Opens the
 * spool file in path's directory now, so an unwritable directory fails
 * here. threads: compression threads (0 = compress in the caller's
 * thread). level: zlib level 1..9, 0 = store blocks uncompressed (still
 * MSZIP framing). RC_IO/RC_PERM/RC_NOMEM; *out is NULL on failure.
 */
enum rc cab_writer_new(struct cab_writer **out, const char *path, int level,
    unsigned threads) MUST_CHECK;
/* Replaces the default limits (each capped at the format's maximum). Call
 * before the first member. */
void cab_writer_set_limits(struct cab_writer *w, const struct cab_limits *l);
/*
 * Adds the file at path as member name (UTF-8, at most CAB_MAX_NAME_BYTES,
 * no NUL; '\\' separates folders inside the cabinet). Date/time come from
 * the file's mtime (local time, as Windows expects), attributes from its
 * mode. Exactly the size seen by fstat() at open is stored: a file that
 * grows meanwhile is cut there, one that shrinks fails the writer.
 * RC_NOTFOUND/RC_PERM/RC_IO when path cannot be read (writer still
 * usable), RC_LIMIT when the member does not fit this cabinet (still
 * usable), RC_INVAL for a bad name, RC_EXISTS for a duplicate name.
 */
enum rc cab_writer_add_file(struct cab_writer *w, const char *name,
    const char *path) MUST_CHECK;
/* As cab_writer_add_file() for size bytes read from fd (not closed). */
enum rc cab_writer_add_fd(struct cab_writer *w, const char *name, int fd,
    uint64_t size, time_t mtime) MUST_CHECK;
/* As cab_writer_add_file() for len bytes at data (copied). */
enum rc cab_writer_add_mem(struct cab_writer *w, const char *name,
    const void *data, size_t len, time_t mtime) MUST_CHECK;
/*
 * RC_OK when a member of size bytes named name would fit this cabinet
 * (worst case: incompressible), RC_LIMIT with a message otherwise. Nothing
 * is written.
 */
enum rc cab_writer_fits(struct cab_writer *w, const char *name,
    uint64_t size) MUST_CHECK;
/* True when a member of size bytes would overflow the open folder, so
 * that adding it would start another folder. */
bool cab_writer_starts_folder(const struct cab_writer *w, uint64_t size);
/* Number of members added so far. */
uint32_t cab_writer_count(const struct cab_writer *w);
/*
 * Writes the cabinet and renames it into place (mode 0600). The writer
 * must still be freed. After any failure nothing stands under the final
 * name. A writer that failed earlier (RC_IO while adding) fails here too.
 */
enum rc cab_writer_finish(struct cab_writer *w) MUST_CHECK;
/* Totals so far; out_bytes is final only after cab_writer_finish(). */
void cab_writer_stats(const struct cab_writer *w,
    struct cab_writer_stats *st);
/* Last error as text naming the member and numbers; "" when none. */
const char *cab_writer_errmsg(const struct cab_writer *w);
/* Frees w; an unfinished cabinet is discarded (no file is left). NULL ok */
void cab_writer_free(struct cab_writer *w);

/*
 * A series of complete, independent cabinets for data that outgrows one:
 * OUT.cab, OUT-2.cab, OUT-3.cab ... (the ".cab" suffix, if any, is kept
 * last). Each cabinet opens on its own in every reader; no member spans
 * two cabinets. A new cabinet starts when the next member might overflow
 * the current cabinet or its folder: series cabinets hold one folder,
 * because libarchive (3.6.2) fails with "Invalid CFDATA" when it skips a
 * member and then reads one in a later folder (bsdtar -x NAME).
 */
struct cab_series;

enum rc cab_series_new(struct cab_series **out, const char *path, int level,
    unsigned threads) MUST_CHECK;
/* Limits for every cabinet of the series (see cab_writer_set_limits). */
void cab_series_set_limits(struct cab_series *s, const struct cab_limits *l);
/* Adds a file, rotating to a new cabinet when needed. Errors as
 * cab_writer_add_file(); RC_LIMIT only when even an empty cabinet cannot
 * hold the member. */
enum rc cab_series_add_file(struct cab_series *s, const char *name,
    const char *path) MUST_CHECK;
/* Finishes the current cabinet. Earlier ones were finished on rotation. */
enum rc cab_series_finish(struct cab_series *s) MUST_CHECK;
/* Cabinets started so far, and the path of cabinet i (view, valid until
 * cab_series_free). */
unsigned cab_series_count(const struct cab_series *s);
const char *cab_series_path(const struct cab_series *s, unsigned i);
/* Totals over all cabinets of the series. */
void cab_series_stats(const struct cab_series *s,
    struct cab_writer_stats *st);
const char *cab_series_errmsg(const struct cab_series *s);
/* Frees s; an unfinished current cabinet is discarded. NULL ok. */
void cab_series_free(struct cab_series *s);

#endif
