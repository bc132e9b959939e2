#!/bin/bash
# bench_enforcer.sh: loading threat lists into the kernel, in one
# invocation, on the same generated lists (1M random IPv4 /32 + 100k
# random IPv4 prefixes /16-/28 + 100k IPv6 /128 + 10k IPv6 prefixes):
#
#   cordon enforce (full load)   vs  nft -f (interval sets + auto-merge)
#                                vs  ipset restore (hash:net)
#   cordon 1% delta, cordon one-address add and remove (ONE times a run),
#   ipset add of one address
#   cordon lockdown / release on the loaded table
#
# cordon's "apply" figure is what `cordon enforce` prints: reading the
# kernel's table state, the lists' shard hashes, the shards of the record
# of what the kernel holds (applied.bin: a log) whose hash differs, the
# delta, the transaction up to the kernel's ack, and the record's append
# (written out, not waited for: docs/internals/enforcer.md). End to end
# adds starting the process and parsing the lists (1.2M lines).
#
# Each tool runs in a namespace of its own (its own ruleset). Wall time
# and peak RSS from /usr/bin/time; cordon's figures are medians of RUNS
# runs, nft's of NFT_RUNS (default 1: a run takes 20-60 s). The peers run
# paired: right after each cordon full load (nft -f in the first NFT_RUNS
# rounds, ipset restore in each), so a ratio compares runs under the same
# load; the ratios printed are medians of the per-pair ratios.
# Environment: CORDON, BENCH_DIR, RUNS (3), NFT_RUNS (1), PYTHON.
set -u
cd "$(dirname "$0")/../.."
CORDON=${CORDON:-$PWD/build/cordon}
PYTHON=${PYTHON:-/usr/bin/python3}
BENCH_DIR=${BENCH_DIR:-$PWD/build/bench}
RUNS=${RUNS:-3}
NFT_RUNS=${NFT_RUNS:-1}
ONE=${ONE:-5}
D=$BENCH_DIR/enforcer
NS=cdnb$$ NS2=cdnc$$
ST=$(mktemp -d /tmp/cordon-benf.XXXXXX)
cleanup() { ip netns del "$NS" 2>/dev/null; ip netns del "$NS2" 2>/dev/null; rm -rf "$ST"; }
trap cleanup EXIT

if [[ ! -s $D/bench.ipset || ! -s $D/hosts4_delta.txt ]]; then
	echo "generating lists in $D"
	"$PYTHON" tests/bench/gen_enforcer_lists.py "$D" --delta-pct 1 --peers || exit 1
fi
echo "lists: $(wc -l <"$D/hosts4.txt") IPv4 /32, $(wc -l <"$D/nets4.txt") IPv4 prefixes, $(wc -l <"$D/hosts6.txt") IPv6 /128, $(wc -l <"$D/nets6.txt") IPv6 prefixes"
echo "host: $(nproc) CPU, $(uname -r), $(nft --version), $(ipset --version | head -1)"
echo "load at start: $(cat /proc/loadavg)"
LISTS=(--threat-list "$D/hosts4.txt" --threat-list "$D/nets4.txt" --threat-list "$D/hosts6.txt" --threat-list "$D/nets6.txt")
DELTA=(--threat-list "$D/hosts4_delta.txt" --threat-list "$D/nets4.txt" --threat-list "$D/hosts6.txt" --threat-list "$D/nets6.txt")
E=(--state-dir "$ST" --no-resolv-conf --agent-user 65534)
echo 203.0.113.99 >"$ST/one.txt"

