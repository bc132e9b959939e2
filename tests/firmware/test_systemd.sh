#!/bin/bash
# The systemd units in firmware/systemd: `systemd-analyze verify` passes,
# and what issue 6 asks of them is really there (capabilities, sandbox,
# notify + watchdog, lockdown restored before the network). TAP.
#
# verify insists that ExecStart's binary exists, so it runs on copies of
# the units whose /usr/sbin/cordon points at the built cordon ($CORDON)
# or, when there is none, at a stub: the unit files are what is checked.
# shellcheck source=tests/firmware/lib.sh
source "$(dirname "$0")/lib.sh"
UNITS=firmware/systemd

if ! command -v systemd-analyze >/dev/null; then
	echo "1..0 # SKIP systemd-analyze missing (Debian: apt-get install systemd)"
	exit 0
fi
bin=${CORDON:-}
if [[ -z $bin || ! -x $bin ]]; then
	bin=$FW_WORK/cordon
	printf '#!/bin/sh\nexit 0\n' >"$bin"
	chmod +x "$bin"
fi
mkdir -p "$FW_WORK/units"
for u in "$UNITS"/*.service; do
	sed "s#/usr/sbin/cordon#$bin#g" "$u" >"$FW_WORK/units/$(basename "$u")"
done

# Warnings (unknown keys, bad values) leave the exit status at 0: any line
# naming our units fails the test too.
verify() {
	local out=$FW_WORK/verify.out
	systemd-analyze verify --man=no "$@" >"$out" 2>&1
	local rc=$?
	if [[ $rc -ne 0 ]] || grep -qE 'cordon(-lockdown)?\.service' "$out"; then
		show "$out"
		return 1
	fi
}
for u in "$FW_WORK"/units/*.service; do
	check "systemd-analyze verify $(basename "$u")" verify "$u"
done

svc=$UNITS/cordon.service
lock=$UNITS/cordon-lockdown.service
key() { grep -qxF -- "$2" "$1" || { echo "# $1: no line '$2'" >&2; return 1; }; }
check "daemon: ExecStart=/usr/sbin/cordon run" key "$svc" "ExecStart=/usr/sbin/cordon run"
check "daemon: own user" key "$svc" "User=cordon"
check "daemon: Type=notify with a watchdog" bash -c "grep -qx 'Type=notify' $svc && grep -q '^WatchdogSec=[1-9]' $svc"
check "daemon: restarts on failure" key "$svc" "Restart=on-failure"
# CAP_SETUID/CAP_SETGID: the children's own users (the daemon pins them);
# CAP_SYS_PTRACE: the procs helper alone keeps it.
check "daemon: only CAP_NET_ADMIN, CAP_NET_RAW, CAP_SETUID, CAP_SETGID, CAP_SYS_PTRACE, ambient" bash -c \
	"grep -qx 'AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW CAP_SETUID CAP_SETGID CAP_SYS_PTRACE' $svc &&
	 grep -qx 'CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW CAP_SETUID CAP_SETGID CAP_SYS_PTRACE' $svc"
for k in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes StateDirectory=cordon \
	"RestrictAddressFamilies=AF_NETLINK AF_PACKET AF_INET AF_INET6 AF_UNIX" SystemCallFilter=@system-service; do
	check "daemon: $k" key "$svc" "$k"
done
check "daemon: ordered after the lockdown restore" bash -c \
	"grep -qx 'Wants=cordon-lockdown.service' $svc && grep -q '^After=.*cordon-lockdown.service' $svc"
check "restore: cordon lockdown --restore --local-only" key "$lock" "ExecStart=/usr/sbin/cordon lockdown --restore --local-only"
check "restore: early (DefaultDependencies=no), before the network is configured" bash -c \
	"grep -qx 'DefaultDependencies=no' $lock && grep -q '^Before=.*network-pre.target' $lock && grep -qx 'Wants=network-pre.target' $lock"
check "restore: after local disks, module loading and nftables.service (whose flush ruleset would undo it)" \
	key "$lock" "After=local-fs.target systemd-modules-load.service nftables.service"
check "restore: pulled in by sysinit.target at every boot" key "$lock" "WantedBy=sysinit.target"
check "sysusers: the cordon user is declared" grep -q '^u cordon ' "$UNITS/cordon.sysusers"
check "tmpfiles: /var/lib/cordon 0750 cordon:cordon, never cleaned" \
	grep -qE '^d /var/lib/cordon 0750 cordon cordon -$' "$UNITS/cordon.tmpfiles"
check "sysusers: the sensor and the AWS process have users of their own" bash -c \
	"grep -q '^u cordon-sensor ' $UNITS/cordon.sysusers && grep -q '^u cordon-aws ' $UNITS/cordon.sysusers"
# The defaults of [agent] sensor_user/aws_user are the users declared.
check "sysusers: the config's default users are the ones declared" bash -c \
	"grep -qx '#sensor_user = cordon-sensor' firmware/cordon.conf && grep -qx '#aws_user = cordon-aws' firmware/cordon.conf"

# systemd's own exposure score (lower is better; 10 is no sandbox at all).
if systemd-analyze security --help 2>/dev/null | grep -q -- --offline; then
	score=$(systemd-analyze security --offline=yes "$FW_WORK/units/cordon.service" 2>/dev/null |
		sed -n 's/.*Overall exposure level for cordon.service: \([0-9.]*\).*/\1/p')
	check "daemon: systemd-analyze security exposure ${score:-?} is at most 3.0" \
		awk -v s="${score:-99}" 'BEGIN { exit !(s <= 3.0) }'
else
	skip "systemd-analyze security --offline needs systemd 250+"
fi
finish
