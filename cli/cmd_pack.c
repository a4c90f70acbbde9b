/*
 * wfpdiag pack OUT.cab FILE...: bundles existing files (a capture, its key
 * tables and report) into a Microsoft Cabinet for a colleague, through
 * formats/cab_writer (the same code `capture stop` uses). Each file is
 * stored under its basename. Output is atomic and mode 0600; when the data
 * outgrows one cabinet (2 GiB, or --split-size) the rest goes to
 * OUT-2.cab, OUT-3.cab ..., each a complete cabinet (docs/cab.md).
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/commands.h"
#include "formats/cab_writer.h"

struct pack_opts {
	int level;
	unsigned threads;
	unsigned long long split;
	bool quiet;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: wfpdiag pack [OPTIONS] OUT.cab FILE...\n\n"
	    "Bundles FILEs into the Microsoft Cabinet OUT.cab (MSZIP), each\n"
	    "under its base name, readable by Windows, expand.exe,\n"
	    "cabextract, gcab, 7-Zip and libarchive. OUT.cab appears only\n"
	    "when complete (mode 0600). Data beyond one cabinet goes to\n"
	    "OUT-2.cab, OUT-3.cab ..., each a complete cabinet.\n\n"
	    "options:\n"
	    "  -l, --level N        deflate level 0 (store) to 9 (default 6)\n"
	    "  -j, --threads N      compression threads (default: CPUs)\n"
	    "  -s, --split-size N   start a new cabinet before one would pass\n"
	    "                       N bytes (default and maximum 2147483647)\n"
	    "  -q, --quiet          print nothing on success\n"
	    "  -h, --help           this text\n");
}

static bool
parse_num(const char *s, unsigned long long max, unsigned long long *v)
{
	char *end;

	errno = 0;
	if (*s == '\0' || *s == '-')
		return false;
	*v = strtoull(s, &end, 10);
	return errno == 0 && *end == '\0' && *v <= max;
}

static const char *
base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* Every input must be a readable regular file with a distinct name
 * before anything is written. */
static int
check_inputs(int n, char **files)
{
	struct stat st;
	int i, j;

	for (i = 0; i < n; i++) {
		if (stat(files[i], &st) != 0 || access(files[i], R_OK) != 0) {
			fprintf(stderr, "wfpdiag pack: %s: %s\n", files[i],
			    strerror(errno));
			return EXIT_INPUT;
		}
		if (!S_ISREG(st.st_mode)) {
			fprintf(stderr, "wfpdiag pack: %s: not a regular "
			    "file\n", files[i]);
			return EXIT_INPUT;
		}
		for (j = 0; j < i; j++)
			if (strcasecmp(base_name(files[i]),
			    base_name(files[j])) == 0) {
				fprintf(stderr, "wfpdiag pack: %s and %s "
				    "would both be stored as '%s'\n", files[j],
				    files[i], base_name(files[i]));
				return EXIT_USAGE;
			}
	}
	return EXIT_OK;
}

static int
parse_opts(int argc, char **argv, struct pack_opts *o)
{
	static const struct option longs[] = {
		{"level", required_argument, NULL, 'l'},
		{"threads", required_argument, NULL, 'j'},
		{"split-size", required_argument, NULL, 's'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	unsigned long long v;
	long nproc = sysconf(_SC_NPROCESSORS_ONLN);
	int c;

	o->level = 6;
	o->threads = nproc > 1 ? (nproc > 8 ? 8u : (unsigned)nproc) : 0u;
	o->split = CAB_MAX_CABINET_BYTES;
	o->quiet = false;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+l:j:s:qh", longs, NULL)) != -1) {
		switch (c) {
		case 'l':
			if (!parse_num(optarg, 9, &v))
				goto bad;
			o->level = (int)v;
			break;
		case 'j':
			if (!parse_num(optarg, 64, &v))
				goto bad;
			o->threads = (unsigned)v;
			break;
		case 's':
			if (!parse_num(optarg, CAB_MAX_CABINET_BYTES, &v) ||
			    v < 65536)
				goto bad;
			o->split = v;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			usage(stdout);
			return -1;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	return EXIT_OK;
bad:
	fprintf(stderr, "wfpdiag pack: bad value '%s' for -%c\n", optarg, c);
	return EXIT_USAGE;
}

static int
exit_for(enum rc rc)
{
	switch (rc) {
	case RC_NOTFOUND:
	case RC_PERM:
	case RC_INVAL:
	case RC_EXISTS:
	case RC_LIMIT:
		return EXIT_INPUT;
	case RC_NOMEM:
		return EXIT_INTERNAL;
	default:
		return EXIT_OUTPUT;
	}
}

static void
report(const struct cab_series *s, const struct pack_opts *o)
{
	struct cab_writer_stats st;
	unsigned i;

	if (o->quiet)
		return;
	cab_series_stats(s, &st);
	for (i = 0; i < cab_series_count(s); i++)
		printf("%s\n", cab_series_path(s, i));
	printf("%u member%s, %llu bytes -> %llu bytes (%.1f%%)%s\n", st.files,
	    st.files == 1 ? "" : "s", (unsigned long long)st.in_bytes,
	    (unsigned long long)st.out_bytes,
	    st.in_bytes ? 100.0 * (double)st.out_bytes / (double)st.in_bytes :
	    100.0, cab_series_count(s) > 1 ? ", split across cabinets" : "");
}

int
cmd_pack(int argc, char **argv)
{
	struct cab_limits lim = {CAB_MAX_FOLDER_BYTES, 0, CAB_MAX_FILES};
	struct cab_series *s = NULL;
	struct pack_opts o;
	enum rc rc;
	int st, i;

	if ((st = parse_opts(argc, argv, &o)) != EXIT_OK)
		return st < 0 ? EXIT_OK : st;
	if (argc - optind < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if ((st = check_inputs(argc - optind - 1, argv + optind + 1)) != 0)
		return st;
	if ((rc = cab_series_new(&s, argv[optind], o.level, o.threads)) !=
	    RC_OK) {
		fprintf(stderr, "wfpdiag pack: %s: %s\n", argv[optind],
		    s ? cab_series_errmsg(s) : strerror(errno));
		return rc == RC_NOMEM ? EXIT_INTERNAL : EXIT_OUTPUT;
	}
	lim.cabinet_bytes = (uint32_t)o.split;
	cab_series_set_limits(s, &lim);
	for (i = optind + 1; i < argc; i++) {
		rc = cab_series_add_file(s, base_name(argv[i]), argv[i]);
		if (rc != RC_OK) {
			fprintf(stderr, "wfpdiag pack: %s\n",
			    cab_series_errmsg(s));
			st = exit_for(rc);
			goto out;
		}
	}
	if ((rc = cab_series_finish(s)) != RC_OK) {
		fprintf(stderr, "wfpdiag pack: %s\n", cab_series_errmsg(s));
		st = exit_for(rc) == EXIT_INPUT ? EXIT_OUTPUT : exit_for(rc);
		goto out;
	}
	report(s, &o);
	st = EXIT_OK;
out:
	cab_series_free(s);
	return st;
}
