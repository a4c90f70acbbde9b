#!/usr/bin/env bash
# Windows XML reader benchmark (issue 3): reads a generated wfpdiag.xml of
# 500 MB (bench/gen_winxml) through formats/wfpxml + analyze/winxml_import
# + per-peer statistics, checks the tally against what the generator
# printed, and shows peak RSS flat between a 50 MB and a 500 MB file.
# Figures go to the "Windows XML reader" section of BENCHMARKS.md.
#
# usage: bench/winxml_bench.sh [SIZE]      (default 500M; needs a release
#        build: scripts/build.sh release)
#
# The reader driver (winxml_read) is compiled here from the heredoc below
# against build/release's static libraries: bench/*.c tools deliberately
# link none of our libraries (bench/CMakeLists.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
B=build/release
D=bench/data
R=bench/results/raw
SIZE=${1:-500M}
mkdir -p "$D" "$R"
[ -x "$B/bench/gen_winxml" ] || cmake --build "$B" --target gen_winxml >/dev/null
cmake --build "$B" --target wfp_analyze wfp_formats >/dev/null

cat >"$B/winxml_read.c" <<'C'
/*
 * winxml_read: reads a Windows wfpdiag.xml / netevents.xml through the
 * project's reader (formats/wfpxml + analyze/winxml_import + per-peer
 * statistics) and prints its tally in gen_winxml's "key value" format,
 * so bench/winxml_bench.sh can compare the two and measure time and
 * peak RSS of the reader alone (no analyzer around it).
 *
 *   winxml_read [--no-peers] FILE
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/winerr.h"
#include "analyze/winxml_import.h"

struct tally {
	uint64_t mm, qm, other;
	struct winxml_peer_stats *peers;
};

static enum rc
count(void *ctx, const struct fail_event *ev)
{
	struct tally *t = ctx;

	if (ev->type == EVENT_MM_FAILURE)
		t->mm++;
	else if (ev->type == EVENT_QM_FAILURE)
		t->qm++;
	else
		t->other++;
	/* LIMIT (peer table full) is counted by the stats themselves */
	if (t->peers != NULL)
		(void)!winxml_peer_stats_add(t->peers, ev);
	return RC_OK;
}

int
main(int argc, char **argv)
{
	struct winxml_import *wi;
	struct tally t = {0};
	const struct winxml_stats *st;
	const struct freq_item *rows;
	size_t n, i, np = 0;
	bool peers = argc == 2;
	enum rc rc;

	if (argc != 2 && (argc != 3 || strcmp(argv[1], "--no-peers") != 0)) {
		fprintf(stderr, "usage: winxml_read [--no-peers] FILE\n");
		return 2;
	}
	wi = winxml_import_new();
	t.peers = peers ? winxml_peer_stats_new() : NULL;
	if (wi == NULL || (peers && t.peers == NULL))
		return 1;
	rc = winxml_import_path(wi, argv[argc - 1], count, &t);
	if (rc != RC_OK)
		fprintf(stderr, "winxml_read: %s\n", winxml_import_errmsg(wi));
	st = winxml_import_stats(wi);
	if (peers)
		(void)winxml_peer_stats_sorted(t.peers, &np);
	printf("events %" PRIu64 "\nclassify_drop %" PRIu64
	    "\nike_mm_failure %" PRIu64 "\nike_qm_failure %" PRIu64
	    "\nother_failures %" PRIu64 "\nunreadable %" PRIu64
	    "\npeers %zu\n", st->net_events, st->skipped, t.mm, t.qm,
	    t.other, st->unreadable, np);
	rows = winxml_import_rebuilt_table(wi, &n);
	for (i = 0; i < n; i++)
		printf("error %" PRIu32 " %s %" PRIu64 "\n", rows[i].win_error,
		    winerr_name(rows[i].win_error), rows[i].frequency);
	winxml_peer_stats_free(t.peers);
	winxml_import_free(wi);
	return rc == RC_OK ? 0 : 1;
}
C
# shellcheck disable=SC2046
cc -std=c11 -O2 -D_GNU_SOURCE -I. $(pkg-config --cflags libxml-2.0) \
    -o "$B/winxml_read" "$B/winxml_read.c" "$B/analyze/libwfp_analyze.a" \
    "$B/formats/libwfp_formats.a" $(pkg-config --libs libxml-2.0 libpcap \
    libarchive zlib libcrypto)

rss_of() {	# "peak-RSS-MiB wall-s cpu-s" of a command (cpu = user + sys,
		# steadier than wall on a loaded machine)
	/usr/bin/time -f '%M %e %U %S' -o "$R/time.$$" "$@" >"$R/out.$$" ||
	    true
	read -r kib secs u s <"$R/time.$$"
	awk -v k="$kib" -v w="$secs" -v u="$u" -v s="$s" \
	    'BEGIN { printf "%.1f %s %.2f", k / 1024, w, u + s }'
}

gen() {	# gen SIZE -> file, with the generator's counts beside it
	local f="$D/gen-winxml-$1.xml"
	if [ ! -s "$f" ] || [ ! -s "$f.counts" ]; then
		"$B/bench/gen_winxml" --size "$1" --seed 1 --out "$f" >"$f.counts"
	fi
	echo "$f"
}

