#!/bin/bash
# tests/firmware/test_userdata_bundle.sh: firmware/user-data.sh on an image
# without apt, as on Amazon Linux 2023: it must choose the self-contained
# bundle, check its SHA-256 before unpacking anything (and refuse a wrong
# one), install it, start the agent and tag the instance; the units then
# verify with systemd-analyze in that root. Then an upgrade to a newer
# bundle while a lockdown is in force: the lockdown stays in the kernel and
# on disk, the state directory is untouched. TAP.
#
# The root is an overlayfs copy of this machine (systemd's files, bash,
# coreutils) with dpkg and apt taken out, in this script's own mount and
# network namespace; the closest this machine gets to a non-Debian image.
# Stubs in its /usr/local/bin stand for what an EC2 host has around it:
#   curl -> IMDSv2 answers     aws -> s3 cp from a local "bucket", create-tags logged
#   systemctl -> the real one, offline, for enable (links); start and
#                restart run `cordon run -n` as user cordon, is-active
#                reports how that went, daemon-reload is a no-op
# Environment: BUNDLE_O (non-sanitizer build directory, default build).
# Its own mount and network namespace (lib.sh).
FW_OWN_NS=1
# shellcheck source=tests/firmware/lib.sh
source "$(dirname "$0")/lib.sh"
fw_artefact_setup
TGZ=$BUNDLE_O/cordon-$VERSION-$ARCH.tar.gz
M=$FW_WORK/root/mnt
trap fw_root_cleanup EXIT

fw_make bundle

# ---- the root: this machine without dpkg and apt -----------------------

mkdir -p "$FW_WORK/root"
mount -t tmpfs -o size=1g,mode=0755 cordon-ud "$FW_WORK/root"
mkdir -p "$FW_WORK/root/upper" "$FW_WORK/root/work" "$M"
if ! mount -t overlay cordon-ud -o "lowerdir=/,upperdir=$FW_WORK/root/upper,workdir=$FW_WORK/root/work" "$M"; then
	echo "1..0 # SKIP no overlayfs here"
	exit 0
