/*
 * Capability check and privilege drop (see privs.h). capabilities(7),
 * proc(5) "CapEff", capset(2) with _LINUX_CAPABILITY_VERSION_3.
 */
#include "capture/privs.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

enum rc
privs_parse_capeff(const char *status, size_t len, uint64_t *eff)
{
	static const char key[] = "\nCapEff:";
	size_t i, k = sizeof(key) - 1;
	uint64_t v = 0;
	size_t nd = 0;

	for (i = 0; i + k <= len; i++)
		if (memcmp(status + i, key, k) == 0)
			break;
	if (i + k > len)
		return RC_NOTFOUND;
	for (i += k; i < len && (status[i] == '\t' || status[i] == ' '); i++)
		;
	for (; i < len && status[i] != '\n'; i++) {
		char c = status[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else
			return RC_MALFORMED;
		if (++nd > 16)
			return RC_MALFORMED;
		v = v << 4 | d;
	}
	if (nd == 0)
		return RC_MALFORMED;
	*eff = v;
	return RC_OK;
}

void
privs_missing(uint64_t eff, char *out, size_t n)
{
	bool raw = eff & (1ull << PRIVS_CAP_NET_RAW);
	bool admin = eff & (1ull << PRIVS_CAP_NET_ADMIN);

	snprintf(out, n, "%s%s%s", raw ? "" : "CAP_NET_RAW",
	    !raw && !admin ? " and " : "", admin ? "" : "CAP_NET_ADMIN");
}

enum rc
privs_self(uint64_t *eff)
{
	char buf[8192];
	FILE *f = fopen("/proc/self/status", "re");
	size_t n;

	if (f == NULL)
		return RC_IO;
	buf[0] = '\n';	/* so the first line matches "\nKey:" too */
	n = fread(buf + 1, 1, sizeof(buf) - 2, f);
	(void)fclose(f);
	return privs_parse_capeff(buf, n + 1, eff);
}

static bool
env_id(const char *name, unsigned long *out)
{
	const char *v = getenv(name);
	char *end;

	if (v == NULL || v[0] < '0' || v[0] > '9')
		return false;
	errno = 0;
	*out = strtoul(v, &end, 10);
	return errno == 0 && *end == '\0' && *out < 0xfffffffful;
}

void
privs_invoker(uid_t *uid, gid_t *gid)
{
	unsigned long u, g;

	*uid = getuid();
	*gid = getgid();
	if (*uid == 0 && env_id("SUDO_UID", &u) && env_id("SUDO_GID", &g)) {
		*uid = (uid_t)u;
		*gid = (gid_t)g;
	}
}

static enum rc
fail(char *err, size_t errlen, const char *step)
{
	snprintf(err, errlen, "%s: %s", step, strerror(errno));
	return RC_PERM;
}

enum rc
privs_drop(uid_t uid, gid_t gid, char *err, size_t errlen)
{
	struct __user_cap_header_struct hdr = {
	    .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct data[2];
	int cap;

	if (getuid() == 0 || geteuid() == 0) {
		if (setgroups(0, NULL) != 0)
			return fail(err, errlen, "setgroups");
		if (setresgid(gid, gid, gid) != 0)
			return fail(err, errlen, "setresgid");
		/* bounding set first: needs CAP_SETPCAP, gone after setuid */
		for (cap = 0; cap <= 63; cap++)
			if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 &&
			    errno != EINVAL)
				return fail(err, errlen, "PR_CAPBSET_DROP");
		if (setresuid(uid, uid, uid) != 0)
			return fail(err, errlen, "setresuid");
	}
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capset, &hdr, data) != 0)
		return fail(err, errlen, "capset");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return fail(err, errlen, "PR_SET_NO_NEW_PRIVS");
	return RC_OK;
}
