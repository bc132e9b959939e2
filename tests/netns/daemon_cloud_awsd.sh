#!/bin/bash
# tests/netns/daemon_cloud_awsd.sh: the AWS process of `cordon run` dies
# (SIGKILL) in the middle of an incident; the parent starts a new one and
# the cloud plan completes, each action exactly once (topology in
# daemon_cloud_lib.bash; EC2 through the fault proxy, whose delays hold a
# request long enough to kill the process that sent it; the fake
# GuardDuty polled every 10 s).
#   1. killed while DescribeInstances is held (and a GuardDuty poll, if
#      one fell due, queued behind it): both are lost with it;
#   2. killed again while the secondary interface's move is held;
#   3. the new processes finish the plan: one SNS message, every action
#      done once, GuardDuty polled again, the parent never restarted. TAP.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/netns/daemon_cloud_lib.bash
trap dc_cleanup EXIT
dc_setup gd
DC_GD=true dc_conf
DC_ENV=(AWS_ENDPOINT_URL_EC2="$PROXY_URL" AWS_ENDPOINT_URL_GUARDDUTY="$GD_URL")

aws_pid() { grep -oE 'AWS process [0-9]+ running' "$LOG" | tail -1 | awk '{print $3}'; }
# kill_aws: SIGKILL the current AWS process, wait for its successor
kill_aws() {
	local old i
	old=$(aws_pid)
	[[ -n $old ]] || return 1
	kill -9 "$old" || return 1
	for ((i = 0; i < 100; i++)); do
		[[ $(aws_pid) != "$old" ]] && return 0
		sleep 0.1
	done
	return 1
}
gd_polls() { grep -c 'POST /detector/[^/]*/findings 200' "$GD_LOG"; }
gd_tries() { echo $(($(gd_polls) + $(grep -c 'cordon: GuardDuty: ' "$LOG"))); }
drained() { test "$(grep -c '^done POST / ' "$PROXY_LOG")" -eq "$(grep -c '^POST / delayed ' "$PROXY_LOG")"; }

# DescribeInstances is held 8 s.
echo '[{"match": "^POST /$", "action": "delay", "seconds": 8, "times": 1}]' >"$FAULTS"
if dc_run; then ok "daemon up, threat list synced from S3"; else notok "daemon up"; diag "$LOG"; exit 1; fi
DPARENT=$DPID
ns host ping -c 1 -W 1 $EVIL_IP >/dev/null 2>&1
wait_log 'host locked down [0-9.]+ ms after the first packet' && ok "host locked down" ||
	{ notok "lockdown"; diag "$LOG"; }
wait_journal '"action":"ec2_describe".*"state":"intent"' 100 && ok "ec2_describe intent journaled, its request held" ||
	notok "ec2_describe intent"
sleep 1 # a GuardDuty poll due meanwhile waits behind it
polls0=$(gd_tries)
# For the next process (no EC2 request is made until it runs): the
# describe and the tags pass, the later requests are held 8 s each, so
# that the secondary interface's move is in flight at the second kill.
echo '[{"match": "^POST /$", "action": "delay", "seconds": 0, "times": 4},
 {"match": "^POST /$", "action": "delay", "seconds": 8, "times": 3}]' >"$FAULTS"
check "kill -9 the AWS process while a request is in flight: a new one starts" kill_aws
wait_log 'ec2_describe i-[0-9a-f]+ lost with the AWS process; it is tried again' 20 &&
	ok "the parent knows the step in flight is lost" || { notok "lost step"; diag "$LOG"; }
wait_journal "\"action\":\"ec2_isolate_eni\",\"key\":\"$ENI1\",\"state\":\"intent\"" 400 &&
	ok "new AWS process: describe done, tags, the message, the secondary interface's intent journaled" ||
	{ notok "progress after the first kill"; diag "$LOG"; }
check "kill -9 the AWS process again: a new one starts" kill_aws
# The killed processes' held requests still reach EC2 (AWS executes what
# it received): let them land before checking moto.
for ((i = 0; i < 300; i++)); do drained && break; sleep 0.1; done
check "the killed processes' held EC2 requests have landed" drained
echo '[]' >"$FAULTS"
wait_journal "\"action\":\"ec2_isolate_eni\",\"key\":\"$ENI0\",\"state\":\"done\"" 400 &&
	ok "the plan completes: cloud steps and SNS done, the primary last" || { notok "plan completes"; diag "$LOG"; }
for a in "ec2_describe $INST" "ec2_tag_eni $ENI0" "ec2_tag_eni $ENI1" "ec2_isolate_eni $ENI0" \
	"ec2_isolate_eni $ENI1" "ec2_tag $INST" "ec2_protect $INST"; do
	# shellcheck disable=SC2086
	check "journal: $a done exactly once" test "$(jcount $a "done")" -eq 1
done
check "journal: sns_publish done exactly once" \
	test "$(grep -c '"action":"sns_publish".*"state":"done"' "$WORK/journal.json")" -eq 1
check "journal: ec2_describe tried twice (the first answer was lost)" \
	test "$(jcount ec2_describe "$INST" "intent")" -eq 2
cloud_state
is_forensic && ok "both interfaces in the forensic group (moto)" || { notok "forensic group"; diag "$WORK/state.json"; }
check "SNS: exactly one message" test "$(wc -l <"$WORK/mail.json")" -eq 1
# Once the primary has moved the poll gets no answer: a failed poll
# counts as one (the agent logs it).
for ((i = 0; i < 300; i++)); do [[ $(gd_tries) -gt $polls0 ]] && break; sleep 0.1; done
check "GuardDuty is polled again (the lost poll does not stall it)" test "$(gd_tries)" -gt "$polls0"
check "the agent itself kept running (same parent)" kill -0 "$DPARENT"
check "AWS process restarted twice" test "$(grep -c 'restarting the AWS process' "$LOG")" -eq 2
check "status: daemon.json counts the restarts" \
	pyq "$ST/daemon.json" "d['processes']['aws']['restarts'] == 2 and d['processes']['aws']['ready']"
ops_release >"$WORK/release.out" 2>&1 && ok "release from the operator's workstation" ||
	{ notok "release"; diag "$WORK/release.out"; }
cloud_state
is_restored && ok "release: original groups back (moto)" || { notok "release: groups"; diag "$WORK/state.json"; }
dc_sigterm
finish
