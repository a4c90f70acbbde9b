/* capture/xfrm: XFRM netlink messages built here with the kernel's uapi
 * structs (the machines' kernel has no ESP, so SA events cannot be made
 * live) decode into the fields we record, render as events.log lines,
 * snapshot text and esp_sa UAT lines, and truncated or corrupted messages
 * fail with SHORT/MALFORMED, never a crash. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <stdlib.h>
#include <string.h>

#include "capture/xfrm.h"
#include "formats/evlog.h"

struct msg {
	uint8_t b[4096];
	size_t len;
};

static void
msg_start(struct msg *m, uint16_t type, const void *body, size_t n)
{
	struct nlmsghdr h = {0};

	memset(m, 0, sizeof(*m));
	h.nlmsg_type = type;
	memcpy(m->b, &h, sizeof(h));
	memcpy(m->b + NLMSG_HDRLEN, body, n);
	m->len = NLMSG_HDRLEN + NLMSG_ALIGN(n);
	((struct nlmsghdr *)m->b)->nlmsg_len = (uint32_t)m->len;
}

static void
msg_attr(struct msg *m, uint16_t type, const void *p, size_t n)
{
	struct nlattr a = {.nla_len = (uint16_t)(NLA_HDRLEN + n),
	    .nla_type = type};

	memcpy(m->b + m->len, &a, sizeof(a));
	memcpy(m->b + m->len + NLA_HDRLEN, p, n);
	m->len += NLA_ALIGN(NLA_HDRLEN + n);
	((struct nlmsghdr *)m->b)->nlmsg_len = (uint32_t)m->len;
}

static void
alg_attr(struct msg *m, uint16_t type, const char *name, const uint8_t *key,
    size_t keylen, uint32_t bits)
{
	uint8_t tmp[512] = {0};
	size_t hdr = type == XFRMA_ALG_CRYPT || type == XFRMA_ALG_AUTH ? 68 :
	    72;
	uint32_t kb = (uint32_t)keylen * 8;

	strncpy((char *)tmp, name, 63);
	memcpy(tmp + 64, &kb, 4);
	if (hdr == 72)
		memcpy(tmp + 68, &bits, 4);
	memcpy(tmp + hdr, key, keylen);
	msg_attr(m, type, tmp, hdr + keylen);
}

static void
fill_sa(struct xfrm_usersa_info *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->family = AF_INET;
	inet_pton(AF_INET, "192.0.2.1", &sa->saddr);
	inet_pton(AF_INET, "192.0.2.2", &sa->id.daddr);
	sa->id.spi = htonl(0xc0ffee01);
	sa->id.proto = IPPROTO_ESP;
	sa->mode = XFRM_MODE_TUNNEL;
	sa->reqid = 7;
	sa->replay_window = 32;
	sa->sel.family = AF_INET;
	inet_pton(AF_INET, "10.1.0.0", &sa->sel.saddr);
	inet_pton(AF_INET, "10.2.0.0", &sa->sel.daddr);
	sa->sel.prefixlen_s = 16;
	sa->sel.prefixlen_d = 16;
	sa->curlft.packets = 5;
}

static const uint8_t enc_key[16] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
    0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10};
static const uint8_t auth_key[32] = {0xaa, 0xbb};

static void
build_newsa(struct msg *m)
{
	struct xfrm_usersa_info sa;
	struct xfrm_encap_tmpl enc = {0};

	fill_sa(&sa);
	msg_start(m, XFRM_MSG_NEWSA, &sa, sizeof(sa));
	alg_attr(m, XFRMA_ALG_CRYPT, "cbc(aes)", enc_key, 16, 0);
	alg_attr(m, XFRMA_ALG_AUTH_TRUNC, "hmac(sha256)", auth_key, 32, 128);
	enc.encap_type = 2;	/* UDP_ENCAP_ESPINUDP */
	enc.encap_sport = htons(4500);
	enc.encap_dport = htons(4501);
	msg_attr(m, XFRMA_ENCAP, &enc, sizeof(enc));
}

