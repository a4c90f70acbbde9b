#!/usr/bin/env bash
# Determinism check for samples/: regenerates every sample into a temporary
# directory with samples/make-samples.sh and compares it byte for byte with
# the committed files. Exit 0 = identical; 1 = differences (listed).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
samples/make-samples.sh "$tmp" >/dev/null
rc=0
for f in "$tmp"/*.pcap "$tmp"/*.pcapng "$tmp"/keys/*; do
	rel=${f#"$tmp"/}
	if ! cmp -s "$f" "samples/$rel"; then
		echo "check_samples: samples/$rel differs from a fresh run" >&2
		rc=1
	fi
done
for f in samples/*.pcap samples/*.pcapng samples/keys/*; do
	rel=${f#samples/}
	[ -e "$tmp/$rel" ] || { echo "check_samples: $f is not generated" >&2; rc=1; }
done
[ $rc -eq 0 ] && echo "check_samples: $(ls "$tmp"/*.pcap* | wc -l) samples identical"
exit $rc
