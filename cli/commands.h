/*
 * The wfpdiag subcommands and the exit statuses they share. Each command
 * lives in cli/cmd_<name>.c, parses its own options and prints its own
 * --help. Library code never prints; these files do.
 */
#ifndef WFPDIAG_CLI_COMMANDS_H
#define WFPDIAG_CLI_COMMANDS_H

/* Exit statuses: distinct per kind of failure (docs/exit-status.md). */
enum exit_status {
	EXIT_OK = 0,          /* done; failures found in traffic are results */
	EXIT_USAGE = 2,       /* bad command line */
	EXIT_INPUT = 3,       /* an input cannot be used at all */
	EXIT_CORRUPT = 4,     /* an input is corrupt part-way; results up to
	                         the fault were still reported */
	EXIT_OUTPUT = 5,      /* an output file could not be written */
	EXIT_PRIVILEGE = 6,   /* missing capability or permission */
	EXIT_STATE = 7,       /* capture session state forbids it */
	EXIT_INTERNAL = 70,   /* out of memory or a bug */
};

int cmd_analyze(int argc, char **argv);
int cmd_pack(int argc, char **argv);
int cmd_capture(int argc, char **argv);

#endif
