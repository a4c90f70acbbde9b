#!/usr/bin/env bash
# Regenerates the small sample captures in samples/ (or in DIR) from
# bench/gen_capture's scenario mode. Deterministic and idempotent: running it
# twice gives the same bytes (bench/check_samples.sh checks this against the
# committed files). Each IKEv2 sample whose IKE SA got SPIs also gets its
# throwaway keys in keys/<name>.ikev2_decryption_table (Wireshark format).
# With tshark installed, every file is checked to decode without a malformed
# frame; --list also prints the IKE messages of each file.
#
# usage: samples/make-samples.sh [--list] [DIR]
#   GEN_CAPTURE=path overrides build/release/bench/gen_capture.
set -euo pipefail
cd "$(dirname "$0")/.."
list=0
if [ "${1:-}" = "--list" ]; then list=1; shift; fi
out=${1:-samples}
gen=${GEN_CAPTURE:-build/release/bench/gen_capture}
if [ ! -x "$gen" ]; then
	scripts/build.sh release
fi
mkdir -p "$out/keys"
status=0
for sc in $("$gen" --list-scenarios | awk '{print $1}'); do
	ext=pcap
	[ "$sc" = ipfrag-ike-auth-sll2 ] && ext=pcapng
	file="$out/$sc.$ext"
	keys="$out/keys/$sc.ikev2_decryption_table"
	"$gen" --scenario "$sc" --seed 1 --out "$file" --keys "$keys" >/dev/null
	[ -s "$keys" ] || rm -f "$keys"
	if command -v tshark >/dev/null 2>&1; then
		bad=$(tshark -r "$file" -Y '_ws.malformed' 2>/dev/null | wc -l)
		if [ "$bad" -ne 0 ]; then
			echo "make-samples: $file: $bad malformed frame(s)" >&2
			status=1
		fi
		if [ $list -eq 1 ]; then
			echo "== $file ($(stat -c %s "$file") bytes)"
			tshark -r "$file" -Y isakmp -T fields -E occurrence=f \
			    -e frame.number -e isakmp.ispi -e isakmp.rspi \
			    -e isakmp.exchangetype -e isakmp.flags \
			    -e isakmp.messageid -e isakmp.notify.msgtype \
			    2>/dev/null
		fi
	fi
done
exit $status
