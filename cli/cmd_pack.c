/* Placeholder until the pack command lands (its owner replaces this). */
#include <stdio.h>

#include "cli/commands.h"

int
cmd_pack(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "wfpdiag pack: not built yet\n");
	return EXIT_INTERNAL;
}
