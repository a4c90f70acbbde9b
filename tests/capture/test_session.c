/* capture/session through the CLI, live (root): the --max-size ring keeps
 * the newest files, a full disk stops the capture cleanly and keeps what
 * was written, and a second start is refused. Traffic is UDP to port 500
 * on loopback in a private network namespace. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <unistd.h>

#include "testutil.h"

static void
need_root(void)
{
	if (!tu_is_root())
		cr_skip_test("live capture needs root");
	if (!tu_have_tool("bsdtar") || !tu_have_tool("ip"))
		cr_skip_test("needs bsdtar and ip");
	cr_assert_eq(unshare(CLONE_NEWNET | CLONE_NEWNS), 0);
	cr_assert_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	cr_assert_eq(system("ip link set lo up"), 0);
}

static void
blast(int n, size_t size)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
	    .sin_port = htons(500)};
	char *buf = calloc(1, size);
	int fd = socket(AF_INET, SOCK_DGRAM, 0), i;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (i = 0; i < n; i++) {
		(void)sendto(fd, buf, size, 0, (struct sockaddr *)&sa,
		    sizeof(sa));
		if (i % 200 == 0)
			usleep(2000);
	}
	close(fd);
	free(buf);
}

static int
wfp(const char *dir, const char *args, char **out)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd), "cd '%s' && WFPDIAG_RUNTIME_DIR='%s/rt' "
	    "'%s' %s", dir, dir, TEST_WFPDIAG, args);
	return tu_run(cmd, out);
}

Test(session, max_size_ring_keeps_the_newest_files, .timeout = 60)
{
	char d[] = "/tmp/wfpdiag-ses-XXXXXX", cmd[512], *out = NULL;
	int st;

	need_root();
	cr_assert_not_null(mkdtemp(d));
	st = wfp(d, "capture start -i lo --max-size 64K --ring 3 --vici '' "
	    "--enfy ''", &out);
	cr_assert_eq(st, 0, "%s", out);
	free(out);
	st = wfp(d, "capture start -i lo", &out);
	cr_assert_eq(st, 7, "second start: %d %s", st, out);
	cr_assert(strstr(out, "already running") != NULL, "%s", out);
	free(out);
	sleep(1);
	blast(600, 1000);	/* ~600 KB: about 30 files of 21 KB */
	sleep(2);
	st = wfp(d, "capture stop", &out);
	cr_assert(st == 0 || st == 5, "%s", out);
	free(out);
	snprintf(cmd, sizeof(cmd), "bsdtar -tf '%s/wfpdiag.cab' | grep pcap",
	    d);
	cr_assert_eq(tu_run(cmd, &out), 0, "%s", out);
	cr_assert(strstr(out, "capture-1.pcap") == NULL, "oldest dropped: %s",
	    out);
	{
		int n = 0;
		char *p;

		for (p = out; (p = strstr(p, ".pcap")) != NULL; p++)
			n++;
		cr_assert_eq(n, 3, "ring of 3: %s", out);
	}
	free(out);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	cr_assert_eq(system(cmd), 0);
}

Test(session, full_disk_stops_cleanly_and_keeps_what_was_written,
    .timeout = 60)
{
	char d[] = "/tmp/wfpdiag-ses-XXXXXX", cmd[1024], *out = NULL;
	int st;

	need_root();
	cr_assert_not_null(mkdtemp(d));
	snprintf(cmd, sizeof(cmd), "mkdir '%s/small' && mount -t tmpfs -o "
	    "size=256k tmpfs '%s/small'", d, d);
	cr_assert_eq(system(cmd), 0);
	st = wfp(d, "capture start -i lo --vici '' --enfy '' "
	    "--file small/wfpdiag.cab", &out);
	cr_assert_eq(st, 0, "%s", out);
	free(out);
	sleep(1);
	blast(1500, 1000);	/* 1.5 MB into 256 KB */
	sleep(3);
	st = wfp(d, "capture status", &out);
	cr_assert(strstr(out, "disk-full") != NULL, "status: %s", out);
	free(out);
	/* the cab goes where there is room */
	st = wfp(d, "capture stop --file big.cab", &out);
	cr_assert_eq(st, 0, "%s", out);
	cr_assert(strstr(out, "the disk was full") != NULL, "%s", out);
	free(out);
	snprintf(cmd, sizeof(cmd), "bsdtar -xOf '%s/big.cab' events.log | "
	    "grep -c DISK_FULL && bsdtar -xOf '%s/big.cab' capture-info.txt | "
	    "grep 'status: disk-full' && bsdtar -xOf '%s/big.cab' "
	    "capture-info.txt | grep 'recovered: no' && bsdtar -tf "
	    "'%s/big.cab' | grep capture.pcap && bsdtar -tf '%s/big.cab' | "
	    "grep wfpdiag.xml", d, d, d, d, d);
	cr_assert_eq(tu_run(cmd, &out), 0, "%s", out);
	free(out);
	snprintf(cmd, sizeof(cmd), "umount '%s/small'; rm -rf '%s'", d, d);
	cr_assert_eq(system(cmd), 0);
}

