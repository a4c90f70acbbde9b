/*
 * Issue 6: every corpus capture that comes with keys decrypts, and the
 * inner payload types and notify types agree with tshark given the same
 * keys (Wireshark's ikev2_decryption_table UAT, placed in a temporary
 * $HOME/.config/wireshark for tshark).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyze/ike_decrypt.h"
#include "analyze/ikev2_decode.h"
#include "formats/netdecode.h"
#include "formats/pcapio.h"
#include "testutil.h"

#define LINE 8192

static struct ikev2_msg msg;

struct keyed {
	char pcap[4096];
	char uat[2048];       /* one Wireshark UAT line */
	char keys_path[4096]; /* what we load */
};

/* Our chain (outer + decrypted inner) and notify types per IKE frame. */
static int
our_lines(const struct keyed *k, FILE *out, int *decrypted)
{
	struct pcapio *p;
	struct net_decoder *nd = net_decoder_new();
	struct ike_decrypt *dec = ike_decrypt_new();
	struct pcapio_pkt pkt;
	struct net_pkt np;
	enum net_skip skip;
	char err[512];
	size_t klen;
	uint8_t *ktext = tu_read_file(k->keys_path, &klen);
	int n = 0;

	cr_assert_not_null(ktext);
	cr_assert_eq(ike_decrypt_add_keys(dec, k->keys_path, ktext, klen, err,
	    sizeof(err)), RC_OK, "%s", err);
	cr_assert_eq(pcapio_open(k->pcap, &p, err, sizeof(err)), RC_OK);
	while (pcapio_next(p, &pkt) == RC_OK) {
		const uint8_t *b;
		size_t len;
		uint16_t i;

		if (net_decode(nd, &pkt, &np, &skip) != RC_OK ||
		    np.l4 != NET_L4_UDP)
			continue;
		b = np.payload;
		len = np.payload_len;
		if (np.sport == 4500 || np.dport == 4500) {
			b += 4;
			len -= 4;
		}
		if (ikev2_decode(b, len, &msg) != RC_OK || !msg.has_sk)
			continue;
		if (ike_decrypt_msg(dec, b, len, &msg) == IKE_DEC_OK)
			(*decrypted)++;
		fprintf(out, "%lu\t", (unsigned long)pkt.frame);
		for (i = 0; i < msg.n_pl; i++)
			fprintf(out, "%s%u", i ? "," : "", msg.pl[i].type);
		fprintf(out, "\t");
		for (i = 0; i < msg.n_notify; i++)
			fprintf(out, "%s%u", i ? "," : "", msg.notify[i].type);
		fprintf(out, "\n");
		n++;
	}
	pcapio_close(p);
	net_decoder_free(nd);
	ike_decrypt_free(dec);
	free(ktext);
	return n;
}

static void
strip_sub(char *chain)
{
	char out[LINE] = "", *save = NULL, *tok;
	size_t used = 0;

	for (tok = strtok_r(chain, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save))
		if (strcmp(tok, "2") != 0 && strcmp(tok, "3") != 0)
			used += (size_t)snprintf(out + used, sizeof(out) - used,
			    "%s%s", used ? "," : "", tok);
	snprintf(chain, LINE, "%s", out);
}

static int
compare(const struct keyed *k, int *messages, int *decrypted)
{
	char home[] = "/tmp/wfpdiag-ws-XXXXXX", path[4200], cmd[8192];
	char a[LINE], t[LINE];
	FILE *f, *ours = tmpfile(), *ts;
	int bad = 0;

	cr_assert_not_null(mkdtemp(home));
	snprintf(path, sizeof(path), "%s/.config", home);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/.config/wireshark", home);
	mkdir(path, 0700);
	snprintf(path, sizeof(path),
	    "%s/.config/wireshark/ikev2_decryption_table", home);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fprintf(f, "%s\n", k->uat);
	fclose(f);
	*messages += our_lines(k, ours, decrypted);
	rewind(ours);
	snprintf(cmd, sizeof(cmd), "HOME='%s' XDG_CONFIG_HOME='%s/.config' "
	    "tshark -n -r '%s' -Y 'isakmp.typepayload == 46 || "
	    "isakmp.typepayload == 53' -T fields -E occurrence=a "
	    "-E aggregator=, -e frame.number -e isakmp.typepayload "
	    "-e isakmp.notify.msgtype 2>/dev/null", home, home, k->pcap);
	ts = popen(cmd, "r");
	while (fgets(a, sizeof(a), ours) != NULL) {
		char *tab;

		a[strcspn(a, "\n")] = '\0';
		if (fgets(t, sizeof(t), ts) == NULL) {
			cr_log_error("%s: tshark has fewer SK messages", k->pcap);
			bad++;
			break;
		}
		t[strcspn(t, "\n")] = '\0';
		tab = strchr(t, '\t');
		if (tab != NULL) {
			char chain[LINE], rest[LINE];
			char *tab2 = strchr(tab + 1, '\t');

			snprintf(rest, sizeof(rest), "%s", tab2 ? tab2 : "");
			if (tab2)
				*tab2 = '\0';
			snprintf(chain, sizeof(chain), "%s", tab + 1);
			strip_sub(chain);
			*tab = '\0';
			snprintf(t + strlen(t), sizeof(t) - strlen(t), "\t%s%s",
			    chain, rest);
		}
		if (strcmp(a, t) != 0) {
			cr_log_error("%s:\n  ours:   %s\n  tshark: %s", k->pcap,
			    a, t);
			bad++;
		}
	}
	pclose(ts);
	fclose(ours);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", home);
	if (system(cmd) != 0)
		cr_log_warn("could not remove %s", home);
	return bad;
}

