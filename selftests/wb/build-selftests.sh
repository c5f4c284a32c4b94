#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# build-selftests.sh SRC BUILD INST: configures and builds our C++ test
# programs and installs host tools to INST/bin, guest programs to INST/guest.
# A second build in BUILD-m32 (cmake/toolchain-m32.cmake, MCT_GUEST32)
# makes the static i386 mct-torture32 for the compat ioctl scenarios
# (vm/scenarios.d/35-compat32.list); it needs g++-multilib.
set -euo pipefail
src=$(readlink -f "$1") build=$2 inst=$3
build32=$build-m32

# The -m32 toolchain first: without it the suite would lack its compat32
# scenarios, which is an error, not a skip.
mkdir -p "$build" "$build32"
probe=$build32/m32-probe
printf '#include <thread>\nint main() { std::thread t([] {}); t.join(); }\n' > "$probe.cpp"
if ! "${CXX:-c++}" -m32 -std=c++20 -static -pthread "$probe.cpp" -o "$probe" >"$probe.log" 2>&1; then
	head -5 "$probe.log" >&2
	echo "selftests: no 32-bit (-m32) C++ toolchain for mct-torture32:" \
		"'${CXX:-c++} -m32 -static' cannot build a program; install it with" \
		"'apt-get install g++-multilib'" >&2
	exit 1
fi

if [ ! -f "$build/CMakeCache.txt" ]; then
	cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release >"$build.configure.log" 2>&1 || {
		cat "$build.configure.log" >&2; exit 1; }
fi
if ! cmake --build "$build" -j"$(nproc)" >"$build.log" 2>&1; then
	grep -E 'error|Error' "$build.log" | head -30 >&2
	echo "selftests: build failed; full log: $build.log" >&2
	exit 1
fi

if [ ! -f "$build32/CMakeCache.txt" ]; then
	cmake -S "$src" -B "$build32" -DCMAKE_BUILD_TYPE=Release -DMCT_GUEST32=ON \
		-DCMAKE_TOOLCHAIN_FILE="$src/cmake/toolchain-m32.cmake" \
		>"$build32.configure.log" 2>&1 || {
		cat "$build32.configure.log" >&2
		echo "selftests: the 32-bit configuration failed (is g++-multilib installed?)" >&2
		exit 1; }
fi
if ! cmake --build "$build32" --target mct-torture -j"$(nproc)" >"$build32.log" 2>&1; then
	grep -E 'error|Error' "$build32.log" | head -30 >&2
	echo "selftests: 32-bit build of mct-torture32 failed; full log: $build32.log" >&2
	exit 1
fi

rm -rf "$inst"
cmake --install "$build" --prefix "$inst" >/dev/null
cmake --install "$build32" --prefix "$inst" >/dev/null
# mkinitramfs.sh copies INST/guest to the guest's /usr/bin.
t32=$inst/guest/mct-torture32
file -L "$t32" 2>/dev/null | grep -q 'ELF 32-bit .* Intel 80386.*statically linked' || {
	echo "selftests: $t32 is not a static 32-bit x86 program: $(file -L "$t32" 2>&1)" >&2
	exit 1; }
