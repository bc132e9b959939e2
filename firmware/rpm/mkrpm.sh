#!/bin/bash
# firmware/rpm/mkrpm.sh: a binary RPM of the cordon built here, with
# firmware/rpm/cordon.spec. Run by `make rpm`.
#
# On Debian the Amazon Linux build requirements are not installable, so
# this stages `make install` of $O/cordon and packs it with
# `rpmbuild --nodeps -bb --define prebuilt=...`: the spec's layout and
# scriptlets are real, the binary is Debian's (see packaging.md).
# Environment: O (build directory), VERSION (from enforcer/main.c),
# RPM_RELEASE (1 by default). Output: $O/cordon-VERSION-RELEASE.ARCH.rpm.
set -euo pipefail
cd "$(dirname "$0")/../.."
umask 022

O=${O:-build}
VERSION=${VERSION:?VERSION is not set (make rpm sets it)}
REL=${RPM_RELEASE:-1}
command -v rpmbuild >/dev/null || { echo "mkrpm: rpmbuild is missing (Debian: apt-get install rpm)" >&2; exit 1; }
[[ -x $O/cordon ]] || { echo "mkrpm: $O/cordon is missing: make O=$O first" >&2; exit 1; }

top=$PWD/$O/rpm
root=$top/root
rm -rf "$top"
mkdir -p "$root"
make --no-print-directory install DESTDIR="$root" PREFIX=/usr O="$O" \
	UNITDIR=/usr/lib/systemd/system >/dev/null
install -D -m 0644 firmware/systemd/cordon.sysusers "$root/usr/lib/sysusers.d/cordon.conf"
strip --remove-section=.comment --remove-section=.note --strip-unneeded "$root/usr/sbin/cordon"

rpmbuild --nodeps -bb --quiet \
	--define "_topdir $top" \
	--define "prebuilt $root" \
	--define "cordon_version $VERSION" \
	--define "cordon_release $REL" \
	firmware/rpm/cordon.spec >"$top/rpmbuild.log" 2>&1 ||
	{ cat "$top/rpmbuild.log" >&2; exit 1; }
rpm=$(find "$top/RPMS" -name "cordon-$VERSION-$REL.*.rpm" -print -quit)
[[ -n $rpm ]] || { echo "mkrpm: rpmbuild made no RPM" >&2; exit 1; }
cp "$rpm" "$O/"
echo "$O/$(basename "$rpm")"
