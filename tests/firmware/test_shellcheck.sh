#!/bin/bash
# Runs shellcheck on every shell script under firmware/ and tests/firmware/,
# the user-data template as written (its rendered form is checked by
# test_userdata.sh). TAP.
# shellcheck source=tests/firmware/lib.sh
source "$(dirname "$0")/lib.sh"

if ! command -v shellcheck >/dev/null; then
	echo "1..0 # SKIP shellcheck missing (Debian: apt-get install shellcheck)"
	exit 0
fi
mapfile -t scripts < <(find firmware tests/firmware -name node_modules -prune -o \
	-type f -name '*.sh' -print | sort)
for s in "${scripts[@]}"; do
	if shellcheck -x "$s" >"$FW_WORK/sc.out" 2>&1; then
		ok "shellcheck $s"
	else
		fail "shellcheck $s"
		show "$FW_WORK/sc.out"
	fi
done
check "found the scripts (${#scripts[@]})" test "${#scripts[@]}" -ge 5
finish
