/*
 * Read-ahead ring (see readahead.h). SLOTS buffers of PREFIX + CHUNK
 * bytes; slot i holds file bytes [off, off + len) at mem + PREFIX. The
 * thread owns a slot while !full and fills slots in ring order; the
 * caller owns it while full, reads it, and hands it back. The prefix is
 * written only by the caller, and only in a slot it owns, so the one
 * mutex guards nothing but the full flags and the stop request.
 *
 * Sizes: a span is at most one pcap record (16 + 262144 bytes) or one
 * pcapng block (LIMIT_PCAPNG_BLOCK), so it
 * crosses at most one chunk boundary when CHUNK >= READAHEAD_MAX_SPAN.
 * Four 1 MiB chunks keep the thread far enough ahead without leaving
 * the last-level cache (measured in BENCHMARKS.md, "Analyzer"); eight,
 * or chunks of 512 KiB, measured no better.
 */
#include "formats/readahead.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/rd.h"

#define CHUNK (1u << 20)
#define PREFIX READAHEAD_MAX_SPAN
#define SLOTS 4u
#define WAKE_AT (SLOTS / 2)

struct slot {
	uint8_t *mem;   /* PREFIX + CHUNK bytes */
	uint64_t off;   /* file offset of mem[PREFIX] */
	size_t len;     /* bytes read there; 0: nothing more (EOF) */
	size_t pre;     /* bytes carried into the prefix by the caller */
	int err;        /* errno of a failed read, 0 if none */
	bool full;      /* the caller's until it hands it back */
};

struct readahead {
	const uint8_t *mem;     /* memory mode: all mem_len bytes, no thread */
	size_t mem_len;
	int fd;
	uint64_t size;
	uint64_t next;          /* thread: next offset to read */
	struct slot s[SLOTS];
	pthread_mutex_t mu;
	pthread_cond_t filled;  /* a slot became full */
	pthread_cond_t emptied; /* a slot was handed back, or stop */
	unsigned n_free;        /* slots not full */
	bool stop;
	bool started;
	pthread_t th;
	unsigned cur;           /* caller: slot in use */
	bool holding;           /* caller holds s[cur] */
	char err[256];
};

