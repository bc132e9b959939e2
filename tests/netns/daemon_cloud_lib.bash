#!/bin/bash
# tests/netns/daemon_cloud_lib.bash: the tutorial's scenario in network
# namespaces for tests/netns/daemon_cloud*.sh (sourced, not run; not
# named *.sh so that tests/run.sh does not take it for a test).
#
#   host  192.0.2.10      the compromised instance, runs `cordon run`; its
#                         eth0 is interface ENI0 in the lab's VPC
#   evil  203.0.113.66    its address is in the threat list in S3
#   peer  198.51.100.20   a clean host (cut off during a lockdown)
#   ops   198.51.100.30   an operator's workstation outside the VPC's
#                         groups (ops_run: the administrator's keys)
#   cloud 198.51.100.254  moto_server :443 (S3, EC2, SNS, SQS, IAM, STS; the
#                         agent calls each service on its own address,
#                         198.51.100.241-245, as on AWS), the fault proxy
#                         :4443 in front of it, the fake GuardDuty :8443
#   md    169.254.169.254 the fake IMDSv2 :80 (moto's instance id, the
#                         instance role's credentials, its tags)
#
# All on the lab's VPC (firmware/lab/vpc.bash): a routed fabric that
# enforces the security groups of the host's interface, as moto's EC2 has
# them, when LAB_ENFORCE_SG=1 (the default here), with on-link routes.
# The servers of tests/aws/ listen on 127.0.0.1; daemon_cloud_srv.py runs
# them on the cloud addresses. moto and the CA come from tests/aws/region.bash.
set -u
. tests/aws/region.bash
CORDON=${CORDON:-$PWD/build/san/cordon}
SYS_PY=${PYTHON:-/usr/bin/python3}
PFX=dcl$$
WORK=$(mktemp -d /tmp/cordon-dcloud.XXXXXX)
chmod 755 "$WORK"
ST=$WORK/state
LOG=$WORK/run.log
AGENT=65534
# The sensor and the AWS process each run as their own uid (unnamed ones).
SENSOR_UID=64201 AWS_UID=64202
CLOUD_IP=198.51.100.254
EVIL_IP=203.0.113.66
PIDS=()
NSS=()
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# The VPC enforces the security groups, as AWS does: the agent's plan must
# survive its own cut (the primary interface last), and a release comes
# from outside (ops_release). LAB_ENFORCE_SG=0 lets every packet through.
LAB_ENFORCE_SG=${LAB_ENFORCE_SG:-1}
. firmware/lab/vpc.bash

# TAP: ok, notok, check, refute, finish, diag
. tests/netns/lib.bash
skip_all() { echo "1..0 # SKIP $*"; exit 0; }

dc_cleanup() { vpc_cleanup DCLOUD_KEEP; }

ns() { local n=$1; shift; ip netns exec "$PFX-$n" "$@"; }
bgns() { local n=$1; shift; ip netns exec "$PFX-$n" "$@" & PIDS+=($!); }

dc_preflight() {
	[[ $(id -u) -eq 0 ]] || skip_all "needs root (network namespaces)"
	[[ -x $CORDON ]] || skip_all "no cordon binary at $CORDON"
	region_find_python || skip_all "$REGION_WHY"
}

# dc_setup [gd]: dc_preflight, dc_net and dc_region (gd: the fake
# GuardDuty too): the whole scene, or the script skipped or bailed out.
dc_setup() {
	dc_preflight
	dc_net
	dc_region "$@"
}

dc_net() {
	vpc_fabric || { echo "Bail out! no VPC fabric"; exit 1; }
	vpc_node host eth0 shost instance 192.0.2.10/24
	vpc_node evil eth0 sevil outside $EVIL_IP/24
	vpc_node peer eth0 speer outside 198.51.100.20/24
	vpc_node ops eth0 sops outside 198.51.100.30/24
	vpc_region cloud
}

