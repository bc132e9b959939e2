#!/bin/bash
# tests/firmware/test_rpm.sh: firmware/rpm/cordon.spec, built on Debian
# with Debian's rpmbuild (`make rpm`: --nodeps, the Debian-built binary),
# then installed with rpm into an overlayfs copy of this machine's root
# so that its scriptlets really run. TAP.
#
# What this proves and what it cannot (no Amazon Linux here): see
# docs/internals/packaging.md. Environment: DEB_O (build directory of the
# packaged binary, default build), RPM_FROM_SOURCE=1 (also build the
# spec from a source tarball).

if [[ -z ${CORDON_RPM_NS:-} ]] && command -v unshare >/dev/null; then
	CORDON_RPM_NS=1 exec unshare --mount --propagation private -- "$0" "$@"
fi
# shellcheck source=tests/firmware/lib.sh
source "$(dirname "$0")/lib.sh"

if [[ -z ${CORDON_RPM_NS:-} ]] || ! command -v rpmbuild >/dev/null; then
	echo "1..0 # SKIP needs rpmbuild (Debian: apt-get install rpm) and unshare"
	exit 0
fi

DEB_O=${DEB_O:-build}
SPEC=firmware/rpm/cordon.spec
VERSION=$(sed -n 's/^#define CORDON_VERSION "\(.*\)"$/\1/p' enforcer/main.c)
MNT=$FW_WORK/root/mnt
cleanup() {
	umount -R "$FW_WORK/root" 2>/dev/null
	rm -rf --one-file-system "$FW_WORK"
}
trap cleanup EXIT

# Every library of the Makefile's PKGS has its Amazon Linux -devel
# package in BuildRequires (names as in AL2023/Fedora).
declare -A DEVEL=(
	[libpcap]=libpcap-devel [libnftnl]=libnftnl-devel [libmnl]=libmnl-devel
	[libcurl]=libcurl-devel [openssl]=openssl-devel [libcjson]=cjson-devel
	[expat]=expat-devel [inih]=inih-devel [libcap-ng]=libcap-ng-devel
	[libseccomp]=libseccomp-devel [libsystemd]=systemd-devel
)
build_requires_cover_pkgs() {
	local p rc=0
	# shellcheck disable=SC2013 # one package a word
	for p in $(sed -n 's/^PKGS := //p' Makefile); do
		if [[ -z ${DEVEL[$p]:-} ]]; then
			echo "# Makefile PKGS has $p: add its AL2023 -devel name here and to $SPEC" >&2
			rc=1
		elif ! grep -qE "^BuildRequires:[[:space:]]+${DEVEL[$p]}\$" "$SPEC"; then
			echo "# $SPEC lacks BuildRequires: ${DEVEL[$p]} (for $p)" >&2
			rc=1
		fi
	done
	return "$rc"
}
check "BuildRequires has the AL2023 -devel package of every library in PKGS" build_requires_cover_pkgs

for rel in 1 2; do
	if RPM_RELEASE=$rel make --no-print-directory O="$DEB_O" rpm >"$FW_WORK/make$rel.out" 2>&1; then
		ok "make rpm (rpmbuild --nodeps -bb) release $rel"
	else
		fail "make rpm release $rel"
		show "$FW_WORK/make$rel.out"
		finish
		exit 1
	fi
done
RPM1=$(ls "$DEB_O"/cordon-"$VERSION"-1.*.rpm)
RPM2=$(ls "$DEB_O"/cordon-"$VERSION"-2.*.rpm)

q() { rpm -qp "$RPM1" "$@" 2>/dev/null; }
check "Name cordon, Version $VERSION (enforcer/main.c), License MIT" \
	test "$(q --qf '%{NAME} %{VERSION} %{LICENSE}')" = "cordon $VERSION MIT"
q --qf '[%{FILEMODES:perms} %{FILEUSERNAME}:%{FILEGROUPNAME} %{FILEFLAGS:fflags} %{FILENAMES}\n]' >"$FW_WORK/files"
file_is() { # file_is PERMS OWNER FLAGS PATH
	grep -qE "^$1 $2 $3 ?$4\$" "$FW_WORK/files" ||
		{ echo "# no '$1 $2 $3 $4' in:" >&2; show "$FW_WORK/files"; return 1; }
}
check "/usr/sbin/cordon 0755" file_is -rwxr-xr-x root:root '' /usr/sbin/cordon
check "units in /usr/lib/systemd/system" bash -c \
	"grep -q ' /usr/lib/systemd/system/cordon.service$' '$FW_WORK/files' &&
	 grep -q ' /usr/lib/systemd/system/cordon-lockdown.service$' '$FW_WORK/files'"
check "/usr/lib/sysusers.d/cordon.conf" file_is -rw-r--r-- root:root '' /usr/lib/sysusers.d/cordon.conf
check "%config(noreplace) /etc/cordon/cordon.conf 0640 root:cordon" \
	file_is -rw-r----- root:cordon cn /etc/cordon/cordon.conf
check "/var/lib/cordon 0750 cordon:cordon" file_is drwxr-x--- cordon:cordon '' /var/lib/cordon
check "man pages" bash -c "grep -q 'man8/cordon.8' '$FW_WORK/files' && grep -q 'man5/cordon.conf.5' '$FW_WORK/files'"
check "Requires: shadow-utils, systemd and the libraries by soname" bash -c \
	"rpm -qp --requires '$RPM1' 2>/dev/null | sort -u >'$FW_WORK/req' &&
	 grep -qx shadow-utils '$FW_WORK/req' && grep -qx systemd '$FW_WORK/req' &&
	 grep -q '^libnftnl.so' '$FW_WORK/req' && grep -q '^libpcap.so' '$FW_WORK/req'"
