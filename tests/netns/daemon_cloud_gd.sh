#!/bin/bash
# tests/netns/daemon_cloud_gd.sh: GuardDuty and `cordon run` (topology in
# daemon_cloud_lib.bash; the fake GuardDuty in the cloud namespace, polled
# every 10 s, the shortest interval). A finding below min_severity is
# ignored; a GuardDuty-only finding of a type in [incident]
# guardduty_types opens an incident by itself (a high severity of another
# type does not): lockdown, both interfaces through the conversion group
# into the forensic group, SNS naming the GuardDuty finding; release restores the
# original groups (not the conversion group). Then, without cloud
# isolation (the host keeps its API), a local finding, and a GuardDuty
# finding with the same remote address confirms the incident
# (guardduty_correlate in the journal) and a short follow-up message says
# so, once. TAP.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/netns/daemon_cloud_lib.bash
trap dc_cleanup EXIT
dc_setup gd
# With the conversion group as the first hop (sections may repeat). The
# cut leaves the primary's move unanswered: each try waits total_timeout.
DC_GD=true dc_conf "[cloud]" "conversion_security_group = $SG_CONV" "[aws]" "total_timeout = 10s"
DC_ENV=(AWS_ENDPOINT_URL_GUARDDUTY="$GD_URL")
seed() { # TYPE SEVERITY REMOTE -> finding id
	"$SYS_PY" tests/netns/daemon_cloud.py - - gdseed "$GD_SEED" "$INST" "$@"
}
# polled N: until the daemon has asked GuardDuty N times in all (the first
# poll comes at its start: what is seeded after it comes with the next)
polled() {
	local want=$1 i
	for ((i = 0; i < 200; i++)); do
		[[ $(grep -c 'POST /detector/[^/]*/findings 200' "$GD_LOG") -ge $want ]] && return 0
		sleep 0.1
	done
	return 1
}

if dc_run; then ok "daemon up, threat list synced from S3"; else notok "daemon up"; diag "$LOG"; exit 1; fi
if polled 1; then ok "the daemon polls GuardDuty (ListFindings, SigV4 with the role's credentials)"; else
	notok "GuardDuty polled"; diag "$LOG" "$GD_LOG"; fi

# ---- GuardDuty-only incident ----------------------------------------------------
# Three findings in the same poll; had either of the first two passed, it
# would have opened the incident: a high severity of a type outside
# [incident] guardduty_types (type AND severity, cordon.conf(5)), and a
# matching type below min_severity.
hi=$(seed "Recon:EC2/PortProbeUnprotectedPort" 8.5 203.0.113.97)
low=$(seed "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom" 5.0 203.0.113.98)
gd=$(seed "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom" 8.0 203.0.113.99)
if wait_log "host locked down on GuardDuty finding $gd" 150; then
	ok "GuardDuty-only finding (severity 8, *.Custom) opens an incident and locks the host down"
else
	notok "GuardDuty-only incident"; diag "$LOG" "$GD_LOG"
fi
check "GuardDuty finding logged with its type and severity" \
	grep -q "GuardDuty finding $gd: UnauthorizedAccess:EC2/MaliciousIPCaller.Custom, severity 8.0" "$LOG"
refute "lockdown: the clean peer is cut off" probe host 198.51.100.20 8080
INC=$(grep -oE 'incident inc-[0-9TZ]+-[0-9a-f]+: host locked down' "$LOG" | head -1 | awk '{print $2}' | tr -d :)
# Through the conversion group the agent's own connection to EC2 is
# untracked: the primary's move into the forensic group cuts it before
# the answer comes back (as on AWS), so that last move may end handed
# over to the off-host responder rather than done; the journal's mark
# (hand_over) comes either way.
wait_journal '"action":"hand_over","key":"responder","state":"done"' 900 &&
	ok "cloud steps and SNS done, then the agent expects no API" || { notok "cloud steps done"; diag "$LOG"; }
