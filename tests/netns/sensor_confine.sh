#!/bin/bash
# tests/netns/sensor_confine.sh: a sensor taken over (issue 11 items 9 and
# 10). `cordon run` runs in P (topology of enforcer_lib.bash; L listens
# for raw frames); sensor_inject.c makes the real sensor process, under
# its real seccomp filter, uid and descriptors, run what an attacker's
# code in it would, one syscall at a time:
#
#   P 192.0.2.1 (cordon run: parent 65534, sensor 64201, AWS 64202)
#      |  eth0 ---- bridge ---- L 192.0.2.66 (listed; tcpdump for raw frames)
#
# Checks: three uids, none dumpable, the sensor's environment wiped;
# the AWS process's environment (credentials) unreadable from the
# sensor's and the parent's uid; injected into the sensor: getpid and a
# write to stderr work (the injection is real), a raw frame on the capture
# socket (write, sendto), prlimit64 on the parent, open, dup of a capture
# socket, kill, setsockopt each kill the sensor and change nothing; a
# malformed message (string without its NUL) gets it killed by the parent;
# the parent holds CAP_NET_ADMIN only and its filter refuses every id
# change and a user namespace; the spawner (CAP_NET_RAW, CAP_SETUID,
# CAP_SETGID) refuses setresuid(0) and a user namespace; the daemon still finds a listed contact after all of it; its fd limit cut
# to 2 makes it exit non-zero (systemd restarts it). A sensor that keeps
# dying young comes back after a growing backoff: the daemon is started
# again half-way, so that the test does not wait minutes for it. TAP.
set -u
cd "$(dirname "$0")/../.."
. tests/netns/enforcer_lib.bash
trap cleanup EXIT

if [[ $(uname -m) != x86_64 ]]; then
	echo "1..0 # SKIP the syscall injector is x86-64 only"
	exit 0
fi
INJ=$TMP/sensor_inject
cc -O1 -Wall -o "$INJ" tests/netns/sensor_inject.c || { echo "Bail out! cannot build sensor_inject"; exit 1; }

setup_net
agent_state 192.0.2.66
SECRET=cordon-test-secret-$$
agent_conf monitor

# Credentials as an environment would hold them (never used: no AWS here).
start_daemon() {
	ip netns exec "$PFX-p" env AWS_ACCESS_KEY_ID=AKIDTEST AWS_SECRET_ACCESS_KEY="$SECRET" \
		HOME=/root USER=root LOGNAME=root AWS_SHARED_CREDENTIALS_FILE=/root/.aws/credentials \
		AWS_CONFIG_FILE=/root/.aws/config \
		"$CORDON" run -c "$TMP/cordon.conf" --state-dir "$ST" -v >>"$LOG" 2>&1 &
	DPID=$!
	PIDS+=("$DPID")
}
start_daemon

