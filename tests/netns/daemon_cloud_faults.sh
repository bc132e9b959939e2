#!/bin/bash
# tests/netns/daemon_cloud_faults.sh: EC2 throttles and fails, `cordon
# run` retries until done (topology in daemon_cloud_lib.bash; EC2 reached
# through tests/aws/faultproxy.py in the cloud namespace). The first EC2
# requests get 503 RequestLimitExceeded, then 500 InternalError: the
# client's own retries absorb some, one step fails as a whole (journaled
# "failed") and the daemon tries it again after its backoff; in the end
# both interfaces are in the forensic group and each step is done once.
# Then a step that fails when the SNS message goes out: the message says
# so, and a second one follows once the retry is done (sns_update). Then
# SNS failing every time: after three tries the interfaces move and the
# message is handed over to the off-host responder, not retried. TAP.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/netns/daemon_cloud_lib.bash
trap dc_cleanup EXIT
dc_setup
dc_conf
DC_ENV=(AWS_ENDPOINT_URL_EC2="$PROXY_URL")
# Every EC2 call is "POST /": the rules apply in request order. With
# [aws] max_attempts = 3, DescribeInstances gets 503, 503, 500 (the
# daemon's first attempt fails), then 500 and a success.
cat >"$FAULTS" <<'J'
[{"match": "^POST /$", "action": "status", "code": 503, "error": "RequestLimitExceeded", "times": 2},
 {"match": "^POST /$", "action": "status", "code": 500, "error": "InternalError", "times": 2}]
J
if dc_run; then ok "daemon up, threat list synced from S3"; else notok "daemon up"; diag "$LOG"; exit 1; fi
ns host ping -c 1 -W 1 $EVIL_IP >/dev/null 2>&1
wait_log 'host locked down [0-9.]+ ms after the first packet' && ok "incident: host locked down" ||
	{ notok "lockdown"; diag "$LOG"; }
if wait_journal "\"action\":\"ec2_isolate_eni\",\"key\":\"$ENI0\",\"state\":\"done\"" 400; then
	ok "cloud steps and SNS done in spite of the faults"
else
	notok "cloud steps done"; diag "$LOG" "$PROXY_LOG"
fi
diag "$PROXY_LOG"
check "EC2 answered 503 twice (throttling)" test "$(grep -c '^POST / 503 status' "$PROXY_LOG")" -eq 2
check "EC2 answered 500 twice" test "$(grep -c '^POST / 500 status' "$PROXY_LOG")" -eq 2
check "every fault was used" pyq "$FAULTS" "all(r['times'] == 0 for r in d)"
INC=$(grep -oE 'incident inc-[0-9TZ]+-[0-9a-f]+' "$LOG" | head -1 | awk '{print $2}')
grep -E "$INC: ec2_describe $INST failed \(attempt 1, again in 2 s\)" "$LOG" | sed 's/^/# /'
check "the daemon logs the failed attempt and its backoff" \
	grep -qE "ec2_describe $INST failed \(attempt 1, again in [0-9]+ s\)" "$LOG"
check "journal: ec2_describe failed once" test "$(jcount ec2_describe "$INST" "failed")" -eq 1
check "journal: ec2_describe intent twice (attempts 1 and 2)" test "$(jcount ec2_describe "$INST" "intent")" -eq 2
check "journal: ec2_describe done once" test "$(jcount ec2_describe "$INST" "done")" -eq 1
for e in "$ENI0" "$ENI1"; do
	check "journal: ec2_isolate_eni $e done once" test "$(jcount ec2_isolate_eni "$e" "done")" -eq 1
done
cloud_state
is_forensic && ok "both interfaces in the forensic group (moto)" || { notok "forensic group"; diag "$WORK/state.json"; }
check "SNS: one message" test "$(wc -l <"$WORK/mail.json")" -eq 1
"$SYS_PY" -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["message"])' "$WORK/mail.json" \
	>"$WORK/mail.txt" 2>/dev/null
check "SNS: nothing failed in the end" eval "grep -A1 'WHAT FAILED' '$WORK/mail.txt' | grep -q Nothing"
ops_release >"$WORK/release.out" 2>&1 && ok "release from the operator's workstation" ||
	{ notok "release"; diag "$WORK/release.out"; }
cloud_state
is_restored && ok "release: original groups back (moto)" || { notok "release: groups"; diag "$WORK/state.json"; }

# ---- a step that fails when the message goes out -----------------------------
# DescribeInstances passes, recording the first interface's groups on it
# fails three times (the daemon's first attempt): the message says so,
# and once the retry is done a second one says everything is done, just
# before the primary interface moves (after that the host has no API).
wait_log "incident $INC was released" 150 || notok "the daemon notices the release"
cat >"$FAULTS" <<'J'
[{"match": "^POST /$", "action": "delay", "seconds": 0, "times": 1},
 {"match": "^POST /$", "action": "status", "code": 500, "error": "InternalError", "times": 3}]
J
: >"$WORK/mail.json"
ns host ping -c 1 -W 1 $EVIL_IP >/dev/null 2>&1
if wait_journal '"action":"sns_update".*"state":"done"' 400; then
	ok "second incident: a follow-up message once the failed step is done (sns_update)"
else
	notok "sns_update"; diag "$LOG"
