#!/bin/bash
# tests/netns/daemon_rearm.sh: the agent and the lockdowns it did not make
# itself (issue 11 items 3 and 19, enforcer.md "The trip"). Topology of
# enforcer_lib.bash (P runs cordon, L is listed at three addresses, C is
# clean, R is the responders' host):
#
#   P 192.0.2.1 ---- bridge ---- L 192.0.2.66, .67, .68 (listed)
#                      |-------- C 192.0.2.3  (clean)
#                      '-------- R 192.0.2.4  (responder, allowlisted)
#
# 1. The kernel trips while no agent runs (cordon enforce in isolate mode,
#    a packet to a listed address): the host is locked, nothing records
#    it. `cordon run` starts: it records the lockdown (state file) and
#    opens an incident "tripped in the kernel while the agent was not
#    running".
# 2. `cordon release --local-only` lifts the lockdown and leaves the
#    incident open: the agent logs the release it sees and re-arms; with
#    the kernel's trip off (only the agent locks), contacts with two new
#    listed addresses lock the host down again (they used to make
#    findings only, the host open).
# 3. The same with the trip on: the kernel locks at the packet, the agent
#    records it.
# 4. A full `cordon release`: the incident closed, the next contact opens
#    a new one. TAP.
set -u
cd "$(dirname "$0")/../.."
. tests/netns/enforcer_lib.bash
trap cleanup EXIT

setup_net
agent_state 192.0.2.66 192.0.2.67 192.0.2.68
ns l ip addr add 192.0.2.67/24 dev eth0
ns l ip addr add 192.0.2.68/24 dev eth0

conf() { # KERNEL_TRIP
	agent_conf isolate "kernel_trip = $1" "[lockdown]" "allow = 192.0.2.4:22"
}
status_json() { np "$CORDON" status --json -c "$TMP/cordon.conf" --state-dir "$ST"; }
tripped() { status_json | grep -q '"tripped":true'; }
recorded() { [[ -e $ST/lockdown ]]; }
# lockdowns INC: lockdown:host records done for that incident
lockdowns() {
	"$CORDON" journal --json --state-dir "$ST" | "$PYTHON" -c 'import json, sys
print(sum(1 for l in sys.stdin for r in [json.loads(l).get("record", {})]
          if r.get("incident") == sys.argv[1] and r.get("action") == "lockdown" and r.get("state") == "done"))' "$1"
}
: >"$TMP/run.log"
tcp_server l :: 8080
tcp_server c :: 8080
wait_listen l 8080 && wait_listen c 8080

# ---- 1. tripped while the agent was not running ------------------------------------
conf true
check "enforce: the lists in isolate mode, the trip armed, no agent running" \
	np "$CORDON" enforce -c "$TMP/cordon.conf" --state-dir "$ST" --threat-list "$TMP/threat.txt" --quiet
check "armed: the clean host is reachable" tcp_ok p 192.0.2.3 8080
ping4 p 192.0.2.66
check "a packet to a listed address trips the kernel" tripped
refute "tripped: the clean host is cut off" tcp_ok p 192.0.2.3 8080
refute "tripped: no lockdown recorded (no agent)" recorded
if run_daemon; then ok "the agent starts"; else notok "agent start"; sed 's/^/# /' "$TMP/run.log"; fi
wait_log "incident inc-[^ ]+: host locked down on tripped in the kernel while the agent was not running" &&
	ok "the agent records the trip and opens an incident" || { notok "trip recorded"; sed 's/^/# /' "$TMP/run.log"; }
check "the lockdown is recorded (state file)" recorded
INC=$(grep -oE 'incident inc-[0-9TZ]+-[0-9a-f]+: host locked down on tripped' "$TMP/run.log" | head -1 | awk '{print $2}' | tr -d :)
"$CORDON" journal --json --state-dir "$ST" >"$TMP/journal.json"
grep -q "\"type\":\"incident_open\",\"incident\":\"$INC\".*\"reason\":\"tripped in the kernel while the agent was not running\"" "$TMP/journal.json" &&
	ok "journal: the incident and its reason" || { notok "journal: trip incident"; sed 's/^/# /' "$TMP/journal.json"; }
check "journal: its lockdown done" test "$(lockdowns "$INC")" -eq 1
refute "still locked: the clean host is cut off" tcp_ok p 192.0.2.3 8080
kill -TERM "$DPID"; wait "$DPID"

