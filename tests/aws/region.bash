#!/bin/bash
# tests/aws/region.bash: a local AWS region that can live inside a network
# namespace (sourced, not run). lib.sh's moto listens on 127.0.0.1 of the
# root namespace, which a namespace cannot reach; the lab (firmware/lab/)
# needs moto on a documentation address inside its `cloud` namespace, with
# a certificate for that address. Same approach as lib.sh: moto_server over
# HTTPS with a CA made on the spot (EC keys), SigV4 checking on, the first
# three unsigned calls for the IAM bootstrap.
#
# Functions set REGION_* variables and return non-zero with REGION_WHY set
# when something is missing; the caller decides whether that is a skip or
# an error. Nothing here installs a trap or changes directory.
# shellcheck disable=SC2034 # REGION_* are for the sourcing script

# region_find_python: REGION_PY = a python3 with moto, boto3, flask and the
# AWS CLI (pyenv's on the project's machines, not Debian's).
region_find_python() {
	local py
	for py in "${MOTO_PYTHON:-}" python3 /root/.pyenv/shims/python3 "${HOME:-/root}/.pyenv/shims/python3"; do
		[[ -n $py ]] || continue
		command -v "$py" >/dev/null 2>&1 || continue
		# find_spec, not import: importing moto takes seconds.
		if "$py" -c 'import importlib.util as u, sys
sys.exit(not all(u.find_spec(m) for m in ("moto", "boto3", "flask", "awscli")))' 2>/dev/null; then
			REGION_PY=$(command -v "$py")
			return 0
		fi
	done
	REGION_WHY="no python3 with moto, boto3, flask and awscli (looked at \$MOTO_PYTHON, python3 on PATH, /root/.pyenv/shims/python3); install them with pip into that Python"
	return 1
}

# region_make_ca DIR IP...: a CA and a server certificate for these IP
# addresses. Sets REGION_CA, REGION_CERT, REGION_KEY.
region_make_ca() {
	local d=$1 ip san=""
	shift
	mkdir -p "$d"
	for ip in "$@"; do san+="${san:+,}IP:$ip"; done
	# EC keys: an RSA key costs seconds on a loaded machine.
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj "/CN=cordon lab CA $$" -keyout "$d/ca.key" -out "$d/ca.pem" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign \
		>/dev/null 2>&1 || { REGION_WHY="openssl cannot make a CA"; return 1; }
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$1" \
		-keyout "$d/server.key" -out "$d/server.csr" >/dev/null 2>&1 ||
		{ REGION_WHY="openssl cannot make a key"; return 1; }
	printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$san" >"$d/ext"
	openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
		-CAcreateserial -days 2 -extfile "$d/ext" -out "$d/server.pem" >/dev/null 2>&1 ||
		{ REGION_WHY="openssl cannot sign the server certificate"; return 1; }
	REGION_CA=$d/ca.pem
	REGION_CERT=$d/server.pem
	REGION_KEY=$d/server.key
}

# region_start_moto NETNS IP PORT LOG: moto_server inside NETNS (empty:
# this namespace) on https://IP:PORT, with SigV4 checked after three
# unsigned calls. Sets REGION_URL and REGION_MOTO_PID (the `ip netns exec`
# process, which execs moto: killing it ends moto). Waits 30 s at most.
# REGION_BIND (default IP): the address moto binds, 0.0.0.0 for all of
# the namespace's (the lab's VPC gives each service endpoint its own);
# REGION_MOTO_CMD (array, default `-m moto.server`): what REGION_PY runs.
region_start_moto() {
	local ns=$1 ip=$2 port=$3 log=$4 i
	local -a in=() cmd=(-m moto.server)
	[[ -n ${REGION_MOTO_CMD+x} ]] && cmd=("${REGION_MOTO_CMD[@]}")
	[[ -n $ns ]] && in=(ip netns exec "$ns")
	REGION_URL=https://$ip:$port
	"${in[@]}" env INITIAL_NO_AUTH_ACTION_COUNT=3 "$REGION_PY" "${cmd[@]}" -H "${REGION_BIND:-$ip}" -p "$port" \
		-c "$REGION_CERT" -k "$REGION_KEY" >"$log" 2>&1 &
	REGION_MOTO_PID=$!
	for ((i = 0; i < 150; i++)); do
		"${in[@]}" curl -s -o /dev/null --cacert "$REGION_CA" "$REGION_URL/moto-api/" && return 0
		kill -0 "$REGION_MOTO_PID" 2>/dev/null || break
		sleep 0.2
	done
	REGION_WHY="moto_server did not answer on $REGION_URL (log: $log)"
	return 1
}
