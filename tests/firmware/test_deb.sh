#!/bin/bash
# tests/firmware/test_deb.sh: `make deb`, what is in the package, and what
# its maintainer scripts do when it is installed for real. TAP.
#
# The install half runs in a minimal Debian 12 made by debootstrap, cached
# in $CORDON_CHROOT_CACHE (build/chroot by default; the first run takes a
# few minutes, later ones reuse it) and never changed by a run: each run
# works on an overlayfs copy of it, in a private mount namespace that dies
# with this script. apt-get installs the .deb there, so its Depends are
# proved complete (cordon runs afterwards in a root that holds nothing
# else). When no chroot can be had (no debootstrap, no mirror), the same
# steps run on an overlay of this machine's own root instead, and a SKIP
# line says what that does not prove.
#
# Environment: DEB_O (build directory of the packaged binary, default
# build), CORDON_CHROOT_CACHE, CHROOT_TIMEOUT (seconds for debootstrap,
# default 900), NO_CHROOT=1 (use the host overlay directly).
# See docs/internals/packaging.md.

# Mounts made here must never outlive the test: run in our own mount
# namespace, whose mounts vanish when it exits.
if [[ -z ${CORDON_DEB_NS:-} ]] && command -v unshare >/dev/null; then
	CORDON_DEB_NS=1 exec unshare --mount --propagation private -- "$0" "$@"
fi
# shellcheck source=tests/firmware/lib.sh
source "$(dirname "$0")/lib.sh"

if [[ -z ${CORDON_DEB_NS:-} ]] || ! command -v dpkg-deb >/dev/null; then
	echo "1..0 # SKIP needs dpkg-deb and unshare (util-linux)"
	exit 0
fi

DEB_O=${DEB_O:-build}
CACHE=${CORDON_CHROOT_CACHE:-build/chroot}
SUITE=bookworm
BASE=$CACHE/$SUITE
STAMP=$BASE/.cordon-base
VERSION=$(sed -n 's/^#define CORDON_VERSION "\(.*\)"$/\1/p' enforcer/main.c)
ARCH=$(dpkg --print-architecture)
MNT=$FW_WORK/root/mnt
PATH_IN=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

cleanup() {
	umount -R "$FW_WORK/root" 2>/dev/null
	rm -rf --one-file-system "$FW_WORK"
}
trap cleanup EXIT

# ---- the package -------------------------------------------------------

if ! make --no-print-directory O="$DEB_O" deb >"$FW_WORK/make.out" 2>&1; then
	fail "make deb"
	show "$FW_WORK/make.out"
	finish
	exit 1
fi
DEB1=$DEB_O/cordon_${VERSION}-1_$ARCH.deb
check "make deb made $DEB1" test -s "$DEB1"
# The upgrade: the same tree under the next Debian revision.
DEB_REVISION=2 make --no-print-directory O="$DEB_O" deb >"$FW_WORK/make2.out" 2>&1
DEB2=$DEB_O/cordon_${VERSION}-2_$ARCH.deb
check "make deb DEB_REVISION=2 made $DEB2" test -s "$DEB2"

dpkg-deb --info "$DEB1" >"$FW_WORK/info"
dpkg-deb --contents "$DEB1" >"$FW_WORK/contents"
mkdir -p "$FW_WORK/ctrl"
dpkg-deb --control "$DEB1" "$FW_WORK/ctrl"
field() { dpkg-deb --field "$DEB1" "$1"; }

check "Package: cordon, Version: $VERSION-1 (enforcer/main.c)" \
	test "$(field Package) $(field Version)" = "cordon $VERSION-1"
check "Architecture: $ARCH" test "$(field Architecture)" = "$ARCH"

