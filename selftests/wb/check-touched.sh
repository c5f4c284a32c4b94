#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# check-touched.sh DEB PATCH_DIR SERIES_FILE
# Succeeds when every file that the series touches has, in DEB's source
# tarball, the blob id the first patch touching it expects as preimage
# (format-patch --full-index), and files the series creates do not exist.
set -euo pipefail
deb=$1 patchdir=$2 series=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards './usr/src/*.tar.xz'
tarball=$(echo "$tmp"/usr/src/*.tar.xz)
top=$(tar -tJf "$tarball" | sed -n 1p | cut -d/ -f1)

declare -A want
while read -r p; do
	[ -n "$p" ] || continue
	awk '/^diff --git a\// { path = substr($3, 3) }
	     /^index [0-9a-f]+\.\.[0-9a-f]+/ { split($2, h, /\.\./); print path, h[1] }' \
		"$patchdir/$p"
done < <(grep -v '^#' "$series") > "$tmp/pre"
while read -r path blob; do
	[ -n "${want[$path]:-}" ] || want[$path]=$blob
done < "$tmp/pre"
[ ${#want[@]} -gt 0 ] || exit 0

members=()
for path in "${!want[@]}"; do members+=("$top/$path"); done
tar -xJf "$tarball" -C "$tmp" "${members[@]}" 2>/dev/null || true
bad=0
for path in "${!want[@]}"; do
	f="$tmp/$top/$path"
	if [[ ${want[$path]} =~ ^0+$ ]]; then
		[ ! -e "$f" ] || { echo "check-touched: $path exists but the series creates it" >&2; bad=1; }
	elif [ ! -f "$f" ]; then
		echo "check-touched: $path is missing" >&2; bad=1
	elif [ "$(git hash-object "$f")" != "${want[$path]}" ]; then
		echo "check-touched: $path differs from the base the series was made on" >&2; bad=1
	fi
done
exit $bad
