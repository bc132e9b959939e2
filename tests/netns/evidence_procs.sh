#!/bin/bash
# tests/netns/evidence_procs.sh: the evidence names the process behind
# every socket at lockdown, whoever owns it (issue 11, item 17). Topology
# of enforcer_lib.bash; `cordon run` in isolate mode in P, twice: as root
# with `user = 65534`, and as the systemd unit starts it (uid 65534 with
# ambient capabilities, a procfs of its own with hidepid=invisible and
# subset=pid). Either way the parent keeps CAP_NET_ADMIN only and the
# procs helper CAP_SYS_PTRACE only:
#
#   P 192.0.2.1 ---- bridge ---- L 192.0.2.66 (listed)
#   |  cordon run (uid 65534)
#   |  U: uid 4242, UDP socket connected to 192.0.2.66:5353, and a TCP
#   |     connection to [2001:db8::66]:8080
#   '  R: root, not dumpable, a TCP connection to 192.0.2.66:8080; once
#         the agent runs it sends on it (the trigger)
#
# Checks: the helper's and the parent's privileges (uids, capability sets,
# no_new_privs, seccomp), the lockdown, and sockets.json: every socket to
# the listed host names its holder (pid, uid, comm, exe, cmdline), taken
# by the helper.
set -u
cd "$(dirname "$0")/../.."
. tests/netns/enforcer_lib.bash
trap cleanup EXIT

setup_net
chmod 755 "$TMP"
printf '192.0.2.66\n2001:db8::66\n' >"$TMP/threat.txt"
agent_conf isolate "[lockdown]" "allow = 192.0.2.4:22"
# The holders: python as the other user too, so not pyenv's shim under /root.
HPY=/usr/bin/python3
cat >"$TMP/hold.py" <<'EOF'
import ctypes, os, socket, sys, time
kind, out = sys.argv[1], sys.argv[2]
if kind == "user":
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.connect(("192.0.2.66", 5353))  # no packet: only the socket
    t = socket.create_connection(("2001:db8::66", 8080), timeout=3)
else:
    ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE 0
    t = socket.create_connection(("192.0.2.66", 8080), timeout=3)
with open(out + ".tmp", "w") as f:
    f.write("%d\n" % os.getpid())
os.rename(out + ".tmp", out)
while not os.path.exists(out + ".go"):
    time.sleep(0.05)
if kind == "root":
    try:
        t.send(b"trigger")  # to the listed host: the incident
    except OSError:
        pass
time.sleep(60)
EOF
# L accepts and holds every connection (v4 and v6).
cat >"$TMP/hold_srv.py" <<'EOF'
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("::", 8080))
s.listen(8)
held = []
while True:
    held.append(s.accept()[0])
EOF
chmod 644 "$TMP/threat.txt" "$TMP/cordon.conf" "$TMP/hold.py" "$TMP/hold_srv.py"
mkdir -m 1777 "$TMP/run" # the holders' pid files

wait_file() { # FILE
	for _ in $(seq 50); do
		[[ -s $1 ]] && return 0
		sleep 0.1
	done
	return 1
}
# status_field PID FIELD: the field of /proc/PID/status, tabs as spaces
status_field() { awk -v f="$2:" '$1 == f { $1 = ""; print substr($0, 2) }' "/proc/$1/status"; }

# check_owner DESC SOCKETS PROTO REMOTE RPORT PID UID KIND
check_owner() {
	local out
	if out=$("$PYTHON" - "${@:2}" "$(readlink -f "$HPY")" 2>&1 <<'PY'
import json, sys
path, proto, remote, rport, pid, uid, kind, exe = sys.argv[1:]
lines = [json.loads(l) for l in open(path)]
# held sockets (an earlier run's closed ones linger, with inode 0)
socks = [s for s in lines if s.get("proto") == proto and s.get("remote") == remote
         and s.get("rport") == int(rport) and s.get("inode")]
assert socks, "no %s socket to %s:%s" % (proto, remote, rport)
for s in socks:
    owners = [p for p in s["procs"] if p["pid"] == int(pid)]
    assert owners, "socket %s: procs %s, not pid %s" % (s["inode"], s["procs"], pid)
    p = owners[0]
    assert p["uid"] == int(uid), p
    assert p["comm"].startswith("python3"), p
    assert p["exe"] == exe, (p, exe)
    assert ("hold.py " + kind) in p["cmdline"], p
PY
	); then
		ok "$1"
	else
		notok "$1"; echo "$out" | sed 's/^/# /'
		grep -E "192.0.2.66|2001:db8::66|summary" "$2" 2>&1 | sed 's/^/# /'
	fi
}

