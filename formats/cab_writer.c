/*
 * Microsoft Cabinet writer, [MS-CAB] (Microsoft Cabinet File Format) 2.1
 * CFHEADER, 2.2 CFFOLDER, 2.3 CFFILE, 2.4 CFDATA, with MSZIP compression
 * per [MS-MCI] 2.1: every CFDATA block holds at most 32 KiB of the
 * folder's uncompressed stream, as "CK" followed by a complete raw deflate
 * stream (RFC 1951, last block flagged BFINAL) that may refer back to the
 * previous block's 32 KiB, which is the decoder's history.
 *
 * Workload: capture packaging, i.e. a few members of up to a few GiB of
 * pcap. Because block i depends only on the uncompressed bytes of blocks i
 * and i-1, blocks are compressed in parallel (pigz's idea): the caller's
 * thread reads input into a ring of slots, worker threads deflate them
 * (deflateReset + deflateSetDictionary(previous block) + Z_FINISH), and the
 * caller's thread writes finished slots to the spool in order. Memory is
 * the ring plus the file table, whatever the input size.
 *
 * The cabinet layout is header, folders, file table, then the CFDATA of
 * folder 0, 1, ...; the header must state offsets that depend on every
 * name, so data is spooled to an anonymous file and copied after the
 * header at the end (copy_file_range, in the kernel).
 */
#include "formats/cab_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "formats/atomic_file.h"
#include "formats/buf.h"

#define CFHEADER_BYTES 36u
#define CFFOLDER_BYTES 8u
#define CFFILE_BYTES 16u /* without szName */
#define CFDATA_HDR 8u
/* "CK" + one stored deflate block (1 header byte, LEN, NLEN) + data: the
 * most a block ever takes, within [MS-MCI]'s 32768 + 12. */
#define MSZIP_MAX_DATA (2u + 5u + CAB_BLOCK_BYTES)
#define BLOCK_WORST (CFDATA_HDR + MSZIP_MAX_DATA)
#define TYPE_MSZIP 1u
#define SPOOL_BUF (1024u * 1024u)
#define ERRMSG 512

struct slot {
	uint8_t in[CAB_BLOCK_BYTES];
	uint8_t out[BLOCK_WORST];
	const uint8_t *dict; /* view: previous slot's in, or NULL */
	size_t inlen;
	size_t outlen;
	bool stored;
	bool done; /* guarded by the ring mutex */
};

struct entry {
	char *name;     /* owned, '\\' separated */
	uint32_t size;  /* cbFile */
	uint32_t uoff;  /* uoffFolderStart */
	uint16_t folder;
	uint16_t date, time, attrs;
};

struct folder {
	uint64_t spool_off; /* CFDATA start, relative to the data area */
	uint32_t blocks;
};

struct cab_writer {
	char *path;
	int level;
	struct cab_limits lim;
	int spool;
	uint8_t *obuf; /* spool write buffer (SPOOL_BUF) */
	size_t olen;
	uint64_t spool_bytes; /* written or buffered */

	/* The ring: slot seq s lives in slots[s % nslots]. Seqs below tail
	 * are written; [tail, filled) are being compressed; filled is the
	 * slot being filled with fill bytes. */
	struct slot *slots;
	unsigned nslots;
	uint64_t tail, filled, next; /* next: first seq no worker took */
	size_t fill;
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	pthread_t *thr;
	unsigned nthr;
	bool stop;
	z_stream z; /* used when nthr == 0 */
	bool z_ok;

	struct entry *files;
	uint32_t nfiles, capfiles;
	uint32_t *hash; /* open addressing, index + 1, 0 = empty */
	uint32_t hashcap;
	size_t names_bytes;
	struct folder *folders;
	uint32_t nfolders, capfolders;
	bool folder_open;
	uint64_t folder_ubytes;
	uint32_t folder_blocks; /* blocks submitted in the open folder */

	struct cab_writer_stats st;
	enum rc failed; /* sticky: the spool no longer matches the table */
	bool finished;
	char err[ERRMSG];
};

static void
seterr(struct cab_writer *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#include <stdarg.h>

static void
seterr(struct cab_writer *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->err, sizeof(w->err), fmt, ap);
	va_end(ap);
}

static void
put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, v & 0xFFFF);
	put16(p + 2, v >> 16);
}

/*
 * [MS-CAB] 2.4 CFDATA.csum: XOR of the data as little-endian 32-bit words;
 * the 1-3 trailing bytes are packed first-byte-highest (as libmspack and
 * Windows' FCI do). Seeded with the data's sum when run over the
 * cbData/cbUncomp fields.
 */
