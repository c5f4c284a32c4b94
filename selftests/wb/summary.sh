#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# summary.sh RESULTS_DIR STAGE...: the table of `make check` and its last
# line "N passed, N failed" (TODO lines of known failures count as passed,
# as TAP says). Exit 1 when anything failed.
set -uo pipefail
res=$1
shift
tp=0 tf=0
printf '\n%-18s %7s %7s %7s  %s\n' stage passed failed seconds "first failure"
for s in "$@"; do
	f="$res/check-$s.tap"
	p=$(grep -cE '^ok |^not ok .*# TODO' "$f" 2>/dev/null)
	n=$(grep -E '^not ok ' "$f" 2>/dev/null | grep -cv '# TODO')
	first=$(grep -E '^not ok ' "$f" 2>/dev/null | grep -v '# TODO' | sed -n 1p | cut -c1-90)
	printf '%-18s %7d %7d %7s  %s\n' "$s" "$p" "$n" "$(cat "$res/check-$s.time" 2>/dev/null)" "$first"
	tp=$((tp + p))
	tf=$((tf + n))
done
echo
echo "$tp passed, $tf failed"
[ "$tf" -eq 0 ]
