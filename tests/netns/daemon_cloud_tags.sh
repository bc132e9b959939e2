#!/bin/bash
# tests/netns/daemon_cloud_tags.sh: the agent steered by its instance's
# tags, read through IMDS (DESIGN.md, "Cloud isolation contract"), and
# its identity when IMDS answers late (topology in daemon_cloud_lib.bash,
# the lab's VPC with its security groups enforced).
#   1. IMDS unreachable when the agent starts: the identity is asked again
#      with backoff (cordon status says UNKNOWN and how often it asked),
#      and known once IMDS answers, without a restart.
#   2. Instance metadata tags disabled: IMDS answers 404 and cordon status
#      says the tags cannot be read; enabled again, they can.
#   3. An operator (or GuardDuty's responder) tags the instance
#      cordon:status=isolated: the agent locks the host down within 10 s,
#      journaled as an incident opened from outside under the tags'
#      incident id, and runs no cloud plan of its own for it.
#   4. `cordon release --instance-id` from the operator's workstation: the
#      agent reads cordon:status=released for that incident, lifts its
#      lockdown, closes the incident. TAP.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/netns/daemon_cloud_lib.bash
trap dc_cleanup EXIT
dc_setup
dc_conf # [cloud] tag_poll_interval: the default, 5 s
status_txt() { ns host "$CORDON" status -c "$WORK/cordon.conf" --state-dir "$ST" >"$WORK/status.txt" 2>&1; }
# wait_status REGEX [TENTHS]: until cordon status says so
wait_status() {
	local i
	for ((i = 0; i < ${2:-100}; i++)); do
		status_txt && grep -qE "$1" "$WORK/status.txt" && return 0
		sleep 0.1
	done
	return 1
}

# ---- 1. IMDS late ------------------------------------------------------------------
ns host ip route replace blackhole 169.254.169.254/32
# shellcheck disable=SC2046 # dc_env's words are separate on purpose
ip netns exec "$PFX-host" $(dc_env) "$CORDON" run -c "$WORK/cordon.conf" --state-dir "$ST" -v \
	>>"$LOG" 2>&1 &
DPID=$!
PIDS+=("$DPID")
wait_log "running in isolate mode" 100 && ok "the agent starts with IMDS unreachable" ||
	{ notok "agent start"; diag "$LOG"; exit 1; }
if wait_status "identity: UNKNOWN after [3-9] attempt" 150; then
	ok "cordon status: identity UNKNOWN, asked again and again"
	grep identity "$WORK/status.txt" | sed 's/^/# /'
else
	notok "identity unknown in status"; diag "$WORK/status.txt"
fi
check "cordon status: the tags cannot be read (no IMDS)" grep -q "instance tags: NOT readable: IMDS" "$WORK/status.txt"
check "the log says when it asks again" grep -qE "instance identity from IMDS: .*\(attempt 2, again in 2 s" "$LOG"
ns host ip route replace 169.254.169.254/32 dev eth0
wait_log "instance $INST in us-east-1" 200 && ok "IMDS back: the identity is known, no restart" ||
	{ notok "identity after IMDS came back"; diag "$LOG"; }
wait_status "identity: $INST in us-east-1 \(from IMDS\)" 50 && ok "cordon status: the identity" ||
	{ notok "status identity"; diag "$WORK/status.txt"; }
wait_status "instance tags: readable through IMDS \(cordon:status=none\)" 50 &&
	ok "cordon status: the tags readable" || { notok "tags readable"; diag "$WORK/status.txt"; }
pyq "$ST/daemon.json" "d['identity']['state'] == 'known' and d['identity']['attempts'] >= 4 and d['instanceTags']['readable'] is True" &&
	ok "daemon.json: identity known after several attempts, tags readable" || { notok "daemon.json"; diag "$ST/daemon.json"; }