static uint32_t
cab_checksum(const uint8_t *p, size_t n, uint32_t seed)
{
	uint32_t c = seed, ul = 0;
	size_t i;

	for (i = 0; n - i >= 4; i += 4)
		c ^= (uint32_t)p[i] | (uint32_t)p[i + 1] << 8 |
		    (uint32_t)p[i + 2] << 16 | (uint32_t)p[i + 3] << 24;
	if ((n & 3) == 3)
		ul |= (uint32_t)p[i++] << 16;
	if ((n & 3) >= 2)
		ul |= (uint32_t)p[i++] << 8;
	if ((n & 3) >= 1)
		ul |= p[i];
	return c ^ ul;
}

/*
 * One CFDATA block: csum(4) cbData(2) cbUncomp(2) then "CK" and a raw
 * deflate stream. deflate gets exactly the room a stored block would
 * take; if it does not finish there the block is stored, so cbData never
 * exceeds MSZIP_MAX_DATA.
 */
static void
compress_block(z_stream *z, int level, struct slot *s)
{
	uint8_t *p = s->out + CFDATA_HDR;
	size_t room = 5 + s->inlen, clen = 0, cb;
	bool ok = false;

	p[0] = 'C';
	p[1] = 'K';
	if (level > 0 && deflateReset(z) == Z_OK) {
		if (s->dict != NULL)
			(void)deflateSetDictionary(z, s->dict, CAB_BLOCK_BYTES);
		z->next_in = s->in;
		z->avail_in = (uInt)s->inlen;
		z->next_out = p + 2;
		z->avail_out = (uInt)room;
		if (deflate(z, Z_FINISH) == Z_STREAM_END) {
			clen = room - z->avail_out;
			ok = true;
		}
	}
	s->stored = !ok;
	if (!ok) {
		p[2] = 0x01; /* BFINAL = 1, BTYPE = 00 stored */
		put16(p + 3, s->inlen);
		put16(p + 5, ~s->inlen & 0xFFFF);
		memcpy(p + 7, s->in, s->inlen);
		clen = 5 + s->inlen;
	}
	cb = 2 + clen;
	put16(s->out + 4, cb);
	put16(s->out + 6, s->inlen);
	put32(s->out, cab_checksum(s->out + 4, 4, cab_checksum(p, cb, 0)));
	s->outlen = CFDATA_HDR + cb;
}

static bool
zinit(z_stream *z, int level)
{
	memset(z, 0, sizeof(*z));
	/* Raw deflate (negative window bits), 32 KiB window as MSZIP's. */
	return deflateInit2(z, level > 0 ? level : 1, Z_DEFLATED, -15, 8,
	    Z_DEFAULT_STRATEGY) == Z_OK;
}

static void *
worker(void *arg)
{
	struct cab_writer *w = arg;
	struct slot *s;
	z_stream z;
	bool zok = zinit(&z, w->level);

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->stop && w->next == w->filled)
			pthread_cond_wait(&w->work, &w->mu);
		if (w->next == w->filled)
			break; /* stop and nothing left */
		s = &w->slots[w->next++ % w->nslots];
		pthread_mutex_unlock(&w->mu);
		compress_block(&z, zok ? w->level : 0, s);
		pthread_mutex_lock(&w->mu);
		s->done = true;
		pthread_cond_broadcast(&w->done);
	}
	pthread_mutex_unlock(&w->mu);
	if (zok)
		deflateEnd(&z);
	return NULL;
}

static enum rc
spool_flush(struct cab_writer *w)
{
	enum rc rc;

	if (w->olen == 0)
		return RC_OK;
	rc = atomic_file_write_fd(w->spool, w->obuf, w->olen);
	w->olen = 0;
	if (rc != RC_OK) {
		seterr(w, "%s: writing the spool file: %s", w->path,
		    strerror(errno));
		w->failed = rc;
	}
	return rc;
}

/* Waits for the oldest in-flight slot and writes it to the spool. */
static enum rc
write_tail(struct cab_writer *w)
{
	struct slot *s = &w->slots[w->tail % w->nslots];

	if (w->nthr > 0) {
		pthread_mutex_lock(&w->mu);
		while (!s->done)
			pthread_cond_wait(&w->done, &w->mu);
		pthread_mutex_unlock(&w->mu);
	}
	w->tail++;
	if (SPOOL_BUF - w->olen < s->outlen && spool_flush(w) != RC_OK)
		return w->failed;
	memcpy(w->obuf + w->olen, s->out, s->outlen);
	w->olen += s->outlen;
	w->spool_bytes += s->outlen;
	w->st.blocks++;
	w->st.stored += s->stored;
	return RC_OK;
}

