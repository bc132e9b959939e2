#!/bin/bash
# bench_capture: live capture at the highest rate this machine offers
# (issue 13 target 2). A sender of our own (blast.c: AF_PACKET, sendmmsg,
# qdisc bypassed) offers 64-byte UDP frames into a veth pair between two
# namespaces of our own for SECS seconds; on the other end, in turn:
#
#   cordon run (monitor mode, a 1M-entry local list, its sensor's capture)
#   tcpdump -i IF -B 32768 -s 256 -w /dev/null      (same buffer, same snaplen)
#   tcpdump ... with a 100-host filter                (what a user would try)
#
# and prints, for each, what the sender offered, what the kernel handed
# the capture and what it dropped, and the CPU the capturing processes
# used (100 % = one core saturated). RUNS rounds, medians.
# Only documentation addresses; every namespace is named with $$.
# Environment: CORDON, BENCH_DIR, SECS (10), RUNS (3), LISTED (per mille
# of frames from a listed /28, 1), SENDERS (blast processes, one per CPU).
set -u
cd "$(dirname "$0")/../.." || exit 1
CORDON=${CORDON:-$PWD/build/cordon}
BENCH_DIR=${BENCH_DIR:-$PWD/build/bench}
SECS=${SECS:-10} RUNS=${RUNS:-3} LISTED=${LISTED:-1} SENDERS=${SENDERS:-$(nproc)}
S=cdcs$$ R=cdcr$$
TMP=$(mktemp -d /tmp/cordon-capb.XXXXXX)
chmod 755 "$TMP"
. tests/netns/lib.bash
trap pair_cleanup EXIT
mkdir -p "$BENCH_DIR"
cc -O2 -o "$BENCH_DIR/blast" tests/bench/blast.c || exit 1
if [[ ! -s $BENCH_DIR/list1m.txt ]]; then
	cc -O2 -o "$BENCH_DIR/gen_traffic" tests/bench/gen_traffic.c || exit 1
	"$BENCH_DIR/gen_traffic" "$BENCH_DIR/traffic.pcap" "$BENCH_DIR/list1m.txt" 5000000 900000 100000
fi
# The 1M-entry list plus the /28 the sender's listed frames come from.
{ cat "$BENCH_DIR/list1m.txt"; echo 203.0.113.0/28; } >"$TMP/threat.txt"
chmod 644 "$TMP/threat.txt"
filter=$(head -100 "$BENCH_DIR/list1m.txt" | sed 's/^/host /' | paste -sd' ' | sed 's/ host / or host /g')

pair_net
ip -n "$S" link set lo up

