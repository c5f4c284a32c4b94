#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# check.sh: the stages of `make check`, each recorded as TAP lines in
# $WORK/results/check-<stage>.tap; a failing stage does not hide the
# others (a stage that cannot run for want of an earlier one says so).
# Ends with a table per stage and the line "N passed, N failed".
set -uo pipefail
here=$(dirname "$(readlink -f "$0")")
top=$(dirname "$(dirname "$here")")
res="$WORK/results"
mkdir -p "$res"
rm -f "$res"/check-*.tap
stages=()
t_all=$(date +%s)

# stage NAME: runs "$@", keeps its output in $res/check-NAME.log and, when
# the command wrote no TAP file of its own, records one line for it.
stage() {
	local name=$1 t0 rc
	shift
	stages+=("$name")
	t0=$(date +%s)
	echo "=== check: $name" >&2
	"$@" 2>&1 | tee "$res/check-$name.log"
	rc=${PIPESTATUS[0]}
	if [ ! -s "$res/check-$name.tap" ]; then
		if [ "$rc" -eq 0 ]; then
			echo "ok 1 - $name" > "$res/check-$name.tap"
		else
			echo "not ok 1 - $name # exit $rc, see $res/check-$name.log" > "$res/check-$name.tap"
		fi
	fi
	echo "$(( $(date +%s) - t0 ))" > "$res/check-$name.time"
	return "$rc"
}
# notrun NAME WHY: a stage that could not run is a failure, never a skip.
notrun() {
	stages+=("$1")
	echo "not ok 1 - $1 # not run: $2" > "$res/check-$1.tap"
	echo 0 > "$res/check-$1.time"
}

tree_ok=1
stage tree make -s -C "$top" tree || tree_ok=0

if [ $tree_ok -eq 1 ]; then
	stage checkpatch "$here/checkpatch.sh" "$TREE" "$top/patches" "$top/series" "$res/check-checkpatch.tap"
	[ -s "$res/check-checkpatch.tap" ] || echo "ok 1 - checkpatch (empty series)" > "$res/check-checkpatch.tap"
	# The checker must be able to fail: a known-bad patch has to be refused.
	stage checker-selftest bash -c "! '$here/checkpatch.sh' '$TREE' '$here/testdata' <(echo broken.patch)"
	# The mails of "make mail" with a test sender, applied to the base.
	stage mail "$here/mail-check.sh" "$TREE" "$WORK/mail-check" "$CACHE" "$res/check-mail.tap"
else
	notrun checkpatch "no tree"
	notrun checker-selftest "no tree"
	notrun mail "no tree"
fi

sel_ok=1
stage selftests make -s -C "$top" selftests || sel_ok=0
if [ $sel_ok -eq 1 ]; then
	stage unit "$here/ctest-tap.sh" "$HOSTBLD" "$res/check-unit.tap"
else
	notrun unit "selftests did not build"
fi

kern_ok=0
if [ $tree_ok -eq 1 ]; then
	stage kernel make -s -C "$top" kernel && kern_ok=1
else
	notrun kernel "no tree"
fi
if [ $kern_ok -eq 1 ] && [ $sel_ok -eq 1 ]; then
	stage suite "$here/run-suite.sh" patched "$WORK/tree/build"
	# mct-verdict's TAP, counted line by line.
	grep -E '^(not )?ok ' "$res/patched.tap" > "$res/check-suite.tap" 2>/dev/null ||
		echo "not ok 1 - suite # no verdict, see $res/check-suite.log" > "$res/check-suite.tap"
else
	notrun suite "no kernel or no test programs"
fi

"$here/summary.sh" "$res" "${stages[@]}"
rc=$?
echo "check: $(( $(date +%s) - t_all ))s in all" >&2
exit $rc
