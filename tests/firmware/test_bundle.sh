#!/bin/bash
# tests/firmware/test_bundle.sh: `make bundle`, what is in it, and the agent
# run from it in an EMPTY root: a tmpfs holding nothing but the unpacked
# bundle, /proc and /dev (no libc, no loader, no /etc), chrooted, in this
# script's own network namespace. There it replays the golden captures and
# answers `cordon check` (tests/golden/check.py, the very checks the build
# passes), enforces a list and locks the host down in nftables, and
# fetches a list over TLS trusting the CA bundle at Amazon Linux's path. TAP.
#
# Environment: BUNDLE_O (build directory of a non-sanitizer build, default
# build; made if missing). See docs/internals/packaging.md.
# Its own mount and network namespace (lib.sh).
FW_OWN_NS=1
# shellcheck source=tests/firmware/lib.sh
source "$(dirname "$0")/lib.sh"
fw_artefact_setup
R=$FW_WORK/root
trap fw_root_cleanup EXIT

# ---- the tarball ---------------------------------------------------------

fw_make bundle
TGZ=$BUNDLE_O/cordon-$VERSION-$ARCH.tar.gz
check "make bundle made $TGZ ($(du -k "$TGZ" | cut -f1) KiB)" test -s "$TGZ"
check "$TGZ.sha256 is its SHA-256" bash -c "cd '$BUNDLE_O' && sha256sum --quiet -c '${TGZ##*/}.sha256'"
tar -tzvf "$TGZ" >"$FW_WORK/list"
check "every path is under opt/cordon/" bash -c "! tar -tzf '$TGZ' | grep -v '^opt/cordon/'"
check "owned by root, no setuid, no device" bash -c \
	"! awk '\$2 != \"0/0\" || \$1 ~ /[sS]/ || \$1 ~ /^[bcp]/' '$FW_WORK/list' | grep -q ."
mkdir -p "$FW_WORK/x"
tar -xzf "$TGZ" -C "$FW_WORK/x"
X=$FW_WORK/x/opt/cordon
check "bin/cordon starts through the bundled loader (/opt/cordon/lib/...)" bash -c \
	"readelf -lW '$X/bin/cordon' | grep -q 'program interpreter: /opt/cordon/lib/ld-linux'"
check "bin/cordon's DT_RPATH is \$ORIGIN/../lib (it covers the libraries' own needs)" bash -c \
	"readelf -dW '$X/bin/cordon' | grep -E '\(RPATH\)' | grep -qF '[\$ORIGIN/../lib]' &&
	 ! readelf -dW '$X/bin/cordon' | grep -q RUNPATH"
