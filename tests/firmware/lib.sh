#!/bin/bash
# tests/firmware/lib.sh: TAP helpers for the firmware tests, sourced.
# shellcheck disable=SC2034 # ROOT and PY are for the scripts that source this
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
ROOT=$PWD
PY=${PYTHON:-/usr/bin/python3}
FW_WORK=$(mktemp -d /tmp/cordon-fw.XXXXXX)
trap 'rm -rf "$FW_WORK"' EXIT
T=0
FAILED=0

ok() { T=$((T + 1)); echo "ok $T - $*"; }
fail() { T=$((T + 1)); FAILED=$((FAILED + 1)); echo "not ok $T - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else fail "$what"; fi; }
skip() { T=$((T + 1)); echo "ok $T - $* # SKIP"; }
finish() { echo "1..$T"; [[ $FAILED -eq 0 ]]; }
# Print a file as TAP comments (diagnostics after a failure).
show() { sed 's/^/# /' "$@" >&2; }
