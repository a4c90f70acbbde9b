#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

const char *
tu_src(const char *rel)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/%s", TEST_SRCDIR, rel);
	return path;
}

const char *
tu_shared(const char *rel)
{
	static char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", TEST_SHARED, rel);
	if (stat(path, &st) != 0)
		return NULL;
	return path;
}

uint8_t *
tu_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	size_t cap = 0, n = 0, got;

	if (f == NULL)
		return NULL;
	for (;;) {
		if (n == cap) {
			uint8_t *grown;

			cap = cap ? cap * 2 : 65536;
			grown = realloc(data, cap);
			if (grown == NULL) {
				free(data);
				fclose(f);
				return NULL;
			}
			data = grown;
		}
		got = fread(data + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	fclose(f);
	*len = n;
	return data;
}

char *
tu_write_temp(const uint8_t *data, size_t len, const char *suffix)
{
	char *path = malloc(4096);
	int fd;

	snprintf(path, 4096, "/tmp/wfpdiag-test-XXXXXX%s", suffix);
	fd = mkstemps(path, (int)strlen(suffix));
	if (fd < 0) {
		free(path);
		return NULL;
	}
	if (len > 0 && write(fd, data, len) != (ssize_t)len) {
		close(fd);
		free(path);
		return NULL;
	}
	close(fd);
	return path;
}

int
tu_run(const char *cmd, char **out)
{
	char full[8192];
	FILE *p;
	char *buf = NULL;
	size_t cap = 0, n = 0;
	int st;

	snprintf(full, sizeof(full), "%s 2>&1", cmd);
	p = popen(full, "r");
	if (p == NULL)
		return -1;
	for (;;) {
		size_t got;

		if (cap - n < 4096) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
		}
		got = fread(buf + n, 1, cap - n - 1, p);
		if (got == 0)
			break;
		n += got;
	}
	buf[n] = '\0';
	st = pclose(p);
	if (out != NULL)
		*out = buf;
	else
		free(buf);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

int
tu_run_wfpdiag(const char *args, char **out)
{
	char cmd[8192];

	snprintf(cmd, sizeof(cmd), "'%s' %s", TEST_WFPDIAG, args);
	return tu_run(cmd, out);
}

bool
tu_have_tool(const char *name)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "command -v '%s' >/dev/null 2>&1", name);
	return system(cmd) == 0;
}

bool
tu_is_root(void)
{
	return geteuid() == 0;
}
char *
tu_tshark_uat(const char *pcap, const char *uat, const char *table,
    const char *args)
{
	char home[] = "/tmp/wfpdiag-tshark-XXXXXX", path[4200], cmd[12800];
	char *out = NULL;
	uint8_t *t;
	size_t len;
	FILE *f;

	if (!tu_have_tool("tshark") || mkdtemp(home) == NULL)
		return NULL;
	snprintf(path, sizeof(path), "%s/.config", home);
	(void)mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/.config/wireshark", home);
	(void)mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/.config/wireshark/%s", home, uat);
	t = tu_read_file(table, &len);
	f = fopen(path, "w");
	if (t != NULL && f != NULL)
		(void)fwrite(t, 1, len, f);
	if (f != NULL)
		fclose(f);
	free(t);
	snprintf(cmd, sizeof(cmd), "HOME='%s' XDG_CONFIG_HOME='%s/.config' "
	    "tshark -n -r '%s' %s 2>/dev/null; rm -rf '%s'", home, home, pcap,
	    args, home);
	if (tu_run(cmd, &out) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

char *
tu_tshark_ikev2(const char *pcap, const char *table)
{
	return tu_tshark_uat(pcap, "ikev2_decryption_table", table,
	    "-Y isakmp -T fields -E occurrence=a -E aggregator=, "
	    "-e frame.number -e isakmp.typepayload -e _ws.expert.message");
}
