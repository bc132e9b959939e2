#!/bin/bash
# `cordon respond`, the off-host responder, against moto (SigV4 checked)
# and the fake GuardDuty; then as a Lambda custom runtime under the fake
# Runtime API. TAP.
#
#   cordon respond --event FILE ---(TLS)--> moto_server   EC2 SNS SQS CloudWatch
#        |       \--------------(TLS)--> fake_guardduty  ThreatIntelSets, IPSets
#        |        \-------------(TLS)--> faultproxy --> moto   (the deadline)
#   cordon respond (AWS_LAMBDA_RUNTIME_API) --(HTTP)--> fake_lambda_runtime.py
#   respond_moto.py, respond_driver, aws CLI -------> moto / fake GuardDuty
#
# Events come from respond_events.py in the shapes AWS delivers them.
# shellcheck source=tests/aws/lib.sh
source "$(dirname "$0")/lib.sh"
start_moto
start_proxy
start_guardduty
export AWS_ENDPOINT_URL_GUARDDUTY=$GD_URL
RDRV=$ROOT/$O/tests/respond_driver
tests/aws/build_driver.sh respond "$RDRV" >"$AWS_WORK/build.log" 2>&1 ||
	{ sed 's/^/# /' "$AWS_WORK/build.log"; echo "Bail out! cannot build respond_driver"; exit 1; }

moto() { "$MOTO_PY" tests/aws/respond_moto.py "$MOTO_URL" "$CA" "$@"; }
ev() { "$SYS_PY" tests/aws/respond_events.py "$@"; }
gdcli() { "$MOTO_PY" -m awscli --endpoint-url "$GD_URL" --region us-east-1 --output text guardduty "$@"; }
moto setup >"$AWS_WORK/scene" 2>"$AWS_WORK/scene.err" ||
	{ sed 's/^/# /' "$AWS_WORK/scene.err"; echo "Bail out! moto scene setup failed"; exit 1; }
# shellcheck disable=SC1091
source "$AWS_WORK/scene"

out=$AWS_WORK/out
err=$AWS_WORK/stderr
CONF=$AWS_WORK/cordon.conf
: >"$CONF"
export CORDON_CLOUD_FORENSIC_SECURITY_GROUP=$SG_FOR CORDON_CLOUD_CONVERSION_SECURITY_GROUP=$SG_CONV
export CORDON_CLOUD_SNS_TOPIC_ARN=$TOPIC CORDON_RESPOND_INCIDENT_GRACE=0

