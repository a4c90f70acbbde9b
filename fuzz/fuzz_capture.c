/*
 * A whole input file through the analyzer: content sniffing, pcap/pcapng
 * (libpcap and our pcapng reader), link/IP/UDP, reassembly, IKE/ESP
 * decoding, tracking, diagnosis; archives and XML when the bytes look
 * like them.
 */
#include <stddef.h>
#include <stdint.h>

#include "analyze/analyzer.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct analyzer_opts o = {0};
	char err[256];
	struct analyzer *an = analyzer_new(&o, err, sizeof(err));

	if (an == NULL)
		return 0;
	(void)!analyzer_add_memory(an, "fuzz", data, size);
	(void)!analyzer_finish(an);
	analyzer_free(an);
	return 0;
}
