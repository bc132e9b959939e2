#!/bin/bash
# firmware/lab/demo.sh: what `make demo` runs (docs/internals/lab.md).
#
# Act 1 (firmware/lab/replay.sh): the sensor offline, cordon replay.
# Act 2: the tutorial's scenario, live, in network namespaces, on the
# lab's VPC (firmware/lab/vpc.bash), which enforces security groups as
# AWS does when LAB_ENFORCE_SG=1:
#
#   resp 198.51.100.10 ----+                 +---- cloud 198.51.100.254 (moto: S3,
#   (responder's laptop)   |                 |       EC2, SNS, SQS, IAM, STS; one
#                          +--- VPC (sw) ----+       address per service)
#   evil 203.0.113.66 -----+  routes, ARP,   +---- md 169.254.169.254 (metadata)
#   (in the threat list)      security groups+---- host eth0 192.0.2.10
#                                            +---- host eth1 192.0.2.11
#                                                  (the compromised instance,
#                                                   cordon as its unit runs it)
#
# The host connects out to evil; cordon finds it, locks the host down,
# moves both network interfaces into the forensic security group, tells
# SNS, keeps evidence; `cordon release` puts everything back. The timeline
# at the end is read from cordon's own outputs (log, daemon.json, journal,
# findings, evidence), from the AWS CLI and from the VPC's log (when each
# interface's groups took effect).
#
# Environment: CORDON (binary; default /usr/sbin/cordon if installed, else
# $CORDON_BUILD or build/cordon), LAB_SKIP_REPLAY=1 (no act 1), LAB_FACTS=FILE (key=value
# facts for tests/netns/lab_demo.sh), LAB_CLOUD_TIMEOUT (s, default 20),
# LAB_KEEP=DIR (copy the raw outputs there), MOTO_PYTHON, LAB_ENFORCE_SG
# (1: the VPC enforces security groups; default in firmware/lab/vpc.bash),
# LAB_VPC_POLL.
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
PY=${PYTHON:-/usr/bin/python3}
LAB_CLOUD_TIMEOUT=${LAB_CLOUD_TIMEOUT:-20}
LAB_FACTS=${LAB_FACTS:-}
# shellcheck source=tests/aws/region.bash
. tests/aws/region.bash

if [[ -t 1 ]]; then B=$'\033[1m' D=$'\033[2m' N=$'\033[0m'; else B='' D='' N=''; fi
say() { printf '\n%s== %s%s\n' "$B" "$*" "$N"; }
note() { printf '   %s\n' "$*"; }
dim() { sed "s/^/   $D/; s/\$/$N/"; }
die() { printf 'lab: %s\n' "$*" >&2; exit 1; }
fact() {
	printf '%s=%s\n' "$1" "$2" >>"$WORK/facts.local"
	[[ -z $LAB_FACTS ]] || printf '%s=%s\n' "$1" "$2" >>"$LAB_FACTS"
}
now_ms() { date +%s%3N; }

# ---- what the lab needs ------------------------------------------------
if [[ -z ${CORDON:-} ]]; then
	# The installed one (make install), as on an instance; else the build.
	if [[ -x /usr/sbin/cordon ]]; then CORDON=/usr/sbin/cordon; else CORDON=${CORDON_BUILD:-build/cordon}; fi
