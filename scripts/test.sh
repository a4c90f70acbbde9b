#!/usr/bin/env bash
# The README's second command (and .ci/run): installs dependencies, builds
# the release and the ASan+UBSan flavours, and runs the whole suite under
# both. Tests that need root, ../shared or a tool skip with the reason.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/check-style.sh
status=0
for flavour in release asan; do
	echo "== build $flavour"
	scripts/build.sh "$flavour"
	echo "== test $flavour"
	# Integration tests (real strongSwan daemons) run once, in release.
	exclude=()
	[ "$flavour" = asan ] && exclude=(-E '^integration/')
	(cd "build/$flavour" &&
	    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    ctest --output-on-failure -j2 "${exclude[@]}") || status=1
done
if [ -x fuzz/run.sh ] && [ "${WFPDIAG_FUZZ_SECONDS:-60}" != 0 ]; then
	echo "== fuzz (short bounded run)"
	fuzz/run.sh "${WFPDIAG_FUZZ_SECONDS:-60}" || status=1
fi
exit $status
