/*
 * Reads archives as wfpdiag's analyzer needs them: Microsoft Cabinet
 * ([MS-CAB], MSZIP and LZX folders as Windows writes them, ours too), zip,
 * tar and tar.gz/.bz2/.xz, all through libarchive, detected from content.
 * Members are handed over in memory (whole, under a cap) or streamed
 * through a callback; member names are never used as paths here.
 *
 * Before libarchive sees a cabinet, its CFHEADER, CFFOLDER, CFFILE and the
 * chain of CFDATA headers are checked with struct rd ([MS-CAB] 2.1-2.4),
 * so truncation, sizes that lie and offsets that overlap are reported
 * with the field, both numbers and the member concerned, e.g.
 * "wfpdiag.cab: member 'capture.pcap': CFDATA block 3 of folder 0 at
 * offset 98422: cbData 40000 > 32780". libarchive's own errors (CFDATA
 * checksums, deflate errors) come prefixed the same way:
 * "<archive>: member '<name>': <libarchive's message>".
 */
#ifndef WFPDIAG_FORMATS_CAB_READER_H
#define WFPDIAG_FORMATS_CAB_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formats/rc.h"

struct cab_reader;

/* One member (regular file; directories and links are skipped). */
struct cab_member {
	const char *name;  /* UTF-8, '/' separated; view valid until the
	                      next cab_reader_next() */
	uint64_t size;     /* bytes, when size_known */
	bool size_known;   /* zip/tar streams may not say */
	int64_t mtime;     /* seconds since the epoch (cab: local time) */
	unsigned index;    /* 0-based position among regular members */
};

/* Callback for cab_reader_stream(): n bytes at p (view). A non-OK return
 * stops the stream and is returned by cab_reader_stream(). */
typedef enum rc (*cab_reader_sink)(void *ctx, const uint8_t *p, size_t n);

/* A reader; NULL when out of memory. */
struct cab_reader *cab_reader_new(void);
/*
 * Opens the archive at path. RC_NOTFOUND/RC_PERM/RC_IO when the file
 * cannot be read, RC_FORMAT when it is no archive we know, RC_MALFORMED
 * / RC_SHORT when a cabinet's structure is corrupt, RC_UNSUPPORTED for a
 * member continued from or into another cabinet of a set. The message
 * (cab_reader_errmsg) names path.
 */
enum rc cab_reader_open_file(struct cab_reader *r, const char *path)
    MUST_CHECK;
/* As cab_reader_open_file() over len bytes at data (borrowed: they must
 * outlive the reader); label names the archive in messages. */
enum rc cab_reader_open_mem(struct cab_reader *r, const void *data,
    size_t len, const char *label) MUST_CHECK;
/*
 * Advances to the next member and describes it in *m. RC_EOF after the
 * last, RC_LIMIT past LIMIT_ARCHIVE_MEMBERS members, other codes with a
 * message when the archive is corrupt.
 */
enum rc cab_reader_next(struct cab_reader *r, struct cab_member *m)
    MUST_CHECK;
/*
 * Reads the current member whole into *data (caller frees) and *len.
 * RC_LIMIT (nothing returned) when it is larger than max bytes or than
 * LIMIT_ARCHIVE_MEMBER_BYTES. Corruption is reported naming the member.
 */
enum rc cab_reader_read_all(struct cab_reader *r, size_t max, uint8_t **data,
    size_t *len) MUST_CHECK;
/* Streams the current member to sink in chunks of at most 64 KiB. */
enum rc cab_reader_stream(struct cab_reader *r, cab_reader_sink sink,
    void *ctx) MUST_CHECK;
/* "cab", "zip", "tar", "tar.gz", "tar.bz2", "tar.xz" once a member was
 * read; "unknown" before. */
const char *cab_reader_format(const struct cab_reader *r);
/* Last error, naming the archive and the member; "" when none. */
const char *cab_reader_errmsg(const struct cab_reader *r);
/* Frees r (closing the archive). NULL is a no-op. */
void cab_reader_free(struct cab_reader *r);

/*
 * True when name may be used as a relative path under an extraction
 * directory: not empty, not absolute ('/', '\\' or a drive letter), no
 * empty, "." or ".." component with '/' or '\\' separators, no control
 * characters. Anything that extracts members must check this first.
 */
bool cab_reader_name_is_safe(const char *name);

#endif
