/*
 * capture/syncer: requests are synced by the thread (also after the
 * caller closed its descriptor: the syncer holds a duplicate), requests
 * for one slot coalesce, stop runs what is pending, bad descriptors are
 * ignored.
 */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "capture/syncer.h"
#include "testutil.h"

static int
temp_fd(char **path)
{
	int fd;

	*path = tu_write_temp((const uint8_t *)"x", 1, ".bin");
	cr_assert_not_null(*path);
	fd = open(*path, O_WRONLY | O_APPEND);
	cr_assert_geq(fd, 0);
	return fd;
}

Test(syncer, requests_are_synced_even_after_the_caller_closes)
{
	struct syncer *s;
	unsigned long done = 0, failed = 0;
	char *p1, *p2;
	int a = temp_fd(&p1), b = temp_fd(&p2);

	cr_assert_eq(syncer_start(&s), RC_OK);
	cr_assert_eq(write(a, "abc", 3), 3);
	syncer_request(s, SYNCER_PACKETS, a);
	syncer_request(s, SYNCER_EVENTS, b);
	(void)close(a);
	(void)close(b);
	syncer_request(s, SYNCER_EVENTS, -1);      /* ignored */
	syncer_request(s, SYNCER__SLOTS, 0);       /* ignored */
	for (int i = 0; i < 200 && done < 2; i++) {
		usleep(10000);
		syncer_counts(s, &done, &failed);
	}
	cr_expect_eq(done, 2);
	cr_expect_eq(failed, 0);
	syncer_stop(s);
	syncer_stop(NULL);
	unlink(p1);
	unlink(p2);
	free(p1);
	free(p2);
}

Test(syncer, stop_runs_what_is_pending_and_coalesces)
{
	struct syncer *s;
	char *p;
	int fd = temp_fd(&p);

	for (int round = 0; round < 20; round++) {
		cr_assert_eq(syncer_start(&s), RC_OK);
		for (int i = 0; i < 50; i++)
			syncer_request(s, SYNCER_PACKETS, fd);
		syncer_stop(s); /* joins; no descriptor may leak */
	}
	/* Every duplicate was closed: the next descriptor is low again. */
	{
		int probe = dup(fd);

		cr_expect_lt(probe, fd + 8, "descriptors leaked: %d", probe);
		close(probe);
	}
	close(fd);
	unlink(p);
	free(p);
}
