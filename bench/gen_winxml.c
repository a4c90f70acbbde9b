/*
 * gen_winxml: deterministic generator of a large Windows-style wfpdiag.xml
 * for the Windows XML reader benchmark and its tests.
 *
 *   gen_winxml --size 500M [--seed 1] --out FILE
 *
 * Writes <wfpdiag><sysInfo/><initialState/><events> with netEvent elements
 * until FILE reaches --size: about 70% FWPM_NET_EVENT_TYPE_CLASSIFY_DROP
 * filler shaped like the published samples (reference/samples/uwp-case*,
 * quarantine-*), and IKE failures: FWPM_NET_EVENT_TYPE_IKEEXT_MM_FAILURE
 * with <ikeMmFailure> and _QM_FAILURE with <ikeQmFailure>, children in
 * FWPM_NET_EVENT_IKEEXT_*_FAILURE struct order. The element shapes follow
 * reference/wfpdiag-xml.md (IKE elements are inferred there [I]).
 * failureErrorCode rotates through the three renderings a reader must
 * accept: decimal (13801), 0x-hex (0x000035e9 / 0x000035E9) and the
 * symbol (ERROR_IPSEC_IKE_AUTH_FAIL). IPv4 and IPv6 headers, timestamps
 * advancing in FILETIME-style ISO-8601 with milliseconds.
 *
 * stdout gets the expected counts, one "key value" or "error code name
 * count" per line, so a test can compare a reader's tally with them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/gen_wire.h"

#define T_START_MS	(1768464000ull * 1000u)	/* 2026-01-15T08:00:00Z */

struct werr {
	unsigned code;
	const char *name;
	unsigned mm_weight, qm_weight;
};

/* Codes and names from reference/ike-errors.csv. */
static const struct werr errs[] = {
	{ 13801, "ERROR_IPSEC_IKE_AUTH_FAIL", 30, 0 },
	{ 13805, "ERROR_IPSEC_IKE_TIMED_OUT", 20, 25 },
	{ 13806, "ERROR_IPSEC_IKE_NO_CERT", 12, 0 },
	{ 13822, "ERROR_IPSEC_IKE_DH_FAIL", 4, 5 },
	{ 13824, "ERROR_IPSEC_IKE_INVALID_HEADER", 2, 0 },
	{ 13825, "ERROR_IPSEC_IKE_NO_POLICY", 5, 15 },
	{ 13843, "ERROR_IPSEC_IKE_INVALID_PAYLOAD", 3, 3 },
	{ 13868, "ERROR_IPSEC_IKE_POLICY_MATCH", 20, 40 },
	{ 13880, "ERROR_IPSEC_IKE_INVALID_MAJOR_VERSION", 1, 0 },
	{ 13884, "ERROR_IPSEC_IKE_QM_LIMIT", 0, 7 },
	{ 13888, "ERROR_IPSEC_IKE_UNEXPECTED_MESSAGE_ID", 3, 5 },
};
#define NERR	(sizeof(errs) / sizeof(errs[0]))

struct gen {
	FILE *f;
	struct grng r;
	uint64_t t_ms;
	uint64_t n_drop, n_mm, n_qm, n_v6;
	uint64_t n_dec, n_hex, n_name;
	uint64_t mm[NERR], qm[NERR];
};

static void
timestamp(struct gen *g, char *out, size_t cap)
{
	time_t s = (time_t)(g->t_ms / 1000u);
	struct tm tm;

	gmtime_r(&s, &tm);
	snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (unsigned)(g->t_ms % 1000u));
}

