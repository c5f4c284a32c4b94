#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# export.sh TREE OUT_DIR
# Writes OUT_DIR/patches/*.patch, OUT_DIR/series and OUT_DIR/cover-letter.txt
# from TREE's commits above the tag "base". The first of them is the cover
# letter commit (empty; b4's tracking data at its end is left out of
# cover-letter.txt). The output is deterministic: zero commit ids in
# the "From" lines, full blob ids (used to check a newer base), no dates
# other than the commits' author dates.
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=base.conf
source "$here/base.conf"
tree=$1 out=$2
say() { echo "export: $*" >&2; }
git -C "$tree" rev-parse -q --verify base >/dev/null || { say "$tree has no tag 'base'"; exit 1; }
cover=$(git -C "$tree" rev-list --reverse base..HEAD | sed -n 1p)
if [ -z "$cover" ] || [ -n "$(git -C "$tree" diff-tree --no-commit-id -r "$cover")" ]; then
	say "the first commit above base must be the (empty) cover letter commit"
	exit 1
fi
n=$(git -C "$tree" rev-list --count "$cover"..HEAD)

mkdir -p "$out/patches"
rm -f "$out"/patches/*.patch
if [ "$n" -gt 0 ]; then
	git -C "$tree" format-patch -q --zero-commit --full-index --no-signature \
		--subject-prefix=PATCH --numbered -o "$(readlink -f "$out/patches")" "$cover"..HEAD
fi
(cd "$out/patches" && ls -1 -- *.patch 2>/dev/null || true) > "$out/series"

{
	echo "From: $PROJECT_IDENT"
	echo "Subject: [PATCH 0/$n] $(git -C "$tree" log -1 --format=%s "$cover")"
	echo
	git -C "$tree" log -1 --format=%b "$cover" | sed -e '/^--- b4-submit-tracking ---$/,$d' |
		sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
	echo
	echo "---"
	if [ "$n" -gt 0 ]; then
		git -C "$tree" shortlog --no-merges "$cover"..HEAD
		git -C "$tree" diff --stat=72 "$cover" HEAD
		echo
	else
		echo "(no patches yet)"
		echo
	fi
	echo "base-commit: $(git -C "$tree" rev-parse base)"
	echo "base: Debian $BASE_PACKAGE $(git -C "$tree" log -1 --format=%s base | sed 's/^Debian [^ ]* //')"
} > "$out/cover-letter.txt"
say "wrote $n patches, series and cover-letter.txt to $out"
