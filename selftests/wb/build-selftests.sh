#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# build-selftests.sh SRC BUILD INST: configures and builds our C++ test
# programs and installs host tools to INST/bin, guest programs to INST/guest.
set -euo pipefail
src=$1 build=$2 inst=$3
mkdir -p "$build"
if [ ! -f "$build/CMakeCache.txt" ]; then
	cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release >"$build.configure.log" 2>&1 || {
		cat "$build.configure.log" >&2; exit 1; }
fi
if ! cmake --build "$build" -j"$(nproc)" >"$build.log" 2>&1; then
	grep -E 'error|Error' "$build.log" | head -30 >&2
	echo "selftests: build failed; full log: $build.log" >&2
	exit 1
fi
rm -rf "$inst"
cmake --install "$build" --prefix "$inst" >/dev/null