static void
header(struct gen *g, bool v6, bool ike, unsigned proto, unsigned lport,
    unsigned rport)
{
	char ts[64];
	unsigned a = grng_below(&g->r, 250) + 2, b = grng_below(&g->r, 250);

	timestamp(g, ts, sizeof(ts));
	fprintf(g->f, "<netEvent>\n<header>\n<timeStamp>%s</timeStamp>\n", ts);
	if (ike)
		fputs("<flags numItems=\"3\">\n"
		    "<item>FWPM_NET_EVENT_FLAG_LOCAL_ADDR_SET</item>\n"
		    "<item>FWPM_NET_EVENT_FLAG_REMOTE_ADDR_SET</item>\n"
		    "<item>FWPM_NET_EVENT_FLAG_IP_VERSION_SET</item>\n"
		    "</flags>\n", g->f);
	else
		fputs("<flags numItems=\"9\">\n"
		    "<item>FWPM_NET_EVENT_FLAG_IP_PROTOCOL_SET</item>\n"
		    "<item>FWPM_NET_EVENT_FLAG_LOCAL_ADDR_SET</item>\n"
		    "<item>FWPM_NET_EVENT_FLAG_REMOTE_ADDR_SET</item>\n"
		    "<item>FWPM_NET_EVENT_FLAG_LOCAL_PORT_SET</item>\n"
		    "<item>FWPM_NET_EVENT_FLAG_REMOTE_PORT_SET</item>\n"
		    "<item>FWPM_NET_EVENT_FLAG_APP_ID_SET</item>\n"
		    "<item>FWPM_NET_EVENT_FLAG_USER_ID_SET</item>\n"
		    "<item>FWPM_NET_EVENT_FLAG_IP_VERSION_SET</item>\n"
		    "<item>FWPM_NET_EVENT_FLAG_PACKAGE_ID_SET</item>\n"
		    "</flags>\n", g->f);
	fprintf(g->f, "<ipVersion>FWP_IP_VERSION_V%c</ipVersion>\n"
	    "<ipProtocol>%u</ipProtocol>\n", v6 ? '6' : '4', proto);
	if (v6)
		fprintf(g->f, "<localAddrV6.byteArray16>2001:db8:ffff::1"
		    "</localAddrV6.byteArray16>\n<remoteAddrV6.byteArray16>"
		    "2001:db8:%x:%x::%x</remoteAddrV6.byteArray16>\n",
		    0x1000 + a, b, a * 7 + b);
	else
		fprintf(g->f, "<localAddrV4>192.0.2.1</localAddrV4>\n"
		    "<remoteAddrV4>%s.%u.%u</remoteAddrV4>\n",
		    ike ? "198.51" : "10.20", a, b);
	fprintf(g->f, "<localPort>%u</localPort>\n<remotePort>%u</remotePort>\n"
	    "<scopeId>0</scopeId>\n", lport, rport);
	if (ike)
		fputs("<appId/>\n<userId/>\n", g->f);
	else
		fputs("<appId>\n<data>5c006400650076006900630065005c0068006100720064"
		    "006400690073006b0076006f006c0075006d00650031005c00770069006e0064"
		    "006f00770073005c00730079007300740065006d00330032005c007300760063"
		    "0068006f00730074002e006500780065000000</data>\n<asString>\\.d.e.v"
		    ".i.c.e.\\.h.a.r.d.d.i.s.k.v.o.l.u.m.e.1.\\.w.i.n.d.o.w.s.\\.s.y."
		    "s.t.e.m.3.2.\\.s.v.c.h.o.s.t...e.x.e...</asString>\n</appId>\n"
		    "<userId>S-1-5-19</userId>\n", g->f);
	fprintf(g->f, "<addressFamily>FWP_AF_INET%s</addressFamily>\n"
	    "<packageSid>S-1-0-0</packageSid>\n<enterpriseId/>\n"
	    "<policyFlags>0</policyFlags>\n<effectiveName/>\n</header>\n",
	    v6 ? "6" : "");
}

static void
classify_drop(struct gen *g)
{
	bool v6 = grng_below(&g->r, 10) == 0;
	unsigned fid = 66000 + grng_below(&g->r, 3000);

	header(g, v6, false, grng_below(&g->r, 2) ? 17 : 6,
	    49152 + grng_below(&g->r, 16000), grng_below(&g->r, 2) ? 443 : 53);
	fprintf(g->f, "<type>FWPM_NET_EVENT_TYPE_CLASSIFY_DROP</type>\n"
	    "<classifyDrop>\n<filterId>%u</filterId>\n<layerId>%u</layerId>\n"
	    "<reauthReason>0</reauthReason>\n"
	    "<originalProfile>1</originalProfile>\n"
	    "<currentProfile>1</currentProfile>\n"
	    "<msFwpDirection>MS_FWP_DIRECTION_OUT</msFwpDirection>\n"
	    "<isLoopback>false</isLoopback>\n<vSwitchId/>\n"
	    "<vSwitchSourcePort>0</vSwitchSourcePort>\n"
	    "<vSwitchDestinationPort>0</vSwitchDestinationPort>\n"
	    "</classifyDrop>\n<internalFields>\n<internalFlags/>\n"
	    "<remoteAddrBitmap>0000000000000000</remoteAddrBitmap>\n"
	    "<capabilities/>\n<fqbnVersion>0</fqbnVersion>\n<fqbnName/>\n"
	    "<terminatingFiltersInfo numItems=\"2\">\n<item>\n"
	    "<filterId>%u</filterId>\n"
	    "<subLayer>FWPP_SUBLAYER_INTERNAL_FIREWALL_WSH</subLayer>\n"
	    "<actionType>FWP_ACTION_BLOCK</actionType>\n</item>\n<item>\n"
	    "<filterId>%u</filterId>\n"
	    "<subLayer>FWPP_SUBLAYER_INTERNAL_FIREWALL_WF</subLayer>\n"
	    "<actionType>FWP_ACTION_BLOCK</actionType>\n</item>\n"
	    "</terminatingFiltersInfo>\n</internalFields>\n</netEvent>\n",
	    fid, v6 ? 50u : 48u, fid, fid - 14);
	g->n_drop++;
	if (v6)
		g->n_v6++;
}