static char *
line_of(const struct xfrm_ev *ev, bool keys)
{
	struct buf b;
	char *s;

	buf_init(&b, 1 << 16);
	cr_assert_eq(xfrm_ev_evlog(ev, keys, 10, 20, &b), RC_OK);
	s = strndup((char *)b.data, b.len);
	buf_fini(&b);
	return s;
}

Test(xfrm, newsa_with_algorithms_and_encap_decodes_every_field)
{
	struct msg m;
	struct xfrm_ev ev;
	char *line;

	build_newsa(&m);
	cr_assert_eq(xfrm_decode(m.b, m.len, &ev), RC_OK, "%s", ev.err);
	cr_assert_eq(ev.spi, 0xc0ffee01u);
	cr_assert_eq(ev.proto, IPPROTO_ESP);
	cr_assert_eq(ev.reqid, 7);
	cr_assert(ev.enc.present && ev.auth.present && !ev.aead.present);
	cr_assert_str_eq(ev.enc.name, "cbc(aes)");
	cr_assert_eq(ev.enc.key_len, 16);
	cr_assert_eq(memcmp(ev.enc.key, enc_key, 16), 0);
	cr_assert_eq(ev.auth.bits, 128);
	cr_assert(ev.has_encap);
	cr_assert_eq(ev.encap_sport, 4500);
	cr_assert_eq(ev.encap_dport, 4501);
	line = line_of(&ev, true);
	cr_assert(strstr(line, "xfrm NEWSA src=192.0.2.1 dst=192.0.2.2 "
	    "proto=esp spi=0xc0ffee01 mode=tunnel reqid=7 "
	    "encap=espinudp:4500:4501 enc=cbc(aes) "
	    "enc_key=0x0102030405060708090a0b0c0d0e0f10 auth=hmac(sha256) "
	    "auth_trunc=128 auth_key=0xaabb") != NULL, "%s", line);
	cr_assert(strstr(line, "sel=10.1.0.0/16->10.2.0.0/16/any") != NULL,
	    "%s", line);
	free(line);
	line = line_of(&ev, false);
	cr_assert(strstr(line, "enc_key") == NULL, "%s", line);
	cr_assert(strstr(line, "auth_key") == NULL, "%s", line);
	free(line);
}

Test(xfrm, newsa_renders_an_esp_sa_uat_line_and_state_text)
{
	struct msg m;
	struct xfrm_ev ev;
	struct buf b;

	build_newsa(&m);
	cr_assert_eq(xfrm_decode(m.b, m.len, &ev), RC_OK);
	buf_init(&b, 1 << 16);
	cr_assert_eq(xfrm_ev_esp_uat(&ev, &b), RC_OK);
	cr_assert(strstr((char *)b.data, "\"IPv4\",\"192.0.2.1\",\"192.0.2.2\","
	    "\"0xc0ffee01\",\"AES-CBC [RFC3602]\",\"0x0102030405060708090a0b0c"
	    "0d0e0f10\",\"HMAC-SHA-256-128 [RFC4868]\",\"0xaabb") != NULL,
	    "%s", (char *)b.data);
	buf_reset(&b);
	cr_assert_eq(xfrm_ev_text(&ev, false, &b), RC_OK);
	cr_assert(strstr((char *)b.data, "src 192.0.2.1 dst 192.0.2.2\n\tproto"
	    " esp spi 0xc0ffee01 reqid 7 mode tunnel") != NULL);
	cr_assert(strstr((char *)b.data, "key omitted") != NULL);
	buf_fini(&b);
}

