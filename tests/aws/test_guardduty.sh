#!/bin/bash
# feeds/gd.c against the fake GuardDuty (fake_guardduty.py through
# gd_seeded.py: SigV4 checked with botocore, findings seeded by this
# script), driven by tests/aws/cloud_driver. The fake is proven with the
# AWS CLI first. ListDetectors, ListFindings filtered by instance, time
# and archive state with nextToken paging, GetFindings parsed, the
# policy, errors. TAP.
#
#   cloud_driver --(TLS, SigV4)--> gd_seeded.py (fake GuardDuty)   $GD_URL
#   aws CLI     --(TLS, SigV4)--/            ^-- $AWS_WORK/findings.json
source "$(dirname "$0")/lib.sh"

find_moto_python || skip_all "no python3 with boto3 and the AWS CLI"
make_ca || skip_all "openssl cannot make a CA"
DRIVER=$ROOT/$O/tests/cloud_driver
tests/aws/build_driver.sh cloud "$DRIVER" >"$AWS_WORK/build.log" 2>&1 ||
	{ sed 's/^/# /' "$AWS_WORK/build.log"; echo "Bail out! cannot build cloud_driver"; exit 1; }

export AWS_ACCESS_KEY_ID=AKIACORDONGDTEST0001 AWS_SECRET_ACCESS_KEY=cordon/gd+secret
export AWS_REGION=us-east-1 AWS_CA_BUNDLE=$CA AWS_EC2_METADATA_DISABLED=true HOME=$AWS_WORK
export AWS_SHARED_CREDENTIALS_FILE=$AWS_WORK/none AWS_CONFIG_FILE=$AWS_WORK/none
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_DEFAULT_REGION AWS_ENDPOINT_URL
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY

SEED=$AWS_WORK/findings.json
echo '[]' >"$SEED"
GD_PORT=$(free_port)
GD_URL=https://127.0.0.1:$GD_PORT
GD_LOG=$AWS_WORK/gd.log
: >"$GD_LOG"
"$SYS_PY" tests/aws/gd_seeded.py --findings "$SEED" --port "$GD_PORT" --cert "$CERT" \
	--key-file "$KEY" --key "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" --log "$GD_LOG" \
	>"$AWS_WORK/gd.out" 2>&1 &
PIDS+=($!)
wait_https "$GD_URL/" || { cat "$AWS_WORK/gd.out"; echo "Bail out! fake GuardDuty did not start"; exit 1; }
export AWS_ENDPOINT_URL_GUARDDUTY=$GD_URL

out=$AWS_WORK/out
has() { grep -qF -- "$1" "$out" || { sed 's/^/# /' "$out"; return 1; }; }
lacks() { ! grep -qF -- "$1" "$out" || { sed 's/^/# /' "$out"; return 1; }; }
drv() { "$DRIVER" "$@" >"$out" 2>&1; }
awscli() { "$MOTO_PY" -m awscli --endpoint-url "$GD_URL" --region us-east-1 --output json "$@"; }
det=12abc34d567e8fa901bc2d34e56789f0
inst=i-0123456789abcdef0

