/*
 * Bench input for bench/cab_bench.sh: writes a pcap (LINKTYPE_ETHERNET)
 * of IKE- and ESP-looking packets with mixed compressibility, about as a
 * VPN gateway capture looks: few flows (headers repeat), ESP payloads
 * that are ciphertext (incompressible), IKE messages that are part
 * structure, part random (KE, nonces, encrypted SK payloads), and some
 * plain-text syslog-like UDP. Deterministic (fixed seed).
 *
 * usage: cab_gencap OUT.pcap MEGABYTES
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint32_t
next32(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static void
put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void
random_fill(uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)next32();
}

/* Ethernet + IPv4 + UDP headers for one of a few flows; returns length. */
static size_t
headers(uint8_t *p, unsigned flow, size_t payload, uint16_t dport)
{
	static const uint8_t mac[12] = {0x52, 0x54, 0, 0x12, 0x34, 0x56,
	    0x52, 0x54, 0, 0xab, 0xcd, 0xef};
	size_t iplen = 20 + 8 + payload;

	memcpy(p, mac, 12);
	p[12] = 0x08, p[13] = 0x00;
	p += 14;
	memset(p, 0, 28);
	p[0] = 0x45;
	p[2] = (uint8_t)(iplen >> 8), p[3] = (uint8_t)iplen;
	p[4] = (uint8_t)next32(), p[5] = (uint8_t)next32();
	p[8] = 64, p[9] = 17;
	p[10] = (uint8_t)next32(), p[11] = (uint8_t)next32();
	p[12] = 192, p[13] = 0, p[14] = 2, p[15] = (uint8_t)(1 + flow % 8);
	p[16] = 198, p[17] = 51, p[18] = 100, p[19] = (uint8_t)(1 + flow / 8);
	p[20] = (uint8_t)(dport >> 8), p[21] = (uint8_t)dport;
	p[22] = (uint8_t)(dport >> 8), p[23] = (uint8_t)dport;
	p[24] = (uint8_t)((8 + payload) >> 8), p[25] = (uint8_t)(8 + payload);
	return 14 + 28;
}

static size_t
esp(uint8_t *p, unsigned flow, uint32_t seq)
{
	size_t body = 64 + next32() % 1336, h;

	h = headers(p, flow, 4 + 8 + body, 4500);
	put_be32(p + h, 0x1000 + flow); /* SPI */
	put_be32(p + h + 4, seq);
	random_fill(p + h + 8, body + 4);
	return h + 12 + body;
}

static size_t
ike(uint8_t *p, unsigned flow)
{
	static const char sa[] = "\x21\x20\x22\x08\x00\x00\x00\x00"
	    "\x22\x00\x00\x30\x00\x00\x00\x2c\x01\x01\x00\x04\x03\x00\x00\x0c"
	    "\x01\x00\x00\x14\x80\x0e\x01\x00\x03\x00\x00\x08\x02\x00\x00\x07"
	    "\x03\x00\x00\x08\x03\x00\x00\x0c\x00\x00\x00\x08\x04\x00\x00\x13";
	size_t body = 200 + next32() % 900, h, i, fixed = sizeof(sa) - 1;

	h = headers(p, flow, body, (flow & 1) ? 500 : 4500);
	for (i = 0; i + fixed <= body / 2; i += fixed)
		memcpy(p + h + i, sa, fixed);
	random_fill(p + h + i, body - i); /* KE, nonce, SK{} */
	return h + body;
}

static size_t
text(uint8_t *p, unsigned flow, uint64_t n)
{
	char line[512];
	int len;

	len = snprintf(line, sizeof(line), "<30>charon: 12[IKE] "
	    "IKE_SA vpn-%u[%u] established between 192.0.2.%u[gw]..."
	    "198.51.100.%u[peer], rekeying in %u seconds, seq %llu",
	    flow, next32() % 5000, flow % 8 + 1, flow / 8 + 1,
	    next32() % 14400, (unsigned long long)n);
	size_t h = headers(p, flow, (size_t)len, 514);
	memcpy(p + h, line, (size_t)len);
	return h + (size_t)len;
}

int
main(int argc, char **argv)
{
	uint8_t gh[24] = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0};
	uint8_t pkt[2048], rec[16];
	uint64_t want, done = 0, n = 0;
	uint32_t ts = 1700000000, us = 0;
	FILE *f;
	size_t len;
	unsigned r;

	if (argc != 3 || (want = strtoull(argv[2], NULL, 10)) == 0) {
		fprintf(stderr, "usage: cab_gencap OUT.pcap MEGABYTES\n");
		return 2;
	}
	want <<= 20;
	if ((f = fopen(argv[1], "wb")) == NULL) {
		perror(argv[1]);
		return 1;
	}
	put_le32(gh + 16, 65535);
	put_le32(gh + 20, 1);
	fwrite(gh, 1, sizeof(gh), f);
	while (done < want) {
		r = next32() % 100;
		if (r < 55)
			len = esp(pkt, r % 16, (uint32_t)n);
		else if (r < 75)
			len = ike(pkt, r % 16);
		else
			len = text(pkt, r % 16, n);
		us += 50 + next32() % 500;
		if (us >= 1000000)
			ts++, us -= 1000000;
		put_le32(rec, ts);
		put_le32(rec + 4, us);
		put_le32(rec + 8, (uint32_t)len);
		put_le32(rec + 12, (uint32_t)len);
		fwrite(rec, 1, 16, f);
		fwrite(pkt, 1, len, f);
		done += 16 + len;
		n++;
	}
	if (fclose(f) != 0) {
		perror(argv[1]);
		return 1;
	}
	return 0;
}
