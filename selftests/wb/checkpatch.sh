#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# checkpatch.sh TREE PATCH_DIR SERIES [TAP_OUT]
# Runs scripts/checkpatch.pl --strict on every patch of SERIES; a patch
# passes only with "0 errors, 0 warnings, 0 checks". Prints one TAP line a
# patch (also to TAP_OUT) and the findings of failing patches.
set -uo pipefail
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=base.conf
source "$here/base.conf"
tree=$1 patchdir=$(readlink -f "$2") series=$3 tapout=${4:-/dev/null}
codespell=
for d in /usr/share/codespell/dictionary.txt \
	 /usr/lib/python3/dist-packages/codespell_lib/data/dictionary.txt; do
	[ -f "$d" ] && { codespell="--codespell --codespellfile=$d"; break; }
done
[ -x "$tree/scripts/checkpatch.pl" ] || { echo "checkpatch: no $tree/scripts/checkpatch.pl; run 'make tree'" >&2; exit 2; }
: > "$tapout"
fail=0 n=0
while read -r p; do
	case $p in ''|'#'*) continue ;; esac
	n=$((n + 1))
	out=$(cd "$tree" && perl scripts/checkpatch.pl --strict --showfile $codespell \
		"$patchdir/$p" 2>&1)
	total=$(echo "$out" | grep -E '^total: ' | tail -1)
	if echo "$total" | grep -q '^total: 0 errors, 0 warnings, 0 checks'; then
		line="ok $n - checkpatch $p"
	else
		line="not ok $n - checkpatch $p # ${total:-checkpatch printed no total}"
		fail=1
		echo "$out" | grep -E "(ERROR|WARNING|CHECK):" | head -20 | sed 's/^/#   /'
	fi
	if ! grep -qF "Signed-off-by: $PROJECT_IDENT" "$patchdir/$p"; then
		line="not ok $n - checkpatch $p # ${total:+$total; }no Signed-off-by: $PROJECT_IDENT"
		fail=1
	fi
	echo "$line" | tee -a "$tapout"
done < "$series"
echo "checkpatch: $n patches checked" >&2
exit $fail
