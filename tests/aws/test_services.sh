#!/bin/bash
# The shared client against every service the daemon will call: EC2 and
# SNS (query protocol, form POST), EventBridge (JSON 1.1) and Security Hub
# (REST-JSON) on moto, which checks each signature; GuardDuty (REST-JSON)
# on fake_guardduty.py, which checks each signature with botocore and is
# itself proven with the AWS CLI first. TAP.
source "$(dirname "$0")/lib.sh"
start_moto
start_guardduty

out=$AWS_WORK/out
call() { "$ROOT/$O/tests/test_aws_client" --call "$@" >"$out" 2>&1; }
has() { grep -qF -- "$1" "$out" || { sed 's/^/# /' "$out"; return 1; }; }
form='Content-Type:application/x-www-form-urlencoded; charset=utf-8'
awscli() { aws --endpoint-url "$GD_URL" --ca-bundle "$CA" --region us-east-1 --output json "$@"; }

# ---- the fake GuardDuty, proven with the AWS CLI ----
det=12abc34d567e8fa901bc2d34e56789f0
if ! command -v aws >/dev/null; then
	for i in 1 2 3 4 5 6; do T=$((T + 1)); echo "ok $T # SKIP no AWS CLI"; done
else
	awscli guardduty list-detectors >"$out" 2>&1
	check "AWS CLI: ListDetectors on the fake" has "12abc34d567e8fa901bc2d34e56789f0"
	awscli guardduty list-findings --detector-id $det \
		--finding-criteria '{"Criterion":{"severity":{"Gte":7},"service.archived":{"Eq":["false"]}}}' >"$out" 2>&1
	n=$("$SYS_PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["FindingIds"]))' "$out" 2>/dev/null)
	check "AWS CLI: ListFindings with findingCriteria: 2 high, unarchived ($n)" test "$n" = 2
	awscli guardduty list-findings --detector-id $det --max-results 2 >"$out" 2>&1
	check "AWS CLI: ListFindings pages with nextToken" has '"NextToken": "2"'
	id=$(awscli guardduty list-findings --detector-id $det \
		--finding-criteria '{"Criterion":{"type":{"Eq":["Backdoor:EC2/C&CActivity.B"]}}}' \
		--query 'FindingIds[0]' --output text 2>&1)
	awscli guardduty get-findings --detector-id $det --finding-ids "$id" >"$out" 2>&1
	check "AWS CLI: GetFindings" has '"InstanceId": "i-0fedcba9876543210"'
	AWS_SECRET_ACCESS_KEY=wrong awscli guardduty list-detectors >"$out" 2>&1
	check "fake refuses a wrong secret (AWS CLI)" has "InvalidSignatureException"
	AWS_ACCESS_KEY_ID=AKIANOSUCHKEY0000000 awscli guardduty list-detectors >"$out" 2>&1
	check "fake refuses an unknown key (AWS CLI)" has "UnrecognizedClientException"
fi

# ---- our client on GuardDuty (REST-JSON) ----
export AWS_ENDPOINT_URL_GUARDDUTY=$GD_URL
call GUARDDUTY ListDetectors GET /detector ''
check "cordon: GuardDuty ListDetectors" has "\"detectorIds\": [\"$det\"]"
call GUARDDUTY ListFindings POST /detector/$det/findings \
	'{"findingCriteria":{"criterion":{"severity":{"gte":7},"service.archived":{"eq":["false"]},"type":{"eq":["UnauthorizedAccess:EC2/MaliciousIPCaller.Custom"]}}},"maxResults":50}' \
	'Content-Type:application/json'
check "cordon: GuardDuty ListFindings with findingCriteria: 1 high custom-list finding" \
	has '"findingIds": ["f0000000000000000000000000000001"]}'
call GUARDDUTY GetFindings POST /detector/$det/findings/get '{"findingIds":["f0000000000000000000000000000001"]}' \
	'Content-Type:application/json'
check "cordon: GuardDuty GetFindings" has '"remoteIpDetails": {"ipAddressV4": "203.0.113.7"}'
call GUARDDUTY GetFindings POST /detector/nope/findings/get '{"findingIds":["x"]}' 'Content-Type:application/json'
check "cordon: GuardDuty error surfaced (REST-JSON)" has "GUARDDUTY GetFindings: BadRequestException: The request is rejected"
AWS_SECRET_ACCESS_KEY=wrong call GUARDDUTY ListDetectors GET /detector ''
check "cordon: wrong secret refused, not retried" has "InvalidSignatureException"
check "cordon: wrong secret: one attempt" has "ATTEMPTS 1"
AWS_SESSION_TOKEN=tok-$$ call GUARDDUTY ListDetectors GET /detector ''
check "cordon: session token signed (fake recomputes with it)" has "HTTP 200"

# ---- EC2 and SNS: query protocol, form-encoded POST ----
call EC2 DescribeInstances POST / 'Action=DescribeInstances&Version=2016-11-15' "$form"
check "cordon: EC2 DescribeInstances (moto)" has "<DescribeInstancesResponse"
call EC2 DescribeSecurityGroups POST / 'Action=DescribeSecurityGroups&Version=2016-11-15&Filter.1.Name=group-name&Filter.1.Value.1=default' "$form"
check "cordon: EC2 DescribeSecurityGroups with filters" has "<groupName>default</groupName>"
call EC2 ModifyNetworkInterfaceAttribute POST / 'Action=ModifyNetworkInterfaceAttribute&Version=2016-11-15&NetworkInterfaceId=eni-00000000&SecurityGroupId.1=sg-1' "$form"
check "cordon: EC2 error surfaced (XML Response/Errors)" has "EC2 ModifyNetworkInterfaceAttribute: InvalidNetworkInterfaceID.NotFound"
call SNS CreateTopic POST / 'Action=CreateTopic&Version=2010-03-31&Name=cordon-alerts' "$form"
check "cordon: SNS CreateTopic" has "arn:aws:sns:us-east-1:"
call SNS Publish POST / 'Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A123456789012%3Acordon-alerts&Subject=cordon&Message=host+i-0123+isolated+%2B+%C3%A9' "$form"
check "cordon: SNS Publish, encoded message" has "<MessageId>"
# An SNS error (XML ErrorResponse) surfaces its code.
call SNS Publish POST / 'Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A123456789012%3Anope&Message=x' "$form"
check "cordon: SNS error surfaced (XML ErrorResponse)" has "SNS Publish: NotFound"

# ---- EventBridge: JSON 1.1 ----
call EVENTBRIDGE PutEvents POST / '{"Entries":[{"Source":"cordon","DetailType":"cordon finding","Detail":"{\"severity\":8}"}]}' \
	'Content-Type:application/x-amz-json-1.1' 'X-Amz-Target:AWSEvents.PutEvents'
check "cordon: EventBridge PutEvents" has '"FailedEntryCount": 0'
call EVENTBRIDGE DescribeRule POST / '{"Name":"no-such-rule"}' \
	'Content-Type:application/x-amz-json-1.1' 'X-Amz-Target:AWSEvents.DescribeRule'
check "cordon: EventBridge error surfaced (JSON __type)" has "EVENTBRIDGE DescribeRule: ResourceNotFoundException"

# ---- Security Hub: REST-JSON ----
call SECURITYHUB EnableSecurityHub POST /accounts '{}' 'Content-Type:application/json'
check "cordon: Security Hub EnableSecurityHub" has "HTTP 200"
call SECURITYHUB GetFindings POST /findings '{"MaxResults":10}' 'Content-Type:application/json'
check "cordon: Security Hub GetFindings" has '"Findings"'

finish
