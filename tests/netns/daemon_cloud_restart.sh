#!/bin/bash
# tests/netns/daemon_cloud_restart.sh: `cordon run` killed (SIGKILL) in
# the middle of an incident, started again: the cloud actions complete
# exactly once (topology in daemon_cloud_lib.bash; EC2 through the fault
# proxy, whose delays hold a request long enough to kill the daemon).
#   1. killed between steps 1 and 3: the host is locked down, the intent
#      of ec2_describe is journaled, its request is held;
#   2. killed again after the secondary interface was moved, while the
#      primary's request is held (the message went out before the moves);
#   3. the third run: the journal's first describe result and original
#      groups are used (not what EC2 says after the first move); the
#      primary's held move landed meanwhile and the VPC cut the host off,
#      so its retry gets no answer and is handed over after three tries;
#      one SNS message, each other step done once; the on-host release
#      (the primary interface put back by hand first, its tag removed)
#      restores from the journal what has no tag. TAP.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/netns/daemon_cloud_lib.bash
trap dc_cleanup EXIT
dc_setup
dc_conf
DC_ENV=(AWS_ENDPOINT_URL_EC2="$PROXY_URL")
# kill_daemon: SIGKILL the parent; its sensor and AWS processes must go too
kill_daemon() {
	local kids i
	kids=$(grep -oE '(sensor|AWS) process [0-9]+ running' "$LOG" | awk '{print $3}')
	kill -9 "$DPID"
	wait "$DPID" 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		# shellcheck disable=SC2086
		kill -0 $kids 2>/dev/null || return 0
		sleep 0.1
	done
	# shellcheck disable=SC2086
	ps -o pid=,args= -p "$(echo $kids | tr ' ' ,)" >"$WORK/orphans"
	return 1
}

echo '[{"match": "^POST /$", "action": "delay", "seconds": 8, "times": 1}]' >"$FAULTS"
if dc_run; then ok "daemon up, threat list synced from S3"; else notok "daemon up"; diag "$LOG"; exit 1; fi
ns host ping -c 1 -W 1 $EVIL_IP >/dev/null 2>&1
wait_log 'host locked down [0-9.]+ ms after the first packet' && ok "step 1: host locked down" ||
	{ notok "lockdown"; diag "$LOG"; }
INC=$(grep -oE 'incident inc-[0-9TZ]+-[0-9a-f]+' "$LOG" | head -1 | awk '{print $2}')
wait_journal '"action":"ec2_describe".*"state":"intent"' 100 && ok "step 3 begun: ec2_describe intent journaled" ||
	notok "ec2_describe intent"
check "no cloud action done yet" test "$(grep -c '"action":"ec2_[a-z_]*".*"state":"done"' "$WORK/journal.json")" -eq 0
check "kill -9 between steps 1 and 3: the sensor and AWS processes end with the parent" kill_daemon ||
	diag "$WORK/orphans"
refute "killed: the lockdown stays" probe host 198.51.100.20 8080

# Second run: DescribeInstances, both interfaces' tags, the instance's
# tags and termination protection pass (SNS goes to moto directly); the
# moves are held 10 s each, so the primary's is in flight when the daemon
# is killed after the secondary's.
echo '[{"match": "^POST /$", "action": "delay", "seconds": 0, "times": 5},
 {"match": "^POST /$", "action": "delay", "seconds": 10, "times": 3}]' >"$FAULTS"
LOG=$WORK/run2.log
if dc_run; then ok "restarted"; else notok "restart"; diag "$LOG"; exit 1; fi
wait_log "incident $INC is still open .*: resuming its pending actions; the host is locked down" 50 &&
	ok "restart: the open incident is resumed, the lockdown known" || { notok "resume"; diag "$LOG"; }
# A fleet restarted at once must not fetch together: with its last good
# copy in force, the first S3 sync waits for a random point of the interval.
check "restart: the first S3 sync at a random point of the interval (last good copy in force)" \
	grep -qE 'lists: first sync from S3 in [0-9]+ s \(the last good copies are in force\)' "$LOG"
wait_journal "\"action\":\"ec2_isolate_eni\",\"key\":\"$ENI0\",\"state\":\"intent\"" 300 &&
	ok "restart: describe done, secondary interface moved, the primary's intent journaled" ||
	{ notok "second run progress"; diag "$LOG"; }
check "journal: $ENI1 done" test "$(jcount ec2_isolate_eni "$ENI1" "done")" -eq 1
check "kill -9 in the middle of step 3: all its processes end" kill_daemon || diag "$WORK/orphans"
cloud_state
pyq "$WORK/state.json" "d['enis']['$ENI1'] == ['$SG_FOR'] and len(d['mail']) == 1" &&
	ok "meanwhile: $ENI1 forensic, the SNS message out before the moves" || diag "$WORK/state.json"