check "[aws] connect_timeout (1 s here): the cut-off agent's connects give up after it" \
	grep -qE 'Failed to connect to [0-9.]+ port 443 after 1[0-9]{3} ms' "$LOG"
check "journal: guardduty_correlate $gd done" test "$(jcount guardduty_correlate "$gd" "done")" -eq 1
grep -q '"type":"incident_open","incident":"'"$INC"'".*"reason":"GuardDuty finding '"$gd" "$WORK/journal.json" &&
	ok "journal: the incident's reason is the GuardDuty finding" || { notok "journal reason"; diag "$WORK/journal.json"; }
"$SYS_PY" - "$WORK/journal.json" "$INC" "$ENI0" "$ENI1" "$SG_CONV" "$SG_FOR" <<'PY' &&
import json, sys
inc, enis, conv, forensic = sys.argv[2], sys.argv[3:5], sys.argv[5], sys.argv[6]
order = []
for line in open(sys.argv[1]):
    r = json.loads(line).get("record", {})
    if r.get("incident") == inc and r.get("action") in ("ec2_convert_eni", "ec2_isolate_eni"):
        order.append((r["action"], r["key"], r["state"], (r.get("params") or {}).get("groups")))
for e in enis:
    mine = [o for o in order if o[1] == e]
    assert [o[:3] for o in mine[:3]] == [("ec2_convert_eni", e, "intent"), ("ec2_convert_eni", e, "done"),
                                         ("ec2_isolate_eni", e, "intent")], mine
    assert mine[0][3] == conv and mine[2][3] == forensic, mine
    # the secondary's move is answered; the primary's may be cut off (then tried 3 times)
    last = [o[:3] for o in mine[3:]]
    assert last == [("ec2_isolate_eni", e, "done")] or \
        (e == enis[0] and last[-1] == ("ec2_isolate_eni", e, "failed") and
         sum(1 for o in mine if o[:3] == ("ec2_isolate_eni", e, "intent")) == 3), mine
# the secondary interface (enis[1]) entirely before the primary (enis[0])
assert order.index(("ec2_isolate_eni", enis[1], "done", None)) < \
    order.index(("ec2_convert_eni", enis[0], "intent", conv)), order
PY
	ok "journal: each interface to the conversion group first, then the forensic group, the primary last" ||
	{ notok "conversion then forensic"; diag "$WORK/journal.json"; }
cloud_state
is_forensic && ok "both interfaces in the forensic group (moto)" || { notok "forensic group"; diag "$WORK/state.json"; }
"$SYS_PY" -c 'import json,sys; m=json.loads(open(sys.argv[1]).readline()); print(m["subject"]); print(m["message"])' \
	"$WORK/mail.json" >"$WORK/mail.txt" 2>/dev/null
sed 's/^/#   | /' "$WORK/mail.txt"
check "SNS: one message" test "$(wc -l <"$WORK/mail.json")" -eq 1
check "SNS text names the GuardDuty finding" grep -qF "$gd" "$WORK/mail.txt"
check "SNS text names both interfaces" eval "grep -qF $ENI0 '$WORK/mail.txt' && grep -qF $ENI1 '$WORK/mail.txt'"
refute "the severity 5.0 finding (< min_severity 7) is ignored" grep -q "GuardDuty finding $low" "$LOG"
check "the severity 8.5 Recon finding (not *.Custom) is read ..." \
	grep -q "GuardDuty finding $hi: Recon:EC2/PortProbeUnprotectedPort, severity 8.5" "$LOG"
refute "... and opens no incident" grep -q "GuardDuty finding $hi: Recon:EC2/PortProbeUnprotectedPort (severity" "$LOG"
ops_release >"$WORK/release.out" 2>&1 && ok "release from the operator's workstation" ||
	{ notok "release"; diag "$WORK/release.out"; }
cloud_state
is_restored && ok "release: original groups back (moto)" || { notok "release: groups"; diag "$WORK/state.json"; }
wait_log "incident $INC was released" 150 && ok "the daemon notices the release (its tags)" ||
	notok "daemon notices the release"

