#!/bin/bash
# tests/tree/test_run_report.sh: tests/run.sh's own bookkeeping, its
# exec_suite and report_suite taken from it as they are: a suite that
# fails, exits non-zero after "ok" lines, or left no exit status (the
# side lane died under it, /tmp full) is counted failed, never passed. TAP.
set -u
cd "$(dirname "$0")/../.."
fns=$(sed -n '/^exec_suite() {/,/^}/p; /^report_suite() {/,/^}/p' tests/run.sh)
[[ $fns == *exec_suite*report_suite* ]] || { echo "Bail out! no exec_suite/report_suite in tests/run.sh"; exit 1; }
eval "$fns"
log=$(mktemp -d /tmp/cordon-runreport.XXXXXX)
trap 'rm -rf "$log"' EXIT
T=0 FAILED=0
ok() { T=$((T + 1)); echo "ok $T - $*"; }
notok() { T=$((T + 1)); FAILED=$((FAILED + 1)); echo "not ok $T - $*"; }
# counts NAME: report NAME quietly; "passed failed broken" after it
counts() {
	passed=0 failed=0 broken=()
	report_suite "$1" >/dev/null 2>&1
	echo "$passed $failed ${#broken[@]}"
}

exec_suite good bash -c 'echo "ok 1 - a"; echo "ok 2 - b"'
[[ $(counts good) == "2 0 0" ]] && ok "a passing suite: 2 passed" || notok "passing suite: $(counts good)"
exec_suite bad bash -c 'echo "ok 1 - a"; echo "not ok 2 - b"; exit 1'
[[ $(counts bad) == "1 1 0" ]] && ok "a failing test: 1 failed" || notok "failing test: $(counts bad)"
exec_suite died bash -c 'echo "ok 1 - a"; exit 3'
[[ $(counts died) == "1 1 1" ]] && ok "exit 3 after its ok lines: broken" || notok "exit 3: $(counts died)"
# Started in the side lane, which died before it wrote the status.
echo "ok 1 - a" >"$log/lost.out"
[[ $(counts lost) == "1 1 1" ]] && ok "no exit status recorded: broken, not passed" ||
	notok "no exit status recorded: $(counts lost) (counted as passed)"
: >"$log/empty.rc"
[[ $(counts empty) == "0 1 1" ]] && ok "an empty status file and no output: broken" ||
	notok "empty status: $(counts empty)"
# A suite that hangs is stopped (SUITE_TIMEOUT), its EXIT trap runs, and
# it is counted broken with a line that says why.
t0=$SECONDS
SUITE_TIMEOUT=1 exec_suite hung bash -c "trap 'echo cleaned >$log/trap.out' EXIT; echo 'ok 1 - a'; sleep 30"
[[ $(counts hung) == "1 1 1" && $((SECONDS - t0)) -lt 20 ]] &&
	grep -q 'Bail out! stopped after 1 s' "$log/hung.out" && grep -qx cleaned "$log/trap.out" &&
	ok "a hung suite: stopped after SUITE_TIMEOUT, its trap ran, counted broken" ||
	notok "hung suite: $(counts hung), $((SECONDS - t0)) s, $(cat "$log/hung.out" "$log/trap.out" 2>&1)"
echo "1..$T"
[[ $FAILED -eq 0 ]]
