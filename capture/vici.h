/*
 * strongSwan's VICI protocol (Versatile IKE Configuration Interface,
 * strongSwan src/libcharon/plugins/vici/README.md): the wire format and a
 * flattening of event messages into events.log fields. No C client library
 * is packaged in Debian 12 (apt-cache search vici), and the protocol is
 * small, so it is implemented here on struct rd.
 *
 *   transport:  length (u32, big endian, excludes itself) | packet
 *   packet:     type (u8) [| name-len (u8) | name] | message
 *   message:    element*
 *   element:    1 SECTION_START name | 2 SECTION_END
 *             | 3 KEY_VALUE name value | 4 LIST_START name
 *             | 5 LIST_ITEM value      | 6 LIST_END
 *   name = len (u8) | bytes;  value = len (u16, big endian) | bytes
 *
 * Packet types with a name: CMD_REQUEST (0), EVENT_REGISTER (3),
 * EVENT_UNREGISTER (4), EVENT (7).
 */
#ifndef WFPDIAG_CAPTURE_VICI_H
#define WFPDIAG_CAPTURE_VICI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formats/buf.h"
#include "formats/limits.h"
#include "formats/rc.h"
#include "formats/rd.h"

enum vici_op {
	VICI_CMD_REQUEST = 0,
	VICI_CMD_RESPONSE = 1,
	VICI_CMD_UNKNOWN = 2,
	VICI_EVENT_REGISTER = 3,
	VICI_EVENT_UNREGISTER = 4,
	VICI_EVENT_CONFIRM = 5,
	VICI_EVENT_UNKNOWN = 6,
	VICI_EVENT = 7,
};

enum vici_elem {
	VICI_SECTION_START = 1,
	VICI_SECTION_END = 2,
	VICI_KEY_VALUE = 3,
	VICI_LIST_START = 4,
	VICI_LIST_ITEM = 5,
	VICI_LIST_END = 6,
};

/* ---- encoding (messages are built into a struct buf) ---- */

/* Appends a whole transport frame: length, op, name (for named ops) and
 * the message bytes msg/msglen (may be 0). */
enum rc vici_frame(struct buf *out, enum vici_op op, const char *name,
    const uint8_t *msg, size_t msglen) MUST_CHECK;
enum rc vici_put_section(struct buf *m, const char *name) MUST_CHECK;
enum rc vici_put_end(struct buf *m) MUST_CHECK;	/* SECTION_END */
enum rc vici_put_kv(struct buf *m, const char *name, const char *val)
    MUST_CHECK;
enum rc vici_put_list(struct buf *m, const char *name) MUST_CHECK;
enum rc vici_put_item(struct buf *m, const char *val) MUST_CHECK;
enum rc vici_put_list_end(struct buf *m) MUST_CHECK;

/* ---- decoding ---- */

struct vici_packet {
	uint8_t op;
	char name[256];             /* "" for unnamed ops */
	struct rd msg;              /* the message (view) */
};

/* Decodes one packet (the bytes after the length prefix). */
enum rc vici_packet_decode(struct rd *pkt, struct vici_packet *p)
    MUST_CHECK;

/* An event message flattened to key=value pairs. */
struct vici_flat {
	size_t n;
	char key[LIMIT_EVLOG_FIELDS][96];
	char val[LIMIT_EVLOG_FIELDS][512];
	bool truncated;             /* fields or values cut to fit */
	char err[128];
};

/*
 * Flattens a message: key/values at the top level keep their names; the
 * first top-level section's name becomes field "sa" (ike-updown and
 * friends put the connection name there) and its content is flattened
 * with dotted paths ("child-sas.net-1.state"); list items are joined by
 * ','. Names are reduced to evlog key characters. SHORT/MALFORMED/LIMIT
 * with out->err naming the element and offset.
 */
enum rc vici_flatten(struct rd *msg, struct vici_flat *out) MUST_CHECK;

/*
 * Splits frames off a receive buffer: returns RC_OK with *pkt set to the
 * next complete packet (view into in), RC_EOF when more bytes are needed,
 * RC_LIMIT when a frame announces more than LIMIT_VICI_PACKET. *used gets
 * the bytes consumed (frame included).
 */
enum rc vici_next_frame(const uint8_t *in, size_t len, struct rd *pkt,
    size_t *used) MUST_CHECK;

#endif