fi
mount -t proc proc "$M/proc"
mount --rbind /dev "$M/dev" && mount --make-rslave "$M/dev"
mount -t tmpfs -o mode=0755 run "$M/run"
mount -t tmpfs -o mode=1777 tmp "$M/tmp"
rm -rf "$M"/usr/bin/dpkg* "$M"/usr/bin/apt* "$M"/usr/sbin/dpkg* "$M/var/lib/dpkg" "$M/etc/apt" \
	"$M/usr/lib/apt" "$M/opt/cordon" "$M/usr/sbin/cordon" "$M/etc/cordon" "$M/var/lib/cordon" \
	"$M"/usr/local/lib/systemd/system/cordon* "$M"/etc/systemd/system/*/cordon*
chroot "$M" userdel cordon >/dev/null 2>&1
chroot "$M" groupdel cordon >/dev/null 2>&1
ip link set lo up
cr() { env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin chroot "$M" "$@"; }
check "the root has systemd and no dpkg or apt-get" bash -c \
	"$(declare -f cr); M=$M; cr test -x /usr/bin/systemctl && ! cr sh -c 'command -v dpkg || command -v apt-get'"

mkdir -p "$M/usr/local/bin" "$M/srv/s3/ops-bucket/cordon"
cat >"$M/usr/local/bin/curl" <<'EOF'
#!/bin/bash
echo "curl $*" >>/tmp/calls
case "$*" in
*"-X PUT"*api/token) echo -n tok-123; exit 0 ;;
esac
[[ "$*" == *"X-aws-ec2-metadata-token: tok-123"* ]] || exit 22
case "$*" in
*meta-data/instance-id) echo -n i-0123456789abcdef0 ;;
*meta-data/placement/region) echo -n us-east-1 ;;
*) exit 22 ;;
esac
EOF
cat >"$M/usr/local/bin/aws" <<'EOF'
#!/bin/bash
echo "aws $*" >>/tmp/calls
if [[ $1 == s3 && $2 == cp ]]; then
	for a; do case $a in s3://*) src=/srv/s3/${a#s3://} ;; esac; done
	for dst; do :; done
	cp "$src" "$dst" || { echo "fatal error: (404) when calling the HeadObject operation" >&2; exit 1; }
fi
exit 0
EOF
cat >"$M/usr/local/bin/systemctl" <<'EOF'
#!/bin/bash
echo "systemctl $*" >>/tmp/calls
case $1 in
start | restart | try-restart)
	[[ $1 == try-restart && ! -e /run/cordon-test.active ]] && exit 0
	if setpriv --reuid=cordon --regid=cordon --init-groups /usr/sbin/cordon run -n \
		>/tmp/run-n.out 2>&1; then
		touch /run/cordon-test.active
	else
		rm -f /run/cordon-test.active
	fi
	exit 0 ;;
is-active) [[ -e /run/cordon-test.active ]]; exit ;;
daemon-reload) exit 0 ;;
# No PID 1 here to ask: the unit files and links, offline.
enable | disable | is-enabled) exec /usr/bin/systemctl --root=/ "$@" ;;
esac
exec /usr/bin/systemctl "$@"
EOF
printf '#!/bin/bash\necho "logger $*" >>/tmp/calls\n' >"$M/usr/local/bin/logger"
chmod 755 "$M"/usr/local/bin/*

# ---- render and run ------------------------------------------------------

mapfile -t names < <("$PY" tests/firmware/tftemplate.py placeholders firmware/user-data.sh)
declare -A val=(
	[package_url]=s3://ops-bucket/cordon/cordon_${VERSION}-1_amd64.deb
	[bundle_url]=s3://ops-bucket/cordon/${TGZ##*/} [bundle_sha256]=""
	[mode]=isolate [threat_lists]=txt:s3://ops-bucket/lists/MyThreatIntelSet [trusted_lists]=""
	[sync_interval]=60 [lockdown_allow]=198.51.100.0/24:22 [lockdown_allow_units]=""
	[forensic_security_group]=sg-0123456789abcdef0 [conversion_security_group]=sg-0fedcba9876543210
	[sns_topic_arn]=arn:aws:sns:us-east-1:123456789012:cordon-alerts [guardduty_detector_id]=""
	[guardduty_min_severity]=7 [termination_protection]=true [snapshot_volumes]=false
	[eventbridge]=false [eventbridge_bus]=default [securityhub]=false
)
render() { # render SHA256 [NAME=VALUE...]: the user-data at /tmp/ud.sh in the root
	local n args=() sha=$1
	shift
	for n in "${names[@]}"; do args+=("$n=${val[$n]-MISSING}"); done
	"$PY" tests/firmware/tftemplate.py render firmware/user-data.sh "${args[@]}" bundle_sha256="$sha" "$@" \
		>"$M/tmp/ud.sh"
}
ud() { # run the rendered user-data as cloud-init would; status in $rc
	: >"$M/tmp/console"
	: >"$M/tmp/calls"
	cr env CORDON_UD_CONSOLE=/tmp/console CORDON_UD_IMDS=http://imds.test \
		bash /tmp/ud.sh >"$FW_WORK/ud.out" 2>&1
	rc=$?
}
has() { grep -qF -- "$2" "$M$1" || { show "$M$1"; return 1; }; }
cp "$TGZ" "$M/srv/s3/ops-bucket/cordon/"
SHA=$(sha256sum "$TGZ" | cut -d' ' -f1)

render "$(printf '%064d' 7)"
ud
check "wrong SHA-256: refused, exit 1 ($rc)" test "$rc" -eq 1
check "wrong SHA-256: the console says so, with both sums" \
	has /tmp/console "bundle checksum mismatch: expected $(printf '%064d' 7), got $SHA: nothing installed"
check "wrong SHA-256: nothing installed, no user, untagged" bash -c \
	"$(declare -f cr); M=$M; ! cr test -e /opt/cordon && ! cr test -e /usr/sbin/cordon &&
	 ! cr getent passwd cordon && ! grep -q create-tags '$M/tmp/calls'"

# A bundle whose outer sum is right (the operator summed an altered
# tarball) but whose contents do not match their own SHA256SUMS.
mkdir -p "$FW_WORK/alt"
tar -xzf "$TGZ" -C "$FW_WORK/alt"
echo '# altered' >>"$FW_WORK/alt/opt/cordon/share/cordon/cordon.conf"
tar -C "$FW_WORK/alt" -czf "$M/srv/s3/ops-bucket/cordon/altered.tar.gz" opt
render "$(sha256sum "$M/srv/s3/ops-bucket/cordon/altered.tar.gz" | cut -d' ' -f1)" \
	bundle_url=s3://ops-bucket/cordon/altered.tar.gz
