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
#
# Then the live sensor under a scan (issue 13 target 5): the sender gives
# every frame new random ports, from 256 sources to 256 local addresses
# (every frame a new flow and a new finding key: far more than
# max_findings, 65 536, holds), and `cordon run` takes them once with
# those sources on no list (peer) and once with them listed (the same
# frames, all a scan), one sender (SCAN_SENDERS) so that the capture has
# the other core to itself. Printed beside the drops and CPU: findings
# held, contacts held out, and the sensor's peak RSS.
# Only documentation addresses; every namespace is named with $$.
# Environment: CORDON, BENCH_DIR, SECS (10), RUNS (3), LISTED (per mille
# of frames from a listed /28, 1), SENDERS (blast processes, one per CPU),
# SCAN (1: the scan rows too; 0: not), SCAN_SENDERS (1).
set -u
cd "$(dirname "$0")/../.." || exit 1
CORDON=${CORDON:-$PWD/build/cordon}
BENCH_DIR=${BENCH_DIR:-$PWD/build/bench}
SECS=${SECS:-10} RUNS=${RUNS:-3} LISTED=${LISTED:-1} SENDERS=${SENDERS:-$(nproc)} SCAN=${SCAN:-1}
SCAN_SENDERS=${SCAN_SENDERS:-1}
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
# The scan's list: the same, and the /24 the scan's frames come from.
{ cat "$TMP/threat.txt"; echo 198.51.100.0/24; } >"$TMP/threat_scan.txt"
chmod 644 "$TMP/threat.txt" "$TMP/threat_scan.txt"
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
# blast [LISTED_PER_MILLE [SCAN [SENDERS]]]
blast() {
	local i pids=()
	for i in $(seq "${3:-$SENDERS}"); do
		ip netns exec "$S" "$BENCH_DIR/blast" tx0 "$SECS" "${1:-$LISTED}" 0 "${2:-0}" >"$TMP/blast.$i" &
		pids+=($!)
	done
	wait "${pids[@]}"
	cat "$TMP"/blast.* | sed -n 's/.*(\([0-9]*\) pps).*/\1/p' | awk '{s += $1} END {print s}'
	rm -f "$TMP"/blast.*
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
HZ=$(getconf CLK_TCK)

# result LABEL OFFERED RECEIVED DROPPED TICKS: one line, kept for medians
declare -A OFF RCV DRP CPU HLD RSS
result() {
	local cpu
	cpu=$(awk -v t="$5" -v hz="$HZ" -v s="$SECS" 'BEGIN {printf "%.0f", 100 * t / hz / s}')
	printf '  %-36s offered %9s pps  passed filter %10s  dropped %10s (%5.2f %%)  capture CPU %3s %%\n' \
		"$1" "$2" "$3" "$4" "$(awk -v d="$4" -v r="$3" 'BEGIN {print (d + r) ? 100 * d / (d + r) : 0}')" "$cpu"
	OFF[$1]+="$2 " RCV[$1]+="$3 " DRP[$1]+="$4 " CPU[$1]+="$cpu "
}

# The sensor's peak RSS in KB (it runs as sensor_user 64201).
sensor_hwm() {
	local p
	for p in $(ip netns pids "$R"); do
		[[ $(awk '/^Uid:/ {print $2}' "/proc/$p/status" 2>/dev/null) == 64201 ]] || continue
		awk '/^VmHWM:/ {print $2}' "/proc/$p/status"
		return
	done
	echo 0
}

# run_cordon [LABEL LIST LISTED_PER_MILLE SCAN SENDERS]
run_cordon() {
	local label=${1:-cordon run (sensor)} list=${2:-$TMP/threat.txt} st=$TMP/state pid t0 t1 off hwm n h
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
threat = $list
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
	off=$(blast "${3:-$LISTED}" "${4:-0}" "${5:-$SENDERS}")
	t1=$(ns_ticks)
	sleep 2.5 # the sensor's next sweep, then the parent's status file
	hwm=$(sensor_hwm)
	read -r r d n h < <("${PYTHON:-python3}" -c 'import json,sys; j=json.load(open(sys.argv[1])); c=j["capture"]; print(c["received"], c["droppedByKernel"], c["findings"], c["findingsHeld"])' "$st/daemon.json")
	read -r r0 d0 <<<"$r0"
	kill -TERM "$pid"
	wait "$pid"
	result "$label" "$off" "$((r - r0))" "$((d - d0))" "$((t1 - t0))"
	if [[ -n ${4:-} ]]; then
		printf '  %-36s findings held %6s  contacts held out %10s  sensor peak RSS %7s KB\n' "" "$n" "$h" "$hwm"
		HLD[$label]+="$h " RSS[$label]+="$hwm "
	fi
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
	if [[ $SCAN == 1 ]]; then
		run_cordon "cordon run, scan frames unlisted" "$TMP/threat.txt" 0 1 "$SCAN_SENDERS" || exit 1
		run_cordon "cordon run, scan (all listed)" "$TMP/threat_scan.txt" 0 1 "$SCAN_SENDERS" || exit 1
	fi
done
echo "medians of $RUNS:"
m() { tr ' ' '\n' <<<"$1" | grep . | median; }
labels=("cordon run (sensor)" "tcpdump -w /dev/null (peer)" "tcpdump, 100-host filter")
[[ $SCAN != 1 ]] || labels+=("cordon run, scan frames unlisted" "cordon run, scan (all listed)")
for l in "${labels[@]}"; do
	printf '  %-36s offered %9.0f pps  passed filter %10.0f  dropped %10.0f  capture CPU %3.0f %%\n' "$l" \
		"$(m "${OFF[$l]}")" "$(m "${RCV[$l]}")" "$(m "${DRP[$l]}")" "$(m "${CPU[$l]}")"
done
if [[ $SCAN == 1 ]]; then
	c="cordon run, scan frames unlisted" x="cordon run, scan (all listed)"
	awk -v oc="$(m "${OFF[$c]}")" -v ox="$(m "${OFF[$x]}")" -v rc="$(m "${RCV[$c]}")" -v rx="$(m "${RCV[$x]}")" \
		-v dc="$(m "${DRP[$c]}")" -v dx="$(m "${DRP[$x]}")" -v cc="$(m "${CPU[$c]}")" -v cx="$(m "${CPU[$x]}")" \
		-v h="$(m "${HLD[$x]}")" -v rss="$(m "${RSS[$x]}")" -v rssc="$(m "${RSS[$c]}")" -v secs="$SECS" 'BEGIN {
		kc = (rc + dc) ? rc / (rc + dc) : 0; kx = (rx + dx) ? rx / (rx + dx) : 0
		printf "  scan/clean, live sensor: share of frames kept %.3f / %.3f = %.2fx (target >= 0.8x: within 20 %%)\n", kx, kc, kc ? kx / kc : 0
		printf "    frames taken per second %.0f / %.0f; capture CPU %s %% / %s %%; %s contacts held out;\n", rx / secs, rc / secs, cx, cc, h
		printf "    sensor peak RSS %s KB / %s KB (bounds: max_flows = max_findings = 65536)\n", rss, rssc }'
fi
