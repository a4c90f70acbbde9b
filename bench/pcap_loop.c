/*
 * pcap_loop: the bare libpcap baseline for BENCHMARKS.md. Opens a pcap or
 * pcapng file with pcap_open_offline() and walks it with pcap_next_ex(),
 * counting packets and captured bytes, touching one byte per packet so the
 * data is really read. Nothing an analyzer could do with the file can be
 * faster through libpcap; the analyzer target is >= 0.8x this loop.
 *
 *   pcap_loop FILE   -> "packets N caplen_bytes M"
 */
#include <inttypes.h>
#include <stdio.h>

#include <pcap/pcap.h>

int
main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p;
	uint64_t packets = 0, bytes = 0;
	unsigned sum = 0;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: pcap_loop FILE\n");
		return 2;
	}
	p = pcap_open_offline(argv[1], err);
	if (p == NULL) {
		fprintf(stderr, "pcap_loop: %s\n", err);
		return 1;
	}
	while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
		packets++;
		bytes += h->caplen;
		if (h->caplen > 0)
			sum += data[h->caplen - 1];
	}
	if (rc == PCAP_ERROR) {
		fprintf(stderr, "pcap_loop: %s\n", pcap_geterr(p));
		pcap_close(p);
		return 1;
	}
	pcap_close(p);
	printf("packets %" PRIu64 " caplen_bytes %" PRIu64 " (check %u)\n",
	    packets, bytes, sum & 0xff);
	return 0;
}
