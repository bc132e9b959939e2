#!/bin/bash
# tests/netns/daemon_dns.sh: the AWS process resolves its endpoint names
# through its own socket, so that a lockdown behind a local caching stub
# (systemd-resolved on 127.0.0.53, Amazon Linux 2023's and Ubuntu's
# default) keeps the agent's API and still denies every other user DNS
# (issue 11 item 6; common/aws/aws_dns.c). Topology of enforcer_lib.bash:
#
#   P 192.0.2.1  cordon run; /etc/resolv.conf -> 127.0.0.53, a stub there
#                (daemon_dns.py stub) run as uid 64300, forwarding upstream
#   C 192.0.2.53 the upstream DNS server (s3.lab.test -> 192.0.2.80, TTL 1 s)
#     192.0.2.80 an S3 stand-in (HTTPS, its certificate for s3.lab.test)
#   L 192.0.2.66 listed: the contact that locks P down
#
# The agent's S3 endpoint is https://s3.lab.test; CORDON_DNS_SERVERS
# points its resolver at the upstream (resolv.conf names only the
# loopback stub, which its resolver never uses). In lockdown: the list is
# synced again (the name resolved again, its 1 s answer expired), while
# another user's query through the stub, or straight to the upstream,
# gets no answer and never reaches the upstream. TAP.
set -u
cd "$(dirname "$0")/../.."
. tests/netns/enforcer_lib.bash
DNSPY=$PWD/tests/netns/daemon_dns.py
AGENT=65534 SENSOR_UID=64201 AWS_UID=64202 STUB_UID=64300 OTHER_UID=64301
dns_cleanup() {
	cleanup
	rm -rf "/etc/netns/$PFX-p"
}
trap dns_cleanup EXIT

setup_net
ST=$TMP/state
mkdir -p "$ST" "$TMP/s3/lab-lists"
chmod 755 "$TMP" "$TMP/s3" "$TMP/s3/lab-lists"
echo 192.0.2.66 >"$TMP/s3/lab-lists/threat.txt"
ns c ip addr add 192.0.2.53/24 dev eth0
ns c ip addr add 192.0.2.80/24 dev eth0
# `ip netns exec` bind-mounts this over /etc/resolv.conf in P's processes.
mkdir -p "/etc/netns/$PFX-p"
echo "nameserver 127.0.0.53" >"/etc/netns/$PFX-p/resolv.conf"

# A CA and a certificate for the endpoint's name.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-subj "/CN=cordon dns test CA $$" -keyout "$TMP/ca.key" -out "$TMP/ca.pem" \
	-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign >/dev/null 2>&1
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=s3.lab.test" \
	-keyout "$TMP/s3.key" -out "$TMP/s3.csr" >/dev/null 2>&1
printf 'subjectAltName=DNS:s3.lab.test\nextendedKeyUsage=serverAuth\n' >"$TMP/ext"
openssl x509 -req -in "$TMP/s3.csr" -CA "$TMP/ca.pem" -CAkey "$TMP/ca.key" -CAcreateserial \
	-days 2 -extfile "$TMP/ext" -out "$TMP/s3.pem" >/dev/null 2>&1
chmod 644 "$TMP/ca.pem"

bgns c "$PYTHON" "$DNSPY" dns 192.0.2.53 "s3.lab.test=192.0.2.80,exfil.lab.test=192.0.2.80" "$TMP/upstream.log"
bgns c "$PYTHON" "$DNSPY" s3 192.0.2.80 "$TMP/s3" "$TMP/s3.pem" "$TMP/s3.key" "$TMP/s3.log"
bgns p "$PYTHON" "$DNSPY" stub 192.0.2.53 "$STUB_UID" "$TMP/stub.log"
tcp_server l :: 8080
wait_listen l 8080
as_other() { ns p setpriv --reuid "$OTHER_UID" --regid "$OTHER_UID" --clear-groups "$@"; }
upstream_saw() { grep -c "^$1 1 from 192.0.2.1$" "$TMP/upstream.log" 2>/dev/null; }
for _ in $(seq 50); do as_other "$PYTHON" "$DNSPY" query 127.0.0.53 exfil.lab.test && break; sleep 0.1; done
check "before: another user resolves through the stub (it forwards from its own uid)" \
	as_other "$PYTHON" "$DNSPY" query 127.0.0.53 exfil.lab.test
