/*
 * IKEv2/IKEv1 encoders for the bench generators (see gen_ike.h for the
 * references). Every length field is patched after its body is written,
 * so the encodings are exact by construction; tshark is the oracle
 * (bench/check_samples.sh, samples/make-samples.sh).
 */
#include "bench/gen_ike.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#define IKE_HDR_LEN	28u
#define SK_IV_LEN	16u
#define SK_ICV_LEN	16u

/*
 *                      1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       IKE SA Initiator's SPI                  |
 * |                       IKE SA Responder's SPI                  |
 * |  Next Payload | MjVer | MnVer | Exchange Type |     Flags     |
 * |                          Message ID                           |
 * |                            Length                             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
static void
ike_hdr(struct gbuf *b, const uint8_t ispi[8], const uint8_t rspi[8],
    unsigned np, unsigned exch, unsigned flags, uint32_t msgid)
{
	gb_putn(b, ispi, 8);
	gb_putn(b, rspi, 8);
	gb_put8(b, np);
	gb_put8(b, 0x20);
	gb_put8(b, exch);
	gb_put8(b, flags);
	gb_put32(b, msgid);
	gb_put32(b, 0);
}

size_t
ike_ke_len(unsigned group)
{
	switch (group) {
	case 2: return 128;
	case 5: return 192;
	case 14: return 256;
	case 15: return 384;
	case 16: return 512;
	case 19: return 64;
	case 20: return 96;
	case 21: return 132;
	case 31: return 32;
	case 32: return 56;
	default: return 0;
	}
}

void
ike_begin(struct ike_chain *c, uint8_t *mem, size_t cap,
    const uint8_t ispi[8], const uint8_t rspi[8], unsigned exch,
    unsigned flags, uint32_t msgid)
{
	gb_init(&c->b, mem, cap);
	ike_hdr(&c->b, ispi, rspi, 0, exch, flags, msgid);
	c->np_off = 16;
}

void
ike_finish(struct ike_chain *c)
{
	gb_patch32(&c->b, 24, (uint32_t)c->b.len);
}

void
ike_inner_begin(struct ike_chain *c, uint8_t *mem, size_t cap)
{
	gb_init(&c->b, mem, cap);
	gb_put8(&c->b, 0);
	c->np_off = 0;
}

/* Generic payload header (RFC 7296 3.2): Next Payload, C + RESERVED,
 * Payload Length (including this header). */
size_t
ike_pl_begin(struct ike_chain *c, unsigned type)
{
	size_t start = c->b.len;

	if (c->np_off < c->b.len)
		c->b.p[c->np_off] = (uint8_t)type;
	c->np_off = start;
	gb_put8(&c->b, 0);
	gb_put8(&c->b, 0);
	gb_put16(&c->b, 0);
	return start;
}

void
ike_pl_end(struct ike_chain *c, size_t start)
{
	gb_patch16(&c->b, start + 2, (unsigned)(c->b.len - start));
}

void
ike_pl_raw(struct ike_chain *c, unsigned type, const void *body, size_t len)
{
	size_t s = ike_pl_begin(c, type);

	gb_putn(&c->b, body, len);
	ike_pl_end(c, s);
}

/*
 * Proposal (RFC 7296 3.3.1) and Transform (3.3.2) substructures:
 * | Last Substruc |   RESERVED    |         Proposal Length       |
 * | Proposal Num  |  Protocol ID  |    SPI Size   |Num  Transforms|
 * ~                        SPI (variable)                         ~
 * | Last Substruc |   RESERVED    |        Transform Length       |
 * |Transform Type |   RESERVED    |          Transform ID         |
 * |A|  Key Length (14)            |       Key length in bits      |
 */
void
ike_pl_sa(struct ike_chain *c, const struct ike_prop *p, size_t n)
{
	size_t s = ike_pl_begin(c, PL_SA);
	size_t i, j;

	for (i = 0; i < n; i++) {
		size_t ps = c->b.len;
		bool esp = p[i].proto != PROTO_IKE;

		gb_put8(&c->b, i + 1 < n ? 2 : 0);
		gb_put8(&c->b, 0);
		gb_put16(&c->b, 0);
		gb_put8(&c->b, p[i].num);
		gb_put8(&c->b, p[i].proto);
		gb_put8(&c->b, esp ? 4 : 0);
		gb_put8(&c->b, p[i].nxf);
		if (esp)
			gb_put32(&c->b, p[i].spi);
		for (j = 0; j < p[i].nxf; j++) {
			const struct ike_xf *x = &p[i].xf[j];

			gb_put8(&c->b, j + 1 < p[i].nxf ? 3 : 0);
			gb_put8(&c->b, 0);
			gb_put16(&c->b, x->keylen ? 12 : 8);
			gb_put8(&c->b, x->type);
			gb_put8(&c->b, 0);
			gb_put16(&c->b, x->id);
			if (x->keylen) {
				gb_put16(&c->b, 0x800e);
				gb_put16(&c->b, x->keylen);
			}
		}
		gb_patch16(&c->b, ps + 2, (unsigned)(c->b.len - ps));
	}
	ike_pl_end(c, s);
}

