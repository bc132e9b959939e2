#!/bin/bash
# tests/netns/enforcer_fulldisk.sh: a full disk does not stop a lockdown
# (issue 11 item 3).
#
#   P (one namespace, no links). The state directory is a 1 MiB tmpfs,
#   mounted in a mount namespace of this test's own (unshare -m), and
#   filled to the last page. Then:
#     1. `cordon lockdown` with the reserve that `cordon enforce` made
#        beforehand: the kernel is locked and the state file recorded
#        through the reserve (docs/internals/enforcer.md);
#     2. `cordon lockdown` with the reserve used up: the kernel is locked
#        all the same, the command says the record is owed (exit 1);
#        `cordon enforce` keeps that lockdown; once there is room again,
#        `cordon lockdown` records it.
set -u
cd "$(dirname "$0")/../.."
if [[ -z ${CORDON_MNTNS:-} ]]; then
	CORDON_MNTNS=1 exec unshare --mount --propagation private "$0" "$@"
fi
. tests/netns/enforcer_lib.bash
HOSTS=(p)
ST=$TMP/state
trap 'umount "$ST" 2>/dev/null; cleanup' EXIT
ip netns add "$PFX-p"
E=(--state-dir "$ST" --no-resolv-conf --agent-user 4242)
echo 203.0.113.7 >"$TMP/threat.txt"
locked() { np nft list chain inet cordon gate_in 2>/dev/null | grep -q 'jump lock_in'; }
fill() { dd if=/dev/zero of="$ST/filler.$1" bs=4k >/dev/null 2>&1; [[ $(df --output=avail "$ST" | tail -1) -eq 0 ]]; }

mkdir -m 0700 "$ST"
mount -t tmpfs -o size=1m,mode=0700 cordontest "$ST"
check "enforce makes the table and the state file's reserve" \
	np "$CORDON" enforce "${E[@]}" --threat-list "$TMP/threat.txt" --quiet
check "reserve present" test -s "$ST/lockdown.reserve"
check "state dir filled to the last page" fill 1

# 1. Full disk, reserve in hand.
out=$(np "$CORDON" lockdown "${E[@]}" --reason "full disk 1" --local-only 2>&1)
rc=$?
echo "# $out"
check "full disk, reserve: lockdown exits 0 (exit $rc)" test $rc -eq 0
check "full disk, reserve: the kernel is locked down" locked
check "full disk, reserve: the state file is recorded" grep -q '^reason=full disk 1$' "$ST/lockdown"
check "full disk, reserve: the reserve went into it" test ! -e "$ST/lockdown.reserve"
out=$(np "$CORDON" enforce "${E[@]}" --threat-list "$TMP/threat.txt" --quiet 2>&1)
rc=$?
echo "# $out"
[[ $rc -eq 0 && $out == *"lockdown.reserve"* ]] &&
	ok "full disk: enforce still works, says the reserve cannot be made" ||
	notok "full disk: enforce without room for a reserve (exit $rc)"
check "full disk: enforce keeps the lockdown" locked
check "release on a full disk" np "$CORDON" release "${E[@]}" --local-only
refute "released" locked
check "the disk is still full" fill 2

# 2. Full disk, no reserve left: the kernel first, the record owed.
out=$(np "$CORDON" lockdown "${E[@]}" --reason "full disk 2" --local-only 2>&1)
rc=$?
echo "# $out"
check "full disk, no reserve: the kernel is locked down all the same" locked
[[ $rc -eq 1 && $out == *"in force in the kernel but not recorded"*"No space left on device"* ]] &&
	ok "full disk, no reserve: exit 1, the record owed, saying why" ||
	notok "full disk, no reserve: exit $rc"
check "full disk, no reserve: no state file" test ! -e "$ST/lockdown"
out=$(np "$CORDON" enforce "${E[@]}" --threat-list "$TMP/threat.txt" --quiet 2>&1)
rc=$?
echo "# $out"
[[ $rc -eq 0 && $out == *"does not record; kept"* ]] &&
	ok "enforce keeps a lockdown the state file does not record, saying so" ||
	notok "enforce with an unrecorded lockdown (exit $rc)"
check "the lockdown holds after enforce" locked
rm -f "$ST"/filler.*
out=$(np "$CORDON" lockdown "${E[@]}" --reason "full disk 2" --local-only 2>&1)
rc=$?
echo "# $out"
check "room again: lockdown records the state file (exit $rc)" \
	grep -q '^reason=full disk 2$' "$ST/lockdown"
check "room again: a new reserve" test -s "$ST/lockdown.reserve"

# 3. Someone flushes the ruleset while the disk is full (nftables.service
# reloads with `flush ruleset`; the agent's table check then does what
# `cordon enforce` does): the table comes back whole, with the lockdown
# the state file records, though nothing can be written.
check "full again" fill 3
np nft flush ruleset
refute "flushed: no table" np nft list table inet cordon
out=$(np "$CORDON" enforce "${E[@]}" --threat-list "$TMP/threat.txt" --quiet 2>&1)
rc=$?
echo "# $out"
check "flushed, full disk: enforce exits 0 (exit $rc)" test $rc -eq 0
check "flushed, full disk: the table is back" np nft list table inet cordon
check "flushed, full disk: the listed address is in its set" \
	bash -c "ip netns exec $PFX-p nft list set inet cordon threat4 | grep -q 203.0.113.7"
check "flushed, full disk: the recorded lockdown is back" locked
check "flushed, full disk: the state file is intact" grep -q '^reason=full disk 2$' "$ST/lockdown"
np "$CORDON" enforce "${E[@]}" --threat-list "$TMP/threat.txt" --quiet >/dev/null 2>&1
rc=$?
check "flushed, full disk: enforce again works (exit $rc)" test $rc -eq 0
check "flushed, full disk: still locked down" locked
rm -f "$ST"/filler.*
check "release" np "$CORDON" release "${E[@]}" --local-only
refute "released" locked
np "$CORDON" unload --state-dir "$ST"
finish