# respond < EVENT: rc, the report in $out, the logs in $err.
respond() {
	cat >"$AWS_WORK/event"
	"$CORDON" respond -c "$CONF" --event "$AWS_WORK/event" >"$out" 2>"$err"
	rc=$?
}
# rj EXPR: a Python expression over the report d.
rj() { "$SYS_PY" -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$out" "$1"; }
is() { local got; got=$(rj "$1"); [[ $got == "$2" ]] || { echo "# $1: want '$2', got '$got'"; sed 's/^/#   /' "$err" | tail -5; return 1; }; }
steps() { rj '" ".join(s["action"] + (":" + s["target"] if "target" in s else "") for s in d.get("steps", []))'; }
# mails: the messages waiting on the topic's queue, "SUBJECT<TAB>JSON TEXT" lines.
mails() { moto mail "$MAILQ" >"$AWS_WORK/mail"; }
nmail() { [[ $(wc -l <"$AWS_WORK/mail") -eq $1 ]] || { echo "# want $1 messages, got:"; cut -c1-200 "$AWS_WORK/mail" | sed 's/^/#   /'; return 1; }; }
subject() { grep -qF -- "$1	" "$AWS_WORK/mail" || { cut -f1 "$AWS_WORK/mail" | sed 's/^/# subject: /'; return 1; }; }
says() { "$SYS_PY" -c 'import json, sys
texts = [json.loads(l.split("\t", 1)[1]) for l in open(sys.argv[1]) if "\t" in l]
sys.exit(0 if any(sys.argv[2] in t for t in texts) else 1)' "$AWS_WORK/mail" "$1" || { echo "# no message says: $1"; return 1; }; }
state() { moto state "$@" >"$AWS_WORK/state"; }
has_state() { grep -qxF -- "$1" "$AWS_WORK/state" || { echo "# want: $1"; sed 's/^/# got:  /' "$AWS_WORK/state"; return 1; }; }

TYPE=UnauthorizedAccess:EC2/MaliciousIPCaller.Custom
F1=5d41402abc4b2a76b9719d911017c592
F2=7d793037a0760186574b0282f2f435e7

# ---- a GuardDuty finding about an instance with two interfaces, no agent ----
respond < <(ev gd $F1 $TYPE 8 "$INST")
check "finding: exit 0" test $rc -eq 0
check "finding: isolated" is 'd["result"]' isolated
check "finding: stdout is the report alone, one line" test "$(wc -l <"$out")" -eq 1
check "finding: the issue 9 order, conversion then forensic, the primary last" test \
	"$(steps)" = "ec2_tag_eni:$ENI0 ec2_tag_eni:$ENI1 ec2_tag:$INST sns_publish ec2_convert_eni:$ENI1 ec2_isolate_eni:$ENI1 ec2_convert_eni:$ENI0 ec2_isolate_eni:$ENI0"
check "finding: every step done" is 'all(s["state"] == "done" for s in d["steps"])' True
INC=$(rj 'd["incident"]')
state "$INST"
check "moto: both interfaces in the forensic group only" \
	eval "has_state 'eni $INST $ENI0 $SG_FOR' && has_state 'eni $INST $ENI1 $SG_FOR'"
check "moto: each interface carries its own original groups" \
	eval "has_state 'tags $ENI0 cordon:original-groups=$SG_WEB,$SG_DB' && has_state 'tags $ENI1 cordon:original-groups=$SG_DB'"
check "moto: the instance tagged isolated, incident $INC, finding" \
	has_state "tags $INST cordon:finding=$F1;cordon:incident=$INC;cordon:status=isolated"
mails
check "SNS -> SQS: one message" nmail 1
check "message: subject in the tutorial's words" subject "cordon: $INST being isolated - TCP to 203.0.113.7"
check "message: what happened, the remote address, the port" \
	says "Instance $INST is being isolated. It contacted 203.0.113.7, an address on a threat list, on TCP port 443."
check "message: direction" says "Direction:      OUTBOUND (this instance contacted the remote address)"
check "message: the finding's type" says "Finding:        $F1 ($TYPE, severity 8)"
check "message: console link to the instance" \
	says "https://console.aws.amazon.com/ec2/home?region=us-east-1#InstanceDetails:instanceId=$INST"
check "message: console link to the finding" \
	says "https://console.aws.amazon.com/guardduty/home?region=us-east-1#/findings?macros=current&fId=$F1"
check "message: the primary interface moves after the message" \
	says "Moving network interface $ENI0 from security groups $SG_WEB, $SG_DB to $SG_FOR right after this message"
check "message: acted off the host" says "Acted from outside the instance (cordon respond)"
check "message: release from anywhere" says "cordon release --instance-id $INST --region us-east-1"

# ---- again: the same finding updated, then another one: no second isolation ----
state "$INST"
cp "$AWS_WORK/state" "$AWS_WORK/state.isolated"
respond < <(ev gd $F1 $TYPE 8 "$INST")
check "same finding again: exit 0, already isolated" is 'd["result"]' already-isolated
check "same finding again: no step" is 'len(d["steps"])' 0
respond < <(ev gd $F2 $TYPE 8 "$INST" 203.0.113.9)
check "second finding: exit 0, joins incident $INC" is '(d["result"], d["incident"])' "('already-isolated', '$INC')"
check "second finding: no step (no second isolation)" is 'len(d["steps"])' 0
mails
check "second finding: one follow-up message, none for the repeat" nmail 1
check "follow-up: its subject (SNS cuts it at 100 characters)" \
	grep -q "^cordon: $INST already isolated - GuardDuty: UnauthorizedAccess:EC2/" "$AWS_WORK/mail"
check "follow-up: joins the incident, nothing isolated again" \
	says "Instance $INST is already isolated (incident $INC). GuardDuty published another finding about it"
state "$INST"
check "follow-up: the finding recorded on the instance (cordon:followed)" \
	grep -q "^tags $INST cordon:finding=$F1;cordon:followed=$F2;cordon:incident=$INC;cordon:status=isolated\$" "$AWS_WORK/state"
grep -v "^tags $INST " "$AWS_WORK/state" >"$AWS_WORK/state.now"
grep -v "^tags $INST " "$AWS_WORK/state.isolated" >"$AWS_WORK/state.was"
check "follow-up: the interfaces not touched" cmp -s "$AWS_WORK/state.now" "$AWS_WORK/state.was"
respond < <(ev gd $F2 $TYPE 8 "$INST" 203.0.113.9)
mails
check "the second finding published again (its count grew): no second follow-up" nmail 0

# ---- the tutorial's second rule: IAM credentials and S3, a message only ----
state "$INST"
cp "$AWS_WORK/state" "$AWS_WORK/state.isolated"
respond < <(ev iam 1f0e1f0e1f0e1f0e1f0e1f0e1f0e1f0e)
check "IAM finding: exit 0, a message only" is 'd["result"]' notified
respond < <(ev s3 2f0e1f0e1f0e1f0e1f0e1f0e1f0e1f0e)
check "S3 finding: exit 0, a message only" is 'd["result"]' notified
# The agent's rule (gd_policy_match): the patterns decide, the tutorial's types included.
CORDON_INCIDENT_GUARDDUTY_TYPES='Backdoor:EC2/*' respond < <(ev s3 3f0e1f0e1f0e1f0e1f0e1f0e1f0e1f0e)
check "S3 finding of a type outside the patterns: ignored" is 'd["result"]' ignored
CORDON_INCIDENT_GUARDDUTY_TYPES='Backdoor:EC2/*' respond < <(ev gd 4f0e1f0e1f0e1f0e1f0e1f0e1f0e1f0e $TYPE 8.9 "$INST")
check "instance finding of severity 8.9, type outside the patterns: ignored, not isolated" \
	is '(d["result"], "steps" in d)' "('ignored', False)"
mails
check "IAM and S3: two messages" nmail 2
check "IAM message: subject" subject "GuardDuty: UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom - alice"
check "IAM message: who called what from where" \
	says "The AWS credentials of alice (access key AKIAEXAMPLEEXAMPLE01, IAMUser) called s3.amazonaws.com ListBuckets from 198.51.100.77 (Example), an address on a threat list (threat list MyThreatIntelSet)."
check "IAM message: what to do" says "deactivate access key AKIAEXAMPLEEXAMPLE01"
check "S3 message: the bucket" says "ListBuckets on S3 bucket payroll-archive was called from 198.51.100.77"
check "S3 message: console link" says "#/findings?macros=current&fId=2f0e1f0e1f0e1f0e1f0e1f0e1f0e1f0e"
state "$INST"
check "IAM and S3: nothing changed in moto" cmp -s "$AWS_WORK/state" "$AWS_WORK/state.isolated"

# ---- under the minimum severity, or a type no pattern names ----
read -r INST2 _ <<<"$(moto instance)"
state "$INST2"
cp "$AWS_WORK/state" "$AWS_WORK/state.inst2"
respond < <(ev gd 3f0e1f0e1f0e1f0e1f0e1f0e1f0e1f0e $TYPE 5 "$INST2")
check "severity 5 under the minimum 7: a message, not isolated" is 'd["result"]' notified
check "severity 5: the report says why" is '"below [incident] guardduty_min_severity (7)" in d["reason"]' True
respond < <(ev gd 4f0e1f0e1f0e1f0e1f0e1f0e1f0e1f0e Recon:EC2/PortProbeUnprotectedPort 8 "$INST2")
check "a type no pattern names: ignored" is 'd["result"]' ignored
state "$INST2"
check "under the minimum, other type: nothing changed in moto" cmp -s "$AWS_WORK/state" "$AWS_WORK/state.inst2"
mails
check "under the minimum: one message (GuardDuty's words and why nothing was done)" \
	eval 'nmail 1 && says "severity 5 is below [incident] guardduty_min_severity (7)"'

# ---- cordon Release: the release-from-anywhere code ----
respond < <(ev release "$INST")
check "release: exit 0, released" is 'd["result"]' released
state "$INST"
check "release: each interface back in its own groups" \
	eval "has_state 'eni $INST $ENI0 $SG_WEB,$SG_DB' && has_state 'eni $INST $ENI1 $SG_DB'"
check "release: original-groups tags gone" eval "has_state 'tags $ENI0 ' && has_state 'tags $ENI1 '"
check "release: cordon:status=released (the follow-up record stays)" \
	grep -qE "^tags $INST cordon:followed=$F2;cordon:released=$INC [0-9T:.Z-]+;cordon:status=released\$" "$AWS_WORK/state"
mails
check "release: one message" eval "nmail 1 && subject 'cordon: incident $INC released'"
respond < <(ev release "$INST")
check "release again: nothing to do" is 'd["result"]' nothing
# A finding whose activity predates the release does not undo it; new activity does.
respond < <(ev gd $F2 $TYPE 8 "$INST" 203.0.113.9)
check "finding older than the release: not isolated again" is 'd["result"]' nothing
respond < <(ev gd 6f0e1f0e1f0e1f0e1f0e1f0e1f0e1f0e $TYPE 8 "$INST" 203.0.113.9 2099-01-01T00:00:00.000Z)
check "new activity after the release: isolated again, a new incident" \
	is '(d["result"], d["incident"] != "'"$INC"'")' "('isolated', True)"
respond < <(ev release "$INST")
mails

# ---- cordon Incident: finish what the agent could not ----
# The agent's plan cut after the second interface moved: both tagged, the
# instance tagged, the primary still in its groups.
moto tag "$ENI0" "cordon:original-groups=$SG_WEB,$SG_DB"
moto tag "$ENI1" "cordon:original-groups=$SG_DB"
moto tag "$INST" cordon:status=isolated cordon:incident=inc-agent-1
moto groups "$ENI1" "$SG_FOR"
respond < <(ev incident inc-agent-1 "$INST" 8f0e1f0e1f0e1f0e1f0e1f0e1f0e1f0e)
check "cordon Incident: exit 0, finished" is 'd["result"]' finished
check "cordon Incident: only the primary interface was left" test "$(steps)" = "ec2_convert_eni:$ENI0 ec2_isolate_eni:$ENI0"
state "$INST"
check "cordon Incident: both interfaces forensic, the agent's incident kept" \
	eval "has_state 'eni $INST $ENI0 $SG_FOR' && has_state 'eni $INST $ENI1 $SG_FOR' && grep -q '^tags $INST .*cordon:incident=inc-agent-1' '$AWS_WORK/state'"
mails
check "cordon Incident: no message (the agent sent it)" nmail 0
respond < <(ev incident inc-agent-1 "$INST" 8f0e1f0e1f0e1f0e1f0e1f0e1f0e1f0e)
check "cordon Incident again: nothing left" is 'd["result"]' nothing
respond < <(ev release "$INST")
respond < <(ev incident inc-agent-1 "$INST" 8f0e1f0e1f0e1f0e1f0e1f0e1f0e1f0e)
check "cordon Incident after its release: nothing (never undone by a late event)" is 'd["result"]' nothing
state "$INST"
check "cordon Incident after its release: interfaces stay released" has_state "eni $INST $ENI0 $SG_WEB,$SG_DB"
mails
# The agent's event as the agent puts it (respond_incident_detail,
# notify_events_put_detail), through an EventBridge rule as the
# responder's Lambda would get it. The agent got as far as its tags.
moto tag "$ENI0" "cordon:original-groups=$SG_WEB,$SG_DB"
moto tag "$ENI1" "cordon:original-groups=$SG_DB"
moto tag "$INST" cordon:status=isolated cordon:incident=inc-agent-2
"$SYS_PY" -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["detail"]["finding"]))' \
	"$AWS_WORK/event" >"$AWS_WORK/finding.json"
