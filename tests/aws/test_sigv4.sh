#!/bin/bash
# SigV4: our canonical request, string to sign and signature against
# botocore's (Debian python3-botocore, run now) for every vector in
# sigv4_vectors.json. TAP, one line per vector.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build/san}
PYTHON=${PYTHON:-/usr/bin/python3}
vec=tests/aws/sigv4_vectors.json
work=$(mktemp -d /tmp/cordon-sigv4.XXXXXX)
trap 'rm -rf "$work"' EXIT

"$PYTHON" tests/aws/sigv4_botocore.py "$vec" >"$work/boto" || { echo "not ok 1 - botocore failed"; exit 1; }
"$O/tests/test_aws_sigv4" --vectors "$vec" >"$work/ours" || { echo "not ok 1 - our signer failed"; exit 1; }
# One file per vector, so that a failure names the vector and shows the diff.
awk -v d="$work/b" '/^== /{n++} {print > (d n)}' "$work/boto"
awk -v d="$work/o" '/^== /{n++} {print > (d n)}' "$work/ours"
n=$(grep -c '^== ' "$work/boto")
rc=0
for ((i = 1; i <= n; i++)); do
	name=$(head -1 "$work/b$i" | cut -c4-)
	if diff -u "$work/b$i" "$work/o$i" >"$work/d$i" 2>&1; then
		echo "ok $i - sigv4 matches botocore: $name"
	else
		sed 's/^/# /' "$work/d$i"
		echo "not ok $i - sigv4 differs from botocore: $name"
		rc=1
	fi
done
[[ $(grep -c '^== ' "$work/ours") -eq $n ]] || { echo "not ok $((n + 1)) - vector count"; rc=1; }
exit $rc