# Every library the binary links (DT_NEEDED, not what those pull in)
# belongs to a package named in Depends.
deps_cover_libs() {
	local deps pkg lib so missing=0

	deps=" $(field Depends | tr -d ' ' | tr ',|' '\n' | sed 's/(.*//' | tr '\n' ' ') "
	while read -r so; do
		lib=$(ldd "$DEB_O/cordon" | awk -v so="$so" '$1 == so { print $3 }')
		pkg=$(dpkg -S "$(readlink -f "$lib")" 2>/dev/null || dpkg -S "$lib" 2>/dev/null)
		pkg=${pkg%%:*}
		if [[ -z $pkg || $deps != *" $pkg "* ]]; then
			echo "# $so ($lib, package '${pkg:-?}') is not in Depends:$deps" >&2
			missing=1
		fi
	done < <(objdump -p "$DEB_O/cordon" | awk '$1 == "NEEDED" { print $2 }')
	return "$missing"
}
check "Depends names the package of every library cordon links" deps_cover_libs
# libcurl is loaded with dlopen (common/aws/curl_dl.h): no NEEDED names it.
check "Depends names libcurl4, which cordon loads at run time" bash -c \
	"dpkg-deb --field '$DEB1' Depends | tr -d ' ' | tr ',' '\n' | grep -qx 'libcurl4'"
check "Depends has adduser and versions from dpkg-shlibdeps" bash -c \
	"dpkg-deb --field '$DEB1' Depends | grep -q 'adduser' &&
	 { ! command -v dpkg-shlibdeps >/dev/null || dpkg-deb --field '$DEB1' Depends | grep -q 'libc6 (>= '; }"

has() { # has MODE PATH: a line of dpkg-deb --contents
	grep -qE "^$1 root/root +[0-9]+ [-0-9]+ [0-9:]+ \./$2( |$)" "$FW_WORK/contents" ||
		{ echo "# no '$1 ./$2' in the package" >&2; return 1; }
}
check "contents: /usr/sbin/cordon 0755" has -rwxr-xr-x usr/sbin/cordon
check "contents: both units in /lib/systemd/system" bash -c \
	"$(declare -f has); FW_WORK=$FW_WORK; has -rw-r--r-- lib/systemd/system/cordon.service &&
	 has -rw-r--r-- lib/systemd/system/cordon-lockdown.service"
check "contents: cordon.8 and cordon.conf.5, compressed" bash -c \
	"$(declare -f has); FW_WORK=$FW_WORK; has -rw-r--r-- usr/share/man/man8/cordon.8.gz &&
	 has -rw-r--r-- usr/share/man/man5/cordon.conf.5.gz"
check "contents: /etc/cordon/cordon.conf 0640" has -rw-r----- etc/cordon/cordon.conf
check "contents: sysusers.d/cordon.conf and the copyright file" bash -c \
	"$(declare -f has); FW_WORK=$FW_WORK; has -rw-r--r-- usr/lib/sysusers.d/cordon.conf &&
	 has -rw-r--r-- usr/share/doc/cordon/copyright"
same_units() {
	local u
	mkdir -p "$FW_WORK/data"
	dpkg-deb --extract "$DEB1" "$FW_WORK/data"
	for u in firmware/systemd/*.service; do
		cmp -s "$u" "$FW_WORK/data/lib/systemd/system/${u##*/}" || { echo "# $u differs" >&2; return 1; }
	done
	cmp -s firmware/systemd/cordon.sysusers "$FW_WORK/data/usr/lib/sysusers.d/cordon.conf"
}
check "the units and sysusers file are firmware/systemd's" same_units
check "the binary is stripped and not a sanitizer build" bash -c \
	"! file -L '$FW_WORK/data/usr/sbin/cordon' | grep -q 'not stripped' &&
	 ! ldd '$FW_WORK/data/usr/sbin/cordon' | grep -qE 'libasan|libubsan'"
check "conffiles lists /etc/cordon/cordon.conf" grep -qx /etc/cordon/cordon.conf "$FW_WORK/ctrl/conffiles"
check "md5sums covers the binary, not the conffile" bash -c \
	"grep -q ' usr/sbin/cordon$' '$FW_WORK/ctrl/md5sums' && ! grep -q etc/ '$FW_WORK/ctrl/md5sums'"
