#!/bin/bash
# tests/aws/lib.sh: a local AWS region for the tests, sourced by
# tests/aws/test_*.sh. moto_server over HTTPS with a CA made here, SigV4
# checking on (INITIAL_NO_AUTH_ACTION_COUNT covers exactly the IAM calls
# that create the test user and its key), a fault-injecting TLS proxy in
# front of it, and cleanup on exit. Everything listens on 127.0.0.1.
#
#   cordon --(TLS)--> faultproxy.py --(TLS)--> moto_server   ($PROXY_URL)
#   cordon --(TLS)-------------------------->  moto_server   ($MOTO_URL)
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$PWD
O=${O:-build/san}
CORDON=${CORDON:-$ROOT/$O/cordon}
SYS_PY=${PYTHON:-/usr/bin/python3}
AWS_WORK=$(mktemp -d /tmp/cordon-aws.XXXXXX)
PIDS=()
NETNS=()
T=0
FAILED=0

aws_cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	for p in "${NETNS[@]}"; do
		ip netns del "$p" 2>/dev/null
	done
	rm -rf "$AWS_WORK"
}
trap aws_cleanup EXIT

ok() { T=$((T + 1)); echo "ok $T - $*"; }
fail() { T=$((T + 1)); FAILED=$((FAILED + 1)); echo "not ok $T - $*"; }
# check WHAT CMD...: one TAP line from a command's status.
check() { local what=$1; shift; if "$@"; then ok "$what"; else fail "$what"; fi; }
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
finish() { echo "1..$T"; [[ $FAILED -eq 0 ]]; }

# The Python that has moto, boto3 and the AWS CLI (pyenv's), not Debian's.
find_moto_python() {
	local py
	for py in "${MOTO_PYTHON:-}" python3 /root/.pyenv/shims/python3; do
		[[ -n $py ]] || continue
		# find_spec, not import: importing moto takes seconds.
		if "$py" -c 'import importlib.util as u, sys; sys.exit(not all(u.find_spec(m) for m in ("moto", "boto3", "flask")))' 2>/dev/null; then
			MOTO_PY=$py
			return 0
		fi
	done
	return 1
}