/* KE (3.4): Diffie-Hellman Group Num, RESERVED, Key Exchange Data. */
void
ike_pl_ke(struct ike_chain *c, unsigned group, struct grng *r)
{
	size_t s = ike_pl_begin(c, PL_KE);

	gb_put16(&c->b, group);
	gb_put16(&c->b, 0);
	gb_rand(&c->b, r, ike_ke_len(group));
	ike_pl_end(c, s);
}

void
ike_pl_nonce(struct ike_chain *c, struct grng *r, size_t n)
{
	size_t s = ike_pl_begin(c, PL_NONCE);

	gb_rand(&c->b, r, n);
	ike_pl_end(c, s);
}

/* Notify (3.10): Protocol ID, SPI Size, Notify Message Type, SPI, data. */
void
ike_pl_notify(struct ike_chain *c, unsigned proto, uint32_t spi,
    unsigned type, const void *data, size_t dlen)
{
	size_t s = ike_pl_begin(c, PL_N);

	gb_put8(&c->b, proto);
	gb_put8(&c->b, proto == PROTO_ESP ? 4 : 0);
	gb_put16(&c->b, type);
	if (proto == PROTO_ESP)
		gb_put32(&c->b, spi);
	gb_putn(&c->b, data, dlen);
	ike_pl_end(c, s);
}

void
ike_pl_natd(struct ike_chain *c, unsigned type, const uint8_t ispi[8],
    const uint8_t rspi[8], const struct gaddr *a, unsigned port)
{
	uint8_t in[8 + 8 + 16 + 2], md[SHA_DIGEST_LENGTH];
	size_t alen = a->v6 ? 16 : 4;

	memcpy(in, ispi, 8);
	memcpy(in + 8, rspi, 8);
	memcpy(in + 16, a->a, alen);
	in[16 + alen] = (uint8_t)(port >> 8);
	in[17 + alen] = (uint8_t)port;
	SHA1(in, 18 + alen, md);
	ike_pl_notify(c, 0, 0, type, md, sizeof(md));
}

/* ID (3.5): ID Type, RESERVED (3), Identification Data. */
void
ike_pl_id(struct ike_chain *c, unsigned type, unsigned idtype,
    const void *data, size_t len)
{
	size_t s = ike_pl_begin(c, type);

	gb_put8(&c->b, idtype);
	gb_zero(&c->b, 3);
	gb_putn(&c->b, data, len);
	ike_pl_end(c, s);
}

/* AUTH (3.8): Auth Method, RESERVED (3), Authentication Data. */
void
ike_pl_auth(struct ike_chain *c, unsigned method, struct grng *r, size_t len)
{
	size_t s = ike_pl_begin(c, PL_AUTH);

	gb_put8(&c->b, method);
	gb_zero(&c->b, 3);
	gb_rand(&c->b, r, len);
	ike_pl_end(c, s);
}

/*
 * TS (3.13): Number of TSs, RESERVED (3), then per selector:
 * |   TS Type     |IP Protocol ID*|       Selector Length         |
 * |           Start Port*         |           End Port*           |
 * ~                         Starting Address*                     ~
 * ~                         Ending Address*                       ~
 */
void
ike_pl_ts(struct ike_chain *c, unsigned type, const struct gaddr *lo,
    const struct gaddr *hi)
{
	size_t s = ike_pl_begin(c, type);
	size_t alen = lo->v6 ? 16 : 4;

	gb_put8(&c->b, 1);
	gb_zero(&c->b, 3);
	gb_put8(&c->b, lo->v6 ? 8 : 7);
	gb_put8(&c->b, 0);
	gb_put16(&c->b, (unsigned)(8 + 2 * alen));
	gb_put16(&c->b, 0);
	gb_put16(&c->b, 65535);
	gb_putn(&c->b, lo->a, alen);
	gb_putn(&c->b, hi->a, alen);
	ike_pl_end(c, s);
}

