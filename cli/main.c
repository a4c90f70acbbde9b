/*
 * wfpdiag: IKE/IPsec capture and diagnosis, the Linux counterpart of
 * `netsh wfp capture`. This file only dispatches to the subcommands.
 */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{"analyze", cmd_analyze,
	    "decode captures or Windows wfpdiag files and diagnose IKE/IPsec"},
	{"capture", cmd_capture,
	    "start/stop/status of a background IKE/ESP + keying-event capture"},
	{"pack", cmd_pack, "bundle files into a Microsoft Cabinet (.cab)"},
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: wfpdiag COMMAND [OPTIONS] [ARGS]\n\n"
		   "commands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-9s %s\n", commands[i].name,
		    commands[i].summary);
	fprintf(f, "\n'wfpdiag COMMAND --help' describes each command.\n"
		   "  --version  print the version and exit\n");
}

int
main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--version") == 0 ||
	    strcmp(argv[1], "version") == 0) {
		printf("wfpdiag %s\n", WFPDIAG_VERSION);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "wfpdiag: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