fi
[[ $CORDON == /* ]] || CORDON=$ROOT/$CORDON
[[ -x $CORDON ]] || die "no cordon binary at $CORDON (run make, or make install)"
[[ $(id -u) -eq 0 ]] || die "the lab builds network namespaces and nftables rules: run it as root"
for t in ip nft curl openssl setpriv tcpdump; do
	command -v "$t" >/dev/null || die "missing $t (make deps installs it)"
done
region_find_python || die "$REGION_WHY"
[[ -z $LAB_FACTS ]] || : >"$LAB_FACTS"

if [[ -z ${LAB_SKIP_REPLAY:-} ]]; then
	printf '%sAct 1: the sensor offline (cordon replay)%s\n' "$B" "$N"
	CORDON=$CORDON PYTHON=$PY firmware/lab/replay.sh || die "act 1 failed"
	printf '\n'
fi
printf '%sAct 2: the tutorial'"'"'s incident, live, in network namespaces%s\n' "$B" "$N"

PFX=lab$$
WORK=$(mktemp -d /tmp/cordon-lab.XXXXXX)
chmod 755 "$WORK"
NSS=()
PIDS=()
# shellcheck source=firmware/lab/vpc.bash
. firmware/lab/vpc.bash
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	trap - INT TERM
	vpc_stop
	if [[ -n ${LAB_KEEP:-} ]]; then mkdir -p "$LAB_KEEP" && cp -r "$WORK"/. "$LAB_KEEP"/ 2>/dev/null; fi
	rm -rf "$WORK"
}
trap cleanup EXIT
# The message goes to the lab's own stdout (fd 3): a trap can run while a
# function's redirection is in force (cloudpy ... >scene.env), and the
# message would land in that file.
exec 3>&1
trap 'echo >&3; echo "lab: interrupted, cleaning up" >&3; exit 130' INT
trap 'exit 143' TERM

ns() { local n=$1; shift; ip netns exec "$PFX-$n" "$@"; }
bgns() { local n=$1; shift; ip netns exec "$PFX-$n" "$@" & PIDS+=($!); }

# ---- the network ---------------------------------------------------------
say "the network: namespaces $PFX-{host,evil,cloud,md,resp} on the lab's VPC ($PFX-sw)"
vpc_fabric || die "cannot make the VPC's namespace"
# One router, several documentation prefixes: on-link routes, the VPC
# answers ARP for every address (as AWS's does).
vpc_node host eth0 shost0 instance 192.0.2.10/24
vpc_node host eth1 shost1 instance 192.0.2.11/24
vpc_node evil eth0 sevil outside 203.0.113.66/24
vpc_region cloud
vpc_node resp eth0 sresp outside 198.51.100.10/24
ns host sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2
note "host   eth0 192.0.2.10, eth1 192.0.2.11   the compromised instance (two ENIs)"
note "evil   203.0.113.66                       its address is in the S3 threat list"
note "cloud  198.51.100.254 (and .241-.245)     moto (the AWS region), one address per service"
note "md     169.254.169.254                    the metadata service, the instance's own link"
note "resp   198.51.100.10                      the responder, allowed in during a lockdown"
if [[ $LAB_ENFORCE_SG == 1 ]]; then
	note "the VPC enforces each interface's security groups (LAB_ENFORCE_SG=1)"
else
	note "the VPC does NOT enforce security groups (LAB_ENFORCE_SG=0)"
fi

# ---- the AWS region ----------------------------------------------------------
say "the AWS region: moto_server over HTTPS in the cloud namespace"
# shellcheck disable=SC2046 # one address a word
region_make_ca "$WORK/pki" $(vpc_addresses) || die "$REGION_WHY"
chmod 644 "$REGION_CA"
vpc_moto
region_start_moto "$PFX-cloud" 198.51.100.254 443 "$WORK/moto.log" || die "$REGION_WHY"
PIDS+=("$REGION_MOTO_PID")
URL=$REGION_URL
note "endpoint $URL, CA $REGION_CA, SigV4 checked (python: $REGION_PY)"

printf '203.0.113.66\n' >"$WORK/threat.txt"
BUCKET=lab-threat-intel
cloudpy() { ns cloud env LAB_AWS_LOG="$WORK/aws.log" "$REGION_PY" firmware/lab/cloud.py "$URL" "$REGION_CA" "$@"; }
say "the tutorial's cloud side, with the AWS CLI"
cloudpy setup "$BUCKET" "$WORK/threat.txt" "$WORK/role.json" >"$WORK/scene.env" 2>"$WORK/setup.err" ||
	{ cat "$WORK/setup.err" >&2; die "cloud setup failed"; }
# shellcheck disable=SC1091
. "$WORK/scene.env"
sed 's/--policy-document .*/--policy-document .../' "$WORK/aws.log" | dim
: >"$WORK/aws.log"
export AWS_ACCESS_KEY_ID=$ADMIN_KEY AWS_SECRET_ACCESS_KEY=$ADMIN_SECRET
note "instance $INST with $ENI0 (eth0) and $ENI1 (eth1); forensic group $SG_FORENSIC"
fact instance "$INST"
fact eni0 "$ENI0"
fact eni1 "$ENI1"
fact sg_web "$SG_WEB"
fact sg_admin "$SG_ADMIN"
fact sg_forensic "$SG_FORENSIC"
fact s3_etag "$ETAG"

vpc_attach shost0 "$ENI0"
vpc_attach shost1 "$ENI1"
vpc_controller cloud "$URL" "$REGION_CA" "$ADMIN_KEY" "$ADMIN_SECRET" || die "$VPC_WHY"
vpc_imds "$PY" "$INST" 192.0.2.10 "$WORK/role.json" "$WORK/imds.log" --account "$ACCOUNT" --image-id "$AMI"
for _ in $(seq 50); do ns host curl -s -o /dev/null -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' \
	http://169.254.169.254/latest/api/token && break; sleep 0.1; done
note "metadata service on 169.254.169.254: instance $INST, role cordon-instance (IMDSv2), its tags"

# ---- the services ------------------------------------------------------------
TCP=tests/netns/enforcer_tcp.py
bgns evil "$PY" "$TCP" serve 203.0.113.66 443 "$WORK/evil.log"
bgns host "$PY" "$TCP" serve 0.0.0.0 80 "$WORK/web.log"
bgns host "$PY" "$TCP" serve 0.0.0.0 22 "$WORK/ssh.log"
probe() { # NS ADDR PORT: a new TCP connection answers within 1 s
	ns "$1" "$PY" "$TCP" probe "$2" "$3" >/dev/null 2>&1
}
for _ in $(seq 50); do probe resp 192.0.2.10 80 && probe resp 192.0.2.10 22 && break; sleep 0.1; done

# ---- cordon, as its systemd unit runs it ---------------------------------------
# The unit's settings are read from the unit file (the installed one when
# there is one), so that the lab follows it: User=, the ambient and
# bounding capabilities, NoNewPrivileges=, UMask=.
UNITFILE=firmware/systemd/cordon.service
[[ -e /lib/systemd/system/cordon.service && $CORDON == /usr/sbin/cordon ]] && UNITFILE=/lib/systemd/system/cordon.service
unit_get() { sed -n "s/^$1=//p" "$UNITFILE" | tail -1; }
caps_of() { # "CAP_NET_ADMIN CAP_NET_RAW" -> "-all,+net_admin,+net_raw"
	local c out=-all
	for c in $1; do c=${c#CAP_}; out+=",+${c,,}"; done
	echo "$out"
}
say "cordon on the host, as $UNITFILE runs it"
note "binary: $CORDON"
AGENT=$(unit_get User)
AGENT=${AGENT:-root}
if ! getent passwd "$AGENT" >/dev/null; then
	note "(no user '$AGENT' on this machine: the agent runs as uid 65534, nobody;"
	note " the package makes '$AGENT' with firmware/systemd/cordon.sysusers)"
	AGENT=65534
fi
# The packet parser and the AWS process run as users of their own.
SENSOR_USER=cordon-sensor AWS_USER=cordon-aws
getent passwd "$SENSOR_USER" >/dev/null || SENSOR_USER=64201
getent passwd "$AWS_USER" >/dev/null || AWS_USER=64202
AGENT_UID=$(id -u "$AGENT" 2>/dev/null || echo "$AGENT")
AGENT_GID=$(id -g "$AGENT" 2>/dev/null || echo "$AGENT")
ST=$WORK/state
mkdir -p "$WORK/etc" "$ST"
chown "$AGENT_UID:$AGENT_GID" "$ST"
m=$(unit_get StateDirectoryMode)
chmod "${m:-0755}" "$ST"
CONF=$WORK/etc/cordon.conf
sed -e "s|@USER@|$AGENT|" -e "s|@SENSOR_USER@|$SENSOR_USER|" -e "s|@AWS_USER@|$AWS_USER|" -e "s|@STATE@|$ST|" -e "s|@BUCKET@|$BUCKET|" \
	-e "s|@SG@|$SG_FORENSIC|" -e "s|@TOPIC@|$TOPIC|" firmware/lab/cordon.conf.in >"$CONF"
chmod 644 "$CONF"
sed -e 's/^/   /' "$CONF" | grep -v '^   *;' | grep -v '^ *$'
# What the unit gives it, and what an instance has: the endpoints of its
# region (one address per service, as each has its own name on AWS), no
# static credentials, no region (both from the metadata service).
mapfile -t ENDPOINTS < <(vpc_endpoints 443)
AWSENV=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8
	"${ENDPOINTS[@]}" AWS_CA_BUNDLE="$REGION_CA"
	AWS_EC2_METADATA_SERVICE_ENDPOINT=http://169.254.169.254)
AMBIENT=$(caps_of "$(unit_get AmbientCapabilities)")
UNIT=(setpriv --reuid="$AGENT_UID" --regid="$AGENT_GID" --clear-groups
	--inh-caps="$AMBIENT" --ambient-caps="$AMBIENT"
	--bounding-set="$(caps_of "$(unit_get CapabilityBoundingSet)")")
[[ $(unit_get NoNewPrivileges) == yes ]] && UNIT+=(--no-new-privs)
UMASK=$(unit_get UMask)
note "started as: umask ${UMASK:-0022}; ${UNIT[*]} $CORDON run -c $CONF -v"
LOG=$WORK/run.log
(umask "${UMASK:-0022}"; exec ip netns exec "$PFX-host" "${AWSENV[@]}" "${UNIT[@]}" "$CORDON" run -c "$CONF" -v) \
	>"$LOG" 2>&1 &
DPID=$!
PIDS+=("$DPID")

status() { "$PY" -c 'import json,sys
d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    d = d[int(k)] if isinstance(d, list) else (d or {}).get(k)
print("" if d is None else d)' "$ST/daemon.json" "$1" 2>/dev/null; }
synced=""
for _ in $(seq 300); do
	kill -0 "$DPID" 2>/dev/null || break
	r=$(status lists.0.result)
	if [[ $r == updated* || $r == loaded* || $r == unchanged* ]] && grep -q "sensor matching against" "$LOG"; then
		synced=1; break
	fi
	sleep 0.1
done
if [[ -z $synced ]]; then
	sed 's/^/   | /' "$LOG"
	die "cordon did not get its threat list within 30 s"
fi
grep -E "list s3://|sensor matching|running in|instance i-" "$LOG" | sed 's/^/   | /'

# ---- before --------------------------------------------------------------------
say "before: the instance's interfaces and groups (aws ec2 describe-network-interfaces)"
cloudpy enis "$INST" >"$WORK/enis.before" || die "describe-network-interfaces failed"
dim <"$WORK/enis.before"
probe resp 192.0.2.10 80 && r=reachable || r=unreachable
fact before_web "$r"
note "responder -> host port 80: $r"

# ---- the incident ----------------------------------------------------------------
say "the attack: the host connects out to 203.0.113.66 port 443"
T_ATTACK=$(now_ms) # when the lab starts the connecting process
if probe host 203.0.113.66 443; then r=answered; else r="no answer (dropped)"; fi
note "connection from 192.0.2.10 to 203.0.113.66:443: $r"
fact attack "$r"
for _ in $(seq 100); do [[ $(status incident.lockdown) == True ]] && break; sleep 0.1; done
probe resp 192.0.2.10 80 && r=reachable || r=unreachable
fact lockdown_web "$r"
probe resp 192.0.2.10 22 && r2=reachable || r2=unreachable
fact lockdown_ssh "$r2"
note "during the lockdown: responder -> host port 80: $r, port 22 (allowed): $r2"

# Cloud isolation: the journal says what was done, and the AWS CLI shows it.
jr() { "$CORDON" journal --json --state-dir "$ST" >"$WORK/journal.json" 2>"$WORK/journal.err"; }
cloud=""
deadline=$(($(date +%s) + LAB_CLOUD_TIMEOUT))
while [[ $(date +%s) -lt $deadline ]]; do
	jr
	if grep -q '"action":"sns_publish".*"state":"done"' "$WORK/journal.json" &&
		grep -q '"action":"ec2_[a-z_]*eni".*"state":"done"' "$WORK/journal.json" &&
		[[ $(grep -c '"action":"ec2_[a-z_]*eni".*"state":"done"' "$WORK/journal.json") -ge 2 ]]; then
		cloud=1; break
	fi
	sleep 0.2
done
sleep 1.2 # daemon.json and the evidence manifest catch up (once a second)
jr
cloudpy many "enis:$INST:$WORK/enis.after" "mail:$QUEUE:$WORK/mail.json" "tags:$INST:$WORK/tags.after" \
	2>>"$WORK/aws.err" || true
cp "$ST/daemon.json" "$WORK/daemon.lockdown.json" 2>/dev/null
INC=$(status incident.id)
EVID=$ST/evidence/$INC
if [[ -n $INC && -d $EVID ]]; then
	(cd "$EVID" && find . -maxdepth 1 -type f -printf '%f %s\n' | sort) >"$WORK/evidence.list"
	cp "$EVID/manifest.json" "$WORK/manifest.json" 2>/dev/null
else
	: >"$WORK/evidence.list"
fi
[[ -n $cloud ]] || note "(no ec2_*eni and sns_publish actions done in the journal after ${LAB_CLOUD_TIMEOUT} s)"

# ---- release ------------------------------------------------------------------------
# The host's primary interface is in the forensic group: it has no API any
# more (the VPC cut it off). The operator releases from elsewhere, from the
# tags alone; the agent sees cordon:status=released through IMDS and lifts
# its own lockdown.
say "cordon release --instance-id, from the responder's machine (the host has no API now)"
T_RELEASE=$(now_ms)
release() {
	ns resp env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "${ENDPOINTS[@]}" \
		AWS_CA_BUNDLE="$REGION_CA" AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true \
		AWS_ACCESS_KEY_ID="$ADMIN_KEY" AWS_SECRET_ACCESS_KEY="$ADMIN_SECRET" \
		"$CORDON" release --instance-id "$INST" --sns-topic "$TOPIC" 2>&1 |
		tee -a "$WORK/release.out" | sed 's/^/   | /'
}
release
# cordon says when a part could not be undone and asks for another run.
if grep -q 'run release again' "$WORK/release.out"; then
	note "cordon asks for another release run; running it once more"
	fact release_runs 2
	release
else
	fact release_runs 1
fi
: >"$WORK/mail.release.json"
restored=""
deadline=$(($(date +%s) + LAB_CLOUD_TIMEOUT))
while :; do
	cloudpy many "enis:$INST:$WORK/enis.restored" "mail:$QUEUE:$WORK/mail.tmp" 2>>"$WORK/aws.err" || true
	cat "$WORK/mail.tmp" >>"$WORK/mail.release.json" 2>/dev/null
	cmp -s "$WORK/enis.before" "$WORK/enis.restored" && { restored=1; break; }
	[[ -n $cloud && $(date +%s) -lt $deadline ]] || break
	sleep 0.5
done
T_RESTORED=$(now_ms)
# The agent reads its tags every [cloud] tag_poll_interval (5 s) and lifts
# the lockdown itself; daemon.json follows.
for _ in $(seq 200); do [[ $(status incident.lockdown) == True ]] || break; sleep 0.1; done
probe resp 192.0.2.10 80 && r=reachable || r=unreachable
fact after_web "$r"
jr
cp "$ST/daemon.json" "$WORK/daemon.after.json" 2>/dev/null

# ---- the timeline ----------------------------------------------------------------------
LAB_AFTER_WEB=$(sed -n 's/^after_web=//p' "$WORK/facts.local") \
	"$PY" firmware/lab/timeline.py "$WORK" "$T_ATTACK" "$T_RELEASE" "$T_RESTORED" "${LAB_FACTS:-/dev/null}" \
	"${cloud:-0}" "${restored:-0}" "$INC"
rc=$?
kill -TERM "$DPID" 2>/dev/null
wait "$DPID" 2>/dev/null
exit "$rc"