# sensor_up: wait for the next sensor to have its lists; SPID is its pid.
# A sensor that keeps dying young comes back after a growing backoff
# (daemon_child.c: 1 s, 2 s, 4 s ...): wait what the parent announced.
ready=0 SPID=0
sensor_up() {
	local i delay
	delay=$(grep -oE 'sensor process [0-9]+ .*a new one in [0-9]+ s' "$LOG" | tail -1 |
		grep -oE '[0-9]+ s$' | tr -dc 0-9)
	for ((i = 0; i < 60 + ${delay:-0} * 10; i++)); do
		if (($(grep -c 'sensor matching against' "$LOG") > ready)); then
			ready=$((ready + 1))
			SPID=$(grep -oE 'sensor process [0-9]+ running' "$LOG" | tail -1 | awk '{print $3}')
			return 0
		fi
		sleep 0.1
	done
	return 1
}
# fd_of PID FILE: the descriptor of PID whose socket inode is in /proc/PID/net/FILE
fd_of() {
	local inodes f l
	inodes=$(awk -v c="$([[ $2 == packet ]] && echo 9 || echo 7)" 'NR > 1 {print $c}' "/proc/$1/net/$2")
	for f in /proc/"$1"/fd/*; do
		l=$(readlink "$f") || continue
		[[ $l == socket:\[*\] ]] || continue
		l=${l#socket:[}
		l=${l%]}
		grep -qx "$l" <<<"$inodes" && { basename "$f"; return 0; }
	done
	return 1
}
uid_of() { awk '/^Uid:/ {print $2 "," $3 "," $4 "," $5}' "/proc/$1/status"; }
field() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
alive() { kill -0 "$1" 2>/dev/null; }
as_uid() { local u=$1; shift; setpriv --reuid="$u" --regid="$u" --clear-groups "$@"; }

sensor_up || { echo "Bail out! daemon did not start"; sed 's/^/# /' "$LOG"; exit 1; }
ok "daemon up, sensor $SPID has its lists"
# aws_up: wait for the next AWS process to say hello; APID is its pid.
aws_seen=0 APID=0
aws_up() {
	local i
	for ((i = 0; i < ${1:-50}; i++)); do
		if (($(grep -cE 'AWS process [0-9]+ running' "$LOG") > aws_seen)); then
			aws_seen=$((aws_seen + 1))
			APID=$(grep -oE 'AWS process [0-9]+ running' "$LOG" | tail -1 | awk '{print $3}')
			return 0
		fi
		sleep 0.1
	done
	return 1
}
aws_up || { echo "Bail out! no AWS process"; exit 1; }

# --- who is who ---------------------------------------------------------
[[ $(uid_of "$DPID") == "$AGENT,$AGENT,$AGENT,$AGENT" ]] && ok "parent runs as $AGENT" ||
	notok "parent uid $(uid_of "$DPID")"
[[ $(uid_of "$SPID") == "$SENSOR_UID,$SENSOR_UID,$SENSOR_UID,$SENSOR_UID" ]] &&
	ok "sensor runs as its own uid $SENSOR_UID" || notok "sensor uid $(uid_of "$SPID")"
[[ $(uid_of "$APID") == "$AWS_UID,$AWS_UID,$AWS_UID,$AWS_UID" ]] &&
	ok "AWS process runs as its own uid $AWS_UID" || notok "AWS uid $(uid_of "$APID")"
[[ $(awk '/^Gid:/ {print $2}' "/proc/$APID/status") == "$AGENT" ]] &&
	ok "AWS process is in the agent's group (it stores lists for it)" || notok "AWS gid"
# Not dumpable: /proc/PID/environ, mem, fd belong to root, whatever the uid.
for p in "$DPID" "$SPID" "$APID"; do
	[[ $(stat -c %u "/proc/$p/environ") == 0 ]] || { notok "pid $p is dumpable"; continue; }
	ok "pid $p ($(tr -d '\0' <"/proc/$p/comm")) is not dumpable"
done
[[ $(field "$SPID" CapEff) == 0000000000000000 && $(field "$APID" CapEff) == 0000000000000000 ]] &&
	ok "sensor and AWS process hold no capability" || notok "children's capabilities"
# CAP_NET_ADMIN (12) only: no CAP_SETUID (7) / CAP_SETGID (6) to forge
# SCM_CREDENTIALS with; those and CAP_NET_RAW (13) are the spawner's.
[[ $(field "$DPID" CapEff) == 0000000000001000 && $(field "$DPID" CapPrm) == 0000000000001000 ]] &&
	ok "parent: net_admin only (effective and permitted)" ||
	notok "parent CapEff $(field "$DPID" CapEff) CapPrm $(field "$DPID" CapPrm)"
WPID=$(grep -oE 'spawner process [0-9]+ running' "$LOG" | tail -1 | awk '{print $3}')
[[ -n $WPID && $(uid_of "$WPID") == "$AGENT,$AGENT,$AGENT,$AGENT" &&
	$(field "$WPID" CapEff) == 00000000000020c0 && $(field "$WPID" CapPrm) == 00000000000020c0 &&
	$(field "$WPID" Seccomp) == 2 && $(field "$WPID" NoNewPrivs) == 1 &&
	$(stat -c %u "/proc/$WPID/environ") == 0 ]] &&
	ok "spawner $WPID: uid $AGENT, net_raw, setuid, setgid only, seccomp, no_new_privs, not dumpable" ||
	notok "spawner ${WPID:-?}: $(grep -E '^(Uid|CapEff|CapPrm|Seccomp)' "/proc/$WPID/status" 2>&1 | tr '\n' ' ')"
[[ $(field "$SPID" Seccomp) == 2 && $(field "$SPID" NoNewPrivs) == 1 ]] &&
	ok "sensor: seccomp filter, no_new_privs" || notok "sensor seccomp"
[[ $(field "$APID" Seccomp) == 2 && $(field "$APID" NoNewPrivs) == 1 ]] &&
	ok "AWS process: seccomp filter, no_new_privs" || notok "AWS process seccomp"
if grep -q "$SECRET" "/proc/$SPID/environ" || grep -qa "$SECRET" "/proc/$SPID/environ"; then
	notok "the sensor's environment still holds the credentials"
else
	ok "the sensor's environment is wiped"
fi
grep -qa "$SECRET" "/proc/$APID/environ" && ok "(control: the AWS process has them)" ||
	notok "control: AWS process environment"

# Started by root from a shell (HOME=/root): the AWS file variables under
# root's home are cleared at the first drop (the parent's and the
# spawner's, before the AWS process is forked from the spawner). setenv()
# does not show in /proc/PID/environ: test_privsep.c (test_env) checks
# HOME, USER and LOGNAME after a drop.
wait_log "AWS_SHARED_CREDENTIALS_FILE=/root/.aws/credentials is under the starting user's home: cleared for uid $AGENT" 10 &&
	wait_log "AWS_CONFIG_FILE=/root/.aws/config is under the starting user's home: cleared for uid $AGENT" 10 &&
	ok "AWS file variables under HOME=/root cleared when privileges drop" ||
	notok "AWS file variables under /root not cleared"

# --- the AWS process's credentials, from the others' uids -----------------
out=$(as_uid "$SENSOR_UID" cat "/proc/$APID/environ" 2>&1)
[[ $? -ne 0 && $out == *"Permission denied"* ]] &&
	ok "sensor's uid: /proc/<aws>/environ -> EACCES" || notok "sensor's uid reads the credentials: $out"
out=$(as_uid "$AGENT" cat "/proc/$APID/environ" 2>&1)
[[ $? -ne 0 && $out == *"Permission denied"* ]] &&
	ok "parent's uid: /proc/<aws>/environ -> EACCES" || notok "parent's uid reads the credentials"
out=$(as_uid "$SENSOR_UID" prlimit --pid "$DPID" --nofile=0:0 2>&1)
[[ $? -ne 0 ]] && ok "sensor's uid: prlimit on the parent refused ($out)" ||
	notok "sensor's uid could prlimit the parent"

# --- code running in the sensor -------------------------------------------
out=$("$INJ" "$SPID" getpid)
[[ $out == "ret $SPID" ]] && alive "$SPID" && ok "injected getpid runs in the sensor (ret $SPID)" ||
	notok "injection does not work: $out"
out=$("$INJ" "$SPID" write 2 "str:cordon-injected-line" 20)
[[ $out == "ret 20" ]] && alive "$SPID" && wait_log 'cordon-injected-line' 20 &&
	ok "injected write to stderr is allowed (the log)" || notok "write to stderr: $out"

# attack SYSCALL ARGS...: the sensor dies of SIGSYS, a new one takes over
attack() {
	local what=$1 out died
	shift
	out=$("$INJ" "$SPID" "$@")
	died=$?
	if [[ $died -eq 3 && $out == "killed 31" ]] && wait_log "sensor process $SPID died of signal 31" 30; then
		ok "$what: sensor killed by its filter (SIGSYS)"
	else
		notok "$what: $out"
	fi
	sensor_up || notok "$what: no new sensor"
}
# An Ethernet frame to everyone, of a type nothing else sends.
FRAME=ffffffffffff02000000000188b5$(printf 'cordon-raw-frame-of-the-sensor-test-padding!' | od -v -An -tx1 | tr -d ' \n')
ns l tcpdump -i eth0 -nn -U -w "$TMP/raw.pcap" ether proto 0x88b5 >/dev/null 2>&1 &
TCPD=$!
PIDS+=("$TCPD")
sleep 1
CAPFD=$(fd_of "$SPID" packet)
[[ -n $CAPFD ]] && ok "the sensor's capture socket is fd $CAPFD" || notok "capture fd not found"
attack "raw frame written to the capture socket" write "$CAPFD" "hex:$FRAME" 60
CAPFD=$(fd_of "$SPID" packet)
attack "raw frame sent on the capture socket" sendto "$CAPFD" "hex:$FRAME" 60 0 0 0
sleep 1
kill "$TCPD" 2>/dev/null
wait "$TCPD" 2>/dev/null
n=$(tcpdump -nn -r "$TMP/raw.pcap" 2>/dev/null | wc -l)
[[ $n -eq 0 ]] && ok "no raw frame reached the wire" || notok "$n raw frames reached L"
# RLIMIT_NOFILE (7) = {0, 0}: the parent would exit 0 (no restart)
attack "prlimit64 on the parent" prlimit64 "$DPID" 7 hex:00000000000000000000000000000000 0
alive "$DPID" && [[ $(awk '/^Max open files/ {print $4}' "/proc/$DPID/limits") != 0 ]] &&
	ok "the parent runs on, its fd limit unchanged" || notok "parent limits"
attack "open a file" openat -100 str:/etc/hostname 0
# Four quick deaths in a row: the next sensor would wait 16 s, then 32 s.
# A new daemon starts the backoff over (the rest needs no old state).
kill -TERM "$DPID"
wait "$DPID"
start_daemon
sensor_up && aws_up || { echo "Bail out! daemon did not start again"; sed 's/^/# /' "$LOG"; exit 1; }
ok "daemon started again (backoff reset): sensor $SPID"
CAPFD=$(fd_of "$SPID" packet)
attack "dup a capture socket (fcntl F_DUPFD)" fcntl "$CAPFD" 0 3
CAPFD=$(fd_of "$SPID" packet)
# SOL_PACKET (263), PACKET_TX_RING (13): the way to a transmit ring
attack "setsockopt on a capture socket" setsockopt "$CAPFD" 263 13 hex:0000000000000000 8
attack "kill the parent" kill "$DPID" 9
alive "$DPID" && ok "the parent runs on" || notok "the parent is gone"

# A string without its NUL: util_strlcpy would read past the message.
SOCK=$(fd_of "$SPID" unix)
HELLO=c80000004c00000001000000$(printf 'A%.0s' $(seq 64) | od -v -An -tx1 | tr -d ' \n')
out=$("$INJ" "$SPID" sendto "$SOCK" "hex:$HELLO" 76 0 0 0)
if [[ $out == "ret 76" || $out == "killed 9" ]] &&
	wait_log 'sensor -> parent: hello: caps: not NUL-terminated' 30 &&
	wait_log "sensor process $SPID sent a malformed message: stopping it" 30 &&
	wait_log "sensor process $SPID died of signal 9" 30; then
	ok "malformed message (caps without NUL): the parent refuses it and kills the sensor (another uid)"
else
	notok "malformed message: $out"; tail -5 "$LOG" | sed 's/^/# /'
fi
sensor_up || notok "no sensor after the malformed message"

# --- no id change in the parent; the spawner's only to the children's ----
out=$("$INJ" "$DPID" setresuid 0 0 0)
[[ $out == "ret -1" && $(uid_of "$DPID") == "$AGENT,$AGENT,$AGENT,$AGENT" ]] &&
	ok "parent: setresuid(0) refused (EPERM)" || notok "parent setresuid(0): $out"
out=$("$INJ" "$DPID" setresuid "$AWS_UID" "$AWS_UID" "$AWS_UID")
[[ $out == "ret -1" && $(uid_of "$DPID") == "$AGENT,$AGENT,$AGENT,$AGENT" ]] &&
	ok "parent: setresuid to a child's uid refused too (EPERM)" || notok "parent setresuid($AWS_UID): $out"
out=$("$INJ" "$DPID" unshare $((0x10000000)))
[[ $out == "ret -1" ]] && ok "parent: a user namespace refused (EPERM)" || notok "parent unshare: $out"
WPID=$(grep -oE 'spawner process [0-9]+ running' "$LOG" | tail -1 | awk '{print $3}')
# (the spawner wakes from its poll once a second: the injector waits for it)
out=$("$INJ" "$WPID" setresuid 0 0 0)
[[ $out == "ret -1" && $(uid_of "$WPID") == "$AGENT,$AGENT,$AGENT,$AGENT" ]] &&
	ok "spawner: setresuid(0) refused by its filter (EPERM)" || notok "spawner setresuid(0): $out"
out=$("$INJ" "$WPID" unshare $((0x10000000)))
[[ $out == "ret -1" ]] && ok "spawner: a user namespace refused (EPERM)" || notok "spawner unshare: $out"

# A child started after every filter went on still gets its uid.
kill -9 "$APID"
old=$APID
if wait_log "AWS process $APID died of signal 9" 30 && aws_up 50 && [[ $APID != "$old" ]]; then
	[[ $(uid_of "$APID") == "$AWS_UID,$AWS_UID,$AWS_UID,$AWS_UID" &&
		$(awk '/^Gid:/ {print $2}' "/proc/$APID/status") == "$AGENT" ]] &&
		ok "a new AWS process, from the spawner under its filter, runs as $AWS_UID in group $AGENT" ||
		notok "new AWS process ids: $(uid_of "$APID")"
else
	notok "AWS process not restarted"; tail -5 "$LOG" | sed 's/^/# /'
fi

# --- still doing its job ----------------------------------------------------
# Each sensor gets rings of its own (sensor_restart.sh checks the timing).
tcp_server l :: 8080
wait_listen l 8080
tcp_ok p 192.0.2.66 8080 >/dev/null 2>&1
wait_log 'finding [0-9a-f]{32}: OUTBOUND TCP 192.0.2.1 -> 192.0.2.66 port 8080' 50 &&
	ok "after all that, a restarted sensor still finds the listed contact" ||
	notok "after all that, the restarted sensor finds nothing"

# --- its fd limit cut: a failure systemd restarts, never exit 0 -----------
# (by the parent itself: lowering one's own limit needs no privilege)
out=$("$INJ" "$DPID" prlimit64 0 7 hex:02000000000000000200000000000000 0)
[[ $out == "ret 0" ]] || notok "could not lower the parent's fd limit: $out"
wait "$DPID"
rc=$?
[[ $rc -ne 0 ]] && ok "fd limit 2: the parent exits $rc (not 0: Restart=on-failure)" ||
	notok "fd limit 2: the parent exited 0"
for ((i = 0; i < 50; i++)); do
	alive "$SPID" || alive "$APID" || break
	sleep 0.1
done
! alive "$SPID" && ! alive "$APID" && ! alive "$WPID" &&
	ok "its sensor, AWS process and spawner end with it" ||
	notok "children outlive the parent: $(ps -o pid=,args= -p "$SPID,$APID,$WPID")"
finish
