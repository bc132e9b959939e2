#!/bin/bash
# tests/netns/daemon_cloud_restart.sh: `cordon run` killed (SIGKILL) in
# the middle of an incident, started again: the cloud actions complete
# exactly once (topology in daemon_cloud_lib.bash; EC2 through the fault
# proxy, whose delays hold a request long enough to kill the daemon).
#   1. killed between steps 1 and 3: the host is locked down, the intent
#      of ec2_describe is journaled, its request is held;
#   2. killed again after the first interface was moved, while the
#      second one's request is held;
#   3. the third run finishes: the journal's first describe result and
#      original groups are used (not what EC2 says after the first move),
#      one SNS message, each interface done once. TAP.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/netns/daemon_cloud_lib.bash
trap dc_cleanup EXIT
dc_preflight
dc_net
dc_region
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

# Second run: DescribeInstances and the first interface pass, the second
# interface's request is held.
echo '[{"match": "^POST /$", "action": "delay", "seconds": 0, "times": 2},
 {"match": "^POST /$", "action": "delay", "seconds": 10, "times": 1}]' >"$FAULTS"
LOG=$WORK/run2.log
if dc_run; then ok "restarted"; else notok "restart"; diag "$LOG"; exit 1; fi
wait_log "incident $INC is still open .*: resuming its pending actions; the host is locked down" 50 &&
	ok "restart: the open incident is resumed, the lockdown known" || { notok "resume"; diag "$LOG"; }
# A fleet restarted at once must not fetch together: with its last good
# copy in force, the first S3 sync waits for a random point of the interval.
check "restart: the first S3 sync at a random point of the interval (last good copy in force)" \
	grep -qE 'lists: first sync from S3 in [0-9]+ s \(the last good copies are in force\)' "$LOG"
wait_journal "\"action\":\"ec2_isolate_eni\",\"key\":\"$ENI1\",\"state\":\"intent\"" 200 &&
	ok "restart: describe done, first interface moved, second one's intent journaled" ||
	{ notok "second run progress"; diag "$LOG"; }
check "journal: $ENI0 done" test "$(jcount ec2_isolate_eni "$ENI0" "done")" -eq 1
check "kill -9 in the middle of step 3: all its processes end" kill_daemon || diag "$WORK/orphans"
cloud_state
pyq "$WORK/state.json" "d['enis']['$ENI0'] == ['$SG_FOR'] and d['mail'] == []" &&
	ok "meanwhile: $ENI0 forensic, no SNS message yet" || diag "$WORK/state.json"

# The held request of the killed second run still reaches EC2 when its
# delay ends (AWS executes what it received): wait for it, so that it lands
# before the third run and the release, not after (it used to race them).
drained() { test "$(grep -c '^done POST / ' "$PROXY_LOG")" -eq "$(grep -c '^POST / delayed ' "$PROXY_LOG")"; }
for ((i = 0; i < 300; i++)); do drained && break; sleep 0.1; done
check "the killed runs' held EC2 requests have landed" drained
echo '[]' >"$FAULTS"
LOG=$WORK/run3.log
if dc_run; then ok "restarted again"; else notok "restart 2"; diag "$LOG"; exit 1; fi
wait_journal '"action":"sns_publish".*"state":"done"' 300 && ok "third run: cloud steps and SNS done" ||
	{ notok "third run done"; diag "$LOG"; }
check "third run: ec2_describe not repeated (its journaled result is used)" \
	test "$(jcount ec2_describe "$INST" "intent")" -eq 2
check "third run: $ENI0 not moved again" eval "! grep -q 'interface $ENI0 moved' '$LOG'"
check "third run: $ENI1 moved" grep -q "interface $ENI1 moved to $SG_FOR" "$LOG"
for a in "ec2_describe $INST" "ec2_isolate_eni $ENI0" "ec2_isolate_eni $ENI1" "ec2_tag $INST" "ec2_protect $INST"; do
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
release >"$WORK/release.out" 2>&1 && ok "release" || { notok "release"; diag "$WORK/release.out"; }
cloud_state
is_restored && ok "release: original groups back (moto)" || { notok "release: groups"; diag "$WORK/state.json"; }
check "release: the host reaches the clean peer again" probe host 198.51.100.20 8080
kill -TERM "$DPID"
wait "$DPID"
rc=$?
[[ $rc -eq 0 ]] && ok "SIGTERM: clean exit" || { notok "SIGTERM: exit $rc"; diag "$LOG"; }
finish