Test(xfrm, aead_sa_maps_to_wireshark_gcm_name)
{
	struct msg m;
	struct xfrm_usersa_info sa;
	struct xfrm_ev ev;
	struct buf b;
	uint8_t key[20] = {1};

	fill_sa(&sa);
	msg_start(&m, XFRM_MSG_UPDSA, &sa, sizeof(sa));
	alg_attr(&m, XFRMA_ALG_AEAD, "rfc4106(gcm(aes))", key, 20, 128);
	cr_assert_eq(xfrm_decode(m.b, m.len, &ev), RC_OK);
	buf_init(&b, 4096);
	cr_assert_eq(xfrm_ev_esp_uat(&ev, &b), RC_OK);
	cr_assert(strstr((char *)b.data, "AES-GCM with 16 octet ICV") != NULL);
	buf_fini(&b);
}

Test(xfrm, delsa_carries_the_sa_in_an_attribute)
{
	struct msg m;
	struct xfrm_usersa_id id = {0};
	struct xfrm_usersa_info sa;
	struct xfrm_ev ev;
	char *line;

	fill_sa(&sa);
	id.daddr = sa.id.daddr;
	id.spi = sa.id.spi;
	id.family = AF_INET;
	id.proto = IPPROTO_ESP;
	msg_start(&m, XFRM_MSG_DELSA, &id, sizeof(id));
	msg_attr(&m, XFRMA_SA, &sa, sizeof(sa));
	cr_assert_eq(xfrm_decode(m.b, m.len, &ev), RC_OK, "%s", ev.err);
	line = line_of(&ev, true);
	cr_assert(strstr(line, "xfrm DELSA src=192.0.2.1 dst=192.0.2.2 "
	    "proto=esp spi=0xc0ffee01 mode=tunnel reqid=7") != NULL, "%s",
	    line);
	free(line);
}

Test(xfrm, expire_soft_and_hard_are_told_apart)
{
	struct msg m;
	struct xfrm_user_expire ex;
	struct xfrm_ev ev;
	char *line;
	int hard;

	for (hard = 0; hard <= 1; hard++) {
		memset(&ex, 0, sizeof(ex));
		fill_sa(&ex.state);
		ex.hard = (uint8_t)hard;
		msg_start(&m, XFRM_MSG_EXPIRE, &ex, sizeof(ex));
		cr_assert_eq(xfrm_decode(m.b, m.len, &ev), RC_OK);
		cr_assert_eq(ev.hard, hard);
		line = line_of(&ev, false);
		cr_assert(strstr(line, hard ? "hard=1" : "hard=0") != NULL,
		    "%s", line);
		free(line);
	}
}

Test(xfrm, acquire_names_the_policy_and_template)
{
	struct msg m;
	struct xfrm_user_acquire aq;
	struct xfrm_user_tmpl t = {0};
	struct xfrm_ev ev;
	char *line;

	memset(&aq, 0, sizeof(aq));
	inet_pton(AF_INET, "192.0.2.2", &aq.id.daddr);
	inet_pton(AF_INET, "192.0.2.1", &aq.saddr);
	aq.id.proto = IPPROTO_ESP;
	aq.sel.family = AF_INET;
	aq.sel.proto = IPPROTO_ICMP;
	aq.policy.dir = XFRM_POLICY_OUT;
	aq.policy.index = 33;
	t.family = AF_INET;
	t.id.proto = IPPROTO_ESP;
	t.id.daddr = aq.id.daddr;
	t.saddr = aq.saddr;
	t.mode = XFRM_MODE_TUNNEL;
	t.reqid = 9;
	msg_start(&m, XFRM_MSG_ACQUIRE, &aq, sizeof(aq));
	msg_attr(&m, XFRMA_TMPL, &t, sizeof(t));
	cr_assert_eq(xfrm_decode(m.b, m.len, &ev), RC_OK, "%s", ev.err);
	line = line_of(&ev, false);
	cr_assert(strstr(line, "xfrm ACQUIRE src=192.0.2.1 dst=192.0.2.2 "
	    "proto=esp") != NULL, "%s", line);
	cr_assert(strstr(line, "dir=out") != NULL, "%s", line);
	cr_assert(strstr(line, "tmpl=192.0.2.1->192.0.2.2/esp/tunnel/"
	    "reqid=9") != NULL, "%s", line);
	free(line);
}

