#!/bin/bash
# tests/netns/lib.bash: what the netns tests and the capture benchmarks
# share (sourced, not run; not named *.sh so that tests/run.sh does not
# take it for a test): TAP lines, and two namespaces joined by a veth
# pair. enforcer_lib.bash and daemon_cloud_lib.bash source it.
# Only documentation addresses; every namespace is named with $$.

TESTNUM=0 FAILED=0
ok() { TESTNUM=$((TESTNUM + 1)); echo "ok $TESTNUM - $*"; }
notok() { TESTNUM=$((TESTNUM + 1)); FAILED=$((FAILED + 1)); echo "not ok $TESTNUM - $*"; }
# check "description" command...: ok when the command succeeds
check() { local d=$1; shift; if "$@" >/dev/null 2>&1; then ok "$d"; else notok "$d"; fi; }
# refute "description" command...: ok when the command fails
refute() { local d=$1; shift; if "$@" >/dev/null 2>&1; then notok "$d"; else ok "$d"; fi; }
# finish: the plan line; the script's status says whether every check passed
finish() {
	echo "1..$TESTNUM"
	[[ $FAILED -eq 0 ]]
}
# diag FILE...: the files as TAP comments
diag() { sed 's/^/# /' "$@"; }

# vpc_cleanup KEEP: the EXIT trap of the tests in the lab's VPC: its
# processes and namespaces gone (vpc_stop, firmware/lab/vpc.bash), and
# $WORK unless the variable named KEEP is set.
vpc_cleanup() {
	local keep=${!1:-}
	vpc_stop
	[[ -n $keep ]] && echo "# kept $WORK" || rm -rf "$WORK"
}

# pair_net: the namespaces $S (the sender: tx0 up) and $R (the receiver:
# lo up, rx0 192.0.2.10/24 up) joined by the veth pair tx0 -- rx0. The
# script names them with $$ and sets `trap pair_cleanup EXIT` first.
pair_net() {
	ip netns add "$S"
	ip netns add "$R"
	ip link add tx0 netns "$S" type veth peer name rx0 netns "$R"
	ip -n "$S" link set tx0 up
	ip -n "$R" link set lo up
	ip -n "$R" addr add 192.0.2.10/24 dev rx0
	ip -n "$R" link set rx0 up
}

# pair_cleanup: every process in $R and $S ended, both namespaces and
# $TMP removed.
pair_cleanup() {
	local p
	for p in $(ip netns pids "$R" 2>/dev/null) $(ip netns pids "$S" 2>/dev/null); do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	ip netns del "$S" 2>/dev/null
	ip netns del "$R" 2>/dev/null
	rm -rf "$TMP"
}