/* Reads up to want bytes at off, retrying short reads; sets *err. */
static size_t
read_at(int fd, uint8_t *dst, size_t want, uint64_t off, int *err)
{
	size_t got = 0;

	*err = 0;
	while (got < want) {
		ssize_t n = pread(fd, dst + got, want - got,
		    (off_t)(off + got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*err = errno;
			break;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return got;
}

/*
 * Waits until slot i is empty (true) or we are told to stop (false).
 * The thread is faster than its caller, so it would sleep and be woken
 * once per chunk; a wake-up costs the caller a futex call and, in a VM,
 * an interrupt to the other CPU. Once it has to sleep it sleeps until
 * WAKE_AT slots are free and then fills them in a row. The caller hands
 * slots back in ring order, so any free slot means slot i is free.
 */
static bool
wait_empty(struct readahead *r, unsigned i)
{
	bool go;

	pthread_mutex_lock(&r->mu);
	if (r->s[i].full)
		while (r->n_free < WAKE_AT && !r->stop)
			pthread_cond_wait(&r->emptied, &r->mu);
	go = !r->stop;
	pthread_mutex_unlock(&r->mu);
	return go;
}

static void *
reader(void *arg)
{
	struct readahead *r = arg;
	unsigned i = 0;
	bool last = false;

	while (!last && wait_empty(r, i)) {
		struct slot *s = &r->s[i];
		uint64_t left = r->size - r->next;
		size_t want = left < CHUNK ? (size_t)left : CHUNK;
		int err;
		size_t got = read_at(r->fd, s->mem + PREFIX, want, r->next,
		    &err);

		s->off = r->next;
		s->len = got;
		s->err = err;
		r->next += got;
		/* A short chunk ends the file (or the read failed): the
		 * caller sees it as the end or as the error. */
		last = got < CHUNK || err != 0;
		pthread_mutex_lock(&r->mu);
		s->full = true;
		r->n_free--;
		pthread_cond_signal(&r->filled);
		pthread_mutex_unlock(&r->mu);
		i = (i + 1) % SLOTS;
	}
	return NULL;
}

void
readahead_free(struct readahead *r)
{
	unsigned i;

	if (r == NULL)
		return;
	if (r->started) {
		pthread_mutex_lock(&r->mu);
		r->stop = true;
		pthread_cond_broadcast(&r->emptied);
		pthread_mutex_unlock(&r->mu);
		pthread_join(r->th, NULL);
	}
	pthread_cond_destroy(&r->filled);
	pthread_cond_destroy(&r->emptied);
	pthread_mutex_destroy(&r->mu);
	for (i = 0; i < SLOTS; i++)
		free(r->s[i].mem);
	free(r);
}

enum rc
readahead_open_mem(const uint8_t *data, size_t len, struct readahead **out)
{
	struct readahead *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (r == NULL)
		return RC_NOMEM;
	r->mem = data;
	r->mem_len = len;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->filled, NULL);
	pthread_cond_init(&r->emptied, NULL);
	*out = r;
	return RC_OK;
}

enum rc
readahead_open(int fd, uint64_t start, uint64_t size, struct readahead **out)
{
	struct readahead *r = calloc(1, sizeof(*r));
	unsigned i;

	*out = NULL;
	if (r == NULL)
		return RC_NOMEM;
	r->fd = fd;
	r->size = size;
	r->n_free = SLOTS;
	r->next = start < size ? start : size;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->filled, NULL);
	pthread_cond_init(&r->emptied, NULL);
	for (i = 0; i < SLOTS; i++)
		if ((r->s[i].mem = malloc(PREFIX + CHUNK)) == NULL) {
			readahead_free(r);
			return RC_NOMEM;
		}
	if (pthread_create(&r->th, NULL, reader, r) != 0) {
		readahead_free(r);
		return RC_IO;
	}
	r->started = true;
	*out = r;
	return RC_OK;
}

static void
acquire(struct readahead *r, unsigned i)
{
	pthread_mutex_lock(&r->mu);
	while (!r->s[i].full)
		pthread_cond_wait(&r->filled, &r->mu);
	pthread_mutex_unlock(&r->mu);
}

static void
release(struct readahead *r, unsigned i)
{
	pthread_mutex_lock(&r->mu);
	r->s[i].full = false;
	if (++r->n_free == WAKE_AT)
		pthread_cond_signal(&r->emptied);
	pthread_mutex_unlock(&r->mu);
}

static enum rc
io_error(struct readahead *r, const struct slot *s, uint64_t off)
{
	if (s->err != 0)
		(void)snprintf(r->err, sizeof(r->err), "read error at byte "
		    "%llu: %s", (unsigned long long)(s->off + s->len),
		    strerror(s->err));
	else
		(void)snprintf(r->err, sizeof(r->err), "file ended at byte "
		    "%llu while reading byte %llu (it shrank)",
		    (unsigned long long)(s->off + s->len),
		    (unsigned long long)off);
	return RC_IO;
}

/* Moves to the next slot, carrying bytes [off, end of this slot). */
static void
advance(struct readahead *r, uint64_t off)
{
	struct slot *s = &r->s[r->cur], *n;
	uint64_t hi = s->off + s->len;
	size_t carry = off < hi ? (size_t)(hi - off) : 0;
	unsigned next = (r->cur + 1) % SLOTS;

	n = &r->s[next];
	acquire(r, next);
	if (carry > 0)
		memcpy(n->mem + PREFIX - carry,
		    s->mem + PREFIX + (s->len - carry), carry);
	n->pre = carry;
	release(r, r->cur);
	r->cur = next;
}

/* Memory mode: [off, off + need) through the bounds-checked reader. */
static enum rc
mem_span(struct readahead *r, uint64_t off, size_t need, const uint8_t **p,
    size_t *avail)
{
	struct rd all = rd_init(r->mem, r->mem_len);

	if (off > r->mem_len)
		rd_fail(&all, RC_SHORT);
	rd_skip(&all, (size_t)off);
	if ((*p = rd_bytes(&all, need)) != NULL) {
		*avail = need + rd_left(&all);
		return RC_OK;
	}
	(void)snprintf(r->err, sizeof(r->err), "input ends at byte %zu, "
	    "before byte %llu", r->mem_len,
	    (unsigned long long)(off + need));
	return RC_SHORT;
}

enum rc
readahead_span(struct readahead *r, uint64_t off, size_t need,
    const uint8_t **p, size_t *avail)
{
	size_t unused;

	if (avail == NULL)
		avail = &unused;
	*p = NULL;
	*avail = 0;
	if (need > READAHEAD_MAX_SPAN)
		return RC_INVAL;
	if (r->mem != NULL)
		return mem_span(r, off, need, p, avail);
	if (!r->holding) {
		acquire(r, r->cur);
		r->s[r->cur].pre = 0;
		r->holding = true;
	}
	for (;;) {
		struct slot *s = &r->s[r->cur];
		uint64_t lo = s->off - s->pre, hi = s->off + s->len;

		if (off < lo)
			return RC_INVAL; /* spans only move forward */
		if (off + need <= hi) {
			*p = s->mem + PREFIX - s->pre + (off - lo);
			*avail = (size_t)(hi - off);
			return RC_OK;
		}
		if (s->err != 0 || s->len < CHUNK)
			return io_error(r, s, off + need);
		advance(r, off);
	}
}

const char *
readahead_errmsg(const struct readahead *r)
{
	return r->err;
}