/* Hands the filling slot to the compressors and readies the next one. */
static enum rc
submit(struct cab_writer *w)
{
	struct slot *s = &w->slots[w->filled % w->nslots];
	enum rc rc;

	s->inlen = w->fill;
	s->done = false;
	/* The previous block is the history only inside one folder, and only
	 * when it was a full 32 KiB (it always is before another block). */
	s->dict = w->folder_blocks > 0 ?
	    w->slots[(w->filled - 1) % w->nslots].in : NULL;
	w->folder_blocks++;
	w->fill = 0;
	if (w->nthr == 0) {
		compress_block(&w->z, w->z_ok ? w->level : 0, s);
		s->done = true;
		w->filled++;
	} else {
		pthread_mutex_lock(&w->mu);
		w->filled++;
		pthread_cond_signal(&w->work);
		pthread_mutex_unlock(&w->mu);
	}
	/* The next slot to fill held seq filled - nslots, which is the
	 * dictionary of seq filled - nslots + 1: both must be done before
	 * it is overwritten, so at most nslots - 2 stay in flight. */
	while (w->filled - w->tail > w->nslots - 2)
		if ((rc = write_tail(w)) != RC_OK)
			return rc;
	return RC_OK;
}

static enum rc
drain(struct cab_writer *w)
{
	enum rc rc;

	while (w->tail < w->filled)
		if ((rc = write_tail(w)) != RC_OK)
			return rc;
	return RC_OK;
}

/* Ends the open folder: its last partial block, then every block
 * written, so the next folder's spool offset is known. */
static enum rc
folder_close(struct cab_writer *w)
{
	enum rc rc;

	if (!w->folder_open)
		return RC_OK;
	if (w->fill > 0 && (rc = submit(w)) != RC_OK)
		return rc;
	if ((rc = drain(w)) != RC_OK)
		return rc;
	w->folders[w->nfolders - 1].blocks = w->folder_blocks;
	w->folder_open = false;
	return RC_OK;
}

static enum rc
folder_open(struct cab_writer *w)
{
	struct folder *f;

	if (w->nfolders == w->capfolders) {
		uint32_t ncap = w->capfolders ? w->capfolders * 2 : 4;

		f = realloc(w->folders, ncap * sizeof(*f));
		if (f == NULL)
			return RC_NOMEM;
		w->folders = f;
		w->capfolders = ncap;
	}
	f = &w->folders[w->nfolders++];
	f->spool_off = w->spool_bytes;
	f->blocks = 0;
	w->folder_open = true;
	w->folder_ubytes = 0;
	w->folder_blocks = 0;
	w->st.folders = w->nfolders;
	return RC_OK;
}

/* Length of the UTF-8 sequence at p (RFC 3629 3), 0 when invalid. */
static size_t
utf8_seq(const unsigned char *p, size_t left)
{
	uint32_t cp;
	size_t n, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xC2 && p[0] <= 0xDF)
		n = 2, cp = p[0] & 0x1Fu;
	else if (p[0] >= 0xE0 && p[0] <= 0xEF)
		n = 3, cp = p[0] & 0x0Fu;
	else if (p[0] >= 0xF0 && p[0] <= 0xF4)
		n = 4, cp = p[0] & 0x07u;
	else
		return 0;
	if (n > left)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3Fu);
	}
	/* Overlong forms, surrogates and beyond U+10FFFF are not UTF-8. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		return 0;
	return n;
}

/*
 * Checks a member name and returns it '\\'-separated in *outp (owned), or
 * RC_INVAL with a message. Absolute names, empty, "." and ".." components
 * are refused so that no extractor can be led outside its directory.
 */
static enum rc
name_norm(struct cab_writer *w, const char *name, char **outp, bool *utf)
{
	size_t len = strlen(name), i, n, comp = 0;
	const unsigned char *u = (const unsigned char *)name;
	char *out;

	*utf = false;
	*outp = NULL;
	if (len == 0 || len > CAB_MAX_NAME_BYTES) {
		seterr(w, "member name '%.64s' is %zu bytes; CFFILE.szName "
		    "holds 1 to %u", name, len, CAB_MAX_NAME_BYTES);
		return RC_INVAL;
	}
	if (name[len - 1] == '/' || name[len - 1] == '\\') {
		seterr(w, "member name '%.64s' ends with a separator", name);
		return RC_INVAL;
	}
	for (i = 0; i < len; i += n) {
		n = utf8_seq(u + i, len - i);
		if (n == 0 || u[i] < 0x20 || u[i] == 0x7F) {
			seterr(w, "member name '%.64s': byte 0x%02x at offset "
			    "%zu is not printable UTF-8", name, u[i], i);
			return RC_INVAL;
		}
		*utf |= n > 1;
		if (u[i] == '/' || u[i] == '\\' || i + n == len) {
			size_t end = (u[i] == '/' || u[i] == '\\') ? i : len;
			size_t cl = end - comp;

			if (cl == 0 || (cl == 1 && name[comp] == '.') ||
			    (cl == 2 && name[comp] == '.' &&
			    name[comp + 1] == '.')) {
				seterr(w, "member name '%.64s': empty, '.' or "
				    "'..' component at offset %zu", name, comp);
				return RC_INVAL;
			}
			comp = i + 1;
		}
	}
	if ((out = strdup(name)) == NULL) {
		seterr(w, "out of memory");
		return RC_NOMEM;
	}
	for (i = 0; i < len; i++)
		if (out[i] == '/')
			out[i] = '\\';
	*outp = out;
	return RC_OK;
}

