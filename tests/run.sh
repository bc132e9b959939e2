#!/bin/bash
# tests/run.sh: run every suite of `make check` and total their TAP lines.
# Environment: O (build dir with the sanitized cordon and unit tests),
# UNIT_TESTS, FUZZERS, FUZZ_SMOKE_TIME, PYTHON.
# ONLY=KIND[,KIND...] (unit, golden, tree, netns, aws, firmware, fuzz) runs those
# kinds; T=NAME runs one test by name (a unit test, golden, a netns/aws/
# firmware script with or without its test_ prefix, fuzz-smoke); an unknown
# name is an error. LIST=1 prints every name.
# LANES=2 (the default; 1: one suite at a time) runs the aws and firmware
# suites, one at a time, beside the netns ones, which mostly wait; no two
# netns suites ever run at once, nor anything beside the fuzz smoke, which
# runs FUZZ_JOBS (default: the number of CPUs) targets at a time. Results
# are printed in the same order either way. SUITE_TIMEOUT (seconds, default
# 1200) stops a suite that hangs (SIGTERM to its process group, its EXIT
# trap cleans up; SIGKILL 30 s later): it is counted broken, and the run
# goes on instead of hanging until CI's own limit.
set -u
cd "$(dirname "$0")/.."
export O=${O:-build/san} PYTHON=${PYTHON:-/usr/bin/python3}
export CORDON=$PWD/$O/cordon
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export CMOCKA_MESSAGE_OUTPUT=TAP
export FUZZ_JOBS=${FUZZ_JOBS:-$(nproc)}
log=$(mktemp -d /tmp/cordon-check.XXXXXX)
trap 'rm -rf "$log"' EXIT
passed=0 failed=0 broken=()