/* Delete (3.11): Protocol ID, SPI Size, Num of SPIs, SPIs. */
void
ike_pl_delete(struct ike_chain *c, unsigned proto, const uint32_t *spi,
    size_t n)
{
	size_t s = ike_pl_begin(c, PL_D);
	size_t i;

	gb_put8(&c->b, proto);
	gb_put8(&c->b, proto == PROTO_IKE ? 0 : 4);
	gb_put16(&c->b, proto == PROTO_IKE ? 0 : (unsigned)n);
	for (i = 0; proto != PROTO_IKE && i < n; i++)
		gb_put32(&c->b, spi[i]);
	ike_pl_end(c, s);
}

/* Encrypts pt (len multiple of 16) in place after the IV, or fills it
 * with PRNG bytes when there are no keys. */
static void
sk_encrypt(uint8_t *iv_ct, size_t ptlen, const uint8_t *key, struct grng *r)
{
	EVP_CIPHER_CTX *x;
	int n1 = 0, n2 = 0;

	grng_fill(r, iv_ct, SK_IV_LEN);
	if (key == NULL) {
		grng_fill(r, iv_ct + SK_IV_LEN, ptlen);
		return;
	}
	x = EVP_CIPHER_CTX_new();
	if (x == NULL)
		return;
	if (EVP_EncryptInit_ex(x, EVP_aes_256_cbc(), NULL, key, iv_ct) == 1 &&
	    EVP_CIPHER_CTX_set_padding(x, 0) == 1)
		(void)(EVP_EncryptUpdate(x, iv_ct + SK_IV_LEN, &n1,
		    iv_ct + SK_IV_LEN, (int)ptlen) == 1 &&
		    EVP_EncryptFinal_ex(x, iv_ct + SK_IV_LEN + n1, &n2) == 1);
	EVP_CIPHER_CTX_free(x);
}

/* One encrypted message: header, SK or SKF header, IV, ciphertext of
 * pt + padding + pad length, ICV over everything before it. */
static size_t
sk_one(uint8_t *out, size_t cap, const uint8_t ispi[8], const uint8_t rspi[8],
    unsigned exch, unsigned flags, uint32_t msgid, unsigned type,
    unsigned inner_np, unsigned fragno, unsigned nfrag, const uint8_t *pt,
    size_t ptlen, const struct ike_keys *k, bool by_init, struct grng *r)
{
	struct gbuf b;
	size_t padded = (ptlen + 1 + 15) & ~(size_t)15;
	size_t hl = type == PL_SKF ? 8 : 4;
	size_t s, ivoff;
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;

	gb_init(&b, out, cap);
	ike_hdr(&b, ispi, rspi, type, exch, flags, msgid);
	s = b.len;
	gb_put8(&b, inner_np);
	gb_put8(&b, 0);
	gb_put16(&b, (unsigned)(hl + SK_IV_LEN + padded + SK_ICV_LEN));
	if (type == PL_SKF) {
		gb_put16(&b, fragno);
		gb_put16(&b, nfrag);
	}
	ivoff = b.len;
	gb_zero(&b, SK_IV_LEN);
	gb_putn(&b, pt, ptlen);
	gb_zero(&b, padded - ptlen - 1);
	gb_put8(&b, (unsigned)(padded - ptlen - 1));
	gb_zero(&b, SK_ICV_LEN);
	if (b.overflow)
		return 0;
	(void)s;
	gb_patch32(&b, 24, (uint32_t)b.len);
	sk_encrypt(out + ivoff, padded, k ? (by_init ? k->ei : k->er) : NULL,
	    r);
	if (k == NULL) {
		grng_fill(r, out + b.len - SK_ICV_LEN, SK_ICV_LEN);
		return b.len;
	}
	HMAC(EVP_sha256(), by_init ? k->ai : k->ar, 32, out,
	    b.len - SK_ICV_LEN, md, &mdlen);
	memcpy(out + b.len - SK_ICV_LEN, md, SK_ICV_LEN);
	return b.len;
}