ud
check "altered contents: the bundle's installer refuses ($rc), nothing installed" bash -c \
	"$(declare -f cr); M=$M; test $rc -eq 1 &&
	 grep -q 'cordon-install: cordon-bundle: .* does not match its share/cordon/SHA256SUMS' '$M/tmp/console' &&
	 ! cr test -e /opt/cordon" || show "$FW_WORK/ud.out"

render "$SHA"
ud
check "install: exit 0 ($rc)" test "$rc" -eq 0 || show "$FW_WORK/ud.out"
check "install: the bundle, not the .deb, fetched in the instance's region" bash -c \
	"grep -qF 'aws s3 cp --only-show-errors --region us-east-1 s3://ops-bucket/cordon/${TGZ##*/}' '$M/tmp/calls' &&
	 ! grep -q '\.deb' '$M/tmp/calls'"
check "install: /usr/sbin/cordon -> /opt/cordon/bin/cordon, runs ($(cr cordon --version 2>&1))" bash -c \
	"$(declare -f cr); M=$M; [[ \$(readlink '$M/usr/sbin/cordon') == /opt/cordon/bin/cordon ]] &&
	 [[ \$(cr cordon --version) == 'cordon $VERSION' ]]"
pw() { cr getent passwd cordon | cut -d: -f"$1"; }
st() { cr stat -c '%a %U:%G' "$1"; }
check "user cordon: system uid $(pw 3), home /var/lib/cordon" bash -c \
	"[[ '$(pw 3)' -gt 0 && '$(pw 3)' -lt 1000 && '$(pw 6)' == /var/lib/cordon ]]"
check "users cordon-sensor and cordon-aws: system uids of their own" bash -c \
	"$(declare -f cr); M=$M; s=\$(cr getent passwd cordon-sensor | cut -d: -f3);
	 a=\$(cr getent passwd cordon-aws | cut -d: -f3);
	 [[ \$s -gt 0 && \$s -lt 1000 && \$a -gt 0 && \$a -lt 1000 && \$s != \$a && \$s != '$(pw 3)' && \$a != '$(pw 3)' ]]"
check "/var/lib/cordon 750 cordon:cordon ($(st /var/lib/cordon))" test "$(st /var/lib/cordon)" = "750 cordon:cordon"
check "/etc/cordon/cordon.conf 640 root:cordon, written by user-data" bash -c \
	"[[ '$(st /etc/cordon/cordon.conf)' == '640 root:cordon' ]] && grep -qx 'mode = isolate' '$M/etc/cordon/cordon.conf' &&
	 grep -qx 'instance_id = i-0123456789abcdef0' '$M/etc/cordon/cordon.conf'"
check "units in /usr/local/lib/systemd/system, both enabled" bash -c \
	"$(declare -f cr); M=$M; cr test -f /usr/local/lib/systemd/system/cordon.service &&
	 cr test -L /etc/systemd/system/multi-user.target.wants/cordon.service &&
	 cr test -L /etc/systemd/system/sysinit.target.wants/cordon-lockdown.service"
check "sysusers and tmpfiles files in /usr/local/lib, man page linked" bash -c \
	"$(declare -f cr); M=$M; cr test -f /usr/local/lib/sysusers.d/cordon.conf &&
	 cr test -f /usr/local/lib/tmpfiles.d/cordon.conf && cr test -f /usr/local/share/man/man8/cordon.8"
check "the agent accepted its config as user cordon (cordon run -n) and is active" bash -c \
	"grep -qx 'systemctl restart cordon.service' '$M/tmp/calls' && test -e '$M/run/cordon-test.active'" ||
	show "$M/tmp/run-n.out"
check "tagged cordon:status=installed; OK on the console" bash -c \
	"grep -qF 'aws ec2 create-tags --region us-east-1 --resources i-0123456789abcdef0 --tags Key=cordon:status,Value=installed' '$M/tmp/calls' &&
	 grep -q 'cordon-install: OK: cordon is running' '$M/tmp/console'"
verify() {
	local out=$FW_WORK/verify.out
	cr systemd-analyze verify --man=no "/usr/local/lib/systemd/system/$1" >"$out" 2>&1
	local r=$?
	if [[ $r -ne 0 ]] || grep -qE 'cordon(-lockdown)?\.service' "$out"; then
		show "$out"
		return 1
	fi
}
for u in cordon.service cordon-lockdown.service; do
	check "systemd-analyze verify $u in the root (ExecStart through the link)" verify "$u"
done

# ---- upgrade over a lockdown in force ------------------------------------

