#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# build-kernel.sh SRC BUILD FRAGMENT...
# Configures (tinyconfig + fragments, merged with the kernel's
# merge_config.sh), checks that every option of every fragment survived
# olddefconfig, builds bzImage and modules out of tree in BUILD with
# ccache, and installs the modules into BUILD/modroot and the media_tests
# kselftests (static) into BUILD/modroot/kselftest. Prints progress
# every 30 s; the full output is in BUILD/build.log. With MCT_BUILD_TARGETS
# set (folders such as "drivers/media/ sound/usb/"), builds only those and
# installs nothing: the compile coverage of the bisect configurations.
set -euo pipefail
src=$(readlink -f "$1")
build=$2
shift 2
frags=("$@")
here=$(dirname "$(readlink -f "$0")")
say() { echo "kernel: $*" >&2; }
mkdir -p "$build"
build=$(readlink -f "$build")
jobs=$(( $(nproc) + 1 ))
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$(dirname "$(dirname "$src")")}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
cc="gcc"
command -v ccache >/dev/null && cc="ccache gcc"

# Configure again when a fragment or a Kconfig file changed: an option of a
# series-*.config fragment that a later patch defines (bisect) must then be
# set, not left at the default olddefconfig gave it before.
stamp=$( { cat "${frags[@]}"; find "$src" -name 'Kconfig*' -not -path '*/.git/*' -type f -print0 |
	sort -z | xargs -0 cat; } | sha256sum | cut -c1-16)
if [ ! -f "$build/.config" ] || [ "$(cat "$build/.mct-fragments" 2>/dev/null)" != "$stamp" ]; then
	say "configuring $build (tinyconfig + ${#frags[@]} fragments)"
	make -s -C "$src" O="$build" CC="$cc" tinyconfig >/dev/null
	KCONFIG_CONFIG="$build/.config" "$src/scripts/kconfig/merge_config.sh" -m -O "$build" \
		"$build/.config" "${frags[@]}" >"$build/merge.log" 2>&1
	make -s -C "$src" O="$build" CC="$cc" olddefconfig >/dev/null
	"$here/check-config.sh" "$src" "$build/.config" "${frags[@]}"
	echo "$stamp" > "$build/.mct-fragments"
fi

# The largest build of this folder so far, "objects seconds": the estimate
# of the time left (a cold build compiles them all, an incremental one a
# part, so the estimate is an upper bound).
largest="$build/.mct-largest-build"
read -r ref_objs ref_secs 2>/dev/null <"$largest" || { ref_objs=0; ref_secs=0; }
progress() {
	local n elapsed left=""
	n=$(grep -c '^  CC' "$build/build.log" || true)
	elapsed=$(( $(date +%s) - start ))
	if [ "$ref_objs" -gt 0 ] && [ "$n" -lt "$ref_objs" ]; then
		left=" of at most $ref_objs, at most $(( ref_secs * (ref_objs - n) / ref_objs ))s left"
	fi
	say "  ${elapsed}s: $n objects compiled$left, last: $(grep '^  [A-Z]' "$build/build.log" | tail -1 | awk '{print $2}')"
}

say "building in $build with -j$jobs (log: $build/build.log)"
start=$(date +%s)
read -ra targets <<<"${MCT_BUILD_TARGETS:-bzImage modules}"
# Without MAKEFLAGS: under "make -s check" it carries -s to the kernel's
# make, which then prints no "  CC" line to count. The -j is given here.
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	make -C "$src" O="$build" CC="$cc" -j"$jobs" "${targets[@]}" >"$build/build.log" 2>&1 &
pid=$!
while kill -0 $pid 2>/dev/null; do
	for _ in $(seq 30); do kill -0 $pid 2>/dev/null || break; sleep 1; done
	kill -0 $pid 2>/dev/null || break
	progress
done
if ! wait $pid; then
	say "build FAILED after $(( $(date +%s) - start ))s; the errors:"
	grep -E 'error:|Error [0-9]|undefined reference|ERROR:' "$build/build.log" | head -20 >&2
	exit 1
fi
objs=$(grep -c '^  CC' "$build/build.log" || true)
if [ "$objs" -gt "$ref_objs" ]; then
	echo "$objs $(( $(date +%s) - start ))" >"$largest"
fi
if [ -n "${MCT_BUILD_TARGETS:-}" ]; then
	say "built ${MCT_BUILD_TARGETS} in $(( $(date +%s) - start ))s"
	exit 0
fi
rm -rf "$build/modroot"
make -s -C "$src" O="$build" INSTALL_MOD_PATH="$build/modroot" INSTALL_MOD_STRIP=1 \
	modules_install >"$build/modules_install.log" 2>&1
rm -f "$build"/modroot/lib/modules/*/build "$build"/modroot/lib/modules/*/source
# The kernel's selftests of the media subsystem (TARGETS=media_tests),
# static for the guest, against the UAPI headers of this build; installed
# in BUILD/modroot/kselftest, which mkinitramfs.sh puts in the guest's
# /usr/lib/kselftest.
make -s -C "$src" O="$build" headers >"$build/headers.log" 2>&1
if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$src/tools/testing/selftests" \
	TARGETS=media_tests O="$build" KHDR_INCLUDES="-isystem $build/usr/include" \
	LDFLAGS=-static >"$build/kselftest.log" 2>&1; then
	say "the media_tests kselftests do not build; the errors:"
	grep -E 'error:|Error [0-9]' "$build/kselftest.log" | head -20 >&2
	exit 1
fi
mkdir -p "$build/modroot/kselftest/media_tests"
find "$build/kselftest/media_tests" -maxdepth 1 -type f -perm -u+x \
	-exec cp {} "$build/modroot/kselftest/media_tests/" \;
say "built $(make -s -C "$src" O="$build" kernelrelease) in $(( $(date +%s) - start ))s"