free_port() {
	"$SYS_PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# A CA and a server certificate for 127.0.0.1 and localhost.
make_ca() {
	local d=$AWS_WORK/pki
	mkdir -p "$d"
	# EC keys: an RSA key costs seconds on a loaded machine.
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=cordon test CA $$" \
		-keyout "$d/ca.key" -out "$d/ca.pem" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign >/dev/null 2>&1 || return 1
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=127.0.0.1" \
		-keyout "$d/server.key" -out "$d/server.csr" >/dev/null 2>&1 || return 1
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$d/ext"
	openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
		-CAcreateserial -days 2 -extfile "$d/ext" -out "$d/server.pem" >/dev/null 2>&1 || return 1
	CA=$d/ca.pem
	CERT=$d/server.pem
	KEY=$d/server.key
}

wait_https() { # URL: until it answers (any HTTP status), 30 s at most
	local i
	for ((i = 0; i < 150; i++)); do
		curl -s -o /dev/null --cacert "$CA" "$1" && return 0
		sleep 0.2
	done
	return 1
}

# Start moto, make an IAM user with a key (the only unsigned calls), and
# export the environment every cordon call uses.
start_moto() {
	find_moto_python || skip_all "no python3 with moto and boto3"
	make_ca || skip_all "openssl cannot make a CA"
	MOTO_PORT=$(free_port)
	MOTO_URL=https://127.0.0.1:$MOTO_PORT
	INITIAL_NO_AUTH_ACTION_COUNT=3 "$MOTO_PY" -m moto.server -H 127.0.0.1 -p "$MOTO_PORT" \
		-c "$CERT" -k "$KEY" >"$AWS_WORK/moto.log" 2>&1 &
	PIDS+=($!)
	wait_https "$MOTO_URL/moto-api/" || { cat "$AWS_WORK/moto.log"; echo "Bail out! moto did not start"; exit 1; }
	"$MOTO_PY" tests/aws/moto_setup.py "$MOTO_URL" "$CA" >"$AWS_WORK/creds.env" 2>"$AWS_WORK/setup.err" ||
		{ cat "$AWS_WORK/setup.err"; echo "Bail out! moto IAM setup failed"; exit 1; }
	# shellcheck disable=SC1091
	source "$AWS_WORK/creds.env"
	export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
	export AWS_REGION=us-east-1 AWS_CA_BUNDLE=$CA AWS_ENDPOINT_URL=$MOTO_URL
	export AWS_EC2_METADATA_DISABLED=true HOME=$AWS_WORK
	export AWS_SHARED_CREDENTIALS_FILE=$AWS_WORK/no-such-file AWS_CONFIG_FILE=$AWS_WORK/no-such-file
	unset AWS_SESSION_TOKEN AWS_PROFILE AWS_DEFAULT_REGION
	unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
}

# The fault-injecting proxy in front of moto; faults in $FAULTS (JSON).
start_proxy() {
	PROXY_PORT=$(free_port)
	PROXY_URL=https://127.0.0.1:$PROXY_PORT
	FAULTS=$AWS_WORK/faults.json
	PROXY_LOG=$AWS_WORK/proxy.log
	echo '[]' >"$FAULTS"
	: >"$PROXY_LOG"
	"$SYS_PY" tests/aws/faultproxy.py --port "$PROXY_PORT" --cert "$CERT" --key "$KEY" \
		--ca "$CA" --upstream "127.0.0.1:$MOTO_PORT" --faults "$FAULTS" \
		--log "$PROXY_LOG" >"$AWS_WORK/proxy.out" 2>&1 &
	PIDS+=($!)
	wait_https "$PROXY_URL/__ping" || { cat "$AWS_WORK/proxy.out"; echo "Bail out! proxy did not start"; exit 1; }
}

# s3 ARGS...: boto3 as the test user (put-object, create-bucket, ...).
s3() { "$MOTO_PY" tests/aws/moto_s3.py "$MOTO_URL" "$CA" "$@"; }

# The fake IMDSv2 (fake_imds.py) with CREDS_JSON (list of credential sets);
# extra arguments go to it. Sets IMDS_URL, IMDS_LOG.
start_imds() {
	local creds=$1; shift
	IMDS_PORT=$(free_port)
	IMDS_URL=http://127.0.0.1:$IMDS_PORT
	IMDS_LOG=$AWS_WORK/imds.$IMDS_PORT.log
	: >"$IMDS_LOG"
	"$SYS_PY" tests/aws/fake_imds.py --port "$IMDS_PORT" --creds "$creds" --log "$IMDS_LOG" "$@" \
		>"$AWS_WORK/imds.out" 2>&1 &
	IMDS_PID=$!
	PIDS+=($IMDS_PID)
	local i
	for ((i = 0; i < 100; i++)); do
		curl -s -o /dev/null "$IMDS_URL/" && return 0
		sleep 0.1
	done
	cat "$AWS_WORK/imds.out"
	echo "Bail out! fake IMDS did not start"
	exit 1
}

# The fake GuardDuty (fake_guardduty.py) over HTTPS, accepting the test
# user's key. Sets GD_URL, GD_LOG.
start_guardduty() {
	GD_PORT=$(free_port)
	GD_URL=https://127.0.0.1:$GD_PORT
	GD_LOG=$AWS_WORK/gd.log
	: >"$GD_LOG"
	"$SYS_PY" tests/aws/fake_guardduty.py --port "$GD_PORT" --cert "$CERT" --key-file "$KEY" \
		--key "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" --log "$GD_LOG" \
		>"$AWS_WORK/gd.out" 2>&1 &
	PIDS+=($!)
	wait_https "$GD_URL/" || { cat "$AWS_WORK/gd.out"; echo "Bail out! fake GuardDuty did not start"; exit 1; }
}
