#!/bin/bash
# tests/bench/run.sh: every tests/bench/bench_*.sh in turn (make bench).
# Environment: O (release build dir), PYTHON. BENCH=NAME runs one.
# CORDON=PATH measures another binary (an older build, for an A/B) in
# place of $O/cordon.
set -eu
cd "$(dirname "$0")/../.."
export O=${O:-build} PYTHON=${PYTHON:-/usr/bin/python3}
export CORDON=${CORDON:-$PWD/$O/cordon}
export BENCH_DIR=${BENCH_DIR:-$PWD/build/bench}
mkdir -p "$BENCH_DIR"
for b in tests/bench/bench_*.sh; do
	[[ -e $b ]] || continue
	n=$(basename "$b" .sh); n=${n#bench_}
	[[ -n ${BENCH:-} && $BENCH != "$n" ]] && continue
	echo "=== bench: $n"
	"$b"
done