size_t
ike_sk_msg(uint8_t *out, size_t cap, const uint8_t ispi[8],
    const uint8_t rspi[8], unsigned exch, unsigned flags, uint32_t msgid,
    const struct ike_chain *inner, const struct ike_keys *keys, bool by_init,
    struct grng *r)
{
	return sk_one(out, cap, ispi, rspi, exch, flags, msgid, PL_SK,
	    inner->b.p[0], 0, 0, inner->b.p + 1, inner->b.len - 1, keys,
	    by_init, r);
}

size_t
ike_skf_msgs(uint8_t (*out)[1600], size_t *len, size_t max,
    const uint8_t ispi[8], const uint8_t rspi[8], unsigned exch,
    unsigned flags, uint32_t msgid, const struct ike_chain *inner,
    const struct ike_keys *keys, bool by_init, struct grng *r,
    size_t frag_size)
{
	size_t total = inner->b.len - 1;
	size_t n = (total + frag_size - 1) / frag_size;
	size_t i;

	if (n > max)
		n = max;
	for (i = 0; i < n; i++) {
		size_t off = i * frag_size;
		size_t l = total - off < frag_size ? total - off : frag_size;

		len[i] = sk_one(out[i], sizeof(out[i]), ispi, rspi, exch,
		    flags, msgid, PL_SKF, i == 0 ? inner->b.p[0] : 0,
		    (unsigned)(i + 1), (unsigned)n, inner->b.p + 1 + off, l,
		    keys, by_init, r);
	}
	return n;
}

/*
 * ISAKMP header (RFC 2408 3.1): Initiator Cookie (8), Responder Cookie
 * (8), Next Payload, MjVer|MnVer (0x10), Exchange Type, Flags, Message ID,
 * Length. SA (3.4): DOI, Situation, Proposal (3.5), Transforms (3.6) with
 * RFC 2409 Appendix A attributes.
 */
static void
v1_hdr(struct gbuf *b, const uint8_t ic[8], const uint8_t rc[8], unsigned np,
    unsigned exch, uint32_t msgid)
{
	gb_putn(b, ic, 8);
	gb_putn(b, rc, 8);
	gb_put8(b, np);
	gb_put8(b, 0x10);
	gb_put8(b, exch);
	gb_put8(b, 0);
	gb_put32(b, msgid);
	gb_put32(b, 0);
}

static void
v1_transform(struct gbuf *b, unsigned num, bool last, unsigned hash,
    unsigned group)
{
	size_t s = b->len;

	gb_put8(b, last ? 0 : 3);
	gb_put8(b, 0);
	gb_put16(b, 0);
	gb_put8(b, num);
	gb_put8(b, 1);			/* KEY_IKE */
	gb_put16(b, 0);
	gb_put16(b, 0x8001);		/* Encryption: AES-CBC */
	gb_put16(b, 7);
	gb_put16(b, 0x800e);		/* Key Length */
	gb_put16(b, 256);
	gb_put16(b, 0x8002);		/* Hash */
	gb_put16(b, hash);
	gb_put16(b, 0x8003);		/* Authentication: pre-shared key */
	gb_put16(b, 1);
	gb_put16(b, 0x8004);		/* Group Description */
	gb_put16(b, group);
	gb_put16(b, 0x800b);		/* Life Type: seconds */
	gb_put16(b, 1);
	gb_put16(b, 0x000c);		/* Life Duration, TLV */
	gb_put16(b, 4);
	gb_put32(b, 28800);
	gb_patch16(b, s + 2, (unsigned)(b->len - s));
}

size_t
ikev1_mm1(uint8_t *out, size_t cap, const uint8_t icookie[8],
    struct grng *r)
{
	static const uint8_t zero[8];
	static const uint8_t vid_natt[16] = { 0x4a, 0x13, 0x1c, 0x81, 0x07,
	    0x03, 0x58, 0x45, 0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f };
	static const uint8_t vid_dpd[16] = { 0xaf, 0xca, 0xd7, 0x13, 0x68,
	    0xa1, 0xf1, 0xc9, 0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00 };
	struct gbuf b;
	size_t sa, pr;

