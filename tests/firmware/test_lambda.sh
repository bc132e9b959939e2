#!/bin/bash
# tests/firmware/test_lambda.sh: `make lambda`, what is in the zip, and the
# zip unpacked to /var/task in an EMPTY root (a tmpfs with nothing else but
# /proc and /dev), read-only and run as an unprivileged user, as Lambda's
# provided.al2023 runtime does: bootstrap starts cordon through the bundled
# loader, and cordon trusts the CA bundle where Amazon Linux keeps it. The
# Runtime API loop itself (`cordon respond`) is tested with the command. TAP.
#
# Environment: BUNDLE_O (build directory of a non-sanitizer build, default
# build; made if missing). See docs/internals/packaging.md.
# Its own mount and network namespace (lib.sh).
FW_OWN_NS=1
# shellcheck source=tests/firmware/lib.sh
source "$(dirname "$0")/lib.sh"
fw_artefact_setup
R=$FW_WORK/root
ZIP=$BUNDLE_O/cordon-lambda.zip
trap fw_root_cleanup EXIT

fw_make lambda
check "make lambda made $ZIP ($(du -k "$ZIP" | cut -f1) KiB)" test -s "$ZIP"

# The zip as Lambda reads it: names, modes, sizes (50 MB zipped, 250 MB
# unpacked are Lambda's limits for a direct upload).
"$PY" - "$ZIP" >"$FW_WORK/zipinfo" <<'EOF'
import stat, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
for i in z.infolist():
    mode = i.external_attr >> 16
    kind = "d" if i.is_dir() else ("l" if stat.S_ISLNK(mode) else "f")
    print("%s %o %d %s" % (kind, mode & 0o7777, i.file_size, i.filename))
EOF
check "bootstrap at the root, mode 755" grep -qx 'f 755 [0-9]* bootstrap' "$FW_WORK/zipinfo"
check "bin/cordon 755, libraries under lib/" bash -c \
	"grep -qx 'f 755 [0-9]* bin/cordon' '$FW_WORK/zipinfo' && grep -q ' lib/libc.so.6$' '$FW_WORK/zipinfo'"
check "no symlinks, no absolute or .. paths" bash -c \
	"! grep -qE '^l |  ?/|(^| )\.\./|/\.\./' '$FW_WORK/zipinfo'"
unpacked=$(awk '{ s += $3 } END { print s }' "$FW_WORK/zipinfo")
check "within Lambda's limits: $(($(stat -c %s "$ZIP") / 1024)) KiB zipped (50 MB), $((unpacked / 1024)) KiB unpacked (250 MB)" \
	test "$(stat -c %s "$ZIP")" -lt 52428800 -a "$unpacked" -lt 262144000

if ! empty_root "$R"; then
	skip "no tmpfs/proc mount here: the zip is not run"
	finish
	exit
fi
mkdir -p "$R/var/task"
# Unpacked the way Lambda does: files and modes from the zip, nothing else.
"$PY" - "$ZIP" "$R/var/task" <<'EOF'
import os, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
for i in z.infolist():
    path = z.extract(i, sys.argv[2])
    if not i.is_dir():
        os.chmod(path, (i.external_attr >> 16) & 0o7777)
EOF
TASK=$R/var/task
check "bootstrap is static: no program interpreter" bash -c "! readelf -lW '$TASK/bootstrap' | grep -q INTERP"
check "bin/cordon starts through /var/task/lib's loader, DT_RPATH \$ORIGIN/../lib" bash -c \
	"readelf -lW '$TASK/bin/cordon' | grep -q 'program interpreter: /var/task/lib/ld-linux' &&
	 readelf -dW '$TASK/bin/cordon' | grep -E '\(RPATH\)' | grep -qF '[\$ORIGIN/../lib]'"
check "the root holds /var/task, /proc and /dev, nothing else" \
	test "$(root_top "$R")" = "dev proc var var/task"
