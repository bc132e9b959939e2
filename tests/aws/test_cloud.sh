#!/bin/bash
# enforcer/cloud/cloud.c and enforcer/notify*.c against moto (SigV4 checked),
# driven by tests/aws/cloud_driver: an instance launched on two network
# interfaces made first (EC2's real behaviour: each keeps its own groups),
# moved into the forensic group and back, tags, protection, a snapshot;
# each interface's original groups as tags on it (split over 256-character
# values, read back through DescribeTags, refused when a stranger broke
# them); the incident e-mail through SNS to an SQS subscriber, compared
# byte for byte; the finding to EventBridge (rule -> SQS) and Security Hub;
# throttling through the fault proxy; then `cordon release --instance-id`
# with no state directory, from the tags alone, twice. TAP.
#
#   cloud_driver --(TLS)--> faultproxy.py --(TLS)--> moto_server
#        \----------------(TLS)----------------------/      ^
#   cloud_moto.py (boto3), aws CLI ------------------------/
source "$(dirname "$0")/lib.sh"
start_moto
start_proxy
DRIVER=$ROOT/$O/tests/cloud_driver
tests/aws/build_driver.sh cloud "$DRIVER" >"$AWS_WORK/build.log" 2>&1 ||
	{ sed 's/^/# /' "$AWS_WORK/build.log"; echo "Bail out! cannot build cloud_driver"; exit 1; }

out=$AWS_WORK/out
has() { grep -qF -- "$1" "$out" || { sed 's/^/# /' "$out"; return 1; }; }
same() { [[ "$(cat "$out")" == "$1" ]] || { echo "# want: $1"; sed 's/^/# got:  /' "$out"; return 1; }; }
drv() { "$DRIVER" "$@" >"$out" 2>&1; }
moto() { "$MOTO_PY" tests/aws/cloud_moto.py "$MOTO_URL" "$CA" "$@"; }
fault() { echo "$1" >"$FAULTS"; : >"$PROXY_LOG"; }
# What moto holds at the end, read once (see cloud_moto.py report).
rep=$AWS_WORK/report
inrep() { grep -qxF -- "$1" "$rep" || { echo "# want: $1"; grep "^${1%% *} " "$rep" | cut -c1-300 | sed 's/^/# got:  /'; return 1; }; }

moto setup >"$AWS_WORK/scene" 2>"$AWS_WORK/scene.err" ||
	{ sed 's/^/# /' "$AWS_WORK/scene.err"; echo "Bail out! moto scene setup failed"; exit 1; }
# shellcheck disable=SC1091
source "$AWS_WORK/scene"

# ---- DescribeInstances: both interfaces, each with its own groups ----
drv describe "$INST"
check "describe: instance, VPC, subnet, running" has "instance $INST vpc $VPC subnet $SUBNET state running"
check "describe: primary interface (index 0) with web and db groups" \
	grep -qE "^eni $ENI0 index 0 attachment eni-attach-[0-9a-f]+ ip 192\.0\.2\.[0-9]+ groups $SG_WEB,$SG_DB\$" "$out"
check "describe: second interface (index 1) with its own group" \
	grep -qE "^eni $ENI1 index 1 attachment eni-attach-[0-9a-f]+ ip 192\.0\.2\.[0-9]+ groups $SG_DB\$" "$out"
check "describe: root volume" has "volume $VOL"
drv describe i-0123456789abcdef0
check "describe: unknown instance is InvalidInstanceID.NotFound" has "InvalidInstanceID.NotFound"

# ---- the swap, checked once with the AWS CLI ----
drv set-groups "$ENI0" "$SG_FOR" && drv set-groups "$ENI1" "$SG_FOR"
check "set groups: both interfaces accepted" test $? -eq 0
# shellcheck disable=SC2016 # a JMESPath literal, not shell
"$MOTO_PY" -m awscli --endpoint-url "$MOTO_URL" --ca-bundle "$CA" --region us-east-1 \
	ec2 describe-network-interfaces --network-interface-ids "$ENI0" "$ENI1" --output text \
	--query 'NetworkInterfaces[].[NetworkInterfaceId, join(`,`, Groups[].GroupId)]' | sort >"$out"