/* FNV-1a over the ASCII-case-folded name: Windows extracts names case
 * insensitively, so "A.pcap" and "a.pcap" would collide there. */
static uint32_t
name_hash(const char *s)
{
	uint32_t h = 2166136261u;
	unsigned char c;

	while ((c = (unsigned char)*s++) != '\0') {
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c + ('a' - 'A'));
		h = (h ^ c) * 16777619u;
	}
	return h;
}

/* Slot in the hash table for name: the matching entry or the empty one. */
static uint32_t *
hash_find(struct cab_writer *w, const char *name)
{
	uint32_t i = name_hash(name) & (w->hashcap - 1);

	for (;; i = (i + 1) & (w->hashcap - 1)) {
		if (w->hash[i] == 0 ||
		    strcasecmp(w->files[w->hash[i] - 1].name, name) == 0)
			return &w->hash[i];
	}
}

static enum rc
hash_grow(struct cab_writer *w)
{
	uint32_t *old = w->hash, oldcap = w->hashcap, i;

	if (w->hash != NULL && (w->nfiles + 1) * 2 <= w->hashcap)
		return RC_OK;
	w->hashcap = oldcap ? oldcap * 2 : 64;
	w->hash = calloc(w->hashcap, sizeof(*w->hash));
	if (w->hash == NULL) {
		w->hash = old;
		w->hashcap = oldcap;
		return RC_NOMEM;
	}
	for (i = 0; i < oldcap; i++)
		if (old[i] != 0)
			*hash_find(w, w->files[old[i] - 1].name) = old[i];
	free(old);
	return RC_OK;
}

/* [MS-CAB] 2.3 CFFILE.date/time: MS-DOS format, local time, 1980-2107. */
static void
dos_time(time_t t, uint16_t *date, uint16_t *tm_out)
{
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL || tm.tm_year < 80) {
		*date = 1 << 5 | 1; /* 1980-01-01 */
		*tm_out = 0;
		return;
	}
	if (tm.tm_year > 207)
		tm.tm_year = 207;
	*date = (uint16_t)((tm.tm_year - 80) << 9 | (tm.tm_mon + 1) << 5 |
	    tm.tm_mday);
	*tm_out = (uint16_t)(tm.tm_hour << 11 | tm.tm_min << 5 | tm.tm_sec / 2);
}

/* Cabinet size if a member of size bytes named with nlen bytes were added
 * now and every block came out incompressible. */
static uint64_t
worst_size(const struct cab_writer *w, size_t nlen, uint64_t size)
{
	/* In flight, the filling block with the member, and one more for a
	 * partial block flushed when the member starts a folder. */
	uint64_t blocks = (w->filled - w->tail) + (w->fill > 0) +
	    (w->fill + size + CAB_BLOCK_BYTES - 1) / CAB_BLOCK_BYTES;

	return CFHEADER_BYTES + (uint64_t)(w->nfolders + 1) * CFFOLDER_BYTES +
	    w->names_bytes + CFFILE_BYTES + nlen + 1 + w->spool_bytes +
	    blocks * BLOCK_WORST;
}

enum rc
cab_writer_fits(struct cab_writer *w, const char *name, uint64_t size)
{
	uint64_t worst = worst_size(w, strlen(name), size);

	if (size > w->lim.folder_bytes) {
		seterr(w, "member '%s' is %llu bytes; a cabinet folder holds "
		    "at most %u", name, (unsigned long long)size,
		    w->lim.folder_bytes);
		return RC_LIMIT;
	}
	if (w->nfiles >= w->lim.files) {
		seterr(w, "member '%s': cabinet %s already holds %u members, "
		    "the most allowed", name, w->path, w->nfiles);
		return RC_LIMIT;
	}
	if (worst > w->lim.cabinet_bytes) {
		seterr(w, "member '%s' (%llu bytes) might take cabinet %s to "
		    "%llu bytes > %u", name, (unsigned long long)size, w->path,
		    (unsigned long long)worst, w->lim.cabinet_bytes);
		return RC_LIMIT;
	}
	return RC_OK;
}

/*
 * Checks name and limits, starts a folder when the member would overflow
 * the open one, and records the CFFILE entry. Nothing is written to the
 * spool, so a refusal here leaves the writer usable.
 */
