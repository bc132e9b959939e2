#!/bin/bash
# tests/netns/daemon_flood.sh: `cordon run` under a scan that makes far
# more findings than the table holds (issue 11 items 1 and 2).
#
#   S (sender: tests/bench/blast.c, frames from 512 listed addresses to
#      256 local addresses and random ports) --veth-- R 192.0.2.10 (cordon)
#
# Checks: the full table holds new noise out instead of churning
# (noise_hold, default 60 s: findingsHeld in daemon.json and the metrics
# file), yet the host's own contact still finds room; the sensor sends new inbound noise to
# the parent within its rate and counts the rest (findingsUnreported); the
# findings file stays within the write-rate bound and counts what it did
# not write (findingsDropped);
# during the flood the host's own packet to a listed C2 is still a finding,
# logged and written; `cordon status` shows the losses.
# Only documentation addresses; namespaces named with $$.
set -u
cd "$(dirname "$0")/../.." || exit 1
CORDON=${CORDON:-$PWD/build/san/cordon}
PYTHON=${PYTHON:-/usr/bin/python3}
S=cdfs$$ R=cdfr$$
TMP=$(mktemp -d /tmp/cordon-flood.XXXXXX)
chmod 755 "$TMP"
. tests/netns/lib.bash
trap pair_cleanup EXIT

cc -O2 -o "$TMP/blast" tests/bench/blast.c || { echo "Bail out! cannot build blast"; exit 1; }
pair_net
# R's own packets to the C2 leave through rx0 (a neighbour that never answers).
ip -n "$R" neigh add 192.0.2.1 lladdr 02:00:00:00:00:01 dev rx0
ip -n "$R" route add 203.0.113.0/24 via 192.0.2.1

ST=$TMP/state
mkdir -p "$ST"
printf '198.51.100.0/24\n203.0.113.0/24\n' >"$TMP/threat.txt"
chmod 644 "$TMP/threat.txt"
cat >"$TMP/cordon.conf" <<EOF
[agent]
mode = monitor
interface = rx0
user = 65534
sensor_user = 64201
aws_user = 64202
max_findings = 4096
metrics_file = $ST/cordon.prom
[lists]
threat = $TMP/threat.txt
[guardduty]
enabled = false
EOF
chmod 644 "$TMP/cordon.conf"

ip netns exec "$R" "$CORDON" run -c "$TMP/cordon.conf" --state-dir "$ST" -v >"$TMP/run.log" 2>&1 &
DPID=$!
t_start=$(date +%s.%N)
for _ in $(seq 200); do
	grep -q "sensor matching against" "$TMP/run.log" && break
	sleep 0.1
done
if grep -q "sensor matching against" "$TMP/run.log"; then ok "daemon up"; else
	notok "daemon up"; sed 's/^/# /' "$TMP/run.log"; exit 1
fi

# Six seconds of a port scan from every address of both listed /24s, at
# a pace the sanitizer build's sensor keeps up with (no kernel drops: the
# C2 packet below must reach it).
ip netns exec "$S" "$TMP/blast" tx0 6 500 "${FLOOD_PPS:-3000}" 1 >"$TMP/blast.out" &
BPID=$!
for _ in 1 2 3; do
	sleep 1.5
	ip netns exec "$R" bash -c 'echo c2 >/dev/udp/203.0.113.200/4444' 2>/dev/null
done
wait "$BPID"
echo "# $(cat "$TMP/blast.out")"
sleep 2.5
t_end=$(date +%s.%N)

if grep -qE 'finding [0-9a-f]{32}: OUTBOUND UDP 192.0.2.10 -> 203.0.113.200 port 4444' "$TMP/run.log"; then
	ok "during the flood the host's packet to a listed C2 is a finding (logged)"
else
	notok "C2 finding logged during the flood"; grep -c 'finding' "$TMP/run.log" | sed 's/^/# findings logged: /'
fi
if grep -q '"ipAddressV4":"203.0.113.200"},"remotePortDetails":{"port":4444}' "$ST"/findings.json*; then
	ok "the C2 finding is in the findings file (new findings outrank updates)"
else
	notok "C2 finding written"
fi

"$PYTHON" - "$ST/daemon.json" "$t_start" "$t_end" "$ST" <<'PY' >"$TMP/py.out" 2>&1
import glob, json, os, sys
c = json.load(open(sys.argv[1]))["capture"]
elapsed = float(sys.argv[3]) - float(sys.argv[2])
size = sum(os.path.getsize(p) for p in glob.glob(sys.argv[4] + "/findings.json*"))
bound = 2 * 1024 * 1024 + 256 * 1024 * elapsed + 64 * 1024
print("# received %d, kernel drops %d, lost %d" % (c["received"], c["droppedByKernel"], c["lost"]))
print("# matched %d, findings %d, evicted %d, held %d, unreported %d, records dropped %d, rotations %d, file %d bytes in %.1f s (bound %d)" % (
    c["matched"], c["findings"], c["findingsEvicted"], c["findingsHeld"], c["findingsUnreported"],
    c["findingsDropped"], c["findingsRotations"], size, elapsed, bound))
print("held" if c["findingsHeld"] > 0 and c["findings"] <= 4096 else "not-held")
print("dropped" if c["findingsDropped"] > 0 else "not-dropped")
print("unreported" if c["findingsUnreported"] > 0 else "all-reported")
print("bounded" if size <= bound else "unbounded")
PY
grep '^#' "$TMP/py.out"
grep -qx held "$TMP/py.out" && ok "a full table holds new noise out (findingsHeld > 0, findings <= max_findings)" ||
	{ notok "table holds noise out"; sed 's/^/# /' "$TMP/py.out"; }
grep -qx dropped "$TMP/py.out" && ok "records over the write rate are dropped and counted (findingsDropped > 0)" ||
	notok "findingsDropped counted"
grep -qx unreported "$TMP/py.out" &&
	ok "the sensor reports new inbound noise within its rate, counts the rest (findingsUnreported > 0)" ||
	notok "findingsUnreported counted"
grep -qx bounded "$TMP/py.out" && ok "findings file within burst + rate x time" ||
	notok "findings file bounded"
grep -qE '^cordon_findings_dropped_total [1-9]' "$ST/cordon.prom" &&
	grep -qE '^cordon_findings_evicted_total [0-9]' "$ST/cordon.prom" &&
	grep -qE '^cordon_findings_held_total [1-9]' "$ST/cordon.prom" &&
	grep -qE '^cordon_findings_unreported_total [1-9]' "$ST/cordon.prom" &&
	ok "metrics file: findings dropped, evicted and held counters" ||
	{ notok "metrics counters"; grep findings "$ST/cordon.prom" | sed 's/^/# /'; }
out=$(ip netns exec "$R" "$CORDON" status --state-dir "$ST" 2>&1)
grep -qE 'under load: [1-9][0-9]* matched packets lost, [0-9]+ findings evicted, [1-9][0-9]* new inbound findings held out \(table full of recent ones\), [0-9]+ new inbound findings not reported \(rate\), [1-9][0-9]* finding records not written' <<<"$out" &&
	ok "cordon status shows the losses" || { notok "status shows the losses"; echo "$out" | sed 's/^/# /'; }
kill -TERM "$DPID"
wait "$DPID"
rc=$?
[[ $rc -eq 0 ]] && ok "SIGTERM: clean exit" || { notok "SIGTERM: exit $rc"; tail -5 "$TMP/run.log" | sed 's/^/# /'; }
echo "1..$TESTNUM"
[[ $FAILED -eq 0 ]]