# CPU ticks (utime + stime) of every process in the receiving namespace.
ns_ticks() {
	local p t=0
	for p in $(ip netns pids "$R"); do
		[[ -r /proc/$p/stat ]] || continue
		t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
	done
	echo "$t"
}
# SENDERS blasts at once (one per core: the highest rate, and the
# capture then competes for a core): the total of their rates.
blast() {
	local i pids=()
	for i in $(seq "$SENDERS"); do
		ip netns exec "$S" "$BENCH_DIR/blast" tx0 "$SECS" "$LISTED" >"$TMP/blast.$i" &
		pids+=($!)
	done
	wait "${pids[@]}"
	cat "$TMP"/blast.* | sed -n 's/.*(\([0-9]*\) pps).*/\1/p' | awk '{s += $1} END {print s}'
	rm -f "$TMP"/blast.*
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
HZ=$(getconf CLK_TCK)

# result LABEL OFFERED RECEIVED DROPPED TICKS: one line, kept for medians
declare -A OFF RCV DRP CPU
result() {
	local cpu
	cpu=$(awk -v t="$5" -v hz="$HZ" -v s="$SECS" 'BEGIN {printf "%.0f", 100 * t / hz / s}')
	printf '  %-30s offered %9s pps  passed filter %10s  dropped %10s (%5.2f %%)  capture CPU %3s %%\n' \
		"$1" "$2" "$3" "$4" "$(awk -v d="$4" -v r="$3" 'BEGIN {print (d + r) ? 100 * d / (d + r) : 0}')" "$cpu"
	OFF[$1]+="$2 " RCV[$1]+="$3 " DRP[$1]+="$4 " CPU[$1]+="$cpu "
}

run_cordon() {
	local st=$TMP/state pid t0 t1 off
	rm -rf "$st"
	mkdir -p "$st"
	cat >"$TMP/cordon.conf" <<EOF
[agent]
mode = monitor
interface = rx0
user = 65534
sensor_user = 64201
aws_user = 64202
capture_buffer = 32M
snaplen = 256
metrics_file = $st/cordon.prom
[lists]
threat = $TMP/threat.txt
[guardduty]
enabled = false
EOF
	ip netns exec "$R" "$CORDON" run -c "$TMP/cordon.conf" --state-dir "$st" >"$TMP/run.log" 2>&1 &
	pid=$!
	for _ in $(seq 300); do
		grep -q "sensor matching against" "$TMP/run.log" && break
		sleep 0.1
	done
	grep -q "sensor matching against" "$TMP/run.log" || { echo "cordon run did not start:"; cat "$TMP/run.log"; return 1; }
	sleep 1.5 # a status with the counters before the offer
	local r0 d0
	r0=$("${PYTHON:-python3}" -c 'import json,sys; c=json.load(open(sys.argv[1]))["capture"]; print(c["received"], c["droppedByKernel"])' "$st/daemon.json")
	t0=$(ns_ticks)
	off=$(blast)
	t1=$(ns_ticks)
	sleep 2.5 # the sensor's next sweep, then the parent's status file
	read -r r d < <("${PYTHON:-python3}" -c 'import json,sys; c=json.load(open(sys.argv[1]))["capture"]; print(c["received"], c["droppedByKernel"])' "$st/daemon.json")
	read -r r0 d0 <<<"$r0"
	kill -TERM "$pid"
	wait "$pid"
	result "cordon run (sensor)" "$off" "$((r - r0))" "$((d - d0))" "$((t1 - t0))"
}

run_tcpdump() { # LABEL [FILTER]
	local label=$1 pid t0 t1 off r d
	shift
	ip netns exec "$R" tcpdump -n -i rx0 -B 32768 -s 256 -w /dev/null "$@" >"$TMP/td.out" 2>&1 &
	pid=$!
	for _ in $(seq 100); do
		grep -q "listening on" "$TMP/td.out" && break
		sleep 0.05
	done
	sleep 0.5
	t0=$(ns_ticks)
	off=$(blast)
	t1=$(ns_ticks)
	sleep 0.5
	kill -INT "$pid"
	wait "$pid"
	r=$(sed -n 's/^\([0-9]*\) packets received by filter.*/\1/p' "$TMP/td.out")
	d=$(sed -n 's/^\([0-9]*\) packets dropped by kernel.*/\1/p' "$TMP/td.out")
	result "$label" "$off" "${r:-0}" "${d:-0}" "$((t1 - t0))"
}

echo "capture: $SECS s per run, $RUNS runs, $SENDERS senders, 64-byte UDP frames, $LISTED per mille from a listed /28; $(nproc) CPUs, $(uname -r)"
for i in $(seq "$RUNS"); do
	echo "run $i:"
	run_cordon || exit 1
	run_tcpdump "tcpdump -w /dev/null (peer)"
	run_tcpdump "tcpdump, 100-host filter" "$filter"
done
echo "medians of $RUNS:"
for l in "cordon run (sensor)" "tcpdump -w /dev/null (peer)" "tcpdump, 100-host filter"; do
	m() { tr ' ' '\n' <<<"$1" | grep . | median; }
	printf '  %-30s offered %9.0f pps  passed filter %10.0f  dropped %10.0f  capture CPU %3.0f %%\n' "$l" \
		"$(m "${OFF[$l]}")" "$(m "${RCV[$l]}")" "$(m "${DRP[$l]}")" "$(m "${CPU[$l]}")"
done
