/* Placeholder until the capture command lands (its owner replaces this). */
#include <stdio.h>

#include "cli/commands.h"

int
cmd_capture(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "wfpdiag capture: not built yet\n");
	return EXIT_INTERNAL;
}