# dc_region [gd]: moto, the scene (scene.env), the VPC's controller, the
# IMDS; the fault proxy; with "gd" the fake GuardDuty (findings in $GD_SEED).
dc_region() {
	local i
	# shellcheck disable=SC2046 # one address a word
	region_make_ca "$WORK/pki" $(vpc_addresses) || { echo "Bail out! $REGION_WHY"; exit 1; }
	chmod 755 "$WORK/pki"
	chmod 644 "$REGION_CA"
	vpc_moto
	region_start_moto "$PFX-cloud" $CLOUD_IP 443 "$WORK/moto.log" ||
		{ diag "$WORK/moto.log"; echo "Bail out! $REGION_WHY"; exit 1; }
	PIDS+=("$REGION_MOTO_PID")
	URL=$REGION_URL
	printf '%s\n' $EVIL_IP >"$WORK/threat.txt"
	ns cloud env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_PROFILE \
		"$REGION_PY" tests/netns/daemon_cloud.py "$URL" "$REGION_CA" setup "$WORK" \
		cordon-threat-intel "$WORK/threat.txt" >"$WORK/scene.env" 2>"$WORK/setup.err" ||
		{ diag "$WORK/setup.err"; echo "Bail out! moto setup failed"; exit 1; }
	# shellcheck disable=SC1091
	. "$WORK/scene.env"
	vpc_attach shost "$ENI0"
	vpc_controller cloud "$URL" "$REGION_CA" "$ADMIN_KEY" "$ADMIN_SECRET" ||
		{ diag "$WORK/vpc/out"; echo "Bail out! $VPC_WHY"; exit 1; }
	echo "# the lab's VPC: security groups $([[ $LAB_ENFORCE_SG == 1 ]] && echo enforced || echo NOT enforced) (LAB_ENFORCE_SG=$LAB_ENFORCE_SG)"
	vpc_imds "$SYS_PY" "$INST" 192.0.2.10 "$WORK/role.json" "$WORK/imds.log"
	FAULTS=$WORK/faults.json PROXY_LOG=$WORK/proxy.log
	echo '[]' >"$FAULTS"
	: >"$PROXY_LOG"
	bgns cloud "$SYS_PY" tests/netns/daemon_cloud_srv.py $CLOUD_IP tests/aws/faultproxy.py \
		--port 4443 --cert "$REGION_CERT" --key "$REGION_KEY" --ca "$REGION_CA" \
		--upstream $CLOUD_IP:443 --faults "$FAULTS" --log "$PROXY_LOG"
	PROXY_URL=https://$CLOUD_IP:4443
	GD_URL=
	if [[ ${1:-} == gd ]]; then
		GD_SEED=$WORK/gd.json GD_LOG=$WORK/gd.log
		echo '[]' >"$GD_SEED"
		: >"$GD_LOG"
		bgns cloud "$SYS_PY" tests/netns/daemon_cloud_srv.py $CLOUD_IP tests/aws/gd_seeded.py \
			--findings "$GD_SEED" --port 8443 --cert "$REGION_CERT" --key-file "$REGION_KEY" \
			--key "$ROLE_KEY:$ROLE_SECRET" --log "$GD_LOG"
		GD_URL=https://$CLOUD_IP:8443
	fi
	bgns evil "$SYS_PY" tests/netns/enforcer_tcp.py serve $EVIL_IP 443 "$WORK/evil.log"
	bgns peer "$SYS_PY" tests/netns/enforcer_tcp.py serve 198.51.100.20 8080 "$WORK/peer.log"
	for ((i = 0; i < 150; i++)); do
		ns host curl -s -o /dev/null -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' \
			http://169.254.169.254/latest/api/token &&
			ns host curl -s -o /dev/null --cacert "$REGION_CA" "$PROXY_URL/__ping" &&
			{ [[ -z $GD_URL ]] || ns host curl -s -o /dev/null --cacert "$REGION_CA" "$GD_URL/"; } &&
			probe peer 198.51.100.20 8080 && probe host $EVIL_IP 443 && return 0
		sleep 0.2
	done
	echo "Bail out! the cloud namespace's servers did not start"
	exit 1
}

# probe NS ADDR PORT: a new TCP connection gets its answer within 1 s
probe() { ns "$1" "$SYS_PY" tests/netns/enforcer_tcp.py probe "$2" "$3" >/dev/null 2>&1; }

