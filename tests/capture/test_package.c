/* capture/package: a staging directory becomes a cab that libarchive
 * (bsdtar) reads back with the same names and bytes, in the layout
 * order, ring files oldest first. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/package.h"
#include "formats/cab_layout.h"
#include "testutil.h"

static void
put(const char *dir, const char *name, const char *text)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

Test(package, list_follows_the_layout_and_ring_order)
{
	char d[] = "/tmp/wfpdiag-pkg-XXXXXX";
	struct package_list *l = calloc(1, sizeof(*l));
	const char *want[] = {"wfpdiag.xml", "capture-info.txt", "events.log",
	    "esp_sa", "capture-9.pcap", "capture-10.pcap", "capture-11.pcap"};
	size_t i;

	cr_assert_not_null(mkdtemp(d));
	put(d, "capture-10.pcap", "b");
	put(d, "capture-9.pcap", "a");
	put(d, "capture-11.pcap", "c");
	put(d, "events.log", "e");
	put(d, "esp_sa", "k");
	put(d, "ikev2_decryption_table", "");	/* empty: left out */
	put(d, "capture-info.txt", "i");
	put(d, "wfpdiag.xml", "<x/>");
	put(d, "state", "pid=1");		/* not a member */
	put(d, "capture-0.pcap", "z");		/* not a ring name */
	cr_assert_eq(package_list(d, l), RC_OK);
	cr_assert_eq(l->n, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < l->n; i++)
		cr_assert_str_eq(l->name[i], want[i]);
	free(l);
}

Test(package, cab_reads_back_through_libarchive)
{
	char d[] = "/tmp/wfpdiag-pkg-XXXXXX", cab[600], cmd[1400], err[256];
	char *out = NULL;
	unsigned n = 0;
	int i;

	if (!tu_have_tool("bsdtar"))
		cr_skip_test("needs bsdtar (libarchive-tools)");
	cr_assert_not_null(mkdtemp(d));
	put(d, CAB_MEMBER_INFO, "host: h\n");
	put(d, CAB_MEMBER_EVENTS, "# wfpdiag events 1\n");
	{
		char big[70000];

		for (i = 0; i < (int)sizeof(big) - 1; i++)
			big[i] = (char)('a' + i % 26);
		big[sizeof(big) - 1] = '\0';
		put(d, CAB_MEMBER_PCAP, big);
	}
	snprintf(cab, sizeof(cab), "%s.cab", d);
	cr_assert_eq(package_cab(d, NULL, cab, getuid(), getgid(), &n, err,
	    sizeof(err)), RC_OK, "%s", err);
	cr_assert_eq(n, 1);
	snprintf(cmd, sizeof(cmd), "bsdtar -tf '%s'", cab);
	cr_assert_eq(tu_run(cmd, &out), 0, "%s", out);
	cr_assert_str_eq(out, "capture-info.txt\nevents.log\ncapture.pcap\n");
	free(out);
	snprintf(cmd, sizeof(cmd), "mkdir '%s.x' && bsdtar -xf '%s' -C '%s.x'"
	    " && cmp '%s/capture.pcap' '%s.x/capture.pcap' && stat -c %%a '%s'",
	    d, cab, d, d, d, cab);
	cr_assert_eq(tu_run(cmd, &out), 0, "%s", out);
	cr_assert_str_eq(out, "600\n", "cab mode");
	free(out);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s.x' '%s'", d, d, cab);
	cr_assert_eq(system(cmd), 0);
}

Test(package, unwritable_output_fails_with_a_message)
{
	char d[] = "/tmp/wfpdiag-pkg-XXXXXX", err[256] = "";
	unsigned n;

	cr_assert_not_null(mkdtemp(d));
	put(d, CAB_MEMBER_EVENTS, "x");
	cr_assert_neq(package_cab(d, NULL, "/nonexistent-dir/w.cab", getuid(),
	    getgid(), &n, err, sizeof(err)), RC_OK);
	cr_assert(err[0] != '\0');
}
