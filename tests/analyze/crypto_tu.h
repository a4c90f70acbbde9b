/*
 * Test helpers shared by the crypto tests (test_sk_crypto.c,
 * test_keystore.c): hex strings, and IKE messages pulled out of capture
 * files with libpcap and a fixed-offset walk (NULL/Ethernet, IPv4, UDP,
 * non-ESP marker on 4500), independent of formats/netdecode.
 */
#ifndef WFPDIAG_TESTS_CRYPTO_TU_H
#define WFPDIAG_TESTS_CRYPTO_TU_H

#include <pcap/pcap.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/secret.h"

/* Decodes hex (spaces ignored) into out; returns the byte count. */
static inline size_t
ctu_hex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1, v;

	for (; *s; s++) {
		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			v = *s - 'A' + 10;
		else
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			if (n < cap)
				out[n] = (uint8_t)(hi << 4 | v);
			n++;
			hi = -1;
		}
	}
	return n;
}

static inline struct secret *
ctu_secret(const char *hex)
{
	uint8_t b[512];
	size_t n = ctu_hex(hex, b, sizeof(b));

	return secret_new(b, n);
}

struct ctu_msg {
	uint8_t data[65536];
	size_t len;
	size_t sk_off;   /* offset of the SK/SKF payload header, 0 if none */
	uint8_t sk_type; /* 46 or 53 */
	uint8_t spi_i[8], spi_r[8];
	uint8_t flags;   /* IKE header flags (0x08 = from initiator) */
	uint32_t msgid;
	unsigned frame;  /* 1-based frame number in the capture */
};

/* Walks the payload chain to the SK (46) or SKF (53) payload. */
static inline void
ctu_find_sk(struct ctu_msg *m)
{
	size_t off = 28, plen;
	uint8_t np;

	m->sk_off = 0;
	if (m->len < 28)
		return;
	memcpy(m->spi_i, m->data, 8);
	memcpy(m->spi_r, m->data + 8, 8);
	m->flags = m->data[19];
	m->msgid = (uint32_t)m->data[20] << 24 | (uint32_t)m->data[21] << 16 |
	    (uint32_t)m->data[22] << 8 | m->data[23];
	np = m->data[16];
	while (np != 0 && off + 4 <= m->len) {
		if (np == 46 || np == 53) {
			m->sk_off = off;
			m->sk_type = np;
			return;
		}
		np = m->data[off];
		plen = (size_t)m->data[off + 2] << 8 | m->data[off + 3];
		if (plen < 4)
			return;
		off += plen;
	}
}

/*
 * Reads the IKE messages (UDP 500/4500, IPv4) of a capture into msgs
 * (at most max); returns how many, or -1 when the file cannot be read.
 */
static inline int
ctu_read_ike(const char *path, struct ctu_msg *msgs, int max)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *p;
	pcap_t *pc = pcap_open_offline(path, err);
	int n = 0, dlt;
	unsigned frame = 0;

	if (pc == NULL)
		return -1;
	dlt = pcap_datalink(pc);
	while (n < max && pcap_next_ex(pc, &h, &p) == 1) {
		size_t off = dlt == DLT_NULL ? 4 : 14, ihl, len;
		unsigned sport, dport;

		frame++;
		if (h->caplen < off + 28 || (p[off] >> 4) != 4 ||
		    p[off + 9] != 17)
			continue;
		ihl = (size_t)(p[off] & 15) * 4;
		off += ihl;
		sport = (unsigned)p[off] << 8 | p[off + 1];
		dport = (unsigned)p[off + 2] << 8 | p[off + 3];
		off += 8;
		if (sport != 500 && dport != 500 && sport != 4500 &&
		    dport != 4500)
			continue;
		if ((sport == 4500 || dport == 4500) && h->caplen >= off + 4 &&
		    memcmp(p + off, "\0\0\0\0", 4) == 0)
			off += 4;
		if (h->caplen <= off)
			continue;
		len = h->caplen - off;
		if (len > sizeof(msgs[n].data))
			continue;
		memcpy(msgs[n].data, p + off, len);
		msgs[n].len = len;
		msgs[n].frame = frame;
		ctu_find_sk(&msgs[n]);
		n++;
	}
	pcap_close(pc);
	return n;
}

#endif
