#!/bin/bash
# Faults between cordon and S3, injected by faultproxy.py in front of
# moto: 500 then success, throttling, a timeout, a truncated body, a wrong
# checksum, a skewed clock, retries spent, a client error never retried.
# In every failure the last good list stays in force. TAP.
source "$(dirname "$0")/lib.sh"
start_moto
start_proxy

st=$AWS_WORK/state
out=$AWS_WORK/out
loc=s3://lists/threat.txt
sync() { AWS_ENDPOINT_URL=$PROXY_URL "$CORDON" sync --state-dir "$st" --no-enforce "$@" >"$out" 2>&1; }
has() { grep -qF -- "$1" "$out" || { sed 's/^/# /' "$out"; return 1; }; }
fault() { echo "$1" >"$FAULTS"; : >"$PROXY_LOG"; }
attempts() { grep -c '^GET /lists/threat.txt ' "$PROXY_LOG"; }
# Each fault test starts from a stored copy and a changed object, so that
# success shows as "updated" and failure as "last good copy in force".
bump() { printf '203.0.113.%d\n198.51.100.0/24\n' "$1" >"$AWS_WORK/t.txt"; s3 put lists threat.txt "$AWS_WORK/t.txt" SHA256; }

printf '203.0.113.1\n198.51.100.0/24\n' >"$AWS_WORK/t.txt"
s3 mb lists -- put lists threat.txt "$AWS_WORK/t.txt" SHA256
sync --threat-list $loc
check "baseline through the proxy: updated" has "$loc: updated, 2 entries"

bump 2
fault '[{"match": "^GET /lists/", "action": "status", "code": 500, "error": "InternalError", "times": 1}]'
sync --threat-list $loc
check "500 then success: updated" has "$loc: updated"
check "500 then success: 2 attempts" test "$(attempts)" -eq 2

bump 3
fault '[{"match": "^GET /lists/", "action": "status", "code": 503, "error": "SlowDown", "times": 2}]'
sync --threat-list $loc
check "throttled twice (SlowDown) then success: updated" has "$loc: updated"
check "throttled twice: 3 attempts" test "$(attempts)" -eq 3

bump 4
fault '[{"match": "^GET /lists/", "action": "status", "code": 503, "error": "ServiceUnavailable", "times": 9}]'
sync --threat-list $loc
rc=$?
check "503 every time: gives up after 3 attempts" test "$(attempts)" -eq 3
check "503 every time: says so" has "ServiceUnavailable: injected ServiceUnavailable (after 3 attempts)"
check "503 every time: last good copy in force, exit 0" test $rc -eq 0
check "503 every time: last good reported" has "last good copy in force, 2 entries"

fault '[{"match": "^GET /lists/", "action": "status", "code": 403, "error": "AccessDenied", "times": 9}]'
sync --threat-list $loc
check "403 AccessDenied: surfaced" has "S3 GetObject $loc: AccessDenied: injected AccessDenied"
check "403 AccessDenied: never retried" test "$(attempts)" -eq 1

fault '[{"match": "^GET /lists/", "action": "delay", "seconds": 4, "times": 9}]'
AWS_MAX_ATTEMPTS=2 sync --timeout 1 --threat-list $loc
rc=$?
check "timeout: reported" has "timed out"
# cordon's count: under load the proxy may not even read the second request
# before the 1 s budget is spent.
check "timeout: retried (2 attempts)" has "(after 2 attempts)"
check "timeout: last good copy in force" test $rc -eq 0

sleep 1 # let the delayed requests drain
fault '[{"match": "^GET /lists/", "action": "truncate", "times": 1}]'
sync --threat-list $loc
check "truncated once, then whole: updated" has "$loc: updated"

bump 5
fault '[{"match": "^GET /lists/", "action": "truncate", "times": 9}]'
sync --threat-list $loc
rc=$?
check "truncated every time: failed" has "$loc: failed: "
check "truncated every time: last good copy in force" test $rc -eq 0
check "truncated every time: stored copy still the old one" grep -q 203.0.113.4 "$st"/lists/*.body

fault '[{"match": "^GET /lists/", "action": "badsum", "times": 9}]'
sync --threat-list $loc
rc=$?
check "wrong checksum: refused" has "checksum sha256 mismatch"
check "wrong checksum: last good copy in force" test $rc -eq 0
check "wrong checksum: stored copy untouched" grep -q 203.0.113.4 "$st"/lists/*.body

fault '[{"match": "^GET /lists/", "action": "skew", "seconds": 3600, "times": 1}]'
sync --threat-list $loc
check "clock skew: corrected and retried, updated" has "$loc: updated"
d1=$(awk 'NR==1{print $5}' "$PROXY_LOG") d2=$(awk 'NR==2{print $5}' "$PROXY_LOG")
s1=$(date -u -d "${d1:0:8} ${d1:9:2}:${d1:11:2}:${d1:13:2}" +%s)
s2=$(date -u -d "${d2:0:8} ${d2:9:2}:${d2:11:2}:${d2:13:2}" +%s)
check "clock skew: second attempt signed about an hour ahead ($d1 -> $d2)" \
	test $((s2 - s1)) -gt 3500 -a $((s2 - s1)) -lt 3700

bump 6
fault '[{"match": "^GET /lists/", "action": "region", "region": "eu-north-1", "times": 1}]'
sync --threat-list $loc
check "bucket in another region: asked again there, updated" has "$loc: updated"
r1=$(awk 'NR==1{print $6}' "$PROXY_LOG") r2=$(awk 'NR==2{print $6}' "$PROXY_LOG")
check "bucket in another region: signed for us-east-1, then eu-north-1 ($r1 -> $r2)" \
	test "$r1:$r2" = us-east-1:eu-north-1

fault '[]'
sync --threat-list $loc
check "after the faults: unchanged (304)" has "$loc: unchanged"

finish