Test(session, run_captures_around_a_command, .timeout = 60)
{
	char d[] = "/tmp/wfpdiag-ses-XXXXXX", cmd[1024], *out = NULL;
	int st;

	need_root();
	cr_assert_not_null(mkdtemp(d));
	/* the command sends IKE-port datagrams through bash's /dev/udp */
	st = wfp(d, "capture run -i lo --vici '' --enfy '' --file r.cab -- "
	    "bash -c 'for i in 1 2 3 4 5; do echo x >/dev/udp/127.0.0.1/500; "
	    "sleep 0.1; done'", &out);
	cr_assert_eq(st, 0, "%s", out);
	cr_assert(strstr(out, "wrote ") != NULL, "%s", out);
	free(out);
	snprintf(cmd, sizeof(cmd), "bsdtar -xOf '%s/r.cab' capture-info.txt",
	    d);
	cr_assert_eq(tu_run(cmd, &out), 0, "%s", out);
	/* 5 datagrams to the closed port 500 and the 5 ICMP port
	 * unreachables quoting them (the filter keeps both) */
	cr_assert(strstr(out, " 10 written") != NULL, "%s", out);
	cr_assert(strstr(out, "recovered: no") != NULL, "%s", out);
	free(out);
	snprintf(cmd, sizeof(cmd), "test ! -e '%s/.r.cab.staging' && "
	    "test ! -e '%s/rt/state'", d, d);
	cr_assert_eq(system(cmd), 0, "staging and state removed");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	cr_assert_eq(system(cmd), 0);
}

/* Packets come in blocks handed over within 100 ms: a datagram sent just
 * before the stop must still reach the file (the stop drains the last
 * block), in both delivery modes. */
Test(session, the_last_packets_before_the_stop_are_kept, .timeout = 60)
{
	const char *modes[] = {"", "--immediate"};
	char d[] = "/tmp/wfpdiag-ses-XXXXXX", cmd[1024], *out = NULL;

	need_root();
	cr_assert_not_null(mkdtemp(d));
	for (int i = 0; i < 2; i++) {
		snprintf(cmd, sizeof(cmd), "capture run -i lo --vici '' "
		    "--enfy '' %s --file last%d.cab -- bash -c 'echo x "
		    ">/dev/udp/127.0.0.1/500'", modes[i], i);
		cr_assert_eq(wfp(d, cmd, &out), 0, "%s", out);
		free(out);
		snprintf(cmd, sizeof(cmd), "bsdtar -xOf '%s/last%d.cab' "
		    "capture-info.txt", d, i);
		cr_assert_eq(tu_run(cmd, &out), 0, "%s", out);
		/* the datagram and the ICMP port unreachable quoting it */
		cr_assert(strstr(out, " 2 written") != NULL, "mode '%s': %s",
		    modes[i], out);
		free(out);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	cr_assert_eq(system(cmd), 0);
}

Test(session, missing_capabilities_are_named_with_exit_6, .timeout = 30)
{
	char d[] = "/tmp/wfpdiag-ses-XXXXXX", cmd[1024], *out = NULL;
	int st;

	if (!tu_is_root() || !tu_have_tool("setpriv"))
		cr_skip_test("needs root and setpriv to start unprivileged");
	cr_assert_not_null(mkdtemp(d));
	snprintf(cmd, sizeof(cmd), "chmod 777 '%s' && cd '%s' && "
	    "WFPDIAG_RUNTIME_DIR='%s/rt' setpriv --reuid=65534 --regid=65534 "
	    "--clear-groups --inh-caps=-all '%s' capture start", d, d, d,
	    TEST_WFPDIAG);
	st = tu_run(cmd, &out);
	cr_assert_eq(st, 6, "%d %s", st, out);
	cr_assert(strstr(out, "missing CAP_NET_RAW and CAP_NET_ADMIN") != NULL,
	    "%s", out);
	free(out);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	cr_assert_eq(system(cmd), 0);
}

Test(session, capture_runs_as_the_sudo_user_without_capabilities,
    .timeout = 60)
{
	char d[] = "/tmp/wfpdiag-ses-XXXXXX", cmd[1024], *out = NULL;
	int st;

	need_root();
	cr_assert_not_null(mkdtemp(d));
	st = wfp(d, "capture start -i lo --vici '' --enfy '' "
	    "SUDO_UID=65534", &out);	/* not an option: rejected */
	cr_assert_eq(st, 2, "%s", out);
	free(out);
	/* the invoking user must reach the directory, as under sudo */
	cr_assert_eq(chmod(d, 0755), 0);
	snprintf(cmd, sizeof(cmd), "cd '%s' && SUDO_UID=65534 SUDO_GID=65534 "
	    "WFPDIAG_RUNTIME_DIR='%s/rt' '%s' capture start -i lo --vici '' "
	    "--enfy '' && sleep 0.5 && grep -E '^(Uid|Gid|CapEff|CapBnd|"
	    "NoNewPrivs):' /proc/$(sed -n 's/^pid=//p' '%s/rt/state')/status "
	    "&& stat -c '%%u %%a %%n' '%s/.wfpdiag.cab.staging/events.log'",
	    d, d, TEST_WFPDIAG, d, d);
	cr_assert_eq(tu_run(cmd, &out), 0, "%s", out);
	cr_assert(strstr(out, "Uid:\t65534\t65534\t65534\t65534") != NULL,
	    "%s", out);
	cr_assert(strstr(out, "Gid:\t65534\t65534\t65534\t65534") != NULL,
	    "%s", out);
	cr_assert(strstr(out, "CapEff:\t0000000000000000") != NULL, "%s", out);
	cr_assert(strstr(out, "CapBnd:\t0000000000000000") != NULL, "%s", out);
	cr_assert(strstr(out, "NoNewPrivs:\t1") != NULL, "%s", out);
	cr_assert(strstr(out, "65534 600 ") != NULL, "files: %s", out);
	free(out);
	st = wfp(d, "capture stop", &out);
	cr_assert_eq(st, 0, "%s", out);
	free(out);
	snprintf(cmd, sizeof(cmd), "stat -c '%%u %%g %%a' '%s/wfpdiag.cab'", d);
	cr_assert_eq(tu_run(cmd, &out), 0, "%s", out);
	cr_assert_str_eq(out, "65534 65534 600\n", "cab owner and mode");
	free(out);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	cr_assert_eq(system(cmd), 0);
}
