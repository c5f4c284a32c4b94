#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tree.sh REPO_TOP WORK_DIR CACHE_DIR [--force]
# Makes WORK_DIR/tree/linux: the pinned base, then the cover-letter commit
# (an empty commit holding cover-letter.txt's subject and text, as b4 does),
# then every patch of `series` applied with git am. An existing tree whose
# commits or changes are not in patches/ yet is never overwritten: run
# 'make export' first (or FORCE=1 to throw them away).
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=base.conf
source "$here/base.conf"
top=$1 work=$2 cache=$3 force=${4:-}
tree="$work/tree/linux"
say() { echo "tree: $*" >&2; }
mkdir -p "$cache" "$work/tree"

deb=$("$here/fetch-base.sh" "$cache" "$top/patches" "$top/series")
base=$("$here/import-base.sh" "$deb" "$cache")
version=$(cat "$cache/base-version")
baserepo="$cache/base-${version//[~:]/_}.git"

if [ -d "$tree/.git" ] && [ "$force" != --force ]; then
	if [ -n "$(git -C "$tree" status --porcelain --untracked-files=no)" ]; then
		say "$tree has uncommitted changes: commit and 'make export' them, or FORCE=1"
		exit 1
	fi
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	"$here/export.sh" "$tree" "$tmp" 2>/dev/null
	if ! diff -r -q -x .gitkeep "$tmp/patches" "$top/patches" >/dev/null 2>&1 ||
	   ! cmp -s "$tmp/series" "$top/series" ||
	   ! cmp -s "$tmp/cover-letter.txt" "$top/cover-letter.txt"; then
		say "$tree has commits that differ from patches/: 'make export' them, or FORCE=1"
		exit 1
	fi
	if [ "$(git -C "$tree" rev-parse base)" = "$base" ]; then
		say "$tree is up to date with patches/, series and cover-letter.txt"
		exit 0
	fi
fi

say "creating $tree from base $base"
rm -rf "$tree"
git clone -q --no-checkout "$baserepo" "$tree"
name=${PROJECT_IDENT% <*}
email=${PROJECT_IDENT#*<}
email=${email%>}
git -C "$tree" config user.name "$name"
git -C "$tree" config user.email "$email"
git -C "$tree" config core.abbrev 12
git -C "$tree" config gc.auto 0
git -C "$tree" checkout -q -b series "$base"
git -C "$tree" tag -f base "$base" >/dev/null

# The cover letter commit: subject from the Subject: line without the
# "[PATCH 0/N] " prefix, text up to the first line that is exactly "---".
cover="$top/cover-letter.txt"
subject=$(sed -n 's/^Subject: \(\[[^]]*\] \)\{0,1\}//p' "$cover" | sed -n 1p)
blurb=$(awk 'BEGIN { hdr = 1 } hdr && /^$/ { hdr = 0; next } hdr { next } /^---$/ { exit } { print }' "$cover")
GIT_AUTHOR_DATE="$BASE_DATE" GIT_COMMITTER_DATE="$BASE_DATE" \
	git -C "$tree" commit -q --allow-empty --no-verify -m "$subject" -m "$blurb"

n=0
while read -r p; do
	case $p in ''|'#'*) continue ;; esac
	if ! git -C "$tree" am -q --keep-cr "$top/patches/$p" >/dev/null 2>"$work/tree/am.err"; then
		say "patch $p does not apply:"
		cat "$work/tree/am.err" >&2
		say "fix it in $tree (git am --show-current-patch; resolve; git am --continue), then 'make export'"
		exit 1
	fi
	n=$((n + 1))
done < "$top/series"
say "applied $n patches on $BASE_PACKAGE $version; tree at $tree"
