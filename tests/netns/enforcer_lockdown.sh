#!/bin/bash
# tests/netns/enforcer_lockdown.sh: forensic lockdown and release with real
# sessions. Topology in enforcer_lib.bash. Before the lockdown four TCP
# sessions run, each side sending a line every 0.2 s:
#
#   attacker  C -> P:8080   (inbound session, v4)
#   reverse   P -> C:8080   (outbound "reverse shell" from root, v6)
#   responder R -> P:22     (allowlisted 192.0.2.4:22 -- TCP only -- SSH-like)
#   agent     P -> C:9000   (the agent's user, uid 4242 here)
#   unit      P -> C:9001   (a process in the cgroup of an allowed unit,
#                            like amazon-ssm-agent.service)
#
# The lockdown must stop both directions of the first two at once and
# keep the others; release must restore everything. An allow entry's port
# opens only its protocol (TCP when none is named); a state file written
# before protocols existed keeps TCP and UDP open. `ip netns exec`
# mounts a fresh /sys, so the test mounts cgroup2 under $TMP and passes
# --cgroup-root.
set -u
cd "$(dirname "$0")/../.."
. tests/netns/enforcer_lib.bash
CG=
cleanup_cg() {
	[[ -n $CG ]] || return 0
	for h in "${HOSTS[@]}"; do
		for p in $(ip netns pids "$PFX-$h" 2>/dev/null); do kill "$p" 2>/dev/null; done
	done
	sleep 0.2
	rmdir "$CG/cordontest$$/ssm.service" "$CG/cordontest$$" 2>/dev/null
	umount "$CG" 2>/dev/null
}
trap 'cleanup_cg; cleanup' EXIT

AGENT_UID=4242
TCPPY=$PWD/tests/netns/enforcer_tcp.py
setup_net
chmod 0777 "$TMP"
ST=$TMP/state
CG=$TMP/cgroup
UNIT=cordontest$$/ssm.service
mkdir -p "$CG" && mount -t cgroup2 none "$CG" && mkdir -p "$CG/$UNIT" || CG=
E=(--state-dir "$ST" --no-resolv-conf --agent-user "$AGENT_UID"
   --allow 192.0.2.4:22 --allow "[2001:db8::4]:tcp/22" --allow 192.0.2.4:udp/5300)
[[ -n $CG ]] && E+=(--cgroup-root "$CG" --allow-unit "$UNIT")
echo 203.0.113.200 >"$TMP/empty.txt" # listed, never used

tcp_server p :: 8080
tcp_server p :: 22
tcp_server c :: 8080
tcp_server c :: 9000
tcp_server c :: 9001
tcp_server p :: 5300
tcp_server p :: 5301
for hp in p:8080 p:22 c:8080 c:9000 c:9001 p:5300 p:5301; do wait_listen "${hp%:*}" "${hp#*:}"; done

check "enforce (empty lists)" np "$CORDON" enforce "${E[@]}" --threat-list "$TMP/empty.txt" --quiet

session() { # NS LOG ADDR PORT [as uid]
	local n=$1 log=$2 addr=$3 port=$4
	: >"$log"; chmod 666 "$log"
	if [[ ${5:-} ]]; then
		bgns "$n" setpriv --reuid "$5" --regid "$5" --clear-groups "$PYTHON" "$TCPPY" session "$addr" "$port" "$log"
	else
		bgns "$n" "$PYTHON" "$TCPPY" session "$addr" "$port" "$log"
	fi
}
session c "$TMP/att.log" 192.0.2.1 8080
session p "$TMP/rev.log" 2001:db8::3 8080
session r "$TMP/resp.log" 192.0.2.1 22
session p "$TMP/agent.log" 192.0.2.3 9000 "$AGENT_UID"
: >"$TMP/unit.log"
[[ -n $CG ]] && bgns p sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2" "$3" session 192.0.2.3 9001 "$4"' \
	sh "$CG/$UNIT" "$PYTHON" "$TCPPY" "$TMP/unit.log"
sleep 1.5
lines() { wc -l <"$1"; }
LOGS=(att srv-p-8080 rev srv-c-8080 resp srv-p-22 agent srv-c-9000 unit srv-c-9001)
declare -A N0 N1 N2
for l in "${LOGS[@]}"; do N0[$l]=$(lines "$TMP/$l.log"); done
all_up=1
for l in "${LOGS[@]}"; do [[ ${N0[$l]} -gt 2 ]] || all_up=0; done
[[ $all_up == 1 ]] && ok "five sessions run before the lockdown" ||
	notok "five sessions run before the lockdown ($(for l in "${LOGS[@]}"; do printf '%s=%s ' $l ${N0[$l]}; done))"

