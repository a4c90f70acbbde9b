#!/usr/bin/env bash
# Builds the libFuzzer harnesses (clang, ASan+UBSan) and runs each for
# SECONDS seconds (default 60), two at a time, seeded from samples/, the
# unit-test fixtures and ../shared/corpus when present. Exits non-zero
# when a harness finds a crash, leak or sanitizer error; the input is left
# in build/fuzz/artifacts/ (add it to fuzz/regress/ with the fix).
# Figures (executions, coverage) are printed per harness.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
build=build/fuzz
cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DWFPDIAG_FUZZ=ON \
    -DWFPDIAG_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
targets=()
for f in fuzz/fuzz_*.c; do targets+=(--target "$(basename "$f" .c)"); done
cmake --build "$build" -j"$(nproc)" "${targets[@]}" >/dev/null
mkdir -p "$build/artifacts" "$build/logs"

seed() { # harness dir files...
	local dir=$1; shift
	mkdir -p "$dir"
	for f in "$@"; do [ -f "$f" ] && cp -n "$f" "$dir/" 2>/dev/null || true; done
}
shared=../shared/corpus
captures=(samples/*.pcap samples/*.pcapng)
[ -d "$shared" ] && mapfile -t -O "${#captures[@]}" captures < <(find "$shared" -name '*.pcap*' ! -name '*.out' | head -200)
seed "$build/corpus/fuzz_capture" "${captures[@]}" fuzz/regress/fuzz_capture/*
seed "$build/corpus/fuzz_packet" fuzz/regress/fuzz_packet/*
seed "$build/corpus/fuzz_ikev2" fuzz/regress/fuzz_ikev2/*
seed "$build/corpus/fuzz_sk" fuzz/regress/fuzz_sk/*
seed "$build/corpus/fuzz_cab" tests/formats/data/cab/* fuzz/regress/fuzz_cab/*
seed "$build/corpus/fuzz_winxml" tests/formats/data/wfpxml/* \
    ../shared/reference/samples/*.xml fuzz/regress/fuzz_winxml/*
seed "$build/corpus/fuzz_keytab" samples/keys/* samples/*.conf \
    "$shared"/wireshark/keys/* "$shared"/tcpdump/*secrets* \
    fuzz/regress/fuzz_keytab/*
seed "$build/corpus/fuzz_events" fuzz/regress/fuzz_events/*
# Frames, IKE messages, SK messages and event logs cut out of the samples
# (and the shared corpus) for the framed harnesses.
python3 fuzz/seeds.py "$build/corpus" "${captures[@]}" || true
# Cabinets packed by the built tool, when one exists (release or asan).
for w in build/release/wfpdiag build/asan/wfpdiag; do
	[ -x "$w" ] || continue
	"$w" pack "$build/corpus/fuzz_cab/pack-psk.cab" samples/ok-psk-esp.pcap \
	    samples/keys/ok-psk-esp.ikev2_decryption_table >/dev/null 2>&1 || true
	"$w" pack "$build/corpus/fuzz_cab/pack-two.cab" samples/ms-status.pcap \
	    samples/init-timeout.pcap >/dev/null 2>&1 || true
	break
done
# IKE messages and frames cut out of the samples for the message-level
# harnesses (tshark-free: the capture harness seeds from whole files).
if command -v tshark >/dev/null 2>&1; then
	i=0
	for f in "${captures[@]}"; do
		tshark -r "$f" -Y isakmp -T fields -e udp.payload 2>/dev/null |
		while read -r hex; do
			i=$((i + 1))
			printf '%s' "${hex#00000000}" | xxd -r -p \
			    >"$build/corpus/fuzz_ikev2/m-$(basename "$f")-$i" 2>/dev/null || true
		done
	done
	cp -n "$build"/corpus/fuzz_ikev2/* "$build/corpus/fuzz_sk/" 2>/dev/null || true
fi

# UBSan reports are recoverable in this build: make them fatal so that
# libFuzzer keeps the input in artifacts/ (the first long run lost one).
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
harnesses=("$build"/fuzz/fuzz_*)
status=0
run_one() {
	local h=$1 name
	name=$(basename "$h")
	"$h" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	    -dict=fuzz/ike.dict -artifact_prefix="$build/artifacts/$name-" \
	    -print_final_stats=1 "$build/corpus/$name" \
	    >"$build/logs/$name.log" 2>&1
}
pids=()
for h in "${harnesses[@]}"; do
	run_one "$h" &
	pids+=($!)
	if [ ${#pids[@]} -ge "$(nproc)" ]; then
		wait "${pids[0]}" || status=1
		pids=("${pids[@]:1}")
	fi
done
for p in "${pids[@]}"; do wait "$p" || status=1; done
printf '%-14s %12s %8s %8s %s\n' harness executions cov ft result
for h in "${harnesses[@]}"; do
	name=$(basename "$h")
	log="$build/logs/$name.log"
	execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}')
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | awk '{print $2}')
	ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | awk '{print $2}')
	res=ok
	grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:' "$log" && res=FOUND
	printf '%-14s %12s %8s %8s %s\n' "$name" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$res"
	[ "$res" = ok ] || { status=1; grep -m5 -E 'ERROR|runtime error|SUMMARY' "$log" || true; }
done
exit $status
