#!/bin/bash
# tests/netns/enforcer_atomic.sh: kill -9 during a 1M-element load leaves
# the old ruleset or the new one, never half of it.
#
#   P (one namespace, no links): cordon loads OLD (1000 hosts + 100
#   prefixes), then NEW (1M hosts + 1000 prefixes) in the background and
#   is killed with SIGKILL at a random moment. nft then checks sampled
#   elements of both lists: all of OLD and none of NEW, or the reverse.
#   (Sampling, not a full listing: the kernel walks a hash set from its
#   start for every dump message, so `nft list` of 1M elements takes
#   minutes, and `nft get element` loads the whole set first; the samples
#   are point lookups over netlink, enforcer_nlget.py.) These addresses
#   are set elements only; no packet is sent anywhere.
set -u
cd "$(dirname "$0")/../.."
. tests/netns/enforcer_lib.bash
HOSTS=(p)
trap cleanup EXIT
ip netns add "$PFX-p"
ST=$TMP/state
E=(--state-dir "$ST" --no-resolv-conf --agent-user 4242 --quiet)

"$PYTHON" tests/bench/gen_enforcer_lists.py "$TMP/old" --hosts4 1000 --nets4 100 --hosts6 100 --nets6 10 --seed 7
"$PYTHON" tests/bench/gen_enforcer_lists.py "$TMP/new" --hosts4 1000000 --nets4 1000 --hosts6 1000 --nets6 10 --seed 8

# Samples: hosts that no prefix of their own list covers (those are not
# in the hash set), spread over the whole file.
samples() { # DIR: 20 hosts of DIR/hosts4.txt
	"$PYTHON" - "$1" <<'PY'
import ipaddress, sys
d = sys.argv[1]
nets = [ipaddress.ip_network(l.strip()) for l in open(d + "/nets4.txt") if l.strip()]
hosts = [l.strip() for l in open(d + "/hosts4.txt") if l.strip()]
step = max(1, len(hosts) // 40)
out = []
for h in hosts[::step]:
    a = ipaddress.ip_address(h)
    if not any(a in n for n in nets):
        out.append(h)
    if len(out) == 20:
        break
print(" ".join(out))
PY
}
OLD_S=$(samples "$TMP/old") NEW_S=$(samples "$TMP/new")
present() { # count of sampled hosts present in threat4
	np "$PYTHON" tests/netns/enforcer_nlget.py cordon threat4 $1 2>/dev/null || echo error
}
load_old() {
	np "$CORDON" unload --state-dir "$ST"
	np "$CORDON" enforce "${E[@]}" --threat-list "$TMP/old/hosts4.txt" --threat-list "$TMP/old/nets4.txt"
}
NEWARGS=(--threat-list "$TMP/new/hosts4.txt" --threat-list "$TMP/new/nets4.txt")

load_old && ok "old list loaded" || notok "old list loaded"
[[ $(present "$OLD_S") == 20 && $(present "$NEW_S") == 0 ]] &&
	ok "old list: samples of old present, of new absent" || notok "old list samples"
t0=$(date +%s%N)
np "$CORDON" enforce "${E[@]}" "${NEWARGS[@]}" && ok "new list loaded" || notok "new list loaded"
full_ms=$((($(date +%s%N) - t0) / 1000000))
echo "# full load of the new list: $full_ms ms"
[[ $(present "$OLD_S") == 0 && $(present "$NEW_S") == 20 ]] &&
	ok "new list: samples of new present, of old absent" || notok "new list samples"

outcome=()
for round in 1 2 3; do
	load_old
	# Round 1 anywhere; later rounds in the second half, where the
	# transaction is in the kernel rather than lists being parsed.
	half=$((full_ms / 2 > 0 ? full_ms / 2 : 1))
	if [[ $round == 1 ]]; then
		delay=$((RANDOM % (2 * half)))
	else
		delay=$((half + RANDOM % half))
	fi
	# Not through a shell function: $! must be cordon itself (ip netns
	# exec execs it), or the kill hits a subshell and cordon lives on.
	ip netns exec "$PFX-p" "$CORDON" enforce "${E[@]}" "${NEWARGS[@]}" &
	pid=$!
	sleep "$(printf '0.%03d' $((delay % 1000)))"
	[[ $delay -ge 1000 ]] && sleep $((delay / 1000))
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	rc=$?
	o=$(present "$OLD_S") n=$(present "$NEW_S")
	if [[ $o == 20 && $n == 0 ]]; then
		state=old
	elif [[ $o == 0 && $n == 20 ]]; then
		state=new
	else
		state="MIXED(old $o/20, new $n/20)"
	fi
	outcome+=("$state")
	[[ $state == old || $state == new ]] &&
		ok "kill -9 after $delay ms (exit $rc): the $state ruleset, whole" ||
		notok "kill -9 after $delay ms: $state"
	check "the table still answers nft after the kill" np nft list chain inet cordon input
done
echo "# outcomes: ${outcome[*]}"
np "$CORDON" unload --state-dir "$ST"
finish
