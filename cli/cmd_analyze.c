/* Placeholder until the analyze command lands (its owner replaces this). */
#include <stdio.h>

#include "cli/commands.h"

int
cmd_analyze(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "wfpdiag analyze: not built yet\n");
	return EXIT_INTERNAL;
}
