#!/bin/bash
# bench_replay: `cordon replay` with a 1M-entry list against tcpdump on the
# same generated 5M-packet capture, in one invocation: RUNS rounds, each
# running tcpdump, cordon and the filtered tcpdump in turn (paired), medians.
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

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# once LABEL CMD...: one timed run; appends wall s, CPU s (user + system)
# and peak RSS KB.
declare -A T C M
once() {
	local label=$1 t u s m
	shift
	/usr/bin/time -o "$BENCH_DIR/time.out" -f "%e %U %S %M" "$@" >/dev/null 2>"$BENCH_DIR/err.$label"
	read -r t u s m <"$BENCH_DIR/time.out"
	T[$label]+="$t " C[$label]+="$(awk -v u="$u" -v s="$s" 'BEGIN {print u + s}') " M[$label]+="$m "
}
med() { tr ' ' '\n' <<<"$1" | grep . | median; }

echo "capture: $(stat -c %s "$pcap") bytes, $NPKT packets; list: $(wc -l <"$list") entries; $RUNS rounds, each runs the three in turn; load average before: $(cut -d" " -f1-3 /proc/loadavg)"
builds=() loads=()
for ((i = 0; i < RUNS; i++)); do
	once peer tcpdump -r "$pcap" -w /dev/null
	once cordon "$CORDON" replay --threat-list "$list" "$pcap"
	loads+=("$(sed -n 's/.*entries loaded in \([0-9.]*\) s.*/\1/p' "$BENCH_DIR/err.cordon")")
	builds+=("$(sed -n 's/.*set built in \([0-9.]*\) s.*/\1/p' "$BENCH_DIR/err.cordon")")
	once filter tcpdump -r "$pcap" -w /dev/null "$filter"
done
row() { printf '  %-44s %7.3f s  CPU %6.3f s  %8d KB peak RSS   (runs: %s)\n' "$1" "$(med "${T[$2]}")" "$(med "${C[$2]}")" "$(med "${M[$2]}")" "${T[$2]}"; }
row "tcpdump -r FILE -w /dev/null (peer)" peer
row "tcpdump -r FILE -w /dev/null '100 hosts'" filter
row "cordon replay --threat-list 1M FILE" cordon
sed "s/^/  /" "$BENCH_DIR/err.cordon"
# Same findings whatever the overlap: compare with a run where the set is
# already there before the capture is read (a pipe: no prescan).
"$CORDON" replay --threat-list "$list" "$pcap" 2>/dev/null | md5sum >"$BENCH_DIR/a.md5"
"$CORDON" replay --threat-list "$list" /dev/stdin <"$pcap" 2>/dev/null | md5sum >"$BENCH_DIR/b.md5"
cmp -s "$BENCH_DIR/a.md5" "$BENCH_DIR/b.md5" && echo "  findings: identical to the sequential (libpcap, no prescan) path" ||
	echo "  findings: DIFFER from the sequential path"
awk -v c="$(med "${T[cordon]}")" -v p="$(med "${T[peer]}")" -v f="$(med "${T[filter]}")" -v n="$NPKT" \
	-v cc="$(med "${C[cordon]}")" -v pc="$(med "${C[peer]}")" -v load="$(cut -d' ' -f1-3 /proc/loadavg)" \
	-v l="$(printf '%s\n' "${loads[@]}" | median)" -v b="$(printf '%s\n' "${builds[@]}" | median)" 'BEGIN {
	printf "  list load %.3f s, set build %.3f s (medians; on the other core, beside the capture)\n", l, b
	printf "  ratio cordon/tcpdump-raw: %.2fx (target <= 1.0x); CPU (user + system) %.2fx\n", c / p, cc / pc
	printf "  ratio cordon/tcpdump-100-host-filter: %.2fx\n", c / f
	printf "  cordon end to end (list load + set build + replay + findings): %.2f Mpps, %.0f ns/packet\n", n / c / 1e6, c / n * 1e9
	printf "  load average after the runs: %s (2 cores: above 2, wall times measure the share each got)\n", load
}'