# Lambda's code directory is read-only and the function runs unprivileged.
mount --bind "$TASK" "$TASK" && mount -o remount,bind,ro "$TASK"
mkdir -p "$R/tmp" && chmod 1777 "$R/tmp"
PATH_HOST=/usr/sbin:/usr/bin:/sbin:/bin
boot() { # boot [ENV=VALUE...] -- ARGS...: /var/task/bootstrap as uid 993
	local envs=()
	while [[ $1 != -- ]]; do envs+=("$1"); shift; done
	shift
	env -i PATH=$PATH_HOST LAMBDA_TASK_ROOT=/var/task "${envs[@]}" \
		chroot --userspec=993:993 "$R" /var/task/bootstrap "$@"
}
check "bootstrap --version: cordon $VERSION" test "$(boot -- --version 2>&1)" = "cordon $VERSION"
check "bootstrap help lists the commands" bash -c "$(declare -f boot); R=$R PATH_HOST=$PATH_HOST;
	boot -- help | grep -q '^  release '"
boot -- >"$FW_WORK/noargs.out" 2>&1
rc=$?
check "bootstrap without arguments runs cordon respond (exit $rc)" bash -c \
	"[[ $rc -ne 127 ]] && grep -q 'respond' '$FW_WORK/noargs.out' && ! grep -q '^bootstrap:' '$FW_WORK/noargs.out'" ||
	show "$FW_WORK/noargs.out"
# shellcheck disable=SC2046 # 300 words on purpose
boot -- $(seq 300) >"$FW_WORK/many.out" 2>&1
check "bootstrap refuses more arguments than it holds (exit 2)" bash -c \
	"[[ $? -eq 2 ]] || grep -q 'at most' '$FW_WORK/many.out'"

if ! tls_ca "$FW_WORK/pki" || ! command -v ip >/dev/null; then
	skip "no openssl or iproute2: the TLS lookup is not tried"
	finish
	exit
fi
mkdir -p "$FW_WORK/s3/lists" "$R/etc/pki/tls/certs"
printf '203.0.113.7\n198.51.100.0/25\n' >"$FW_WORK/s3/lists/threat.txt"
tls_s3_start "$FW_WORK/s3" || { fail "tls_s3.py starts"; finish; exit 1; }
fetch() { # fetch [ENV=VALUE...]: cordon sync of one list over TLS, from /tmp
	rm -rf "$R/tmp/st"
	boot AWS_ENDPOINT_URL="$S3_URL" AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=AKIDFIRMWARETEST \
		AWS_SECRET_ACCESS_KEY=secret AWS_SESSION_TOKEN=token AWS_MAX_ATTEMPTS=1 "$@" -- \
		sync --no-enforce --state-dir /tmp/st --timeout 10 --threat-list txt:s3://lists/threat.txt \
		>"$FW_WORK/sync.out" 2>&1
}
fetch
check "no CA bundle in the root: TLS refused" bash -c "! grep -q 'updated, 2 entries' '$FW_WORK/sync.out'"
cp "$CA" "$R/etc/pki/tls/certs/ca-bundle.crt"
fetch
check "CA bundle at /etc/pki/tls/certs/ca-bundle.crt (provided.al2023): list fetched over TLS" \
	grep -q 'updated, 2 entries' "$FW_WORK/sync.out" || show "$FW_WORK/sync.out"
mv "$R/etc/pki/tls/certs/ca-bundle.crt" "$R/tmp/ca.pem"
fetch SSL_CERT_FILE=/tmp/ca.pem
check "SSL_CERT_FILE honoured" grep -q 'updated, 2 entries' "$FW_WORK/sync.out" || show "$FW_WORK/sync.out"
fetch AWS_CA_BUNDLE=/tmp/ca.pem
check "AWS_CA_BUNDLE honoured" grep -q 'updated, 2 entries' "$FW_WORK/sync.out" || show "$FW_WORK/sync.out"
finish
