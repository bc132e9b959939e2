#!/bin/bash
# tests/netns/sensor_restart.sh: a sensor that dies (SIGKILL, as one a
# hostile packet took over and the parent stopped) is restarted, and the
# new one sees the very next packet. Before the spawner (spawnd.c) a new
# sensor was forked with the parent's copies of the capture handles, whose
# ring position was the one at fork: it waited on a stale block until the
# kernel wrapped the ring, blind meanwhile.
#
#   P 192.0.2.1 (cordon run, monitor) ---- bridge ---- L 192.0.2.66 (listed)
#
# Checks: one datagram from L is found; the sensor is killed (-9) and the
# restart logged; one more datagram from L is found within a second of
# being sent; a second kill and packet alike (the ring of the first new
# sensor was read too); no capture socket but the sensor's is left; a
# descriptor the agent was started with is not the sensor's; the
# spawner killed, the daemon exits non-zero (systemd restarts it). TAP.
set -u
cd "$(dirname "$0")/../.."
. tests/netns/enforcer_lib.bash
trap cleanup EXIT

setup_net
agent_state 192.0.2.66
agent_conf monitor
# Started with a root-only file open on descriptor 7 (as from a root
# shell): the sensor, which parses hostile packets, must not inherit it.
echo root-only >"$TMP/secret"
chmod 600 "$TMP/secret"
np "$CORDON" run -c "$TMP/cordon.conf" --state-dir "$ST" -v >"$LOG" 2>&1 7<"$TMP/secret" &
DPID=$!
PIDS+=("$DPID")

# sensor_up N: the Nth sensor has its lists; SPID is its pid
sensor_up() {
	local i
	for ((i = 0; i < 100; i++)); do
		if (($(grep -c 'sensor matching against' "$LOG") >= $1)); then
			SPID=$(grep -oE 'sensor process [0-9]+ running' "$LOG" | tail -1 | awk '{print $3}')
			return 0
		fi
		sleep 0.1
	done
	return 1
}
# one_packet PORT: one UDP datagram from the listed L to P
one_packet() { ns l bash -c "echo cordon-$1 >/dev/udp/192.0.2.1/$1"; }
FOUND='finding [0-9a-f]{32}: INBOUND UDP 192.0.2.1 <- 192.0.2.66'

sensor_up 1 || { echo "Bail out! daemon did not start"; sed 's/^/# /' "$LOG"; exit 1; }
ok "daemon up, sensor $SPID"
# sensor_fds PID: its descriptors other than 0-2 and sockets (none expected)
sensor_fds() {
	local f l out=
	for f in /proc/"$1"/fd/*; do
		l=$(readlink "$f") || continue
		[[ ${f##*/} -le 2 || $l == socket:* ]] || out+=" ${f##*/}->$l"
	done
	echo "$out"
}
left=$(sensor_fds "$SPID")
[[ -z $left ]] && ok "the sensor holds 0-2 and sockets only (not the starter's descriptor 7)" ||
	notok "the sensor inherited:$left"
# The first sensor reads (and hands back) ring blocks: the position moves on.
for p in 20001 20002 20003; do
	one_packet "$p"
	sleep 0.2
done
wait_log "$FOUND port 20003" 30 && ok "the first sensor finds a listed datagram" ||
	{ notok "first sensor: no finding"; grep -E "finding|warn" "$LOG" | sed "s|^|# |" | tail -5; }

# kill_and_probe N PORT: kill the sensor, wait for the Nth, one packet
kill_and_probe() {
	local old=$SPID t0 t1
	kill -9 "$old"
	if wait_log "sensor process $old died of signal 9" 30 && wait_log 'restarting the sensor process' 40 &&
		sensor_up "$1" && [[ $SPID != "$old" ]]; then
		ok "sensor $old killed (-9): the restart is logged, sensor $SPID has its lists"
	else
		notok "no new sensor after killing $old"; tail -5 "$LOG" | sed 's/^/# /'
		return
	fi
	t0=$(date +%s%N)
	one_packet "$2"
	if wait_log "$FOUND port $2" 10; then
		t1=$(date +%s%N)
		ok "the new sensor finds the very next packet ($(((t1 - t0) / 1000000)) ms)"
	else
		notok "the new sensor is blind: no finding for the next packet within 1 s"
	fi
}
kill_and_probe 2 20011
kill_and_probe 3 20021
# No ring is left behind: the spawner closes its copies, dead sensors' go.
n=$(ns p awk 'NR > 1' /proc/net/packet | wc -l)
[[ $n -eq 1 ]] && ok "one packet socket in the namespace: the sensor's" ||
	notok "$n packet sockets in the namespace (expected the sensor's only)"
# The spawner gone (killed by the agent's uid, the OOM killer): no child
# could ever be started again, so the daemon exits non-zero and systemd
# starts it anew; it used to run on blind once its sensor died.
SP=$(grep -oE 'spawner process [0-9]+ running' "$LOG" | awk '{print $3}')
alive() { kill -0 "$DPID" 2>/dev/null; }
kill -9 "$SP"
for ((i = 0; i < 50; i++)); do
	alive || break
	sleep 0.1
done
if alive; then
	notok "spawner $SP killed: the daemon still runs, unable to restart a child"
	kill -TERM "$DPID"
	wait "$DPID"
else
	wait "$DPID"
	rc=$?
	[[ $rc -ne 0 ]] && wait_log 'exiting: the spawner is gone' 1 &&
		ok "spawner $SP killed: the daemon exits $rc for systemd to restart it" ||
		notok "spawner $SP killed: exit $rc, log: $(tail -1 "$LOG")"
fi
finish