static enum rc
member_begin(struct cab_writer *w, const char *name, uint64_t size,
    time_t mtime, uint16_t attrs)
{
	struct entry *e;
	uint32_t *slot;
	bool utf;
	char *norm;
	enum rc rc;

	if (w->failed != RC_OK)
		return w->failed;
	if (w->finished) {
		seterr(w, "cabinet %s is already finished", w->path);
		return RC_INVAL;
	}
	if ((rc = name_norm(w, name, &norm, &utf)) != RC_OK)
		return rc;
	if ((rc = cab_writer_fits(w, norm, size)) != RC_OK)
		goto fail;
	rc = RC_NOMEM;
	if (hash_grow(w) != RC_OK)
		goto fail;
	slot = hash_find(w, norm);
	if (*slot != 0) {
		seterr(w, "member '%s' is already in cabinet %s (names are "
		    "compared ignoring case, as Windows does)", name, w->path);
		rc = RC_EXISTS;
		goto fail;
	}
	if (w->nfiles == w->capfiles) {
		uint32_t ncap = w->capfiles ? w->capfiles * 2 : 16;

		if ((e = realloc(w->files, ncap * sizeof(*e))) == NULL)
			goto fail;
		w->files = e;
		w->capfiles = ncap;
	}
	if (w->folder_open && size > w->lim.folder_bytes - w->folder_ubytes &&
	    (rc = folder_close(w)) != RC_OK)
		goto fail;
	if (!w->folder_open && (rc = folder_open(w)) != RC_OK)
		goto fail;
	e = &w->files[w->nfiles];
	e->name = norm;
	e->size = (uint32_t)size;
	e->uoff = (uint32_t)w->folder_ubytes;
	e->folder = (uint16_t)(w->nfolders - 1);
	dos_time(mtime, &e->date, &e->time);
	e->attrs = (uint16_t)(attrs | (utf ? CAB_ATTR_NAME_IS_UTF : 0));
	*slot = ++w->nfiles;
	w->names_bytes += CFFILE_BYTES + strlen(norm) + 1;
	w->folder_ubytes += size;
	w->st.files = w->nfiles;
	w->st.in_bytes += size;
	return RC_OK;
fail:
	free(norm);
	if (rc == RC_NOMEM)
		seterr(w, "out of memory");
	return rc;
}

/* Copies member bytes into the filling slot, submitting full blocks. */
static enum rc
feed(struct cab_writer *w, const uint8_t *p, size_t n)
{
	struct slot *s;
	size_t take;
	enum rc rc;

	while (n > 0) {
		s = &w->slots[w->filled % w->nslots];
		take = CAB_BLOCK_BYTES - w->fill;
		if (take > n)
			take = n;
		memcpy(s->in + w->fill, p, take);
		w->fill += take;
		p += take;
		n -= take;
		if (w->fill == CAB_BLOCK_BYTES && (rc = submit(w)) != RC_OK)
			return rc;
	}
	return RC_OK;
}

enum rc
cab_writer_add_mem(struct cab_writer *w, const char *name, const void *data,
    size_t len, time_t mtime)
{
	enum rc rc;

	if ((rc = member_begin(w, name, len, mtime, CAB_ATTR_ARCH)) != RC_OK)
		return rc;
	return feed(w, data, len);
}

/* Reads size bytes of member name from fd straight into the ring. */
static enum rc
feed_fd(struct cab_writer *w, const char *name, int fd, uint64_t size)
{
	uint64_t left = size;
	struct slot *s;
	size_t want;
	ssize_t got;
	enum rc rc;

	while (left > 0) {
		s = &w->slots[w->filled % w->nslots];
		want = CAB_BLOCK_BYTES - w->fill;
		if (want > left)
			want = (size_t)left;
		got = read(fd, s->in + w->fill, want);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			/* The table already promises size bytes: the cabinet
			 * can no longer be completed. */
			seterr(w, "member '%s': read %llu of %llu bytes: %s",
			    name, (unsigned long long)(size - left),
			    (unsigned long long)size,
			    got < 0 ? strerror(errno) : "file shrank");
			w->failed = RC_IO;
			return RC_IO;
		}
		w->fill += (size_t)got;
		left -= (uint64_t)got;
		if (w->fill == CAB_BLOCK_BYTES && (rc = submit(w)) != RC_OK)
			return rc;
	}
	return RC_OK;
}

static uint16_t
attrs_of(mode_t mode)
{
	uint16_t a = CAB_ATTR_ARCH;

	if ((mode & 0222) == 0)
		a |= CAB_ATTR_RDONLY;
	if (mode & 0100)
		a |= CAB_ATTR_EXEC;
	return a;
}

static enum rc
add_fd_attrs(struct cab_writer *w, const char *name, int fd, uint64_t size,
    time_t mtime, uint16_t attrs)
{
	enum rc rc;

	if ((rc = member_begin(w, name, size, mtime, attrs)) != RC_OK)
		return rc;
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	return feed_fd(w, name, fd, size);
}

enum rc
cab_writer_add_fd(struct cab_writer *w, const char *name, int fd,
    uint64_t size, time_t mtime)
{
	return add_fd_attrs(w, name, fd, size, mtime, CAB_ATTR_ARCH);
}

enum rc
cab_writer_add_file(struct cab_writer *w, const char *name, const char *path)
{
	struct stat st;
	enum rc rc;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		rc = errno == ENOENT ? RC_NOTFOUND :
		    errno == EACCES ? RC_PERM : RC_IO;
		seterr(w, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		seterr(w, "%s: not a regular file", path);
		close(fd);
		return RC_INVAL;
	}
	rc = add_fd_attrs(w, name, fd, (uint64_t)st.st_size, st.st_mtime,
	    attrs_of(st.st_mode));
	close(fd);
	return rc;
}