"$RDRV" incident-event inc-agent-2 "$INST" "$AWS_WORK/finding.json" >"$out" 2>&1
check "the agent's cordon Incident: PutEvents accepted" test $? -eq 0 || sed 's/^/# /' "$out"
moto events "$EVQ" >"$AWS_WORK/bridged"
check "the agent's cordon Incident: the rule delivered it" test "$(wc -l <"$AWS_WORK/bridged")" -eq 1
respond <"$AWS_WORK/bridged"
check "cordon Incident through EventBridge: finished, both interfaces" \
	test "$(steps)" = "ec2_convert_eni:$ENI1 ec2_isolate_eni:$ENI1 ec2_convert_eni:$ENI0 ec2_isolate_eni:$ENI0"
respond < <(ev release "$INST")
mails

# ---- cordon:original-groups forged before the isolation (by the host) ----
# Released: both interfaces in their own groups. Whoever may tag them
# writes groups of its choosing (here the conversion group stands for an
# attacker's), on ENI1 as the key, on ENI0 as a spill key after a true
# first one: a release must never restore those.
moto tag "$ENI1" "cordon:original-groups=$SG_CONV"
moto tag "$ENI0" "cordon:original-groups=$SG_WEB,$SG_DB" "cordon:original-groups-2=$SG_CONV"
respond < <(ev gd 6f0e1f0e1f0e1f0e1f0e1f0e1f0e1f0f $TYPE 8 "$INST" 203.0.113.9 2099-01-02T00:00:00.000Z)
check "forged original groups: isolated, both interfaces tagged again" \
	test "$(steps)" = "ec2_tag_eni:$ENI0 ec2_tag_eni:$ENI1 ec2_tag:$INST sns_publish ec2_convert_eni:$ENI1 ec2_isolate_eni:$ENI1 ec2_convert_eni:$ENI0 ec2_isolate_eni:$ENI0"
