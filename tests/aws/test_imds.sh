#!/bin/bash
# Credentials and region from IMDSv2 (fake_imds.py) for S3 calls checked by
# moto: the fake proven with the AWS CLI, token handling (401 -> new
# token), credentials refreshed before they expire and when the server
# says ExpiredToken, IMDS down, IMDS disabled. TAP.
source "$(dirname "$0")/lib.sh"
start_moto
start_proxy

out=$AWS_WORK/out
has() { grep -qF -- "$1" "$out" || { sed 's/^/# /' "$out"; return 1; }; }
# cordon with no credentials but the instance's: env and files empty.
imds_sync() {
	env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_REGION \
		AWS_EC2_METADATA_DISABLED=false AWS_EC2_METADATA_SERVICE_ENDPOINT=$IMDS_URL \
		"$CORDON" sync --no-enforce "$@" >"$out" 2>&1
}
count() { grep -c -- "$1" "$IMDS_LOG"; }

printf '203.0.113.7\n' >"$AWS_WORK/t.txt"
# role.json: three credential sets, the first about to expire; role1.json
# and role2.json: long-lived ones, for the later fakes.
s3 mb lists -- put lists a.txt "$AWS_WORK/t.txt" -- put lists b.txt "$AWS_WORK/t.txt" \
	-- role "$AWS_WORK/role.json" 60 21600 21600 -- role "$AWS_WORK/role1.json" 21600 \
	-- role "$AWS_WORK/role2.json" 21600 21600
start_imds "$AWS_WORK/role.json"

code=$(curl -s -o /dev/null -w '%{http_code}' "$IMDS_URL/latest/meta-data/iam/security-credentials/")
check "fake IMDS: a GET without a token is refused (IMDSv1 off): $code" test "$code" = 401
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT "$IMDS_URL/latest/api/token")
check "fake IMDS: a token PUT without a TTL is refused: $code" test "$code" = 400

# The AWS CLI, a real client, gets its credentials from the fake.
if ! command -v aws >/dev/null; then
	for i in 1 2; do T=$((T + 1)); echo "ok $T # SKIP no AWS CLI"; done
else
	cli=$(env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_EC2_METADATA_DISABLED=false \
		AWS_EC2_METADATA_SERVICE_ENDPOINT=$IMDS_URL aws --region us-east-1 --endpoint-url "$MOTO_URL" --ca-bundle "$CA" \
		sts get-caller-identity --query Arn --output text 2>&1)
	check "AWS CLI with the fake IMDS: assumed role ($cli)" grep -q 'assumed-role/cordon-instance' <<<"$cli"
	cli=$(env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_EC2_METADATA_DISABLED=false \
		AWS_EC2_METADATA_SERVICE_ENDPOINT=$IMDS_URL aws --region us-east-1 --endpoint-url "$MOTO_URL" --ca-bundle "$CA" \
		s3api head-object --bucket lists --key a.txt --query ContentLength --output text 2>&1)
	check "AWS CLI with the fake IMDS: head-object ($cli)" test "$cli" = 12
fi
kill "$IMDS_PID"; wait "$IMDS_PID" 2>/dev/null

# cordon: region from the identity document, role credentials with a
# session token; the first set expires within the refresh window, so the
# second list's call fetches the next set.
start_imds "$AWS_WORK/role.json"
imds_sync --state-dir "$AWS_WORK/s1" --threat-list s3://lists/a.txt --threat-list s3://lists/b.txt
check "sync with IMDS credentials: exit 0" test $? -eq 0
check "sync with IMDS credentials: both lists updated" \
	bash -c "grep -q 'a.txt: updated' '$out' && grep -q 'b.txt: updated' '$out'"
check "region from the identity document" test "$(count 'instance-identity/document 200')" -eq 1
check "one token for the whole run" test "$(count '^PUT /latest/api/token 200')" -eq 1
check "credentials near expiry refreshed: 2 fetches" test "$(count 'security-credentials/cordon-instance 200')" -eq 2
kill "$IMDS_PID"; wait "$IMDS_PID" 2>/dev/null

# A token that dies (after 2 uses): the 401 makes cordon fetch a new one.
start_imds "$AWS_WORK/role1.json" --token-uses 2
imds_sync --state-dir "$AWS_WORK/s2" --threat-list s3://lists/a.txt
check "expired IMDS token: sync still updated" has "a.txt: updated"
check "expired IMDS token: 401 seen" test "$(count ' 401$')" -ge 1
check "expired IMDS token: a second token fetched" test "$(count '^PUT /latest/api/token 200')" -eq 2
kill "$IMDS_PID"; wait "$IMDS_PID" 2>/dev/null

# The server says ExpiredToken: cordon drops its credentials, fetches new
# ones from IMDS and retries once.
start_imds "$AWS_WORK/role2.json"
echo '[{"match": "^GET /lists/", "action": "status", "code": 400, "error": "ExpiredToken", "times": 1}]' >"$FAULTS"
AWS_ENDPOINT_URL=$PROXY_URL imds_sync --state-dir "$AWS_WORK/s3" --threat-list s3://lists/a.txt
check "ExpiredToken from S3: updated after a refresh" has "a.txt: updated"
check "ExpiredToken from S3: credentials fetched again" test "$(count 'security-credentials/cordon-instance 200')" -eq 2
kill "$IMDS_PID"; wait "$IMDS_PID" 2>/dev/null

# IMDS down: a clear error; a last good copy stays in force.
IMDS_URL=http://127.0.0.1:$(free_port)
AWS_REGION=us-east-1 imds_sync --state-dir "$AWS_WORK/s1" --threat-list s3://lists/a.txt
rc=$?
check "IMDS down: says so" has "IMDS PUT /latest/api/token"
check "IMDS down: last good copy in force, exit 0" test $rc -eq 0
AWS_REGION=us-east-1 imds_sync --state-dir "$AWS_WORK/none" --threat-list s3://lists/a.txt
check "IMDS down, nothing stored: exit 1" test $? -eq 1
imds_sync --state-dir "$AWS_WORK/none" --threat-list s3://lists/a.txt
check "IMDS down, no region: says so" has "IMDS"
AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true "$CORDON" sync --no-enforce \
	--state-dir "$AWS_WORK/none" --threat-list s3://lists/a.txt >"$out" 2>&1 </dev/null
check "credentials from env still work with IMDS disabled" has "a.txt: updated"
env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_EC2_METADATA_DISABLED=true \
	"$CORDON" sync --no-enforce --state-dir "$AWS_WORK/none2" --threat-list s3://lists/a.txt >"$out" 2>&1
check "no credentials anywhere, IMDS disabled: says so" has "IMDS is disabled"

finish
