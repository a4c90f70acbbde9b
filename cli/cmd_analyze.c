/*
 * `wfpdiag analyze`: parses options, feeds every input to the analyzer,
 * prints the summary and writes wfpdiag.xml. Exit status: 0 when the
 * inputs were analysed (failures found in the traffic are results),
 * EXIT_INPUT when an input could not be used at all, EXIT_CORRUPT when
 * one was corrupt part-way (what came before is still reported).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "analyze/analyzer.h"
#include "analyze/policy.h"
#include "cli/commands.h"

#define MAX_KEYS 64
#define OPT_EXPORT_KEYS 256     /* long-only options */
#define OPT_EXPORT_ESP_KEYS 257

static void
analyze_usage(FILE *f)
{
	fprintf(f,
	    "usage: wfpdiag analyze [OPTIONS] FILE...\n\n"
	    "Decodes IKE/ESP captures (pcap, pcapng, '-' for stdin), wfpdiag\n"
	    "cabinets (ours or Windows'), Windows wfpdiag.xml/netevents.xml,\n"
	    "keying-event logs and key tables; follows every IKE and ESP SA\n"
	    "to its outcome and names each failure with its Windows error.\n"
	    "Several inputs give one merged report.\n\n"
	    "options:\n"
	    "  -o, --output PATH   write the XML report here (default\n"
	    "                      wfpdiag.xml)\n"
	    "  -f, --format FMT    both (default: XML and summary), text\n"
	    "                      (summary only, no XML) or xml (no summary)\n"
	    "  -v, --verbose       one line per IKE message (repeat for more)\n"
	    "  -k, --keys FILE     key table: Wireshark ikev2_decryption_table\n"
	    "                      or esp_sa, tcpdump -E secrets, strongSwan\n"
	    "                      log with keys (repeatable)\n"
	    "      --verify-all    check every protected message: by default an\n"
	    "                      empty INFORMATIONAL (liveness) is not\n"
	    "                      decrypted once its side of the SA verified\n"
	    "      --export-keys FILE\n"
	    "                      write the IKE SA keys that verified a\n"
	    "                      message's ICV as Wireshark's\n"
	    "                      ikev2_decryption_table (mode 0600; holds\n"
	    "                      keys: keep it private)\n"
	    "      --export-esp-keys FILE\n"
	    "                      the same for the ESP SA keys that verified\n"
	    "                      a packet, as Wireshark's esp_sa\n"
	    "  -p, --policy FILE   expected IPsec/IKE policy to check against\n"
	    "  -l, --local ADDR    an address of the capture host (repeatable):\n"
	    "                      decides which side events call local\n"
	    "  -h, --help          this text\n\n"
	    "exit status: 0 analysed, 2 usage, 3 input unusable, 4 input\n"
	    "corrupt part-way (earlier results reported), 5 output failed\n");
}

struct analyze_args {
	const char *output;
	bool text, xml;
	int verbose;
	const char *keys[MAX_KEYS];
	int n_keys;
	const char *policy;
	const char *export_keys;   /* --export-keys FILE, NULL none */
	const char *export_esp_keys; /* --export-esp-keys FILE */
	const char *local[16];
	int n_local;
	bool verify_all;
};

/* A key file (path, when given) is not stdout, the report or the
 * other key file. */
static bool
own_file(const struct analyze_args *a, const char *path, const char *other,
    const char *opt)
{
	if (path == NULL || (strcmp(path, "-") != 0 &&
	    !(a->xml && strcmp(path, a->output) == 0) &&
	    (other == NULL || strcmp(path, other) != 0)))
		return true;
	fprintf(stderr, "wfpdiag analyze: %s needs a file of its own (not "
	    "'-', the report or the other key file)\n", opt);
	return false;
}

