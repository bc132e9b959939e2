#!/bin/bash
# tests/netns/enforcer_lib.bash: topology and helpers shared by the
# enforcer_*.sh tests (sourced, not run; not named *.sh so that
# tests/run.sh does not take it for a test).
#
#            +-------------------- sw (bridge br0) --------------------+
#            |              |               |              |           |
#   P 192.0.2.1      L 192.0.2.66     C 192.0.2.3    R 192.0.2.4   T 192.0.2.5
#   2001:db8::1      2001:db8::66     2001:db8::3    2001:db8::4   2001:db8::5
#   (protected,      (listed)         (clean)        (responder)   (trusted and
#    runs cordon)                                                    listed)
#   |
#   +-- K 198.51.100.2 / 2001:db8:1::2 (a container behind P: forward path)
#
# Only documentation addresses; everything lives in namespaces named with $$.
set -u
CORDON=${CORDON:-$PWD/build/san/cordon}
PYTHON=${PYTHON:-/usr/bin/python3}
PFX=cdn$$
TMP=$(mktemp -d /tmp/cordon-enf.XXXXXX)
HOSTS=(p l c r t k)
declare -A V4=([p]=192.0.2.1 [l]=192.0.2.66 [c]=192.0.2.3 [r]=192.0.2.4 [t]=192.0.2.5)
declare -A V6=([p]=2001:db8::1 [l]=2001:db8::66 [c]=2001:db8::3 [r]=2001:db8::4 [t]=2001:db8::5)
PIDS=()
# TAP: ok, notok, check, refute, finish, diag
. "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

ns() { local n=$1; shift; ip netns exec "$PFX-$n" "$@"; }
np() { ns p "$@"; }

cleanup() {
	local p h
	# Servers run inside the namespaces: end them by namespace, then
	# the helper subshells that started them.
	for h in "${HOSTS[@]}"; do
		for p in $(ip netns pids "$PFX-$h" 2>/dev/null); do
			kill "$p" 2>/dev/null
		done
	done
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	for h in "${HOSTS[@]}" sw; do ip netns del "$PFX-$h" 2>/dev/null; done
	rm -rf "$TMP"
}

# bgns NS CMD...: run CMD in the background inside namespace NS
bgns() { local n=$1; shift; ip netns exec "$PFX-$n" "$@" & PIDS+=($!); }

setup_net() {
	local h
	ip netns add "$PFX-sw"
	ns sw ip link add br0 type bridge
	ns sw ip link set br0 up
	for h in p l c r t; do
		ip netns add "$PFX-$h"
		ns "$h" ip link set lo up
		ip link add "v$h$$" netns "$PFX-$h" type veth peer name "s$h" netns "$PFX-sw"
		ns "$h" ip link set "v$h$$" name eth0
		ns sw ip link set "s$h" master br0 up
		ns "$h" ip addr add "${V4[$h]}/24" dev eth0
		ns "$h" ip -6 addr add "${V6[$h]}/64" dev eth0 nodad
		ns "$h" ip link set eth0 up
		[[ $h == p ]] && continue
		ns "$h" ip route add 198.51.100.0/24 via 192.0.2.1
		ns "$h" ip -6 route add 2001:db8:1::/64 via 2001:db8::1
	done
	# K: a container behind P, reached through P's forward path.
	ip netns add "$PFX-k"
	ns k ip link set lo up
	ip link add "vk$$" netns "$PFX-k" type veth peer name ck netns "$PFX-p"
	ns k ip link set "vk$$" name eth0
	ns k ip addr add 198.51.100.2/24 dev eth0
	ns k ip -6 addr add 2001:db8:1::2/64 dev eth0 nodad
	ns k ip link set eth0 up
	ns k ip route add default via 198.51.100.1
	ns k ip -6 route add default via 2001:db8:1::1
	np ip addr add 198.51.100.1/24 dev ck
	np ip -6 addr add 2001:db8:1::1/64 dev ck nodad
	np ip link set ck up
	np sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	# resolv.conf of the host must not leak into the test's safe set
	# beyond what it names; the tests pass --no-resolv-conf.
}

