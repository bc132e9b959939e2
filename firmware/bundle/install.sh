#!/bin/bash
# cordon bundle installer: opt/cordon/share/cordon/install.sh inside the
# self-contained bundle (make bundle). Run it from the unpacked bundle, as
# root, on any systemd distribution:
#
#   tar -xzf cordon-VERSION-ARCH.tar.gz -C DIR && bash DIR/opt/cordon/share/cordon/install.sh
#
# It installs the tree it sits in as /opt/cordon (swapped in whole, so a
# half-copied tree is never the one that runs), links /usr/sbin/cordon,
# puts the units, sysusers and tmpfiles files under /usr/local/lib (the
# administrator's place, searched by systemd everywhere), creates the
# cordon user and /var/lib/cordon, and a default /etc/cordon/cordon.conf
# when there is none. An upgrade keeps the state directory (lockdown state,
# journal, evidence) and the config untouched, never unloads nftables, and
# restarts the daemon only if it was running: a lockdown in force stays in
# the kernel throughout. firmware/user-data.sh runs it; so can an operator.
set -Eeuo pipefail
umask 022

PREFIX=/opt/cordon
UNITDIR=/usr/local/lib/systemd/system
LIBDIR=/usr/local/lib
MANDIR=/usr/local/share/man
CONF=/etc/cordon/cordon.conf
STATE=/var/lib/cordon
UNITS="cordon-lockdown.service cordon.service"

say() { printf 'cordon-bundle: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
trap 'die "failed at line $LINENO: $BASH_COMMAND"' ERR

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
[[ $(id -u) -eq 0 ]] || die "run as root"
[[ -r $SRC/share/cordon/VERSION && -r $SRC/share/cordon/ARCH && -x $SRC/bin/cordon ]] ||
	die "$SRC is not an unpacked cordon bundle (no share/cordon/VERSION, ARCH or bin/cordon)"
VERSION=$(cat "$SRC/share/cordon/VERSION")
ARCH=$(cat "$SRC/share/cordon/ARCH")
[[ $ARCH == "$(uname -m)" ]] || die "this bundle is for $ARCH, this machine is $(uname -m)"
(cd "$SRC" && sha256sum --quiet --strict -c share/cordon/SHA256SUMS) >/dev/null 2>&1 ||
	die "$SRC does not match its share/cordon/SHA256SUMS: a damaged or altered bundle"
if [[ -e /usr/sbin/cordon && ! -L /usr/sbin/cordon ]]; then
	die "/usr/sbin/cordon is a packaged cordon: upgrade it with the package manager, or remove the package first"
fi

# An earlier run stopped between the two renames below: put it back.
if [[ ! -e $PREFIX && -d $PREFIX.old ]]; then
	mv -T "$PREFIX.old" "$PREFIX"
fi
old=
[[ -r $PREFIX/share/cordon/VERSION ]] && old=$(cat "$PREFIX/share/cordon/VERSION")
if [[ $SRC != "$(readlink -f "$PREFIX" 2>/dev/null || true)" ]]; then
	rm -rf "$PREFIX.new" "$PREFIX.old"
	mkdir -p "$(dirname "$PREFIX")"
	cp -a "$SRC" "$PREFIX.new"
	chown -R 0:0 "$PREFIX.new"
	# Processes already running keep the old files (they are not
	# overwritten in place); what starts next gets the whole new tree.
	if [[ -e $PREFIX ]]; then
		mv -T "$PREFIX" "$PREFIX.old"
	fi
	mv -T "$PREFIX.new" "$PREFIX"
	rm -rf "$PREFIX.old"
fi

link() { # link TARGET LINK: replace LINK atomically
	mkdir -p "$(dirname "$2")"
	ln -sfn "$1" "$2.cordon-new"
	mv -T "$2.cordon-new" "$2"
}
link "$PREFIX/bin/cordon" /usr/sbin/cordon
link "$PREFIX/share/man/man8/cordon.8" "$MANDIR/man8/cordon.8"
link "$PREFIX/share/man/man5/cordon.conf.5" "$MANDIR/man5/cordon.conf.5"
for u in $UNITS; do
	install -D -m 0644 "$PREFIX/share/systemd/$u" "$UNITDIR/$u"
done
install -D -m 0644 "$PREFIX/share/sysusers.d/cordon.conf" "$LIBDIR/sysusers.d/cordon.conf"
install -D -m 0644 "$PREFIX/share/tmpfiles.d/cordon.conf" "$LIBDIR/tmpfiles.d/cordon.conf"

# The user, from the sysusers file; useradd where systemd-sysusers is
# missing. An existing cordon user is left alone.
if ! getent passwd cordon >/dev/null; then
	if command -v systemd-sysusers >/dev/null; then
		systemd-sysusers cordon.conf
	else
		nologin=$(command -v nologin || echo /sbin/nologin)
		getent group cordon >/dev/null || groupadd -r cordon
		useradd -r -g cordon -d "$STATE" -M -s "$nologin" -c "cordon host sensor" cordon
	fi
fi
getent passwd cordon >/dev/null || die "could not create the cordon user"
# The state directory: made if missing, its contents never touched.
if command -v systemd-tmpfiles >/dev/null; then
	systemd-tmpfiles --create cordon.conf
fi
[[ -d $STATE ]] || install -d -o cordon -g cordon -m 0750 "$STATE"
if [[ ! -e $CONF ]]; then
	install -D -m 0640 -g cordon "$PREFIX/share/cordon/cordon.conf" "$CONF"
fi

# Enabled on first install; an upgrade keeps the administrator's choice.
# systemctl enable only writes links, so it works without a running systemd.
if [[ -z $old ]]; then
	# shellcheck disable=SC2086 # one unit a word
	systemctl enable $UNITS >/dev/null 2>&1 || say "could not enable $UNITS"
fi
if [[ -d /run/systemd/system ]]; then
	systemctl daemon-reload
	# The new binary runs if the daemon did; the restore unit is for boot
	# (a lockdown in force is already in the kernel).
	systemctl try-restart cordon.service
fi
say "installed cordon $VERSION ($ARCH) in $PREFIX${old:+ (was $old)}"
