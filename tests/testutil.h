/*
 * Helpers shared by the Criterion tests: paths to the tree, the built
 * binary and ../shared, reading whole files, running the CLI.
 */
#ifndef WFPDIAG_TESTUTIL_H
#define WFPDIAG_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/* Path under the source tree; returns a static buffer (one at a time). */
const char *tu_src(const char *rel);
/* Path under ../shared, or NULL (test should skip) when it is absent. */
const char *tu_shared(const char *rel);
/* Reads a whole file; *len gets its size. Caller frees. NULL on error. */
uint8_t *tu_read_file(const char *path, size_t *len);
/* Writes bytes to a fresh temporary file; returns its path (caller frees). */
char *tu_write_temp(const uint8_t *data, size_t len, const char *suffix);
/*
 * Runs the wfpdiag binary with a shell-quoted argument string, captures
 * stdout+stderr into *out (caller frees) and returns the exit status
 * (or -1 when it did not exit normally).
 */
int tu_run_wfpdiag(const char *args, char **out);
/* Runs a shell command, captures output as above. */
int tu_run(const char *cmd, char **out);
/* True when the named program is on PATH. */
bool tu_have_tool(const char *name);
/*
 * Runs tshark on pcap with table as its ikev2_decryption_table (in a
 * temporary profile, removed after) and returns its IKE messages, one a
 * line: "frame<TAB>payload types<TAB>expert messages" (comma-separated;
 * decrypted SK payloads show their inner types, a wrong key shows "IKEv2
 * Integrity Checksum Data is incorrect"). Caller frees. NULL when tshark
 * is absent or failed.
 */
char *tu_tshark_ikev2(const char *pcap, const char *table);
/* Runs "tshark -n -r pcap ARGS" with table installed as the UAT file
 * uat (e.g. "esp_sa") of a temporary profile; its output, or NULL. */
char *tu_tshark_uat(const char *pcap, const char *uat, const char *table,
    const char *args);
/* True when running as root. */
bool tu_is_root(void);

#endif