# ---- a local incident, confirmed by GuardDuty -------------------------------------
# GuardDuty takes minutes; a host its own plan cut off the API never hears
# of it (the off-host responder tells then). Here the agent runs with no
# cloud isolation (a lockdown and the message only), so its API stays and
# GuardDuty's confirmation reaches it.
kill -TERM "$DPID"
wait "$DPID"
sed -i -e '/^forensic_security_group = /d' -e '/^conversion_security_group = /d' "$WORK/cordon.conf"
# (GuardDuty archived the first incident's findings: a new agent must not reopen it.)
echo '[]' >"$GD_SEED"
LOG=$WORK/run2.log
if dc_run; then ok "restarted without cloud isolation"; else notok "restart"; diag "$LOG"; exit 1; fi
: >"$WORK/mail.json"
ns host ping -c 1 -W 1 $EVIL_IP >/dev/null 2>&1
wait_log "incident inc-[^ ]+: host locked down [0-9.]+ ms after the first packet" &&
	ok "local finding: a second incident" || { notok "second incident"; diag "$LOG"; }
INC2=$(grep -oE 'incident inc-[0-9TZ]+-[0-9a-f]+: host locked down [0-9.]+ ms' "$LOG" | tail -1 | awk '{print $2}' | tr -d :)
local_id=$(grep -oE "finding [0-9a-f]{32}: OUTBOUND ICMP 192.0.2.10 -> $EVIL_IP" "$LOG" | tail -1 | awk '{print $2}' | tr -d :)
conf=$(seed "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom" 5.0 $EVIL_IP)
wait_log "incident $INC2 confirmed by GuardDuty finding $conf" 150 &&
	ok "GuardDuty finding with the same remote address confirms it (even at severity 5)" ||
	{ notok "confirmation"; diag "$LOG"; }
wait_journal "\"action\":\"guardduty_correlate\",\"key\":\"$conf\"" 50
grep "\"key\":\"$conf\"" "$WORK/journal.json" | grep -q "\"local_finding\":\"$local_id\"" &&
	ok "journal: guardduty_correlate names the local finding $local_id" || { notok "correlation journaled"; diag "$WORK/journal.json"; }
# The first message went out before GuardDuty's finding came: one short
# follow-up names it (sns_followup), once.
if wait_journal '"incident":"'"$INC2"'".*"action":"sns_followup".*"state":"done"' 300; then
	ok "a follow-up message for the GuardDuty finding that came after the first one"
else
	notok "follow-up"; diag "$LOG"
fi
cloud_state
sns_text
check "SNS: two messages, the first and the follow-up" test "$(wc -l <"$WORK/mail.json")" -eq 2
check "follow-up subject: GuardDuty confirms" grep -q "^SUBJECT cordon: $INST - GuardDuty confirms: UnauthorizedAccess:EC2/MaliciousIPCaller.Custom" "$WORK/mail2.txt"
check "follow-up text: the GuardDuty finding and its console link" \
	eval "grep -q 'Finding:        $conf' '$WORK/mail2.txt' && grep -q 'guardduty/home?region=us-east-1#/findings?macros=current&fId=$conf' '$WORK/mail2.txt'"
check "follow-up text: cordon's own finding" grep -q "Finding:        $local_id" "$WORK/mail2.txt"
sleep 3
jr
check "follow-up sent once" test "$(jcount_in "$INC2" sns_followup "$TOPIC" done)" -eq 1
release >"$WORK/release.out" 2>&1 && grep -q "incident $INC2 closed" "$WORK/release.out" &&
	ok "release $INC2 on the host (it has its API: no cloud isolation)" || { notok "release $INC2"; diag "$WORK/release.out"; }
cloud_state
is_restored && ok "the interfaces stayed in their groups" || { notok "release 2: groups"; diag "$WORK/state.json"; }
dc_sigterm
finish