check "set groups: aws ec2 describe-network-interfaces shows both in the forensic group only" \
	same "$(printf '%s\t%s\n%s\t%s' "$ENI0" "$SG_FOR" "$ENI1" "$SG_FOR" | sort)"
drv set-groups "$ENI0" "$SG_FOR" && drv set-groups "$ENI1" "$SG_FOR"
check "set groups again: idempotent, no error" test $? -eq 0
drv describe "$INST"
check "set groups again: both still forensic only" test "$(grep -c "groups $SG_FOR\$" "$out")" = 2
drv set-groups "$ENI0" "$SG_WEB" "$SG_DB" && drv set-groups "$ENI1" "$SG_DB"
drv describe "$INST"
check "restore: original groups back on each interface" \
	test "$(grep -cE "^eni ($ENI0 .* groups $SG_WEB,$SG_DB|$ENI1 .* groups $SG_DB)\$" "$out")" = 2
# (An unknown group is not tested here: moto accepts it and empties the
# interface's groups, where EC2 answers InvalidGroup.NotFound.)

# ---- tags, protection, snapshot (read back at the end) ----
drv tag "$INST" "cordon:incident=inc-42" "cordon:state=isolated by cordon" "note=a&b=c+d%e"
check "create tags: accepted (space, ':', '&', '=', '+', '%' in values)" test $? -eq 0
drv tag "$ENI1" "cordon:incident=inc-42" "cordon:old-groups=$SG_DB"
drv untag "$ENI1" cordon:old-groups no-such-key
check "delete tags: by key, an absent key is no error" test $? -eq 0
drv protect "$INST" 1 1
check "protect: accepted" test $? -eq 0
drv protect "$INST2" 1 1 && drv protect "$INST2" 0 0
check "protect then unprotect: accepted" test $? -eq 0
"$DRIVER" snapshot "$VOL" "cordon evidence inc-42" cordon:incident=inc-42 "cordon:instance=$INST" \
	>"$out" 2>/dev/null
snap=$(cat "$out")
check "snapshot: started ($snap)" grep -qxE 'snap-[0-9a-f]+' "$out"

# ---- each interface's original groups, on the interface itself ----
# Nine ids of 63 characters (EC2 allows any tag value; only group ids are
# checked on a move) need three 256-character values.
long=()
for i in 1 2 3 4 5 6 7 8 9; do long+=("sg-$(printf '%058d' 0)0$i"); done
drv tag-groups "$ENI1" "${long[@]}"
check "tag-groups: a list of 9 long ids accepted" test $? -eq 0
# shellcheck disable=SC2016 # a JMESPath literal, not shell
"$MOTO_PY" -m awscli --endpoint-url "$MOTO_URL" --ca-bundle "$CA" --region us-east-1 \
	ec2 describe-network-interfaces --network-interface-ids "$ENI1" --output text \
	--query 'NetworkInterfaces[0].TagSet[?starts_with(Key, `cordon:original`)].Key' | tr '\t' '\n' | sort >"$out"
check "moto returns the interface's tags in DescribeNetworkInterfaces' TagSet: three keys" \
	same "$(printf 'cordon:original-groups\ncordon:original-groups-2\ncordon:original-groups-3')"
drv read-tags "$INST" "$ENI1"
check "read-tags (DescribeTags): the 9 ids back in order from 3 tags" \
	has "groups $ENI1 $(IFS=,; echo "${long[*]}") (4 tags)"
check "read-tags: the instance's state" has "state $INST status none incident inc-42 released - -"
"$MOTO_PY" -m awscli --endpoint-url "$MOTO_URL" --ca-bundle "$CA" --region us-east-1 \
	ec2 delete-tags --resources "$ENI1" --tags Key=cordon:original-groups-2
