/*
 * ESP SA tracking (RFC 4303): one SA per SPI and destination, with
 * packets, bytes, first/last seen, UDP encapsulation (RFC 3948), and
 * sequence-number anomalies: gaps (numbers never seen once the window
 * moved past them), replays (a number seen twice) and reordering (a
 * number below the highest seen but new). The window is 1024 numbers, as
 * large as common anti-replay windows. ESN (64-bit) is not inferred: the
 * low 32 bits are tracked, and a wrap is counted as such.
 */
#ifndef WFPDIAG_ANALYZE_ESP_TRACK_H
#define WFPDIAG_ANALYZE_ESP_TRACK_H

#include <stdbool.h>
#include <stdint.h>

#include "formats/netdecode.h"

#define ESP_WINDOW_BITS 1024u
/* Replay/gap evidence frames kept per SA. */
#define ESP_EVIDENCE 8

struct esp_sa {
	uint64_t serial;
	uint32_t spi;               /* host order */
	struct net_addr src, dst;
	bool udp_encap;             /* ESP-in-UDP (NAT-T) */
	uint16_t sport, dport;      /* UDP ports when encapsulated */
	uint64_t ike_serial;        /* IKE SA it belongs to, 0 unknown */
	bool ike_exact;             /* linked by SPI from decrypted SA */
	uint32_t input;
	enum net_tunnel tunnel;     /* its first packet came in a tunnel */
	int64_t first_ns, last_ns;
	uint64_t first_frame, last_frame;
	uint64_t packets, bytes;    /* bytes = ESP payload incl. header */
	uint32_t seq_first, seq_max;
	uint64_t lost;              /* numbers skipped and never seen */
	uint64_t gaps;              /* distinct jumps forward by > 1 */
	uint64_t replays;           /* numbers seen more than once */
	uint64_t reordered;         /* late but first-seen numbers */
	uint64_t too_old;           /* below the window: late or replay */
	uint32_t wraps;
	uint8_t n_replay_frames;
	uint64_t replay_frames[ESP_EVIDENCE];
	int64_t first_replay_ns;
	/* ICV checks when keys are known */
	uint64_t icv_ok, icv_bad;
	uint8_t inner_proto;        /* next header of the last decrypted */
};

struct esp_track_stats {
	uint64_t packets, sas_total, sas_live, sas_dropped_limit;
};

typedef void (*esp_done_fn)(const struct esp_sa *sa, void *ctx);

struct esp_track;

struct esp_track *esp_track_new(esp_done_fn done, void *ctx);
void esp_track_free(struct esp_track *t);

/* Where the packet was seen. */
struct esp_meta {
	int64_t ns;
	uint64_t frame;
	uint32_t input;
	const struct net_addr *src, *dst;
	bool udp_encap;
	uint16_t sport, dport;
	enum net_tunnel tunnel;
};

/*
 * Accounts one ESP packet (SPI and sequence number read by the caller
 * through struct rd). Returns the SA, which stays valid until the next
 * call; *is_new tells whether it was created by this packet (so the
 * caller can link it to an IKE SA).
 */
struct esp_sa *esp_track_packet(struct esp_track *t,
    const struct esp_meta *m, uint32_t spi, uint32_t seq, uint32_t len,
    bool *is_new);
void esp_track_expire(struct esp_track *t, int64_t now_ns);
void esp_track_flush(struct esp_track *t);
const struct esp_track_stats *esp_track_stats(const struct esp_track *t);

#endif
