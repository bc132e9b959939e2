#!/bin/bash
# tests/firmware/lib.sh: TAP helpers for the firmware tests, sourced.
# shellcheck disable=SC2034 # ROOT and PY are for the scripts that source this
set -u
# FW_OWN_NS=1 (set before sourcing this): the script runs again in its own
# mount and network namespace, before anything is made here: its mounts
# and servers vanish with it, and nothing it starts can reach beyond its
# own loopback. fw_own_ns_or_skip below ends it where that cannot be.
if [[ -n ${FW_OWN_NS:-} && -z ${CORDON_FW_NS:-} ]] && command -v unshare >/dev/null; then
	CORDON_FW_NS=1 exec unshare --mount --net --propagation private -- "$0" "$@"
fi
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
ROOT=$PWD
PY=${PYTHON:-/usr/bin/python3}
FW_WORK=$(mktemp -d /tmp/cordon-fw.XXXXXX)
trap 'rm -rf "$FW_WORK"' EXIT
T=0
FAILED=0

ok() { T=$((T + 1)); echo "ok $T - $*"; }
fail() { T=$((T + 1)); FAILED=$((FAILED + 1)); echo "not ok $T - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else fail "$what"; return 1; fi; }
skip() { T=$((T + 1)); echo "ok $T - $* # SKIP"; }
finish() { echo "1..$T"; [[ $FAILED -eq 0 ]]; }
# Print a file as TAP comments (diagnostics after a failure).
show() { sed 's/^/# /' "$@" >&2; }

# --- self-contained artefacts (test_bundle.sh, test_lambda.sh, test_userdata_bundle.sh)

# fw_artefact_setup: a SKIP plan and the end where FW_OWN_NS found no
# unshare (or was not root); else BUNDLE_O, the build directory of a
# non-sanitizer build (made if missing), VERSION and ARCH.
fw_artefact_setup() {
	if [[ -z ${CORDON_FW_NS:-} ]]; then
		echo "1..0 # SKIP needs unshare (util-linux) and root"
		exit 0
	fi
	BUNDLE_O=${BUNDLE_O:-build}
	VERSION=$(sed -n 's/^#define CORDON_VERSION "\(.*\)"$/\1/p' enforcer/main.c)
	ARCH=$(uname -m)
}

# fw_root_cleanup: the trap on EXIT of the artefact tests: the TLS S3
# server if one runs, every mount under $FW_WORK/root, $FW_WORK.
fw_root_cleanup() {
	[[ -n ${S3_PID:-} ]] && kill "$S3_PID" 2>/dev/null
	umount -R "$FW_WORK/root" 2>/dev/null
	rm -rf --one-file-system "$FW_WORK"
}

# fw_make TARGET: make TARGET in BUNDLE_O, or a failed check, its output
# and the end of the script.
fw_make() {
	if ! nice make --no-print-directory O="$BUNDLE_O" "$1" >"$FW_WORK/make.out" 2>&1; then
		fail "make $1"
		show "$FW_WORK/make.out"
		finish
		exit 1
	fi
}

# empty_root DIR: a tmpfs at DIR holding nothing but /proc and /dev.
empty_root() {
	mkdir -p "$1" &&
		mount -t tmpfs -o size=512m,mode=0755 cordon-root "$1" &&
		mkdir "$1/proc" "$1/dev" &&
		mount -t proc proc "$1/proc" &&
		mount --rbind /dev "$1/dev" && mount --make-rslave "$1/dev"
}

# root_top ROOT: the root's top two levels, one line ("dev opt opt/cordon proc").
root_top() {
	(cd "$1" && find . -mindepth 1 -maxdepth 2 ! -path './proc/*' ! -path './dev/*' -printf '%P\n') |
		LC_ALL=C sort | paste -sd' '
}

# tls_ca DIR: a throwaway CA and a certificate for 127.0.0.1 signed by it
# (EC keys: RSA costs seconds on a loaded machine). Sets CA, CERT, KEY.
tls_ca() {
	local d=$1
	mkdir -p "$d"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj "/CN=cordon firmware test CA $$" -keyout "$d/ca.key" -out "$d/ca.pem" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign >/dev/null 2>&1 &&
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=127.0.0.1" \
			-keyout "$d/server.key" -out "$d/server.csr" >/dev/null 2>&1 &&
		printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$d/ext" &&
		openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
			-days 2 -extfile "$d/ext" -out "$d/server.pem" >/dev/null 2>&1 || return 1
	CA=$d/ca.pem CERT=$d/server.pem KEY=$d/server.key
}

# tls_s3_start DIR: tls_s3.py serving DIR/BUCKET/KEY on 127.0.0.1 (this
# script's own network namespace); sets S3_URL and S3_PID.
tls_s3_start() {
	local i
	ip link set lo up 2>/dev/null
	"$PY" tests/firmware/tls_s3.py "$1" "$CERT" "$KEY" "$FW_WORK/tls_s3.log" >"$FW_WORK/tls_s3.port" &
	S3_PID=$!
	for ((i = 0; i < 100; i++)); do
		[[ -s $FW_WORK/tls_s3.port ]] && break
		sleep 0.1
	done
	S3_URL=https://127.0.0.1:$(cat "$FW_WORK/tls_s3.port")
	[[ -s $FW_WORK/tls_s3.port ]]
}
