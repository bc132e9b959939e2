#!/bin/bash
# tests/netns/enforcer_applied.sh: a change reads only the shards of
# applied.bin that differ from the lists, and a damaged shard or table is
# never believed: cordon dumps the sets and the kernel ends up holding
# exactly the lists (issue 13 target 4; docs/internals/enforcer.md).
#
#   P (one namespace, no links). 300 threat hosts (100 in each of IPv4's
#   documentation /24s: shards 192, 198 and 203 of threat4). A byte of
#   the base inside shard 198 is flipped, then:
#     - one address more in shard 192: the damaged shard is not read, the
#       change is a delta record appended to the file (no dump);
#     - one address more in shard 198: the damaged shard is read, fails
#       its hash, cordon dumps and writes a new base;
#     - a flipped byte in the shard table: the next change dumps too.
#   After each step the set holds exactly the lists and the same lists
#   again send nothing. Set elements only: no packet is sent anywhere.
# Environment: CORDON, PYTHON.
set -u
cd "$(dirname "$0")/../.."
. tests/netns/enforcer_lib.bash
HOSTS=(p)
trap cleanup EXIT
ip netns add "$PFX-p"
ST=$TMP/state
E=(--state-dir "$ST" --no-resolv-conf --agent-user 4242)
# threat4's records in a version 3 base: file header 16, record header
# 40, the shard table (14 sets x 256 x 8 bytes), the set's count 8.
REC0=$((16 + 40 + 14 * 256 * 8 + 8))

"$PYTHON" -c 'print("\n".join(n + str(i) for n in ("192.0.2.", "198.51.100.", "203.0.113.") for i in range(100)))' >"$TMP/l0.txt"
{ cat "$TMP/l0.txt"; echo 192.0.2.200; } >"$TMP/l1.txt"
{ cat "$TMP/l1.txt"; echo 198.51.100.200; } >"$TMP/l2.txt"
{ cat "$TMP/l2.txt"; echo 203.0.113.200; } >"$TMP/l3.txt"

enforce() { np "$CORDON" enforce "${E[@]}" --threat-list "$1" 2>&1 | tail -n 1; }
fsize() { stat -c %s "$ST/applied.bin"; }
# flip OFFSET: xor one byte of applied.bin with 0x01
flip() { "$PYTHON" -c '
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(int(sys.argv[2])); b = f.read(1); f.seek(int(sys.argv[2])); f.write(bytes([b[0] ^ 1]))
' "$ST/applied.bin" "$1"; }
# exactly LIST: the set threat4 holds the addresses of LIST, no other
exactly() {
	np nft -j list set inet cordon threat4 | "$PYTHON" -c '
import json, sys
s = [x["set"] for x in json.load(sys.stdin)["nftables"] if "set" in x][0]
have = sorted(e if isinstance(e, str) else e["elem"]["val"] for e in s.get("elem", []))
want = sorted(l.strip() for l in open(sys.argv[1]) if l.strip())
sys.exit(0 if have == want else 1)' "$1"
}
same_again() { # LIST: nothing sent
	local out
	out=$(enforce "$1")
	check "same lists again send nothing: $out" grep -q 'unchanged: +0 -0 elements in 0 messages' <<<"$out"
}

out=$(enforce "$TMP/l0.txt")
check "load 300 hosts: $out" grep -q 'sent: +30[0-9] -0' <<<"$out"
check "threat4 holds exactly the list" exactly "$TMP/l0.txt"
s0=$(fsize)
check "applied.bin is a version 3 base ($s0 bytes)" \
	test "$(od -An -tu4 -j4 -N4 "$ST/applied.bin" | tr -d ' ')" = 3

# Record 150 is 198.51.100.50 (sorted: 192.0.2.0-99, 198.51.100.0-99, ...).
flip $((REC0 + 150 * 4 + 3))
out=$(enforce "$TMP/l1.txt")
check "one address in another shard: $out" grep -q 'sent: +1 -0 ' <<<"$out"
s1=$(fsize)
check "appended as a delta, no dump ($s0 -> $s1 bytes)" test "$s1" -gt "$s0"
check "threat4 holds exactly the list" exactly "$TMP/l1.txt"

out=$(enforce "$TMP/l2.txt")
check "one address in the damaged shard: $out" grep -q 'sent: +1 -0 ' <<<"$out"
s2=$(fsize)
check "the damaged file was not believed: dump, new base ($s1 -> $s2 bytes)" \
	test "$s2" -lt "$s1"
check "threat4 holds exactly the list" exactly "$TMP/l2.txt"
same_again "$TMP/l2.txt"

# The table entry of threat4's shard 203.
flip $((16 + 40 + 203 * 8))
out=$(enforce "$TMP/l3.txt")
check "a damaged table: $out" grep -q 'sent: +1 -0 ' <<<"$out"
s3=$(fsize)
check "dump, new base ($s2 -> $s3 bytes, one record more than before)" \
	test "$s3" -eq $((s2 + 4))
check "threat4 holds exactly the list" exactly "$TMP/l3.txt"
same_again "$TMP/l3.txt"

echo "1..$TESTNUM"
[[ $FAILED -eq 0 ]]
