#!/bin/bash
# tests/netns/daemon_run.sh: `cordon run` on live traffic. Topology of
# enforcer_lib.bash (P runs cordon, L is listed, C is clean, R is the
# responders' host):
#
#   P 192.0.2.1 ---- bridge ---- L 192.0.2.66 (listed)
#                      |-------- C 192.0.2.3  (clean)
#                      '-------- R 192.0.2.4  (responder, allowlisted)
#
# Checks: config check (-n), monitor mode findings, isolate mode: finding,
# lockdown with its latency, findings file, status, the sensor process
# killed (parent notices, restarts it, lockdown stays), a ruleset flush
# (the agent puts its table and the lockdown back), SIGTERM leaves the
# kernel state in force, release restores.
set -u
cd "$(dirname "$0")/../.."
. tests/netns/enforcer_lib.bash
trap cleanup EXIT

setup_net
# The agent (enforcer_lib.bash: nobody; its state is its own). 2001:db8:bad::/48
# lies behind C (routed below): one finding per address.
agent_state 192.0.2.66 2001:db8::66 2001:db8:bad::/48

conf() { # MODE: write the config for that mode
	agent_conf "$1" "metrics_file = $ST/cordon.prom" "[lockdown]" "allow = 192.0.2.4:22"
}

conf isolate
out=$("$CORDON" run -c "$TMP/cordon.conf" -n 2>&1)
if [[ $? -eq 0 ]] && grep -q '^mode = isolate' <<<"$out" && grep -q '^\[cloud\]' <<<"$out"; then
	ok "run -n checks the config and prints it normalised"
else
	notok "run -n prints the normalised config"; echo "$out" | sed 's/^/# /'
fi
printf '[agent]\nmode = isolte\n' >"$TMP/bad.conf"
out=$("$CORDON" run -c "$TMP/bad.conf" -n 2>&1)
rc=$?
[[ $rc -eq 2 ]] && grep -q 'bad.conf:2' <<<"$out" && ok "run -n: bad value names file and line (exit 2)" ||
	{ notok "run -n: bad value (exit $rc)"; echo "# $out"; }

# --- monitor mode: findings, nothing dropped -----------------------------
conf monitor
tcp_server l :: 8080
tcp_server c :: 8080
wait_listen l 8080 && wait_listen c 8080
: >"$LOG" # each run's readiness and lines in a log of its own
if run_daemon; then ok "monitor: daemon up, sensor has its lists"; else notok "monitor: daemon up"; cat "$TMP/run.log"; fi
check "monitor: P reaches the listed host (nothing dropped)" tcp_ok p 192.0.2.66 8080
wait_log 'finding [0-9a-f]{32}: OUTBOUND TCP 192.0.2.1 -> 192.0.2.66 port 8080' &&
	ok "monitor: OUTBOUND TCP finding logged" || notok "monitor: finding logged"
sleep 1.2
"$PYTHON" - "$ST/findings.json" <<'PY' && ok "monitor: findings file holds the GuardDuty-shaped finding" || notok "monitor: findings file"
import json, sys
fs = [json.loads(l) for l in open(sys.argv[1])]
f = fs[-1]
a = f["service"]["action"]["networkConnectionAction"]
assert f["type"] == "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom"
assert a["connectionDirection"] == "OUTBOUND" and a["protocol"] == "TCP"
assert a["remoteIpDetails"] == {"ipAddressV4": "192.0.2.66"} and a["remotePortDetails"] == {"port": 8080}
assert a["blocked"] is False
assert f["service"]["additionalInfo"]["packets"] >= 3, f
PY
grep -q '"capture"' "$ST/daemon.json" && ok "monitor: status file written" || notok "monitor: status file"
for _ in $(seq 30); do
	grep -qE '^cordon_packets_matched_total [1-9]' "$ST/cordon.prom" 2>/dev/null && break
	sleep 0.1
done
grep -qE '^cordon_packets_matched_total [1-9]' "$ST/cordon.prom" &&
	ok "monitor: Prometheus textfile with the counters" ||
	{ notok "monitor: metrics textfile"; ls -la "$ST" | sed 's/^/# /'; head -5 "$ST/cordon.prom" 2>&1 | sed 's/^/# /'; }
# logrotate's way: move the file, SIGHUP, the next finding goes to a new one.
mv "$ST/findings.json" "$ST/findings.json.1"
kill -HUP "$DPID"
wait_log 'SIGHUP' 20
tcp_ok p 192.0.2.66 8080 >/dev/null 2>&1
sleep 1.5
[[ -s $ST/findings.json ]] && ok "monitor: SIGHUP reopens the findings file (rotation)" ||
	notok "monitor: findings file reopened after SIGHUP"
