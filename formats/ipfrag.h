/*
 * IP fragment reassembly for IPv4 (RFC 791 3.2) and IPv6 (RFC 8200 4.5),
 * used by netdecode. Fragments are keyed by (source, destination,
 * protocol, identification) in a hash table; pieces may arrive in any
 * order and duplicates are ignored. Any other overlap (RFC 5722) drops
 * the datagram. The table is bounded by LIMIT_FRAG_DATAGRAMS,
 * LIMIT_FRAG_BYTES, LIMIT_FRAG_PIECES and LIMIT_FRAG_AGE_SEC; the oldest
 * partial datagram is evicted first and every eviction is counted.
 */
#ifndef WFPDIAG_FORMATS_IPFRAG_H
#define WFPDIAG_FORMATS_IPFRAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formats/netdecode.h"
#include "formats/rc.h"
#include "formats/rd.h"

struct ipfrag_key {
	struct net_addr src, dst;
	uint32_t id;   /* IPv4: 16-bit identification; IPv6: 32-bit */
	uint8_t proto; /* IPv4 protocol; IPv6 fragment header next header */
};

/* A completed datagram (the fragmentable part, without IP header). */
struct ipfrag_done {
	const uint8_t *data;  /* view, owned by the table; valid until the
	                         next ipfrag_add() or ipfrag_free() */
	size_t len;           /* bytes */
	uint16_t fragments;   /* pieces it was built from */
	uint64_t first_frame; /* lowest frame number among the pieces */
};

struct ipfrag_stats {
	uint64_t fragments;       /* pieces offered */
	uint64_t reassembled;     /* datagrams completed */
	uint64_t duplicates;      /* identical pieces ignored */
	uint64_t overlaps;        /* datagrams dropped for overlapping data */
	uint64_t dropped_limit;   /* datagrams dropped by a LIMIT_FRAG_* cap
	                             or because they would exceed 65535 */
	uint64_t dropped_timeout; /* datagrams aged out */
	uint64_t bad;             /* pieces rejected (length not a multiple
	                             of 8, end beyond a known total) */
};

struct ipfrag;

/* An empty table; NULL when out of memory. */
struct ipfrag *ipfrag_new(void);
/* Frees the table and every held piece; NULL is a no-op. */
void ipfrag_free(struct ipfrag *t);

/*
 * Offers one fragment: its key, its byte offset in the datagram, the MF
 * bit, the fragment data (all of *data is used; it is not consumed),
 * the packet time and frame number. max_len is the largest payload the
 * datagram may reach (65535 minus the IP header). First ages out
 * datagrams older than ts_sec - LIMIT_FRAG_AGE_SEC. Returns
 *   OK        the datagram is complete: *done describes it;
 *   NOTFOUND  the piece is held (or was a duplicate);
 *   LIMIT     the datagram was dropped by a cap (counted);
 *   MALFORMED an overlap dropped the datagram, or the piece was rejected
 *             (counted as overlaps or bad);
 *   NOMEM     out of memory (the datagram was dropped).
 */
enum rc ipfrag_add(struct ipfrag *t, const struct ipfrag_key *k,
    uint32_t offset, bool more, const struct rd *data, uint32_t max_len,
    int64_t ts_sec, uint64_t frame, struct ipfrag_done *done) MUST_CHECK;
/* Drops partial datagrams first seen before now_sec - LIMIT_FRAG_AGE_SEC. */
void ipfrag_expire(struct ipfrag *t, int64_t now_sec);
const struct ipfrag_stats *ipfrag_stats(const struct ipfrag *t);
/* Partial datagrams and bytes currently held (for tests and figures). */
size_t ipfrag_pending(const struct ipfrag *t);
size_t ipfrag_bytes_held(const struct ipfrag *t);

#endif
