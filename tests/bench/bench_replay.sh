#!/bin/bash
# bench_replay: `cordon replay` with a 1M-entry list against tcpdump on the
# same generated 5M-packet capture, in one invocation. Medians of RUNS.
set -eu
cd "$(dirname "$0")/../.."
: "${CORDON:=$PWD/build/cordon}" "${BENCH_DIR:=$PWD/build/bench}"
RUNS=${RUNS:-5} NPKT=${NPKT:-5000000}
mkdir -p "$BENCH_DIR"
gen=$BENCH_DIR/gen_traffic pcap=$BENCH_DIR/traffic.pcap list=$BENCH_DIR/list1m.txt
cc -O2 -o "$gen" tests/bench/gen_traffic.c
if [[ ! -s $pcap || ! -s $list || $(stat -c %s "$pcap") -lt 1000 ]]; then
	echo "generating $NPKT packets and a 1M-entry list..."
	"$gen" "$pcap" "$list" "$NPKT" 900000 100000
fi
# What a user would try instead: a tcpdump filter over 100 listed hosts.
filter=$(head -100 "$list" | sed 's/^/host /' | paste -sd' ' | sed 's/ host / or host /g')

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# run LABEL CMD...: RUNS timed runs; sets T (median s) and RSS (median KB).
run() {
	local label=$1; shift
	local ts=() rs=() out
	for ((i = 0; i < RUNS; i++)); do
		/usr/bin/time -o "$BENCH_DIR/time.out" -f '%e %M' "$@" >/dev/null 2>&1
		out=$(tail -1 "$BENCH_DIR/time.out")
		ts+=("${out% *}") rs+=("${out#* }")
	done
	T=$(printf '%s\n' "${ts[@]}" | median)
	RSS=$(printf '%s\n' "${rs[@]}" | median)
	printf '  %-44s %7.3f s  %8d KB peak RSS   (runs: %s)\n' "$label" "$T" "$RSS" "${ts[*]}"
}

echo "capture: $(stat -c %s "$pcap") bytes, $NPKT packets; list: $(wc -l <"$list") entries; $RUNS runs each"
run "tcpdump -r FILE -w /dev/null (peer)" tcpdump -r "$pcap" -w /dev/null
t_peer=$T
run "tcpdump -r FILE -w /dev/null '100 hosts'" tcpdump -r "$pcap" -w /dev/null "$filter"
t_filter=$T
run "cordon replay --threat-list 1M FILE" "$CORDON" replay --threat-list "$list" "$pcap"
t_cordon=$T rss_cordon=$RSS
"$CORDON" replay --threat-list "$list" "$pcap" 2>&1 >/dev/null | sed 's/^/  /'
awk -v c="$t_cordon" -v p="$t_peer" -v f="$t_filter" -v n="$NPKT" 'BEGIN {
	printf "  ratio cordon/tcpdump-raw: %.2fx (target <= 1.25x)\n", c / p
	printf "  ratio cordon/tcpdump-100-host-filter: %.2fx\n", c / f
	printf "  cordon end to end (list load + set build + replay): %.2f Mpps\n", n / c / 1e6
}'
echo "  cordon peak RSS: $rss_cordon KB"