check "forged original groups: the report notes them" is 'len(d["notes"])' 2
state "$INST"
check "forged original groups: the tags name the groups they were in, no spill key" \
	eval "has_state 'tags $ENI0 cordon:original-groups=$SG_WEB,$SG_DB' && has_state 'tags $ENI1 cordon:original-groups=$SG_DB'"
respond < <(ev release "$INST")
state "$INST"
check "forged original groups: release puts them back where they were" \
	eval "has_state 'eni $INST $ENI0 $SG_WEB,$SG_DB' && has_state 'eni $INST $ENI1 $SG_DB'"
mails

# ---- tags the host wrote to blind the responder ----
# 17 keys under cordon:original-groups on its instance and a 200-character
# (400-byte) cordon:finding: they filled the tag set or went over its
# byte cap, DescribeTags failed as a whole and the responder did not
# isolate the host at all.
moto tag "$INST" $(for i in $(seq 17); do printf 'cordon:original-groups-x%d=sg-1 ' "$i"; done) \
	"cordon:finding=$(printf '\xc3\xa9%.0s' $(seq 200))"
respond < <(ev gd 6f0e1f0e1f0e1f0e1f0e1f0e1f0e1f10 $TYPE 8 "$INST" 203.0.113.9 2099-01-03T00:00:00.000Z)
check "hostile instance tags: isolated all the same" is 'd["result"]' isolated
state "$INST"
check "hostile instance tags: both interfaces in the forensic group" \
	eval "has_state 'eni $INST $ENI0 $SG_FOR' && has_state 'eni $INST $ENI1 $SG_FOR'"
