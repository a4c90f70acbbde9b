/*
 * A whole input file through the analyzer: content sniffing, pcap/pcapng
 * (our in-place pcap reader, libpcap and our pcapng reader), link/IP/UDP,
 * reassembly, IKE/ESP decoding, tracking, diagnosis; archives and XML
 * when the bytes look like them.
 *
 * First, a differential check: the in-place pcap reader and libpcap must
 * give the same records, status and message for any bytes (pcapmap.h).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "analyze/analyzer.h"
#include "formats/pcapio.h"

static int
same_pkt(const struct pcapio_pkt *x, const struct pcapio_pkt *y)
{
	return x->frame == y->frame && x->ts_sec == y->ts_sec &&
	    x->ts_nsec == y->ts_nsec && x->caplen == y->caplen &&
	    x->wirelen == y->wirelen && x->linktype == y->linktype &&
	    (x->caplen == 0 || memcmp(x->data, y->data, x->caplen) == 0);
}

static void
compare_readers(const uint8_t *data, size_t size)
{
	struct pcapio *a = NULL, *b = NULL;
	char ea[256], eb[256];
	enum rc ra = pcapio_open_mem_ex(data, size, "fuzz", 0, &a, ea,
	    sizeof(ea));
	enum rc rb = pcapio_open_mem_ex(data, size, "fuzz",
	    PCAPIO_STREAM, &b, eb, sizeof(eb));
	struct pcapio_pkt x, y;

	if (ra != rb)
		__builtin_trap();
	while (ra == RC_OK) {
		ra = pcapio_next(a, &x);
		rb = pcapio_next(b, &y);
		if (ra != rb || (ra == RC_OK && !same_pkt(&x, &y)) ||
		    pcapio_offset(a) != pcapio_offset(b) ||
		    strcmp(pcapio_errmsg(a), pcapio_errmsg(b)) != 0)
			__builtin_trap();
	}
	pcapio_close(a);
	pcapio_close(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct analyzer_opts o = {0};
	char err[256];
	struct analyzer *an;

	compare_readers(data, size);
	an = analyzer_new(&o, err, sizeof(err));
	if (an == NULL)
		return 0;
	(void)!analyzer_add_memory(an, "fuzz", data, size);
	(void)!analyzer_finish(an);
	analyzer_free(an);
	return 0;
}