check "monitor: no lockdown" tcp_ok p 192.0.2.3 8080
# The parent stopped (as if stuck in a slow write): 20000 new findings, far
# more than the socket to it holds (8 MiB at most). The sensor must not
# wait in a send for the parent; once it runs again every finding the
# sensor made arrives (a loaded machine may drop packets before the
# sensor sees them: those make no finding). Each probe goes to another
# listed remote (20000 ports of one remote would fold into 17 findings),
# outbound, so no report rate applies: the findings file's rate does, and
# what it does not write it counts (findingsDropped).
spid=$(grep -oE 'sensor process [0-9]+ running' "$TMP/run.log" | tail -1 | awk '{print $3}')
sys_send=$(printf '#include <sys/syscall.h>\nSYS_sendmsg SYS_sendto\n' | gcc -E - | tail -1)
# Via the clean host: neighbour discovery with a listed one would be findings too.
np ip -6 route add 2001:db8:bad::/48 via 2001:db8::3
kill -STOP "$DPID"
np "$PYTHON" -c 'import socket, time
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
for p in range(20000, 40000):
    s.sendto(b"x", ("2001:db8:bad::%x" % p, p))
    if p % 500 == 0: time.sleep(0.02)'
sleep 1
read -r sc _ <"/proc/$spid/syscall"
[[ -n $sc && " $sys_send " != *" $sc "* ]] &&
	ok "monitor: parent stopped, 20000 new findings: the sensor is not stuck sending (syscall $sc)" ||
	notok "monitor: the sensor waits in a send for the stopped parent (syscall $sc)"
kill -CONT "$DPID"
# "N M": findings of the probes in the file, and how many the sensor made
counts() {
	"$PYTHON" - "$ST/findings.json" "$ST/daemon.json" <<'PY'
import json, sys
probes, others = set(), set()
for l in open(sys.argv[1]):
    f = json.loads(l)
    p = f["service"]["action"]["networkConnectionAction"].get("remotePortDetails", {}).get("port", 0)
    (probes if 20000 <= p < 40000 else others).add(f["id"])
c = json.load(open(sys.argv[2]))["capture"]
print(len(probes), c["findings"] - len(others), c["reportsDeferred"], c["droppedByKernel"],
      c["findingsDropped"])
PY
}
prev=-1
for _ in $(seq 50); do
	sleep 0.6
	read -r n made deferred dropped fdropped <<<"$(counts)"
	[[ $((n + fdropped)) -eq $made && $n -eq $prev ]] && break # and settled
	prev=$n
done
echo "# $n findings of 20000 probes written, $fdropped over the file's rate; the sensor made $made; $deferred reports waited; $dropped packets dropped by the kernel"
[[ $((n + fdropped)) -eq $made && $made -ge 15000 && $n -gt 0 ]] &&
	ok "monitor: after it, every finding the sensor made reaches the parent (written, or counted over the file's rate)" ||
	notok "monitor: $n written + $fdropped over the rate of the sensor's $made findings"
[[ $deferred -gt 0 ]] && ok "monitor: daemon.json counts the reports that waited" ||
	{ notok "monitor: reportsDeferred"; sed 's/^/# /' "$ST/daemon.json"; }
kill -TERM "$DPID"; wait "$DPID"; rc=$?
[[ $rc -eq 0 ]] && ok "SIGTERM: clean exit" || notok "SIGTERM: exit $rc"

# --- isolate mode -------------------------------------------------------
conf isolate
: >"$ST/findings.json"
: >"$LOG"
if run_daemon; then ok "isolate: daemon up"; else notok "isolate: daemon up"; cat "$TMP/run.log"; fi
# daemon.json is written at readiness, before the agent says it runs: at once right.
"$PYTHON" - "$ST/daemon.json" <<'PY' && ok "isolate: daemon.json right at readiness (state running, list loaded)" ||
import json, sys
d = json.load(open(sys.argv[1]))
assert d["state"] == "running" and d["running"], d
assert d["lists"][0]["entries"] == 3 and d["lists"][0]["result"] == "loaded", d["lists"]
assert d["incident"] is None and d["processes"]["sensor"]["pid"] > 0, d
PY
	{ notok "isolate: daemon.json at readiness"; sed 's/^/# /' "$ST/daemon.json"; }
check "isolate: clean traffic passes" tcp_ok p 192.0.2.3 8080
refute "isolate: the listed host is blocked" tcp_ok p 192.0.2.66 8080
if wait_log 'host locked down [0-9.]+ ms after the first packet'; then
	ok "isolate: an outbound attempt opens an incident and locks the host down"
	grep -oE 'locked down [0-9.]+ ms after the first packet \(call [^)]*\)' "$TMP/run.log" | sed 's/^/# /'
else
	notok "isolate: lockdown"; sed 's/^/# /' "$TMP/run.log"
fi
refute "isolate: in lockdown the clean host is cut off too" tcp_ok p 192.0.2.3 8080
grep -q '"blocked":true' "$ST/findings.json" && ok "isolate: the dropped attempt is a finding with blocked: true (NFLOG)" ||
	notok "isolate: blocked finding"