out=$(np "$CORDON" lockdown "${E[@]}" --reason "test: finding 42" --local-only 2>&1)
rc=$?
echo "# $out"
[[ $rc -eq 0 ]] && ok "lockdown" || notok "lockdown (exit $rc)"
sleep 1 # segments in flight settle
for l in "${LOGS[@]}"; do N1[$l]=$(lines "$TMP/$l.log"); done
sleep 2
for l in "${LOGS[@]}"; do N2[$l]=$(lines "$TMP/$l.log"); done
same() { [[ ${N1[$1]} -eq ${N2[$1]} ]]; }
grows() { [[ ${N2[$1]} -gt $((N1[$1] + 3)) ]]; }
check "attacker session: bytes sent into it no longer arrive" same srv-p-8080
check "attacker session: bytes from it no longer leave" same att
check "reverse session: host's bytes no longer leave" same srv-c-8080
check "reverse session: remote's bytes no longer arrive" same rev
check "responder's SSH-like session keeps working (both ways)" eval 'grows resp && grows srv-p-22'
check "agent user's own session keeps working (both ways)" eval 'grows agent && grows srv-c-9000'
if [[ -n $CG ]]; then
	check "allowed unit's session keeps working (socket cgroupv2)" eval 'grows unit && grows srv-c-9001'
else
	ok "# SKIP allowed unit: cannot mount cgroup2"
fi

refute "new inbound TCP is cut (v4)" tcp_ok c 192.0.2.1 8080
refute "new outbound TCP from root is cut (v6)" tcp_ok p 2001:db8::3 8080
refute "ICMP in is cut (v4)" ping4 c 192.0.2.1
refute "ICMP out is cut (v6)" ping6 p 2001:db8::3
refute "UDP in is cut" udp_ok c p 192.0.2.1 5353
refute "forward: container K is cut" tcp_ok k 192.0.2.3 8080
check "responder opens a new session (v4)" tcp_ok r 192.0.2.1 22
check "responder opens a new session (v6)" tcp_ok r 2001:db8::1 22
refute "responder on another port is cut" tcp_ok r 192.0.2.1 8080
refute "responder's UDP to its tcp/22 entry is dropped (v4, bare port)" udp_ok r p 192.0.2.1 22
refute "responder's UDP to its tcp/22 entry is dropped (v6)" udp_ok r p 2001:db8::1 22
check "responder's UDP to its udp/5300 entry passes" udp_ok r p 192.0.2.1 5300
refute "responder's TCP to its udp/5300 entry is cut" tcp_ok r 192.0.2.1 5300
refute "UDP to the responder's port from elsewhere is cut" udp_ok c p 192.0.2.1 5300
check "agent user opens a new session" np setpriv --reuid "$AGENT_UID" --regid "$AGENT_UID" --clear-groups "$PYTHON" "$TCPPY" probe 192.0.2.3 9000
check "loopback keeps working" np ping -c 1 -W 1 127.0.0.1

check "state file written with the reason" grep -q '^reason=test: finding 42$' "$ST/lockdown"
js=$(np "$CORDON" status --json --state-dir "$ST")
[[ $js == *'"mode":"lockdown"'* && $js == *'"reason":"test: finding 42"'* ]] &&
	ok "status reports the lockdown and its reason" || notok "status: $js"
c=$(counter lockdown_in)
[[ ${c:-0} -gt 0 ]] && ok "lockdown counter moves ($c)" || notok "lockdown counter moves ($c)"

check "enforce during a lockdown keeps it" eval "np '$CORDON' enforce ${E[*]} --threat-list '$TMP/empty.txt' --quiet && np nft list chain inet cordon gate_in | grep -q 'jump lock_in'"
# A reboot: the table is gone, the state file is not; the next start
# (enforce) puts the lockdown back.
np "$CORDON" unload --state-dir "$ST"
check "after unload (reboot) traffic flows" tcp_ok c 192.0.2.1 8080
np "$CORDON" enforce "${E[@]}" --threat-list "$TMP/empty.txt" --quiet
refute "the next start restores the lockdown from the state file" tcp_ok c 192.0.2.1 8080

out=$(np "$CORDON" release "${E[@]}" --local-only 2>&1)
rc=$?
echo "# $out"
[[ $rc -eq 0 ]] && ok "release" || notok "release (exit $rc)"
check "state file removed" test ! -e "$ST/lockdown"
check "after release: new inbound TCP (v4)" tcp_ok c 192.0.2.1 8080
check "after release: new outbound TCP (v6)" tcp_ok p 2001:db8::3 8080
check "after release: ICMP (v4)" ping4 c 192.0.2.1
check "after release: forward path" tcp_ok k 192.0.2.3 8080
js=$(np "$CORDON" status --json --state-dir "$ST")
[[ $js == *'"mode":"block"'* && $js == *'"recorded":false'* ]] &&
	ok "status after release: block mode" || notok "status after release: $js"

# An upgrade: a lockdown recorded before protocols existed ("ADDRESS:PORT"
# meant TCP and UDP) keeps both open, so responders are not cut off.
printf 'locked=1\nsince=1\nreason=older cordon\nallow=192.0.2.4:5301\n' >"$ST/lockdown"
check "enforce restores a lockdown from an old state file" np "$CORDON" enforce "${E[@]}" --threat-list "$TMP/empty.txt" --quiet
refute "old state file: locked down" tcp_ok c 192.0.2.1 8080
check "old state file: its bare port keeps TCP open" tcp_ok r 192.0.2.1 5301
check "old state file: its bare port keeps UDP open" udp_ok r p 192.0.2.1 5301
refute "old state file: others are still cut on that port" udp_ok c p 192.0.2.1 5301
check "release the old lockdown" np "$CORDON" release "${E[@]}" --local-only
np "$CORDON" unload --state-dir "$ST"
finish