check "the resolver P's processes see is the stub" eval "ns p cat /etc/resolv.conf | grep -qx 'nameserver 127.0.0.53'"

cat >"$TMP/cordon.conf" <<EOF
[agent]
mode = isolate
interface = eth0
user = $AGENT
sensor_user = $SENSOR_UID
aws_user = $AWS_UID
instance_id = i-0123456789abcdef0
[lists]
threat = txt:s3://lab-lists/threat.txt
[lockdown]
allow = 192.0.2.4:22
[cloud]
tag_poll_interval = 0
[guardduty]
enabled = false
EOF
chmod 644 "$TMP/cordon.conf"
ip netns exec "$PFX-p" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
	ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}" \
	AWS_ENDPOINT_URL=https://s3.lab.test AWS_CA_BUNDLE="$TMP/ca.pem" AWS_REGION=us-east-1 \
	AWS_ACCESS_KEY_ID=AKIDLABTEST000000000 AWS_SECRET_ACCESS_KEY=labsecret \
	AWS_EC2_METADATA_DISABLED=true CORDON_DNS_SERVERS=192.0.2.53 \
	"$CORDON" run -c "$TMP/cordon.conf" --state-dir "$ST" -v >"$TMP/run.log" 2>&1 &
DPID=$!
PIDS+=($DPID)
wait_log "list s3://lab-lists/threat.txt: updated, 1 entries" 150 &&
	ok "the agent syncs its list from https://s3.lab.test (the name through its own resolver)" ||
	{ notok "first sync"; sed 's/^/# /' "$TMP/run.log"; }
check "the upstream saw the AWS process's query for s3.lab.test" test "$(upstream_saw s3.lab.test)" -ge 1
wait_log "sensor matching against 1 entries" 50 || notok "the sensor has the list"

# ---- lockdown ------------------------------------------------------------------------
refute "a contact with the listed host is dropped" tcp_ok p 192.0.2.66 8080
wait_log "host locked down" 50 && ok "the host is locked down" || { notok "lockdown"; sed 's/^/# /' "$TMP/run.log"; }
before_s3=$(upstream_saw s3.lab.test) before_exfil=$(upstream_saw exfil.lab.test)
refute "lockdown: another user's query through the stub gets no answer" \
	as_other "$PYTHON" "$DNSPY" query 127.0.0.53 exfil.lab.test
refute "lockdown: another user's query straight to the upstream gets no answer" \
	as_other "$PYTHON" "$DNSPY" query 192.0.2.53 exfil.lab.test
refute "lockdown: root's query through the stub gets no answer either" \
	ns p "$PYTHON" "$DNSPY" query 127.0.0.53 exfil.lab.test
# A new list on S3, the last answer for s3.lab.test long expired: a sync now
# needs the name resolved again.
printf '192.0.2.66\n192.0.2.67\n' >"$TMP/s3/lab-lists/threat.txt"
sleep 2
kill -HUP "$DPID"
wait_log "list s3://lab-lists/threat.txt: updated, 2 entries" 150 &&
	ok "lockdown: the AWS process resolves s3.lab.test again and syncs the new list" ||
	{ notok "sync in lockdown"; sed 's/^/# /' "$TMP/run.log"; }
check "lockdown: its query reached the upstream" test "$(upstream_saw s3.lab.test)" -gt "$before_s3"
check "lockdown: no other user's query reached the upstream" test "$(upstream_saw exfil.lab.test)" -eq "$before_exfil"
sed 's/^/# stub: /' "$TMP/stub.log" | tail -3
kill -TERM "$DPID"
wait "$DPID"
rc=$?
[[ $rc -eq 0 ]] && ok "SIGTERM: clean exit" || notok "SIGTERM: exit $rc"
np "$CORDON" release --local-only --state-dir "$ST" >/dev/null 2>&1
np "$CORDON" unload >/dev/null 2>&1
finish
