#!/bin/bash
# Golden tests: generated captures in, expected findings out (TAP).
set -eu
cd "$(dirname "$0")/../.."
dir=$(mktemp -d /tmp/cordon-golden.XXXXXX)
trap 'rm -rf "$dir"' EXIT
"${PYTHON:-/usr/bin/python3}" tests/golden/gen.py "$dir"
"${PYTHON:-/usr/bin/python3}" tests/golden/check.py "${CORDON:-build/san/cordon}" "$dir"
