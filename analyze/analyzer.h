/*
 * The analyzer: everything `wfpdiag analyze` does, as a library. Inputs
 * are added one by one (captures, archives, Windows wfpdiag.xml, key
 * tables, keying-event logs; the kind is detected from the content), SAs
 * are tracked across all of them (a fleet view), and the results are
 * written as wfpdiag.xml and/or a text summary.
 *
 * Memory grows with the SAs alive, not with the packets: SAs idle past
 * LIMIT_SA_IDLE_SEC are finalised and streamed to the report spool.
 */
#ifndef WFPDIAG_ANALYZE_ANALYZER_H
#define WFPDIAG_ANALYZE_ANALYZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "analyze/report.h"
#include "formats/rc.h"

struct analyzer_opts {
	const char *xml_path;   /* write wfpdiag.xml here (NULL: none) */
	const char *policy_path;/* expected policy (NULL: none) */
	int verbose;            /* 0 summary, 1 a line per IKE message */
	bool decrypt_esp;       /* check/decrypt ESP when keys are known */
	bool verify_all;        /* ike_decrypt_set_verify_all() */
	FILE *trace;            /* -v lines go here (NULL: none) */
	const char *const *local; /* capture host addresses (text) */
	int n_local;
};

struct analyzer;

/* New analyzer; NULL and a message in err when the report cannot be
 * opened. */
struct analyzer *analyzer_new(const struct analyzer_opts *opts, char *err,
    size_t errlen);
void analyzer_free(struct analyzer *an);

/*
 * Adds one input by path ("-" = stdin). The kind is detected from the
 * content. Returns OK, FORMAT/IO when the input cannot be used at all, or
 * SHORT/MALFORMED when it is corrupt part-way: everything read before the
 * fault stays in the results. analyzer_errmsg() names the file, the byte
 * offset and the reason.
 */
enum rc analyzer_add_path(struct analyzer *an, const char *path) MUST_CHECK;
/* Same for bytes in memory (an archive member); name is for messages. */
enum rc analyzer_add_memory(struct analyzer *an, const char *name,
    const uint8_t *data, size_t len) MUST_CHECK;
/* Adds a key table (Wireshark UAT, tcpdump -E, strongSwan log). Keys
 * found inside archives are added automatically. */
enum rc analyzer_add_keys(struct analyzer *an, const char *path) MUST_CHECK;

/* Finalises every SA, runs the diagnosis, completes the XML report
 * (atomically renamed into place). Call once, after the last input. */
enum rc analyzer_finish(struct analyzer *an) MUST_CHECK;

/*
 * Writes path as Wireshark's ikev2_decryption_table holding the IKE SAs
 * whose keys verified an ICV (or AEAD tag) on a message of the inputs:
 * strongSwan log keys bound by ICV, and key-table rows that decrypted a
 * message. Rows Wireshark cannot name are counted in *skipped. Call after
 * the last input (any time after it; analyzer_finish() does not change
 * the keys). The file is replaced atomically, mode 0600; it is written
 * even when *n is 0 (a header line only). Never prints key material.
 * RC_OK, or RC_IO/RC_PERM/RC_NOMEM/RC_LIMIT with analyzer_errmsg() set.
 */
enum rc analyzer_export_ike_keys(struct analyzer *an, const char *path,
    size_t *n, size_t *skipped) MUST_CHECK;
/* The same for ESP as Wireshark's esp_sa: the SAs with an SPI whose keys
 * verified a packet's ICV or tag. */
enum rc analyzer_export_esp_keys(struct analyzer *an, const char *path,
    size_t *n, size_t *skipped) MUST_CHECK;

/* Writes the terminal summary (after finish). */
void analyzer_print_summary(const struct analyzer *an, FILE *out);

/* Sorted errorFrequencyTable (after finish); *n gets the row count. */
const struct freq_item *analyzer_freq(const struct analyzer *an, size_t *n);

/* Last error message ("" if none). */
const char *analyzer_errmsg(const struct analyzer *an);

#endif