moto untag "$INST" $(for i in $(seq 17); do printf 'cordon:original-groups-x%d ' "$i"; done)
respond < <(ev release "$INST")
mails

# ---- malformed, truncated, oversized, unknown: exit 2, nothing changed ----
state "$INST" "$INST2"
cp "$AWS_WORK/state" "$AWS_WORK/state.before"
one_line() {
	if [[ $(wc -l <"$err") -eq 1 ]] && grep -qF -- "$1" "$err"; then return 0; fi
	sed 's/^/#   /' "$err"
	return 1
}
bad() { # WHAT WANT: the event on stdin
	respond
	check "$1: exit 2" test $rc -eq 2
	check "$1: one clear line" one_line "$2"
	check "$1: the report says refused" is 'd["result"]' refused
}
ev gd $F1 $TYPE 8 "$INST" >"$AWS_WORK/good"
bad truncated "truncated?" < <(head -c 700 "$AWS_WORK/good")
bad "malformed severity" "event: detail.severity: not a number from 0 to 10" < <("$SYS_PY" -c \
	'import json,sys; e=json.load(open(sys.argv[1])); e["detail"]["severity"]="high"; print(json.dumps(e))' "$AWS_WORK/good")
bad "malformed instance id" "event: detail.resource.instanceDetails.instanceId: 'i-../x' is not an instance id" < <("$SYS_PY" -c \
	'import json,sys; e=json.load(open(sys.argv[1])); e["detail"]["resource"]["instanceDetails"]["instanceId"]="i-../x"; print(json.dumps(e))' "$AWS_WORK/good")
bad oversized "over the 262144 EventBridge allows" < <("$SYS_PY" -c \
	'import json,sys; e=json.load(open(sys.argv[1])); e["detail"]["title"]="x" * 300000; print(json.dumps(e))' "$AWS_WORK/good")
bad unknown "event: unknown event: source 'aws.ec2', detail-type 'EC2 Instance State-change Notification'" \
	< <(echo '{"version":"0","source":"aws.ec2","detail-type":"EC2 Instance State-change Notification","detail":{"state":"stopped"}}')
bad "release without an instance" "event: detail.instance-id: missing" \
	< <(echo '{"source":"cordon","detail-type":"cordon Release","detail":{}}')
state "$INST" "$INST2"
check "bad events: nothing changed in moto" cmp -s "$AWS_WORK/state" "$AWS_WORK/state.before"
mails
check "bad events: no message" nmail 0

# ---- dead agents: heartbeats through CloudWatch ----
# Windows of seconds so the test need not wait minutes: an agent is dead
# after 8 s without a heartbeat (and was heard in the day before).
export CORDON_AGENT_HEARTBEAT_INTERVAL=1s CORDON_RESPOND_DEAD_AGENT_AFTER=8s
read -r INST3 _ <<<"$(moto instance installed)"
read -r INST4 _ <<<"$(moto instance installed)"
"$RDRV" heartbeat "$INST3" >"$out" 2>&1
check "cloud_put_heartbeat: PutMetricData accepted" test $? -eq 0 || sed 's/^/# /' "$out"
sleep 9 # INST3's agent goes quiet; both instances are older than the window
"$RDRV" heartbeat "$INST4" >/dev/null 2>&1
"$RDRV" heartbeats 8 "$INST3" "$INST4" >"$out" 2>&1
check "cloud_get_heartbeats: the silent one none in the window, the other heard" \
	eval "grep -qx '$INST3 none' '$out' && grep -qE '^$INST4 20[0-9-]+T' '$out'" || sed 's/^/# /' "$out"
respond < <(ev schedule)
check "schedule: exit 0, notified" is 'd["result"]' notified
check "schedule: the silent agent named with its last heartbeat, the live one not" \
	is '[(s["instance"], "last_heartbeat" in s) for s in d["silent"]]' "[('$INST3', True)]"
check "schedule: both checked" is 'd["checked"]' 2
mails
check "schedule: one message" eval "nmail 1 && subject 'cordon: 1 agent silent on $INST3'"
check "schedule: the message gives the last heartbeat" says "  - $INST3: last heartbeat 20"
state "$INST3"
check "schedule: the silent instance marked cordon:silent, nothing else changed" \
	grep -qE "^tags $INST3 cordon:silent=20[0-9T:.Z-]+;cordon:status=installed\$" "$AWS_WORK/state"