Test(xfrm, mapping_reports_old_and_new_nat_source)
{
	struct msg m;
	struct xfrm_user_mapping mp;
	struct xfrm_ev ev;
	char *line;

	memset(&mp, 0, sizeof(mp));
	mp.id.family = AF_INET;
	mp.id.proto = IPPROTO_ESP;
	mp.id.spi = htonl(0x1234);
	inet_pton(AF_INET, "192.0.2.1", &mp.id.daddr);
	inet_pton(AF_INET, "198.51.100.1", &mp.old_saddr);
	inet_pton(AF_INET, "198.51.100.2", &mp.new_saddr);
	mp.old_sport = htons(4500);
	mp.new_sport = htons(1025);
	msg_start(&m, XFRM_MSG_MAPPING, &mp, sizeof(mp));
	cr_assert_eq(xfrm_decode(m.b, m.len, &ev), RC_OK);
	line = line_of(&ev, false);
	cr_assert(strstr(line, "xfrm MAPPING dst=192.0.2.1 spi=0x00001234 "
	    "reqid=0 old=198.51.100.1:4500 new=198.51.100.2:1025") != NULL,
	    "%s", line);
	free(line);
}

static void
build_policy(struct msg *m, uint16_t type)
{
	struct xfrm_userpolicy_info p;
	struct xfrm_user_tmpl t = {0};

	memset(&p, 0, sizeof(p));
	p.sel.family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8:1::", &p.sel.saddr);
	inet_pton(AF_INET6, "2001:db8:2::", &p.sel.daddr);
	p.sel.prefixlen_s = 48;
	p.sel.prefixlen_d = 48;
	p.dir = XFRM_POLICY_FWD;
	p.priority = 375423;
	p.index = 18;
	t.family = AF_INET6;
	t.id.proto = IPPROTO_ESP;
	inet_pton(AF_INET6, "2001:db8::2", &t.id.daddr);
	inet_pton(AF_INET6, "2001:db8::1", &t.saddr);
	t.mode = XFRM_MODE_TUNNEL;
	msg_start(m, type, &p, sizeof(p));
	msg_attr(m, XFRMA_TMPL, &t, sizeof(t));
}

Test(xfrm, newpolicy_and_delpolicy_decode)
{
	struct msg m;
	struct xfrm_ev ev;
	struct xfrm_userpolicy_id id;
	struct xfrm_userpolicy_info p;
	struct buf b;
	char *line;

	build_policy(&m, XFRM_MSG_NEWPOLICY);
	cr_assert_eq(xfrm_decode(m.b, m.len, &ev), RC_OK, "%s", ev.err);
	line = line_of(&ev, false);
	cr_assert(strstr(line, "xfrm NEWPOLICY sel=2001:db8:1::/48->"
	    "2001:db8:2::/48/any dir=fwd action=allow priority=375423 "
	    "index=18 tmpl=2001:db8::1->2001:db8::2/esp/tunnel/reqid=0") !=
	    NULL, "%s", line);
	free(line);
	buf_init(&b, 4096);
	cr_assert_eq(xfrm_ev_text(&ev, false, &b), RC_OK);
	cr_assert(strstr((char *)b.data, "src 2001:db8:1::/48 dst "
	    "2001:db8:2::/48 proto any\n\tdir fwd priority 375423") != NULL,
	    "%s", (char *)b.data);
	buf_fini(&b);

	memset(&id, 0, sizeof(id));
	memcpy(&p, m.b + NLMSG_HDRLEN, sizeof(p));
	id.sel = p.sel;
	id.dir = XFRM_POLICY_FWD;
	id.index = 18;
	msg_start(&m, XFRM_MSG_DELPOLICY, &id, sizeof(id));
	msg_attr(&m, XFRMA_POLICY, &p, sizeof(p));
	cr_assert_eq(xfrm_decode(m.b, m.len, &ev), RC_OK, "%s", ev.err);
	line = line_of(&ev, false);
	cr_assert(strstr(line, "xfrm DELPOLICY sel=2001:db8:1::/48->") != NULL,
	    "%s", line);
	cr_assert(strstr(line, "priority=375423") != NULL, "%s", line);
	free(line);
}

