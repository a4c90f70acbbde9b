#!/usr/bin/env bash
# Installs every Debian 12 package wfpdiag builds, tests and benchmarks
# with. Idempotent; needs root (or sudo). Skips apt when all are present.
set -euo pipefail

PACKAGES=(
	# build
	build-essential cmake pkg-config clang
	libpcap-dev libxml2-dev libxml2-utils zlib1g-dev libarchive-dev
	libssl-dev libmnl-dev libcriterion-dev
	# cross-checks and interop peers
	tshark tcpdump cabextract gcab libarchive-tools binutils
	# strongSwan lab (../shared/reference/strongswan-lab-notes.md)
	strongswan-charon strongswan-swanctl strongswan-pki
	libcharon-extra-plugins libstrongswan-extra-plugins
	libstrongswan-standard-plugins iproute2 iputils-ping procps
	# benchmarks
	hyperfine time xxd 7zip
)

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
	    missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
# wireshark-common asks whether non-root users may capture; answer no.
echo "wireshark-common wireshark-common/install-setuid boolean false" |
    $SUDO debconf-set-selections
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The packages may start a system charon; our lab runs its own instances.
$SUDO systemctl disable --now strongswan-starter >/dev/null 2>&1 || true