"$RDRV" heartbeat "$INST4" >/dev/null 2>&1
respond < <(ev schedule)
check "schedule again: told once" is '(d["result"], d["silent"])' "('nothing', [])"
mails
check "schedule again: no second message" nmail 0
"$RDRV" heartbeat "$INST3" >/dev/null 2>&1
"$RDRV" heartbeat "$INST4" >/dev/null 2>&1
respond < <(ev schedule)
check "heard again: named" is 'd["heard_again"]' "['$INST3']"
state "$INST3"
check "heard again: cordon:silent removed" has_state "tags $INST3 cordon:status=installed"
mails
check "heard again: one message" eval "nmail 1 && subject 'cordon: 1 agent heard again'"
# With isolation: INST5's agent was heard then went quiet; INST6's never
# published a heartbeat at all (an agent that does not: never isolated).
read -r INST5 ENI5 <<<"$(moto instance installed)"
read -r INST6 ENI6 <<<"$(moto instance installed)"
"$RDRV" heartbeat "$INST5" >/dev/null 2>&1
sleep 9
"$RDRV" heartbeat "$INST3" >/dev/null 2>&1
"$RDRV" heartbeat "$INST4" >/dev/null 2>&1
CORDON_RESPOND_DEAD_AGENT_ACTION=isolate respond < <(ev schedule)
check "dead agent, action isolate: exit 0, isolated" is 'd["result"]' isolated
check "dead agent, action isolate: the one heard before isolated, the never-heard one not" \
	is 'sorted((s["instance"], "incident" in s, s.get("never_heard", False)) for s in d["silent"])' \
	"$("$SYS_PY" -c 'import sys; print(sorted([(sys.argv[1], True, False), (sys.argv[2], False, True)]))' "$INST5" "$INST6")"
check "dead agent, action isolate: its plan ran" \
	is '[[st["action"] for st in s["steps"]] for s in d["silent"] if s["instance"] == "'"$INST5"'"]' \
	"[['ec2_tag_eni', 'ec2_tag', 'ec2_convert_eni', 'ec2_isolate_eni']]"
state "$INST5" "$INST6"
check "dead agent, action isolate: interface forensic, its groups recorded" \
	eval "has_state 'eni $INST5 $ENI5 $SG_FOR' && has_state 'tags $ENI5 cordon:original-groups=$SG_WEB'"
check "dead agent, action isolate: instance isolated" grep -q "^tags $INST5 .*cordon:status=isolated" "$AWS_WORK/state"
check "never heard: left in its groups, told of once (cordon:silent)" \
	eval "has_state 'eni $INST6 $ENI6 $SG_WEB' && grep -qE '^tags $INST6 cordon:silent=' '$AWS_WORK/state'"
mails
check "dead agents, action isolate: one message for both" eval "nmail 1 && subject 'cordon: 2 agents silent'"
check "the message: isolated under an incident" says "ISOLATED (incident inc-"
check "the message: never heard, not isolated" says "  - $INST6: no heartbeat in the last day either"
unset CORDON_AGENT_HEARTBEAT_INTERVAL CORDON_RESPOND_DEAD_AGENT_AFTER

