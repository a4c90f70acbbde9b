/* capture/runtime: state and stats files round-trip; hostile or stale
 * files are refused or recognised as dead. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/runtime.h"

static char *
tmpdir(void)
{
	char t[] = "/tmp/wfpdiag-rt-XXXXXX";

	cr_assert_not_null(mkdtemp(t));
	return strdup(t);
}

static void
write_text(const char *dir, const char *name, const char *text)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

Test(runtime, state_round_trips)
{
	char *d = tmpdir(), err[256];
	struct runtime_state a = {0}, b;

	a.pid = 4242;
	a.start_sec = 1700000000;
	a.start_nsec = 5;
	a.uid = 1000;
	a.gid = 1001;
	snprintf(a.interfaces, sizeof(a.interfaces), "any");
	snprintf(a.output, sizeof(a.output), "/home/u/wfpdiag.cab");
	snprintf(a.staging, sizeof(a.staging), "/home/u/.wfpdiag.cab.staging");
	a.max_size = 1 << 30;
	a.ring = 4;
	a.keys = true;
	cr_assert_eq(runtime_write_state(d, RUNTIME_STATE, &a), RC_OK);
	cr_assert_eq(runtime_read_state(d, RUNTIME_STATE, &b, err,
	    sizeof(err)), RC_OK, "%s", err);
	cr_assert_eq(b.pid, 4242);
	cr_assert_eq(b.start_sec, 1700000000);
	cr_assert_eq(b.start_nsec, 5);
	cr_assert_eq(b.uid, 1000);
	cr_assert_eq(b.gid, 1001);
	cr_assert_str_eq(b.output, a.output);
	cr_assert_str_eq(b.staging, a.staging);
	cr_assert_eq(b.max_size, a.max_size);
	cr_assert_eq(b.ring, 4);
	cr_assert(b.keys);
	runtime_clear(d);
	cr_assert_eq(runtime_read_state(d, RUNTIME_STATE, &b, err,
	    sizeof(err)), RC_NOTFOUND);
	rmdir(d);
	free(d);
}

Test(runtime, stats_round_trip)
{
	char *d = tmpdir();
	struct runtime_stats a = {.packets = 10, .dropped = 2, .ifdropped = 1,
	    .written = 8, .bytes = 999, .events = 3, .updated_sec = 77}, b;

	snprintf(a.status, sizeof(a.status), "disk-full");
	cr_assert_eq(runtime_write_stats(d, &a), RC_OK);
	cr_assert_eq(runtime_read_stats(d, &b), RC_OK);
	cr_assert_eq(b.packets, 10);
	cr_assert_eq(b.dropped, 2);
	cr_assert_eq(b.bytes, 999);
	cr_assert_eq(b.events, 3);
	cr_assert_str_eq(b.status, "disk-full");
	runtime_clear(d);
	rmdir(d);
	free(d);
}

Test(runtime, hostile_state_files_are_refused_with_the_line)
{
	char *d = tmpdir(), err[256];
	struct runtime_state b;

	write_text(d, "s1", "pid=-3\nstaging=/x\n");
	cr_assert_eq(runtime_read_state(d, "s1", &b, err, sizeof(err)),
	    RC_MALFORMED);
	cr_assert(strstr(err, "line 1") != NULL, "%s", err);
	write_text(d, "s2", "pid=99999999999999999999\n");
	cr_assert_eq(runtime_read_state(d, "s2", &b, err, sizeof(err)),
	    RC_MALFORMED);
	write_text(d, "s3", "garbage without equals\n");
	cr_assert_eq(runtime_read_state(d, "s3", &b, err, sizeof(err)),
	    RC_MALFORMED);
	write_text(d, "s4", "pid=12\nstaging=relative\n");
	cr_assert_eq(runtime_read_state(d, "s4", &b, err, sizeof(err)),
	    RC_MALFORMED, "staging must be absolute");
	write_text(d, "s5", "pid=12\nstaging=/ok\nstart=1.1000000000\n");
	cr_assert_eq(runtime_read_state(d, "s5", &b, err, sizeof(err)),
	    RC_MALFORMED, "nanoseconds beyond 999999999");
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
		cr_assert_eq(system(cmd), 0);
	}
	free(d);
}

Test(runtime, a_pid_that_is_not_a_capture_is_not_alive)
{
	struct runtime_state st = {0};

	st.pid = getpid();	/* this test process: not named wfpdiag */
	cr_assert(!runtime_alive(&st));
	st.pid = 0x3ffffff0;	/* no such process */
	cr_assert(!runtime_alive(&st));
	st.pid = getpid();
	snprintf(st.boot_id, sizeof(st.boot_id), "another-boot");
	cr_assert(!runtime_alive(&st), "a pid from another boot is stale");
}

Test(runtime, override_wins)
{
	char out[256];

	setenv("WFPDIAG_RUNTIME_DIR", "/tmp/x-rt", 1);
	cr_assert_eq(runtime_dir(out, sizeof(out)), RC_OK);
	cr_assert_str_eq(out, "/tmp/x-rt");
	cr_assert_eq(runtime_dir(out, 4), RC_LIMIT);
}
