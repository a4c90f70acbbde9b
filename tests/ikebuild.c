#include "ikebuild.h"

#include <string.h>

static void
put8(struct ikeb *m, uint8_t v)
{
	if (m->len < sizeof(m->b))
		m->b[m->len++] = v;
}

static void
put16(struct ikeb *m, uint16_t v)
{
	put8(m, (uint8_t)(v >> 8));
	put8(m, (uint8_t)v);
}

static void
put32(struct ikeb *m, uint32_t v)
{
	put16(m, (uint16_t)(v >> 16));
	put16(m, (uint16_t)v);
}

static void
put64(struct ikeb *m, uint64_t v)
{
	put32(m, (uint32_t)(v >> 32));
	put32(m, (uint32_t)v);
}

void
ikeb_start(struct ikeb *m, uint64_t spi_i, uint64_t spi_r, uint8_t exchange,
    uint8_t flags, uint32_t msg_id)
{
	m->len = 0;
	put64(m, spi_i);
	put64(m, spi_r);
	m->last_next = m->len;
	put8(m, 0);
	put8(m, 0x20);
	put8(m, exchange);
	put8(m, flags);
	put32(m, msg_id);
	put32(m, 0);
}

void
ikeb_payload(struct ikeb *m, uint8_t type, const void *body, size_t len)
{
	m->b[m->last_next] = type;
	m->last_next = m->len;
	put8(m, 0);
	put8(m, 0);
	put16(m, (uint16_t)(len + 4));
	if (len > 0 && m->len + len <= sizeof(m->b)) {
		memcpy(m->b + m->len, body, len);
		m->len += len;
	}
}

void
ikeb_sa_ike(struct ikeb *m, uint16_t encr, uint16_t key_bits, uint16_t integ,
    uint16_t prf, uint16_t ke)
{
	uint8_t p[64];
	size_t n = 0;
	int nx = integ ? 4 : 3;

#define P8(v) (p[n++] = (uint8_t)(v))
#define P16(v) (P8((v) >> 8), P8(v))
	P8(0); P8(0); P16(0); P8(1); P8(1); P8(0); P8(nx);
	P8(3); P8(0); P16(key_bits ? 12 : 8); P8(1); P8(0); P16(encr);
	if (key_bits) {
		P16(0x800e); P16(key_bits);
	}
	if (integ) {
		P8(3); P8(0); P16(8); P8(3); P8(0); P16(integ);
	}
	P8(3); P8(0); P16(8); P8(2); P8(0); P16(prf);
	P8(0); P8(0); P16(8); P8(4); P8(0); P16(ke);
#undef P8
#undef P16
	p[2] = (uint8_t)(n >> 8);
	p[3] = (uint8_t)n;
	ikeb_payload(m, 33, p, n);
}

void
ikeb_ke(struct ikeb *m, uint16_t group, size_t len)
{
	uint8_t p[1024] = {(uint8_t)(group >> 8), (uint8_t)group, 0, 0};

	ikeb_payload(m, 34, p, 4 + len);
}

void
ikeb_nonce(struct ikeb *m)
{
	uint8_t n[32];

	memset(n, 0x5a, sizeof(n));
	ikeb_payload(m, 40, n, sizeof(n));
}

void
ikeb_notify(struct ikeb *m, uint16_t type, const void *data, size_t len)
{
	uint8_t p[512] = {0, 0, (uint8_t)(type >> 8), (uint8_t)type};

	if (len > 0)
		memcpy(p + 4, data, len);
	ikeb_payload(m, 41, p, 4 + len);
}

void
ikeb_notify_u16(struct ikeb *m, uint16_t type, uint16_t v)
{
	uint8_t d[2] = {(uint8_t)(v >> 8), (uint8_t)v};

	ikeb_notify(m, type, d, 2);
}

void
ikeb_notify_u32(struct ikeb *m, uint16_t type, uint32_t v)
{
	uint8_t d[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 8), (uint8_t)v};

	ikeb_notify(m, type, d, 4);
}

void
ikeb_certreq(struct ikeb *m, int n_hashes)
{
	uint8_t p[1 + 20 * 8] = {4};

	ikeb_payload(m, 38, p, 1 + 20 * (size_t)n_hashes);
}

void
ikeb_sk(struct ikeb *m, uint8_t inner, size_t len)
{
	uint8_t p[4096] = {0};

	ikeb_payload(m, 46, p, len);
	m->b[m->last_next] = inner; /* SK's next field: first inner payload */
	m->last_next = sizeof(m->b) - 1; /* nothing follows SK */
}

void
ikeb_finish(struct ikeb *m)
{
	m->b[24] = (uint8_t)(m->len >> 24);
	m->b[25] = (uint8_t)(m->len >> 16);
	m->b[26] = (uint8_t)(m->len >> 8);
	m->b[27] = (uint8_t)m->len;
}
