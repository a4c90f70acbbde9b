#!/usr/bin/env bash
# Configures and builds one flavour: scripts/build.sh [release|asan] -> build/<flavour>
set -euo pipefail
cd "$(dirname "$0")/.."
flavour=${1:-release}
case "$flavour" in
release) opts=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
asan) opts=(-DCMAKE_BUILD_TYPE=Debug -DWFPDIAG_SANITIZE=ON) ;;
*) echo "usage: $0 [release|asan]" >&2; exit 2 ;;
esac
cmake -S . -B "build/$flavour" "${opts[@]}" >/dev/null
cmake --build "build/$flavour" -j"$(nproc)" >/dev/null
