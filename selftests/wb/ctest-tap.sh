#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ctest-tap.sh BUILD TAP_OUT: runs ctest and turns each test's result line
# ("1/40 Test  #1: Name ......   Passed") into a TAP line.
set -uo pipefail
build=$1 out=$2
log=$(mktemp)
ctest --test-dir "$build" --output-on-failure -j"$(nproc)" > "$log" 2>&1
rc=$?
cat "$log"
awk '/Test +#[0-9]+: / {
	n++; name = $0; sub(/.*Test +#[0-9]+: /, "", name); sub(/ \.+.*/, "", name)
	if ($0 ~ /Passed/) print "ok " n " - " name
	else { st = $0; sub(/.*\*+/, "", st); print "not ok " n " - " name " # " st }
}' "$log" > "$out"
[ -s "$out" ] || echo "not ok 1 - ctest # no test ran (rc=$rc)" > "$out"
rm -f "$log"
exit $rc
