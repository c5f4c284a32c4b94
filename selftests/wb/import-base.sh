#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# import-base.sh DEB CACHE_DIR
# Imports the kernel source of DEB as a single commit into the bare
# repository CACHE_DIR/base-<version>.git (once; later calls reuse it) and
# prints that commit id. Author, committer and dates are fixed, so the same
# package always gives the same commit id.
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=base.conf
source "$here/base.conf"
deb=$1 cache=$2
version=$(dpkg-deb -f "$deb" Version)
repo="$cache/base-${version//[~:]/_}.git"
say() { echo "import-base: $*" >&2; }

if [ -f "$repo/mct-base" ]; then
	cat "$repo/mct-base"
	exit 0
fi

rm -rf "$repo" "$repo.tmp"
tmp=$(mktemp -d "$cache/import.XXXXXX")
trap 'rm -rf "$tmp" "$repo.tmp"' EXIT
say "unpacking $(basename "$deb")"
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards './usr/src/*.tar.xz'
tarball=$(echo "$tmp"/usr/src/*.tar.xz)
mkdir "$tmp/src"
tar -xJf "$tarball" -C "$tmp/src" --strip-components=1
rm -f "$tarball"

say "importing into $repo (one commit, ~90k files)"
git init -q --bare "$repo.tmp"
name=${PROJECT_IDENT% <*}
email=${PROJECT_IDENT#*<}
email=${email%>}
export GIT_DIR="$repo.tmp" GIT_WORK_TREE="$tmp/src"
export GIT_AUTHOR_NAME="$name" GIT_AUTHOR_EMAIL="$email" GIT_AUTHOR_DATE="$BASE_DATE"
export GIT_COMMITTER_NAME="$name" GIT_COMMITTER_EMAIL="$email" GIT_COMMITTER_DATE="$BASE_DATE"
# The tarball ships .gitignore files; the import must hold every file.
git -c core.autocrlf=false add -A -f .
git commit -q --no-verify -m "Debian $BASE_PACKAGE $version ($BASE_DESCRIBE)" \
	-m "Imported from $(basename "$deb") by selftests/wb/import-base.sh."
commit=$(git rev-parse HEAD)
git tag base "$commit"
# One pack instead of ~90k loose objects: clones are fast, no gc later.
git repack -adq
git config gc.auto 0
unset GIT_DIR GIT_WORK_TREE
echo "$commit" > "$repo.tmp/mct-base"
mv "$repo.tmp" "$repo"
echo "$commit"
