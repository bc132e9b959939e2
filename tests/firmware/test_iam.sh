#!/bin/bash
# Single-quoted dollar-braces here are policy text, not shell:
# shellcheck disable=SC2016
# The instance policy (firmware/iam-policy.json) grants exactly the AWS
# actions cordon's code and user-data call, each as narrowly as AWS
# allows; the actions come from the code (iam_check.py says how). Then
# the checker itself: copies of the tree with one planted fault each must
# fail it for that reason. TAP.
# shellcheck source=tests/firmware/lib.sh
source "$(dirname "$0")/lib.sh"
CHECK=tests/firmware/iam_check.py

"$PY" "$CHECK" >"$FW_WORK/iam.out" 2>&1
rc=$?
while IFS= read -r line; do
	case $line in
	"ok "*) ok "${line#ok * - }" ;;
	"not ok "*) fail "${line#not ok * - }" ;;
	"#"*) echo "$line" ;;
	esac
done <"$FW_WORK/iam.out"
check "iam_check.py exits 0 on the tree ($rc)" test "$rc" -eq 0

# planted WHAT EXPECT [C-SOURCE [POLICY-SED [PENDING-LINE [C-FILE]]]]: a
# copy of what the checker reads, plus C-FILE (enforcer/planted.c), must
# fail with EXPECT (or pass when EXPECT is "pass").
planted() {
	local what=$1 expect=$2 src=${3:-} sed_policy=${4:-} pending=${5:-} cfile=${6:-enforcer/planted.c}
	local t=$FW_WORK/tree rc
	rm -rf "$t"
	mkdir -p "$t/tests/firmware" "$t/firmware"
	cp -r common sensor feeds enforcer "$t/"
	cp firmware/*.json firmware/*.sh "$t/firmware/"
	cp tests/firmware/*.txt "$t/tests/firmware/"
	[[ -n $pending ]] && printf '%s\n' "$pending" >>"$t/tests/firmware/iam-pending.txt"
	[[ -n $src ]] && printf '%s\n' "$src" >"$t/$cfile"
	[[ -n $sed_policy ]] && sed -i -e "$sed_policy" "$t/firmware/iam-policy.json"
	IAM_CHECK_ROOT=$t "$PY" "$CHECK" >"$FW_WORK/p.out" 2>&1
	rc=$?
	if [[ $expect == pass ]]; then
		check "planted: $what: passes" test "$rc" -eq 0 || grep '^not ok' "$FW_WORK/p.out" | sed 's/^/# /'
	elif [[ $rc -ne 0 ]] && grep -qF -- "$expect" "$FW_WORK/p.out"; then
		ok "planted: $what: caught"
	else
		fail "planted: $what: caught (expected: $expect)"
		grep '^not ok' "$FW_WORK/p.out" | head -3 | sed 's/^/# /'
	fi
}
planted "a call the policy does not grant" "sns:Subscribe called by enforcer/planted.c:1 is granted" \
	'static const struct aws_call c = { .svc = AWS_SVC_SNS, .op = "Subscribe" };'
planted "a pending action the code now calls" "enforcer/planted.c:1): remove it from" \
	'static const struct aws_call c = { .svc = AWS_SVC_SNS, .op = "Publish" };' "" \
	"sns:Publish planted as pending"
planted "a pending action granted ahead of the code" pass "" \
	's/"Action": "sns:Publish"/"Action": ["sns:Publish", "sns:Subscribe"]/' \
	"sns:Subscribe planted: the code will subscribe"
planted "a helper taking the operation as an argument, no marker" "is not a string literal" \
	'int f(const char *op) { struct aws_call c = { .svc = AWS_SVC_EC2, .op = op }; return g(&c); }'
planted "the same helper with its callers' actions marked" pass \
	'/* AWS_ACTION(ec2:DescribeInstances) */
int f(const char *op) { struct aws_call c = { .svc = AWS_SVC_EC2, .op = op }; return g(&c); }'
planted "a marked action the policy lacks" "ec2:RebootInstances called by enforcer/planted.c:1 (marker) is granted" \
	'/* AWS_ACTION(ec2:RebootInstances) */'
planted "an operation without its service" ".op without .svc" \
	'static const struct aws_call c = { .method = "GET", .op = "GetObject" };'
planted "a wildcard action" "wildcard action ec2:Describe*" "" 's/"ec2:DescribeInstances"/"ec2:Describe*"/'
planted "a scoped action on every resource" 'sns:Publish on Resource "*"' "" 's/"Resource": "${sns_topic_arn}"/"Resource": "*"/'
planted "a grant nothing calls" "sns:Subscribe is granted (Sid NotifyResponders) but nothing calls it" \
	"" 's/"Action": "sns:Publish"/"Action": ["sns:Publish", "sns:Subscribe"]/'
planted "a call in a sub-folder (enforcer/cloud/)" "sns:Subscribe called by enforcer/cloud/planted.c:1 is granted" \
	'static const struct aws_call c = { .svc = AWS_SVC_SNS, .op = "Subscribe" };' "" "" enforcer/cloud/planted.c
# What a compromised host must still not be able to do (issue 9).
planted "the host may restore any group" "only into the forensic and conversion groups" "" \
	's#security-group/${forensic_security_group}#security-group/*#'
planted "a bare \${ec2:SourceInstanceARN} as Resource (IAM refuses it)" 'Resource ${ec2:SourceInstanceARN} is not an ARN' "" \
	'0,/"Resource": "arn:${partition}:ec2:${region}:${account_id}:instance\/\*",/s##"Resource": "$${ec2:SourceInstanceARN}",#'
planted "an instance write without the own-instance condition" "only its own instance" "" \
	'0,/"ArnEquals": { "ec2:SourceInstanceARN"/s##"ArnLike": { "ec2:SourceInstanceARN"#'
planted "the host may tag itself released" "may set cordon:status=released" "" \
	's/\["installed", "isolated"\]/["installed", "isolated", "released"]/'
planted "the host may delete cordon:status" "may delete cordon:status" "" \
	's/\["cordon:incident", "cordon:finding"\]/["cordon:incident", "cordon:finding", "cordon:status"]/'
planted "DeleteTags without the keys condition" "Null aws:TagKeys = false missing" "" \
	'/"Sid": "UntagOwnIncident"/,/"ForAllValues/{/"Null": { "aws:TagKeys": "false" },/d}'
planted "the host may send cordon Release events" "a host must not send cordon Release" "" \
	's/\["cordon Incident"\]/["cordon Incident", "cordon Release"]/'
planted "a responder-only action on the host" "guardduty:UpdateThreatIntelSet is the responder's, not the host's" "" \
	's/"guardduty:GetFindings"/"guardduty:GetFindings", "guardduty:UpdateThreatIntelSet"/'
finish