for s in postinst prerm postrm; do
	check "maintainer script $s: executable, set -e" bash -c \
		"test -x '$FW_WORK/ctrl/$s' && grep -qx 'set -e' '$FW_WORK/ctrl/$s'"
	if command -v shellcheck >/dev/null; then
		check "shellcheck $s" shellcheck -s sh "$FW_WORK/ctrl/$s"
	fi
done

# lintian is slow and heavy: run when installed, fail on errors only.
if command -v lintian >/dev/null; then
	lintian --allow-root "$DEB1" >"$FW_WORK/lintian" 2>&1
	show "$FW_WORK/lintian"
	check "lintian: no error tags ($(grep -c '^[EW]:' "$FW_WORK/lintian") errors and warnings)" \
		bash -c "! grep -q '^E:' '$FW_WORK/lintian'"
else
	skip "lintian not installed (Debian: apt-get install lintian)"
fi

# ---- an isolated root to install it in ---------------------------------

# The Debian mirror this machine's apt uses (not the security one).
mirror() {
	local m
	m=$(grep -rhE '^[[:space:]]*(URIs:|deb[[:space:]])' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null |
		grep -oE 'https?://[^[:space:]]+/debian/?([[:space:]]|$)' | head -n 1 | tr -d '[:space:]')
	echo "${m:-http://deb.debian.org/debian}"
}

# The cached minimal Debian 12: debootstrap once, apt lists included.
# systemd-standalone-sysusers is there so that postinst's first choice
# is the one exercised; the adduser path is tried after removing it.
make_base() {
	local tmp=$BASE.tmp log=$FW_WORK/debootstrap.log cache=

	[[ -e $STAMP ]] && return 0
	if ! command -v debootstrap >/dev/null; then
		why="debootstrap is not installed (Debian: apt-get install debootstrap)"
		return 1
	fi
	mkdir -p "$CACHE"
	# Two runs at once (a developer and CI) build it once.
	exec 9>"$CACHE/.lock"
	flock 9
	[[ -e $STAMP ]] && return 0
	rm -rf --one-file-system "$tmp"
	# Debs this machine's apt already fetched are reused (checksums are
	# verified against the mirror's lists all the same).
	[[ -d /var/cache/apt/archives ]] && cache=--cache-dir=/var/cache/apt/archives
	echo "# building $BASE with debootstrap from $(mirror) (cached for later runs)" >&2
	if ! timeout "${CHROOT_TIMEOUT:-900}" debootstrap --variant=minbase ${cache:+"$cache"} \
		--include=systemd-standalone-sysusers "$SUITE" "$tmp" "$(mirror)" >"$log" 2>&1; then
		tail -n 5 "$log" | show
		why="debootstrap $SUITE from $(mirror) failed or took over ${CHROOT_TIMEOUT:-900} s"
		return 1
	fi
	cp /etc/resolv.conf "$tmp/etc/resolv.conf"
	if ! chroot "$tmp" apt-get -q update >>"$log" 2>&1; then
		tail -n 5 "$log" | show
		why="apt-get update in the new chroot failed"
		return 1
	fi
	date -u +%FT%TZ >"$tmp/.cordon-base"
	mv "$tmp" "$BASE"
}

# overlay LOWER: a writable copy of LOWER at $MNT (upper layer on tmpfs,
# so that it can never overlap the lower one).
overlay() {
	mkdir -p "$FW_WORK/root"
	mount -t tmpfs -o size=1g,mode=0755 cordon-deb "$FW_WORK/root"
	mkdir -p "$FW_WORK/root/upper" "$FW_WORK/root/work" "$MNT"
	mount -t overlay cordon-deb -o "lowerdir=$1,upperdir=$FW_WORK/root/upper,workdir=$FW_WORK/root/work" "$MNT" &&
		mount -t proc proc "$MNT/proc"
}

# In the copy, in a network namespace of its own: `cordon unload` in prerm
# must never reach this machine's nftables.
cr() { unshare --net chroot "$MNT" /usr/bin/env -i PATH=$PATH_IN DEBIAN_FRONTEND=noninteractive "$@"; }
crq() { cr "$@" >>"$FW_WORK/chroot.log" 2>&1; }