drv read-tags "$INST" "$ENI1"
check "read-tags: a tag deleted by someone else is a clear error, no partial list" \
	has "groups $ENI1 error: tag cordon:original-groups-2 is missing while 2 original-groups tags are there"
drv untag-groups "$ENI1"
drv read-tags "$INST" "$ENI1"
check "untag-groups: every cordon:original-groups key gone" has "groups $ENI1 none (1 tags)"
"$MOTO_PY" -m awscli --endpoint-url "$MOTO_URL" --ca-bundle "$CA" --region us-east-1 \
	ec2 create-tags --resources "$INST" --tags Key=cordon:status,Value=quarantined
drv read-tags "$INST" "$ENI0"
check "read-tags: a status cordon does not know is a clear error" \
	has "state $INST error: tag cordon:status: \"quarantined\" is none of installed, install-failed, isolated, released"
drv untag "$INST" cordon:status

# ---- the incident e-mail through SNS ----
finding=$AWS_WORK/finding.json
cat >"$finding" <<EOF
{"schemaVersion":"2.0","accountId":"$ACCOUNT","region":"us-east-1","id":"5d41402abc4b2a76b9719d911017c592","type":"UnauthorizedAccess:EC2/MaliciousIPCaller.Custom","severity":5,"title":"EC2 instance $INST is communicating with a disallowed IP address.","description":"EC2 instance $INST is communicating outbound with IP address 203.0.113.7 on TCP port 443, which is on the custom threat list MyThreatIntelSet.","createdAt":"2026-11-28T13:00:00.000Z","updatedAt":"2026-11-28T13:00:02.500Z","resource":{"resourceType":"Instance","instanceDetails":{"instanceId":"$INST"}},"service":{"serviceName":"cordon","count":3,"eventFirstSeen":"2026-11-28T13:00:00.000Z","eventLastSeen":"2026-11-28T13:00:02.500Z","action":{"actionType":"NETWORK_CONNECTION","networkConnectionAction":{"connectionDirection":"OUTBOUND","protocol":"TCP","blocked":false,"localIpDetails":{"ipAddressV4":"192.0.2.10"},"localPortDetails":{"port":40000},"remoteIpDetails":{"ipAddressV4":"203.0.113.7"},"remotePortDetails":{"port":443}}},"additionalInfo":{"threatListName":"MyThreatIntelSet","threatListEntry":"203.0.113.0/24","packets":12,"bytes":980}}}
EOF
mail=$AWS_WORK/sent
GD_FINDING_ID=aab0c1d2e3f4a5b6c7d8e9f0a1b2c3d4 "$DRIVER" isolate "$INST" "$SG_FOR" inc-42 \
	"$finding" "$TOPIC" >"$mail" 2>"$AWS_WORK/sent.err"
check "isolate + publish: exit 0" test $? -eq 0 || sed 's/^/# /' "$AWS_WORK/sent.err"
check "mail: subject names instance, state and remote" \
	grep -qxF "cordon: $INST being isolated - TCP to 203.0.113.7" "$mail"
check "mail: what happened, the right way round" grep -qxF \
	"Instance $INST is being isolated. It contacted 203.0.113.7, an address on a threat list, on TCP port 443." "$mail"
check "mail: remote, list and entry" \
	grep -qF "Remote address: 203.0.113.7 (threat list MyThreatIntelSet, entry 203.0.113.0/24)" "$mail"
check "mail: direction and ports" \
	grep -qF "Protocol:       TCP, 192.0.2.10 port 40000 -> 203.0.113.7 port 443" "$mail"
check "mail: first interface, old -> new groups, moved after the message" \
	grep -qF "Moving network interface $ENI0 from security groups $SG_WEB, $SG_DB to $SG_FOR right after this message" "$mail"
check "mail: second interface, old -> new groups" \
	grep -qF "Moving network interface $ENI1 from security groups $SG_DB to $SG_FOR right after this message" "$mail"
check "mail: instance console link" grep -qxF \
	"                  https://console.aws.amazon.com/ec2/home?region=us-east-1#InstanceDetails:instanceId=$INST" "$mail"
