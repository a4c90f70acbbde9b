/*
 * What kind of input a file is, decided from its first bytes (see
 * input.c). Exposed for tests and for the CLI's messages.
 */
#ifndef WFPDIAG_ANALYZE_INPUT_H
#define WFPDIAG_ANALYZE_INPUT_H

#include <stddef.h>
#include <stdint.h>

enum input_kind {
	INPUT_CAPTURE,  /* pcap or pcapng */
	INPUT_ARCHIVE,  /* cab, zip, tar(.gz) */
	INPUT_XML,      /* Windows wfpdiag.xml / netevents.xml */
	INPUT_EVENTS,   /* wfpdiag keying-event log */
	INPUT_TEXT,     /* key table or other text */
};

/* Kind of the input whose first n bytes are b (n may be short). */
enum input_kind input_sniff(const uint8_t *b, size_t n);

#endif