cr cordon lockdown --local-only --reason "upgrade test" >"$FW_WORK/lock.out" 2>&1
check "a lockdown in force in this namespace's kernel, recorded in /var/lib/cordon" bash -c \
	"grep -q 'lockdown: in force' '$FW_WORK/lock.out' && test -s '$M/var/lib/cordon/lockdown'" ||
	show "$FW_WORK/lock.out"
echo "evidence $$" >"$M/var/lib/cordon/evidence-marker"
chroot "$M" chown cordon:cordon /var/lib/cordon/evidence-marker
(cd "$M/var/lib/cordon" && find . -printf '%p %m %U %G %s\n' | sort && cat lockdown evidence-marker) >"$FW_WORK/state.before"
nft list chain inet cordon lockdown_out >"$FW_WORK/nft.before" 2>&1 ||
	nft list table inet cordon >"$FW_WORK/nft.before" 2>&1

# The next version: the same tree, VERSION and its sum changed.
mkdir -p "$FW_WORK/v2"
tar -xzf "$TGZ" -C "$FW_WORK/v2"
V2=$FW_WORK/v2/opt/cordon
echo "$VERSION+next" >"$V2/share/cordon/VERSION"
(cd "$V2" && sed -i "s#^[0-9a-f]*  share/cordon/VERSION\$#$(sha256sum share/cordon/VERSION | cut -d' ' -f1)  share/cordon/VERSION#" \
	share/cordon/SHA256SUMS)
tar -C "$FW_WORK/v2" --owner=0 --group=0 -czf "$M/srv/s3/ops-bucket/cordon/next.tar.gz" opt
# The daemon runs now (systemd up): the upgrade restarts it.
mkdir -p "$M/run/systemd/system"
render "$(sha256sum "$M/srv/s3/ops-bucket/cordon/next.tar.gz" | cut -d' ' -f1)" \
	bundle_url=s3://ops-bucket/cordon/next.tar.gz
ud
check "upgrade: exit 0 ($rc), $VERSION -> $VERSION+next" bash -c \
	"test $rc -eq 0 && grep -qx '$VERSION+next' '$M/opt/cordon/share/cordon/VERSION' &&
	 grep -q '(was $VERSION)' '$FW_WORK/ud.out'" || show "$FW_WORK/ud.out"
check "upgrade: no /opt/cordon.new or .old left behind" bash -c "! ls -d '$M'/opt/cordon.* 2>/dev/null"
check "upgrade: daemon-reload and try-restart, never a stop or an unload" bash -c \
	"grep -qx 'systemctl try-restart cordon.service' '$M/tmp/calls' && grep -qx 'systemctl daemon-reload' '$M/tmp/calls' &&
	 ! grep -qE 'systemctl stop|cordon unload' '$M/tmp/calls'"
(cd "$M/var/lib/cordon" && find . -printf '%p %m %U %G %s\n' | sort && cat lockdown evidence-marker) >"$FW_WORK/state.after"
check "upgrade: the state directory is untouched (files, modes, owners, lockdown record)" \
	cmp -s "$FW_WORK/state.before" "$FW_WORK/state.after" || diff "$FW_WORK/state.before" "$FW_WORK/state.after" | show /dev/stdin
nft list chain inet cordon lockdown_out >"$FW_WORK/nft.after" 2>&1 ||
	nft list table inet cordon >"$FW_WORK/nft.after" 2>&1
check "upgrade: the lockdown rules are still in the kernel, unchanged" bash -c \
	"grep -q lockdown '$FW_WORK/nft.after' && diff <(sed 's/packets [0-9]* bytes [0-9]*//' '$FW_WORK/nft.before') \
	 <(sed 's/packets [0-9]* bytes [0-9]*//' '$FW_WORK/nft.after') >/dev/null"
check "upgrade: the new binary sees the lockdown (cordon status)" bash -c \
	"$(declare -f cr); M=$M; cr cordon status | grep -q '^mode: lockdown'"
check "upgrade: the boot unit's command restores it with the new binary" bash -c \
	"$(declare -f cr); M=$M; cr cordon lockdown --restore --local-only >/dev/null 2>&1 &&
	 cr cordon status | grep -q '^mode: lockdown'"
check "upgrade: config kept, instance tagged installed again" bash -c \
	"grep -qx 'mode = isolate' '$M/etc/cordon/cordon.conf' && grep -q 'Value=installed' '$M/tmp/calls'"
finish
