#!/usr/bin/env bash
# Analyzer throughput and memory benchmark (issue 2), one run, one table.
#
# Builds the release flavour, generates bench/data/gen-200M.pcap and
# gen-2G.pcap with bench/gen_capture if they are absent, then measures on
# each file, with the page cache warm:
#   read_loop      plain read(2) in 1 MiB chunks (I/O ceiling)
#   pcap_loop      pcap_open_offline + pcap_next_ex (the baseline)
#   analyze        wfpdiag analyze --format text FILE
#   tshark         tshark -r FILE -Y isakmp -T fields -e isakmp.ispi
#                  -e isakmp.rspi -e isakmp.exchangetype -e isakmp.messageid
# and on gen-SIZE-keys.pcap (the same traffic with every SK payload really
# encrypted, keys in gen-SIZE.keys as a Wireshark ikev2_decryption_table;
# issue 6's decryption benchmark):
#   pcap_loop      the baseline again, on this file
#   analyze --keys wfpdiag analyze --format text --keys KEYS FILE
# Wall time is the best of RUNS (default 5) runs (tshark: 1 run); the
# baseline and wfpdiag run alternately, so both see the same machine.
# Peak RSS comes from /usr/bin/time -v ("Maximum resident set size"). Ratios are throughput
# relative to pcap_loop measured in the same run (1.00 = as fast as the
# bare libpcap loop; targets: analyze >= 0.80, RSS <= 64 MiB and flat).
# tshark runs on the 2 GB file only if its 200 MB time projects to under
# TSHARK_2G_MAX seconds (default 900).
#
# The table goes to bench/results/analyze.md and stdout, together with the
# load average before and after. Run it on a quiet machine.
#
# Then the Windows XML reader: bench/data/gen-winxml-500M.xml (gen_winxml),
# timed with read_loop, `xmllint --stream --noout` (libxml2's streaming
# reader alone: the ceiling for a libxml2-based reader) and
# `wfpdiag analyze --format text FILE.xml`; table in bench/results/winxml.md.
#
# usage: bench/run_analyze_bench.sh [--quick]   (--quick: 200 MB only)
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
[ "${1:-}" = "--quick" ] && quick=1
B=build/release
D=bench/data
R=bench/results
RUNS=${RUNS:-5}
TSHARK_2G_MAX=${TSHARK_2G_MAX:-900}
mkdir -p "$D" "$R/raw"

if ! scripts/build.sh release; then
	echo "run_analyze_bench: full build failed; building the bench tools" \
	    "only (wfpdiag rows will say n/a)" >&2
	cmake --build "$B" --target gen_capture gen_winxml pcap_loop \
	    read_loop >/dev/null
fi
for sz in 200M 2G; do
	[ $quick -eq 1 ] && [ $sz = 2G ] && continue
	f=$D/gen-$sz.pcap
	if [ ! -s "$f" ]; then
		echo "generating $f" >&2
		"$B/bench/gen_capture" --size $sz --seed 1 --out "$f" \
		    >"$R/raw/gen-$sz.txt"
	fi
	f=$D/gen-$sz-keys.pcap
	if [ ! -s "$f" ] || [ ! -s "$D/gen-$sz.keys" ]; then
		echo "generating $f" >&2
		"$B/bench/gen_capture" --size $sz --seed 1 --out "$f" \
		    --keys "$D/gen-$sz.keys" >"$R/raw/gen-$sz-keys.txt"
	fi
done

have_analyze=0
if "$B/cli/wfpdiag" analyze --format text samples/ok-psk-esp.pcap \
    >/dev/null 2>"$R/raw/analyze-probe.err" &&
    ! grep -q "not built yet" "$R/raw/analyze-probe.err"; then
	have_analyze=1
fi
have_tshark=0
command -v tshark >/dev/null 2>&1 && have_tshark=1