# The held request of the killed second run still reaches EC2 when its
# delay ends (AWS executes what it received): wait for it, so that it lands
# before the third run and the release, not after (it used to race them).
drained() { test "$(grep -c '^done POST / ' "$PROXY_LOG")" -eq "$(grep -c '^POST / delayed ' "$PROXY_LOG")"; }
for ((i = 0; i < 300; i++)); do drained && break; sleep 0.1; done
check "the killed runs' held EC2 requests have landed" drained
echo '[]' >"$FAULTS"
LOG=$WORK/run3.log
if dc_run; then ok "restarted again"; else notok "restart 2"; diag "$LOG"; exit 1; fi
# The held move of the primary landed when its delay ended (AWS executes
# what reached it): the VPC has cut the host off. The third run tries the
# move again, gets no answer, and after three tries hands it over to the
# off-host responder instead of trying for ever.
if wait_log "1 step\(s\) handed over to the off-host responder: ec2_isolate_eni $ENI0" 900; then
	ok "third run: no API after the primary's move landed; its move handed over after three tries"
else
	notok "third run: hand-over"; diag "$LOG"
fi
jr
check "third run: ec2_describe not repeated (its journaled result is used)" \
	test "$(jcount ec2_describe "$INST" "intent")" -eq 2
check "third run: $ENI1 not moved again" eval "! grep -q 'interface $ENI1 moved' '$LOG'"
check "journal: $ENI0's move tried three times, handed over" \
	eval "[[ \$(jcount ec2_isolate_eni $ENI0 intent) -eq 3 ]] &&
	      grep -q '\"action\":\"ec2_isolate_eni\",\"key\":\"$ENI0\",\"state\":\"failed\".*handed over to the off-host responder' '$WORK/journal.json'"
ns host "$CORDON" status --state-dir "$ST" >"$WORK/status.txt" 2>&1
check "cordon status: the incident handed over, the primary's move with it" \
	eval "grep -q '^incident $INC (handed_over)' '$WORK/status.txt' &&
	      grep -qE '^  ec2_isolate_eni +$ENI0 +handed over +attempts 3' '$WORK/status.txt'"
for a in "ec2_describe $INST" "ec2_tag_eni $ENI0" "ec2_tag_eni $ENI1" \
	"ec2_isolate_eni $ENI1" "ec2_tag $INST" "ec2_protect $INST"; do
	# shellcheck disable=SC2086
	check "journal: $a done exactly once" test "$(jcount $a "done")" -eq 1
done
check "journal: sns_publish done exactly once" test "$(grep -c '"action":"sns_publish".*"state":"done"' "$WORK/journal.json")" -eq 1
"$SYS_PY" - "$WORK/journal.json" "$ENI0" "$SG_WEB,$SG_DB" "$ENI1" "$SG_DB" <<'PY' &&
import json, sys
want = {sys.argv[2]: sorted(sys.argv[3].split(",")), sys.argv[4]: sorted(sys.argv[5].split(","))}
for line in open(sys.argv[1]):
    r = json.loads(line).get("record", {})
    if r.get("action") == "ec2_isolate_eni" and r.get("state") == "intent":
        assert sorted(r["params"]["original_groups"]) == want[r["key"]], r
PY
	ok "journal: every intent carries the original groups (never the forensic one)" ||
	{ notok "original groups"; diag "$WORK/journal.json"; }
cloud_state
is_forensic && ok "both interfaces in the forensic group (moto)" || { notok "forensic group"; diag "$WORK/state.json"; }
check "SNS: exactly one message" test "$(wc -l <"$WORK/mail.json")" -eq 1
# An operator put the primary interface back in its groups by hand (the
# console) and removed its tag, to reach the host: the host has its API
# again, and `cordon release` on it finishes from the journal for that
# interface and from its tag for the other.
admin ec2 modify-network-interface-attribute --network-interface-id "$ENI0" --groups "$SG_WEB" "$SG_DB" &&
	admin ec2 delete-tags --resources "$ENI0" --tags "Key=cordon:original-groups" || notok "hand-restore $ENI0"
release >"$WORK/release.out" 2>&1 && ok "release on the host" || { notok "release"; diag "$WORK/release.out"; }
check "release: the tagged interface from its tag, the other from the journal" \
	eval "grep -qxF 'release: interface $ENI1 back in $SG_DB (from its tags)' '$WORK/release.out' &&
	      grep -qE '^release: interface $ENI0 back in sg-[0-9a-f]+, sg-[0-9a-f]+ \(from the journal\)$' '$WORK/release.out'"
cloud_state
is_restored && ok "release: original groups back (moto)" || { notok "release: groups"; diag "$WORK/state.json"; }
check "release: the host reaches the clean peer again" probe host 198.51.100.20 8080
dc_sigterm
finish
