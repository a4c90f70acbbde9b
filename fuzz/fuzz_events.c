/* Keying-event parsers: the events.log reader and daemon mapping, the
 * strongSwan vici wire protocol, error-notify records and XFRM netlink
 * messages (the first byte picks which). */
#include <stdint.h>
#include <stdlib.h>

#include "analyze/daemon_events.h"
#include "capture/enfy.h"
#include "capture/vici.h"
#include "capture/xfrm.h"
#include "formats/buf.h"

static void
on_event(const struct fail_event *ev, void *ctx)
{
	(void)ev;
	(void)ctx;
}

static void
vici(const uint8_t *data, size_t size)
{
	static struct vici_flat flat;
	struct rd pkt;
	size_t used = 0;
	int n = 0;

	while (n++ < 32 && size > 0 &&
	    vici_next_frame(data, size, &pkt, &used) == RC_OK) {
		struct vici_packet p;

		if (vici_packet_decode(&pkt, &p) == RC_OK)
			(void)!vici_flatten(&p.msg, &flat);
		if (used == 0 || used > size)
			break;
		data += used;
		size -= used;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];

	if (size < 1)
		return 0;
	switch (data[0] % 4) {
	case 0: {
		struct daemon_events *de = daemon_events_new(on_event, NULL,
		    "fuzz.log");

		if (de != NULL)
			(void)!daemon_events_parse(de, data + 1, size - 1,
			    "fuzz.log", err, sizeof(err));
		daemon_events_free(de);
		break;
	}
	case 1:
		vici(data + 1, size - 1);
		break;
	case 2: {
		struct rd r = rd_init(data + 1, size - 1);
		struct enfy_rec rec;

		(void)!enfy_parse(&r, &rec);
		break;
	}
	default: {
		struct xfrm_ev ev;
		struct buf b;

		buf_init(&b, 1u << 20);
		if (xfrm_decode(data + 1, size - 1, &ev) == RC_OK) {
			(void)!xfrm_ev_text(&ev, true, &b);
			(void)!xfrm_ev_esp_uat(&ev, &b);
		}
		buf_fini(&b);
		break;
	}
	}
	return 0;
}