/* [MS-CAB] 2.1 CFHEADER, 2.2 CFFOLDER and 2.3 CFFILE, in file order:
 *
 *   CFHEADER  'MSCF' reserved1(4) cbCabinet(4) reserved2(4) coffFiles(4)
 *             reserved3(4) versionMinor(1)=3 versionMajor(1)=1 cFolders(2)
 *             cFiles(2) flags(2) setID(2) iCabinet(2)
 *   CFFOLDER  coffCabStart(4) cCFData(2) typeCompress(2)     x cFolders
 *   CFFILE    cbFile(4) uoffFolderStart(4) iFolder(2) date(2) time(2)
 *             attribs(2) szName(NUL-terminated)             x cFiles
 */
static enum rc
build_header(struct cab_writer *w, struct buf *b)
{
	uint64_t hdr = CFHEADER_BYTES + (uint64_t)w->nfolders * CFFOLDER_BYTES +
	    w->names_bytes;
	uint64_t total = hdr + w->spool_bytes;
	uint8_t *p;
	uint32_t i;
	size_t n;

	if (total > w->lim.cabinet_bytes) {
		seterr(w, "cabinet %s would be %llu bytes > %u", w->path,
		    (unsigned long long)total, w->lim.cabinet_bytes);
		return RC_LIMIT;
	}
	if (buf_reserve(b, (size_t)hdr) != RC_OK) {
		seterr(w, "out of memory");
		return RC_NOMEM;
	}
	p = b->data;
	memset(p, 0, CFHEADER_BYTES);
	memcpy(p, "MSCF", 4);
	put32(p + 8, (uint32_t)total);		/* cbCabinet */
	put32(p + 16, CFHEADER_BYTES + w->nfolders * CFFOLDER_BYTES);
	p[24] = 3;				/* versionMinor */
	p[25] = 1;				/* versionMajor */
	put16(p + 26, w->nfolders);
	put16(p + 28, w->nfiles);
	/* flags 0: no prev/next cabinet, no reserve; setID 0, iCabinet 0:
	 * each cabinet of a series stands alone. */
	p += CFHEADER_BYTES;
	for (i = 0; i < w->nfolders; i++, p += CFFOLDER_BYTES) {
		put32(p, (uint32_t)(hdr + w->folders[i].spool_off));
		put16(p + 4, w->folders[i].blocks);
		put16(p + 6, TYPE_MSZIP);
	}
	for (i = 0; i < w->nfiles; i++) {
		const struct entry *e = &w->files[i];

		put32(p, e->size);
		put32(p + 4, e->uoff);
		put16(p + 8, e->folder);
		put16(p + 10, e->date);
		put16(p + 12, e->time);
		put16(p + 14, e->attrs);
		n = strlen(e->name) + 1;
		memcpy(p + CFFILE_BYTES, e->name, n);
		p += CFFILE_BYTES + n;
	}
	b->len = (size_t)hdr;
	w->st.out_bytes = total;
	return RC_OK;
}