# run_once NAME FILE CMD... -> sets WALL (s) and RSS (KiB)
run_once() {
	local name=$1 t0 t1
	shift 2
	t0=$(date +%s%N)
	/usr/bin/time -v -o "$R/raw/$name.time" "$@" >/dev/null \
	    2>"$R/raw/$name.err"
	t1=$(date +%s%N)
	WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
	RSS=$(awk -F': ' '/Maximum resident set size/ { print $2 }' \
	    "$R/raw/$name.time")
	CPU=$(awk -F': ' '/User time|System time/ { s += $2 }
	    END { printf "%.2f", s }' "$R/raw/$name.time")
}

# best NAME RUNS CMD... -> BEST_WALL, BEST_RSS (max over runs)
best() {
	local name=$1 runs=$2 i
	shift 2
	BEST_WALL=""
	BEST_CPU=""
	BEST_RSS=0
	for i in $(seq "$runs"); do
		run_once "$name" x "$@"
		if [ -z "$BEST_WALL" ] || awk -v a="$WALL" -v b="$BEST_WALL" \
		    'BEGIN { exit !(a < b) }'; then
			BEST_WALL=$WALL
		fi
		if [ -z "$BEST_CPU" ] || awk -v a="$CPU" -v b="$BEST_CPU" \
		    'BEGIN { exit !(a < b) }'; then
			BEST_CPU=$CPU
		fi
		if [ "$RSS" -gt "$BEST_RSS" ]; then
			BEST_RSS=$RSS
		fi
	done
}

# pair NAME_A NAME_B RUNS: runs the commands in the arrays CMD_A, CMD_B
# alternately, RUNS times each, so that a machine that speeds up or slows
# down between minutes (a VM's neighbours) weighs on the tool and its
# baseline alike. Sets WALL_A CPU_A RSS_A and WALL_B CPU_B RSS_B (best
# wall, best cpu, peak RSS of each).
pair() {
	local na=$1 nb=$2 runs=$3 i side
	for side in A B; do
		eval "WALL_$side= CPU_$side= RSS_$side=0"
	done
	for i in $(seq "$runs"); do
		for side in A B; do
			if [ $side = A ]; then
				run_once "$na" x "${CMD_A[@]}"
			else
				run_once "$nb" x "${CMD_B[@]}"
			fi
			eval "bw=\$WALL_$side bc=\$CPU_$side br=\$RSS_$side"
			if [ -z "$bw" ] || awk -v a="$WALL" -v b="$bw" \
			    'BEGIN { exit !(a < b) }'; then
				eval "WALL_$side=$WALL"
			fi
			if [ -z "$bc" ] || awk -v a="$CPU" -v b="$bc" \
			    'BEGIN { exit !(a < b) }'; then
				eval "CPU_$side=$CPU"
			fi
			if [ "$RSS" -gt "$br" ]; then
				eval "RSS_$side=$RSS"
			fi
		done
	done
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
rows=()
for sz in 200M 2G; do
	[ $quick -eq 1 ] && [ $sz = 2G ] && continue
	f=$D/gen-$sz.pcap
	bytes=$(stat -c %s "$f")
	cat "$f" >/dev/null		# warm the page cache
	best "read-$sz" "$RUNS" "$B/bench/read_loop" "$f"
	rows+=("$sz|read_loop (read(2), 1 MiB)|$BEST_WALL|$BEST_RSS|$BEST_CPU")
	if [ $have_analyze -eq 1 ]; then
		CMD_A=("$B/bench/pcap_loop" "$f")
		CMD_B=("$B/cli/wfpdiag" analyze --format text "$f")
		pair "pcap-$sz" "analyze-$sz" "$RUNS"
		rows+=("$sz|pcap_loop (libpcap baseline)|$WALL_A|$RSS_A|$CPU_A")
		rows+=("$sz|wfpdiag analyze --format text|$WALL_B|$RSS_B|$CPU_B")
	else
		best "pcap-$sz" "$RUNS" "$B/bench/pcap_loop" "$f"
		rows+=("$sz|pcap_loop (libpcap baseline)|$BEST_WALL|$BEST_RSS|$BEST_CPU")
		WALL_A=$BEST_WALL CPU_A=$BEST_CPU
		rows+=("$sz|wfpdiag analyze --format text|n/a|n/a")
	fi
	base=$WALL_A
	cbase=$CPU_A
	if [ $have_tshark -eq 1 ]; then
		if [ $sz = 2G ] && [ -n "${T200:-}" ] && awk -v t="$T200" \
		    -v m="$TSHARK_2G_MAX" 'BEGIN { exit !(t * 10 > m) }'; then
			rows+=("$sz|tshark -Y isakmp -T fields|skipped (200M took ${T200}s, 2G projects > ${TSHARK_2G_MAX}s)|")
		else
			best "tshark-$sz" 1 tshark -r "$f" -Y isakmp -T fields \
			    -e isakmp.ispi -e isakmp.rspi \
			    -e isakmp.exchangetype -e isakmp.messageid
			[ $sz = 200M ] && T200=$BEST_WALL
			rows+=("$sz|tshark -Y isakmp -T fields|$BEST_WALL|$BEST_RSS|$BEST_CPU")
		fi
	fi
	eval "BASE_$sz=$base CBASE_$sz=$cbase BYTES_$sz=$bytes"
	# Decryption: its own baseline on its own file.
	k=$D/gen-$sz-keys.pcap
	ksz=$sz-keys
	cat "$k" >/dev/null
	if [ $have_analyze -eq 1 ]; then
		CMD_A=("$B/bench/pcap_loop" "$k")
		CMD_B=("$B/cli/wfpdiag" analyze --format text --keys \
		    "$D/gen-$sz.keys" "$k")
		pair "pcap-$ksz" "analyze-$ksz" "$RUNS"
		rows+=("$ksz|pcap_loop (libpcap baseline)|$WALL_A|$RSS_A|$CPU_A")
		rows+=("$ksz|wfpdiag analyze --format text --keys|$WALL_B|$RSS_B|$CPU_B")
		"$B/cli/wfpdiag" analyze --format text --keys "$D/gen-$sz.keys" \
		    "$k" >"$R/raw/analyze-$ksz.txt" 2>&1 || true
	else
		best "pcap-$ksz" "$RUNS" "$B/bench/pcap_loop" "$k"
		rows+=("$ksz|pcap_loop (libpcap baseline)|$BEST_WALL|$BEST_RSS|$BEST_CPU")
		WALL_A=$BEST_WALL CPU_A=$BEST_CPU
	fi
	kbase=$WALL_A
	kcbase=$CPU_A
	eval "BASE_${sz}_keys=$kbase CBASE_${sz}_keys=$kcbase BYTES_${sz}_keys=$(stat -c %s "$k")"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

{
	echo "# Analyzer benchmark ($(date -u +%Y-%m-%dT%H:%MZ))"
	echo
	echo "Machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM,"
	echo "$(uname -sr); load average before: $load_before, after: $load_after."
	echo "Page cache warm; wall = best of $RUNS, pcap_loop and wfpdiag run"
	echo "alternately (tshark: 1 run); RSS = peak"
	echo "(/usr/bin/time -v); cpu = user+sys, best run; x pcap_loop ="
	echo "pcap_loop time / tool time (wall; cpu: the same with CPU time, less"
	echo "sensitive to a busy machine)."
	[ $have_analyze -eq 1 ] || echo "wfpdiag analyze: not available in this build ($(head -c 120 "$R/raw/analyze-probe.err" | tr '\n' ' '))."
	echo
	echo "| file | tool | wall s | cpu s | MB/s | peak RSS MiB | x pcap_loop (wall) | x pcap_loop (cpu) |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|"
	for r in "${rows[@]}"; do
		IFS='|' read -r sz tool wall rss cpu <<<"$r"
		v=${sz//-/_}
		eval "base=\$BASE_$v cbase=\$CBASE_$v bytes=\$BYTES_$v"
		if [[ "$wall" =~ ^[0-9.]+$ ]]; then
			awk -v sz="$sz" -v tool="$tool" -v w="$wall" -v r="$rss" \
			    -v b="$base" -v n="$bytes" -v c="$cpu" \
			    -v cb="$cbase" 'BEGIN {
				printf "| %s | %s | %.3f | %.2f | %.0f | %.1f | %.2f | %s |\n",
				    sz, tool, w, c, n / 1e6 / w, r / 1024, b / w,
				    (c > 0 ? sprintf("%.2f", cb / c) : "-") }'
		else
			echo "| $sz | $tool | $wall | | | | | |"
		fi
	done
} | tee "$R/analyze.md"

# ---- Windows XML reader -------------------------------------------------
[ $quick -eq 1 ] && exit 0
x=$D/gen-winxml-500M.xml
[ -s "$x" ] || "$B/bench/gen_winxml" --size 500M --seed 1 --out "$x" \
    >"$R/raw/gen-winxml-500M.txt"
xbytes=$(stat -c %s "$x")
cat "$x" >/dev/null
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
xrows=()
best "xread" "$RUNS" "$B/bench/read_loop" "$x"
xrows+=("read_loop (read(2), 1 MiB)|$BEST_WALL|$BEST_RSS")
if command -v xmllint >/dev/null 2>&1; then
	best "xmllint" 3 xmllint --stream --noout "$x"
	xbase=$BEST_WALL
	xrows+=("xmllint --stream --noout (libxml2 reader)|$BEST_WALL|$BEST_RSS")
fi
if "$B/cli/wfpdiag" analyze --format text "$x" >/dev/null \
    2>"$R/raw/winxml-probe.err" &&
    ! grep -q "not built yet" "$R/raw/winxml-probe.err"; then
	best "xanalyze" 3 "$B/cli/wfpdiag" analyze --format text "$x"
	xrows+=("wfpdiag analyze --format text|$BEST_WALL|$BEST_RSS")
else
	xrows+=("wfpdiag analyze --format text|n/a|")
fi
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
{
	echo "# Windows XML reader benchmark ($(date -u +%Y-%m-%dT%H:%MZ))"
	echo
	echo "File: $x, $xbytes bytes (gen_winxml --size 500M --seed 1)."
	echo "Load average before: $load_before, after: $load_after."
	echo "x xmllint = xmllint time / tool time."
	[ -s "$R/raw/winxml-probe.err" ] && echo "wfpdiag analyze on XML: $(head -c 160 "$R/raw/winxml-probe.err" | tr '\n' ' ')"
	echo
	echo "| tool | wall s | MB/s | peak RSS MiB | x xmllint |"
	echo "|---|---:|---:|---:|---:|"
	for r in "${xrows[@]}"; do
		IFS='|' read -r tool wall rss <<<"$r"
		if [[ "$wall" =~ ^[0-9.]+$ ]]; then
			awk -v tool="$tool" -v w="$wall" -v r="$rss" \
			    -v b="${xbase:-0}" -v n="$xbytes" 'BEGIN {
				printf "| %s | %.3f | %.0f | %.1f | %s |\n",
				    tool, w, n / 1e6 / w, r / 1024,
				    (b > 0 ? sprintf("%.2f", b / w) : "") }'
		else
			echo "| $tool | $wall | | | |"
		fi
	done
} | tee "$R/winxml.md"