static size_t
pick_error(struct gen *g, bool qm)
{
	unsigned total = 0, x;
	size_t i;

	for (i = 0; i < NERR; i++)
		total += qm ? errs[i].qm_weight : errs[i].mm_weight;
	x = grng_below(&g->r, total);
	for (i = 0; i < NERR; i++) {
		unsigned w = qm ? errs[i].qm_weight : errs[i].mm_weight;

		if (x < w)
			return i;
		x -= w;
	}
	return 0;
}

static void
error_code(struct gen *g, size_t e)
{
	switch (grng_below(&g->r, 4)) {
	case 0:
		fprintf(g->f, "<failureErrorCode>%u</failureErrorCode>\n",
		    errs[e].code);
		g->n_dec++;
		break;
	case 1:
		fprintf(g->f, "<failureErrorCode>0x%08x</failureErrorCode>\n",
		    errs[e].code);
		g->n_hex++;
		break;
	case 2:
		fprintf(g->f, "<failureErrorCode>0x%08X</failureErrorCode>\n",
		    errs[e].code);
		g->n_hex++;
		break;
	default:
		fprintf(g->f, "<failureErrorCode>%s</failureErrorCode>\n",
		    errs[e].name);
		g->n_name++;
		break;
	}
}

static void
mm_failure(struct gen *g)
{
	bool v6 = grng_below(&g->r, 8) == 0;
	size_t e = pick_error(g, false);
	bool cert = e == 2 || grng_below(&g->r, 3) == 0;
	uint64_t h = grng_next(&g->r);

	header(g, v6, true, 0, 0, 0);
	fputs("<type>FWPM_NET_EVENT_TYPE_IKEEXT_MM_FAILURE</type>\n"
	    "<ikeMmFailure>\n", g->f);
	error_code(g, e);
	fprintf(g->f, "<failurePoint>%s</failurePoint>\n<flags/>\n"
	    "<keyingModuleType>IKEEXT_KEY_MODULE_IKEV2</keyingModuleType>\n"
	    "<mmState>%s</mmState>\n<saRole>%s</saRole>\n"
	    "<mmAuthMethod>%s</mmAuthMethod>\n"
	    "<endCertHash>%016" PRIx64 "%016" PRIx64 "%08x</endCertHash>\n"
	    "<mmId>%" PRIu64 "</mmId>\n<mmFilterId>%u</mmFilterId>\n"
	    "<localPrincipalNameForAuth/>\n<remotePrincipalNameForAuth/>\n"
	    "<localPrincipalGroupSids/>\n<remotePrincipalGroupSids/>\n"
	    "<providerContextKey>{4b153735-1049-4480-aab4-d1b9bdc03710}"
	    "</providerContextKey>\n</ikeMmFailure>\n</netEvent>\n",
	    e == 0 ? "IPSEC_FAILURE_PEER" : "IPSEC_FAILURE_ME",
	    e == 1 ? "IKEEXT_MM_SA_STATE_SA_SENT" : "IKEEXT_MM_SA_STATE_FINAL",
	    grng_below(&g->r, 4) ? "IKEEXT_SA_ROLE_RESPONDER" :
	    "IKEEXT_SA_ROLE_INITIATOR",
	    cert ? "IKEEXT_CERTIFICATE" : "IKEEXT_PRESHARED_KEY",
	    cert ? h : 0, cert ? h * 31 : 0, cert ? (uint32_t)h : 0,
	    1000 + g->n_mm, 70000 + grng_below(&g->r, 50));
	g->mm[e]++;
	g->n_mm++;
	if (v6)
		g->n_v6++;
}

