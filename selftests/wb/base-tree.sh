#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# base-tree.sh TREE BASETREE: a detached worktree of TREE's tag "base", laid
# out like TREE (…/linux next to …/build) so that ccache serves both.
set -euo pipefail
tree=$1 basetree=$2
[ -d "$tree/.git" ] || { echo "base-tree: no $tree; run 'make tree' first" >&2; exit 1; }
want=$(git -C "$tree" rev-parse base)
if [ -d "$basetree" ] && [ "$(git -C "$basetree" rev-parse HEAD 2>/dev/null)" = "$want" ] &&
   [ -z "$(git -C "$basetree" status --porcelain --untracked-files=no)" ]; then
	exit 0
fi
echo "base-tree: checking out base $want into $basetree" >&2
git -C "$tree" worktree remove --force "$basetree" 2>/dev/null || rm -rf "$basetree"
git -C "$tree" worktree prune
mkdir -p "$(dirname "$basetree")"
git -C "$tree" worktree add -q --detach "$basetree" "$want"
