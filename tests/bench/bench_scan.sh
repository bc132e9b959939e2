#!/bin/bash
# bench_scan: findings under a scan (issue 13 target 5, issue 11 item 1).
# `cordon replay` over 1M TCP SYNs from 100k distinct listed sources to
# random ports (every packet a new flow, nearly every one a new finding
# key: the table fills with the first 65536 and, under the default
# noise hold of 60 s, holds the rest out; with --noise-hold 0 each one
# evicts an older one), beside the same capture from unlisted sources, in
# one invocation, interleaved, medians of RUNS. Prints, for both: the whole process's wall
# time and peak RSS, and the packet loop alone (replay's own summary: list
# load, set build and packets, not the findings output) in s and Mpps;
# then findings held, evicted and flows folded, against the configured
# bounds (--max-findings, --max-flows: the defaults, 65536 each).
# Environment: CORDON, BENCH_DIR, RUNS (5), NPKT (1000000), NSRC (100000).
set -eu
cd "$(dirname "$0")/../.."
: "${CORDON:=$PWD/build/cordon}" "${BENCH_DIR:=$PWD/build/bench}"
RUNS=${RUNS:-5} NPKT=${NPKT:-1000000} NSRC=${NSRC:-100000}
mkdir -p "$BENCH_DIR"
D=$BENCH_DIR/scan
mkdir -p "$D"
cc -O2 -o "$D/gen_scan" tests/bench/gen_scan.c
if [[ ! -s $D/scan.pcap || ! -s $D/list.txt || $(wc -l <"$D/list.txt") -ne $NSRC ]]; then
	"$D/gen_scan" "$D/scan.pcap" "$D/clean.pcap" "$D/list.txt" "$NPKT" "$NSRC"
fi
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
declare -A T M L C
one() { # LABEL PCAP [OPTION...]
	local l lab=$1 pcap=$2
	shift 2
	/usr/bin/time -o "$D/time.out" -f '%e %M %U %S' "$CORDON" replay "$@" --threat-list "$D/list.txt" "$pcap" \
		>"$D/out.json" 2>"$D/err.txt"
	read -r t m u s <"$D/time.out"
	l=$(sed -n 's/.* findings, \([0-9.]*\) s, .*/\1/p' "$D/err.txt")
	T[$lab]+="$t " M[$lab]+="$m " L[$lab]+="${l:-0} " C[$lab]+="$(awk -v u="$u" -v s="$s" 'BEGIN {print u + s}') "
}
echo "capture: $NPKT SYNs, $NSRC listed sources, list $NSRC /32; $RUNS runs each, interleaved"
# An older build (CORDON=..., for an A/B) may not know the hold: no such row.
hold0=1
"$CORDON" replay --help 2>&1 | grep -q -- --noise-hold || hold0=
for _ in $(seq "$RUNS"); do
	one clean "$D/clean.pcap"
	[[ -z $hold0 ]] || one scan0 "$D/scan.pcap" --noise-hold 0
	one scan "$D/scan.pcap"
done
[[ -n $hold0 ]] || T[scan0]="0 " M[scan0]="0 " L[scan0]="0 "
med() { tr ' ' '\n' <<<"$1" | grep . | median; }
tc=$(med "${T[clean]}") ts=$(med "${T[scan]}") lc=$(med "${L[clean]}") ls=$(med "${L[scan]}")
cc=$(med "${C[clean]}") cs=$(med "${C[scan]}")
echo "  whole process (wall):"
printf '  %-40s %7.3f s  %8d KB peak RSS   (runs: %s)\n' "cordon replay, clean traffic (peer)" "$tc" "$(med "${M[clean]}")" "${T[clean]}"
[[ -z $hold0 ]] || printf '  %-40s %7.3f s  %8d KB peak RSS   (runs: %s)\n' "cordon replay, scan, --noise-hold 0" "$(med "${T[scan0]}")" "$(med "${M[scan0]}")" "${T[scan0]}"
printf '  %-40s %7.3f s  %8d KB peak RSS   (runs: %s)\n' "cordon replay, scan" "$ts" "$(med "${M[scan]}")" "${T[scan]}"
printf '  %-40s %7.3f s clean, %.3f s scan (user + system)\n' "CPU, whole process" "$cc" "$cs"
echo "  packet loop (replay's summary: lists, set, packets; no output):"
printf '  %-40s %7.3f s  %6.2f Mpps   (runs: %s)\n' "clean traffic (peer)" "$lc" "$(awk -v n="$NPKT" -v t="$lc" 'BEGIN {print n / t / 1e6}')" "${L[clean]}"
l0=$(med "${L[scan0]}")
[[ -z $hold0 ]] || printf '  %-40s %7.3f s  %6.2f Mpps   (runs: %s)\n' "scan, --noise-hold 0" "$l0" "$(awk -v n="$NPKT" -v t="$l0" 'BEGIN {print n / t / 1e6}')" "${L[scan0]}"
printf '  %-40s %7.3f s  %6.2f Mpps   (runs: %s)\n' "scan" "$ls" "$(awk -v n="$NPKT" -v t="$ls" 'BEGIN {print n / t / 1e6}')" "${L[scan]}"
sed 's/^/  /' "$D/err.txt"
nf=$(wc -l <"$D/out.json")
echo "  findings printed: $nf (bound: --max-findings 65536)"
awk -v nf="$nf" -v c="$tc" -v s="$ts" -v cc="$cc" -v cs="$cs" -v lc="$lc" -v ls="$ls" -v l0="$l0" -v n="$NPKT" 'BEGIN {
	printf "  ratio scan/clean, packet loop: %.2fx", ls / lc
	if (l0 > 0)
		printf " (--noise-hold 0: %.2fx)", l0 / lc
	printf "; whole process: %.2fx (target <= 1.2x)\n", s / c
	printf "  scan: %.2f Mpps end to end, %.0f ns/packet; after the loop (%d findings out): %.3f s\n",
		n / s / 1e6, s / n * 1e9, nf, s - ls
	# The clean run keeps both cores busy already: the CPU the scan
	# takes, spread over both cores at best, bounds its wall time.
	printf "  scan CPU over clean: %.3f s (%.0f ns a packet); both cores busy all along, the scan could not take under %.3f s = %.2fx clean\n",
		cs - cc, (cs - cc) / n * 1e9, cs / 2, cs / 2 / c }'
echo "  load: $(cat /proc/loadavg)"