why=
mode=chroot
if [[ -n ${NO_CHROOT:-} ]]; then
	mode=host why="NO_CHROOT is set"
elif ! make_base; then
	mode=host
fi
if [[ $mode == chroot ]]; then
	overlay "$BASE" || mode=none why="overlayfs mount failed"
fi
if [[ $mode == chroot ]]; then
	# Downloads persist between runs: later runs need no network.
	mkdir -p "$CACHE/archives/partial"
	mount --bind "$CACHE/archives" "$MNT/var/cache/apt/archives"
	cp /etc/resolv.conf "$MNT/etc/resolv.conf"
	cp "$DEB1" "$DEB2" "$MNT/tmp/"
	# apt-get resolves the Depends from the mirror (or the cache above).
	apt_install() {
		chroot "$MNT" /usr/bin/env -i PATH=$PATH_IN DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -q --no-install-recommends "/tmp/${DEB1##*/}"
	}
	if ! apt_install >"$FW_WORK/chroot.log" 2>&1; then
		# Lists older than the mirror: refresh once.
		chroot "$MNT" apt-get -q update >>"$FW_WORK/chroot.log" 2>&1
		apt_install >>"$FW_WORK/chroot.log" 2>&1
	fi
	check "apt-get installs the .deb in a minimal Debian 12 (debootstrap), pulling its Depends" \
		bash -c "chroot '$MNT' dpkg-query -W -f '\${Status}' cordon | grep -qx 'install ok installed'" ||
		show "$FW_WORK/chroot.log"
elif [[ $mode == host ]]; then
	skip "no debootstrap chroot ($why): installing in an overlay of this machine's root," \
		"which proves the scripts and files but not that Depends are complete"
	overlay / || mode=none why="overlayfs mount of / failed"
	if [[ $mode == host ]]; then
		cp "$DEB1" "$DEB2" "$MNT/tmp/"
		cr dpkg --purge cordon >/dev/null 2>&1
		check "dpkg -i installs the .deb in an overlay of this machine's root" \
			crq dpkg -i "/tmp/${DEB1##*/}" || show "$FW_WORK/chroot.log"
	fi
fi
if [[ $mode == none ]]; then
	skip "no isolated root to install the package in: $why"
	finish
	exit
fi

# ---- first install -----------------------------------------------------

pw() { cr getent passwd cordon | cut -d: -f"$1"; }
st() { cr stat -c '%a %U:%G' "$1"; }
wants() { cr test -L "/etc/systemd/system/$1.wants/$2"; }
# shellcheck disable=SC2016 # dpkg-query's own format
status() { cr dpkg-query -W -f '${Status} ${Version}' cordon 2>/dev/null; }

check "user cordon exists, a system user (uid $(pw 3) < 1000)" test "$(pw 3)" -lt 1000 -a "$(pw 3)" -gt 0
check "group cordon exists" bash -c "chroot '$MNT' getent group cordon >/dev/null"
# The sensor and the AWS process run as users of their own (security.md).
for u in cordon-sensor cordon-aws; do
	uid=$(cr getent passwd "$u" | cut -d: -f3)
	check "user $u exists, a system user (uid ${uid:-none})" test "${uid:-0}" -gt 0 -a "${uid:-0}" -lt 1000
done
check "home /var/lib/cordon, shell nologin ($(pw 6)/$(pw 7))" \
	test "$(pw 6) $(pw 7)" = "/var/lib/cordon /usr/sbin/nologin"
check "/usr/sbin/cordon is 755 root:root ($(st /usr/sbin/cordon))" test "$(st /usr/sbin/cordon)" = "755 root:root"
check "/etc/cordon/cordon.conf is 640 root:cordon ($(st /etc/cordon/cordon.conf))" \
	test "$(st /etc/cordon/cordon.conf)" = "640 root:cordon"
