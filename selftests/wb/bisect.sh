#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bisect.sh TREE WORKDIR FRAGMENT...
# Builds every patch of the series in order, in a worktree of TREE at
# WORKDIR/linux with an incremental build in WORKDIR/build (same config as
# the test kernel: omap3isp comes in through COMPILE_TEST): bzImage and all
# modules, then every .c file the patch touches again with W=1. Stops at
# the first patch that fails and names it. BISECT_FROM=N starts at patch N
# (the patches before it unchanged since a run that passed them), and
# BISECT_TO=M stops after patch M.
set -uo pipefail
here=$(dirname "$(readlink -f "$0")")
tree=$1 wdir=$2
shift 2
frags=("$@")
src="$wdir/linux"
say() { echo "bisect: $*" >&2; }
cover=$(git -C "$tree" rev-list --reverse base..HEAD | sed -n 1p)
mapfile -t commits < <(git -C "$tree" rev-list --reverse "$cover"..HEAD)
[ ${#commits[@]} -gt 0 ] || { say "the series is empty: nothing to build"; exit 0; }

mkdir -p "$wdir"
if [ ! -d "$src" ]; then
	git -C "$tree" worktree add -q --detach "$src" base
fi
start=$(date +%s)
i=0
for c in "${commits[@]}"; do
	i=$((i + 1))
	subj=$(git -C "$tree" log -1 --format=%s "$c")
	if [ "$i" -lt "${BISECT_FROM:-1}" ]; then
		continue
	fi
	if [ "$i" -gt "${BISECT_TO:-${#commits[@]}}" ]; then
		break
	fi
	say "[$i/${#commits[@]}] $subj"
	git -C "$src" checkout -q --detach "$c" || exit 1
	t0=$(date +%s)
	if ! "$here/build-kernel.sh" "$src" "$wdir/build" "${frags[@]}"; then
		say "FAILED at patch $i/${#commits[@]}: $subj ($c)"
		exit 1
	fi
	mapfile -t files < <(git -C "$src" diff-tree --no-commit-id --name-only -r --diff-filter=AM "$c" -- '*.c')
	for f in "${files[@]}"; do
		obj=${f%.c}.o
		# Only files this config compiles; others are reported, not hidden.
		if [ ! -f "$wdir/build/$obj" ]; then
			say "  $f is not built by this config (W=1 skipped for it)"
			continue
		fi
		touch "$src/$f"
		make -s -C "$src" O="$wdir/build" CC="ccache gcc" W=1 "$obj" >"$wdir/w1.log" 2>&1
		if [ $? -ne 0 ] || grep -qE 'warning:|error:' "$wdir/w1.log"; then
			grep -E 'warning:|error:' "$wdir/w1.log" >&2
			say "FAILED (W=1) at patch $i/${#commits[@]}: $subj ($c): $f"
			exit 1
		fi
	done
	say "  ok in $(( $(date +%s) - t0 ))s"
done
say "patches ${BISECT_FROM:-1}-${BISECT_TO:-${#commits[@]}} of ${#commits[@]} build; $(( $(date +%s) - start ))s in all"
