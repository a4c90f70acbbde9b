#!/usr/bin/env bash
# Regenerates samples/expected/ (text summary and normalised XML report of
# every sample). Writing golden files is a deliberate, reviewed step: run
# this, read the diff, commit it with the change that explains it.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${WFPDIAG:-build/release/cli/wfpdiag}
mkdir -p samples/expected
for f in samples/*.pcap samples/*.pcapng; do
	name=$(basename "$f")
	keys=()
	k="samples/keys/${name%.*}.ikev2_decryption_table"
	[ -f "$k" ] && keys=(-k "$k")
	tmp=$(mktemp --suffix=.xml)
	"$bin" analyze -f both -o "$tmp" ${keys[@]+"${keys[@]}"} "$f" |
	    grep -v '^report: ' >"samples/expected/$name.txt" || true
	scripts/normalise-report.sh <"$tmp" >"samples/expected/$name.xml"
	rm -f "$tmp"
	# With keys available, also what is inferred without them.
	if [ ${#keys[@]} -gt 0 ]; then
		"$bin" analyze -f text "$f" >"samples/expected/$name.nokeys.txt" || true
	fi
done
echo "updated samples/expected/; review with git diff"