for s in PREIN POSTIN PREUN POSTUN; do
	q --qf "%{$s}\n" >"$FW_WORK/$s.sh"
	if command -v shellcheck >/dev/null; then
		check "scriptlet $s: shellcheck -s sh" shellcheck -s sh "$FW_WORK/$s.sh"
	else
		check "scriptlet $s: sh -n" sh -n "$FW_WORK/$s.sh"
	fi
done

# The spec's source path (%prep, %build, %install from a tarball), built
# against Debian's libraries: about a minute, so only when asked.
if [[ -n ${RPM_FROM_SOURCE:-} ]]; then
	mkdir -p "$FW_WORK/src/SOURCES"
	git ls-files -co --exclude-standard | grep -v /node_modules/ |
		tar -cz --transform "s,^,cordon-$VERSION/," -T - -f "$FW_WORK/src/SOURCES/cordon-$VERSION.tar.gz"
	check "rpmbuild --nodeps -ba from a source tarball" bash -c \
		"rpmbuild --nodeps -ba --define '_topdir $FW_WORK/src' --define 'cordon_version $VERSION' \
			$SPEC >'$FW_WORK/src/log' 2>&1 && ls '$FW_WORK'/src/RPMS/*/cordon-$VERSION-1.*.rpm >/dev/null" ||
		tail -n 20 "$FW_WORK/src/log" | show
else
	skip "rpmbuild -ba from source: set RPM_FROM_SOURCE=1 (about a minute)"
fi

# ---- rpm -i / -U / -e in an overlay of this machine's root -------------

mkdir -p "$FW_WORK/root"
mount -t tmpfs -o size=1g,mode=0755 cordon-rpm "$FW_WORK/root"
mkdir -p "$FW_WORK/root/upper" "$FW_WORK/root/work" "$MNT"
if ! mount -t overlay cordon-rpm -o "lowerdir=/,upperdir=$FW_WORK/root/upper,workdir=$FW_WORK/root/work" "$MNT"; then
	skip "no overlayfs here: the RPM is not installed"
	finish
	exit
fi
# Own network namespace: %preun's `cordon unload` never reaches this host.
cr() { unshare --net chroot "$MNT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }
R() { unshare --net rpm --root="$MNT" --dbpath=/var/lib/rpm --nodeps "$@" >>"$FW_WORK/rpm.log" 2>&1; }
st() { cr stat -c '%a %U:%G' "$1"; }
cr userdel cordon >/dev/null 2>&1
cr groupdel cordon >/dev/null 2>&1
cp "$RPM1" "$RPM2" "$MNT/tmp/"

check "rpm -i runs %pre and %post in the root" R -i "$RPM1" || show "$FW_WORK/rpm.log"
check "%pre made user cordon: system, home /var/lib/cordon, nologin" bash -c \
	"chroot '$MNT' getent passwd cordon | awk -F: '\$3 < 1000 && \$6 == \"/var/lib/cordon\" && \$7 == \"/usr/sbin/nologin\"' | grep -q ."
check "cordon.conf 640 root:cordon ($(st /etc/cordon/cordon.conf))" test "$(st /etc/cordon/cordon.conf)" = "640 root:cordon"
check "/var/lib/cordon 750 cordon:cordon ($(st /var/lib/cordon))" test "$(st /var/lib/cordon)" = "750 cordon:cordon"
check "%post enabled both units" bash -c \
	"chroot '$MNT' test -L /etc/systemd/system/multi-user.target.wants/cordon.service &&
	 chroot '$MNT' test -L /etc/systemd/system/sysinit.target.wants/cordon-lockdown.service"
check "cordon --version there says $VERSION" test "$(cr cordon --version 2>&1)" = "cordon $VERSION"

mark="; local edit $$"
cr sh -c "echo '$mark' >>/etc/cordon/cordon.conf"
check "rpm -U to release 2" R -U "$RPM2"
check "upgrade keeps the modified cordon.conf (noreplace)" cr grep -qxF "$mark" /etc/cordon/cordon.conf
cr sh -c 'echo "# test lockdown" >/var/lib/cordon/lockdown'
check "rpm -e is refused while a lockdown is recorded" bash -c \
	"! unshare --net rpm --root='$MNT' --dbpath=/var/lib/rpm --nodeps -e cordon >/dev/null 2>&1 &&
	 chroot '$MNT' test -x /usr/sbin/cordon"
check "CORDON_REMOVE_LOCKED=1 rpm -e erases it" env CORDON_REMOVE_LOCKED=1 \
	bash -c "$(declare -f R); FW_WORK=$FW_WORK MNT=$MNT; R -e cordon"
check "%preun disabled the units" bash -c \
	"! chroot '$MNT' test -L /etc/systemd/system/multi-user.target.wants/cordon.service"
check "erase keeps the non-empty /var/lib/cordon and the modified config (.rpmsave)" bash -c \
	"chroot '$MNT' test -e /var/lib/cordon/lockdown && chroot '$MNT' grep -qxF '$mark' /etc/cordon/cordon.conf.rpmsave"

finish