check "... through dpkg-statoverride" bash -c "chroot '$MNT' dpkg-statoverride --list /etc/cordon/cordon.conf >/dev/null"
check "/var/lib/cordon is 750 cordon:cordon ($(st /var/lib/cordon))" \
	test "$(st /var/lib/cordon)" = "750 cordon:cordon"
check "units are 644 in /lib/systemd/system" test \
	"$(st /lib/systemd/system/cordon.service) $(st /lib/systemd/system/cordon-lockdown.service)" = \
	"644 root:root 644 root:root"
check "cordon.service enabled (multi-user.target.wants)" wants multi-user.target cordon.service
check "cordon-lockdown.service enabled (sysinit.target.wants)" wants sysinit.target cordon-lockdown.service
check "cordon --version in the root says $VERSION ($(cr cordon --version 2>&1))" \
	test "$(cr cordon --version 2>&1)" = "cordon $VERSION"
check "cordon help runs there" bash -c "$(declare -f cr); MNT=$MNT PATH_IN=$PATH_IN; cr cordon help | grep -q lockdown"
check "no library is missing (ldd)" bash -c "! chroot '$MNT' ldd /usr/sbin/cordon | grep -q 'not found'"
check "the daemon's user reads its config (cordon run -n as cordon)" bash -c \
	"chroot --userspec=cordon:cordon '$MNT' /usr/sbin/cordon run -n >/dev/null"
check "... and another user does not" bash -c \
	"! chroot --userspec=nobody:nogroup '$MNT' /usr/sbin/cordon run -n -c /etc/cordon/cordon.conf >/dev/null 2>&1"

# ---- reinstall, upgrade: the config stays ------------------------------

mark="; local edit $$"
cr sh -c "echo '$mark' >>/etc/cordon/cordon.conf"
crq dpkg -i "/tmp/${DEB1##*/}"
check "reinstall keeps a modified cordon.conf" cr grep -qxF "$mark" /etc/cordon/cordon.conf
# The administrator's "disable" survives an upgrade: systemctl disable
# removes the link and leaves deb-systemd-helper's record of it.
cr rm /etc/systemd/system/multi-user.target.wants/cordon.service
check "upgrade $VERSION-1 -> $VERSION-2 (dpkg -i)" crq dpkg -i "/tmp/${DEB2##*/}"
check "dpkg says $VERSION-2 is installed" test "$(status)" = "install ok installed $VERSION-2"
check "upgrade keeps a modified cordon.conf" cr grep -qxF "$mark" /etc/cordon/cordon.conf
check "upgrade keeps cordon.conf 640 root:cordon" test "$(st /etc/cordon/cordon.conf)" = "640 root:cordon"
check "upgrade keeps cordon.service disabled when the admin disabled it" bash -c \
	"! chroot '$MNT' test -L /etc/systemd/system/multi-user.target.wants/cordon.service"
crq deb-systemd-helper enable cordon.service

# ---- a running systemd, simulated: what the scripts ask of it ----------

# /run/systemd/system and a systemctl that only writes down its arguments.
# deb-systemd-invoke (real) decides what to call.
# A policy-rc.d (container images have one saying 101) would hold every
# start back: this root plays a booted host, so it goes.
fake_systemd() {
	cr mkdir -p /run/systemd/system /usr/local/bin
	cr rm -f /usr/sbin/policy-rc.d
	cr sh -c 'printf "#!/bin/sh\necho \"\$*\" >>/tmp/systemctl.log\ncase \"\$*\" in *is-enabled*) echo enabled ;; esac\nexit 0\n" >/usr/local/bin/systemctl &&
		chmod 755 /usr/local/bin/systemctl && : >/tmp/systemctl.log'
}
called() { cr grep -qE "$1" /tmp/systemctl.log || { cr sed 's/^/# systemctl /' /tmp/systemctl.log >&2; return 1; }; }
fake_systemd
crq dpkg -i "/tmp/${DEB2##*/}"
check "upgrade under systemd: daemon-reload" called 'daemon-reload'
check "upgrade under systemd: restart cordon.service" called '(^| )restart .*cordon\.service'
check "upgrade under systemd: the restore unit is not started" bash -c \
	"! chroot '$MNT' grep -qE '(^| )(start|restart) .*cordon-lockdown' /tmp/systemctl.log"