check "mail: GuardDuty console link" grep -qxF \
	"  https://console.aws.amazon.com/guardduty/home?region=us-east-1#/findings?macros=current&fId=aab0c1d2e3f4a5b6c7d8e9f0a1b2c3d4" "$mail"
check "mail: how to release, from anywhere" grep -qxF "    cordon release --instance-id $INST --region us-east-1" "$mail"
check "mail: how to release, on the instance" grep -qxF "    cordon release --incident inc-42" "$mail"
check "isolate: both interfaces moved, the primary last" \
	eval "grep '^moved ' '$AWS_WORK/sent.err' | tr '\n' ' ' | grep -qxF 'moved $ENI1 moved $ENI0 '"
sed 's/^/#   | /' "$mail"

head -c 262145 /dev/zero | tr '\0' x >"$AWS_WORK/big"
drv publish "$TOPIC" "too big" "$AWS_WORK/big"
check "SNS: message over 256 KiB refused before sending" has "SNS takes 262144 at most"
printf 'caf\xc3\xa9 \xe2\x82\xac ok\n' >"$AWS_WORK/utf8"
drv publish "$TOPIC" $'Subject\twith tab and \xc3\xa9' "$AWS_WORK/utf8"
check "SNS: UTF-8 message with a non-ASCII subject: published" test $? -eq 0
drv publish "arn:aws:sns:GuardDuty-Example" "x" "$AWS_WORK/utf8"
check "SNS: a topic that is not an ARN with a region refused" has "is not a topic ARN"
printf 'caf\xc3 broken\n' >"$AWS_WORK/bad8"
drv publish "$TOPIC" "bad" "$AWS_WORK/bad8"
check "SNS: invalid UTF-8 refused before sending" has "not valid UTF-8"

# ---- EventBridge and Security Hub ----
drv events-put cordon-bus "$finding"
check "EventBridge PutEvents: event id" grep -qE '^[0-9a-f-]{36}$' "$out"
drv sechub-import "$ACCOUNT" us-east-1 "$finding"
check "Security Hub BatchImportFindings: accepted" test $? -eq 0

# ---- throttling and outages through the fault proxy ----
export AWS_ENDPOINT_URL_EC2=$PROXY_URL AWS_ENDPOINT_URL_SNS=$PROXY_URL
fault '[{"match": "^POST /$", "action": "status", "code": 503, "error": "RequestLimitExceeded", "times": 2}]'
drv set-groups "$ENI1" "$SG_DB"
check "EC2 RequestLimitExceeded twice: then success" test $? -eq 0
check "EC2 RequestLimitExceeded twice: 3 attempts" has "attempts 3"
fault '[{"match": "^POST /$", "action": "status", "code": 503, "error": "Unavailable", "times": 9}]'
drv set-groups "$ENI0" "$SG_WEB"
check "EC2 503 every time: fails after 3 attempts" has "(after 3 attempts)"
check "EC2 503 every time: error names call and interface" has "EC2 ModifyNetworkInterfaceAttribute $ENI0: "
fault '[{"match": "^POST /$", "action": "status", "code": 400, "error": "Throttling", "times": 1}]'
drv publish "$TOPIC" "retried" "$AWS_WORK/utf8"
check "SNS Throttling once: published on attempt 2" has "attempts 2"
fault '[{"match": "^POST /$", "action": "status", "code": 403, "error": "AuthorizationError", "times": 9}]'
drv publish "$TOPIC" "denied" "$AWS_WORK/utf8"
check "SNS AuthorizationError: surfaced" has "AuthorizationError: injected AuthorizationError"
check "SNS AuthorizationError: not retried (1 attempt)" has "attempts 1"
fault '[]'
unset AWS_ENDPOINT_URL_EC2 AWS_ENDPOINT_URL_SNS

# ---- what moto holds now ----
moto report INST="$INST" INST2="$INST2" ENI1="$ENI1" SNAP="$snap" MAILQ="$MAILQ" EVQ="$EVQ" \
	>"$rep" 2>"$AWS_WORK/report.err" || sed 's/^/# /' "$AWS_WORK/report.err"
