#!/bin/bash
# tests/netns/enforcer_block.sh: block mode with real traffic (ICMP, TCP,
# UDP; IPv4 and IPv6). Topology in enforcer_lib.bash: P runs cordon, L is
# listed, C is clean, T is on both lists (trusted wins), K is a container
# behind P (forward path).
set -u
cd "$(dirname "$0")/../.."
. tests/netns/enforcer_lib.bash
trap cleanup EXIT

setup_net
ST=$TMP/state
cat >"$TMP/threat.txt" <<LIST
192.0.2.66
2001:db8::66
192.0.2.5
2001:db8::5
203.0.113.0/24
169.254.169.254
169.254.0.0/16
LIST
printf '192.0.2.5\n2001:db8::5\n' >"$TMP/trusted.txt"
# Another firewall beside cordon: must keep working and stay untouched.
np nft add table inet filter
np nft add chain inet filter input '{ type filter hook input priority 0; policy accept; }'
np nft add rule inet filter input tcp dport 9999 counter
E=(--state-dir "$ST" --no-resolv-conf --agent-user 4242 --allow 192.0.2.4:22 --mode block)

# C also answers as the instance metadata service (listed on purpose).
ns c ip addr add 169.254.169.254/32 dev eth0
np ip route add 169.254.169.254/32 dev eth0
for h in p l c t; do tcp_server "$h" :: 8080; done
tcp_server k :: 8080
for h in p l c t k; do wait_listen "$h" 8080; done

check "before enforce: P reaches L (v4)" ping4 p 192.0.2.66

out=$(np "$CORDON" enforce "${E[@]}" --threat-list "$TMP/threat.txt" --trusted-list "$TMP/trusted.txt" 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
if [[ $rc -eq 0 ]]; then ok "enforce loads the lists"; else notok "enforce loads the lists (exit $rc)"; fi

refute "ICMP P -> L dropped (v4)" ping4 p 192.0.2.66
refute "ICMP L -> P dropped (v4)" ping4 l 192.0.2.1
refute "ICMP P -> L dropped (v6)" ping6 p 2001:db8::66
refute "ICMP L -> P dropped (v6)" ping6 l 2001:db8::1
refute "TCP P -> L dropped (v4)" tcp_ok p 192.0.2.66 8080
refute "TCP L -> P dropped (v4)" tcp_ok l 192.0.2.1 8080
refute "TCP P -> L dropped (v6)" tcp_ok p 2001:db8::66 8080
refute "TCP L -> P dropped (v6)" tcp_ok l 2001:db8::1 8080
refute "UDP P -> L dropped (v4)" udp_ok p l 192.0.2.66 5353
refute "UDP L -> P dropped (v6)" udp_ok l p 2001:db8::1 5353
check "ICMP P <-> C passes (v4)" ping4 c 192.0.2.1
check "ICMP P <-> C passes (v6)" ping6 p 2001:db8::3
check "TCP C -> P passes (v4)" tcp_ok c 192.0.2.1 8080
check "TCP P -> C passes (v6)" tcp_ok p 2001:db8::3 8080
check "UDP C -> P passes (v4)" udp_ok c p 192.0.2.1 5353
check "the metadata service is never blocked, though listed" tcp_ok p 169.254.169.254 8080
check "trusted wins: T (on both lists) reaches P (v4)" tcp_ok t 192.0.2.1 8080
check "trusted wins: P reaches T (v6)" ping6 p 2001:db8::5
refute "forward: container K -> L dropped (v4)" tcp_ok k 192.0.2.66 8080
refute "forward: L -> container K dropped (v6)" tcp_ok l 2001:db8:1::2 8080
check "forward: container K -> C passes" tcp_ok k 192.0.2.3 8080

din=$(counter drop_in) dout=$(counter drop_out) dfwd=$(counter drop_fwd)
[[ ${din:-0} -gt 0 && ${dout:-0} -gt 0 && ${dfwd:-0} -gt 0 ]] &&
	ok "counters move (in $din, out $dout, fwd $dfwd)" ||
	notok "counters move (in $din, out $dout, fwd $dfwd)"
js=$(np "$CORDON" status --json --state-dir "$ST")
[[ $js == *'"mode":"block"'* && $js == *'"threat4":2'* && $js == *'"threat4n":2'* && $js == *"\"drop_out\":{\"packets\":$dout"* ]] &&
	ok "status --json reports mode, entries and counters" ||
	notok "status --json: $js"

# Each drop reaches NFLOG at once (queue threshold 1), not after the
# kernel's default batch of 100 packets or one second.
np nft list table inet cordon | grep -q 'group 7767 queue-threshold 1' &&
	ok "NFLOG rules flush every packet (queue-threshold 1)" ||
	notok "NFLOG rules flush every packet (queue-threshold 1)"

# NFLOG: the dropped outbound attempt, seen where a sensor would listen.
# Other drops (retransmitted SYNs of earlier tests) may come first: keep
# a few seconds of the group and look for ours.
np timeout 4 tcpdump -U -n -i nflog:7767 -w "$TMP/nflog.pcap" >/dev/null 2>&1 &
tp=$!
sleep 1
tcp_ok p 192.0.2.66 8080
wait $tp
np tcpdump -n -r "$TMP/nflog.pcap" 2>/dev/null | grep -q '> 192.0.2.66.8080' &&
	ok "NFLOG group 7767 delivers the dropped outbound SYN" ||
	notok "NFLOG group 7767 delivers the dropped outbound SYN"

out=$(np "$CORDON" enforce "${E[@]}" --threat-list "$TMP/threat.txt" --trusted-list "$TMP/trusted.txt" 2>/dev/null)
[[ $out == *"unchanged: +0 -0 elements in 0 messages"* ]] &&
	ok "same lists again: nothing sent" || notok "same lists again: $out"
echo 192.0.2.3 >>"$TMP/threat.txt"
out=$(np "$CORDON" enforce "${E[@]}" --threat-list "$TMP/threat.txt" --trusted-list "$TMP/trusted.txt" 2>/dev/null)
[[ $out == *"sent: +1 -0 elements in 3 messages"* ]] &&
	ok "one changed entry: a one-element delta, plus the content-hash rule ($out)" || notok "one changed entry: $out"
refute "the new entry C is blocked" ping4 p 192.0.2.3
sed -i '/^192.0.2.3$/d' "$TMP/threat.txt"
out=$(np "$CORDON" enforce "${E[@]}" --threat-list "$TMP/threat.txt" --trusted-list "$TMP/trusted.txt" 2>/dev/null)
[[ $out == *"sent: +0 -1 elements in 3 messages"* ]] &&
	ok "entry removed: a one-element delta" || notok "entry removed: $out"
check "C passes again" ping4 p 192.0.2.3

check "the other firewall's table is untouched" np nft list chain inet filter input
check "unload" np "$CORDON" unload --state-dir "$ST"
refute "table inet cordon is gone" np nft list table inet cordon
check "after unload P reaches L" ping4 p 192.0.2.66
check "the other firewall's table survives unload" np nft list chain inet filter input
check "unload again (absent) is fine" np "$CORDON" unload --state-dir "$ST"

finish
