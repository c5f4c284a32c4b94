#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# demo.sh: `make` — base and patched kernels side by side: tree, both
# kernels, the test programs, every scenario on each (RUNS times), and the
# scenario x {base, patched} table with the first report of each failure.
set -uo pipefail
here=$(dirname "$(readlink -f "$0")")
top=$(dirname "$(dirname "$here")")
m() { make -s -C "$top" "$@"; }
m tree && m kernel && m kernel-base && m selftests && m unit || exit 1
rc=0
m baseline || rc=1
m suite || rc=1
m table
[ $rc -eq 0 ] && echo "demo: base fails where it must, patched passes where it must" ||
	echo "demo: see the verdicts above: something did not go as listed"
exit $rc
