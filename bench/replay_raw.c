/*
 * replay_raw: sends the Ethernet frames of a pcap file out of an interface
 * through an AF_PACKET socket, looping over the file, at a target packet
 * rate (or as fast as possible) for a given time. The capture benchmark's
 * traffic generator (bench/capture_bench.sh); tcpreplay is not installed
 * on the project machines.
 *
 *   replay_raw IFACE FILE.pcap SECONDS [PPS]     (PPS 0 = flat out)
 *
 * Prints "sent N packets B bytes in S s". Frames are batched with
 * sendmmsg(2) (64 per call) and paced per batch.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define MAXFRAMES 200000

struct frame {
	uint8_t *p;
	size_t len;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t
load(const char *path, struct frame *f)
{
	char eb[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(path, eb);
	struct pcap_pkthdr *h;
	const u_char *d;
	size_t n = 0;

	if (p == NULL) {
		fprintf(stderr, "replay_raw: %s\n", eb);
		exit(1);
	}
	if (pcap_datalink(p) != DLT_EN10MB) {
		fprintf(stderr, "replay_raw: %s is not Ethernet\n", path);
		exit(1);
	}
	while (n < MAXFRAMES && pcap_next_ex(p, &h, &d) == 1) {
		if (h->caplen != h->len || h->caplen > 9000)
			continue;
		f[n].p = malloc(h->caplen);
		memcpy(f[n].p, d, h->caplen);
		f[n].len = h->caplen;
		n++;
	}
	pcap_close(p);
	return n;
}

int
main(int argc, char **argv)
{
	static struct frame fr[MAXFRAMES];
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_ll sll;
	double secs, pps, t0, t;
	uint64_t sent = 0, bytes = 0;
	size_t n, i = 0, k;
	int fd;

	if (argc < 4) {
		fprintf(stderr, "usage: replay_raw IFACE FILE SECONDS [PPS]\n");
		return 2;
	}
	secs = strtod(argv[3], NULL);
	pps = argc > 4 ? strtod(argv[4], NULL) : 0;
	n = load(argv[2], fr);
	if (n == 0) {
		fprintf(stderr, "replay_raw: no usable frames\n");
		return 1;
	}
	if ((fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))) < 0) {
		perror("socket");
		return 1;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = (int)if_nametoindex(argv[1]);
	sll.sll_halen = ETH_ALEN;
	if (sll.sll_ifindex == 0) {
		fprintf(stderr, "replay_raw: no interface %s\n", argv[1]);
		return 1;
	}
	t0 = now();
	for (;;) {
		t = now() - t0;
		if (t >= secs)
			break;
		if (pps > 0 && (double)sent > pps * t) {
			usleep(50);
			continue;
		}
		for (k = 0; k < BATCH; k++, i = (i + 1) % n) {
			iov[k].iov_base = fr[i].p;
			iov[k].iov_len = fr[i].len;
			memset(&mm[k], 0, sizeof(mm[k]));
			mm[k].msg_hdr.msg_name = &sll;
			mm[k].msg_hdr.msg_namelen = sizeof(sll);
			mm[k].msg_hdr.msg_iov = &iov[k];
			mm[k].msg_hdr.msg_iovlen = 1;
		}
		int r = sendmmsg(fd, mm, BATCH, 0);

		if (r < 0) {
			if (errno == ENOBUFS || errno == EAGAIN)
				continue;
			perror("sendmmsg");
			return 1;
		}
		for (k = 0; k < (size_t)r; k++)
			bytes += mm[k].msg_len;
		sent += (uint64_t)r;
	}
	printf("sent %llu packets %llu bytes in %.2f s\n",
	    (unsigned long long)sent, (unsigned long long)bytes, now() - t0);
	return 0;
}