# exec_suite NAME CMD...: run a suite (it prints TAP: "ok N - x" / "not ok
# N - x") into $log/NAME.out; its exit status and seconds go beside it.
# In the side lane (bg set) the suite is a child the lane can stop ($cur).
exec_suite() {
	local f=$log/${1//\//_} t0=$SECONDS rc lim=${SUITE_TIMEOUT:-1200}
	shift
	if [[ -n ${bg:-} ]]; then
		timeout -k 30 "$lim" "$@" >"$f.out" 2>&1 </dev/null &
		cur=$!
		wait "$cur"
	else
		timeout -k 30 "$lim" "$@" >"$f.out" 2>&1
	fi
	rc=$?
	[[ $rc -eq 124 || $rc -eq 137 ]] &&
		echo "Bail out! stopped after $lim s (SUITE_TIMEOUT): it hung or ran far too long" >>"$f.out"
	echo $((SECONDS - t0)) >"$f.secs"
	echo "$rc" >"$f.rc"
}

# report_suite NAME: its time, its TAP lines (everything it printed when it
# failed), added to the totals.
report_suite() {
	local name=$1 f=$log/${1//\//_} rc p f2
	local out=$f.out
	rc=$(cat "$f.rc" 2>/dev/null)
	# No status recorded (its lane died, a full /tmp): it did not finish.
	[[ $rc =~ ^[0-9]+$ ]] || rc=255
	printf '   (%s: %d s)\n' "$name" "$(cat "$f.secs" 2>/dev/null || echo 0)"
	p=$(grep -cE '^ok ' "$out")
	# "not ok ... # TODO" is a known gap, not a failure (TAP).
	f2=$(grep -E '^not ok ' "$out" | grep -cvE '# *TODO')
	if [[ $f2 -gt 0 || $rc -ne 0 ]]; then
		cat "$out"
	else
		grep -E '^(not )?ok ' "$out" | sed 's/^/   /'
	fi
	if [[ $rc -ne 0 && $f2 -eq 0 ]]; then
		broken+=("$name (exit $rc)")
		f2=1
	fi
	passed=$((passed + p)) failed=$((failed + f2))
}

run_suite() {
	printf '== %s\n' "$1"
	exec_suite "$@"
	report_suite "$1"
}

want() { [[ -z ${ONLY:-} || ,${ONLY}, == *,"$1",* ]]; }

# Every test by name, with the command that runs it ("KIND NAME CMD...").
all_tests() {
	local t
	for t in $UNIT_TESTS; do echo "unit $t $O/tests/test_$t"; done
	echo "golden golden tests/golden/run.sh"
	for t in tests/tree/test_*.sh tests/netns/*.sh tests/aws/test_*.sh tests/firmware/test_*.sh; do
		[[ -e $t ]] || continue
		echo "$(basename "$(dirname "$t")") $(basename "$t" .sh) $t"
	done
	echo "fuzz fuzz-smoke tests/fuzz/run.sh ${FUZZ_O:-build/fuzz} ${FUZZ_SMOKE_TIME:-8} $FUZZERS"
}

if [[ -n ${LIST:-} ]]; then
	all_tests | awk '{print $1 "/" $2}'
	exit 0
fi
if [[ -n ${T:-} ]]; then
	# "unit/x", "x" and "test_x" all name test x.
	name=${T#*/} name=${name%.sh}
	match=$(all_tests | awk -v n="$name" -v k="${T%%/*}" -v full="$T" \
		'($2 == n || $2 == "test_" n) && (full !~ /\// || $1 == k)')
	if [[ -z $match ]]; then
		echo "make test: unknown test '$T' (make test-list shows every name)" >&2
		exit 2
	fi
	while read -r kind tname cmd; do
		# shellcheck disable=SC2086
		run_suite "$kind/$tname" $cmd
	done <<<"$match"
	echo
	echo "check: $passed passed, $failed failed"
	[[ $failed -eq 0 ]]
	exit
fi

if want unit; then
	for t in $UNIT_TESTS; do
		run_suite "unit/$t" "$O/tests/test_$t"
	done
fi
if want golden; then
	run_suite golden tests/golden/run.sh
fi
if want tree; then
	for t in tests/tree/test_*.sh; do
		[[ -e $t ]] || continue
		run_suite "tree/$(basename "$t" .sh)" "$t"
	done
fi
# The aws and firmware suites: in a lane of their own beside the netns
# ones (LANES=2), else after them.
side=()
for k in aws firmware; do
	want $k || continue
	for t in "tests/$k"/test_*.sh; do
		[[ -e $t ]] && side+=("$k/$(basename "$t" .sh)")
	done
done
lane=
if [[ ${LANES:-2} -ge 2 && ${#side[@]} -gt 0 ]] && want netns; then
	# Asynchronous commands ignore SIGINT: stop the lane's suite on our way out.
	(
		bg=1 cur=
		trap '[[ -n $cur ]] && kill "$cur" 2>/dev/null && wait "$cur"; exit 143' TERM
		for s in "${side[@]}"; do
			exec_suite "$s" "tests/$s.sh"
		done
	) &
	lane=$!
	trap 'kill "$lane" 2>/dev/null; wait "$lane"; rm -rf "$log"' EXIT
fi
if want netns; then
	for t in tests/netns/*.sh; do
		[[ -e $t ]] || continue
		run_suite "netns/$(basename "$t" .sh)" "$t"
	done
fi
if [[ -n $lane ]]; then
	wait "$lane"
	trap 'rm -rf "$log"' EXIT
	for s in "${side[@]}"; do
		printf '== %s\n' "$s"
		report_suite "$s"
	done
else
	for s in "${side[@]}"; do
		run_suite "$s" "tests/$s.sh"
	done
fi
if want fuzz; then
	run_suite fuzz-smoke tests/fuzz/run.sh "${FUZZ_O:-build/fuzz}" "${FUZZ_SMOKE_TIME:-8}" $FUZZERS
fi

for b in "${broken[@]}"; do echo "suite failed without a TAP failure: $b"; done
echo
echo "check: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
