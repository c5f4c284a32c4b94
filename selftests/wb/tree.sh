#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tree.sh REPO_TOP WORK_DIR CACHE_DIR [--force]
# Makes WORK_DIR/tree/linux: the pinned base, then the cover-letter commit
# (an empty commit holding cover-letter.txt's subject and text and b4's
# tracking data, so that the tree is a b4 prep branch: "b4 prep
# --show-info" and "b4 prep --check" work in it), then every patch of
# `series` applied with git am. A tree made before the tracking data
# existed gets it on its cover letter commit, without a checkout. An existing tree whose
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

# b4's tracking data of the cover letter commit ("commit" cover strategy of
# b4 prep): the change-id and revision of base.conf. export.sh leaves it
# out of cover-letter.txt.
b4_tracking() {
	cat <<TRK
--- b4-submit-tracking ---
# This section is used internally by b4 prep for tracking purposes.
{
  "series": {
    "revision": $B4_REVISION,
    "change-id": "$B4_CHANGE_ID",
    "prefixes": []
  }
}
TRK
}

# b4_config TREE: "b4 prep --check" in TREE runs checkpatch.pl --strict
# with the ignores of checkpatch.sh (CHECKPATCH_IGNORE_TREE, base.conf
# says why), and with Debian's python3 first in PATH for its spdxcheck.py.
b4_config() {
	git -C "$1" config b4.prep-perpatch-check-cmd \
		"env PATH=/usr/bin:/bin ./scripts/checkpatch.pl -q --terse --no-summary --mailback --showfile --strict $CHECKPATCH_IGNORE_TREE"
}

# add_b4_tracking TREE: gives the cover letter commit of an existing tree
# the tracking data if it lacks it. The commits above it are made again
# with git commit-tree on the same trees, so that no file is checked out
# and a build of the tree stays valid.
add_b4_tracking() {
	local t=$1 c cover parent new msg an ae ad cn ce cd
	cover=$(git -C "$t" rev-list --reverse base..HEAD | sed -n 1p)
	[ -n "$cover" ] || return 0
	if grep -qx -- '--- b4-submit-tracking ---' <<<"$(git -C "$t" log -1 --format=%B "$cover")"; then
		return 0
	fi
	say "adding b4's tracking data to the cover letter commit of $t"
	parent=$(git -C "$t" rev-parse base)
	for c in $(git -C "$t" rev-list --reverse base..HEAD); do
		msg=$(git -C "$t" log -1 --format=%B "$c")
		if [ "$c" = "$cover" ]; then
			msg=$(printf '%s\n\n%s\n' "$msg" "$(b4_tracking)")
		fi
		IFS=$'\n' read -r -d '' an ae ad cn ce cd < <(git -C "$t" log -1 --date=raw \
			--format='%an%n%ae%n%ad%n%cn%n%ce%n%cd' "$c"; printf '\0') || true
		new=$(printf '%s\n' "$msg" | GIT_AUTHOR_NAME=$an GIT_AUTHOR_EMAIL=$ae GIT_AUTHOR_DATE=$ad \
			GIT_COMMITTER_NAME=$cn GIT_COMMITTER_EMAIL=$ce GIT_COMMITTER_DATE=$cd \
			git -C "$t" commit-tree "$c^{tree}" -p "$parent")
		parent=$new
	done
	git -C "$t" update-ref -m "tree.sh: b4 tracking data" HEAD "$parent"
}

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
		add_b4_tracking "$tree"
		b4_config "$tree"
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
b4_config "$tree"
git -C "$tree" checkout -q -b series "$base"
git -C "$tree" tag -f base "$base" >/dev/null

# The cover letter commit: subject from the Subject: line without the
# "[PATCH 0/N] " prefix, text up to the first line that is exactly "---".
cover="$top/cover-letter.txt"
subject=$(sed -n 's/^Subject: \(\[[^]]*\] \)\{0,1\}//p' "$cover" | sed -n 1p)
blurb=$(awk 'BEGIN { hdr = 1 } hdr && /^$/ { hdr = 0; next } hdr { next } /^---$/ { exit } { print }' "$cover")
GIT_AUTHOR_DATE="$BASE_DATE" GIT_COMMITTER_DATE="$BASE_DATE" \
	git -C "$tree" commit -q --allow-empty --no-verify -m "$subject" -m "$blurb" -m "$(b4_tracking)"

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
