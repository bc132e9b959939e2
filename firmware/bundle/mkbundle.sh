#!/bin/bash
# firmware/bundle/mkbundle.sh: cordon with every shared library it needs and
# the loader, runnable on a system that has none of them and any glibc. One
# recipe for both self-contained artefacts (docs/internals/packaging.md):
#
#   mkbundle.sh bundle BIN          $O/cordon-VERSION-ARCH.tar.gz (+ .sha256)
#                                   opt/cordon/{bin,lib,share}: the agent for
#                                   any systemd distribution (make bundle)
#   mkbundle.sh lambda BIN LAUNCHER $O/cordon-lambda.zip: bootstrap, bin/, lib/
#                                   for /var/task (make lambda)
#
# BIN is cordon relinked by the Makefile with its program interpreter at
# PREFIX/lib/ and a DT_RPATH of $ORIGIN/../lib, so the kernel starts it with
# the bundled loader and the loader finds every library beside it (RPATH,
# not RUNPATH: it also covers the libraries' own dependencies). The closure
# is what ldd says of the build's $O/cordon, and of libcurl (cordon loads
# it with dlopen when a command first talks to AWS: common/aws/curl_dl.h),
# each file copied under the soname it is asked for, plus libgcc_s (glibc
# dlopens it to unwind).
#
# Environment: O, VERSION, PREFIX (/opt/cordon or /var/task), PYTHON,
# SOURCE_DATE_EPOCH (default: the last commit's date).
set -euo pipefail
cd "$(dirname "$0")/../.."
umask 022

KIND=${1:?usage: mkbundle.sh bundle|lambda BIN [LAUNCHER]}
BIN=${2:?usage: mkbundle.sh bundle|lambda BIN [LAUNCHER]}
O=${O:-build}
VERSION=${VERSION:?VERSION is not set (make sets it)}
PREFIX=${PREFIX:?PREFIX is not set (make sets it)}
PYTHON=${PYTHON:-/usr/bin/python3}
STAGE=$O/$KIND-stage
TOP=$STAGE/root$PREFIX

die() { echo "mkbundle: $*" >&2; exit 1; }

[[ -x $O/cordon && -x $BIN ]] || die "$O/cordon or $BIN is missing: make O=$O first"
# Whole outputs first: with pipefail, grep -q closing the pipe early would
# fail the producer with SIGPIPE (exit 141) now and then.
if grep -qE 'libasan|libubsan' <<<"$(ldd "$O/cordon")"; then
	die "$O/cordon is a sanitizer build: make $KIND O=build without SANITIZE"
fi
interp=$(readelf -lW "$BIN" | sed -n 's/.*program interpreter: \(.*\)\]$/\1/p')
[[ $interp == "$PREFIX/lib/"* ]] || die "$BIN asks for the interpreter '$interp', not one under $PREFIX/lib"
# shellcheck disable=SC2016 # a literal $ORIGIN
grep -q 'RPATH.*\[\$ORIGIN/\.\./lib\]' <<<"$(readelf -dW "$BIN")" || die "$BIN has no DT_RPATH \$ORIGIN/../lib"
ARCH=$(uname -m)
case $(readelf -hW "$BIN" | sed -n 's/^ *Machine: *//p') in
*X86-64*) ARCH=x86_64 ;;
*AArch64*) ARCH=aarch64 ;;
esac
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}

rm -rf "$STAGE"
mkdir -p "$TOP/bin" "$TOP/lib"
install -m 0755 "$BIN" "$TOP/bin/cordon"
strip --remove-section=.comment --remove-section=.note --strip-unneeded "$TOP/bin/cordon"

# The path ldconfig's cache gives a soname (the first), or nothing.
lib_path() { ldconfig -p | awk -v so="$1" '$1 == so && $NF ~ /^\// && !seen { print $NF; seen = 1 }'; }
# libcurl and what it needs: ldd of the binary does not name them.
curl_so=$(lib_path libcurl.so.4)
[[ -n $curl_so ]] || die "libcurl.so.4 is not installed (cordon loads it at run time)"
# "soname path" of every library to bundle (the loader's own line aside).
closure() {
	{ ldd "$O/cordon"; echo "libcurl.so.4 => $curl_so (0)"; ldd "$curl_so"; } |
		awk '$2 == "=>" && !seen[$1]++ { print $1, $3 }'
}

