/*
 * One frame through the link/IP/UDP/IKE/ESP path: the first byte picks
 * the link type, the rest is the frame, wrapped in a one-record pcap so
 * the analyzer's own packet path runs (classification, decoding,
 * tracking, diagnosis at finish).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/analyzer.h"

static const uint32_t linktypes[] = {1, 113, 276, 101, 228, 229, 0, 108};

static void
le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct analyzer_opts o = {0};
	char err[256];
	struct analyzer *an;
	uint8_t *pcap;
	size_t n;

	if (size < 1 || size > 70000)
		return 0;
	n = 24 + 16 + size - 1;
	pcap = calloc(1, n);
	if (pcap == NULL)
		return 0;
	le32(pcap, 0xa1b2c3d4u);
	pcap[4] = 2;
	pcap[6] = 4;
	le32(pcap + 16, 262144);
	le32(pcap + 20, linktypes[data[0] % 8]);
	le32(pcap + 24, 1700000000u);
	le32(pcap + 32, (uint32_t)(size - 1));
	le32(pcap + 36, (uint32_t)(size - 1 + (data[0] >> 7)));
	memcpy(pcap + 40, data + 1, size - 1);
	an = analyzer_new(&o, err, sizeof(err));
	if (an != NULL) {
		(void)!analyzer_add_memory(an, "fuzz.pcap", pcap, n);
		(void)!analyzer_finish(an);
		analyzer_free(an);
	}
	free(pcap);
	return 0;
}