/* Every truncation, with the header length both kept (MALFORMED) and
 * rewritten to the cut (attributes cut mid-way). */
static void
all_truncations(const struct msg *orig)
{
	size_t cut;

	for (cut = 0; cut < orig->len; cut++) {
		struct msg m = *orig;
		struct xfrm_ev ev;
		enum rc rc;
		uint8_t *copy = malloc(cut ? cut : 1);

		memcpy(copy, m.b, cut);
		rc = xfrm_decode(copy, cut, &ev);
		cr_assert(rc == RC_SHORT || rc == RC_MALFORMED,
		    "cut %zu kept header: %s", cut, rc_name(rc));
		if (cut >= NLMSG_HDRLEN) {
			uint32_t l = (uint32_t)cut;

			memcpy(copy, &l, 4);
			rc = xfrm_decode(copy, cut, &ev);
			cr_assert(rc == RC_OK || rc == RC_SHORT ||
			    rc == RC_MALFORMED, "cut %zu: %s", cut,
			    rc_name(rc));
			if (rc != RC_OK)
				cr_assert(ev.err[0] != '\0');
		}
		free(copy);
	}
}

Test(xfrm, truncated_messages_fail_cleanly)
{
	struct msg m;

	build_newsa(&m);
	all_truncations(&m);
	build_policy(&m, XFRM_MSG_NEWPOLICY);
	all_truncations(&m);
}

Test(xfrm, corrupted_attribute_lengths_fail_with_numbers)
{
	struct msg m, c;
	size_t first_attr = NLMSG_HDRLEN + sizeof(struct xfrm_usersa_info);
	struct xfrm_ev ev;
	uint16_t v;
	unsigned i;

	build_newsa(&m);
	c = m;
	v = 2;	/* < header */
	memcpy(c.b + first_attr, &v, 2);
	cr_assert_eq(xfrm_decode(c.b, c.len, &ev), RC_MALFORMED);
	cr_assert(strstr(ev.err, "length 2 < 4") != NULL, "%s", ev.err);
	c = m;
	v = 0xfff0;	/* past the message */
	memcpy(c.b + first_attr, &v, 2);
	cr_assert_eq(xfrm_decode(c.b, c.len, &ev), RC_SHORT);
	c = m;
	{
		uint32_t kb = 4096;	/* key longer than the attribute */

		memcpy(c.b + first_attr + 4 + 64, &kb, 4);
	}
	cr_assert_eq(xfrm_decode(c.b, c.len, &ev), RC_MALFORMED);
	cr_assert(strstr(ev.err, "key 512 bytes") != NULL, "%s", ev.err);
	for (i = 0; i < 65536; i += 7) {	/* any length: no crash */
		c = m;
		v = (uint16_t)i;
		memcpy(c.b + first_attr, &v, 2);
		enum rc rc = xfrm_decode(c.b, c.len, &ev);

		cr_assert(rc != RC_UNSUPPORTED);
	}
}

Test(xfrm, unknown_message_type_is_unsupported)
{
	struct msg m;
	struct xfrm_ev ev;
	uint8_t z[8] = {0};

	msg_start(&m, 0x7f, z, sizeof(z));
	cr_assert_eq(xfrm_decode(m.b, m.len, &ev), RC_UNSUPPORTED);
	cr_assert_str_eq(xfrm_msg_name(0x7f), "UNKNOWN");
	cr_assert_str_eq(xfrm_msg_name(XFRM_MSG_MAPPING), "MAPPING");
}
