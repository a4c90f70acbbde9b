#!/usr/bin/env bash
# Capture benchmark (BENCHMARKS.md "Capture"): packets per second that
# `wfpdiag capture` records without kernel drops, side by side with
# `tcpdump -w` on the same traffic in the same run, and CPU per packet.
#
#   bench/capture_bench.sh [BUILD_DIR] [SECONDS] [RATE ...]   (RATE 0 = flat out)
#   MODE=separate|together (default separate), REPEAT=N (default 3)
#
# Traffic: bench/gen_capture's gateway mix (IKE, NAT-T, ESP, ESP-in-UDP,
# IP fragments; Ethernet) replayed by bench/replay_raw from namespace
# "gen" into a veth pair whose other end lives in namespace "cap", where
# both capturers listen on the same interface with the same filter and the
# same 32 MiB kernel buffer. Needs root. Cleans up on exit.
#   IMMEDIATE=1: both in libpcap immediate mode (see start_tcpdump).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
secs=${2:-5}
shift $(( $# >= 2 ? 2 : $# ))
rates=("$@")
[ ${#rates[@]} -eq 0 ] && rates=(20000 50000 100000 200000 0)
wfpdiag=$PWD/$build/cli/wfpdiag
replay=$PWD/$build/bench/replay_raw
gen=$PWD/$build/bench/gen_capture
# keep in sync with capture/pcap_live.h PCAP_LIVE_FILTER
filter='udp port 500 or udp port 4500 or ip proto 50 or ip6 proto 50 or (ip and ip[6:2] & 0x1fff != 0) or (ip6 and ip6[6] == 44) or (icmp and icmp[0] == 3 and (icmp[17] == 17 or icmp[17] == 50)) or (ip6 and ip6[6] == 58 and ip6[40] == 1)'
tmp=$(mktemp -d /tmp/wfpdiag-capbench-XXXXXX)
g=wfpb-g-$$ c=wfpb-c-$$
hz=$(getconf CLK_TCK)

cleanup() {
	set +e
	[ -n "${tdpid:-}" ] && kill "$tdpid" 2>/dev/null
	if [ -f "$tmp/rt/state" ]; then
		kill -9 "$(sed -n 's/^pid=//p' "$tmp/rt/state")" 2>/dev/null
	fi
	ip netns del "$g" 2>/dev/null
	ip netns del "$c" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

for t in "$wfpdiag" "$replay" "$gen"; do
	[ -x "$t" ] || { echo "missing $t (scripts/build.sh release)" >&2; exit 1; }
done
command -v tcpdump >/dev/null || { echo "needs tcpdump" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 1; }

"$gen" --size 30M --seed 1 --out "$tmp/traffic.pcap" --linktype eth >/dev/null
ip netns add "$g"
ip netns add "$c"
ip link add vg netns "$g" type veth peer name vc netns "$c"
ip -n "$g" link set vg up
ip -n "$c" link set vc up
ip -n "$g" link set lo up
ip -n "$c" link set lo up

cpu() {	# utime+stime ticks of a pid
	awk '{ s = $0; sub(/.*\) /, "", s); split(s, f, " ");
	    print f[12] + f[13] }' "/proc/$1/stat"
}

start_wfpdiag() {
	rm -rf "$tmp/rt" "$tmp/out.cab" "$tmp/.out.cab.staging"
	mkdir -p "$tmp/rt"
	WFPDIAG_RUNTIME_DIR=$tmp/rt ip netns exec "$c" "$wfpdiag" capture start \
	    -i vc --no-keys --vici "" --enfy "" ${imm_w[@]+"${imm_w[@]}"} \
	    --file "$tmp/out.cab" >/dev/null
	wpid=$(sed -n 's/^pid=//p' "$tmp/rt/state")
}
stop_wfpdiag() {	# sets wcap wdrop
	kill -TERM "$wpid"
	for _ in $(seq 100); do kill -0 "$wpid" 2>/dev/null || break; sleep 0.05; done
	wcap=$(sed -n 's/^written=//p' "$tmp/rt/stats")
	wdrop=$(sed -n 's/^dropped=//p' "$tmp/rt/stats")
	rm -rf "$tmp/.out.cab.staging" "$tmp/rt"
}
# IMMEDIATE=1 runs both capturers in libpcap's immediate mode
# (wfpdiag --immediate, tcpdump --immediate-mode); by default both
# receive packets in blocks, as `tcpdump -w` and `wfpdiag capture` do.
imm_w=() imm_t=()
if [ "${IMMEDIATE:-0}" = 1 ]; then imm_w=(--immediate); imm_t=(--immediate-mode); fi
start_tcpdump() {
	rm -f "$tmp/td.pcap"
	ip netns exec "$c" tcpdump -i vc -w "$tmp/td.pcap" ${imm_t[@]+"${imm_t[@]}"} \
	    -B 32768 -s 262144 -n "$filter" 2>"$tmp/td.err" &
	tdpid=$!
}
stop_tcpdump() {	# sets tcap tdrop
	kill -INT "$tdpid"; wait "$tdpid" 2>/dev/null || true; tdpid=
	tcap=$(sed -n 's/^\([0-9]*\) packets captured/\1/p' "$tmp/td.err")
	tdrop=$(sed -n 's/^\([0-9]*\) packets dropped by kernel/\1/p' "$tmp/td.err")
}
send() {	# sets sent
	sent=$(ip netns exec "$g" "$replay" vg "$tmp/traffic.pcap" "$secs" \
	    "$rate" | awk '{print $2}')
}
row() {	# order sent wcap wdrop wticks tcap tdrop tticks
	awk -v o="$1" -v r="$rate" -v s="$2" -v wc="$3" -v wd="$4" -v w="$5" \
	    -v tc="$6" -v td="$7" -v t="$8" -v hz="$hz" -v secs="$secs" 'BEGIN {
		printf "| %s | %s | %d | %s | %s | %s | %s | %s | %s |\n",
		    o, r == 0 ? sprintf("max (%d)", s / secs) : r, s,
		    wc == "" ? "-" : wc, wd == "" ? "-" : wd,
		    wc == "" ? "-" : sprintf("%.2f", wc ? w / hz * 1e6 / wc : 0),
		    tc == "" ? "-" : tc, td == "" ? "-" : td,
		    tc == "" ? "-" : sprintf("%.2f", tc ? t / hz * 1e6 / tc : 0) }'
}

# MODE=together (both capturers on the interface at once, each order)
# or separate (each alone on the same offered traffic: no competition
# between the two for the CPU). REPEAT runs per rate and capturer.
mode=${MODE:-separate}
repeat=${REPEAT:-3}
printf '| run | offered pps | sent | wfpdiag captured | wfpdiag kernel drops | wfpdiag CPU us/pkt | tcpdump captured | tcpdump kernel drops | tcpdump CPU us/pkt |\n'
printf '|---|---|---|---|---|---|---|---|---|\n'
for rate in "${rates[@]}"; do
for n in $(seq "$repeat"); do
	if [ "$mode" = separate ]; then
		start_wfpdiag; sleep 1.5
		w0=$(cpu "$wpid"); send; sleep 1.5; w1=$(cpu "$wpid")
		stop_wfpdiag
		row "wfpdiag alone #$n" "$sent" "$wcap" "$wdrop" "$((w1 - w0))" "" "" 0
		start_tcpdump; sleep 1.5
		t0=$(cpu "$tdpid"); send; sleep 1.5; t1=$(cpu "$tdpid")
		stop_tcpdump
		row "tcpdump alone #$n" "$sent" "" "" 0 "$tcap" "$tdrop" "$((t1 - t0))"
		continue
	fi
	for order in wfpdiag-first tcpdump-first; do
		# The capturer attached first is served first by the kernel.
		if [ "$order" = wfpdiag-first ]; then
			start_wfpdiag; sleep 0.3; start_tcpdump
		else
			start_tcpdump; sleep 0.3; start_wfpdiag
		fi
		sleep 1.5
		w0=$(cpu "$wpid"); t0=$(cpu "$tdpid")
		send
		sleep 1.5
		w1=$(cpu "$wpid"); t1=$(cpu "$tdpid")
		stop_tcpdump
		stop_wfpdiag
		row "$order #$n" "$sent" "$wcap" "$wdrop" "$((w1 - w0))" \
		    "$tcap" "$tdrop" "$((t1 - t0))"
	done
done
done