# No waiting: daemon.json is rewritten before the lockdown is logged.
inc=$(grep -oE 'incident inc-[0-9TZ]+-[0-9a-f]+: host locked down' "$TMP/run.log" | head -1 | awk '{print $2}' | tr -d :)
"$PYTHON" - "$ST/daemon.json" "$inc" <<'PY' && ok "isolate: daemon.json shows the open incident at once" ||
import json, sys
d = json.load(open(sys.argv[1]))["incident"]
assert d["id"] == sys.argv[2] and d["lockdown"] is True and d["findings"] >= 1, d
PY
	{ notok "isolate: status shows the incident"; sed 's/^/# /' "$ST/daemon.json"; }

# Evidence: ring of headers before the trigger, findings, sockets, counters, manifest.
if wait_log 'evidence kept in' 50; then
	ev=$(grep -oE 'evidence kept in [^ ]+' "$TMP/run.log" | awk '{print $4}')
	ok "isolate: evidence kept"
	for f in ring.pcap findings.json sockets.json nft-counters.json manifest.json; do
		[[ -s $ev/$f ]] && ok "evidence: $f" || notok "evidence: $f missing or empty"
	done
	n=$(tcpdump -nr "$ev/ring.pcap" 2>/dev/null | grep -c '192.0.2.3')
	[[ $n -gt 0 ]] && ok "evidence: the ring holds the packets before the trigger ($n to C)" ||
		notok "evidence: ring content"
	grep -q '"sha256"' "$ev/manifest.json" && ok "evidence: manifest lists hashes" || notok "evidence: manifest"
else
	notok "isolate: evidence kept"; sed 's/^/# /' "$TMP/run.log"
fi
out=$("$CORDON" journal --state-dir "$ST" 2>&1)
grep -q lockdown <<<"$out" && grep -q evidence <<<"$out" && ok "journal records the incident, lockdown and evidence" ||
	{ notok "journal"; echo "$out" | sed 's/^/# /'; }

spid=$(grep -oE 'sensor process [0-9]+ running' "$TMP/run.log" | tail -1 | awk '{print $3}')
kill -9 "$spid" 2>/dev/null
if wait_log "sensor process $spid died of signal 9" && wait_log 'restarting the sensor process' &&
	wait_log "sensor process [0-9]+ running .*" 30; then
	ok "sensor killed: the parent notices and restarts it"
else
	notok "sensor killed"; sed 's/^/# /' "$TMP/run.log"
fi
refute "sensor killed: the lockdown stays" tcp_ok p 192.0.2.3 8080
# Someone flushes the ruleset (nftables.service does at every start, reload
# and stop): the agent puts its table back, with the recorded lockdown.
np nft flush ruleset
if wait_log 'table inet cordon is gone .*: putting it back with the lockdown' 100; then
	ok "ruleset flushed: the agent notices within its 5 s check"
else
	notok "ruleset flushed: not noticed"; sed 's/^/# /' "$TMP/run.log"
fi
for _ in $(seq 30); do np nft list table inet cordon >/dev/null 2>&1 && break; sleep 0.1; done
check "ruleset flushed: the table is back" np nft list table inet cordon
check "ruleset flushed: the listed address is in its set again" \
	bash -c "ip netns exec $PFX-p nft list set inet cordon threat4 | grep -q 192.0.2.66"
refute "ruleset flushed: the lockdown is back" tcp_ok p 192.0.2.3 8080
"$PYTHON" -c 'import json,sys; assert json.load(open(sys.argv[1]))["tablesRestored"] == 1' "$ST/daemon.json" &&
	ok "ruleset flushed: daemon.json counts it (tablesRestored)" || notok "ruleset flushed: tablesRestored"
np "$CORDON" status --state-dir "$ST" 2>&1 | grep -q 'table inet cordon put back 1 time(s)' &&
	ok "ruleset flushed: cordon status says so" || notok "ruleset flushed: cordon status"
kill -TERM "$DPID"; wait "$DPID"
refute "daemon stopped: the lockdown stays in the kernel" tcp_ok p 192.0.2.3 8080
out=$(np "$CORDON" release --state-dir "$ST" 2>&1)
rc=$?
[[ $rc -eq 0 ]] && grep -q 'incident inc-.* closed' <<<"$out" && ok "release: lockdown lifted and the incident closed" ||
	{ notok "release (exit $rc)"; echo "$out" | sed 's/^/# /'; }
check "release: the host is reachable again" tcp_ok p 192.0.2.3 8080
out=$(np "$CORDON" release --state-dir "$ST" 2>&1)
[[ $? -eq 0 ]] && ok "release again: safe to repeat" || { notok "release again"; echo "$out" | sed 's/^/# /'; }
np "$CORDON" unload >/dev/null 2>&1
finish
