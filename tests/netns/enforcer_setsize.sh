#!/bin/bash
# tests/netns/enforcer_setsize.sh: host sets are declared with a size (the
# kernel's fixed-size hash) and created again, bigger or smaller, when a
# list outgrows it (issue 13 target 4).
#
#   P (one namespace, no links). cordon loads 1000 IPv6 threat hosts,
#   then 5000 (past the first size: the set is deleted and created again
#   in the same transaction), one address more, 100 (far below: smaller
#   again), and finally into a table whose sets an older cordon made
#   without a size. After each step `nft list set` must show the size and
#   exactly the list, the rules must still use the set, and the same
#   lists again must send nothing (the applied record agrees with the
#   kernel). The growth runs on threat6 because only it has room for
#   thousands of documentation addresses (2001:db8::/32); threat4 gets
#   the 768 of IPv4's three documentation /24s. Set elements only: no
#   packet is sent anywhere.
# Environment: CORDON, PYTHON.
set -u
cd "$(dirname "$0")/../.."
. tests/netns/enforcer_lib.bash
HOSTS=(p)
trap cleanup EXIT
ip netns add "$PFX-p"
ST=$TMP/state
E=(--state-dir "$ST" --no-resolv-conf --agent-user 4242)

# v6 N FILE: N addresses 2001:db8:5::1, ...; v4 FILE: all 768 of IPv4's
# documentation /24s
v6() { "$PYTHON" -c 'import sys; print("\n".join("2001:db8:5::%x" % (i + 1) for i in range(int(sys.argv[1]))))' "$1" >"$2"; }
v4() { "$PYTHON" -c 'print("\n".join(n + str(i) for n in ("192.0.2.", "198.51.100.", "203.0.113.") for i in range(256)))' >"$1"; }
# size_count SET: "SIZE COUNT" as nft lists them
size_count() {
	np nft -j list set inet cordon "$1" | "$PYTHON" -c '
import json, sys
s = [x["set"] for x in json.load(sys.stdin)["nftables"] if "set" in x][0]
print(s.get("size", 0), len(s.get("elem", [])))'
}
# enforce ARGS...: its summary line
enforce() { np "$CORDON" enforce "${E[@]}" "$@" 2>&1 | tail -n 1; }
# check_size DESC SET "SIZE COUNT": nft lists SET with that size and that
# many elements (what it lists goes into DESC)
check_size() { local sc; sc=$(size_count "$2"); check "$1: $sc" test "$sc" = "$3"; }
# check_sent DESC REGEX ARGS...: enforce ARGS; its summary line ($out,
# which goes into DESC) matches REGEX
check_sent() { local d=$1 re=$2; shift 2; out=$(enforce "$@"); check "$d: $out" grep -q "$re" <<<"$out"; }
# a second run with the same lists
SAME='sent: +0 -0 elements in 0 messages\|unchanged'
v6 1000 "$TMP/a.txt"
v6 5000 "$TMP/b.txt"
v6 100 "$TMP/d.txt"
v4 "$TMP/v4.txt"
cp "$TMP/b.txt" "$TMP/c.txt"
echo 2001:db8:6::1 >>"$TMP/c.txt"

check_sent "first load" 'sent: +1770 -0 ' --threat-list "$TMP/a.txt" --threat-list "$TMP/v4.txt"
check_size "threat6 declared 3072 with 1000 elements" threat6 "3072 1000"
check_size "threat4 declared 3072 with 768 elements" threat4 "3072 768"
check_size "trusted6 (empty) declared at the floor" trusted6 "3072 0"

# Past the size: created again at 12288 (5000 + half >= 6144), whole.
check_sent "grow to 5000 sends the whole set" 'sent: +5000 -0 ' --threat-list "$TMP/b.txt" --threat-list "$TMP/v4.txt"
check_size "threat6 created again at 12288 with 5000 elements" threat6 "12288 5000"
check_size "threat4 untouched" threat4 "3072 768"
rules=$(np nft list chain inet cordon chk_out)
check "chk_out still matches @threat6 and @threat4" \
	bash -c '[[ $1 == *"ip6 daddr @threat6 counter"* && $1 == *"ip daddr @threat4 counter"* ]]' _ "$rules"
check_sent "same lists again send nothing" "$SAME" --threat-list "$TMP/b.txt" --threat-list "$TMP/v4.txt"

# One address more: a plain delta, the size stays.
check_sent "one address more sends one" 'sent: +1 -0 ' --threat-list "$TMP/c.txt" --threat-list "$TMP/v4.txt"
check_size "threat6 keeps 12288 with 5001" threat6 "12288 5001"

# Far below (100 * 16 < 12288): smaller again.
check_sent "shrink to 100" 'sent: +100 -0 ' --threat-list "$TMP/d.txt" --threat-list "$TMP/v4.txt"
check_size "threat6 created again at 3072 with 100" threat6 "3072 100"
check_sent "same lists again send nothing" "$SAME" --threat-list "$TMP/d.txt" --threat-list "$TMP/v4.txt"

# Filled to its size by hand (the content hash still names the file):
# one address more is "set full" on the file's delta; cordon must not
# stay stuck there but dump, drop the strangers and add it.
"$PYTHON" -c 'print("add element inet cordon threat6 { %s }" % ", ".join("2001:db8:9::%x" % (i + 1) for i in range(2972)))' >"$TMP/fill.nft"
np nft -f "$TMP/fill.nft"
check_size "threat6 filled by hand to 3072" threat6 "3072 3072"
cp "$TMP/d.txt" "$TMP/d1.txt"
echo 2001:db8:6::1 >>"$TMP/d1.txt"
check_sent "one address more into a full set succeeds" 'enforce: threat' --threat-list "$TMP/d1.txt" --threat-list "$TMP/v4.txt"
check_size "threat6 holds exactly the list, 101" threat6 "3072 101"
# A prefix added by hand that overlaps one the lists add: the same.
np nft add element inet cordon threat6n '{ 2001:db8:a::/48 }'
echo 2001:db8:a:1::/64 >>"$TMP/d1.txt"
check_sent "a prefix overlapping one added by hand goes in" 'enforce: threat' --threat-list "$TMP/d1.txt" --threat-list "$TMP/v4.txt"
check "threat6n holds exactly the list's prefix" \
	bash -c '[[ $(ip netns exec '"$PFX"'-p nft list set inet cordon threat6n) == *"2001:db8:a:1::/64 }"* ]]'

# An older cordon's table: unsized sets with elements; no applied record.
np nft delete table inet cordon
rm -f "$ST/applied.bin"
np nft -f - <<'EOF'
table inet cordon {
	set threat6 { type ipv6_addr; elements = { 2001:db8:7::1, 2001:db8:5::1 } }
	set threat4 { type ipv4_addr; elements = { 192.0.2.1 } }
}
EOF
check_size "the old table's threat6 has no size" threat6 "0 2"
check_sent "upgrade" 'enforce: threat' --threat-list "$TMP/a.txt" --threat-list "$TMP/v4.txt"
check_size "upgraded threat6 declared 3072 with exactly the list" threat6 "3072 1000"
check_size "upgraded threat4 declared 3072 with exactly the list" threat4 "3072 768"
refute "the old element 2001:db8:7::1 is gone" \
	bash -c "ip netns exec $PFX-p nft list set inet cordon threat6 | grep -q '2001:db8:7::1\b'"
check_sent "same lists again send nothing" "$SAME" --threat-list "$TMP/a.txt" --threat-list "$TMP/v4.txt"

echo "1..$TESTNUM"
[[ $FAILED -eq 0 ]]
