/*
 * Staging directory to cabinet (see package.h). [MS-CAB] through
 * formats/cab_writer; member names from formats/cab_layout.h.
 */
#include "capture/package.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "formats/cab_layout.h"
#include "formats/cab_writer.h"

static const char *const fixed_first[] = {CAB_MEMBER_REPORT,
    CAB_MEMBER_INFO, CAB_MEMBER_EVENTS, CAB_MEMBER_XFRM_INITIAL,
    CAB_MEMBER_XFRM_FINAL, CAB_MEMBER_IKE_KEYS, CAB_MEMBER_ESP_KEYS,
    CAB_MEMBER_DAEMON_LOG, CAB_MEMBER_PCAP};

/* Present and readable; key tables and the log only when not empty
 * (an empty esp_sa would claim a key source that saw nothing). */
static bool
exists(const char *dir, const char *name)
{
	char path[4200];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
		return false;
	if (sb.st_size == 0 && (strcmp(name, CAB_MEMBER_ESP_KEYS) == 0 ||
	    strcmp(name, CAB_MEMBER_IKE_KEYS) == 0 ||
	    strcmp(name, CAB_MEMBER_CAPTURE_LOG) == 0))
		return false;
	return access(path, R_OK) == 0;
}

/* capture-N.pcap -> N, or 0 when name is not a ring file. */
static unsigned long
ring_number(const char *name)
{
	size_t pl = strlen(CAB_MEMBER_PCAP_RING_PREFIX);
	char *end;
	unsigned long v;

	if (strncmp(name, CAB_MEMBER_PCAP_RING_PREFIX, pl) != 0 ||
	    name[pl] < '1' || name[pl] > '9')
		return 0;
	v = strtoul(name + pl, &end, 10);
	return strcmp(end, ".pcap") == 0 && v < 0xffffffffu ? v : 0;
}

static int
by_ring_number(const void *a, const void *b)
{
	unsigned long x = ring_number(a), y = ring_number(b);

	return x < y ? -1 : x > y;
}

enum rc
package_list(const char *dir, struct package_list *out)
{
	DIR *d;
	struct dirent *e;
	size_t i, first_ring;

	out->n = 0;
	for (i = 0; i < sizeof(fixed_first) / sizeof(fixed_first[0]); i++)
		if (exists(dir, fixed_first[i]))
			snprintf(out->name[out->n++], sizeof(out->name[0]),
			    "%s", fixed_first[i]);
	if ((d = opendir(dir)) == NULL)
		return RC_IO;
	first_ring = out->n;
	while ((e = readdir(d)) != NULL && out->n < PACKAGE_MAX_MEMBERS - 1)
		if (ring_number(e->d_name) != 0 &&
		    strlen(e->d_name) < sizeof(out->name[0]))
			memcpy(out->name[out->n++], e->d_name,
			    strlen(e->d_name) + 1);
	(void)closedir(d);
	qsort(out->name[first_ring], out->n - first_ring,
	    sizeof(out->name[0]), by_ring_number);
	if (exists(dir, CAB_MEMBER_CAPTURE_LOG))
		snprintf(out->name[out->n++], sizeof(out->name[0]), "%s",
		    CAB_MEMBER_CAPTURE_LOG);
	return RC_OK;
}

/* Puts "wfpdiag.xml" first in l when the report file exists. */
static void
with_report(struct package_list *l, const char *report)
{
	if (report == NULL || access(report, R_OK) != 0 ||
	    (l->n > 0 && strcmp(l->name[0], CAB_MEMBER_REPORT) == 0) ||
	    l->n >= PACKAGE_MAX_MEMBERS)
		return;
	memmove(l->name[1], l->name[0], l->n * sizeof(l->name[0]));
	snprintf(l->name[0], sizeof(l->name[0]), "%s", CAB_MEMBER_REPORT);
	l->n++;
}

enum rc
package_cab(const char *dir, const char *report, const char *out, uid_t uid,
    gid_t gid, unsigned *ncabs, char *err, size_t errlen)
{
	struct package_list *l;
	struct cab_series *cs = NULL;
	char path[4200];
	enum rc rc;
	size_t i;
	unsigned c;

	*ncabs = 0;
	if ((l = malloc(sizeof(*l))) == NULL)
		return RC_NOMEM;
	if ((rc = package_list(dir, l)) != RC_OK) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		goto out;
	}
	with_report(l, report);
	if ((rc = cab_series_new(&cs, out, 6, 2)) != RC_OK) {
		snprintf(err, errlen, "%s: %s", out, strerror(errno));
		goto out;
	}
	for (i = 0; i < l->n && rc == RC_OK; i++) {
		if (report != NULL && access(report, R_OK) == 0 &&
		    strcmp(l->name[i], CAB_MEMBER_REPORT) == 0)
			snprintf(path, sizeof(path), "%s", report);
		else
			snprintf(path, sizeof(path), "%s/%s", dir, l->name[i]);
		rc = cab_series_add_file(cs, l->name[i], path);
		if (rc != RC_OK)
			snprintf(err, errlen, "%s: %s", l->name[i],
			    cab_series_errmsg(cs));
	}
	if (rc == RC_OK && (rc = cab_series_finish(cs)) != RC_OK)
		snprintf(err, errlen, "%s: %s", out, cab_series_errmsg(cs));
	if (rc == RC_OK) {
		*ncabs = cab_series_count(cs);
		for (c = 0; geteuid() == 0 && c < *ncabs; c++)
			if (chown(cab_series_path(cs, c), uid, gid) != 0) {
				snprintf(err, errlen, "chown %s: %s",
				    cab_series_path(cs, c), strerror(errno));
				rc = RC_PERM;
			}
	}
out:
	cab_series_free(cs);
	free(l);
	return rc;
}