/* Appends the spool after the header: in-kernel copy where possible. */
static enum rc
copy_spool(struct cab_writer *w, int out)
{
	loff_t off = 0;
	ssize_t n;
	uint64_t left = w->spool_bytes;
	size_t chunk;

	while (left > 0) {
		chunk = left > (1u << 30) ? (1u << 30) : (size_t)left;
		n = copy_file_range(w->spool, &off, out, NULL, chunk, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		left -= (uint64_t)n;
	}
	while (left > 0) { /* EXDEV, ENOSYS, old kernels: plain copy */
		chunk = left > SPOOL_BUF ? SPOOL_BUF : (size_t)left;
		n = pread(w->spool, w->obuf, chunk, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || atomic_file_write_fd(out, w->obuf, (size_t)n) !=
		    RC_OK)
			return RC_IO;
		off += n;
		left -= (uint64_t)n;
	}
	return RC_OK;
}

enum rc
cab_writer_finish(struct cab_writer *w)
{
	struct atomic_file *af = NULL;
	struct buf b;
	enum rc rc;

	if (w->failed != RC_OK)
		return w->failed;
	if (w->finished) {
		seterr(w, "cabinet %s is already finished", w->path);
		return RC_INVAL;
	}
	w->finished = true;
	buf_init(&b, CFHEADER_BYTES + (size_t)w->nfolders * CFFOLDER_BYTES +
	    w->names_bytes);
	if ((rc = folder_close(w)) != RC_OK || (rc = spool_flush(w)) != RC_OK)
		goto out;
	if ((rc = build_header(w, &b)) != RC_OK)
		goto out;
	if ((rc = atomic_file_open(&af, w->path)) != RC_OK) {
		seterr(w, "%s: cannot create: %s", w->path, strerror(errno));
		goto out;
	}
	if ((rc = atomic_file_write(af, b.data, b.len)) != RC_OK ||
	    (rc = copy_spool(w, atomic_file_fd(af))) != RC_OK) {
		seterr(w, "%s: writing: %s", w->path, strerror(errno));
		atomic_file_abort(af);
		goto out;
	}
	if ((rc = atomic_file_commit(af)) != RC_OK)
		seterr(w, "%s: cannot commit: %s", w->path, strerror(errno));
out:
	buf_fini(&b);
	if (rc != RC_OK && w->failed == RC_OK)
		w->failed = rc;
	return rc;
}

static void
stop_threads(struct cab_writer *w)
{
	unsigned i;

	if (w->nthr == 0)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_broadcast(&w->work);
	pthread_mutex_unlock(&w->mu);
	for (i = 0; i < w->nthr; i++)
		pthread_join(w->thr[i], NULL);
	w->nthr = 0;
}

static enum rc
start_threads(struct cab_writer *w, unsigned threads)
{
	if (threads > 64)
		threads = 64;
	if (threads == 0)
		return RC_OK;
	w->thr = calloc(threads, sizeof(*w->thr));
	if (w->thr == NULL)
		return RC_NOMEM;
	for (w->nthr = 0; w->nthr < threads; w->nthr++)
		if (pthread_create(&w->thr[w->nthr], NULL, worker, w) != 0)
			break;
	/* Fewer threads than asked still works; none means inline. */
	return RC_OK;
}

enum rc
cab_writer_new(struct cab_writer **out, const char *path, int level,
    unsigned threads)
{
	struct cab_writer *w;
	enum rc rc = RC_NOMEM;

	*out = NULL;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return RC_NOMEM;
	w->spool = -1;
	w->level = level < 0 ? 0 : level > 9 ? 9 : level;
	w->lim.folder_bytes = CAB_MAX_FOLDER_BYTES;
	w->lim.cabinet_bytes = CAB_MAX_CABINET_BYTES;
	w->lim.files = CAB_MAX_FILES;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->work, NULL);
	pthread_cond_init(&w->done, NULL);
	w->nslots = (threads > 64 ? 64 : threads) * 2 + 3;
	w->path = strdup(path);
	w->slots = calloc(w->nslots, sizeof(*w->slots));
	w->obuf = malloc(SPOOL_BUF);
	if (w->path == NULL || w->slots == NULL || w->obuf == NULL)
		goto fail;
	if ((rc = atomic_file_spool(path, &w->spool)) != RC_OK)
		goto fail;
	w->z_ok = zinit(&w->z, w->level);
	if ((rc = start_threads(w, threads)) != RC_OK)
		goto fail;
	*out = w;
	return RC_OK;
fail:
	cab_writer_free(w);
	return rc;
}

void
cab_writer_set_limits(struct cab_writer *w, const struct cab_limits *l)
{
	w->lim.folder_bytes = l->folder_bytes < CAB_MAX_FOLDER_BYTES ?
	    l->folder_bytes : CAB_MAX_FOLDER_BYTES;
	w->lim.cabinet_bytes = l->cabinet_bytes < CAB_MAX_CABINET_BYTES ?
	    l->cabinet_bytes : CAB_MAX_CABINET_BYTES;
	w->lim.files = l->files < CAB_MAX_FILES ? l->files : CAB_MAX_FILES;
}

bool
cab_writer_starts_folder(const struct cab_writer *w, uint64_t size)
{
	return w->folder_open && size > w->lim.folder_bytes - w->folder_ubytes;
}

uint32_t
cab_writer_count(const struct cab_writer *w)
{
	return w->nfiles;
}

void
cab_writer_stats(const struct cab_writer *w, struct cab_writer_stats *st)
{
	*st = w->st;
	if (!w->finished)
		st->out_bytes = w->spool_bytes;
}

const char *
cab_writer_errmsg(const struct cab_writer *w)
{
	return w->err;
}

void
cab_writer_free(struct cab_writer *w)
{
	uint32_t i;

	if (w == NULL)
		return;
	stop_threads(w);
	free(w->thr);
	if (w->z_ok)
		deflateEnd(&w->z);
	if (w->spool >= 0)
		close(w->spool);
	for (i = 0; i < w->nfiles; i++)
		free(w->files[i].name);
	free(w->files);
	free(w->hash);
	free(w->folders);
	free(w->slots);
	free(w->obuf);
	free(w->path);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->work);
	pthread_cond_destroy(&w->done);
	free(w);
}

/* ---- cab_series: rotation into independent cabinets ---- */

struct cab_series {
	char *base;  /* path as given */
	char **paths; /* owned, one per cabinet started */
	unsigned n;
	int level;
	unsigned threads;
	struct cab_limits lim;
	bool have_lim;
	struct cab_writer *cur;
	struct cab_writer_stats total; /* finished cabinets */
	char err[ERRMSG];
};