/* The openswan rows: one per capture, keys from KEYS.tsv; we load a
 * one-row copy so rows sharing SPIs do not mix. */
static int
openswan_cases(struct keyed *out, int max)
{
	const char *tsv = tu_shared("corpus/openswan/keys/KEYS.tsv");
	char line[LINE], header[LINE];
	FILE *f;
	int n = 0;

	if (tsv == NULL)
		return 0;
	f = fopen(tsv, "r");
	if (f == NULL || fgets(header, sizeof(header), f) == NULL)
		return 0;
	while (n < max && fgets(line, sizeof(line), f) != NULL) {
		char *col[16] = {0}, copy[LINE], *save = NULL, *tok;
		int c = 0;
		FILE *kf;

		snprintf(copy, sizeof(copy), "%s", line);
		for (tok = strtok_r(copy, "\t\n", &save); tok && c < 16;
		    tok = strtok_r(NULL, "\t\n", &save))
			col[c++] = tok;
		if (c < 10 || strcmp(col[1], "yes") != 0)
			continue;
		snprintf(out[n].pcap, sizeof(out[n].pcap), "%s/%s",
		    tu_shared("corpus/openswan"), col[0]);
		snprintf(out[n].uat, sizeof(out[n].uat),
		    "%s,%s,%s,%s,\"%s\",%s,%s,\"%s\"",
		    col[2], col[3], col[4], col[5], col[6], col[7], col[8],
		    col[9]);
		snprintf(out[n].keys_path, sizeof(out[n].keys_path),
		    "/tmp/wfpdiag-keys-%d-%d.tsv", (int)getpid(), n);
		kf = fopen(out[n].keys_path, "w");
		fprintf(kf, "%s%s", header, line);
		fclose(kf);
		n++;
	}
	fclose(f);
	return n;
}

static int
wireshark_cases(struct keyed *out)
{
	static const char *const caps[] = {"ikev2-decrypt-aes256cbc.pcapng",
	    "ikev2-decrypt-aes256ccm16.pcapng"};
	char dir[4096], table[4096], line[LINE];
	int n = 0, i;
	FILE *f;

	/* tu_shared() returns a static buffer: copy before the next call. */
	if (tu_shared("corpus/wireshark/keys/ikev2_decryption_table") == NULL)
		return 0;
	snprintf(dir, sizeof(dir), "%s", tu_shared("corpus/wireshark"));
	snprintf(table, sizeof(table), "%s/keys/ikev2_decryption_table", dir);
	for (i = 0; i < 2; i++) {
		snprintf(out[n].pcap, sizeof(out[n].pcap), "%s/%s", dir,
		    caps[i]);
		snprintf(out[n].keys_path, sizeof(out[n].keys_path), "%s",
		    table);
		out[n].uat[0] = '\0';
		f = fopen(table, "r");
		/* tshark gets the whole table: one UAT line per row. */
		while (f && fgets(line, sizeof(line), f) != NULL)
			if (line[0] != '#')
				snprintf(out[n].uat + strlen(out[n].uat),
				    sizeof(out[n].uat) - strlen(out[n].uat),
				    "%s", line);
		if (f)
			fclose(f);
		out[n].uat[strcspn(out[n].uat, "\0")] = '\0';
		n++;
	}
	return n;
}

Test(decrypt_crosscheck, corpus_captures_with_keys_decrypt_like_tshark,
    .timeout = 600)
{
	struct keyed cases[64];
	int n, i, bad = 0, messages = 0, decrypted = 0;

	if (tu_shared("corpus") == NULL)
		cr_skip_test("../shared/corpus is absent in this clone");
	if (!tu_have_tool("tshark"))
		cr_skip_test("tshark is not installed");
	n = wireshark_cases(cases);
	n += openswan_cases(cases + n, 64 - n);
	for (i = 0; i < n; i++) {
		bad += compare(&cases[i], &messages, &decrypted);
		if (strncmp(cases[i].keys_path, "/tmp/", 5) == 0)
			unlink(cases[i].keys_path);
	}
	cr_log_info("%d captures, %d SK messages, %d decrypted", n, messages,
	    decrypted);
	cr_expect_gt(n, 2);
	cr_expect_eq(decrypted, messages, "every SK message decrypts");
	cr_expect_eq(bad, 0, "%d messages disagree with tshark", bad);
}