# Seed: 60 fresh findings on our instance (a page and a bit), each a minute
# apart from T0; old ones before T0; one archived; one on another
# instance; a port probe from three addresses; an API call; IPv6.
T0_MS=1780000000000
"$SYS_PY" - "$SEED" "$det" "$inst" "$T0_MS" <<'EOF'
import datetime, json, sys
seed, det, inst, t0 = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
def iso(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
def f(n, ms, sev, typ, iid=inst, archived=False, action=None):
    return {"AccountId": "123456789012", "Region": "us-east-1", "SchemaVersion": "2.0",
            "Id": f"{n:032x}", "Arn": f"arn:aws:guardduty:us-east-1:123456789012:detector/{det}/finding/{n:032x}",
            "Partition": "aws", "Type": typ, "Severity": sev, "Title": f"finding {n}",
            "Description": "seeded", "CreatedAt": iso(ms), "UpdatedAt": iso(ms),
            "Resource": {"ResourceType": "Instance", "InstanceDetails": {"InstanceId": iid}},
            "Service": {"ServiceName": "guardduty", "DetectorId": det, "Count": 1, "Archived": archived,
                        "Action": action or {"ActionType": "NETWORK_CONNECTION", "NetworkConnectionAction": {
                            "ConnectionDirection": "OUTBOUND", "Protocol": "TCP", "Blocked": False,
                            "RemoteIpDetails": {"IpAddressV4": f"203.0.113.{n % 250}"}}}}}
out = [f(1000 + i, t0 - 3600_000 + i, 8.0, "Backdoor:EC2/C&CActivity.B") for i in range(5)]
out += [f(i, t0 + i * 60_000, 5.0, "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom") for i in range(1, 61)]
out.append(f(2000, t0 + 5_000, 8.0, "Backdoor:EC2/C&CActivity.B", archived=True))
out.append(f(2001, t0 + 5_000, 8.0, "Backdoor:EC2/C&CActivity.B", iid="i-0fedcba9876543210"))
out.append(f(3000, t0 + 7_000, 2.0, "Recon:EC2/PortProbeUnprotectedPort", action={
    "ActionType": "PORT_PROBE", "PortProbeAction": {"Blocked": False, "PortProbeDetails": [
        {"LocalPortDetails": {"Port": 22}, "RemoteIpDetails": {"IpAddressV4": "198.51.100.1"}},
        {"LocalPortDetails": {"Port": 23}, "RemoteIpDetails": {"IpAddressV4": "198.51.100.2"}},
        {"LocalPortDetails": {"Port": 22}, "RemoteIpDetails": {"IpAddressV4": "198.51.100.1"}},
        {"LocalPortDetails": {"Port": 80}, "RemoteIpDetails": {"IpAddressV6": "2001:db8::7"}}]}}))
out.append(f(3001, t0 + 8_000, 7.5, "UnauthorizedAccess:EC2/TorClient", action={
    "ActionType": "AWS_API_CALL", "AwsApiCallAction": {"Api": "DescribeInstances",
        "RemoteIpDetails": {"IpAddressV4": "192.0.2.99"}}}))
json.dump(out, open(seed, "w"))
EOF

# ---- the fake, proven with the AWS CLI ----
awscli guardduty list-detectors >"$out" 2>&1
check "AWS CLI: ListDetectors" has "$det"
awscli guardduty list-findings --detector-id $det --finding-criteria "{\"Criterion\":{
	\"resource.instanceDetails.instanceId\":{\"Eq\":[\"$inst\"]},
	\"updatedAt\":{\"GreaterThanOrEqual\":$T0_MS},\"service.archived\":{\"Eq\":[\"false\"]}}}" \
	--query 'FindingIds[]' --output text >"$out" 2>&1
n=$(wc -w <"$out")
check "AWS CLI: ListFindings by instance, time, not archived, both pages: 62 ($n)" test "$n" = 62
awscli guardduty get-findings --detector-id $det --finding-ids 00000000000000000000000000000bb8 >"$out" 2>&1
check "AWS CLI: GetFindings (port probe)" has '"IpAddressV4": "198.51.100.2"'

# ---- cordon's client ----
drv gd-detector
check "gd_find_detector" has "$det"

: >"$GD_LOG"
drv gd-list $det $inst $T0_MS
check "gd_list_findings: 62 ids on the instance since T0 ($(grep -c '^[0-9a-f]\{32\}$' "$out"))" \
	test "$(grep -c '^[0-9a-f]\{32\}$' "$out")" = 62
check "gd_list_findings: followed nextToken (2 pages)" \
	test "$(grep -c "^POST /detector/$det/findings 200" "$GD_LOG")" = 2
check "gd_list_findings: archived finding left out" lacks 000000000000000000000000000007d0
check "gd_list_findings: other instance left out" lacks 000000000000000000000000000007d1
check "gd_list_findings: older than T0 left out" lacks 000000000000000000000000000003e8

drv gd-list $det $inst $((T0_MS + 30 * 60000))
check "gd_list_findings: updatedAt >= T0+30 min: 31 ($(grep -c '^[0-9a-f]\{32\}$' "$out"))" \
	test "$(grep -c '^[0-9a-f]\{32\}$' "$out")" = 31

drv gd-get $det 00000000000000000000000000000001 00000000000000000000000000000bb8 \
	00000000000000000000000000000bb9 000000000000000000000000000003e8
check "gd_get_findings: custom type, severity 5, remote" \
	has "finding 00000000000000000000000000000001 type UnauthorizedAccess:EC2/MaliciousIPCaller.Custom severity 5 instance $inst archived 0 updated 2026-05-28T20:27:40.000Z match 1 remote 203.0.113.1"
check "gd_get_findings: port probe, remotes deduplicated, IPv6 kept" \
	has "type Recon:EC2/PortProbeUnprotectedPort severity 2 instance $inst archived 0 updated 2026-05-28T20:26:47.000Z match 0 remote 198.51.100.1 198.51.100.2 2001:db8::7"
check "gd_get_findings: API call remote; severity 7.5 of a type not in *.Custom: no incident" \
	has "type UnauthorizedAccess:EC2/TorClient severity 7.5 instance $inst archived 0 updated 2026-05-28T20:26:48.000Z match 0 remote 192.0.2.99"
check "gd_get_findings: high severity backdoor read (not *.Custom: no incident)" \
	grep -q "type Backdoor:EC2/C&CActivity.B severity 8 .* match 0 " "$out"

drv gd-list 99999999999999999999999999999999 $inst 0
check "unknown detector: BadRequestException surfaced" has "BadRequestException"
AWS_SECRET_ACCESS_KEY=wrong drv gd-detector
check "wrong secret: InvalidSignatureException surfaced" has "InvalidSignatureException"
drv gd-list "../x" $inst 0
check "detector id that is not hex: refused before sending" has "bad detector id"

finish