# ---- 2. metadata tags disabled -----------------------------------------------------
admin ec2 modify-instance-metadata-options --instance-id "$INST" --instance-metadata-tags disabled \
	>/dev/null || notok "disable metadata tags"
wait_status "instance tags: NOT readable: instance metadata tags are disabled \(IMDS answers 404" 150 &&
	ok "metadata tags disabled: cordon status says the tags cannot be read (404)" ||
	{ notok "tags disabled in status"; diag "$WORK/status.txt"; }
pyq "$ST/daemon.json" "d['instanceTags']['state'] == 'disabled' and d['instanceTags']['readable'] is False" &&
	ok "daemon.json: instanceTags disabled" || { notok "daemon.json disabled"; diag "$ST/daemon.json"; }
admin ec2 modify-instance-metadata-options --instance-id "$INST" --instance-metadata-tags enabled \
	>/dev/null || notok "enable metadata tags"
wait_status "instance tags: readable" 150 && ok "enabled again: readable" || { notok "enabled"; diag "$WORK/status.txt"; }

# ---- 3. isolated from outside --------------------------------------------------------
check "before: the host reaches the clean peer" probe host 198.51.100.20 8080
OUT=inc-20260101T000000Z-0ff5e7
t0=$(date +%s%N)
admin ec2 create-tags --resources "$INST" \
	--tags "Key=cordon:status,Value=isolated" "Key=cordon:incident,Value=$OUT" || notok "tag isolated"
if wait_log "incident $OUT: host locked down on isolated from outside: cordon:status=isolated, incident $OUT" 150; then
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	[[ $ms -le 10000 ]] && ok "cordon:status=isolated set from outside: the agent locks the host down $ms ms after the tag (within 10 s)" ||
		notok "outside isolation: $ms ms after the tag (more than 10 s)"
else
	notok "outside isolation"; diag "$LOG"
fi
refute "locked: the clean peer is cut off" probe host 198.51.100.20 8080
jr
grep -q "\"type\":\"incident_open\",\"incident\":\"$OUT\".*\"reason\":\"isolated from outside: cordon:status=isolated, incident $OUT\"" "$WORK/journal.json" &&
	ok "journal: an incident opened from outside, under the tags' incident id" || { notok "journal"; diag "$WORK/journal.json"; }
check "journal: its lockdown done" test "$(jcount_in "$OUT" lockdown host done)" -eq 1
sleep 3
jr
refute "no cloud plan of the agent's own for it (no describe, no message)" \
	grep -qE "\"incident\":\"$OUT\".*\"action\":\"(ec2_describe|sns_publish)\"" "$WORK/journal.json"
cloud_state
pyq "$WORK/state.json" "d['tags'].get('cordon:incident') == '$OUT' and d['mail'] == []" &&
	ok "the instance's tags left as the outside set them" || { notok "tags kept"; diag "$WORK/state.json"; }

# ---- 4. released from outside ---------------------------------------------------------
ops_release >"$WORK/release.out" 2>&1 && ok "release --instance-id from the operator's workstation" ||
	{ notok "release"; diag "$WORK/release.out"; }
wait_log "incident $OUT was released \(released from outside \(cordon:status=released, cordon:released=$OUT " 100 &&
	ok "the agent lifts its lockdown when the tags say released for that incident" ||
	{ notok "lifted"; diag "$LOG"; }
check "released: the host reaches the clean peer again" probe host 198.51.100.20 8080
jr
grep -q "\"type\":\"incident_close\",\"incident\":\"$OUT\"" "$WORK/journal.json" &&
	ok "journal: the incident closed" || { notok "journal close"; diag "$WORK/journal.json"; }
# The tags say released now: nothing is locked again, even after a restart.
kill -TERM "$DPID"
wait "$DPID"
dc_run || { notok "restart"; diag "$LOG"; }
sleep 3
check "after a restart: a released instance stays open" probe host 198.51.100.20 8080
dc_sigterm
finish
