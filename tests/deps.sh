#!/bin/bash
# tests/deps.sh check|install PKG...: make sure the Debian packages are there.
set -e
what=$1; shift
missing=()
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
	[[ $what == install ]] && echo "deps: all ${#@} packages installed"
	exit 0
fi
[[ $what == check ]] && { echo "deps: missing: ${missing[*]}"; exit 1; }
cmd=(apt-get install -y --no-install-recommends "${missing[@]}")
if [[ $(id -u) -ne 0 ]]; then
	echo "deps: run as root: apt-get update && ${cmd[*]}" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
"${cmd[@]}"