static void
qm_failure(struct gen *g)
{
	size_t e = pick_error(g, true);
	unsigned net = grng_below(&g->r, 200);

	header(g, false, true, 0, 0, 0);
	fputs("<type>FWPM_NET_EVENT_TYPE_IKEEXT_QM_FAILURE</type>\n"
	    "<ikeQmFailure>\n", g->f);
	error_code(g, e);
	fprintf(g->f, "<failurePoint>%s</failurePoint>\n"
	    "<keyingModuleType>IKEEXT_KEY_MODULE_IKEV2</keyingModuleType>\n"
	    "<qmState>IKEEXT_QM_SA_STATE_INITIAL</qmState>\n"
	    "<saRole>IKEEXT_SA_ROLE_RESPONDER</saRole>\n"
	    "<saTrafficType>IPSEC_TRAFFIC_TYPE_TUNNEL</saTrafficType>\n"
	    "<localSubNet>\n<type>FWP_V4_ADDR_MASK</type>\n<v4AddrMask>\n"
	    "<addr>10.0.0.0</addr>\n<mask>255.0.0.0</mask>\n</v4AddrMask>\n"
	    "</localSubNet>\n<remoteSubNet>\n<type>FWP_V4_ADDR_MASK</type>\n"
	    "<v4AddrMask>\n<addr>10.200.%u.0</addr>\n<mask>255.255.255.0"
	    "</mask>\n</v4AddrMask>\n</remoteSubNet>\n"
	    "<qmFilterId>%u</qmFilterId>\n<mmSaLuid>%" PRIu64 "</mmSaLuid>\n"
	    "<mmProviderContextKey>{4b153735-1049-4480-aab4-d1b9bdc03710}"
	    "</mmProviderContextKey>\n</ikeQmFailure>\n</netEvent>\n",
	    e == 7 ? "IPSEC_FAILURE_PEER" : "IPSEC_FAILURE_ME", net,
	    71000 + grng_below(&g->r, 50), 5000 + g->n_qm);
	g->qm[e]++;
	g->n_qm++;
}

static int
parse_size(const char *arg, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno != 0 || end == arg)
		return -1;
	if (*end == 'G' || *end == 'g')
		v <<= 30;
	else if (*end == 'M' || *end == 'm')
		v <<= 20;
	else if (*end == 'K' || *end == 'k')
		v <<= 10;
	if (*end != '\0')
		end++;
	if (*end != '\0' || v == 0 || v > (1ull << 40))
		return -1;
	*out = v;
	return 0;
}

static void
report(const struct gen *g, uint64_t bytes)
{
	size_t i;

	printf("bytes %" PRIu64 "\nevents %" PRIu64 "\nclassify_drop %" PRIu64
	    "\nike_mm_failure %" PRIu64 "\nike_qm_failure %" PRIu64
	    "\nipv6_events %" PRIu64 "\nrendering_decimal %" PRIu64
	    "\nrendering_hex %" PRIu64 "\nrendering_name %" PRIu64 "\n", bytes,
	    g->n_drop + g->n_mm + g->n_qm, g->n_drop, g->n_mm, g->n_qm,
	    g->n_v6, g->n_dec, g->n_hex, g->n_name);
	for (i = 0; i < NERR; i++)
		printf("error %u %s %" PRIu64 " mm %" PRIu64 " qm %" PRIu64
		    "\n", errs[i].code, errs[i].name, g->mm[i] + g->qm[i],
		    g->mm[i], g->qm[i]);
}

int
main(int argc, char **argv)
{
	static char iobuf[1u << 22];
	struct gen g;
	uint64_t size = 0, seed = 1;
	const char *out = NULL;
	int a;

	memset(&g, 0, sizeof(g));
	for (a = 1; a + 1 < argc; a += 2) {
		if (strcmp(argv[a], "--size") == 0) {
			if (parse_size(argv[a + 1], &size) != 0)
				break;
		} else if (strcmp(argv[a], "--seed") == 0) {
			char *end;

			seed = strtoull(argv[a + 1], &end, 10);
			if (*end != '\0')
				break;
		} else if (strcmp(argv[a], "--out") == 0) {
			out = argv[a + 1];
		} else {
			break;
		}
	}
	if (a != argc || out == NULL || size == 0) {
		fprintf(stderr, "usage: gen_winxml --size N[KMG] [--seed N] "
		    "--out FILE\n");
		return 2;
	}
	g.f = fopen(out, "w");
	if (g.f == NULL) {
		fprintf(stderr, "gen_winxml: %s: %s\n", out, strerror(errno));
		return 1;
	}
	setvbuf(g.f, iobuf, _IOFBF, sizeof(iobuf));
	grng_seed(&g.r, seed);
	g.t_ms = T_START_MS;
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<wfpdiag>\n"
	    "<sysInfo>\n<machineName>BENCH-GW01</machineName>\n</sysInfo>\n"
	    "<initialState>\n<providers numItems=\"0\"/>\n</initialState>\n"
	    "<events>\n", g.f);
	while ((uint64_t)ftello(g.f) < size) {
		unsigned r = grng_below(&g.r, 100);

		if (r < 70)
			classify_drop(&g);
		else if (r < 90)
			mm_failure(&g);
		else
			qm_failure(&g);
		g.t_ms += grng_below(&g.r, 40);
	}
	fputs("</events>\n</wfpdiag>\n", g.f);
	report(&g, (uint64_t)ftello(g.f));
	if (fclose(g.f) != 0) {
		fprintf(stderr, "gen_winxml: %s: write error\n", out);
		return 1;
	}
	return 0;
}
