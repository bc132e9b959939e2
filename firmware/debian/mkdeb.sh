#!/bin/bash
# firmware/debian/mkdeb.sh: the cordon .deb from a built tree, with
# dpkg-deb alone (no debian/rules, no debhelper). Run by `make deb`.
#
# Environment: O (build directory holding the cordon binary), VERSION
# (upstream version, the Makefile reads it from enforcer/main.c),
# DEB_REVISION (Debian revision, 1 by default).
# Output: $O/cordon_VERSION-REVISION_ARCH.deb, staged in $O/deb/.
set -euo pipefail
cd "$(dirname "$0")/../.."
umask 022

O=${O:-build}
VERSION=${VERSION:?VERSION is not set (make deb sets it)}
REV=${DEB_REVISION:-1}
DEBVER=$VERSION-$REV
ARCH=$(dpkg --print-architecture)
WORK=$O/deb
ST=$WORK/debian/cordon
DEB=$O/cordon_${DEBVER}_$ARCH.deb
SRC=firmware/debian

die() { echo "mkdeb: $*" >&2; exit 1; }

[[ -x $O/cordon ]] || die "$O/cordon is missing: make O=$O first"

rm -rf "$WORK"
mkdir -p "$ST/DEBIAN"
make --no-print-directory install DESTDIR="$ST" PREFIX=/usr O="$O" >/dev/null
install -D -m 0644 firmware/systemd/cordon.sysusers "$ST/usr/lib/sysusers.d/cordon.conf"

# What dh_strip and dh_installman would do.
strip --remove-section=.comment --remove-section=.note --strip-unneeded \
	"$ST/usr/sbin/cordon"
gzip -9n "$ST"/usr/share/man/man*/*.[0-9]

# Reproducible: the date of the last commit, or SOURCE_DATE_EPOCH.
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
doc=$ST/usr/share/doc/cordon
install -D -m 0644 "$SRC/copyright" "$doc/copyright"
install -D -m 0644 "$SRC/lintian-overrides" "$ST/usr/share/lintian/overrides/cordon"
{
	printf 'cordon (%s) unstable; urgency=medium\n\n' "$DEBVER"
	printf '  * Built from the cordon tree by make deb.\n\n'
	printf ' -- cordon maintainers <cordon@example.org>  %s\n' \
		"$(LC_ALL=C date -u -R -d "@$epoch")"
} | gzip -9n >"$doc/changelog.Debian.gz"
chmod 0644 "$doc/changelog.Debian.gz"

# Depends: the packages that ship the libraries the binary links.
# dpkg-shlibdeps (dpkg-dev) gives versioned ones; without it, ldd and
# dpkg -S give the package names alone. libcurl is loaded with dlopen
# (common/aws/curl_dl.h), so neither sees it: its package is added.
curl_pkg() {
	local so
	so=$(ldconfig -p | awk '$1 == "libcurl.so.4" && $NF ~ /^\// && !seen { print $NF; seen = 1 }')
	[[ -n $so ]] || die "libcurl.so.4 is not installed"
	{ dpkg -S "$(readlink -f "$so")" 2>/dev/null || dpkg -S "$so"; } | awk -F: 'NR == 1 { print $1 }'
}
shlibdeps() {
	if command -v dpkg-shlibdeps >/dev/null; then
		printf 'Source: cordon\n\nPackage: cordon\nArchitecture: any\n' \
			>"$WORK/debian/control"
		(cd "$WORK" && dpkg-shlibdeps -O -e"debian/cordon/usr/sbin/cordon") |
			sed -n 's/^shlibs:Depends=//p'
	else
		ldd "$ST/usr/sbin/cordon" | awk '$3 ~ /^\// { print $3 }' |
			while read -r lib; do
				dpkg -S "$(readlink -f "$lib")" 2>/dev/null ||
					dpkg -S "$lib" 2>/dev/null || echo "unowned: $lib" >&2
			done | cut -d: -f1 | sort -u | paste -sd, | sed 's/,/, /g'
	fi
}
deps=$(shlibdeps)
[[ -n $deps ]] || die "could not work out the shared library dependencies"
cpkg=$(curl_pkg)
[[ -n $cpkg ]] || die "no package ships libcurl.so.4"
deps="$deps, $cpkg"
case $deps in
*libasan* | *libubsan*) die "$O/cordon is a sanitizer build: make deb O=build without SANITIZE" ;;
esac
# adduser: postinst's fallback when systemd-sysusers is missing.
deps="$deps, adduser"

size=$(du -sk --apparent-size --exclude=DEBIAN "$ST" | cut -f1)
sed -e "s/@VERSION@/$DEBVER/" -e "s/@ARCH@/$ARCH/" \
	-e "s/@INSTALLED_SIZE@/$size/" -e "s/@DEPENDS@/$deps/" \
	"$SRC/control.in" >"$ST/DEBIAN/control"
install -m 0644 "$SRC/conffiles" "$ST/DEBIAN/conffiles"
for s in postinst prerm postrm; do
	install -m 0755 "$SRC/$s" "$ST/DEBIAN/$s"
done
# Conffiles are not listed: dpkg keeps their sums itself (dh_md5sums).
(cd "$ST" && find . \( -path ./DEBIAN -o -path ./etc \) -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z |
	xargs -0 md5sum) >"$ST/DEBIAN/md5sums"
chmod 0644 "$ST/DEBIAN/md5sums"

find "$ST" -exec touch -h -d "@$epoch" {} +
SOURCE_DATE_EPOCH=$epoch dpkg-deb --root-owner-group -Zxz --build "$ST" "$DEB" >/dev/null
echo "$DEB"
