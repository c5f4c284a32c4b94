#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# mkinitramfs.sh MODROOT GUEST_BIN_DIR OUT
# Packs busybox, the init script, the scenario lists, our static test
# programs, the kernel's modules (MODROOT: what modules_install wrote
# with INSTALL_MOD_PATH=MODROOT, or an empty folder) and the kernel's
# kselftests of MODROOT/kselftest into a gzip'ed cpio.
set -euo pipefail
modroot=$(readlink -f "$1")
guest=$(readlink -f "$2")
out=$3
here=$(dirname "$(readlink -f "$0")")
busybox=${BUSYBOX:-/bin/busybox}

[ -x "$busybox" ] || { echo "mkinitramfs: $busybox missing (apt-get install busybox-static)" >&2; exit 1; }
file -L "$busybox" 2>/dev/null | grep -q 'statically linked' ||
	{ echo "mkinitramfs: $busybox is not static (install busybox-static)" >&2; exit 1; }

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,etc/mct,proc,sys,dev,tmp,run,usr/bin,lib/modules}
cp "$busybox" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
cp "$here/init" "$root/init"
# The benchmark boots (selftests/bench/run-bench.sh) are not in the suite.
cat "$here"/scenarios.d/*.list "$here"/scenarios.d/slow/*.list "$here"/../bench/bench.list > "$root/etc/mct/scenarios.list"
# Guest-side scripts of the runner (mct-kunit, ...)
cp -a "$here"/guest/. "$root/usr/bin/"
if compgen -G "$guest/*" >/dev/null; then
	cp -a "$guest"/. "$root/usr/bin/"
fi
if [ -d "$modroot/lib/modules" ]; then
	cp -a "$modroot/lib/modules/." "$root/lib/modules/"
fi
# The kernel's own kselftests that build-kernel.sh built (media_tests).
if [ -d "$modroot/kselftest" ]; then
	mkdir -p "$root/usr/lib/kselftest"
	cp -a "$modroot/kselftest/." "$root/usr/lib/kselftest/"
fi
(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 > "$out.tmp"
mv "$out.tmp" "$out"