# dc_conf [LINES...]: the daemon's config; extra lines go at the end
# (sections may repeat). DC_GD=true turns GuardDuty polling on. The lab's
# endpoints answer a connect at once: once the VPC cuts the host off, its
# calls fail after 1 s a try, not 3 s (the hand-over comes sooner).
dc_conf() {
	mkdir -p "$ST"
	cat >"$WORK/cordon.conf" <<EOF
[agent]
mode = isolate
interface = eth0
user = $AGENT
sensor_user = $SENSOR_UID
aws_user = $AWS_UID
[lists]
threat = txt:s3://cordon-threat-intel/threat.txt
sync_interval = 60
[lockdown]
allow = 198.51.100.20:22
[cloud]
forensic_security_group = $SG_FOR
sns_topic_arn = $TOPIC
tag_instance = true
termination_protection = true
[guardduty]
enabled = ${DC_GD:-false}
poll_interval = 10s
min_severity = 7
[aws]
connect_timeout = 1s
EOF
	local l
	for l in "$@"; do echo "$l" >>"$WORK/cordon.conf"; done
	chmod 644 "$WORK/cordon.conf"
}

# What an instance's agent has: its region's endpoints (one address per
# service, vpc_endpoints), credentials from IMDS, nothing else. DC_ENV
# overrides endpoints (the fault proxy, the fake GuardDuty).
DC_ENV=()
dc_env() {
	# shellcheck disable=SC2046 # one variable a word
	echo env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
		ASAN_OPTIONS="$ASAN_OPTIONS" UBSAN_OPTIONS="$UBSAN_OPTIONS" \
		$(vpc_endpoints 443) AWS_CA_BUNDLE="$REGION_CA" \
		AWS_EC2_METADATA_SERVICE_ENDPOINT=http://169.254.169.254 "${DC_ENV[@]}"
}

# dc_run: start the daemon in host; wait until the S3 list is in force.
dc_run() {
	local i
	# shellcheck disable=SC2046 # dc_env's words are separate on purpose
	ip netns exec "$PFX-host" $(dc_env) "$CORDON" run -c "$WORK/cordon.conf" --state-dir "$ST" -v \
		>>"$LOG" 2>&1 &
	DPID=$!
	PIDS+=("$DPID")
	for ((i = 0; i < 300; i++)); do
		grep -qE "sensor matching against [1-9]" "$LOG" && return 0
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.1
	done
	return 1
}

# dc_sigterm: SIGTERM to the daemon; a check that it exits cleanly.
dc_sigterm() {
	local rc
	kill -TERM "$DPID"
	wait "$DPID"
	rc=$?
	[[ $rc -eq 0 ]] && ok "SIGTERM: clean exit" || { notok "SIGTERM: exit $rc"; diag "$LOG"; }
}

# sns_text: the SNS messages so far ($WORK/mail.json) as text, each
# "SUBJECT ..." line and its message, into $WORK/mail2.txt and shown as
# TAP comments.
sns_text() {
	"$SYS_PY" - "$WORK/mail.json" <<'PY' >"$WORK/mail2.txt"
import json, sys
for line in open(sys.argv[1]):
    m = json.loads(line)
    print("SUBJECT " + m["subject"])
    print(m["message"])
PY
	sed 's/^/#   | /' "$WORK/mail2.txt"
}

wait_log() { # REGEX [TENTHS]
	local i
	for ((i = 0; i < ${2:-100}; i++)); do
		grep -qE "$1" "$LOG" && return 0
		sleep 0.1
	done
	return 1
}

# jr: the journal as JSON into $WORK/journal.json
jr() { "$CORDON" journal --json --state-dir "$ST" >"$WORK/journal.json" 2>"$WORK/journal.err"; }

# wait_journal REGEX [TENTHS]: until the journal's JSON matches
wait_journal() {
	local i
	for ((i = 0; i < ${2:-300}; i++)); do
		jr && grep -qE "$1" "$WORK/journal.json" && return 0
		sleep 0.1
	done
	return 1
}

# ops_run CMD...: a command on the operator's workstation (ops), as an
# operator runs it off the host: the region's endpoints, the
# administrator's static keys and region, no metadata service.
ops_run() {
	# shellcheck disable=SC2046 # dc_env's words are separate on purpose
	ip netns exec "$PFX-ops" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
		ASAN_OPTIONS="$ASAN_OPTIONS" UBSAN_OPTIONS="$UBSAN_OPTIONS" \
		$(vpc_endpoints 443) AWS_CA_BUNDLE="$REGION_CA" AWS_REGION=us-east-1 \
		AWS_ACCESS_KEY_ID="$ADMIN_KEY" AWS_SECRET_ACCESS_KEY="$ADMIN_SECRET" \
		AWS_EC2_METADATA_DISABLED=true "$@"
}