	(void)r;
	gb_init(&b, out, cap);
	v1_hdr(&b, icookie, zero, 1, 2, 0);
	sa = b.len;
	gb_put8(&b, 13);
	gb_put8(&b, 0);
	gb_put16(&b, 0);
	gb_put32(&b, 1);		/* DOI: IPsec */
	gb_put32(&b, 1);		/* SIT_IDENTITY_ONLY */
	pr = b.len;
	gb_put8(&b, 0);
	gb_put8(&b, 0);
	gb_put16(&b, 0);
	gb_put8(&b, 1);
	gb_put8(&b, 1);			/* PROTO_ISAKMP */
	gb_put8(&b, 0);
	gb_put8(&b, 2);
	v1_transform(&b, 1, false, 4, 14);
	v1_transform(&b, 2, true, 2, 2);
	gb_patch16(&b, pr + 2, (unsigned)(b.len - pr));
	gb_patch16(&b, sa + 2, (unsigned)(b.len - sa));
	gb_put8(&b, 13);
	gb_put8(&b, 0);
	gb_put16(&b, 20);
	gb_putn(&b, vid_natt, 16);
	gb_put8(&b, 0);
	gb_put8(&b, 0);
	gb_put16(&b, 20);
	gb_putn(&b, vid_dpd, 16);
	gb_patch32(&b, 24, (uint32_t)b.len);
	return b.overflow ? 0 : b.len;
}

size_t
ikev1_mm2(uint8_t *out, size_t cap, const uint8_t icookie[8],
    const uint8_t rcookie[8])
{
	struct gbuf b;
	size_t sa, pr;

	gb_init(&b, out, cap);
	v1_hdr(&b, icookie, rcookie, 1, 2, 0);
	sa = b.len;
	gb_put8(&b, 0);
	gb_put8(&b, 0);
	gb_put16(&b, 0);
	gb_put32(&b, 1);		/* DOI: IPsec */
	gb_put32(&b, 1);		/* SIT_IDENTITY_ONLY */
	pr = b.len;
	gb_put8(&b, 0);
	gb_put8(&b, 0);
	gb_put16(&b, 0);
	gb_put8(&b, 1);
	gb_put8(&b, 1);			/* PROTO_ISAKMP */
	gb_put8(&b, 0);
	gb_put8(&b, 1);
	v1_transform(&b, 1, true, 4, 14);
	gb_patch16(&b, pr + 2, (unsigned)(b.len - pr));
	gb_patch16(&b, sa + 2, (unsigned)(b.len - sa));
	gb_patch32(&b, 24, (uint32_t)b.len);
	return b.overflow ? 0 : b.len;
}

/* RFC 2409 5: KE (payload 4) then Nonce (payload 10). */
size_t
ikev1_mm_ke(uint8_t *out, size_t cap, const uint8_t icookie[8],
    const uint8_t rcookie[8], struct grng *r)
{
	struct gbuf b;

	gb_init(&b, out, cap);
	v1_hdr(&b, icookie, rcookie, 4, 2, 0);
	gb_put8(&b, 10);
	gb_put8(&b, 0);
	gb_put16(&b, 4 + 256);
	gb_rand(&b, r, 256);
	gb_put8(&b, 0);
	gb_put8(&b, 0);
	gb_put16(&b, 4 + 32);
	gb_rand(&b, r, 32);
	gb_patch32(&b, 24, (uint32_t)b.len);
	return b.overflow ? 0 : b.len;
}

size_t
ikev1_encrypted(uint8_t *out, size_t cap, const uint8_t icookie[8],
    const uint8_t rcookie[8], unsigned exchange, uint32_t msgid,
    size_t body, struct grng *r)
{
	struct gbuf b;

	gb_init(&b, out, cap);
	v1_hdr(&b, icookie, rcookie, exchange == 32 ? 8 : 5, exchange,
	    msgid);
	out[19] = 0x01;			/* flags: E */
	gb_rand(&b, r, body & ~(size_t)15);
	gb_patch32(&b, 24, (uint32_t)b.len);
	return b.overflow ? 0 : b.len;
}

/* Notification (RFC 2408 3.14): DOI, Protocol-ID, SPI Size, Notify
 * Message Type, SPI (none here). */
size_t
ikev1_notify(uint8_t *out, size_t cap, const uint8_t icookie[8],
    const uint8_t rcookie[8], unsigned type, struct grng *r)
{
	struct gbuf b;

	gb_init(&b, out, cap);
	v1_hdr(&b, icookie, rcookie, 11, 5,
	    (uint32_t)(grng_next(r) | 1u));
	gb_put8(&b, 0);
	gb_put8(&b, 0);
	gb_put16(&b, 12);
	gb_put32(&b, 1);
	gb_put8(&b, 1);
	gb_put8(&b, 0);
	gb_put16(&b, type);
	gb_patch32(&b, 24, (uint32_t)b.len);
	return b.overflow ? 0 : b.len;
}