fi
INC2=$(grep -oE 'incident inc-[0-9TZ]+-[0-9a-f]+' "$LOG" | tail -1 | awk '{print $2}')
check "journal: $ENI0's tag failed once, then done" \
	eval "[[ \$(jcount_in $INC2 ec2_tag_eni $ENI0 failed) -eq 1 && \$(jcount_in $INC2 ec2_tag_eni $ENI0 done) -eq 1 ]]"
JINC=$INC2 check "journal: $ENI0's tag done before $ENI0 moved" jbefore ec2_tag_eni "$ENI0" done ec2_isolate_eni "$ENI0" intent
cloud_state
is_forensic && ok "both interfaces in the forensic group (moto)" || { notok "forensic group 2"; diag "$WORK/state.json"; }
eni_orig "$ENI0" "$SG_WEB,$SG_DB" && ok "$ENI0 carries its original groups after the retry" ||
	{ notok "$ENI0 tag"; diag "$WORK/state.json"; }
sns_text
check "SNS: two messages" test "$(wc -l <"$WORK/mail.json")" -eq 2
check "SNS 1: WHAT FAILED lists recording $ENI0's groups" \
	eval "grep -A1 '^WHAT FAILED' '$WORK/mail2.txt' | grep -q 'ec2_tag_eni $ENI0'"
check "SNS 1: $ENI0 moves right after the message all the same" \
	grep -q "Moving network interface $ENI0 .* right after this message" "$WORK/mail2.txt"
check "SNS 2: subject says update" grep -q "^SUBJECT .*being isolated.*(update: all done)" "$WORK/mail2.txt"
check "SNS 2: nothing failed, $ENI0 moves right after it" eval "sed -n '/^UPDATE:/,\$p' '$WORK/mail2.txt' | grep -q 'Moving network interface $ENI0 .* right after this message' &&
	sed -n '/^UPDATE:/,\$p' '$WORK/mail2.txt' | grep -A1 '^WHAT FAILED' | grep -q Nothing"
JINC=$INC2 check "journal: the update before the primary interface moved (after it, no API)" \
	jbefore sns_update "$TOPIC" done ec2_isolate_eni "$ENI0" intent
ops_release >"$WORK/release.out" 2>&1 && ok "release $INC2" || { notok "release 2"; diag "$WORK/release.out"; }
cloud_state
is_restored && ok "release: original groups back again" || { notok "release 2: groups"; diag "$WORK/state.json"; }

# ---- the message cannot go out before the cut: handed over ---------------------
# SNS fails every time: the message is tried three times, then the
# interfaces move all the same (the primary last), and the agent, which
# expects no API after that, hands the message over to the off-host
# responder instead of trying it for ever.
wait_log "incident $INC2 was released" 150 || notok "the daemon notices release 2"
kill -TERM "$DPID"
wait "$DPID"
echo '[{"match": "^POST /$", "action": "status", "code": 500, "error": "InternalError", "times": 1000}]' >"$FAULTS"
DC_ENV=(AWS_ENDPOINT_URL_SNS="$PROXY_URL")
LOG=$WORK/run2.log
if dc_run; then ok "restarted with SNS failing"; else notok "restart"; diag "$LOG"; exit 1; fi
ns host ping -c 1 -W 1 $EVIL_IP >/dev/null 2>&1
wait_log 'step\(s\) handed over to the off-host responder: sns_publish' 600 &&
	ok "the message fails three times, the interfaces move, the message is handed over" ||
	{ notok "hand-over"; diag "$LOG"; }
INC3=$(grep -oE 'incident inc-[0-9TZ]+-[0-9a-f]+' "$LOG" | tail -1 | awk '{print $2}')
jr
check "journal: sns_publish tried three times" test "$(jcount_in "$INC3" sns_publish "$TOPIC" intent)" -eq 3
"$SYS_PY" - "$WORK/journal.json" "$INC3" "$ENI0" <<'PY' && ok "journal: the primary moved after the third try" ||
import json, sys
recs = [json.loads(l).get("record", {}) for l in open(sys.argv[1])]
recs = [(r.get("action"), r.get("key"), r.get("state")) for r in recs if r.get("incident") == sys.argv[2]]
tries = [i for i, r in enumerate(recs) if r[0] == "sns_publish" and r[2] == "intent"]
move = recs.index(("ec2_isolate_eni", sys.argv[3], "intent"))
assert len(tries) == 3 and tries[-1] < move, (tries, move)
PY
	{ notok "the primary after the third try"; diag "$WORK/journal.json"; }
check "journal: sns_publish handed over" grep -q '"action":"sns_publish".*"state":"failed".*handed over to the off-host responder' "$WORK/journal.json"
ns host "$CORDON" status --state-dir "$ST" >"$WORK/status.txt" 2>&1
sed 's/^/# /' "$WORK/status.txt"
check "cordon status: the incident is handed over" grep -q "^incident $INC3 (handed_over)" "$WORK/status.txt"
check "cordon status: sns_publish handed over" grep -qE "^  sns_publish +arn:[^ ]+ +handed over +attempts 3" "$WORK/status.txt"
sleep 6
jr
check "not retried for ever: still three tries 6 s later" test "$(jcount_in "$INC3" sns_publish "$TOPIC" intent)" -eq 3
cloud_state
is_forensic && ok "both interfaces in the forensic group (moto)" || { notok "forensic group 3"; diag "$WORK/state.json"; }
dc_sigterm
finish
