#!/bin/bash
# bench_tset.sh: the threat set (sensor/tset*.c) with 1M entries against
# naive peers (sorted array + binary search, chained hash; both over the
# /32s only). Prints build time, bytes/entry and ns per lookup, each the
# median of 5 runs. Environment: BENCH_DIR (scratch), CC, CFLAGS.
set -eu
cd "$(dirname "$0")/../.."
BENCH_DIR=${BENCH_DIR:-$PWD/build/bench}
mkdir -p "$BENCH_DIR"
bin=$BENCH_DIR/tset_bench
# Same optimisation as the release build (Makefile: CFLAGS ?= -O2 -g).
${CC:-cc} ${CFLAGS:--O2 -g} -std=gnu11 -D_GNU_SOURCE $(make -s --no-print-directory print-inc) \
	-o "$bin" tests/bench/tset_bench.c sensor/tset.c sensor/tset_build.c sensor/tset_dir.c \
	common/addr.c common/util.c
echo "tset: $(nproc) CPU, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
"$bin"