# ---- 2. a local release, then two new listed addresses (the agent alone locks) -------
conf false
check "enforce: the trip off (only the agent locks down)" \
	np "$CORDON" enforce -c "$TMP/cordon.conf" --state-dir "$ST" --threat-list "$TMP/threat.txt" --quiet
if run_daemon; then ok "the agent starts again, its incident open"; else notok "agent restart"; fi
wait_log "incident $INC is still open" || notok "the incident resumed"
out=$(np "$CORDON" release --local-only -c "$TMP/cordon.conf" --state-dir "$ST" 2>&1) &&
	ok "release --local-only" || { notok "release --local-only"; echo "$out" | sed 's/^/# /'; }
check "released: the clean host is reachable" tcp_ok p 192.0.2.3 8080
wait_log "incident $INC: the host's lockdown was lifted outside the agent .*re-armed" 50 &&
	ok "the agent logs the release it sees and re-arms" || { notok "release seen"; sed 's/^/# /' "$TMP/run.log"; }
refute "new listed address .67 is blocked" tcp_ok p 192.0.2.67 8080
refute "new listed address .68 is blocked" tcp_ok p 192.0.2.68 8080
wait_log "incident $INC: .*192.0.2.6[78].*: locking the host down again" 50 &&
	ok "the next contact that meets the policy locks the host down again" ||
	{ notok "locked again"; sed 's/^/# /' "$TMP/run.log"; }
refute "locked again: the clean host is cut off" tcp_ok p 192.0.2.3 8080
check "locked again: recorded" recorded
check "journal: a second lockdown of the incident" test "$(lockdowns "$INC")" -eq 2

# ---- 3. the same with the kernel's trip: the agent records it ------------------------
kill -TERM "$DPID"; wait "$DPID"
conf true
check "enforce: the trip on again" np "$CORDON" enforce -c "$TMP/cordon.conf" --state-dir "$ST" --threat-list "$TMP/threat.txt" --quiet
if run_daemon; then ok "the agent starts again"; else notok "agent restart 2"; fi
check "release --local-only again" np "$CORDON" release --local-only -c "$TMP/cordon.conf" --state-dir "$ST"
wait_log "incident $INC: the host's lockdown was lifted outside the agent" 50 || notok "second release seen"
for _ in $(seq 30); do
	[[ $(grep -c "lifted outside the agent" "$TMP/run.log") -ge 2 ]] && break
	sleep 0.1
done
check "released: the clean host is reachable" tcp_ok p 192.0.2.3 8080
ping4 p 192.0.2.68
check "the kernel trips at the packet" tripped
for _ in $(seq 30); do recorded && break; sleep 0.1; done
check "the agent records the tripped lockdown" recorded
check "journal: a third lockdown of the incident" test "$(lockdowns "$INC")" -eq 3

# ---- 4. a full release: closed, the next contact opens a new incident ---------------
out=$(np "$CORDON" release -c "$TMP/cordon.conf" --state-dir "$ST" 2>&1)
[[ $? -eq 0 ]] && grep -q "incident $INC closed" <<<"$out" && ok "release: the incident closed" ||
	{ notok "release"; echo "$out" | sed 's/^/# /'; }
wait_log "incident $INC was released" 50 && ok "the agent logs it" || notok "release logged"
refute "the lifted lockdown is not taken for a --local-only one" \
	eval "[[ \$(grep -c 'lifted outside the agent' '$TMP/run.log') -gt 2 ]]"
check "released: the clean host is reachable" tcp_ok p 192.0.2.3 8080
ping4 p 192.0.2.67
wait_log "incident inc-[^ ]+: host locked down [0-9.]+ ms after the first packet.*192.0.2.67" 50 &&
	ok "the next contact opens a new incident" || { notok "new incident"; sed 's/^/# /' "$TMP/run.log"; }
kill -TERM "$DPID"; wait "$DPID"
rc=$?
[[ $rc -eq 0 ]] && ok "SIGTERM: clean exit" || notok "SIGTERM: exit $rc"
np "$CORDON" release --local-only -c "$TMP/cordon.conf" --state-dir "$ST" >/dev/null 2>&1
np "$CORDON" unload >/dev/null 2>&1
finish