# cloud_state: moto's view (daemon_cloud.py state) into $WORK/state.json;
# SNS messages are drained into $WORK/mail.json (appended).
cloud_state() {
	ns cloud env AWS_ACCESS_KEY_ID="$ADMIN_KEY" AWS_SECRET_ACCESS_KEY="$ADMIN_SECRET" \
		"$REGION_PY" tests/netns/daemon_cloud.py "$URL" "$REGION_CA" state "$INST" "$MAILQ" \
		>"$WORK/state.json" 2>"$WORK/state.err" || { diag "$WORK/state.err"; return 1; }
	"$SYS_PY" -c 'import json,sys
for m in json.load(open(sys.argv[1]))["mail"]: print(json.dumps(m))' "$WORK/state.json" >>"$WORK/mail.json"
}

# jq-like checks on a JSON file with Python: pyq FILE EXPR (d = the data)
pyq() { "$SYS_PY" -c 'import json,sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2"; }

# ops_release [ARGS]: `cordon release --instance-id` on the operator's
# workstation, from the instance's tags alone (no journal, no state
# directory); the agent lifts its own lockdown when it reads
# cordon:status=released through IMDS.
ops_release() {
	ops_run "$CORDON" release --instance-id "$INST" --sns-topic "$TOPIC" "$@"
}

# admin AWSCLI-ARGS...: the AWS CLI as the region's administrator
admin() {
	ns cloud env AWS_ACCESS_KEY_ID="$ADMIN_KEY" AWS_SECRET_ACCESS_KEY="$ADMIN_SECRET" \
		"$REGION_PY" -m awscli --endpoint-url "$URL" --ca-bundle "$REGION_CA" --region us-east-1 "$@"
}

# release [ARGS]: `cordon release` on the host during the lockdown, as root,
# as an operator would run it (SSM, or an allowlisted SSH session).
release() {
	# shellcheck disable=SC2046 # dc_env's words are separate on purpose
	ip netns exec "$PFX-host" $(dc_env) "$CORDON" release -c "$WORK/cordon.conf" --state-dir "$ST" "$@"
}

# is_forensic / is_restored: moto's interfaces (after cloud_state)
is_forensic() { pyq "$WORK/state.json" "d['enis'] == {'$ENI0': ['$SG_FOR'], '$ENI1': ['$SG_FOR']}"; }
is_restored() {
	pyq "$WORK/state.json" "sorted(d['enis']['$ENI0']) == sorted(['$SG_WEB', '$SG_DB']) and d['enis']['$ENI1'] == ['$SG_DB']"
}

# jcount ACTION KEY STATE: how many such records the journal has
jcount() {
	"$SYS_PY" -c 'import json, sys
n = 0
for line in open(sys.argv[1]):
    r = json.loads(line).get("record", {})
    n += r.get("action") == sys.argv[2] and r.get("key") == sys.argv[3] and r.get("state") == sys.argv[4]
print(n)' "$WORK/journal.json" "$@"
}

# jbefore ACTION KEY STATE ACTION2 KEY2 STATE2: the first such record comes
# before the first of the second kind, and both are in the journal
# (after jr); JINC=ID looks at that incident's records only
jbefore() {
	"$SYS_PY" -c 'import json, sys
first = {}
for i, line in enumerate(open(sys.argv[1])):
    r = json.loads(line).get("record", {})
    if sys.argv[2] and r.get("incident") != sys.argv[2]:
        continue
    k = (r.get("action"), r.get("key"), r.get("state"))
    first.setdefault(k, i)
a, b = tuple(sys.argv[3:6]), tuple(sys.argv[6:9])
sys.exit(0 if a in first and b in first and first[a] < first[b] else 1)' "$WORK/journal.json" "${JINC:-}" "$@"
}

# eni_orig ENI GROUPS: the interface carries cordon:original-groups with
# exactly these groups (comma-separated, any order; after cloud_state)
eni_orig() {
	pyq "$WORK/state.json" "sorted(d['eni_tags']['$1'].get('cordon:original-groups', '').split(',')) == sorted('$2'.split(','))"
}

# jcount_in INCIDENT ACTION KEY STATE: jcount within one incident
jcount_in() {
	"$SYS_PY" -c 'import json, sys
n = 0
for line in open(sys.argv[1]):
    r = json.loads(line).get("record", {})
    n += r.get("incident") == sys.argv[2] and r.get("action") == sys.argv[3] and \
        r.get("key") == sys.argv[4] and r.get("state") == sys.argv[5]
print(n)' "$WORK/journal.json" "$@"
}