cr sh -c 'printf "#!/bin/sh\nexit 101\n" >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && : >/tmp/systemctl.log'
crq dpkg -i "/tmp/${DEB2##*/}"
check "policy-rc.d saying 101 holds the restart back" bash -c \
	"! chroot '$MNT' grep -qE '(^| )(start|restart) ' /tmp/systemctl.log"
cr rm -f /usr/sbin/policy-rc.d

# ---- a recorded lockdown holds removal and purge back ------------------

cr sh -c 'echo "# test lockdown" >/var/lib/cordon/lockdown'
crq dpkg -r cordon
check "remove is refused while a lockdown is recorded" bash -c \
	"[[ '$(status)' == *' ok installed $VERSION-2' ]] && chroot '$MNT' test -x /usr/sbin/cordon"
check "... and says to run cordon release" grep -q "cordon release" "$FW_WORK/chroot.log"
: >"$FW_WORK/chroot.log"
cr sh -c ': >/tmp/systemctl.log'
check "CORDON_REMOVE_LOCKED=1 dpkg -r removes it" crq env CORDON_REMOVE_LOCKED=1 dpkg -r cordon
check "remove under systemd: stop cordon.service" called '(^| )stop .*cordon\.service'
check "remove leaves the config (status rc)" bash -c \
	"[[ \$(chroot '$MNT' dpkg-query -W -f '\${Status}' cordon) == 'deinstall ok config-files' ]] &&
	 chroot '$MNT' grep -qxF '$mark' /etc/cordon/cordon.conf"
check "remove leaves the binary no more" bash -c "! chroot '$MNT' test -e /usr/sbin/cordon"
crq dpkg --purge cordon
check "purge removes /etc/cordon/cordon.conf" bash -c "! chroot '$MNT' test -e /etc/cordon/cordon.conf"
check "purge keeps /var/lib/cordon while a lockdown is recorded" cr test -e /var/lib/cordon/lockdown
check "purge drops the statoverride" bash -c "! chroot '$MNT' dpkg-statoverride --list /etc/cordon/cordon.conf"
check "purge leaves the user (Debian practice)" bash -c "chroot '$MNT' getent passwd cordon >/dev/null"

# ---- first install through adduser, then purge -------------------------

cr rm -f /var/lib/cordon/lockdown
for u in cordon cordon-sensor cordon-aws; do
	crq userdel "$u"
	cr getent group "$u" >/dev/null && crq groupdel "$u"
done
if cr test -x /usr/bin/systemd-sysusers; then
	cr mv /usr/bin/systemd-sysusers /usr/bin/systemd-sysusers.off
fi
cr sh -c ': >/tmp/systemctl.log'
check "first install without systemd-sysusers (adduser)" crq dpkg -i "/tmp/${DEB1##*/}"
check "adduser made the same user: system, /var/lib/cordon, nologin" \
	test "$(pw 6) $(pw 7)" = "/var/lib/cordon /usr/sbin/nologin" -a "$(pw 3)" -lt 1000
for u in cordon-sensor cordon-aws; do
	check "adduser made $u: a system user" bash -c \
		"uid=\$(chroot '$MNT' getent passwd $u | cut -d: -f3); [[ -n \$uid && \$uid -lt 1000 ]]"
done
check "first install under systemd: start cordon.service" called '(^| )start .*cordon\.service'
crq dpkg --purge cordon
check "purge without a lockdown removes /var/lib/cordon" bash -c "! chroot '$MNT' test -e /var/lib/cordon"
check "purge removes the units' enablement links" bash -c \
	"! chroot '$MNT' test -L /etc/systemd/system/multi-user.target.wants/cordon.service &&
	 ! chroot '$MNT' test -L /etc/systemd/system/sysinit.target.wants/cordon-lockdown.service"
check "purge leaves no /etc/cordon" bash -c "! chroot '$MNT' test -e /etc/cordon"

finish
