#!/usr/bin/env bash
# The README's first command: installs dependencies, builds, and analyzes
# the bundled samples, printing the summary and writing wfpdiag.xml.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh release
out=${WFPDIAG_DEMO_OUT:-build/demo}
mkdir -p "$out"
shopt -s nullglob
samples=(samples/*.pcap samples/*.pcapng)
echo "== wfpdiag analyze ${samples[*]}"
build/release/cli/wfpdiag analyze --format text "${samples[@]}"
build/release/cli/wfpdiag analyze -o "$out/wfpdiag.xml" "${samples[@]}" >/dev/null
echo "== report written to $out/wfpdiag.xml"
