#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# fetch-base.sh CACHE_DIR [PATCH_DIR SERIES_FILE]
# Downloads the pinned linux-source .deb with apt-get through a private apt
# configuration (lists and archives under CACHE_DIR/apt; the machine's own
# apt sources are not touched), checks its sha256 and prints the path of
# the .deb. When the pinned version is gone from the registry, the newest
# linux-source of the same series is accepted only if every file the
# series touches is byte-identical to the pinned base (compared with the
# full preimage blob ids in the patches); the path is printed and the
# version is written to CACHE_DIR/base-version.
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=base.conf
source "$here/base.conf"
# shellcheck source=apt-private.sh
source "$here/apt-private.sh"
cache=$1
patchdir=${2:-}
series=${3:-}
say() { echo "fetch-base: $*" >&2; }

deb="$cache/${BASE_PACKAGE}_${BASE_VERSION//:/%3a}_all.deb"
if [ -f "$deb" ] && echo "$BASE_SHA256  $deb" | sha256sum -c --quiet - 2>/dev/null; then
	echo "$BASE_VERSION" > "$cache/base-version"
	echo "$deb"
	exit 0
fi

apt_dir="$cache/apt"
say "updating the private package lists ($BASE_SUITES)"
# shellcheck disable=SC2086 # the suites are words
if ! apt_private "$apt_dir" $BASE_SUITES; then
	say "apt-get update failed; see $apt_dir/update.log"
	exit 1
fi

version=$BASE_VERSION
if ! apt-cache "${apt_opts[@]}" show "$BASE_PACKAGE=$BASE_VERSION" >/dev/null 2>&1; then
	version=$(apt-cache "${apt_opts[@]}" madison "$BASE_PACKAGE" | awk -F'|' 'NR == 1 { gsub(/ /, "", $2); print $2 }')
	if [ -z "$version" ]; then
		say "no $BASE_PACKAGE in $BASE_SUITES: cannot get the base kernel"
		exit 1
	fi
	say "pinned $BASE_PACKAGE $BASE_VERSION is gone from the registry; trying $version"
fi

say "downloading $BASE_PACKAGE $version (about 160 MB)"
(cd "$cache" && apt-get "${apt_opts[@]}" -q download "$BASE_PACKAGE=$version" >"$apt_dir/download.log" 2>&1) || {
	say "download failed; see $apt_dir/download.log"
	exit 1
}
got="$cache/${BASE_PACKAGE}_${version//:/%3a}_all.deb"
[ -f "$got" ] || { say "apt-get download wrote no $got"; exit 1; }

if [ "$version" = "$BASE_VERSION" ]; then
	if ! echo "$BASE_SHA256  $got" | sha256sum -c --quiet -; then
		say "sha256 of $got does not match the pin in base.conf: refusing it"
		rm -f "$got"
		exit 1
	fi
else
	# Accept the newer package only when the series' files are untouched.
	"$here/check-touched.sh" "$got" "$patchdir" "$series" || {
		say "the newer package changes files the series touches."
		say "Rebase: import it (BASE_VERSION=$version in selftests/wb/base.conf),"
		say "run 'make tree' with that base, fix the conflicts with git am, then 'make export'."
		exit 1
	}
	say "accepted $version: every file the series touches is identical to the pinned base"
fi
echo "$version" > "$cache/base-version"
echo "$got"
