/*
 * The syncer thread (see syncer.h). pending[] holds duplicated
 * descriptors waiting for fdatasync, -1 when none; the mutex guards
 * pending[], stop and the counters, never the fdatasync itself.
 */
#include "capture/syncer.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

struct syncer {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int pending[SYNCER__SLOTS];
	bool stop;
	unsigned long done, failed;
};

/* Takes every pending descriptor (caller holds the lock). */
static int
take_all(struct syncer *s, int fds[SYNCER__SLOTS])
{
	int i, n = 0;

	for (i = 0; i < SYNCER__SLOTS; i++) {
		fds[i] = s->pending[i];
		s->pending[i] = -1;
		n += fds[i] >= 0;
	}
	return n;
}

static void
sync_all(struct syncer *s, int fds[SYNCER__SLOTS])
{
	unsigned long ok = 0, bad = 0;
	int i;

	for (i = 0; i < SYNCER__SLOTS; i++) {
		if (fds[i] < 0)
			continue;
		if (fdatasync(fds[i]) == 0)
			ok++;
		else
			bad++;
		(void)close(fds[i]);
	}
	pthread_mutex_lock(&s->mu);
	s->done += ok;
	s->failed += bad;
	pthread_mutex_unlock(&s->mu);
}

static void *
run(void *arg)
{
	struct syncer *s = arg;
	int fds[SYNCER__SLOTS];
	bool last;

	/* Yield the CPU to the capture loop: on a busy machine the loop
	 * must empty the packet ring before the disk gets its data. */
	(void)setpriority(PRIO_PROCESS, (id_t)gettid(), 19);

	for (;;) {
		pthread_mutex_lock(&s->mu);
		while (!s->stop && take_all(s, fds) == 0)
			pthread_cond_wait(&s->cv, &s->mu);
		last = s->stop;
		if (last)
			(void)take_all(s, fds); /* nothing was taken yet */
		pthread_mutex_unlock(&s->mu);
		sync_all(s, fds);
		if (last)
			return NULL;
	}
}

enum rc
syncer_start(struct syncer **out)
{
	struct syncer *s = calloc(1, sizeof(*s));
	int i;

	*out = NULL;
	if (s == NULL)
		return RC_NOMEM;
	for (i = 0; i < SYNCER__SLOTS; i++)
		s->pending[i] = -1;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	if (pthread_create(&s->th, NULL, run, s) != 0) {
		pthread_cond_destroy(&s->cv);
		pthread_mutex_destroy(&s->mu);
		free(s);
		return RC_IO;
	}
	*out = s;
	return RC_OK;
}

void
syncer_request(struct syncer *s, enum syncer_slot slot, int fd)
{
	int dup_fd, old;

	if (s == NULL || fd < 0 || (unsigned)slot >= SYNCER__SLOTS)
		return;
	if ((dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0)
		return;
	pthread_mutex_lock(&s->mu);
	old = s->pending[slot];
	s->pending[slot] = dup_fd;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	if (old >= 0)
		(void)close(old); /* superseded before it was synced */
}

void
syncer_counts(struct syncer *s, unsigned long *done, unsigned long *failed)
{
	pthread_mutex_lock(&s->mu);
	*done = s->done;
	*failed = s->failed;
	pthread_mutex_unlock(&s->mu);
}

void
syncer_stop(struct syncer *s)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&s->mu);
	s->stop = true;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->th, NULL);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
}