check "after isolate: first interface forensic only" inrep "eni $ENI0 $SG_FOR"
check "after throttled restore: second interface back in its group" inrep "eni $ENI1 $SG_DB"
check "tags on the instance: exact values, cordon:status from isolate" \
	inrep "tags $INST cordon:incident=inc-42;cordon:state=isolated by cordon;cordon:status=isolated;note=a&b=c+d%e"
check "tags on the interface: one deleted, one kept, its original groups" \
	inrep "tags $ENI1 cordon:incident=inc-42;cordon:original-groups=$SG_DB"
check "protect: termination protection on, shutdown stops" inrep "attrs $INST termination True shutdown stop"
check "unprotect: termination protection off, shutdown left as is" \
	inrep "attrs $INST2 termination False shutdown stop"
check "snapshot: volume, description and tags from creation" \
	inrep "snapshot $snap $VOL cordon evidence inc-42|cordon:incident=inc-42,cordon:instance=$INST"
"$SYS_PY" -c '
import json, sys
mails = [json.loads(l[5:]) for l in open(sys.argv[1]) if l.startswith("mail ")]
subject, text = open(sys.argv[2]).read().split("\n", 1)
got = {m["Subject"]: m["Message"] for m in mails}
print(len(mails), "messages")
print("incident", "same" if got.get(subject) == text else "differs")
print("subjects", sorted(got))
' "$rep" "$mail" >"$out" 2>&1
check "SNS -> SQS: three messages (isolate, UTF-8, retried)" has "3 messages"
check "SNS -> SQS: incident subject and text arrived byte for byte" has "incident same"
check "SNS -> SQS: non-ASCII subject arrived cleaned" has "'Subject with tab and ??'"
check "EventBridge rule -> SQS: source cordon, detail-type Cordon Finding" \
	grep -q '^event .*"detail-type": "Cordon Finding", "source": "cordon"' "$rep"
check "EventBridge rule -> SQS: detail is the finding" \
	grep -q '^event .*"detail": {"schemaVersion": "2.0", "accountId": "'"$ACCOUNT"'", "region": "us-east-1", "id": "5d41402abc4b2a76b9719d911017c592"' "$rep"
grep '^sechub ' "$rep" >"$out"
check "Security Hub GetFindings: our ASFF id" has "\"Id\": \"cordon/us-east-1/$ACCOUNT/5d41402abc4b2a76b9719d911017c592\""
check "Security Hub: severity MEDIUM" has '"Severity": {"Label": "MEDIUM", "Original": "5"}'
check "Security Hub: network OUT, local -> remote" \
	has '"Network": {"DestinationIpV4": "203.0.113.7", "DestinationPort": 443, "Direction": "OUT", "Protocol": "TCP", "SourceIpV4": "192.0.2.10", "SourcePort": 40000}'
check "Security Hub: resource is the instance ARN" has "\"Id\": \"arn:aws:ec2:us-east-1:$ACCOUNT:instance/$INST\""
check "Security Hub: product ARN" \
	has "\"ProductArn\": \"arn:aws:securityhub:us-east-1:$ACCOUNT:product/$ACCOUNT/default\""

# ---- release from anywhere: `cordon release --instance-id`, no state dir ----
# Where the isolation left things: both interfaces in the forensic group,
# each carrying its original groups; the instance isolated, inc-42.
drv set-groups "$ENI1" "$SG_FOR"
: >"$AWS_WORK/empty.conf"
# An operator's workstation: credentials, no region in the environment, no
# IMDS, no cordon config, no state directory.
release() {
	env -u AWS_REGION "$CORDON" release -c "$AWS_WORK/empty.conf" --state-dir "$AWS_WORK/no-state" "$@" \
		>"$out" 2>&1
}
release --instance-id "$INST" --sns-topic "$TOPIC"
check "release without a region: exit 1" test $? -eq 1
check "release without a region: says so" grep -qi "region" "$out"
"$MOTO_PY" -m awscli --endpoint-url "$MOTO_URL" --ca-bundle "$CA" --region us-east-1 \
	ec2 create-tags --resources "$ENI1" --tags "Key=cordon:original-groups-3,Value=$SG_WEB"
