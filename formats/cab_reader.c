/*
 * Archive reader for the analyzer (see cab_reader.h): libarchive does the
 * decoding (MS-CAB MSZIP/LZX, zip, tar, gzip/bzip2/xz filters); this file
 * is the only one that includes archive.h, and it turns libarchive's
 * errors into an rc plus a message naming the archive and the member.
 *
 * Cabinets are first checked here against [MS-CAB] 2.1 CFHEADER, 2.2
 * CFFOLDER, 2.3 CFFILE and 2.4 CFDATA (headers only; checksums and
 * decompression stay libarchive's): libarchive's cab module reports a
 * corrupt structure as "Invalid CAB header" or reads on, while we want the
 * field, both numbers and the member it hurts.
 */
#include "formats/cab_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "formats/limits.h"
#include "formats/rd.h"

#define ERRMSG 640
#define CHUNK (64u * 1024u)

#define CFHEADER_BYTES 36u
#define CFFILE_BYTES 16u
#define CF_PREV_CABINET 0x0001u
#define CF_NEXT_CABINET 0x0002u
#define CF_RESERVE_PRESENT 0x0004u
#define IFOLD_CONTINUED_FROM_PREV 0xFFFDu
#define MAX_UNCOMP 32768u
#define MAX_CBDATA (32768u + 6144u) /* LZX's worst case, [MS-CAB] 2.4 */
#define NAME_MAX_BYTES 256u          /* szName including the NUL */

struct cab_reader {
	struct archive *a;
	char *label;          /* archive name for messages, owned */
	const uint8_t *mem;   /* view, memory archives */
	size_t memlen;
	int fd;               /* file archives, for the structure check */
	uint64_t size;        /* archive bytes */
	char *cur;            /* current member name, owned */
	bool have_cur;
	bool cur_read;        /* the current member's data was consumed */
	unsigned count;       /* regular members seen */
	uint8_t *chunk;       /* CHUNK bytes, owned */
	char err[ERRMSG];
};

/* A cabinet's structure as the check sees it (views into the header). */
struct cf_folder {
	uint32_t start;   /* coffCabStart */
	uint32_t ndata;   /* cCFData */
	uint16_t type;    /* typeCompress */
	uint64_t end;     /* end of its last CFDATA */
	uint64_t ubytes;  /* uncompressed bytes of its CFDATA */
};

struct cf_file {
	const char *name; /* view into the header buffer, NUL-terminated */
	uint32_t size, uoff;
	uint16_t folder;
};

struct cf {
	uint32_t cb_cabinet; /* bytes we may walk: min(declared, file) */
	uint32_t declared;   /* CFHEADER.cbCabinet */
	uint32_t coff_files;
	uint16_t nfolders, nfiles, flags;
	uint8_t rsv_folder, rsv_data;
	uint32_t files_end; /* end of the CFFILE table */
	struct cf_folder *folders;
	struct cf_file *files;
};