check "glibc comes along: lib/libc.so.6 and the loader" test -s "$X/lib/libc.so.6" -a -x "$X/lib/$(basename "$(readelf -lW "$X/bin/cordon" | sed -n 's/.*interpreter: \(.*\)\]$/\1/p')")"
needed_all() {
	local so missing=0
	for f in "$X/bin/cordon" "$X"/lib/*.so*; do
		while read -r so; do
			[[ -e $X/lib/$so ]] || { echo "# $(basename "$f") needs $so, not in lib/" >&2; missing=1; }
		done < <(readelf -dW "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p')
	done
	return "$missing"
}
check "every DT_NEEDED of the binary and of each library is in lib/" needed_all
check "not a sanitizer build, binary stripped" bash -c \
	"! readelf -dW '$X/bin/cordon' | grep -qE 'libasan|libubsan' && ! readelf -SW '$X/bin/cordon' | grep -q '\.symtab'"
same() { cmp -s "$1" "$2" || { echo "# $2 differs from $1" >&2; return 1; }; }
check "units, sysusers, tmpfiles are firmware/systemd's" bash -c "$(declare -f same);
	same firmware/systemd/cordon.service '$X/share/systemd/cordon.service' &&
	same firmware/systemd/cordon-lockdown.service '$X/share/systemd/cordon-lockdown.service' &&
	same firmware/systemd/cordon.sysusers '$X/share/sysusers.d/cordon.conf' &&
	same firmware/systemd/cordon.tmpfiles '$X/share/tmpfiles.d/cordon.conf'"
check "man pages, default config, installer" bash -c "$(declare -f same);
	same firmware/man/cordon.8 '$X/share/man/man8/cordon.8' &&
	same firmware/man/cordon.conf.5 '$X/share/man/man5/cordon.conf.5' &&
	same firmware/cordon.conf '$X/share/cordon/cordon.conf' &&
	same firmware/bundle/install.sh '$X/share/cordon/install.sh'"
check "share/cordon/VERSION $VERSION and ARCH $ARCH" test \
	"$(cat "$X/share/cordon/VERSION") $(cat "$X/share/cordon/ARCH")" = "$VERSION $ARCH"
check "SHA256SUMS covers every other file and matches" bash -c \
	"cd '$X' && sha256sum --quiet --strict -c share/cordon/SHA256SUMS &&
	 [[ \$(find . -type f ! -name SHA256SUMS | wc -l) -eq \$(wc -l <share/cordon/SHA256SUMS) ]]"
check "the licence of glibc and of libcurl are shipped" test -s "$X/share/doc/cordon/libraries/libc6.copyright" \
	-a -s "$X/share/doc/cordon/libraries/libcurl4.copyright"
cp "$TGZ" "$FW_WORK/first.tgz"
nice make --no-print-directory O="$BUNDLE_O" bundle >/dev/null 2>&1
check "reproducible: a second make bundle gives the same bytes" cmp -s "$FW_WORK/first.tgz" "$TGZ"

# ---- an empty root -------------------------------------------------------

if ! empty_root "$R"; then
	skip "no tmpfs/proc mount here: the bundle is not run"
	finish
	exit
fi
tar -xzf "$TGZ" -C "$R"
check "the root holds the bundle, /proc and /dev, nothing else" \
	test "$(root_top "$R")" = "dev opt opt/cordon proc"
PATH_HOST=/usr/sbin:/usr/bin:/sbin:/bin
in_root() { env -i PATH=$PATH_HOST chroot "$R" /opt/cordon/bin/cordon "$@"; }
check "cordon --version in the empty root: cordon $VERSION" test "$(in_root --version 2>&1)" = "cordon $VERSION"
check "cordon help there" bash -c "$(declare -f in_root); R=$R PATH_HOST=$PATH_HOST; in_root help | grep -q lockdown"

# The golden suite against the bundled binary: the captures, lists and
# trusted file are bind-mounted read-only at their own paths.
"$PY" tests/golden/gen.py "$FW_WORK/gold" >"$FW_WORK/gen.out" 2>&1 || show "$FW_WORK/gen.out"
for d in "$FW_WORK/gold" "$ROOT/tests"; do
	mkdir -p "$R$d"
	mount --bind -o ro "$d" "$R$d" && mount -o remount,bind,ro "$R$d"
done
cat >"$FW_WORK/cordon-in-root" <<EOF
#!/bin/sh
exec env -i PATH=$PATH_HOST chroot '$R' /opt/cordon/bin/cordon "\$@"
EOF
chmod +x "$FW_WORK/cordon-in-root"
"$PY" tests/golden/check.py "$FW_WORK/cordon-in-root" "$FW_WORK/gold" >"$FW_WORK/golden.out" 2>&1
rc=$?
while IFS= read -r line; do
	case $line in
	"ok "*) ok "empty root: ${line#ok * - }" ;;
	"not ok "*) fail "empty root: ${line#not ok * - }" ;;
	"#"*) echo "$line" ;;
	esac
done <"$FW_WORK/golden.out"
check "empty root: golden replay and check suite exits 0 ($rc)" test "$rc" -eq 0
for d in "$ROOT/tests" "$FW_WORK/gold"; do umount "$R$d"; done

# nftables from the empty root, in this script's own network namespace.
mkdir -p "$R/st"
printf '203.0.113.7\n198.51.100.0/25\n2001:db8:c0::/48\n' >"$R/st/threat.txt"
in_root enforce --state-dir /st --threat-list /st/threat.txt --no-resolv-conf \
	--agent-user 0 >"$FW_WORK/enforce.out" 2>&1
check "empty root: cordon enforce exits 0" test $? -eq 0 || show "$FW_WORK/enforce.out"
nft list table inet cordon >"$FW_WORK/nft.out" 2>&1
check "empty root: the kernel's threat sets hold the list" bash -c \
	"grep -q '203.0.113.7' '$FW_WORK/nft.out' && grep -q '198.51.100.0/25' '$FW_WORK/nft.out' &&
	 grep -q '2001:db8:c0::/48' '$FW_WORK/nft.out'" || show "$FW_WORK/nft.out"
in_root lockdown --local-only --state-dir /st --no-resolv-conf --agent-user 0 \
	--reason "bundle test" >"$FW_WORK/lock.out" 2>&1
check "empty root: cordon lockdown --local-only in force, state recorded" bash -c \
	"grep -q 'lockdown: in force' '$FW_WORK/lock.out' && test -s '$R/st/lockdown'" || show "$FW_WORK/lock.out"
check "empty root: cordon status sees the lockdown" bash -c \
	"$(declare -f in_root); R=$R PATH_HOST=$PATH_HOST; in_root status --state-dir /st | grep -q '^mode: lockdown'"
in_root unload --state-dir /st >/dev/null 2>&1

# TLS: the CA bundle where Amazon Linux keeps it, and nowhere else.
if ! tls_ca "$FW_WORK/pki" || ! command -v ip >/dev/null; then
	skip "no openssl or iproute2: the TLS lookup is not tried"
	finish
	exit
fi
mkdir -p "$FW_WORK/s3/lists"
cp "$R/st/threat.txt" "$FW_WORK/s3/lists/threat.txt"
tls_s3_start "$FW_WORK/s3" || { fail "tls_s3.py starts"; finish; exit 1; }
sync_in_root() { # sync_in_root [ENV=VALUE...]: one list sync over TLS
	env -i PATH=$PATH_HOST AWS_ENDPOINT_URL="$S3_URL" AWS_REGION=us-east-1 \
		AWS_ACCESS_KEY_ID=AKIDFIRMWARETEST AWS_SECRET_ACCESS_KEY=secret \
		AWS_EC2_METADATA_DISABLED=true AWS_MAX_ATTEMPTS=1 "$@" \
		chroot "$R" /opt/cordon/bin/cordon sync --no-enforce --state-dir /st/sync \
		--timeout 10 --threat-list txt:s3://lists/threat.txt >"$FW_WORK/sync.out" 2>&1
}
mkdir -p "$R/st/sync" "$R/etc/pki/tls/certs"
sync_in_root
check "empty root, no CA bundle anywhere: TLS refused" bash -c \
	"! grep -q 'updated, 3 entries' '$FW_WORK/sync.out'" || show "$FW_WORK/sync.out"
cp "$CA" "$R/etc/pki/tls/certs/ca-bundle.crt"
sync_in_root
check "CA bundle at /etc/pki/tls/certs/ca-bundle.crt (Amazon Linux): list fetched over TLS" \
	grep -q 'updated, 3 entries' "$FW_WORK/sync.out" || show "$FW_WORK/sync.out"
mv "$R/etc/pki/tls/certs/ca-bundle.crt" "$R/st/elsewhere.pem"
rm -rf "$R/st/sync" && mkdir -p "$R/st/sync"
sync_in_root SSL_CERT_FILE=/st/elsewhere.pem
check "SSL_CERT_FILE names the bundle: fetched" grep -q 'updated, 3 entries' "$FW_WORK/sync.out" ||
	show "$FW_WORK/sync.out"
rm -rf "$R/st/sync" && mkdir -p "$R/st/sync"
sync_in_root AWS_CA_BUNDLE=/st/elsewhere.pem SSL_CERT_FILE=/nonexistent.pem
check "AWS_CA_BUNDLE wins over SSL_CERT_FILE" grep -q 'updated, 3 entries' "$FW_WORK/sync.out" ||
	show "$FW_WORK/sync.out"
finish