# ---- a list object changed: the ThreatIntelSet reads it again ----
det=12abc34d567e8fa901bc2d34e56789f0
TIS=$(gdcli create-threat-intel-set --detector-id $det --name MyThreatIntelSet --format TXT \
	--location https://s3.amazonaws.com/cordon-lists/threat.txt --activate)
OTHER=$(gdcli create-threat-intel-set --detector-id $det --name Other --format TXT \
	--location s3://cordon-lists/other.txt --activate)
IPS=$(gdcli create-ip-set --detector-id $det --name Trusted --format TXT \
	--location https://cordon-lists.s3.us-east-1.amazonaws.com/trusted.txt --activate)
check "fake GuardDuty: the AWS CLI made two ThreatIntelSets and an IPSet" \
	test -n "$TIS" -a -n "$OTHER" -a -n "$IPS" -a "$TIS" != "$OTHER"
check "fake GuardDuty: the AWS CLI reads one back" \
	test "$(gdcli get-threat-intel-set --detector-id $det --threat-intel-set-id "$TIS" --query '[Name,Status]')" = "MyThreatIntelSet	ACTIVE"
export CORDON_LISTS_THREAT=txt:s3://cordon-lists/threat.txt CORDON_LISTS_TRUSTED=s3://cordon-lists/trusted.txt
: >"$GD_LOG"
respond < <(ev object cordon-lists threat.txt)
check "list object: exit 0, reactivated" is 'd["result"]' reactivated
check "list object: the ThreatIntelSet found by its location" is '[s["id"] for s in d["sets"]]' "['$TIS']"
check "list object: GuardDuty told to read it again (UpdateThreatIntelSet activate)" \
	grep -qxF "ACTIVATE threatintelset $TIS https://s3.amazonaws.com/cordon-lists/threat.txt" "$GD_LOG"
check "list object: the other set left alone" test "$(grep -c ^ACTIVATE "$GD_LOG")" -eq 1
respond < <(ev object cordon-lists trusted.txt)
check "trusted list object: the IPSet activated again" \
	eval "is 'd[\"result\"]' reactivated && grep -qxF 'ACTIVATE ipset $IPS https://cordon-lists.s3.us-east-1.amazonaws.com/trusted.txt' '$GD_LOG'"
respond < <(ev object cordon-lists unrelated.txt)
check "another object: ignored, nothing activated" \
	eval "is 'd[\"result\"]' ignored && test \$(grep -c ^ACTIVATE '$GD_LOG') -eq 2"
unset CORDON_LISTS_THREAT CORDON_LISTS_TRUSTED

# ---- a bad variable: the file's one-line error, exit 2 ----
CORDON_CLOUD_FORENSIC_SECURITY_GROUP=sg-nothex respond < <(ev schedule)
check "bad CORDON_ variable: exit 2, named" eval "test $rc -eq 2 && grep -qF 'CORDON_CLOUD_FORENSIC_SECURITY_GROUP: [cloud] forensic_security_group:' '$err'"

# ---- the Lambda custom runtime under the fake Runtime API ----
# lambda EVENTS_JSON [ENV...]: run the runtime until the events run out.
lambda() {
	local events=$1; shift
	LR_PORT=$(free_port)
	LR_OUT=$AWS_WORK/lambda.out
	: >"$LR_OUT"
	"$SYS_PY" tests/aws/fake_lambda_runtime.py --port "$LR_PORT" --events "$events" --out "$LR_OUT" \
		>"$AWS_WORK/lr.log" 2>&1 &
	local pid=$!
	PIDS+=("$pid")
	for ((i = 0; i < 50; i++)); do curl -s -o /dev/null "http://127.0.0.1:$LR_PORT/" && break; sleep 0.1; done
	env "$@" AWS_LAMBDA_RUNTIME_API="127.0.0.1:$LR_PORT" timeout 120 "$CORDON" respond -c "$CONF" \
		>"$AWS_WORK/lambda.stdout" 2>"$AWS_WORK/lambda.stderr"
	lrc=$?
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}
# lr N EXPR: a Python expression over answer N (0-based) a of the runtime.
lr() { "$SYS_PY" -c 'import json, sys
a = [json.loads(l) for l in open(sys.argv[1])][int(sys.argv[2])]
b = json.loads(a["body"]) if a["body"].startswith("{") else {}
print(eval(sys.argv[3]))' "$LR_OUT" "$1" "$2"; }
ev gd $F1 $TYPE 8 "$INST" >"$AWS_WORK/full.json"
head -c 500 "$AWS_WORK/full.json" >"$AWS_WORK/cut.json"
"$SYS_PY" -c 'import json,sys; e=json.load(open(sys.argv[1])); e["detail"]["title"]="x" * 300000; print(json.dumps(e))' \
	"$AWS_WORK/good" >"$AWS_WORK/big.json"
"$SYS_PY" - "$AWS_WORK/events.json" "$AWS_WORK" <<EOF
import json, subprocess, sys
def ev(*a):
    return subprocess.run([sys.executable, "tests/aws/respond_events.py", *a], capture_output=True, text=True, check=True).stdout
w = sys.argv[2]
json.dump([
    {"body": open(w + "/cut.json").read(), "trace": "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1"},
    {"body": ev("iam", "9f0e1f0e1f0e1f0e1f0e1f0e1f0e1f0e")},
    {"body_file": w + "/big.json"},
    {"body": ev("gd", "$F1", "$TYPE", "8", "$INST", "203.0.113.7", "2099-01-02T00:00:00.000Z")},
    {"body": ev("release", "$INST")},
], open(sys.argv[1], "w"))
EOF
lambda "$AWS_WORK/events.json"
check "lambda: five invocations answered, in order" \
	test "$("$SYS_PY" -c 'import json,sys; print(" ".join(json.loads(l)["kind"] for l in open(sys.argv[1])))' "$LR_OUT")" = "error response error response response"
check "lambda: truncated event -> /error, Cordon.InvalidEvent, the loop goes on" \
	test "$(lr 0 'a["error_type"], b["errorType"], "truncated?" in b["errorMessage"]')" = "('Cordon.InvalidEvent', 'Cordon.InvalidEvent', True)"
check "lambda: the IAM finding -> /response, notified" test "$(lr 1 'b["result"]')" = notified
check "lambda: oversized event -> /error, the loop goes on" \
	test "$(lr 2 'a["error_type"], "over 262144 bytes" in b["errorMessage"]')" = "('Cordon.InvalidEvent', True)"
check "lambda: the GuardDuty finding -> isolated, primary last" \
	test "$(lr 3 'b["result"], b["steps"][-1]["target"]')" = "('isolated', '$ENI0')"
check "lambda: cordon Release -> released" test "$(lr 4 'b["result"]')" = released
check "lambda: exits when the runtime API answers 500" test $lrc -eq 1
check "lambda: the trace id taken" grep -qF "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700" "$AWS_WORK/lambda.stderr"
check "lambda: answered before each deadline" test "$(lr 3 'a["ms_before_deadline"] > 0')" = True
state "$INST"
check "lambda: the instance released in the end" has_state "eni $INST $ENI0 $SG_WEB,$SG_DB"
mails
check "lambda: three messages (IAM, isolation, release)" nmail 3

# The deadline: EC2 answers 503 every time; the handler stops retrying
# before the invocation's deadline and says so through /error.
echo '[{"match": "^POST /$", "action": "status", "code": 503, "error": "Unavailable", "times": 1000}]' >"$FAULTS"
ev gd 0f0e1f0e1f0e1f0e1f0e1f0e1f0e1f0e $TYPE 8 "$INST2" >"$AWS_WORK/gd2.json"
echo "[{\"body_file\": \"$AWS_WORK/gd2.json\", \"deadline_ms\": 5000}]" >"$AWS_WORK/events.json"
lambda "$AWS_WORK/events.json" AWS_ENDPOINT_URL_EC2="$PROXY_URL" CORDON_AWS_MAX_ATTEMPTS=10
check "deadline: /error, Cordon.Failed" test "$(lr 0 'a["kind"], a["error_type"]')" = "('error', 'Cordon.Failed')"
check "deadline: answered before the deadline" test "$(lr 0 'a["ms_before_deadline"] > 0')" = True
check "deadline: the error says the deadline stopped it" test "$(lr 0 '"deadline" in b["errorMessage"]')" = True ||
	lr 0 'b' | sed 's/^/# /'
echo '[]' >"$FAULTS"

# A configuration that cannot work: /runtime/init/error, and out.
echo '[]' >"$AWS_WORK/events.json"
lambda "$AWS_WORK/events.json" CORDON_AGENT_MODE=isolte
check "lambda: a bad variable -> /runtime/init/error, exit 2" \
	test "$(lr 0 'a["kind"], a["error_type"], b["errorMessage"]')" = "('init-error', 'Cordon.BadConfig', \"CORDON_AGENT_MODE: [agent] mode: 'isolte' is not one of monitor, block, isolate\")" -a $lrc -eq 2

# The packaged function, run from an empty root (make lambda's zip).
if [[ -f build/cordon-lambda.zip ]] && command -v unzip unshare >/dev/null && [[ $EUID -eq 0 ]]; then
	root=$AWS_WORK/root
	mkdir -p "$root/var/task" "$root/tmp"
	unzip -q build/cordon-lambda.zip -d "$root/var/task"
	cp "$CA" "$root/ca.pem"
	echo "[{\"body\": $("$SYS_PY" -c 'import json,sys; print(json.dumps(sys.stdin.read()))' < <(ev iam af0e1f0e1f0e1f0e1f0e1f0e1f0e1f0e))}]" >"$AWS_WORK/events.json"
	LR_PORT=$(free_port)
	LR_OUT=$AWS_WORK/lambda.out
	: >"$LR_OUT"
	"$SYS_PY" tests/aws/fake_lambda_runtime.py --port "$LR_PORT" --events "$AWS_WORK/events.json" \
		--out "$LR_OUT" >"$AWS_WORK/lr.log" 2>&1 &
	PIDS+=($!)
	sleep 0.5
	# Lambda's root has /proc (the loader finds $ORIGIN through it), nothing of ours.
	mkdir -p "$root/proc"
	unshare --mount --propagation private sh -c 'mount -t proc proc "$0/proc" && exec "$@"' "$root" \
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin AWS_LAMBDA_RUNTIME_API="127.0.0.1:$LR_PORT" \
		AWS_REGION=us-east-1 AWS_CA_BUNDLE=/ca.pem \
		AWS_ENDPOINT_URL="$MOTO_URL" AWS_ACCESS_KEY_ID="$AWS_ACCESS_KEY_ID" \
		AWS_SECRET_ACCESS_KEY="$AWS_SECRET_ACCESS_KEY" CORDON_CLOUD_SNS_TOPIC_ARN="$TOPIC" \
		LAMBDA_TASK_ROOT=/var/task timeout 60 chroot "$root" /var/task/bootstrap \
		>"$AWS_WORK/zip.out" 2>&1
	sed 's/^/# zip: /' "$AWS_WORK/zip.out" | head -5
	check "zip: bootstrap from an empty root answers the IAM finding" test "$(lr 0 'b["result"]')" = notified
	mails
	check "zip: its message arrived" nmail 1
else
	echo "# SKIP the packaged function: no build/cordon-lambda.zip here (make lambda O=build), or no unzip/unshare/root"
fi

finish