release --instance-id "$INST" --region us-east-1 --sns-topic "$TOPIC"
check "release, a stranger's tag on one interface: exit 1" test $? -eq 1
check "release, a stranger's tag: the error names the interface and the tag" \
	has "$ENI1: tag cordon:original-groups-2 is missing while 2 original-groups tags are there"
drv describe "$INST"
check "release, a stranger's tag: nothing restored, not even the good interface" \
	test "$(grep -c "groups $SG_FOR\$" "$out")" = 2
drv untag "$ENI1" cordon:original-groups-3
release --instance-id "$INST" --region us-east-1 --sns-topic "$TOPIC"
check "release --instance-id: exit 0" test $? -eq 0 || sed 's/^/# /' "$out"
sed 's/^/#   | /' "$out"
check "release: says where each interface went" has "release: interface $ENI0 back in $SG_WEB, $SG_DB (from its tags)"
check "release: no state directory made" test ! -e "$AWS_WORK/no-state"
moto report INST="$INST" ENI0="$ENI0" ENI1="$ENI1" MAILQ="$MAILQ" >"$rep" 2>"$AWS_WORK/report.err" ||
	sed 's/^/# /' "$AWS_WORK/report.err"
check "release: first interface back in its two groups" inrep "eni $ENI0 $SG_WEB,$SG_DB"
check "release: second interface back in its group" inrep "eni $ENI1 $SG_DB"
check "release: the interfaces' original-groups tags gone" inrep "tags $ENI0 "
check "release: the other tags of an interface kept" inrep "tags $ENI1 cordon:incident=inc-42"
check "release: instance cordon:status=released, cordon:released=inc-42 TIME, cordon:incident gone" \
	grep -qxE "tags $INST cordon:released=inc-42 20[0-9-]{8}T[0-9:.]{12}Z;cordon:state=isolated by cordon;cordon:status=released;note=a&b=c\+d%e" "$rep"
"$SYS_PY" -c '
import json, sys
mails = [json.loads(l[5:]) for l in open(sys.argv[1]) if l.startswith("mail ")]
print(len(mails), "messages")
for m in mails:
    print("subject", m["Subject"])
    print(m["Message"])
' "$rep" >"$out" 2>&1
check "release: one SNS message" has "1 messages"
check "release: its subject" has "subject cordon: incident inc-42 released"
check "release: the message says what went back" \
	has "  - Network interface $ENI0 back in security groups $SG_WEB, $SG_DB (was in $SG_FOR)."
check "release: the message says who lifts the host's lockdown" \
	has "cordon's agent on the instance lifts it when it reads cordon:status=released"
sed 's/^/#   | /' "$out"
release --instance-id "$INST" --region us-east-1 --sns-topic "$TOPIC"
check "release again: exit 0" test $? -eq 0
check "release again: nothing to restore, says when it was released" \
	grep -qE "release: $INST was released 20[0-9-]+T[0-9:.]+Z, incident inc-42: nothing to restore" "$out"
moto drain "$MAILQ" >"$out"
check "release again: no second message" test ! -s "$out"
release --instance-id "$INST2" --region us-east-1 --sns-topic "$TOPIC"
check "release of an instance cordon never isolated: exit 0, says so" \
	has "release: $INST2 is not isolated by cordon (cordon:status none, no interface carries cordon:original-groups): nothing to release"
release --instance-id i-0123456789abcdef0 --region us-east-1
check "release of an unknown instance: exit 1" test $? -eq 1
check "release of an unknown instance: InvalidInstanceID.NotFound" has InvalidInstanceID.NotFound
moto drain "$MAILQ" >"$out"
check "no message for what was not released" test ! -s "$out"

finish