/* OUT.cab -> OUT-<i>.cab; other names get "-<i>" appended. */
static char *
series_name(const char *base, unsigned i)
{
	size_t len = strlen(base), stem = len, n;
	char *p;

	if (i == 1)
		return strdup(base);
	if (len >= 4 && strcasecmp(base + len - 4, ".cab") == 0)
		stem = len - 4;
	n = len + 16;
	if ((p = malloc(n)) == NULL)
		return NULL;
	snprintf(p, n, "%.*s-%u%s", (int)stem, base, i, base + stem);
	return p;
}

static enum rc
series_next(struct cab_series *s)
{
	char **np, *path;
	enum rc rc;

	if ((path = series_name(s->base, s->n + 1)) == NULL)
		return RC_NOMEM;
	np = realloc(s->paths, (s->n + 1) * sizeof(*np));
	if (np == NULL) {
		free(path);
		return RC_NOMEM;
	}
	s->paths = np;
	s->paths[s->n++] = path;
	rc = cab_writer_new(&s->cur, path, s->level, s->threads);
	if (rc != RC_OK) {
		snprintf(s->err, sizeof(s->err), "%s: cannot start: %s", path,
		    strerror(errno));
		return rc;
	}
	if (s->have_lim)
		cab_writer_set_limits(s->cur, &s->lim);
	return RC_OK;
}

enum rc
cab_series_new(struct cab_series **out, const char *path, int level,
    unsigned threads)
{
	struct cab_series *s;
	enum rc rc;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return RC_NOMEM;
	s->level = level;
	s->threads = threads;
	if ((s->base = strdup(path)) == NULL) {
		free(s);
		return RC_NOMEM;
	}
	if ((rc = series_next(s)) != RC_OK) {
		cab_series_free(s);
		return rc;
	}
	*out = s;
	return RC_OK;
}

void
cab_series_set_limits(struct cab_series *s, const struct cab_limits *l)
{
	s->lim = *l;
	s->have_lim = true;
	cab_writer_set_limits(s->cur, l);
}

static void
stats_add(struct cab_writer_stats *t, const struct cab_writer_stats *a)
{
	t->in_bytes += a->in_bytes;
	t->out_bytes += a->out_bytes;
	t->files += a->files;
	t->folders += a->folders;
	t->blocks += a->blocks;
	t->stored += a->stored;
}

/* Finishes the current cabinet and adds its totals. */
static enum rc
series_close(struct cab_series *s)
{
	struct cab_writer_stats st;
	enum rc rc;

	rc = cab_writer_finish(s->cur);
	if (rc != RC_OK) {
		snprintf(s->err, sizeof(s->err), "%s",
		    cab_writer_errmsg(s->cur));
		return rc;
	}
	cab_writer_stats(s->cur, &st);
	stats_add(&s->total, &st);
	cab_writer_free(s->cur);
	s->cur = NULL;
	return RC_OK;
}

enum rc
cab_series_add_file(struct cab_series *s, const char *name, const char *path)
{
	struct stat st;
	enum rc rc;

	if (s->cur == NULL)
		return RC_INVAL;
	/* Rotate before the member when it might not fit; an empty cabinet
	 * that cannot hold it means no cabinet can. */
	if (stat(path, &st) == 0 && cab_writer_count(s->cur) > 0 &&
	    (cab_writer_fits(s->cur, name, (uint64_t)st.st_size) == RC_LIMIT ||
	    cab_writer_starts_folder(s->cur, (uint64_t)st.st_size))) {
		if ((rc = series_close(s)) != RC_OK ||
		    (rc = series_next(s)) != RC_OK)
			return rc;
	}
	rc = cab_writer_add_file(s->cur, name, path);
	if (rc != RC_OK)
		snprintf(s->err, sizeof(s->err), "%s",
		    cab_writer_errmsg(s->cur));
	return rc;
}

enum rc
cab_series_finish(struct cab_series *s)
{
	if (s->cur == NULL)
		return RC_INVAL;
	return series_close(s);
}

unsigned
cab_series_count(const struct cab_series *s)
{
	return s->n;
}

const char *
cab_series_path(const struct cab_series *s, unsigned i)
{
	return i < s->n ? s->paths[i] : NULL;
}

void
cab_series_stats(const struct cab_series *s, struct cab_writer_stats *st)
{
	struct cab_writer_stats cur;

	*st = s->total;
	if (s->cur != NULL) {
		cab_writer_stats(s->cur, &cur);
		stats_add(st, &cur);
	}
}

const char *
cab_series_errmsg(const struct cab_series *s)
{
	return s->err;
}

void
cab_series_free(struct cab_series *s)
{
	unsigned i;

	if (s == NULL)
		return;
	cab_writer_free(s->cur);
	for (i = 0; i < s->n; i++)
		free(s->paths[i]);
	free(s->paths);
	free(s->base);
	free(s);
}
