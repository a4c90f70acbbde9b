/*
 * Cross-check against a real peer's decoder (issue 2): for every capture
 * in ../shared/corpus and samples/, every IKE message's SPIi, SPIr,
 * exchange type, flags, message ID, payload-type chain and notify types
 * must agree with what `tshark -T fields` decodes. Disagreements that
 * are tshark's error are listed in known_tshark_errors[] with the RFC
 * reference (docs/tshark-crosscheck.md).
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyze/ikev1_decode.h"
#include "analyze/ikev2_decode.h"
#include "formats/netdecode.h"
#include "formats/pcapio.h"
#include "testutil.h"

#define MAX_FILES 512
#define LINE 8192

struct known {
	const char *file_suffix;
	unsigned long frame;
	const char *why;
};

/* tshark's own errors, each with the reason and RFC section. */
static const struct known known_tshark_errors[] = {
	{NULL, 0, NULL},
};

static struct ikev2_msg msg;
static struct ikev1_msg v1;

static int
collect(const char *dir, char **files, int n)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (d == NULL)
		return n;
	while ((e = readdir(d)) != NULL && n < MAX_FILES) {
		char path[4096];
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode))
			n = collect(path, files, n);
		else if (strstr(e->d_name, ".pcap") != NULL &&
		    strstr(e->d_name, ".out") == NULL)
			files[n++] = strdup(path);
	}
	closedir(d);
	return n;
}

static void
hex8(const uint8_t *b, char *dst)
{
	int i;

	for (i = 0; i < 8; i++)
		snprintf(dst + 2 * i, 3, "%02x", b[i]);
}

/* Our fields for one IKE message, in tshark's rendering. */
static void
our_fields(const uint8_t *p, size_t n, unsigned long frame, char *line,
    size_t len)
{
	char spi_i[17], spi_r[17], chain[2048] = "", notes[1024] = "";
	size_t cu = 0, nu = 0;
	uint16_t i;

	if (ike_major_version(p, n) == 1) {
		if (ikev1_decode(p, n, &v1) != RC_OK && v1.err_off < 28) {
			snprintf(line, len, "%lu\tREJECTED", frame);
			return;
		}
		hex8(v1.icookie, spi_i);
		hex8(v1.rcookie, spi_r);
		for (i = 0; i < v1.n_notify; i++)
			nu += (size_t)snprintf(notes + nu, sizeof(notes) - nu,
			    "%s%u", i ? "," : "", v1.notify[i]);
		snprintf(line, len, "%lu\t%s\t%s\t%u\t0x%02x\t0x%08x\tv1\t%s",
		    frame, spi_i, spi_r, v1.exchange, v1.flags, v1.msg_id,
		    notes);
		return;
	}
	if (ikev2_decode(p, n, &msg) != RC_OK && msg.err_off < 28) {
		snprintf(line, len, "%lu\tREJECTED", frame);
		return;
	}
	hex8(msg.hdr.spi_i, spi_i);
	hex8(msg.hdr.spi_r, spi_r);
	for (i = 0; i < msg.n_pl; i++)
		cu += (size_t)snprintf(chain + cu, sizeof(chain) - cu, "%s%u",
		    i ? "," : "", msg.pl[i].type);
	for (i = 0; i < msg.n_notify; i++)
		nu += (size_t)snprintf(notes + nu, sizeof(notes) - nu, "%s%u",
		    i ? "," : "", msg.notify[i].type);
	snprintf(line, len, "%lu\t%s\t%s\t%u\t0x%02x\t0x%08x\t%s\t%s", frame,
	    spi_i, spi_r, msg.hdr.exchange, msg.hdr.flags, msg.hdr.msg_id,
	    chain, notes);
}

/* Walks the capture and writes one line per IKE message we decode. */
static int
our_dump(const char *path, FILE *out)
{
	struct pcapio *p;
	struct net_decoder *nd = net_decoder_new();
	struct pcapio_pkt pkt;
	struct net_pkt np;
	enum net_skip skip;
	char err[256], line[LINE];
	int n = 0;

	if (pcapio_open(path, &p, err, sizeof(err)) != RC_OK) {
		net_decoder_free(nd);
		return -1;
	}
	while (pcapio_next(p, &pkt) == RC_OK) {
		const uint8_t *b;
		size_t len;

		if (net_decode(nd, &pkt, &np, &skip) != RC_OK ||
		    np.l4 != NET_L4_UDP)
			continue;
		b = np.payload;
		len = np.payload_len;
		if (np.sport == 4500 || np.dport == 4500) {
			if (len < 4 || b[0] | b[1] | b[2] | b[3])
				continue;
			b += 4;
			len -= 4;
		} else if (np.sport != 500 && np.dport != 500) {
			continue;
		}
		if (len < 28 || (ike_major_version(b, len) != 2 &&
		    ike_major_version(b, len) != 1))
			continue;
		our_fields(b, len, (unsigned long)pkt.frame, line,
		    sizeof(line));
		fprintf(out, "%s\n", line);
		n++;
	}
	pcapio_close(p);
	net_decoder_free(nd);
	return n;
}

/* Removes tshark's proposal (2) and transform (3) substructure entries
 * from an IKEv2 payload chain: they are not payloads in RFC 7296. */
static void
strip_substructures(char *chain)
{
	char out[LINE] = "";
	char *save = NULL, *tok;
	size_t used = 0;

	for (tok = strtok_r(chain, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "2") == 0 || strcmp(tok, "3") == 0)
			continue;
		used += (size_t)snprintf(out + used, sizeof(out) - used, "%s%s",
		    used ? "," : "", tok);
	}
	snprintf(chain, LINE, "%s", out);
}

