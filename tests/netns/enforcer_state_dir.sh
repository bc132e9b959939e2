#!/bin/bash
# tests/netns/enforcer_state_dir.sh: every command finds the state
# directory the same way: --state-dir, else the config's [agent]
# state_dir, else /var/lib/cordon (issue 11 item 7: `cordon enforce -c
# FILE` lifted a lockdown recorded in the config's state_dir, `cordon
# status -c FILE` did not see it, `cordon sync` let the config override
# an explicit --state-dir /var/lib/cordon). Topology in enforcer_lib.bash;
# only P (runs cordon) and C (a clean peer) take part:
#
#   C 192.0.2.3 ---- br0 ---- P 192.0.2.1 (cordon, locked down, :8080)
#
# cordon runs in a private mount namespace with a tmpfs on /var/lib, so
# whatever it would write to the default /var/lib/cordon stays there and
# never reaches the host.
set -u
cd "$(dirname "$0")/../.."
. tests/netns/enforcer_lib.bash
trap cleanup EXIT

setup_net
ST=$TMP/st
CONF=$TMP/cordon.conf
echo 203.0.113.200 >"$TMP/threat.txt" # listed, never used
cat >"$CONF" <<EOF
[agent]
state_dir = $ST
user = 4242
[lists]
threat = $TMP/threat.txt
[lockdown]
allow = 192.0.2.4:22
EOF
# cordon CMD...: as root in P, /var/lib a private tmpfs.
pc() {
	np unshare -m sh -c 'mount -t tmpfs cordon-test /var/lib && exec "$@"' sh "$CORDON" "$@"
}
# pc_sh SCRIPT: the same mount namespace for several steps ($CORDON set).
pc_sh() {
	np unshare -m env CORDON="$CORDON" sh -c "mount -t tmpfs cordon-test /var/lib && $1"
}
locked() { np nft list chain inet cordon gate_in | grep -q 'jump lock_in'; }

tcp_server p :: 8080
wait_listen p 8080
check "enforce -c FILE" pc enforce -c "$CONF" --no-resolv-conf --threat-list "$TMP/threat.txt" --quiet
check "before the lockdown: C reaches P" tcp_ok c 192.0.2.1 8080
check "lockdown -c FILE" pc lockdown -c "$CONF" --no-resolv-conf --reason "test: state dir" --local-only
check "the lockdown is recorded in the config's state_dir" grep -q '^reason=test: state dir$' "$ST/lockdown"
refute "locked down: C is cut" tcp_ok c 192.0.2.1 8080

check "enforce -c FILE during the lockdown succeeds" pc enforce -c "$CONF" --no-resolv-conf --threat-list "$TMP/threat.txt" --quiet
check "enforce -c FILE keeps the lockdown (gate chain)" locked
refute "enforce -c FILE keeps the lockdown (C still cut)" tcp_ok c 192.0.2.1 8080

js=$(pc status -c "$CONF" --json 2>&1)
[[ $js == *'"mode":"lockdown"'* && $js == *'"recorded":true'* && $js == *'"reason":"test: state dir"'* ]] &&
	ok "status -c FILE reports the recorded lockdown" || notok "status -c FILE: $js"
txt=$(pc status -c "$CONF" 2>&1)
[[ $txt == *'lockdown: recorded since'* && $txt != *'NOT in force'* ]] &&
	ok "status -c FILE (text) reports the lockdown in force" || notok "status -c FILE (text): $txt"

out=$(pc sync -c "$CONF" --no-resolv-conf 2>&1)
rc=$?
[[ $rc -eq 0 ]] && ok "sync -c FILE (lists from the config)" || notok "sync -c FILE (exit $rc): $out"
check "sync -c FILE applied into the config's state_dir" test -s "$ST/applied.bin"
check "sync -c FILE keeps the lockdown" locked
refute "sync -c FILE keeps the lockdown (C still cut)" tcp_ok c 192.0.2.1 8080

# --state-dir wins over the config, even when it names the default
# directory (sync used to compare it with the default string).
out=$(pc_sh '"$CORDON" sync -c '"$CONF"' --no-resolv-conf --state-dir /var/lib/cordon >/dev/null 2>&1 || exit 3
	test -s /var/lib/cordon/applied.bin || exit 4' 2>&1)
rc=$?
[[ $rc -eq 0 ]] && ok "sync --state-dir /var/lib/cordon uses that directory" ||
	notok "sync --state-dir /var/lib/cordon uses that directory (step $rc: $out)"

# journal and release follow the same rule.
check "journal -c FILE reads the config's state_dir" pc journal -c "$CONF"
check "release -c FILE lifts the lockdown" pc release -c "$CONF" --no-resolv-conf --local-only
check "released: the state file is gone" test ! -e "$ST/lockdown"
check "released: C reaches P" tcp_ok c 192.0.2.1 8080

# A missing -c file is bad usage.
pc status -c "$TMP/nonexistent.conf" >/dev/null 2>&1
rc=$?
[[ $rc -eq 2 ]] && ok "status -c MISSING: exit 2" || notok "status -c MISSING: exit $rc"
pc unload -c "$CONF"
finish
