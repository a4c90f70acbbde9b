/*
 * IKEv1 SA tracking at header level (RFC 2409): which side spoke in
 * phase 1 (Main or Aggressive Mode), whether the encrypted part of Main
 * Mode was answered, and which Quick Mode requests (by message ID) were.
 * That tells an unanswered negotiation from one that went on; nothing
 * inside an encrypted message is read. An SA is keyed by the initiator
 * cookie and the two addresses; it is finalised when idle for
 * LIMIT_SA_IDLE_SEC of capture time or at the end.
 */
#ifndef WFPDIAG_ANALYZE_IKEV1_TRACK_H
#define WFPDIAG_ANALYZE_IKEV1_TRACK_H

#include <stdbool.h>
#include <stdint.h>

#include "analyze/ike_track.h"
#include "analyze/ikev1_decode.h"
#include "formats/netdecode.h"

#define IKEV1_QM_KEPT 8

/* One Quick Mode exchange, by message ID. */
struct ikev1_qm {
	uint32_t msg_id;
	bool from_init;           /* started by the phase-1 initiator */
	bool answered;            /* the other side sent this message ID */
	uint16_t sends;           /* copies of its first message */
	int64_t first_ns, last_ns;
	uint64_t first_frame, last_frame;
};

struct ikev1_sa {
	uint8_t icookie[8], rcookie[8];
	struct net_addr init_addr, resp_addr;
	uint16_t init_port, resp_port;
	uint8_t phase1;           /* 2 Main, 4 Aggressive, 0 not seen */
	uint32_t p1_from_init, p1_from_resp;   /* phase-1 messages */
	uint32_t p1_enc_from_init, p1_enc_from_resp;
	uint16_t p1_init_sends;   /* copies of the initiator's last one */
	int64_t p1_init_first_ns, p1_init_last_ns; /* of that message */
	uint64_t p1_init_first_frame, p1_init_last_frame;
	bool error_notify;        /* an error notification was reported */
	uint8_t n_qm;
	struct ikev1_qm qm[IKEV1_QM_KEPT];
	int64_t first_ns, last_ns;
	uint64_t first_frame, last_frame;
	uint32_t input;
};

/* Called once per SA when it is finalised. end_ns: capture time then;
 * at_end: the capture ended (a negotiation in flight is incomplete). */
typedef void (*ikev1_done_fn)(const struct ikev1_sa *sa, int64_t end_ns,
    bool at_end, void *ctx);

struct ikev1_track;

struct ikev1_track *ikev1_track_new(ikev1_done_fn done, void *ctx);
void ikev1_track_free(struct ikev1_track *t);
/* Accounts one decoded IKEv1 message (header and clear notifies). */
void ikev1_track_message(struct ikev1_track *t, const struct ike_meta *m,
    const struct ikev1_msg *v1);
/* Finalises SAs idle since before now_ns - LIMIT_SA_IDLE_SEC. */
void ikev1_track_expire(struct ikev1_track *t, int64_t now_ns);
/* Finalises every SA: the capture ended at end_ns. */
void ikev1_track_flush(struct ikev1_track *t, int64_t end_ns);
uint64_t ikev1_track_sas(const struct ikev1_track *t);

#endif
