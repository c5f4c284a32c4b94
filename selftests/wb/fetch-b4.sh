#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# fetch-b4.sh CACHE_DIR
# Prints the path of a b4 command of at least B4_MIN (base.conf): the
# system's b4 if it is new enough, else the pinned B4_VERSION of Debian's
# B4_SUITE, downloaded through a private apt configuration (CACHE_DIR/
# apt-b4), checked against B4_SHA256, unpacked in CACHE_DIR/b4-VERSION and
# wrapped to run with Debian's /usr/bin/python3. Its Python dependencies come
# from Debian's packages (.ci/run installs them).
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=base.conf
source "$here/base.conf"
# shellcheck source=apt-private.sh
source "$here/apt-private.sh"
cache=$1
say() { echo "fetch-b4: $*" >&2; }

if command -v b4 >/dev/null; then
	have=$(b4 --version 2>/dev/null || true)
	if [ -n "$have" ] && dpkg --compare-versions "$have" ge "$B4_MIN"; then
		command -v b4
		exit 0
	fi
fi

missing=()
for m in requests dkim dns patatt; do
	/usr/bin/python3 -c "import $m" 2>/dev/null || missing+=("$m")
done
command -v git-filter-repo >/dev/null || missing+=(git-filter-repo)
if [ ${#missing[@]} -gt 0 ]; then
	say "b4 needs ${missing[*]}: apt-get install python3-requests python3-dkim python3-dnspython python3-patatt git-filter-repo"
	exit 1
fi

dest="$cache/b4-$B4_VERSION"
if [ ! -x "$dest/b4" ]; then
	deb="$cache/b4_${B4_VERSION}_all.deb"
	if ! { [ -f "$deb" ] && echo "$B4_SHA256  $deb" | sha256sum -c --quiet - 2>/dev/null; }; then
		say "downloading b4 $B4_VERSION from Debian $B4_SUITE"
		apt_private "$cache/apt-b4" "$B4_SUITE" || {
			say "apt-get update failed; see $cache/apt-b4/update.log"
			exit 1
		}
		(cd "$cache" && apt-get "${apt_opts[@]}" -q download "b4=$B4_VERSION" \
			>"$cache/apt-b4/download.log" 2>&1) || {
			say "download failed; see $cache/apt-b4/download.log"
			exit 1
		}
		if ! echo "$B4_SHA256  $deb" | sha256sum -c --quiet -; then
			say "sha256 of $deb does not match the pin in base.conf: refusing it"
			rm -f "$deb"
			exit 1
		fi
	fi
	rm -rf "$dest"
	mkdir -p "$dest"
	dpkg-deb -x "$deb" "$dest/root"
	cat > "$dest/b4" <<WRAP
#!/bin/sh
# b4 $B4_VERSION of Debian $B4_SUITE, unpacked by fetch-b4.sh
PYTHONPATH="$dest/root/usr/lib/python3/dist-packages\${PYTHONPATH:+:\$PYTHONPATH}" \\
	exec /usr/bin/python3 -c 'import sys; from b4.command import cmd; sys.argv[0] = "b4"; sys.exit(cmd())' "\$@"
WRAP
	chmod +x "$dest/b4"
fi
have=$("$dest/b4" --version)
[ "$have" = "${B4_VERSION%-*}" ] || { say "$dest/b4 says version $have, expected ${B4_VERSION%-*}"; exit 1; }
echo "$dest/b4"
