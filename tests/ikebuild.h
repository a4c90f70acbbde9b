/*
 * Builds IKEv2 messages for tests: a header, then payloads appended one
 * by one (each call names the payload type it appends; the previous
 * payload's next field is patched), then ikeb_finish() fixes the length.
 */
#ifndef WFPDIAG_TESTS_IKEBUILD_H
#define WFPDIAG_TESTS_IKEBUILD_H

#include <stddef.h>
#include <stdint.h>

struct ikeb {
	uint8_t b[8192];
	size_t len;
	size_t last_next;  /* offset of the next-payload byte to patch */
};

void ikeb_start(struct ikeb *m, uint64_t spi_i, uint64_t spi_r,
    uint8_t exchange, uint8_t flags, uint32_t msg_id);
void ikeb_payload(struct ikeb *m, uint8_t type, const void *body,
    size_t len);
/* Convenience payloads. */
void ikeb_sa_ike(struct ikeb *m, uint16_t encr, uint16_t key_bits,
    uint16_t integ, uint16_t prf, uint16_t ke);
void ikeb_ke(struct ikeb *m, uint16_t group, size_t len);
void ikeb_nonce(struct ikeb *m);
void ikeb_notify(struct ikeb *m, uint16_t type, const void *data,
    size_t len);
void ikeb_notify_u16(struct ikeb *m, uint16_t type, uint16_t v);
void ikeb_notify_u32(struct ikeb *m, uint16_t type, uint32_t v);
void ikeb_certreq(struct ikeb *m, int n_hashes);
/* An SK payload of total size len whose first inner payload is inner. */
void ikeb_sk(struct ikeb *m, uint8_t inner, size_t len);
void ikeb_finish(struct ikeb *m);

#endif