static void
seterr(struct cab_reader *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
seterr(struct cab_reader *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(r->err, sizeof(r->err), "%s: ", r->label);
	if (n < 0 || (size_t)n >= sizeof(r->err))
		return;
	va_start(ap, fmt);
	vsnprintf(r->err + n, sizeof(r->err) - (size_t)n, fmt, ap);
	va_end(ap);
	/* Member names come from the file: a lying cFiles makes compressed
	 * data a "name" (tests/cli/test_bad_input.c). Keep the message
	 * printable so it cannot drive the user's terminal. */
	for (; r->err[n] != '\0'; n++)
		if ((unsigned char)r->err[n] < 0x20 ||
		    (unsigned char)r->err[n] > 0x7e)
			r->err[n] = '?';
}

/* Reads n bytes at off of the archive into dst; short at end of input. */
static enum rc
src_read(struct cab_reader *r, uint64_t off, void *dst, size_t n)
{
	ssize_t got;
	size_t done = 0;

	if (off > r->size || n > r->size - off)
		return RC_SHORT;
	if (r->mem != NULL) {
		memcpy(dst, r->mem + off, n);
		return RC_OK;
	}
	while (done < n) {
		got = pread(r->fd, (uint8_t *)dst + done, n - done,
		    (off_t)(off + done));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return got < 0 ? RC_IO : RC_SHORT;
		done += (size_t)got;
	}
	return RC_OK;
}

/* The member covering uncompressed offset u of folder f (for messages). */
static const char *
member_at(const struct cf *c, uint32_t f, uint64_t u)
{
	const char *first = NULL;
	uint32_t i;

	for (i = 0; i < c->nfiles; i++) {
		if (c->files[i].folder != f)
			continue;
		if (first == NULL)
			first = c->files[i].name;
		if (u >= c->files[i].uoff &&
		    u - c->files[i].uoff < c->files[i].size)
			return c->files[i].name;
	}
	return first ? first : "(no member)";
}

/*
 * [MS-CAB] 2.1 CFHEADER:
 *   signature 'MSCF'(4) reserved1(4) cbCabinet(4) reserved2(4)
 *   coffFiles(4) reserved3(4) versionMinor(1) versionMajor(1)
 *   cFolders(2) cFiles(2) flags(2) setID(2) iCabinet(2)
 *   [cbCFHeader(2) cbCFFolder(1) cbCFData(1) abReserve(cbCFHeader)]
 *   [szCabinetPrev szDiskPrev] [szCabinetNext szDiskNext]
 */
static enum rc
cf_header(struct cab_reader *r, struct rd *h, struct cf *c)
{
	uint16_t rsv_hdr = 0;
	int i, strings;

	rd_skip(h, 8);
	c->cb_cabinet = rd_le32(h);
	rd_skip(h, 4);
	c->coff_files = rd_le32(h);
	rd_skip(h, 4 + 2);
	c->nfolders = rd_le16(h);
	c->nfiles = rd_le16(h);
	c->flags = rd_le16(h);
	rd_skip(h, 4);
	if (c->flags & CF_RESERVE_PRESENT) {
		rsv_hdr = rd_le16(h);
		c->rsv_folder = rd_u8(h);
		c->rsv_data = rd_u8(h);
		rd_skip(h, rsv_hdr);
	}
	strings = ((c->flags & CF_PREV_CABINET) ? 2 : 0) +
	    ((c->flags & CF_NEXT_CABINET) ? 2 : 0);
	for (i = 0; i < strings && rd_ok(h); i++)
		while (rd_u8(h) != 0 && rd_ok(h))
			;
	if (!rd_ok(h)) {
		seterr(r, "CFHEADER: cabinet ends at byte %llu inside its "
		    "header", (unsigned long long)r->size);
		return RC_SHORT;
	}
	/* A truncated cabinet is walked up to the real end first, so the
	 * message can name the member that was cut (cab_check). */
	c->declared = c->cb_cabinet;
	if (c->cb_cabinet > r->size)
		c->cb_cabinet = (uint32_t)r->size;
	if (c->nfiles == 0) {
		seterr(r, "CFHEADER.cFiles is 0: no members");
		return RC_MALFORMED;
	}
	return RC_OK;
}

/* [MS-CAB] 2.2 CFFOLDER: coffCabStart(4) cCFData(2) typeCompress(2)
 * abReserve(cbCFFolder) */
static enum rc
cf_folders(struct cab_reader *r, struct rd *h, struct cf *c)
{
	uint32_t i;

	for (i = 0; i < c->nfolders; i++) {
		c->folders[i].start = rd_le32(h);
		c->folders[i].ndata = rd_le16(h);
		c->folders[i].type = rd_le16(h);
		rd_skip(h, c->rsv_folder);
	}
	if (!rd_ok(h)) {
		seterr(r, "CFFOLDER table (%u folders) runs past the end of "
		    "the cabinet (%llu bytes)", c->nfolders,
		    (unsigned long long)r->size);
		return RC_SHORT;
	}
	if (c->coff_files < rd_pos(h)) {
		seterr(r, "CFHEADER.coffFiles %u points into the CFFOLDER "
		    "table, which ends at %zu", c->coff_files, rd_pos(h));
		return RC_MALFORMED;
	}
	return RC_OK;
}

/* [MS-CAB] 2.3 CFFILE: cbFile(4) uoffFolderStart(4) iFolder(2) date(2)
 * time(2) attribs(2) szName(NUL-terminated, at most 256 bytes) */
static enum rc
cf_files(struct cab_reader *r, struct rd *h, struct cf *c)
{
	struct cf_file *f;
	const uint8_t *nm;
	uint32_t i;
	size_t n, at;

	rd_skip(h, c->coff_files - rd_pos(h));
	for (i = 0; i < c->nfiles; i++) {
		at = rd_pos(h);
		f = &c->files[i];
		f->size = rd_le32(h);
		f->uoff = rd_le32(h);
		f->folder = rd_le16(h);
		rd_skip(h, 6);
		for (n = 0; n < NAME_MAX_BYTES && rd_peek_u8(h, n) != 0; n++)
			;
		nm = rd_bytes(h, n + 1);
		if (!rd_ok(h) || nm[n] != 0) {
			seterr(r, "CFFILE %u at offset %zu: %s", i, rd_pos(h),
			    rd_ok(h) ? "szName longer than 255 bytes" :
			    "runs past the end of the cabinet");
			return rd_ok(h) ? RC_MALFORMED : RC_SHORT;
		}
		f->name = (const char *)nm;
		if (f->folder >= IFOLD_CONTINUED_FROM_PREV) {
			seterr(r, "member '%s': continued from or into another "
			    "cabinet (iFolder 0x%04x); open the cabinet set "
			    "with cabextract", f->name, f->folder);
			return RC_UNSUPPORTED;
		}
		if (f->folder >= c->nfolders) {
			seterr(r, "member '%s': CFFILE %u at offset %zu: "
			    "iFolder %u >= cFolders %u", f->name, i, at,
			    f->folder, c->nfolders);
			return RC_MALFORMED;
		}
	}
	c->files_end = (uint32_t)rd_pos(h);
	return RC_OK;
}

/* [MS-CAB] 2.4 CFDATA header: csum(4) cbData(2) cbUncomp(2)
 * abReserve(cbCFData), then cbData bytes. Walks folder fi's chain. */
static enum rc
cf_data(struct cab_reader *r, struct cf *c, uint32_t fi)
{
	struct cf_folder *fo = &c->folders[fi];
	uint8_t hb[8];
	uint64_t off = fo->start;
	uint16_t cb, ucb;
	uint32_t b;
	struct rd d;

	fo->ubytes = 0;
	for (b = 0; b < fo->ndata; b++) {
		if (off > c->cb_cabinet ||
		    c->rsv_data + 8u > c->cb_cabinet - off ||
		    src_read(r, off, hb, sizeof(hb)) != RC_OK) {
			seterr(r, "member '%s': CFDATA block %u of folder %u "
			    "at offset %llu: header runs past the end of the "
			    "cabinet (%u bytes)", member_at(c, fi, fo->ubytes),
			    b, fi, (unsigned long long)off, c->cb_cabinet);
			return RC_SHORT;
		}
		d = rd_init(hb, sizeof(hb));
		rd_skip(&d, 4);
		cb = rd_le16(&d);
		ucb = rd_le16(&d);
		if (cb > MAX_CBDATA || ucb > MAX_UNCOMP) {
			seterr(r, "member '%s': CFDATA block %u of folder %u "
			    "at offset %llu: cbData %u, cbUncomp %u (at most "
			    "%u and %u)", member_at(c, fi, fo->ubytes), b, fi,
			    (unsigned long long)off, cb, ucb, MAX_CBDATA,
			    MAX_UNCOMP);
			return RC_MALFORMED;
		}
		if (cb > c->cb_cabinet - off - 8u - c->rsv_data) {
			seterr(r, "member '%s': CFDATA block %u of folder %u "
			    "at offset %llu: cbData %u > %llu bytes left in "
			    "the cabinet", member_at(c, fi, fo->ubytes), b, fi,
			    (unsigned long long)off, cb, (unsigned long long)
			    (c->cb_cabinet - off - 8u - c->rsv_data));
			return RC_SHORT;
		}
		off += 8u + c->rsv_data + cb;
		fo->ubytes += ucb;
	}
	fo->end = off;
	return RC_OK;
}

static int
by_start(const void *a, const void *b)
{
	const struct cf_folder *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Folders' data lie after the header, inside the cabinet, and apart. */
static enum rc
cf_layout(struct cab_reader *r, struct cf *c)
{
	struct cf_folder *s;
	uint32_t i;
	enum rc rc;

	for (i = 0; i < c->nfolders; i++) {
		if (c->folders[i].start < c->files_end) {
			seterr(r, "member '%s': CFFOLDER %u coffCabStart %u "
			    "points into the header, which ends at %u",
			    member_at(c, i, 0), i, c->folders[i].start,
			    c->files_end);
			return RC_MALFORMED;
		}
		if ((rc = cf_data(r, c, i)) != RC_OK)
			return rc;
	}
	for (i = 0; i < c->nfiles; i++) {
		const struct cf_file *f = &c->files[i];

		uint64_t fbytes = c->folders[f->folder].ubytes;

		if ((uint64_t)f->uoff + f->size > fbytes) {
			seterr(r, "member '%s': uoffFolderStart %u + cbFile %u "
			    "> %llu bytes in folder %u", f->name, f->uoff,
			    f->size, (unsigned long long)fbytes, f->folder);
			return RC_MALFORMED;
		}
	}
	if ((s = malloc(c->nfolders * sizeof(*s) + 1)) == NULL)
		return RC_NOMEM;
	memcpy(s, c->folders, c->nfolders * sizeof(*s));
	qsort(s, c->nfolders, sizeof(*s), by_start);
	for (i = 1; i < c->nfolders; i++)
		if (s[i].start < s[i - 1].end && s[i - 1].ndata > 0) {
			seterr(r, "CFDATA of two folders overlap: one spans "
			    "%u..%llu, another starts at %u", s[i - 1].start,
			    (unsigned long long)s[i - 1].end, s[i].start);
			free(s);
			return RC_MALFORMED;
		}
	free(s);
	return RC_OK;
}

/*
 * Bytes to read for the header region: up to the end of the largest
 * CFFILE table the header allows (coffFiles + cFiles * 272), never more
 * than the file or LIMIT_CAB_HEADER_BYTES, so that opening a 2 GiB
 * cabinet reads kilobytes. Short or odd headers are left to cf_header().
 */
static size_t
header_bytes(struct cab_reader *r)
{
	uint8_t fixed[CFHEADER_BYTES];
	uint64_t want = LIMIT_CAB_HEADER_BYTES;
	uint32_t coff;
	uint16_t nfiles;
	struct rd h;

	if (src_read(r, 0, fixed, sizeof(fixed)) == RC_OK) {
		h = rd_init(fixed, sizeof(fixed));
		rd_skip(&h, 16);
		coff = rd_le32(&h);		/* coffFiles */
		rd_skip(&h, 8);			/* reserved3, version, cFolders */
		nfiles = rd_le16(&h);		/* cFiles */
		if (rd_ok(&h))
			want = (uint64_t)coff + (uint64_t)nfiles *
			    (CFFILE_BYTES + NAME_MAX_BYTES);
	}
	if (want > LIMIT_CAB_HEADER_BYTES)
		want = LIMIT_CAB_HEADER_BYTES;
	return want < r->size ? (size_t)want : (size_t)r->size;
}

/* Checks a cabinet's structure before libarchive reads it. */
static enum rc
cab_check(struct cab_reader *r)
{
	struct cf c = {0};
	uint8_t *hb = NULL;
	size_t hlen;
	struct rd h;
	enum rc rc;

	hlen = header_bytes(r);
	if ((hb = malloc(hlen + 1)) == NULL)
		return RC_NOMEM;
	if ((rc = src_read(r, 0, hb, hlen)) != RC_OK) {
		seterr(r, "reading the cabinet header: %s", strerror(errno));
		goto out;
	}
	h = rd_init(hb, hlen);
	if ((rc = cf_header(r, &h, &c)) != RC_OK)
		goto out;
	c.folders = calloc((size_t)c.nfolders + 1, sizeof(*c.folders));
	c.files = calloc((size_t)c.nfiles + 1, sizeof(*c.files));
	rc = RC_NOMEM;
	if (c.folders == NULL || c.files == NULL)
		goto out;
	if ((rc = cf_folders(r, &h, &c)) != RC_OK ||
	    (rc = cf_files(r, &h, &c)) != RC_OK)
		goto out;
	if ((rc = cf_layout(r, &c)) == RC_OK && c.declared > c.cb_cabinet) {
		seterr(r, "member '%s': CFHEADER.cbCabinet %u > file size %llu "
		    "(truncated cabinet)", c.files[c.nfiles - 1].name,
		    c.declared, (unsigned long long)r->size);
		rc = RC_SHORT;
	}
out:
	if (rc == RC_NOMEM)
		seterr(r, "out of memory");
	free(c.folders);
	free(c.files);
	free(hb);
	return rc;
}

struct cab_reader *
cab_reader_new(void)
{
	struct cab_reader *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->fd = -1;
	if ((r->chunk = malloc(CHUNK)) == NULL) {
		free(r);
		return NULL;
	}
	return r;
}

static enum rc
set_label(struct cab_reader *r, const char *label)
{
	free(r->label);
	r->label = strdup(label ? label : "(archive)");
	return r->label ? RC_OK : RC_NOMEM;
}

/* libarchive handle for the formats we read, or NULL. */
static struct archive *
new_archive(void)
{
	struct archive *a = archive_read_new();

	if (a == NULL)
		return NULL;
	archive_read_support_format_cab(a);
	archive_read_support_format_zip(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_xz(a);
	return a;
}

/* Common tail of both opens: our cab check, then libarchive. */
static enum rc
open_common(struct cab_reader *r)
{
	uint8_t sig[4];
	enum rc rc;
	int ar;

	if (r->a != NULL) {
		seterr(r, "reader already open");
		return RC_INVAL;
	}
	if (src_read(r, 0, sig, sizeof(sig)) == RC_OK &&
	    memcmp(sig, "MSCF", 4) == 0 && (rc = cab_check(r)) != RC_OK)
		return rc;
	if ((r->a = new_archive()) == NULL) {
		seterr(r, "out of memory");
		return RC_NOMEM;
	}
	if (r->mem != NULL)
		ar = archive_read_open_memory(r->a, r->mem, r->memlen);
	else
		ar = archive_read_open_filename(r->a, r->label, CHUNK);
	if (ar != ARCHIVE_OK) {
		seterr(r, "%s", archive_error_string(r->a));
		return RC_FORMAT;
	}
	return RC_OK;
}

enum rc
cab_reader_open_file(struct cab_reader *r, const char *path)
{
	struct stat st;
	enum rc rc;

	if ((rc = set_label(r, path)) != RC_OK)
		return rc;
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0 || fstat(r->fd, &st) != 0) {
		rc = errno == ENOENT ? RC_NOTFOUND :
		    errno == EACCES ? RC_PERM : RC_IO;
		seterr(r, "%s", strerror(errno));
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		seterr(r, "not a regular file");
		return RC_FORMAT;
	}
	r->size = (uint64_t)st.st_size;
	rc = open_common(r);
	close(r->fd);
	r->fd = -1;
	return rc;
}

enum rc
cab_reader_open_mem(struct cab_reader *r, const void *data, size_t len,
    const char *label)
{
	enum rc rc;

	if ((rc = set_label(r, label)) != RC_OK)
		return rc;
	r->mem = data;
	r->memlen = len;
	r->size = len;
	return open_common(r);
}

/* Maps a failed libarchive call to an rc and a message naming the member. */
static enum rc
ar_fail(struct cab_reader *r, const char *what)
{
	const char *msg = archive_error_string(r->a);

	if (r->have_cur)
		seterr(r, "member '%s': %s", r->cur, msg ? msg : what);
	else
		seterr(r, "%s", msg ? msg : what);
	if (archive_errno(r->a) == ENOMEM)
		return RC_NOMEM;
	return archive_format(r->a) == 0 ? RC_FORMAT : RC_MALFORMED;
}

static enum rc
describe(struct cab_reader *r, struct archive_entry *e, struct cab_member *m)
{
	const char *name = archive_entry_pathname_utf8(e);

	if (name == NULL)
		name = archive_entry_pathname(e);
	free(r->cur);
	if ((r->cur = strdup(name ? name : "")) == NULL) {
		r->have_cur = false;
		seterr(r, "out of memory");
		return RC_NOMEM;
	}
	r->have_cur = true;
	r->cur_read = false;
	m->name = r->cur;
	m->size_known = archive_entry_size_is_set(e) != 0;
	m->size = m->size_known && archive_entry_size(e) > 0 ?
	    (uint64_t)archive_entry_size(e) : 0;
	m->mtime = archive_entry_mtime(e);
	m->index = r->count++;
	return RC_OK;
}

enum rc
cab_reader_next(struct cab_reader *r, struct cab_member *m)
{
	struct archive_entry *e;
	int ar;

	if (r->a == NULL) {
		seterr(r, "archive is not open");
		return RC_INVAL;
	}
	/* libarchive 3.6.2 loses its place in a cabinet when it skips a
	 * member's data and the next member is in another folder ("Invalid
	 * CFDATA"); its skip decompresses anyway, so draining costs the
	 * same and avoids the bug. */
	if (r->have_cur && !r->cur_read &&
	    (archive_format(r->a) & ARCHIVE_FORMAT_BASE_MASK) ==
	    ARCHIVE_FORMAT_CAB) {
		la_ssize_t n;

		while ((n = archive_read_data(r->a, r->chunk, CHUNK)) > 0)
			;
		if (n < 0)
			return ar_fail(r, "cannot skip member data");
	}
	for (;;) {
		ar = archive_read_next_header(r->a, &e);
		if (ar == ARCHIVE_EOF) {
			r->have_cur = false;
			return RC_EOF;
		}
		if (ar != ARCHIVE_OK && ar != ARCHIVE_WARN)
			return ar_fail(r, "cannot read the next member");
		if (archive_entry_filetype(e) == AE_IFREG)
			break;
	}
	if (r->count >= LIMIT_ARCHIVE_MEMBERS) {
		seterr(r, "more than %u members (LIMIT_ARCHIVE_MEMBERS)",
		    LIMIT_ARCHIVE_MEMBERS);
		return RC_LIMIT;
	}
	return describe(r, e, m);
}

enum rc
cab_reader_stream(struct cab_reader *r, cab_reader_sink sink, void *ctx)
{
	la_ssize_t n;
	enum rc rc;

	if (r->a == NULL || !r->have_cur) {
		seterr(r, "no current member");
		return RC_INVAL;
	}
	r->cur_read = true;
	while ((n = archive_read_data(r->a, r->chunk, CHUNK)) > 0)
		if ((rc = sink(ctx, r->chunk, (size_t)n)) != RC_OK)
			return rc;
	if (n < 0)
		return ar_fail(r, "cannot read member data");
	return RC_OK;
}

struct collect {
	uint8_t *data;
	size_t len, cap, max;
	struct cab_reader *r;
};

static enum rc
collect(void *ctx, const uint8_t *p, size_t n)
{
	struct collect *c = ctx;
	uint8_t *np;
	size_t ncap;

	if (n > c->max - c->len) {
		seterr(c->r, "member '%s': more than %zu bytes", c->r->cur,
		    c->max);
		return RC_LIMIT;
	}
	if (n > c->cap - c->len) {
		ncap = c->cap ? c->cap : CHUNK;
		while (ncap - c->len < n)
			ncap = ncap > c->max / 2 ? c->max : ncap * 2;
		if ((np = realloc(c->data, ncap)) == NULL) {
			seterr(c->r, "member '%s': out of memory", c->r->cur);
			return RC_NOMEM;
		}
		c->data = np;
		c->cap = ncap;
	}
	memcpy(c->data + c->len, p, n);
	c->len += n;
	return RC_OK;
}

enum rc
cab_reader_read_all(struct cab_reader *r, size_t max, uint8_t **data,
    size_t *len)
{
	struct collect c = {NULL, 0, 0, max, r};
	enum rc rc;

	*data = NULL;
	*len = 0;
	if ((uint64_t)c.max > LIMIT_ARCHIVE_MEMBER_BYTES)
		c.max = (size_t)LIMIT_ARCHIVE_MEMBER_BYTES;
	if ((rc = cab_reader_stream(r, collect, &c)) != RC_OK) {
		free(c.data);
		return rc;
	}
	if (c.data == NULL && (c.data = malloc(1)) == NULL)
		return RC_NOMEM;
	*data = c.data;
	*len = c.len;
	return RC_OK;
}

const char *
cab_reader_format(const struct cab_reader *r)
{
	int fmt, filt;

	if (r->a == NULL || r->count == 0)
		return "unknown";
	fmt = archive_format(r->a) & ARCHIVE_FORMAT_BASE_MASK;
	filt = archive_filter_count(r->a) > 1 ? archive_filter_code(r->a, 0) :
	    ARCHIVE_FILTER_NONE;
	if (fmt == ARCHIVE_FORMAT_CAB)
		return "cab";
	if (fmt == ARCHIVE_FORMAT_ZIP)
		return "zip";
	if (fmt != ARCHIVE_FORMAT_TAR)
		return "unknown";
	return filt == ARCHIVE_FILTER_GZIP ? "tar.gz" :
	    filt == ARCHIVE_FILTER_BZIP2 ? "tar.bz2" :
	    filt == ARCHIVE_FILTER_XZ ? "tar.xz" : "tar";
}

const char *
cab_reader_errmsg(const struct cab_reader *r)
{
	return r->err;
}

void
cab_reader_free(struct cab_reader *r)
{
	if (r == NULL)
		return;
	if (r->a != NULL)
		archive_read_free(r->a);
	if (r->fd >= 0)
		close(r->fd);
	free(r->cur);
	free(r->chunk);
	free(r->label);
	free(r);
}

bool
cab_reader_name_is_safe(const char *name)
{
	size_t i, comp = 0, len = strlen(name);

	if (len == 0 || name[0] == '/' || name[0] == '\\' ||
	    (len >= 2 && name[1] == ':'))
		return false;
	for (i = 0; i <= len; i++) {
		unsigned char ch = (unsigned char)name[i];

		if (ch != 0 && (ch < 0x20 || ch == 0x7F))
			return false;
		if (ch == '/' || ch == '\\' || ch == 0) {
			size_t cl = i - comp;

			if (cl == 0 || (cl == 1 && name[comp] == '.') ||
			    (cl == 2 && name[comp] == '.' &&
			    name[comp + 1] == '.'))
				return false;
			comp = i + 1;
		}
	}
	return true;
}