check() {	# compare winxml_read's tally with the generator's
	local counts=$1 got=$2 bad=0 k
	for k in events classify_drop ike_mm_failure ike_qm_failure; do
		want=$(awk -v k=$k '$1 == k { print $2 }' "$counts")
		have=$(awk -v k=$k '$1 == k { print $2 }' "$got")
		[ "$want" = "$have" ] || { echo "MISMATCH $k: generator $want, reader $have"; bad=1; }
	done
	while read -r _ code name total _; do
		have=$(awk -v c="$code" '$1 == "error" && $2 == c { print $4 }' "$got")
		[ "$total" = "${have:-0}" ] || { echo "MISMATCH error $code $name: generator $total, reader ${have:-0}"; bad=1; }
	done < <(grep '^error ' "$counts")
	return $bad
}

small=$(gen 50M)
big=$(gen "$SIZE")
read -r rss_s wall_s cpu_s <<<"$(rss_of "$B/winxml_read" "$small")"
cp "$R/out.$$" "$R/winxml-read-50M.txt"
read -r rss_b wall_b cpu_b <<<"$(rss_of "$B/winxml_read" "$big")"
cp "$R/out.$$" "$R/winxml-read-$SIZE.txt"
read -r rss_ns wall_ns cpu_ns <<<"$(rss_of "$B/winxml_read" --no-peers "$small")"
read -r rss_nb wall_nb cpu_nb <<<"$(rss_of "$B/winxml_read" --no-peers "$big")"
read -r rss_x wall_x cpu_x <<<"$(rss_of xmllint --stream --noout "$big")"
# The whole CLI: import, analysis, summary and the XML report (streamed
# through report_xml's spools), then the report checked against the XSD.
W=$B/cli/wfpdiag
read -r rss_cs wall_cs cpu_cs <<<"$(rss_of "$W" analyze -f both \
    -o "$D/report-50M.xml" "$small")"
read -r rss_cb wall_cb cpu_cb <<<"$(rss_of "$W" analyze -f both \
    -o "$D/report-$SIZE.xml" "$big")"
if xmllint --noout --stream --schema docs/wfpdiag-report.xsd \
    "$D/report-$SIZE.xml" 2>"$R/report-validate.txt"; then
	valid="valid"
else
	valid="INVALID ($(head -c 200 "$R/report-validate.txt"))"
fi
rbytes=$(stat -c %s "$D/report-$SIZE.xml")
rm -f "$R/time.$$" "$R/out.$$"
peers_s=$(awk '$1 == "peers" { print $2 }' "$R/winxml-read-50M.txt")
peers_b=$(awk '$1 == "peers" { print $2 }' "$R/winxml-read-$SIZE.txt")
status=ok
check "$small.counts" "$R/winxml-read-50M.txt" || status=MISMATCH
check "$big.counts" "$R/winxml-read-$SIZE.txt" || status=MISMATCH
bytes=$(stat -c %s "$big")
echo "## Windows XML reader"
echo
echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)."
echo "bench/winxml_bench.sh: gen_winxml --seed 1 files, read by winxml_read"
echo "(formats/wfpxml + analyze/winxml_import + winxml_peer_stats)."
echo "Tally vs generator: $status (events, classify drops, MM/QM failures, every error code)."
echo
echo "| input | tool | wall s | CPU s | MB/s (CPU) | peak RSS MiB |"
echo "|---|---|---:|---:|---:|---:|"
row() {	# row LABEL TOOL WALL CPU RSS BYTES
	awk -v l="$1" -v t="$2" -v w="$3" -v c="$4" -v r="$5" -v b="$6" \
	    'BEGIN { printf "| %s | %s | %s | %s | %.0f | %s |\n", l, t, w, c,
	    b / 1e6 / (c > 0 ? c : 0.01), r }'
}
sbytes=$(stat -c %s "$small")
row 50M "winxml_read --no-peers (reader + import)" "$wall_ns" "$cpu_ns" "$rss_ns" "$sbytes"
row "$SIZE" "winxml_read --no-peers (reader + import)" "$wall_nb" "$cpu_nb" "$rss_nb" "$bytes"
row 50M "winxml_read (+ peer stats, $peers_s peers)" "$wall_s" "$cpu_s" "$rss_s" "$sbytes"
row "$SIZE" "winxml_read (+ peer stats, $peers_b peers)" "$wall_b" "$cpu_b" "$rss_b" "$bytes"
row "$SIZE" "xmllint --stream --noout" "$wall_x" "$cpu_x" "$rss_x" "$bytes"
row 50M "wfpdiag analyze -f both (summary + XML report)" "$wall_cs" \
    "$cpu_cs" "$rss_cs" "$sbytes"
row "$SIZE" "wfpdiag analyze -f both (summary + XML report)" "$wall_cb" \
    "$cpu_cb" "$rss_cb" "$bytes"
echo
echo "Peak RSS $SIZE / 50M, reader + import: $(awk -v a="$rss_ns" -v b="$rss_nb" 'BEGIN { printf "%.2f", b / a }') (flat = about 1)."
echo "The $SIZE input's report ($rbytes bytes) against docs/wfpdiag-report.xsd"
echo "(xmllint --stream --schema): $valid."
echo "The peer table grows with distinct remote addresses (about 200 bytes"
echo "each, capped at LIMIT_WINXML_PEERS = 65536), not with the file size."
[ "$status" = ok ] && [ "$valid" = valid ]
