/* capture/vici: messages we encode decode back; event messages flatten
 * into events.log fields; hostile bytes fail without crashing. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/vici.h"

/* An ike-updown event as charon sends it (shape from the vici README). */
static void
build_updown(struct buf *msg)
{
	buf_init(msg, 1 << 16);
	cr_assert_eq(vici_put_kv(msg, "up", "yes"), RC_OK);
	cr_assert_eq(vici_put_section(msg, "host-host"), RC_OK);
	cr_assert_eq(vici_put_kv(msg, "uniqueid", "3"), RC_OK);
	cr_assert_eq(vici_put_kv(msg, "state", "ESTABLISHED"), RC_OK);
	cr_assert_eq(vici_put_kv(msg, "remote-id", "CN=moon"), RC_OK);
	cr_assert_eq(vici_put_list(msg, "remote-vips"), RC_OK);
	cr_assert_eq(vici_put_item(msg, "10.3.0.1"), RC_OK);
	cr_assert_eq(vici_put_item(msg, "fec3::1"), RC_OK);
	cr_assert_eq(vici_put_list_end(msg), RC_OK);
	cr_assert_eq(vici_put_section(msg, "child-sas"), RC_OK);
	cr_assert_eq(vici_put_section(msg, "net-1"), RC_OK);
	cr_assert_eq(vici_put_kv(msg, "spi-in", "c1a2b3c4"), RC_OK);
	cr_assert_eq(vici_put_end(msg), RC_OK);
	cr_assert_eq(vici_put_end(msg), RC_OK);
	cr_assert_eq(vici_put_end(msg), RC_OK);
}

static const char *
get(const struct vici_flat *f, const char *k)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->key[i], k) == 0)
			return f->val[i];
	return NULL;
}

Test(vici, event_frame_round_trips_and_flattens)
{
	struct buf msg, frame;
	struct rd pkt;
	size_t used;
	struct vici_packet p;
	struct vici_flat *fl = calloc(1, sizeof(*fl));

	build_updown(&msg);
	buf_init(&frame, 1 << 16);
	cr_assert_eq(vici_frame(&frame, VICI_EVENT, "ike-updown", msg.data,
	    msg.len), RC_OK);
	cr_assert_eq(vici_next_frame(frame.data, frame.len - 1, &pkt, &used),
	    RC_EOF);
	cr_assert_eq(vici_next_frame(frame.data, frame.len, &pkt, &used),
	    RC_OK);
	cr_assert_eq(used, frame.len);
	cr_assert_eq(vici_packet_decode(&pkt, &p), RC_OK);
	cr_assert_eq(p.op, VICI_EVENT);
	cr_assert_str_eq(p.name, "ike-updown");
	cr_assert_eq(vici_flatten(&p.msg, fl), RC_OK, "%s", fl->err);
	cr_assert_str_eq(get(fl, "up"), "yes");
	cr_assert_str_eq(get(fl, "sa"), "host-host");
	cr_assert_str_eq(get(fl, "state"), "ESTABLISHED");
	cr_assert_str_eq(get(fl, "remote-id"), "CN=moon");
	cr_assert_str_eq(get(fl, "remote-vips"), "10.3.0.1,fec3::1");
	cr_assert_str_eq(get(fl, "child-sas.net-1.spi-in"), "c1a2b3c4");
	cr_assert(!fl->truncated);
	buf_fini(&msg);
	buf_fini(&frame);
	free(fl);
}

Test(vici, register_frame_has_the_documented_bytes)
{
	struct buf frame;
	static const uint8_t want[] = {0, 0, 0, 5, 3, 3, 'l', 'o', 'g'};

	buf_init(&frame, 64);
	cr_assert_eq(vici_frame(&frame, VICI_EVENT_REGISTER, "log", NULL, 0),
	    RC_OK);
	cr_assert_eq(frame.len, sizeof(want));
	cr_assert_eq(memcmp(frame.data, want, sizeof(want)), 0);
	buf_fini(&frame);
}

static enum rc
flatten_bytes(const uint8_t *b, size_t n, struct vici_flat *fl)
{
	struct rd r = rd_init(b, n);

	return vici_flatten(&r, fl);
}