static bool
is_known(const char *file, unsigned long frame)
{
	size_t i;

	for (i = 0; known_tshark_errors[i].file_suffix != NULL; i++) {
		size_t fl = strlen(file), sl = strlen(known_tshark_errors[i]
		    .file_suffix);

		if (fl >= sl && strcmp(file + fl - sl,
		    known_tshark_errors[i].file_suffix) == 0 &&
		    known_tshark_errors[i].frame == frame)
			return true;
	}
	return false;
}

/* Normalises one tshark line into our layout (version column decides
 * whether the chain is compared). */
static void
tshark_norm(char *in, char *out, size_t len)
{
	char *f[9] = {0};
	char *save = NULL, *p = in;
	int i;
	unsigned long msgid;

	for (i = 0; i < 9; i++) {
		f[i] = p;
		p = strchr(p, '\t');
		if (p == NULL)
			break;
		*p++ = '\0';
	}
	(void)save;
	for (i = 0; i < 9; i++)
		if (f[i] == NULL)
			f[i] = (char *)"";
	msgid = strtoul(f[5], NULL, 16);
	if (strncmp(f[8], "0x1", 3) == 0) {
		snprintf(out, len, "%s\t%s\t%s\t%s\t%s\t0x%08lx\tv1\t%s", f[0],
		    f[1], f[2], f[3], f[4], msgid, f[7]);
		return;
	}
	strip_substructures(f[6]);
	snprintf(out, len, "%s\t%s\t%s\t%s\t%s\t0x%08lx\t%s\t%s", f[0], f[1],
	    f[2], f[3], f[4], msgid, f[6], f[7]);
}

static int
compare_file(const char *path, int *messages)
{
	char cmd[8192], ours_path[] = "/tmp/wfpdiag-xc-XXXXXX";
	char a[LINE], b[LINE], tb[LINE];
	FILE *ours, *ts;
	int fd = mkstemp(ours_path), bad = 0, n;
	bool have_tb;

	cr_assert(fd >= 0);
	ours = fdopen(fd, "w+");
	n = our_dump(path, ours);
	if (n <= 0) {
		fclose(ours);
		unlink(ours_path);
		return 0;
	}
	*messages += n;
	rewind(ours);
	snprintf(cmd, sizeof(cmd), "tshark -n -r '%s' -Y 'isakmp' -T fields "
	    "-E occurrence=a -E aggregator=, -e frame.number -e isakmp.ispi "
	    "-e isakmp.rspi -e isakmp.exchangetype -e isakmp.flags "
	    "-e isakmp.messageid -e isakmp.typepayload "
	    "-e isakmp.notify.msgtype -e isakmp.version 2>/dev/null", path);
	ts = popen(cmd, "r");
	cr_assert_not_null(ts);
	/* Both lists are in frame order; a frame only we list must be one
	 * we rejected at the header (tshark shows such datagrams as data),
	 * a frame only tshark lists is an IKE message we missed. */
	have_tb = fgets(tb, sizeof(tb), ts) != NULL;
	while (fgets(a, sizeof(a), ours) != NULL) {
		unsigned long frame = strtoul(a, NULL, 10);

		a[strcspn(a, "\n")] = '\0';
		while (have_tb && strtoul(tb, NULL, 10) < frame) {
			cr_log_error("%s frame %lu: tshark decodes IKE, we do "
			    "not", path, strtoul(tb, NULL, 10));
			bad++;
			have_tb = fgets(tb, sizeof(tb), ts) != NULL;
		}
		if (!have_tb || strtoul(tb, NULL, 10) != frame) {
			if (strstr(a, "REJECTED") == NULL &&
			    !is_known(path, frame)) {
				cr_log_error("%s frame %lu: we decode IKE, "
				    "tshark does not: %s", path, frame, a);
				bad++;
			}
			continue;
		}
		tb[strcspn(tb, "\n")] = '\0';
		tshark_norm(tb, b, sizeof(b));
		if (strcmp(a, b) != 0 && !is_known(path, frame)) {
			cr_log_error("%s frame %lu:\n  ours:   %s\n  tshark: %s",
			    path, frame, a, b);
			bad++;
		}
		have_tb = fgets(tb, sizeof(tb), ts) != NULL;
	}
	while (have_tb) {
		cr_log_error("%s frame %lu: tshark decodes IKE, we do not",
		    path, strtoul(tb, NULL, 10));
		bad++;
		have_tb = fgets(tb, sizeof(tb), ts) != NULL;
	}
	pclose(ts);
	fclose(ours);
	unlink(ours_path);
	return bad;
}

Test(tshark_crosscheck, every_ike_message_agrees_with_tshark,
    .timeout = 600)
{
	char *files[MAX_FILES];
	const char *corpus = tu_shared("corpus");
	int n = 0, i, bad = 0, messages = 0;

	if (!tu_have_tool("tshark"))
		cr_skip_test("tshark is not installed (scripts/setup.sh "
		    "installs it)");
	if (corpus != NULL)
		n = collect(corpus, files, n);
	n = collect(tu_src("samples"), files, n);
	if (n == 0)
		cr_skip_test("no captures: ../shared/corpus absent and "
		    "samples/ empty");
	for (i = 0; i < n; i++) {
		bad += compare_file(files[i], &messages);
		free(files[i]);
	}
	cr_log_info("compared %d IKE messages in %d captures", messages, n);
	cr_expect_gt(messages, 0, "nothing was compared");
	cr_expect_eq(bad, 0, "%d IKE messages disagree with tshark", bad);
}
