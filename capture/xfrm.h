/*
 * Decoder for the kernel's XFRM netlink messages (<linux/xfrm.h>; the
 * messages `ip xfrm monitor` prints) and their renderings: one events.log
 * line per message, `ip xfrm state/policy`-style text for the snapshots,
 * and Wireshark esp_sa UAT lines for ESP keys.
 *
 * Netlink is host byte order except the fields the uapi marks __be (SPIs,
 * ports). The decoder is a pure function of the bytes: it reads each field
 * through struct rd at its uapi offset after checking that the fixed part
 * fits, and walks the attributes with length checks (a truncated attribute
 * is RC_SHORT/RC_MALFORMED, never a read past the message).
 */
#ifndef WFPDIAG_CAPTURE_XFRM_H
#define WFPDIAG_CAPTURE_XFRM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formats/buf.h"
#include "formats/rc.h"
#include "formats/rd.h"

#define XFRM_EV_TMPL_MAX 6	/* XFRM_MAX_DEPTH */

enum xfrm_body {
	XFRM_BODY_SA, XFRM_BODY_SA_ID, XFRM_BODY_POLICY, XFRM_BODY_POLICY_ID,
	XFRM_BODY_ACQUIRE, XFRM_BODY_EXPIRE, XFRM_BODY_POLEXPIRE,
	XFRM_BODY_FLUSH, XFRM_BODY_AE, XFRM_BODY_MAPPING, XFRM_BODY_OTHER,
};

struct xfrm_ev_sel {
	uint16_t family;            /* AF_INET/AF_INET6 */
	uint8_t saddr[16], daddr[16];
	uint8_t plen_s, plen_d, proto;
	uint16_t sport, dport;      /* host order */
};

struct xfrm_ev_alg {
	bool present;
	char name[65];
	uint32_t key_bits;
	uint32_t bits;              /* auth truncation or AEAD ICV, bits */
	const uint8_t *key;         /* view into the message */
	size_t key_len;             /* bytes */
};

struct xfrm_ev_tmpl {
	uint16_t family;
	uint8_t saddr[16], daddr[16];
	uint32_t spi;               /* host order */
	uint8_t proto, mode;
	uint32_t reqid;
};

struct xfrm_ev {
	uint16_t msg_type;          /* XFRM_MSG_* */
	enum xfrm_body body;
	/* SA (NEWSA, UPDSA, DELSA, EXPIRE, ACQUIRE id, MAPPING id) */
	bool has_sa;
	uint16_t family;
	uint8_t saddr[16], daddr[16];
	bool has_saddr;
	uint32_t spi;               /* host order */
	uint8_t proto, mode, replay_window, flags;
	uint32_t reqid, seq;
	uint64_t bytes, packets, add_time;
	uint64_t soft_add_expires, hard_add_expires;
	struct xfrm_ev_sel sel;
	struct xfrm_ev_alg enc, auth, aead;
	bool has_encap;
	uint16_t encap_type, encap_sport, encap_dport;
	bool hard;                  /* EXPIRE, POLEXPIRE */
	/* policy (NEWPOLICY, UPDPOLICY, DELPOLICY, POLEXPIRE, ACQUIRE) */
	bool has_pol;
	bool has_pol_info;          /* priority/action known */
	struct xfrm_ev_sel psel;
	uint32_t priority, index;
	uint8_t dir, action;
	size_t ntmpl;
	struct xfrm_ev_tmpl tmpl[XFRM_EV_TMPL_MAX];
	/* MAPPING: new NAT-T source of the peer */
	uint8_t old_addr[16], new_addr[16];
	uint16_t old_port, new_port;
	uint8_t flush_proto;
	char err[128];              /* why decoding failed */
};

/* Name of an XFRM message type ("NEWSA"); "UNKNOWN" when not ours. */
const char *xfrm_msg_name(uint16_t type);

/*
 * Decodes one netlink message (header included, len bytes). Returns OK,
 * SHORT/MALFORMED with ev->err naming the field and both sizes, or
 * UNSUPPORTED for a message type we do not record. Key views in ev point
 * into msg.
 */
enum rc xfrm_decode(const uint8_t *msg, size_t len, struct xfrm_ev *ev)
    MUST_CHECK;

/* Appends the events.log line for ev; keys only when with_keys. */
enum rc xfrm_ev_evlog(const struct xfrm_ev *ev, bool with_keys, int64_t sec,
    uint32_t nsec, struct buf *out) MUST_CHECK;

/* Appends `ip xfrm state` / `ip xfrm policy` style text for a dumped SA
 * or policy (RC_UNSUPPORTED for other messages). */
enum rc xfrm_ev_text(const struct xfrm_ev *ev, bool with_keys,
    struct buf *out) MUST_CHECK;

/*
 * Appends one Wireshark esp_sa UAT line for an ESP SA with keys:
 * "IPv4","src","dst","0xSPI","ENC","0xKEY","AUTH","0xKEY". RC_NOTFOUND
 * when ev is not an ESP SA with keys, RC_UNSUPPORTED when an algorithm
 * has no Wireshark name.
 */
enum rc xfrm_ev_esp_uat(const struct xfrm_ev *ev, struct buf *out)
    MUST_CHECK;

#endif
