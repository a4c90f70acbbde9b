#!/usr/bin/env bash
# Cabinet packaging benchmark (issue 4): `wfpdiag pack` against `gzip -6`
# on the same capture, in one run: wall and CPU seconds, throughput,
# output size and size relative to gzip, for deflate levels 6/5/4 and for
# one compression thread versus all CPUs. Prints a Markdown table for
# BENCHMARKS.md ("Cabinet packaging").
#
# usage: bench/cab_bench.sh [SIZE_MB [REPS]]     (default 1024 MB, 3 reps)
#   BENCH_INPUT=file  use this capture instead of generating one
#   BENCH_DIR=dir     work directory (default: a new one under /tmp)
# The input comes from bench/cab_gencap (pcap of IKE/ESP-looking packets,
# mixed compressibility, fixed seed) unless BENCH_INPUT names a capture.
# Each figure is the best (lowest wall time) of REPS runs, with runs
# interleaved so a busy machine hurts every tool alike.
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${1:-1024}
reps=${2:-3}
bin=build/release/cli/wfpdiag
gen=build/release/bench/cab_gencap
[ -x "$bin" ] && [ -x "$gen" ] || scripts/build.sh release
work=${BENCH_DIR:-$(mktemp -d /tmp/cab-bench.XXXXXX)}
mkdir -p "$work"
if [ -n "${BENCH_INPUT:-}" ]; then
	in=$BENCH_INPUT
	source="$BENCH_INPUT"
else
	in=$work/capture.pcap
	[ -s "$in" ] || "$gen" "$in" "$mb"
	source="bench/cab_gencap $mb MB (seeded pcap of IKE/ESP-looking packets)"
fi
insize=$(stat -c %s "$in")
cat "$in" >/dev/null # page cache: every tool reads from memory

# name|command writing $out
configs=(
	"gzip -6|gzip -6 -c '$in' > \"\$out\""
	"pack -l 6 (all CPUs)|$bin pack -q -l 6 \"\$out\" '$in'"
	"pack -l 6 -j 0 (1 thread)|$bin pack -q -l 6 -j 0 \"\$out\" '$in'"
	"pack -l 5 (all CPUs)|$bin pack -q -l 5 \"\$out\" '$in'"
	"pack -l 4 (all CPUs)|$bin pack -q -l 4 \"\$out\" '$in'"
)
declare -A best_wall best_cpu size
for ((r = 1; r <= reps; r++)); do
	for i in "${!configs[@]}"; do
		name=${configs[$i]%%|*}
		cmd=${configs[$i]#*|}
		out=$work/out.$i
		rm -f "$out"
		/usr/bin/time -f "%e %U %S" -o "$work/time" \
		    bash -c "out='$out'; $cmd"
		read -r wall user sys <"$work/time"
		cpu=$(echo "$user + $sys" | bc)
		if [ -z "${best_wall[$i]:-}" ] ||
		    [ "$(echo "$wall < ${best_wall[$i]}" | bc)" = 1 ]; then
			best_wall[$i]=$wall
			best_cpu[$i]=$cpu
		fi
		size[$i]=$(stat -c %s "$out")
		echo "run $r: $name: ${wall}s wall, ${cpu}s CPU, ${size[$i]} bytes" >&2
	done
done
if command -v cabextract >/dev/null; then
	mv "$work/out.1" "$work/check.cab"
	cabextract -q -t "$work/check.cab" >&2 && echo "cabextract -t: OK" >&2
fi

gz=${size[0]}
echo
echo "Input: $source, $insize bytes; $(nproc) CPUs, $(uptime | sed 's/.*load/load/')"
echo
echo "| tool | wall s | CPU s | MB/s (wall) | MB per CPU-s | output bytes | ratio | vs gzip -6 |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for i in "${!configs[@]}"; do
	name=${configs[$i]%%|*}
	awk -v n="$name" -v w="${best_wall[$i]}" -v c="${best_cpu[$i]}" \
	    -v s="${size[$i]}" -v isz="$insize" -v gz="$gz" 'BEGIN {
		printf "| %s | %.2f | %.2f | %.1f | %.1f | %d | %.1f%% | %+.2f%% |\n",
		    n, w, c, isz / 1048576 / w, isz / 1048576 / c, s,
		    100 * s / isz, 100 * (s - gz) / gz }'
done
[ -n "${BENCH_DIR:-}" ] || rm -rf "$work"
