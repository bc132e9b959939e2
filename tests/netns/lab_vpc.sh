#!/bin/bash
# tests/netns/lab_vpc.sh: the lab's VPC (firmware/lab/vpc.bash) enforces
# security groups as AWS does (docs/internals/lab.md, "The VPC"), always
# with enforcement on (this is the controller's own test). One instance
# (host, eth0 192.0.2.10, its interface in moto's EC2), the region
# (moto on 198.51.100.254, a TCP service on 198.51.100.250 ports 443 and
# 8443), an outside namespace (203.0.113.9). Checks: a group allowing
# tcp/443 to the region lets new connections through and nothing else; a
# tracked long-lived connection survives the removal of the rule that
# allowed it and a move into a group with no rules, which passes no new
# connection; an untracked flow (a group open both ways) is cut within
# the poll interval when the interface moves to the empty group, and so
# is a tracked one that crossed the open group (what a conversion group
# is for); a change is in force when EC2 answers it (moto waits for the
# controller); the metadata service answers whatever the groups, only to the
# instance; an instance sends from its own addresses only; instance tags
# in IMDS follow CreateTags within the poll interval, and are 404 once
# metadata tags are off. TAP.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/aws/region.bash
SYS_PY=${PYTHON:-/usr/bin/python3}
PFX=lvpc$$
WORK=$(mktemp -d /tmp/cordon-labvpc.XXXXXX)
chmod 755 "$WORK"
NSS=() PIDS=()
LAB_ENFORCE_SG=1
. firmware/lab/vpc.bash
SVC=198.51.100.250
# TAP: ok, notok, check, refute, finish, diag
. tests/netns/lib.bash
cleanup() { vpc_cleanup LAB_KEEP; }
trap cleanup EXIT
[[ $(id -u) -eq 0 ]] || { echo "1..0 # SKIP needs root (network namespaces)"; exit 0; }
region_find_python || { echo "1..0 # SKIP $REGION_WHY"; exit 0; }
ns() { local n=$1; shift; ip netns exec "$PFX-$n" "$@"; }
bgns() { local n=$1; shift; ip netns exec "$PFX-$n" "$@" & PIDS+=($!); }
probe() { ns "$1" "$SYS_PY" tests/netns/enforcer_tcp.py probe "$2" "$3" >/dev/null 2>&1; }
ec2() { # STEP...: lab_vpc.py's steps as the administrator; "STEP done MS" lines into $WORK/steps
	ns cloud env AWS_ACCESS_KEY_ID="$ADMIN_KEY" AWS_SECRET_ACCESS_KEY="$ADMIN_SECRET" \
		"$REGION_PY" tests/netns/lab_vpc.py "$URL" "$REGION_CA" "do" "$@" >>"$WORK/steps" 2>"$WORK/steps.err" ||
		{ diag "$WORK/steps.err"; return 1; }
}
# lines FILE: how many lines a session's log has
lines() { wc -l <"$1" 2>/dev/null || echo 0; }
# flowing FILE: the session's log grows within 1.5 s (ticks every 0.2 s)
flowing() {
	local n i
	n=$(lines "$1")
	for ((i = 0; i < 15; i++)); do
		sleep 0.1
		[[ $(lines "$1") -gt $n ]] && return 0
	done
	return 1
}
# stopped FILE: the log (which exists) stops growing (nothing new for 1 s) within 3 s
stopped() {
	local n m i
	[[ -s $1 ]] || return 1
	for ((i = 0; i < 3; i++)); do
		n=$(lines "$1")
		sleep 1
		m=$(lines "$1")
		[[ $m -eq $n ]] && return 0
	done
	return 1
}
imds_get() { # PATH: "CODE BODY" of a GET with an IMDSv2 token, from the instance
	local tok
	tok=$(ns host curl -s -m 2 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' \
		http://169.254.169.254/latest/api/token) || return 1
	ns host curl -s -m 2 -w ' %{http_code}' -H "X-aws-ec2-metadata-token: $tok" "http://169.254.169.254$1"
}

# ---- the VPC, the region, the instance ------------------------------------------
vpc_fabric || { echo "Bail out! no fabric"; exit 1; }
vpc_region cloud "$SVC/24"
vpc_node host eth0 shost instance 192.0.2.10/24
vpc_node out eth0 sout outside 203.0.113.9/24
# shellcheck disable=SC2046 # one address a word
region_make_ca "$WORK/pki" $(vpc_addresses) || { echo "Bail out! $REGION_WHY"; exit 1; }
chmod 755 "$WORK/pki"
chmod 644 "$REGION_CA"
vpc_moto
REGION_BIND=$VPC_REGION_IP # the test's own service has port 443 on $SVC
region_start_moto "$PFX-cloud" "$VPC_REGION_IP" 443 "$WORK/moto.log" || { diag "$WORK/moto.log"; echo "Bail out! $REGION_WHY"; exit 1; }
PIDS+=("$REGION_MOTO_PID")
URL=$REGION_URL
ns cloud "$REGION_PY" tests/netns/lab_vpc.py "$URL" "$REGION_CA" setup >"$WORK/scene.env" 2>"$WORK/setup.err" ||
	{ diag "$WORK/setup.err"; echo "Bail out! moto setup failed"; exit 1; }
# shellcheck disable=SC1091
. "$WORK/scene.env"
vpc_attach shost "$ENI"
vpc_controller cloud "$URL" "$REGION_CA" "$ADMIN_KEY" "$ADMIN_SECRET" || { diag "$WORK/vpc/out"; echo "Bail out! $VPC_WHY"; exit 1; }
echo '[{"AccessKeyId": "AKIDLABVPC", "SecretAccessKey": "x", "Token": "t", "ttl": 3600}]' >"$WORK/role.json"
vpc_imds "$SYS_PY" "$INST" 192.0.2.10 "$WORK/role.json" "$WORK/imds.log"
for p in 443 8443; do bgns cloud "$SYS_PY" tests/netns/enforcer_tcp.py serve $SVC $p "$WORK/svc$p.log"; done
bgns host "$SYS_PY" tests/netns/enforcer_tcp.py serve 192.0.2.10 80 "$WORK/web.log"
for ((i = 0; i < 100; i++)); do
	ns cloud "$SYS_PY" tests/netns/enforcer_tcp.py probe $SVC 8443 >/dev/null 2>&1 && imds_get /latest/meta-data/instance-id >/dev/null &&
		ns host "$SYS_PY" tests/netns/enforcer_tcp.py probe 192.0.2.10 80 >/dev/null 2>&1 && break
	sleep 0.1
done
echo "# instance $INST, interface $ENI on port shost; groups https $SG_HTTPS, empty $SG_EMPTY, open $SG_OPEN"
diag "$WORK/vpc/log"

# ---- a group that allows tcp/443 to the region ---------------------------------------
check "https group: a new connection to the region's tcp/443 gets through" probe host $SVC 443
refute "https group: tcp/8443 (no rule) does not" probe host $SVC 8443
refute "https group: no inbound rule, the region cannot connect to the instance" probe cloud 192.0.2.10 80
check "outside the VPC's groups: the outside host reaches the region" probe out $SVC 8443
r=$(imds_get /latest/meta-data/instance-id)
[[ $r == "$INST 200" ]] && ok "IMDS answers the instance ($r)" || notok "IMDS: $r"
refute "IMDS is the instance's only: the outside host gets no answer" \
	ns out curl -s -m 1 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' http://169.254.169.254/latest/api/token
ns host ip addr add 192.0.2.99/32 dev eth0
refute "source check: a packet from an address that is not the instance's is dropped" ns host "$SYS_PY" -c '
import socket, sys
s = socket.socket(); s.settimeout(1); s.bind(("192.0.2.99", 0)); s.connect((sys.argv[1], 443))' $SVC
ns host ip addr del 192.0.2.99/32 dev eth0

# A long-lived connection while the group allows it: tracked.
bgns host "$SYS_PY" tests/netns/enforcer_tcp.py session $SVC 443 "$WORK/tracked.log"
check "a long-lived connection to tcp/443 flows" flowing "$WORK/tracked.log"

# ---- the rule removed: the tracked connection lives on --------------------------------
ec2 "revoke443:$SG_HTTPS" && vpc_settled
refute "rule removed: a new connection to tcp/443 is dropped" probe host $SVC 443
check "rule removed: the tracked connection still flows (AWS keeps tracked flows)" flowing "$WORK/tracked.log"

# ---- the interface moved into a group with no rules --------------------------------------
ec2 "groups:$ENI:$SG_EMPTY" && vpc_settled
grep -q "applied shost ($ENI): groups $SG_EMPTY(empty): passes nothing new" "$WORK/vpc/log" &&
	ok "the controller logs the move (passes nothing new)" || { notok "controller log"; diag "$WORK/vpc/log"; }
refute "empty group: no new connection out" probe host $SVC 443
refute "empty group: no new connection in" probe cloud 192.0.2.10 80
check "empty group: the tracked connection still flows" flowing "$WORK/tracked.log"
r=$(imds_get /latest/meta-data/instance-id)
[[ $r == "$INST 200" ]] && ok "empty group: IMDS still answers (not filtered by security groups)" || notok "IMDS in the empty group: $r"

# ---- an all-open group: flows are untracked, and cut at once --------------------------------
ec2 "groups:$ENI:$SG_OPEN" && vpc_settled
check "open group: a new connection out" probe host $SVC 8443
check "open group: a new connection in" probe cloud 192.0.2.10 80
bgns host "$SYS_PY" tests/netns/enforcer_tcp.py session $SVC 8443 "$WORK/untracked.log"
check "open group: a long-lived connection flows (untracked)" flowing "$WORK/untracked.log"
check "open group: the old tracked connection flows (and is untracked now)" flowing "$WORK/tracked.log"
: >"$WORK/steps"
ec2 "groups:$ENI:$SG_EMPTY"
t_move=$(awk '/^groups:/ { print $3 }' "$WORK/steps" | tail -1)
stopped "$WORK/untracked.log" && ok "empty group again: the untracked connection is cut at once" ||
	{ notok "untracked connection cut"; diag "$WORK/vpc/log"; }
stopped "$WORK/tracked.log" && ok "empty group again: the connection that crossed the open group is cut too" ||
	notok "converted connection cut"
t_apply=$(grep -F "\"groups\": [\"$SG_EMPTY\"]" "$WORK/vpc/events.jsonl" | tail -1 | sed 's/.*"ms": \([0-9]*\).*/\1/')
if [[ -n $t_move && -n $t_apply && $t_apply -le $t_move ]]; then
	ok "the fabric enforced the move $((t_move - t_apply)) ms before EC2 answered it (never later)"
else
	notok "the move enforced at ${t_apply:-?}, EC2 answered at ${t_move:-?}"
fi
r=$(imds_get /latest/meta-data/instance-id)
[[ $r == "$INST 200" ]] && ok "IMDS still answers after the cut" || notok "IMDS after the cut: $r"

# ---- instance tags in IMDS -------------------------------------------------------------------
r=$(imds_get /latest/meta-data/tags/instance)
[[ $r == "Name 200" ]] && ok "IMDS tags/instance lists the instance's tag keys ($r)" || notok "tags/instance: $r"
: >"$WORK/steps"
ec2 "tag:$INST:cordon:status=isolated"
t_tag=$(awk '{ print $3 }' "$WORK/steps")
for ((i = 0; i < 100; i++)); do
	r=$(imds_get /latest/meta-data/tags/instance/cordon:status)
	[[ $r == "isolated 200" ]] && break
	sleep 0.05
done
t_seen=$(grep -F "cordon:status=isolated" "$WORK/vpc/log" | head -1 | awk '{ print $1 }')
t_seen=$(date -d "$t_seen" +%s%3N 2>/dev/null)
[[ $r == "isolated 200" ]] && ok "CreateTags cordon:status=isolated shows in IMDS" || notok "tag in IMDS: $r"
[[ -n $t_seen && -n $t_tag ]] && echo "# IMDS had the tag $((t_tag - t_seen)) ms before EC2 answered CreateTags (at $t_tag)"
r=$(imds_get /latest/meta-data/tags/instance)
[[ $r == $'Name\ncordon:status 200' ]] && ok "tags/instance: both keys, one a line" || notok "tags/instance after CreateTags: $r"
r=$(imds_get /latest/meta-data/tags/instance/NoSuchKey)
[[ $r == *" 404" ]] && ok "an unknown tag key: 404" || notok "unknown key: $r"
ec2 "mdtags:$INST:disabled" && vpc_settled
r=$(imds_get /latest/meta-data/tags/instance/cordon:status)
[[ $r == *" 404" ]] && ok "metadata tags disabled: tags/instance/KEY is 404" || notok "disabled: $r"
r=$(imds_get /latest/meta-data/tags/instance)
[[ $r == *" 404" ]] && ok "metadata tags disabled: tags/instance is 404" || notok "disabled list: $r"
r=$(imds_get /latest/meta-data/)
[[ $r != *tags/* ]] && ok "metadata tags disabled: meta-data/ does not list tags/" || notok "listing: $r"
ec2 "mdtags:$INST:enabled" && vpc_settled
r=$(imds_get /latest/meta-data/tags/instance/cordon:status)
[[ $r == "isolated 200" ]] && ok "enabled again: the tag is back" || notok "enabled again: $r"
ns host curl -s -m 2 -o /dev/null -w '%{http_code}' http://169.254.169.254/latest/meta-data/tags/instance >"$WORK/v1" 2>/dev/null
[[ $(cat "$WORK/v1") == 401 ]] && ok "no token: 401 (IMDSv2 only)" || notok "no token: $(cat "$WORK/v1")"
finish