# TCP listener that answers one line and closes: tcp_server NS ADDR PORT
tcp_server() {
	bgns "$1" "$PYTHON" "$(dirname "${BASH_SOURCE[0]}")/enforcer_tcp.py" serve "$2" "$3" "$TMP/srv-$1-$3.log"
}

# tcp_ok NS ADDR PORT: a new TCP connection gets its answer within 1 s
tcp_ok() {
	ns "$1" "$PYTHON" "$(dirname "${BASH_SOURCE[0]}")/enforcer_tcp.py" probe "$2" "$3"
}

# udp_ok FROM TO_NS TO_ADDR PORT: a datagram arrives
udp_ok() {
	local f=$TMP/udp.$RANDOM
	ns "$2" timeout 2 nc -u -l -W 1 "$3" "$4" >"$f" 2>/dev/null &
	local l=$!
	sleep 0.3
	echo "udp-$RANDOM" | ns "$1" nc -u -w 1 "$3" "$4" >/dev/null 2>&1
	wait $l
	[[ -s $f ]]
}

ping4() { ns "$1" ping -c 1 -W 1 "$2" >/dev/null 2>&1; }
ping6() { ns "$1" ping -6 -c 1 -W 1 "$2" >/dev/null 2>&1; }

wait_listen() { # NS PORT
	local i
	for i in $(seq 50); do
		ns "$1" ss -Htln "sport = :$2" | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

counter() { # NAME: packets of a cordon counter (via nft, independent of cordon)
	np nft list counter inet cordon "$1" | awk '/packets/ {print $2}'
}

# ---- cordon run in P (daemon_*.sh, sensor_*.sh, evidence_procs.sh, bench_lockdown.sh)

# The agent runs as nobody; the sensor and the AWS process each as their
# own uid (unnamed ones).
AGENT=65534 SENSOR_UID=64201 AWS_UID=64202
LOG=$TMP/run.log

# agent_state ADDR...: the agent's state directory $ST, $TMP open to its
# uids, and the threat list $TMP/threat.txt of the ADDRs.
agent_state() {
	ST=$TMP/state
	mkdir -p "$ST"
	chmod 755 "$TMP"
	printf '%s\n' "$@" >"$TMP/threat.txt"
	chmod 644 "$TMP/threat.txt"
}

# agent_conf MODE [LINE...]: $TMP/cordon.conf: MODE on eth0, the uids
# above, the LINEs (more [agent] keys, then any other sections), the
# threat list, GuardDuty off.
agent_conf() {
	local mode=$1
	shift
	{
		printf '[agent]\nmode = %s\ninterface = eth0\n' "$mode"
		printf 'user = %s\nsensor_user = %s\naws_user = %s\n' "$AGENT" "$SENSOR_UID" "$AWS_UID"
		[[ $# -eq 0 ]] || printf '%s\n' "$@"
		printf '[lists]\nthreat = %s\n[guardduty]\nenabled = false\n' "$TMP/threat.txt"
	} >"$TMP/cordon.conf"
	chmod 644 "$TMP/cordon.conf"
}

# run_daemon: cordon run in P with $TMP/cordon.conf and $ST, its output
# added to $LOG (DPID), until the sensor has its lists (10 s).
run_daemon() {
	ip netns exec "$PFX-p" "$CORDON" run -c "$TMP/cordon.conf" --state-dir "$ST" -v \
		>>"$LOG" 2>&1 &
	DPID=$!
	PIDS+=("$DPID")
	wait_log "sensor matching against" 100
}

# wait_log REGEX [TENTHS]: until $LOG has a line that matches (5 s)
wait_log() {
	local i
	for ((i = 0; i < ${2:-50}; i++)); do
		grep -qE "$1" "$LOG" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
