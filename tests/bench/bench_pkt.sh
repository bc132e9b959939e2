#!/bin/bash
# bench_pkt.sh: pkt_parse() (sensor/pkt*.c) over the packet mix of the
# fuzz seeds (tests/fuzz/corpus/pkt: Ethernet, VLAN, QinQ, SLL, SLL2, raw,
# NFLOG, IPv6 extension chains, fragments, ARP) against a peer that only
# memcpy()s 64 header bytes per packet. ns/packet, medians of 5 runs.
# Environment: BENCH_DIR (scratch), CC, CFLAGS.
set -eu
cd "$(dirname "$0")/../.."
BENCH_DIR=${BENCH_DIR:-$PWD/build/bench}
mkdir -p "$BENCH_DIR"
bin=$BENCH_DIR/pkt_bench
# Same optimisation as the release build (Makefile: CFLAGS ?= -O2 -g).
${CC:-cc} ${CFLAGS:--O2 -g} -std=gnu11 -D_GNU_SOURCE $(make -s --no-print-directory print-inc) \
	-o "$bin" tests/bench/pkt_bench.c sensor/pkt_link.c sensor/pkt_ip.c \
	common/addr.c common/util.c
echo "pkt: $(nproc) CPU, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
"$bin" tests/fuzz/corpus/pkt/*