# The holders connect before the agent runs (nothing is blocked yet).
bgns l "$PYTHON" "$TMP/hold_srv.py"
wait_listen l 8080

# one_run HOW: HOW=root: `cordon run` started as root, dropping to 65534;
# HOW=unit: as firmware/systemd/cordon.service starts it, the agent's
# user with the unit's ambient and bounding capabilities, no_new_privs,
# and a procfs of its own with hidepid=invisible and subset=pid
# (ProtectProc=invisible, ProcSubset=pid: no /proc/net there).
one_run() {
	local how=$1 st=$TMP/state-$1 log=$TMP/run.log upid rpid hpid spid ev caps
	local -a run
	mkdir -p "$st"
	[[ $how == unit ]] && chown 65534:65534 "$st"
	np setpriv --reuid=4242 --regid=4242 --clear-groups "$HPY" "$TMP/hold.py" user "$TMP/run/$how-user.pid" &
	PIDS+=($!)
	np "$HPY" "$TMP/hold.py" root "$TMP/run/$how-root.pid" &
	PIDS+=($!)
	if wait_file "$TMP/run/$how-user.pid" && wait_file "$TMP/run/$how-root.pid"; then
		upid=$(<"$TMP/run/$how-user.pid") rpid=$(<"$TMP/run/$how-root.pid")
		ok "$how: holders up: uid 4242 (pid $upid), root (pid $rpid)"
	else
		notok "$how: holders up"
	fi
	run=("$CORDON" run -c "$TMP/cordon.conf" --state-dir "$st" -v)
	if [[ $how == unit ]]; then
		caps=+net_admin,+net_raw,+setuid,+setgid,+sys_ptrace
		run=(unshare -m sh -c 'mount -t proc -o hidepid=invisible,subset=pid proc /proc && exec "$@"' sh
			setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps="$caps"
			--ambient-caps="$caps" --bounding-set=-all,"$caps" --no-new-privs "${run[@]}")
	fi
	: >"$log"
	ip netns exec "$PFX-p" "${run[@]}" >"$log" 2>&1 &
	DPID=$!
	PIDS+=($DPID)
	if wait_log "sensor matching against" 100; then
		ok "$how: daemon up in isolate mode"
	else
		notok "$how: daemon up"; sed 's/^/# /' "$log"
	fi

	hpid=$(grep -oE 'procs helper [0-9]+ running' "$log" | awk '{print $3}')
	if [[ -n $hpid ]] && grep -q "procs helper $hpid running (capabilities: sys_ptrace)" "$log"; then
		ok "$how: the procs helper runs with CAP_SYS_PTRACE"
	else
		notok "$how: procs helper running"; sed 's/^/# /' "$log"
	fi
	# CAP_SYS_PTRACE is bit 19, CAP_NET_ADMIN bit 12. Only root may empty
	# the bounding set (CAP_SETPCAP); as the unit's user it is the unit's.
	if [[ -n $hpid ]] && [[ $(status_field "$hpid" Uid) == "65534 65534 65534 65534" &&
		$(status_field "$hpid" CapEff) == 0000000000080000 &&
		$(status_field "$hpid" CapPrm) == 0000000000080000 &&
		$(status_field "$hpid" CapInh) == 0000000000000000 &&
		($how == unit || $(status_field "$hpid" CapBnd) == 0000000000000000) &&
		$(status_field "$hpid" CapAmb) == 0000000000000000 &&
		$(status_field "$hpid" NoNewPrivs) == 1 && $(status_field "$hpid" Seccomp) == 2 ]]; then
		ok "$how: helper: uid 65534, CAP_SYS_PTRACE and nothing else, no_new_privs, seccomp"
	else
		notok "$how: helper's privileges"
		grep -E '^(Uid|Cap|NoNewPrivs|Seccomp)' "/proc/$hpid/status" 2>&1 | sed 's/^/# /'
	fi
	spid=$(grep -oE 'sensor process [0-9]+ running' "$log" | tail -1 | awk '{print $3}')
	wpid=$(grep -oE 'spawner process [0-9]+ running' "$log" | tail -1 | awk '{print $3}')
	# parent: net_admin (bit 12); spawner: net_raw, setuid, setgid (13, 7, 6)
	if [[ $(status_field "$DPID" CapEff) == 0000000000001000 &&
		$(status_field "$DPID" CapPrm) == 0000000000001000 &&
		-n $spid && $(status_field "$spid" CapPrm) == 0000000000000000 &&
		-n $wpid && $(status_field "$wpid" CapPrm) == 00000000000020c0 ]]; then
		ok "$how: parent: CAP_NET_ADMIN; spawner: CAP_NET_RAW, CAP_SETUID/CAP_SETGID; sensor: none (none holds CAP_SYS_PTRACE)"
	else
		notok "$how: parent, spawner and sensor privileges"
		grep -E '^Cap(Eff|Prm)' "/proc/$DPID/status" "/proc/$spid/status" "/proc/$wpid/status" 2>&1 | sed 's/^/# /'
	fi

	touch "$TMP/run/$how-root.pid.go"
	if wait_log 'host locked down [0-9.]+ ms after the first packet' && wait_log 'evidence kept in' 50; then
		ok "$how: an outbound attempt locks the host down, evidence kept"
	else
		notok "$how: lockdown and evidence"; sed 's/^/# /' "$log"
	fi
	ev=$(grep -oE 'evidence kept in [^ ]+' "$log" | awk '{print $4}')/sockets.json
	check_owner "$how: sockets.json: the UDP socket of uid 4242 names its process" \
		"$ev" udp 192.0.2.66 5353 "${upid:-0}" 4242 user
	check_owner "$how: sockets.json: the TCP6 socket of uid 4242 names its process" \
		"$ev" tcp6 2001:db8::66 8080 "${upid:-0}" 4242 user
	check_owner "$how: sockets.json: root's TCP socket (not dumpable) names its process" \
		"$ev" tcp 192.0.2.66 8080 "${rpid:-0}" 0 root
	"$PYTHON" - "$ev" <<'PY' && ok "$how: sockets.json: the helper named the owners, nothing truncated" ||
import json, sys
s = [json.loads(l) for l in open(sys.argv[1])][-1]["summary"]
assert s["ownersBy"] == "helper" and not s["truncated"] and "ownersNote" not in s, s
assert s["procs"] > 3 and s["fds"] > 3, s
PY
		{ notok "$how: sockets.json summary"; tail -1 "$ev" | sed 's/^/# /'; }

	if [[ $how == root ]]; then
		kill -9 "$hpid" 2>/dev/null
		if wait_log "procs helper $hpid is gone"; then
			ok "$how: helper killed: the parent notices"
		else
			notok "$how: helper killed: noticed"; sed 's/^/# /' "$log"
		fi
		kill -TERM "$DPID"
		wait "$DPID"
	else
		kill -9 "$DPID"
		wait "$DPID" 2>/dev/null
		for _ in $(seq 50); do
			kill -0 "$hpid" 2>/dev/null || break
			sleep 0.1
		done
		refute "$how: parent killed (SIGKILL): the helper goes with it" kill -0 "$hpid"
	fi
	[[ $(np "$CORDON" release --state-dir "$st" 2>&1) == *closed* ]] && ok "$how: release" ||
		notok "$how: release"
	np "$CORDON" unload >/dev/null 2>&1
	kill "${upid:-}" "${rpid:-}" 2>/dev/null
}

one_run root
one_run unit
finish
