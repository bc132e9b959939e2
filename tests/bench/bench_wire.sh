#!/bin/bash
# bench_wire: how long after the first packet to a listed address a clean
# host's traffic still gets through the protected host, measured outside
# the agent: a clean host C floods P with UDP while P's sink records the
# kernel receive time of every datagram that passed P's firewall; a
# process on P sends one datagram to the listed L (the trigger) and notes
# when. Window = last datagram through - trigger sent, over RUNS
# incidents, with `cordon run` in isolate mode:
#   cordon (kernel trip)    [agent] kernel_trip = true (the default)
#   peer: user-space path   kernel_trip = false: NFLOG -> sensor -> agent
#                           -> lockdown transaction (version one's path)
# The flood keeps one core busy, so this is "under load".
set -u
cd "$(dirname "$0")/../.."
CORDON=${CORDON:-$PWD/build/cordon}
RUNS=${RUNS:-20}
PY=${PYTHON:-/usr/bin/python3}
PROBE=$PWD/tests/bench/wire_probe.py
. tests/netns/enforcer_lib.bash
trap cleanup EXIT
setup_net
chmod 755 "$TMP"
printf '192.0.2.66\n' >"$TMP/threat.txt"
chmod 644 "$TMP/threat.txt"

conf() { # FILE KERNEL_TRIP
	cat >"$1" <<EOF2
[agent]
mode = isolate
kernel_trip = $2
interface = eth0
user = 65534
sensor_user = 64201
aws_user = 64202
[lists]
threat = $TMP/threat.txt
[guardduty]
enabled = false
EOF2
	chmod 644 "$1"
}
conf "$TMP/trip.conf" true
conf "$TMP/notrip.conf" false

# one CONF I: prints the window in microseconds (may be negative: the last
# datagram through came before the trigger)
one() {
	local cf=$1 i=$2 st=$TMP/state.$1.$2 pid sp fp
	mkdir -p "$st"
	ip netns exec "$PFX-p" "$CORDON" run -c "$cf" --state-dir "$st" \
		--exit-after-lockdown >"$TMP/run.log" 2>&1 &
	pid=$!
	for _ in $(seq 200); do grep -q "sensor matching" "$TMP/run.log" && break; sleep 0.05; done
	ip netns exec "$PFX-p" "$PY" "$PROBE" sink 192.0.2.1 7000 "$TMP/last" &
	sp=$!
	sleep 0.2
	ip netns exec "$PFX-c" "$PY" "$PROBE" flood 192.0.2.1 7000 3 >/dev/null &
	fp=$!
	sleep 1
	ip netns exec "$PFX-p" "$PY" "$PROBE" trigger 192.0.2.66 "$TMP/trig"
	wait "$fp"
	kill -TERM "$sp"; wait "$sp"
	for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
	np "$CORDON" release --local-only --state-dir "$st" -c "$cf" >/dev/null 2>&1
	echo $((($(cat "$TMP/last") - $(cat "$TMP/trig")) / 1000))
}

declare -a A B
for ((i = 0; i < RUNS; i++)); do
	A+=("$(one "$TMP/trip.conf" "$i")")
	B+=("$(one "$TMP/notrip.conf" "$i")")
done
np "$CORDON" unload >/dev/null 2>&1
summary() { # LABEL VALUES...
	local label=$1; shift
	printf '%s\n' "$@" | awk -v label="$label" '
	{ v[NR] = ($1 < 0 ? 0 : $1) / 1000.0 }
	END {
		n = NR; for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { x = v[i]; v[i] = v[j]; v[j] = x }
		p50 = v[int(.5 * n + .999999)]; p99 = v[int(.99 * n + .999999)]
		printf "  %-34s p50 %8.3f ms  p99 %8.3f ms  max %8.3f ms  (%d runs)\n", label, p50, p99, v[n], n
		print p99 > "/dev/stderr"
	}'
}
echo "  trigger sent -> last datagram of a clean host's flood through P (on P, kernel timestamps):"
summary "cordon (kernel trip)" "${A[@]}" 2>"$TMP/a99"
summary "peer: agent in user space (v1)" "${B[@]}" 2>"$TMP/b99"
awk -v a="$(cat "$TMP/a99")" -v b="$(cat "$TMP/b99")" 'BEGIN {
	if (a < 0.01) a = 0.01 # a 0 window: count it as 10 us
	printf "  ratio (p99): the kernel trip closes the host %.0fx sooner (target p99 <= 1 ms)\n", b / a }'
