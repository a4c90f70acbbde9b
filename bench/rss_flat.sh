#!/usr/bin/env bash
# Shows that the analyzer's memory does not grow with the capture: peak RSS
# of `wfpdiag analyze --format text` on bench/data/gen-200M.pcap and
# gen-2G.pcap (made by bench/run_analyze_bench.sh or gen_capture), next to
# pcap_loop for reference. Target (issue 2): <= 64 MiB and flat.
#
# usage: bench/rss_flat.sh
set -euo pipefail
cd "$(dirname "$0")/.."
B=build/release
D=bench/data
for sz in 200M 2G; do
	[ -s "$D/gen-$sz.pcap" ] || "$B/bench/gen_capture" --size $sz --seed 1 \
	    --out "$D/gen-$sz.pcap" >/dev/null
done
rss() {
	/usr/bin/time -v "$@" 2>&1 >/dev/null |
	    awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }'
}
printf "%-32s %12s %12s %8s\n" tool "200M MiB" "2G MiB" "2G/200M"
tools=("$B/bench/pcap_loop")
if "$B/cli/wfpdiag" analyze --format text samples/ok-psk-esp.pcap >/dev/null 2>&1
then
	tools+=("$B/cli/wfpdiag analyze --format text")
else
	echo "(wfpdiag analyze not available in this build)"
fi
for t in "${tools[@]}"; do
	# shellcheck disable=SC2086
	a=$(rss $t "$D/gen-200M.pcap")
	# shellcheck disable=SC2086
	b=$(rss $t "$D/gen-2G.pcap")
	printf "%-32s %12s %12s %8.2f\n" "${t#"$B"/}" "$a" "$b" \
	    "$(awk -v a="$a" -v b="$b" 'BEGIN { print b / a }')"
done
