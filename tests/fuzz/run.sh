#!/bin/bash
# tests/fuzz/run.sh DIR SECONDS NAME...: run each libFuzzer target for
# SECONDS on a scratch copy of its seed corpus; prints TAP.
set -u
dir=$1 secs=$2; shift 2
i=0 rc=0
work=$(mktemp -d /tmp/cordon-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
for name in "$@"; do
	i=$((i + 1))
	mkdir -p "$work/$name"
	seeds=tests/fuzz/corpus/$name
	[[ -d $seeds ]] && cp -r "$seeds/." "$work/$name/"
	dict=()
	[[ -f tests/fuzz/$name.dict ]] && dict=(-dict="tests/fuzz/$name.dict")
	if "$dir/fuzz_$name" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$work/" "${dict[@]}" "$work/$name" >"$work/$name.log" 2>&1; then
		runs=$(grep -oE 'Done [0-9]+ runs' "$work/$name.log" | tail -1)
		echo "ok $i - fuzz_$name ${secs}s (${runs:-no count})"
	else
		tail -40 "$work/$name.log"
		echo "not ok $i - fuzz_$name: crash or leak (see above)"
		rc=1
	fi
done
exit $rc
