#!/usr/bin/env bash
# STYLE.md 6: banned functions never appear in our C sources.
set -euo pipefail
cd "$(dirname "$0")/.."
banned='\b(sprintf|vsprintf|strcpy|strcat|strncat|gets|atoi|atol|strtok|alloca)[[:space:]]*\('
if grep -nE "$banned" $(git ls-files '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]') \
    | grep -v '^tests/testutil' ; then
	echo "check-style: banned function used (STYLE.md 6)" >&2
	exit 1
fi
