#!/bin/bash
# tests/netns/enforcer_trip.sh: the lockdown tripped in the kernel by the
# first outbound packet to a listed address (isolate mode), before any
# user space runs, and the agent's exemption tied to its own sockets on
# every packet (not to a conntrack mark another user could ride).
# Topology in enforcer_lib.bash: P runs cordon (no agent process here:
# only `cordon enforce`), L is listed, C is a clean peer.
set -u
cd "$(dirname "$0")/../.."
. tests/netns/enforcer_lib.bash
trap cleanup EXIT

AGENT_UID=4242
TCPPY=$PWD/tests/netns/enforcer_tcp.py
setup_net
chmod 0777 "$TMP"
ST=$TMP/state
E=(--state-dir "$ST" --no-resolv-conf --agent-user "$AGENT_UID" --allow 192.0.2.4:22)
echo 192.0.2.66 >"$TMP/threat.txt"

tcp_server p :: 8080
tcp_server c :: 8080
tcp_server r :: 22
tcp_server p :: 22
# UDP echo on C: answers each datagram to whoever sent it.
bgns c "$PYTHON" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("192.0.2.3", 5353))
while True:
    d, a = s.recvfrom(2048)
    open(__import__("sys").argv[1], "a").write(d.decode(errors="replace") + "\n")
    s.sendto(d, a)
' "$TMP/udp-c.log"
for hp in p:8080 c:8080 p:22; do wait_listen "${hp%:*}" "${hp#*:}"; done

# udp_from NS UID SPORT TEXT: one datagram from SPORT to C:5353 as UID; ok
# when the echo comes back within 1 s.
udp_from() {
	ns "$1" setpriv --reuid "$2" --regid "$2" --clear-groups "$PYTHON" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.settimeout(1)
try:
    s.sendto(sys.argv[2].encode(), ("192.0.2.3", 5353))
    s.recvfrom(2048)
except OSError:
    sys.exit(1)
' "$3" "$4"
}
arrived() { grep -qx "$1" "$TMP/udp-c.log"; }
tripped() { np "$CORDON" status --json "${E[@]:0:2}" | grep -q '"tripped":true'; }

# ---- block mode: a listed address is dropped, nothing trips
check "enforce --mode block" np "$CORDON" enforce "${E[@]}" --mode block --threat-list "$TMP/threat.txt" --quiet
refute "block: ping to the listed address is dropped" ping4 p 192.0.2.66
check "block: nothing trips (C still reaches P)" tcp_ok c 192.0.2.1 8080
refute "block: status says not tripped" tripped

# ---- isolate mode: armed
check "enforce --mode isolate" np "$CORDON" enforce "${E[@]}" --mode isolate --threat-list "$TMP/threat.txt" --quiet
check "isolate: the trip set exists, empty" eval "np nft list set inet cordon trip | grep -q 'flags dynamic'"
# NAT64 (64:ff9b::/96) carries a listed IPv4 address inside IPv6: matched,
# trusted first (no traffic: such addresses are not documentation ones).
nat64=$(np nft list chain inet cordon chk_out)
[[ $nat64 == *'ip6 daddr 64:ff9b::/96 @nh,288,32 @trusted4 return'* &&
   $nat64 == *'ip6 daddr 64:ff9b::/96 @nh,288,32 @threat4 counter'* &&
   $nat64 == *'ip6 daddr 64:ff9b::/96 @nh,288,32 @threat4n counter'* ]] &&
	ok "NAT64: listed IPv4 addresses are matched inside 64:ff9b::/96 (trusted first)" ||
	notok "NAT64 rules: $nat64"
check "armed: C reaches P" tcp_ok c 192.0.2.1 8080
check "armed: P reaches C" tcp_ok p 192.0.2.3 8080
"$PYTHON" "$TCPPY" -h >/dev/null 2>&1 || true
bgns c "$PYTHON" "$TCPPY" session 192.0.2.1 8080 "$TMP/stream.log"
sleep 1
n0=$(wc -l <"$TMP/stream.log")
[[ $n0 -gt 2 ]] && ok "a clean host's stream into P runs ($n0 lines)" || notok "clean stream runs ($n0)"

# The trigger: P's own outbound packet to the listed address.
refute "the trigger (P pings the listed address) is dropped" ping4 p 192.0.2.66
check "status reports the kernel's trip" tripped
refute "no state file yet: the kernel acted alone" test -e "$ST/lockdown"
sleep 0.5
n1=$(wc -l <"$TMP/stream.log")
sleep 1.5
n2=$(wc -l <"$TMP/stream.log")
[[ $n1 -eq $n2 ]] && ok "the clean host's established stream stopped at once ($n1 = $n2)" ||
	notok "clean stream stopped ($n1 -> $n2)"
refute "tripped: new inbound TCP from C is cut" tcp_ok c 192.0.2.1 8080
refute "tripped: new outbound TCP from root is cut" tcp_ok p 192.0.2.3 8080
check "tripped: the responder still gets in" tcp_ok r 192.0.2.1 22
check "tripped: the agent's user still reaches C" np setpriv --reuid "$AGENT_UID" --regid "$AGENT_UID" --clear-groups "$PYTHON" "$TCPPY" probe 192.0.2.3 8080
check "enforce again keeps the trip" eval "np '$CORDON' enforce ${E[*]} --mode isolate --threat-list '$TMP/threat.txt' --quiet && np '$CORDON' status --json --state-dir '$ST' | grep -q '\"tripped\":true'"
refute "after enforce again: still cut" tcp_ok c 192.0.2.1 8080

# ---- the agent's exemption is per packet (issue 11 item 5)
check "agent user: UDP from port 40000 to C and its answer pass" udp_from p "$AGENT_UID" 40000 agent-1
check "agent's datagram arrived" arrived agent-1
# The agent's socket is gone; its conntrack entry (marked) is not. Another
# user binds the same source port and sends on the same 5-tuple.
refute "another user riding the agent's UDP entry gets no answer" udp_from p 4343 40000 attacker-1
refute "and its datagram never left the host" arrived attacker-1
refute "root riding it: nothing leaves either" udp_from p 0 40000 attacker-2
refute "root's datagram never left" arrived attacker-2

# ---- durable, then released
check "lockdown makes it durable (state file)" np "$CORDON" lockdown "${E[@]}" --mode isolate --reason "tripped" --local-only
check "state file written" test -e "$ST/lockdown"
check "release" np "$CORDON" release "${E[@]}" --mode isolate --local-only
refute "release empties the trip set" tripped
check "after release: C reaches P" tcp_ok c 192.0.2.1 8080
check "after release: P reaches C" tcp_ok p 192.0.2.3 8080
refute "after release: the listed address is still dropped" ping4 p 192.0.2.66
check "re-armed: the next contact trips again" tripped
check "release again" np "$CORDON" release "${E[@]}" --mode isolate --local-only
check "released twice: open" tcp_ok c 192.0.2.1 8080
finish