fresh() { ip netns del "$NS" 2>/dev/null; ip netns add "$NS"; rm -f "$ST/applied.bin" "$ST/lockdown"; }
fresh2() { ip netns del "$NS2" 2>/dev/null; ip netns add "$NS2"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
# timed OUTFILE CMD...: wall seconds and peak RSS (KiB) into OUTFILE
timed() { local out=$1; shift; /usr/bin/time -f '%e %M' -o "$out" "$@"; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
# ms printed by cordon enforce ("..., 12.3 ms")
apply_ms() { sed -n 's/.*), \([0-9.]*\) ms$/\1/p' "$1"; }

declare -A W R P
for i in $(seq "$RUNS"); do
	fresh
	timed "$ST/t" ip netns exec "$NS" "$CORDON" enforce "${E[@]}" "${LISTS[@]}" >"$ST/o" 2>/dev/null || { echo "cordon full load failed"; exit 1; }
	read -r w r <"$ST/t"; W[full]+="$w "; R[full]+="$r "
	# The peers, paired with this full load.
	if ((i <= NFT_RUNS)); then
		fresh2
		timed "$ST/t" ip netns exec "$NS2" nft -f "$D/bench.nft" || echo "nft -f failed"
		read -r pw pr <"$ST/t"; W[nft]+="$pw "; R[nft]+="$pr "; P[nft]+="$(ratio "$pw" "$w") "
	fi
	fresh2
	timed "$ST/t" ip netns exec "$NS2" ipset -exist restore -f "$D/bench.ipset" || echo "ipset restore failed"
	read -r pw pr <"$ST/t"; W[ipset]+="$pw "; R[ipset]+="$pr "; P[ipset]+="$(ratio "$pw" "$w") "
	timed "$ST/t" ip netns exec "$NS2" ipset add b4 203.0.113.99
	read -r pw pr <"$ST/t"; W[ipset_one]+="$pw "
	ip netns del "$NS2"
	timed "$ST/t" ip netns exec "$NS" "$CORDON" enforce "${E[@]}" "${DELTA[@]}" >"$ST/o" 2>/dev/null
	read -r w r <"$ST/t"; W[delta]+="$w "; R[delta]+="$r "; W[delta_apply]+="$(apply_ms "$ST/o") "
	for k in $(seq "$ONE"); do
		timed "$ST/t" ip netns exec "$NS" "$CORDON" enforce "${E[@]}" "${DELTA[@]}" --threat-list "$ST/one.txt" >"$ST/o" 2>/dev/null
		read -r w r <"$ST/t"; W[one]+="$w "; W[one_apply]+="$(apply_ms "$ST/o") "
		grep -q 'sent: +1 -0' "$ST/o" || echo "warning: one-address add sent: $(cat "$ST/o")"
		timed "$ST/t" ip netns exec "$NS" "$CORDON" enforce "${E[@]}" "${DELTA[@]}" >"$ST/o" 2>/dev/null
		read -r w r <"$ST/t"; W[one]+="$w "; W[one_apply]+="$(apply_ms "$ST/o") "
		grep -q 'sent: +0 -1' "$ST/o" || echo "warning: one-address remove sent: $(cat "$ST/o")"
	done
	W[log]+="$(stat -c %s "$ST/applied.bin") "
	timed "$ST/t" ip netns exec "$NS" "$CORDON" enforce "${E[@]}" "${DELTA[@]}" >"$ST/o" 2>/dev/null
	read -r w r <"$ST/t"; W[same]+="$w "; W[same_apply]+="$(apply_ms "$ST/o") "
	for k in 1 2 3; do
		ip netns exec "$NS" "$CORDON" lockdown "${E[@]}" --reason bench >"$ST/o" 2>/dev/null
		W[lock_kernel]+="$(sed -n 's/.*kernel \([0-9.]*\) ms.*/\1/p' "$ST/o") "
		W[lock_total]+="$(sed -n 's/.*(\([0-9.]*\) ms total.*/\1/p' "$ST/o") "
		ip netns exec "$NS" "$CORDON" release "${E[@]}" >/dev/null 2>&1
	done
done
med() { tr ' ' '\n' <<<"$1" | grep . | median; }

echo "load at end: $(cat /proc/loadavg)"
full=$(med "${W[full]}") nftw=$(med "${W[nft]}") ips=$(med "${W[ipset]}")
printf '\n%-44s %10s %12s\n' "enforcer: median of $RUNS (nft: $NFT_RUNS)" "wall s" "peak RSS MB"
row() { printf '%-44s %10s %12s\n' "$1" "$2" "$3"; }
mb() { awk -v k="$(med "$1")" 'BEGIN {printf "%.1f", k / 1024}'; }
row "cordon enforce, full load" "$full" "$(mb "${R[full]}")"
row "nft -f (interval, auto-merge)" "$nftw" "$(mb "${R[nft]}")"
row "ipset restore (hash:net)" "$ips" "$(mb "${R[ipset]}")"
row "cordon 1% delta (end to end, parses lists)" "$(med "${W[delta]}")" "$(mb "${R[delta]}")"
row "  of which apply (ms)" "$(med "${W[delta_apply]}")" ""
row "cordon one-address add/remove (end to end)" "$(med "${W[one]}")" ""
row "  of which apply (ms, $((2 * ONE)) a run)" "$(med "${W[one_apply]}")" ""
row "  applied.bin after them (bytes)" "$(med "${W[log]}")" ""
row "cordon same lists again (end to end)" "$(med "${W[same]}")" ""
row "  of which read kernel, nothing sent (ms)" "$(med "${W[same_apply]}")" ""
row "ipset add one address" "$(med "${W[ipset_one]}")" ""
row "cordon lockdown on loaded table, total (ms)" "$(med "${W[lock_total]}")" ""
row "  of which kernel: read + transaction (ms)" "$(med "${W[lock_kernel]}")" ""
awk -v pn="$(med "${P[nft]}")" -v np="$NFT_RUNS" -v pi="$(med "${P[ipset]}")" -v m="$(mb "${R[full]}")" \
	-v one="$(med "${W[one_apply]}")" -v d="$(med "${W[delta_apply]}")" 'BEGIN {
	printf "ratio: nft -f / cordon full load = %.1fx, median of %d paired runs (target >= 20x), cordon peak %.1f MB (target <= 64)\n", pn, np, m
	printf "ratio: ipset restore / cordon full load = %.2fx, median of the paired runs\n", pi
	printf "one-address change, apply: %.1f ms (target <= 5 ms); 1%% delta, apply: %.0f ms (target <= 300 ms)\n", one, d }'
echo "pairs nft -f / cordon (s): $(paste -d/ <(tr ' ' '\n' <<<"${W[nft]}" | grep .) <(tr ' ' '\n' <<<"${W[full]}" | awk -v n="$NFT_RUNS" 'NF && ++k <= n') | tr '\n' ' ')"
