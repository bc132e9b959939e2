#!/bin/bash
# tests/netns/enforcer_symlink.sh: root commands never follow a link that
# the agent's user planted in the state directory (issue 11 item 12).
#
#   P (one namespace, no links). $ST belongs to uid 4242, the agent's
#   user, who can put anything there. At every name that `cordon
#   enforce`, `lockdown` and `release` (run by root) write or read, a
#   symlink to a canary outside it:
#
#     $ST/lockdown, lock, applied.bin, lockdown.reserve  -> $TMP/canary
#     $ST/lockdown.tmp, applied.bin.tmp  (the old temp names)
#     $ST/.lockdown.tmp.1, .applied.bin.tmp.1, .lockdown.reserve.tmp.1
#         (today's temp names: cordon runs as pid 1 of its own pid
#          namespace here, so they are known in advance)
#     $ST/lists -> $TMP/canary.d
#
#   The canary must keep its bytes, owner and mode, the canary directory
#   must stay empty, and each command must still do its job (or refuse
#   with a clear line where a link sits on the lock itself). A FIFO in
#   place of the state file must not hang a command.
set -u
cd "$(dirname "$0")/../.."
. tests/netns/enforcer_lib.bash
HOSTS=(p)
trap cleanup EXIT
ip netns add "$PFX-p"
AGENT=4242
ST=$TMP/state
CAN=$TMP/canary
E=(--state-dir "$ST" --no-resolv-conf --agent-user "$AGENT")
echo 203.0.113.7 >"$TMP/threat.txt"
# cordon as pid 1 of a fresh pid namespace: its temp names end in ".1".
c1() { np unshare --pid --fork "$CORDON" "$@"; }

printf 'canary: root'"'"'s file, must not change\n' >"$CAN"
chmod 0644 "$CAN"
mkdir -m 0755 "$TMP/canary.d"
canary_same() {
	[[ $(cat "$CAN") == "canary: root's file, must not change" &&
		$(stat -c '%u:%g %a %h' "$CAN") == "0:0 644 1" &&
		-z $(ls -A "$TMP/canary.d") ]]
}
plant() { # NAME...: symlinks to the canary, made by the agent's user
	local n
	for n in "$@"; do
		rm -rf "${ST:?}/$n"
		setpriv --reuid $AGENT --regid $AGENT --clear-groups ln -s "$CAN" "$ST/$n"
	done
}
regular() { [[ -f $ST/$1 && ! -L $ST/$1 ]]; }
locked() { np nft list chain inet cordon gate_in 2>/dev/null | grep -q 'jump lock_in'; }

mkdir -m 0700 "$ST"
chown $AGENT:$AGENT "$ST"
chmod 0711 "$TMP" # the agent's user reaches $ST (and the canary, to link it)

# 1. Links at every temp and auxiliary name: every command works.
plant lockdown.tmp applied.bin.tmp .lockdown.tmp.1 .applied.bin.tmp.1 \
	.lockdown.reserve.tmp.1 applied.bin lockdown.reserve
setpriv --reuid $AGENT --regid $AGENT --clear-groups ln -s "$TMP/canary.d" "$ST/lists"
check "enforce with links planted" c1 enforce "${E[@]}" --threat-list "$TMP/threat.txt" --quiet
check "enforce: canary untouched" canary_same
check "enforce: applied.bin written as a file of its own" regular applied.bin
check "enforce: lockdown.reserve made as a file of its own" regular lockdown.reserve
check "enforce: the planted temp links are gone, not followed" \
	eval '[[ ! -e $ST/.applied.bin.tmp.1 && ! -L $ST/.applied.bin.tmp.1 ]]'
out=$(c1 lockdown "${E[@]}" --reason "test: links" --local-only 2>&1)
rc=$?
echo "# $out"
[[ $rc -eq 0 ]] && ok "lockdown with links planted" || notok "lockdown with links planted (exit $rc)"
check "lockdown: in the kernel" locked
check "lockdown: canary untouched" canary_same
check "lockdown: state file written as a file of its own" \
	eval 'regular lockdown && grep -q "^reason=test: links$" "$ST/lockdown"'
check "lockdown: the planted temp link is gone" \
	eval '[[ ! -e $ST/.lockdown.tmp.1 && ! -L $ST/.lockdown.tmp.1 ]]'
plant lockdown.tmp .lockdown.tmp.1
check "release with links planted" c1 release "${E[@]}" --local-only
refute "release: out of the kernel" locked
check "release: canary untouched" canary_same
check "lists/ link: nothing written through it" eval '[[ -z $(ls -A "$TMP/canary.d") ]]'

# 2. Links on the lock and on the state file itself.
plant lock lockdown
out=$(c1 enforce "${E[@]}" --threat-list "$TMP/threat.txt" --quiet 2>&1)
rc=$?
echo "# $out"
[[ $rc -eq 1 && $out == *"/lock: a symlink, refused"* ]] &&
	ok "enforce refuses a linked lock file, saying so" || notok "enforce with a linked lock (exit $rc)"
check "enforce: canary untouched" canary_same
out=$(c1 lockdown "${E[@]}" --reason "test: lock link" --local-only 2>&1)
rc=$?
echo "# $out"
[[ $rc -eq 0 && $out == *"going on without the lock"* ]] &&
	ok "lockdown goes on past a linked lock file" || notok "lockdown with a linked lock (exit $rc)"
check "lockdown: in the kernel" locked
check "lockdown: the linked state file replaced by a file of its own" \
	eval 'regular lockdown && grep -q "^reason=test: lock link$" "$ST/lockdown"'
check "lockdown: canary untouched" canary_same
rm -f "$ST/lock"
check "release" c1 release "${E[@]}" --local-only
refute "release: out of the kernel" locked

# 3. A FIFO in place of the state file: refused at once, no hang.
setpriv --reuid $AGENT --regid $AGENT --clear-groups mkfifo "$ST/lockdown"
out=$(timeout 20 "$CORDON" status --state-dir "$ST" 2>&1)
rc=$?
echo "# $out"
[[ $rc -ne 124 && $out == *"not a regular file"* ]] &&
	ok "status: a FIFO as the state file is refused, not waited on" || notok "status with a FIFO (exit $rc)"
out=$(timeout 20 ip netns exec "$PFX-p" "$CORDON" enforce "${E[@]}" --threat-list "$TMP/threat.txt" --quiet 2>&1)
rc=$?
echo "# $out"
[[ $rc -eq 1 && $out == *"not a regular file"* ]] &&
	ok "enforce: a FIFO as the state file is refused, not waited on" || notok "enforce with a FIFO (exit $rc)"
check "canary untouched at the end" canary_same
np "$CORDON" unload --state-dir "$ST"
finish