static int
parse_args(int argc, char **argv, struct analyze_args *a)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"format", required_argument, NULL, 'f'},
		{"verbose", no_argument, NULL, 'v'},
		{"keys", required_argument, NULL, 'k'},
		{"policy", required_argument, NULL, 'p'},
		{"export-keys", required_argument, NULL, OPT_EXPORT_KEYS},
		{"export-esp-keys", required_argument, NULL,
		    OPT_EXPORT_ESP_KEYS},
		{"local", required_argument, NULL, 'l'},
		{"verify-all", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	a->output = "wfpdiag.xml";
	a->text = a->xml = true;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:f:vk:p:l:h", opts, NULL)) !=
	    -1) {
		switch (c) {
		case 'o':
			a->output = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "text") == 0) {
				a->xml = false;
			} else if (strcmp(optarg, "xml") == 0) {
				a->text = false;
			} else if (strcmp(optarg, "both") != 0) {
				fprintf(stderr, "wfpdiag analyze: --format "
				    "takes both, text or xml, not '%s'\n",
				    optarg);
				return EXIT_USAGE;
			}
			break;
		case 'v':
			a->verbose++;
			break;
		case 'k':
			if (a->n_keys == MAX_KEYS) {
				fprintf(stderr, "wfpdiag analyze: at most %d "
				    "--keys\n", MAX_KEYS);
				return EXIT_USAGE;
			}
			a->keys[a->n_keys++] = optarg;
			break;
		case 'p':
			a->policy = optarg;
			break;
		case 'V':
			a->verify_all = true;
			break;
		case OPT_EXPORT_KEYS:
			a->export_keys = optarg;
			break;
		case OPT_EXPORT_ESP_KEYS:
			a->export_esp_keys = optarg;
			break;
		case 'l':
			if (a->n_local == 16) {
				fprintf(stderr, "wfpdiag analyze: at most 16 "
				    "--local\n");
				return EXIT_USAGE;
			}
			a->local[a->n_local++] = optarg;
			break;
		case 'h':
			analyze_usage(stdout);
			return -1;
		default:
			analyze_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (!own_file(a, a->export_keys, a->export_esp_keys,
	    "--export-keys") ||
	    !own_file(a, a->export_esp_keys, NULL, "--export-esp-keys"))
		return EXIT_USAGE;
	if (optind >= argc) {
		fprintf(stderr, "wfpdiag analyze: no input files\n");
		analyze_usage(stderr);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* Worst status wins: corrupt over unusable input over OK. */
static int
input_status(enum rc rc)
{
	switch (rc) {
	case RC_OK:
		return EXIT_OK;
	case RC_SHORT:
	case RC_MALFORMED:
	case RC_TRUNCATED:
	case RC_LIMIT:
		return EXIT_CORRUPT;
	case RC_NOMEM:
		return EXIT_INTERNAL;
	default:
		return EXIT_INPUT;
	}
}

static int
worse(int a, int b)
{
	return a > b ? a : b;
}

static int
add_inputs(struct analyzer *an, const struct analyze_args *a, int argc,
    char **argv)
{
	int i, status = EXIT_OK;

	for (i = 0; i < a->n_keys; i++) {
		enum rc rc = analyzer_add_keys(an, a->keys[i]);

		if (rc != RC_OK) {
			fprintf(stderr, "wfpdiag analyze: %s\n",
			    analyzer_errmsg(an));
			status = worse(status, input_status(rc));
		}
	}
	for (i = optind; i < argc; i++) {
		enum rc rc = analyzer_add_path(an, argv[i]);

		if (rc != RC_OK) {
			fprintf(stderr, "wfpdiag analyze: %s\n",
			    analyzer_errmsg(an));
			status = worse(status, input_status(rc));
		}
	}
	return status;
}

/* --export-keys, --export-esp-keys: say how many SAs went out, never
 * what. */
static int
export_keys(struct analyzer *an, const struct analyze_args *a, bool esp)
{
	FILE *f = a->text ? stdout : stderr;
	const char *path = esp ? a->export_esp_keys : a->export_keys;
	const char *kind = esp ? "ESP" : "IKE";
	size_t n = 0, skipped = 0;
	enum rc rc = esp ? analyzer_export_esp_keys(an, path, &n, &skipped) :
	    analyzer_export_ike_keys(an, path, &n, &skipped);

	if (rc != RC_OK) {
		fprintf(stderr, "wfpdiag analyze: %s\n", analyzer_errmsg(an));
		return EXIT_OUTPUT;
	}
	if (n > 0)
		fprintf(f, "keys: %s holds the keys of %zu %s SA%s (verified "
		    "by ICV; keep it private)\n", path, n, kind, n == 1 ? "" :
		    "s");
	if (skipped > 0)
		fprintf(f, "keys: %zu verified %s SA%s left out: Wireshark "
		    "has no name for %s algorithms\n", skipped, kind,
		    skipped == 1 ? "" : "s", skipped == 1 ? "its" : "their");
	if (n == 0 && skipped == 0)
		fprintf(f, "keys: %s holds no %s SA: no key verified a %s "
		    "(give the keys with -k, or a cab with a charon log)\n",
		    path, kind, esp ? "packet" : "message");
	return EXIT_OK;
}

int
cmd_analyze(int argc, char **argv)
{
	struct analyze_args a;
	struct analyzer_opts o;
	struct analyzer *an;
	char err[512];
	int status;
	enum rc rc;

	memset(&a, 0, sizeof(a));
	status = parse_args(argc, argv, &a);
	if (status != EXIT_OK)
		return status < 0 ? EXIT_OK : status;
	if (a.policy != NULL) {
		/* A policy that cannot be read is a bad input, not a
		 * failure to write the report. */
		struct policy *p = policy_load(a.policy, err, sizeof(err));

		if (p == NULL) {
			fprintf(stderr, "wfpdiag analyze: %s\n", err);
			return EXIT_INPUT;
		}
		policy_free(p);
	}
	memset(&o, 0, sizeof(o));
	o.xml_path = a.xml ? a.output : NULL;
	o.policy_path = a.policy;
	o.verbose = a.verbose;
	o.verify_all = a.verify_all;
	o.trace = a.verbose ? stdout : NULL;
	o.n_local = a.n_local;
	o.local = a.local;
	an = analyzer_new(&o, err, sizeof(err));
	if (an == NULL) {
		fprintf(stderr, "wfpdiag analyze: %s\n", err);
		return EXIT_OUTPUT;
	}
	status = add_inputs(an, &a, argc, argv);
	rc = analyzer_finish(an);
	if (a.text)
		analyzer_print_summary(an, stdout);
	if (rc != RC_OK) {
		fprintf(stderr, "wfpdiag analyze: %s\n", analyzer_errmsg(an));
		status = worse(status, rc == RC_NOMEM ? EXIT_INTERNAL :
		    EXIT_OUTPUT);
	} else if (a.xml) {
		fprintf(a.text ? stdout : stderr, "\nreport: %s\n", a.output);
	}
	if (a.export_keys != NULL)
		status = worse(status, export_keys(an, &a, false));
	if (a.export_esp_keys != NULL)
		status = worse(status, export_keys(an, &a, true));
	analyzer_free(an);
	return status;
}