Test(vici, unbalanced_and_unknown_elements_are_malformed)
{
	struct vici_flat *fl = calloc(1, sizeof(*fl));
	static const uint8_t end_first[] = {2};
	static const uint8_t item_out[] = {5, 0, 1, 'x'};
	static const uint8_t bad_type[] = {9};
	static const uint8_t open_sec[] = {1, 1, 'a'};
	static const uint8_t list_end[] = {6};
	static const uint8_t kv_in_list[] = {4, 1, 'l', 3, 1, 'k', 0, 0};
	static const uint8_t long_val[] = {3, 1, 'k', 0xff, 0xff, 'x'};
	uint8_t deep[3 * 40];
	size_t i;

	cr_assert_eq(flatten_bytes(end_first, 1, fl), RC_MALFORMED);
	cr_assert(strstr(fl->err, "offset") != NULL);
	cr_assert_eq(flatten_bytes(item_out, 4, fl), RC_MALFORMED);
	cr_assert_eq(flatten_bytes(bad_type, 1, fl), RC_MALFORMED);
	cr_assert_eq(flatten_bytes(open_sec, 3, fl), RC_SHORT);
	cr_assert_eq(flatten_bytes(list_end, 1, fl), RC_MALFORMED);
	cr_assert_eq(flatten_bytes(kv_in_list, 8, fl), RC_MALFORMED);
	cr_assert_eq(flatten_bytes(long_val, 6, fl), RC_SHORT);
	for (i = 0; i < 40; i++) {
		deep[3 * i] = 1;
		deep[3 * i + 1] = 1;
		deep[3 * i + 2] = 's';
	}
	cr_assert_eq(flatten_bytes(deep, sizeof(deep), fl), RC_LIMIT);
	free(fl);
}

Test(vici, every_truncation_and_byte_flip_is_handled)
{
	struct buf msg;
	struct vici_flat *fl = calloc(1, sizeof(*fl));
	size_t cut, i;
	unsigned v;

	build_updown(&msg);
	for (cut = 0; cut < msg.len; cut++) {
		enum rc rc = flatten_bytes(msg.data, cut, fl);

		cr_assert(rc == RC_OK || rc == RC_SHORT || rc == RC_MALFORMED,
		    "cut %zu %s", cut, rc_name(rc));
	}
	for (i = 0; i < msg.len; i++)
		for (v = 0; v < 256; v += 17) {
			uint8_t *c = malloc(msg.len);
			enum rc rc;

			memcpy(c, msg.data, msg.len);
			c[i] = (uint8_t)v;
			rc = flatten_bytes(c, msg.len, fl);
			cr_assert(rc != RC_NOMEM);
			free(c);
		}
	buf_fini(&msg);
	free(fl);
}

Test(vici, too_many_fields_set_truncated_not_overflow)
{
	struct buf msg;
	struct vici_flat *fl = calloc(1, sizeof(*fl));
	unsigned i;
	char k[16];

	buf_init(&msg, 1 << 16);
	for (i = 0; i < LIMIT_EVLOG_FIELDS + 5; i++) {
		snprintf(k, sizeof(k), "k%u", i);
		cr_assert_eq(vici_put_kv(&msg, k, "v"), RC_OK);
	}
	cr_assert_eq(vici_put_list(&msg, "late"), RC_OK);
	cr_assert_eq(vici_put_item(&msg, "x"), RC_OK);
	cr_assert_eq(vici_put_list_end(&msg), RC_OK);
	cr_assert_eq(flatten_bytes(msg.data, msg.len, fl), RC_OK);
	cr_assert_eq(fl->n, LIMIT_EVLOG_FIELDS);
	cr_assert(fl->truncated);
	buf_fini(&msg);
	free(fl);
}

Test(vici, oversized_frame_is_refused)
{
	static const uint8_t big[] = {0x7f, 0xff, 0xff, 0xff, 7};
	struct rd pkt;
	size_t used;

	cr_assert_eq(vici_next_frame(big, sizeof(big), &pkt, &used), RC_LIMIT);
}
