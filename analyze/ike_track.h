/*
 * The IKE SA tracker: follows every IKEv2 negotiation seen in the
 * captures. Messages are matched to SAs by SPIs (SPIr is zero on the
 * first request), requests to responses by message ID and direction
 * (RFC 7296 2.1-2.2); retransmissions (byte-identical requests), late and
 * duplicate responses are counted; a COOKIE or INVALID_KE_PAYLOAD answer
 * followed by a new IKE_SA_INIT links the two attempts; the move from
 * UDP 500 to 4500 is recorded (NAT-T, RFC 7296 2.23).
 *
 * Memory grows with the SAs alive: an SA idle for LIMIT_SA_IDLE_SEC of
 * capture time is finalised and handed to the done callback, then freed.
 */
#ifndef WFPDIAG_ANALYZE_IKE_TRACK_H
#define WFPDIAG_ANALYZE_IKE_TRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyze/ike_sa.h"
#include "analyze/ikev2_decode.h"
#include "formats/netdecode.h"

/* Called once per SA when it is finalised; the SA is freed afterwards
 * (copy what you keep). end_ns is the capture time of finalisation. */
typedef void (*ike_done_fn)(struct ike_sa *sa, int64_t end_ns,
    bool at_end, void *ctx);

/* Where and when a message was seen. */
struct ike_meta {
	int64_t ns;              /* epoch nanoseconds */
	uint64_t frame;
	uint32_t input;          /* input file index */
	const struct net_addr *src, *dst;
	uint16_t sport, dport;
	bool nat_marker;         /* arrived on 4500 after a non-ESP marker */
	uint16_t ip_fragments;   /* > 1 when IP-reassembled */
	const uint8_t *bytes;    /* the IKE message, for the digest */
	size_t len;
	bool decrypt_failed;     /* keys known but the ICV did not verify */
	enum net_tunnel tunnel;  /* captured inside this tunnel, or NONE */
};

struct ike_track_stats {
	uint64_t sas_total, sas_live, sas_live_peak;
	uint64_t sas_dropped_limit; /* finalised early: LIMIT_IKE_SAS */
	uint64_t messages, retransmissions, dup_responses, orphan_responses;
};

struct ike_track;

struct ike_track *ike_track_new(ike_done_fn done, void *ctx);
/* Frees every SA without calling done (use ike_track_flush first). */
void ike_track_free(struct ike_track *t);

/* Accounts one decoded IKEv2 message. */
void ike_track_message(struct ike_track *t, const struct ike_meta *m,
    const struct ikev2_msg *msg);
/* An ICMP unreachable quoting an IKE datagram from src to dst. */
void ike_track_icmp(struct ike_track *t, const struct net_addr *src,
    const struct net_addr *dst, int64_t ns);
/*
 * ESP seen from src to dst: counts it on the IKE SA that negotiated spi
 * (decrypted SA payloads: *exact = true) or else on the latest IKE SA of
 * that address pair that completed IKE_AUTH before ns. Returns that SA's
 * serial or 0 when none (or several candidates) match.
 */
uint64_t ike_track_esp(struct ike_track *t, const struct net_addr *src,
    const struct net_addr *dst, uint32_t spi, int64_t ns, bool *exact);
/* Finalises SAs idle since before now_ns - LIMIT_SA_IDLE_SEC. */
void ike_track_expire(struct ike_track *t, int64_t now_ns);
/* Finalises every SA (end of all inputs). */
void ike_track_flush(struct ike_track *t, int64_t end_ns);
const struct ike_track_stats *ike_track_stats(const struct ike_track *t);

/* 32-bit digest over bytes: tells a retransmission from a new message. */
uint32_t ike_digest(const uint8_t *bytes, size_t len);

#endif
