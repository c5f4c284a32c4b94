#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# checkpatch.sh TREE PATCH_DIR SERIES [TAP_OUT]
# Runs scripts/checkpatch.pl --strict on every patch of SERIES; a patch
# passes only with "0 errors, 0 warnings, 0 checks", the Assisted-by of
# base.conf and no Signed-off-by. Prints one TAP line a
# patch (also to TAP_OUT) and the findings of failing patches.
set -uo pipefail
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=base.conf
source "$here/base.conf"
tree=$1 patchdir=$(readlink -f "$2") series=$3 tapout=${4:-/dev/null}
# codespell's dictionary, less the kernel's own idioms that it takes for
# typos ("filp", the name of every struct file pointer).
codespell=
dict=$(mktemp)
trap 'rm -f "$dict"' EXIT
for d in /usr/share/codespell/dictionary.txt \
	 /usr/lib/python3/dist-packages/codespell_lib/data/dictionary.txt; do
	if [ -f "$d" ]; then
		grep -vE '^(filp)->' "$d" > "$dict"
		codespell="--codespell --codespellfile=$dict"
		break
	fi
done
# CHECKPATCH_IGNORE (base.conf): the checks answered here, not by
# checkpatch.pl; FILE_PATH_CHANGES ("does MAINTAINERS need updating?") is
# answered below: every file a patch adds must already be covered by a
# MAINTAINERS entry with a maintainer (get_maintainer.pl -f on the tree
# with the series).
# MISSING_SIGN_OFF too: the patches carry the Assisted-by of the AI
# assistant and no Signed-off-by, which only make mail adds (base.conf).
ignore=$CHECKPATCH_IGNORE_TREE
# checkpatch.pl runs scripts/spdxcheck.py with the python3 of PATH: it
# needs Debian's, with python3-ply and python3-git (.ci/run installs them).
export PATH=/usr/bin:$PATH
/usr/bin/python3 -c 'import ply, git' 2>/dev/null ||
	{ echo "checkpatch: spdxcheck.py needs python3-ply and python3-git" >&2; exit 2; }
[ -x "$tree/scripts/checkpatch.pl" ] || { echo "checkpatch: no $tree/scripts/checkpatch.pl; run 'make tree'" >&2; exit 2; }
: > "$tapout"
fail=0 n=0
while read -r p; do
	case $p in ''|'#'*) continue ;; esac
	n=$((n + 1))
	out=$(cd "$tree" && perl scripts/checkpatch.pl --strict --showfile $codespell $ignore \
		"$patchdir/$p" 2>&1)
	total=$(echo "$out" | grep -E '^total: ' | tail -1)
	uncovered=
	for f in $(awk '/^new file mode/ { nf = 1; next } nf && /^\+\+\+ b\// { print substr($2, 3); nf = 0 }' "$patchdir/$p"); do
		if [ ! -f "$tree/$f" ] ||
		   ! (cd "$tree" && perl scripts/get_maintainer.pl --nogit --nogit-fallback \
			--nol --noroles --norolestats -f "$f" 2>/dev/null) | grep -q '@'; then
			uncovered+=" $f"
		fi
	done
	if echo "$out" | grep -q '^Traceback'; then
		line="not ok $n - checkpatch $p # a helper of checkpatch.pl failed"
		fail=1
		echo "$out" | grep -A3 '^Traceback' | sed 's/^/#   /'
	elif [ -n "$uncovered" ]; then
		line="not ok $n - checkpatch $p # new file(s) without a maintainer in MAINTAINERS:$uncovered"
		fail=1
	elif echo "$total" | grep -q '^total: 0 errors, 0 warnings, 0 checks'; then
		line="ok $n - checkpatch $p"
	else
		line="not ok $n - checkpatch $p # ${total:-checkpatch printed no total}"
		fail=1
		echo "$out" | grep -E "(ERROR|WARNING|CHECK):" | head -20 | sed 's/^/#   /'
	fi
	if ! grep -qxF "$ASSISTED_BY" "$patchdir/$p"; then
		line="not ok $n - checkpatch $p # ${total:+$total; }no $ASSISTED_BY"
		fail=1
	elif grep -q '^Signed-off-by:' "$patchdir/$p"; then
		line="not ok $n - checkpatch $p # ${total:+$total; }a Signed-off-by: only the human sender adds one (make mail)"
		fail=1
	fi
	echo "$line" | tee -a "$tapout"
done < "$series"
echo "checkpatch: $n patches checked" >&2
exit $fail
