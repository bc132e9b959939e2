#!/bin/bash
# tests/fuzz/run.sh DIR SECONDS NAME...: run each libFuzzer target for
# SECONDS on a scratch copy of its seed corpus, FUZZ_JOBS (default 1)
# targets at a time; prints TAP in the order given.
set -u
dir=$1 secs=$2; shift 2
jobs=${FUZZ_JOBS:-1}
i=0 rc=0
work=$(mktemp -d /tmp/cordon-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT

# fuzz NAME: one target; its exit status in $work/NAME.rc
fuzz() {
	local name=$1 seeds=tests/fuzz/corpus/$1 dict=()
	mkdir -p "$work/$name"
	[[ -d $seeds ]] && cp -r "$seeds/." "$work/$name/"
	[[ -f tests/fuzz/$name.dict ]] && dict=(-dict="tests/fuzz/$name.dict")
	"$dir/fuzz_$name" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$work/$name." "${dict[@]}" "$work/$name" >"$work/$name.log" 2>&1
	echo $? >"$work/$name.rc"
}

for name in "$@"; do
	while [[ $(jobs -pr | wc -l) -ge $jobs ]]; do wait -n; done
	fuzz "$name" &
done
wait
for name in "$@"; do
	i=$((i + 1))
	if [[ $(cat "$work/$name.rc" 2>/dev/null) == 0 ]]; then
		runs=$(grep -oE 'Done [0-9]+ runs' "$work/$name.log" | tail -1)
		echo "ok $i - fuzz_$name ${secs}s (${runs:-no count})"
	else
		tail -40 "$work/$name.log"
		echo "not ok $i - fuzz_$name: crash or leak (see above)"
		rc=1
	fi
done
exit $rc