# The libraries: "soname => /path (addr)" lines, and the loader's own line.
host_interp=$(readelf -lW "$O/cordon" | sed -n 's/.*program interpreter: \(.*\)\]$/\1/p')
[[ -n $host_interp ]] || die "$O/cordon has no program interpreter"
n=0
while read -r so path; do
	[[ -n $path && $path == /* ]] || die "ldd cannot resolve $so for $O/cordon"
	install -m 0644 "$(readlink -f "$path")" "$TOP/lib/$so"
	n=$((n + 1))
done < <(closure)
gcc_s=$(lib_path libgcc_s.so.1)
[[ -n $gcc_s ]] && install -m 0644 "$(readlink -f "$gcc_s")" "$TOP/lib/libgcc_s.so.1"
# The kernel opens the interpreter as an executable.
install -m 0755 "$(readlink -f "$host_interp")" "$TOP/lib/$(basename "$interp")"

# Proof on this machine: the bundled loader resolves every library inside
# lib/ (its own --list, with nothing but lib/ on its path).
if ! "$TOP/lib/$(basename "$interp")" --library-path "$TOP/lib" --list "$TOP/bin/cordon" >"$STAGE/list" 2>&1; then
	cat "$STAGE/list" >&2
	die "the bundled loader cannot load bin/cordon"
fi
# And libcurl's own libraries, for the dlopen.
if ! "$TOP/lib/$(basename "$interp")" --library-path "$TOP/lib" --list "$TOP/lib/libcurl.so.4" >>"$STAGE/list" 2>&1; then
	cat "$STAGE/list" >&2
	die "the bundled loader cannot load lib/libcurl.so.4"
fi
top_lib=$(readlink -f "$TOP/lib")
while read -r so path; do
	[[ $(readlink -f "$path") == "$top_lib/"* ]] || die "$so resolved outside the bundle: $path"
done < <(awk '$2 == "=>" { print $1, $3 }' "$STAGE/list")

# Licences of what is bundled: the copyright file of each library's package
# (one dpkg -S for all: it reads its whole database each time).
doc_libs() {
	local dest=$1 pkg
	local -a paths
	mkdir -p "$dest"
	mapfile -t paths < <({ closure | awk '{ print $2 }'
		ldd "$O/cordon" | awk '$1 ~ /^\// { print $1 }'
		echo "${gcc_s:-}"; } | sed '/^$/d' | xargs -r readlink -f | sort -u)
	# Merged /usr: dpkg may know a file under /lib only.
	for pkg in $(dpkg -S "${paths[@]}" "${paths[@]#/usr}" 2>/dev/null | cut -d: -f1 | sort -u); do
		[[ -r /usr/share/doc/$pkg/copyright ]] || continue
		install -m 0644 "/usr/share/doc/$pkg/copyright" "$dest/$pkg.copyright"
	done
}

case $KIND in
bundle)
	share=$TOP/share
	install -D -m 0644 firmware/systemd/cordon.service "$share/systemd/cordon.service"
	install -D -m 0644 firmware/systemd/cordon-lockdown.service "$share/systemd/cordon-lockdown.service"
	install -D -m 0644 firmware/systemd/cordon.sysusers "$share/sysusers.d/cordon.conf"
	install -D -m 0644 firmware/systemd/cordon.tmpfiles "$share/tmpfiles.d/cordon.conf"
	install -D -m 0644 firmware/man/cordon.8 "$share/man/man8/cordon.8"
	install -D -m 0644 firmware/man/cordon.conf.5 "$share/man/man5/cordon.conf.5"
	install -D -m 0644 firmware/cordon.conf "$share/cordon/cordon.conf"
	install -D -m 0755 firmware/bundle/install.sh "$share/cordon/install.sh"
	install -D -m 0644 firmware/debian/copyright "$share/doc/cordon/copyright"
	doc_libs "$share/doc/cordon/libraries"
	printf '%s\n' "$VERSION" >"$share/cordon/VERSION"
	printf '%s\n' "$ARCH" >"$share/cordon/ARCH"
	# Every file's sum, checked by install.sh before it copies anything.
	(cd "$STAGE/root" && find "${PREFIX#/}" -type f ! -name SHA256SUMS -printf '%P\0' |
		LC_ALL=C sort -z | (cd "${PREFIX#/}" && xargs -0 sha256sum)) >"$share/cordon/SHA256SUMS"
	find "$STAGE/root" -exec touch -h -d "@$epoch" {} +
	out=$O/cordon-$VERSION-$ARCH.tar.gz
	tar -C "$STAGE/root" --sort=name --owner=0 --group=0 --numeric-owner \
		--mtime="@$epoch" -cf - "${PREFIX#/}" | gzip -9n >"$out.tmp"
	mv "$out.tmp" "$out"
	(cd "$(dirname "$out")" && sha256sum "$(basename "$out")") >"$out.sha256"
	;;
lambda)
	LAUNCHER=${3:?usage: mkbundle.sh lambda BIN LAUNCHER}
	! grep -q INTERP <<<"$(readelf -lW "$LAUNCHER")" || die "$LAUNCHER is not a static executable"
	install -m 0755 "$LAUNCHER" "$TOP/bootstrap"
	doc_libs "$TOP/share/doc/libraries"
	install -D -m 0644 firmware/debian/copyright "$TOP/share/doc/cordon.copyright"
	printf '%s %s\n' "$VERSION" "$ARCH" >"$TOP/share/VERSION"
	out=$O/cordon-lambda.zip
	"$PYTHON" firmware/bundle/mkzip.py "$TOP" "$out" "$epoch"
	;;
*) die "unknown kind '$KIND' (bundle or lambda)" ;;
esac
echo "$out ($n libraries and the loader, $(du -k "$out" | cut -f1) KiB, $ARCH)"
