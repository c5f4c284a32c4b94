#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# sizes.sh KBUILD [KBUILD_PATCHED]
#
# Prints sizeof() of the media/V4L2 structures whose lifetime the series
# changes (sizes.c), as compiled for a kernel build: sizes.c is compiled
# to assembly with the exact command the build used for
# drivers/media/mc/mc-device.o (read from its .cmd file), so config options
# that change layouts (lockdep, KASAN, ...) count. Nothing in KBUILD is
# written. With two builds, prints both and the difference. Also shows the
# kmalloc size class each struct falls in (what a kzalloc of it costs).
# Per-CPU memory (percpu_ref counters, srcu_struct's per-CPU srcu_data) is
# not in sizeof: see README.md.
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: $0 KBUILD [KBUILD_PATCHED]" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# sizes_of KBUILD OUT: "name bytes" lines.
sizes_of() {
	local kb cmdf cmd out=$2
	kb=$(readlink -f "$1")
	cmdf=$kb/drivers/media/mc/.mc-device.o.cmd
	[ -f "$cmdf" ] || { echo "sizes: no $cmdf (not a built kernel tree with CONFIG_MEDIA_CONTROLLER?)" >&2; return 1; }
	cmd=$(sed -n 's/^savedcmd_[^ ]* := //p' "$cmdf")
	[ -n "$cmd" ] || { echo "sizes: no savedcmd line in $cmdf" >&2; return 1; }
	eval "set -- $cmd"
	local args=() skip=0 a
	[ "$1" = ccache ] && shift
	for a in "$@"; do
		if [ $skip -eq 1 ]; then skip=0; continue; fi
		case $a in
		-Wp,-MMD,*|-c) ;;			# no dependency file, no object
		-o) skip=1 ;;
		*.c) ;;					# the original source
		-I./*) args+=("-I$kb/${a#-I./}") ;;
		-I/*) args+=("$a") ;;
		-I*) args+=("-I$kb/${a#-I}") ;;
		*) args+=("$a") ;;
		esac
	done
	(cd "$work" && "${args[@]}" -S -o "$work/sizes.s" "$here/sizes.c") ||
		{ echo "sizes: compiling sizes.c for $kb failed" >&2; return 1; }
	sed -n 's/.*->MCT_SIZE \([a-z0-9_]*\) \([0-9]*\).*/\1 \2/p' "$work/sizes.s" > "$out"
}

# The kmalloc cache a kzalloc(size) lands in (x86-64 SLUB, 4 KiB pages).
kmalloc_class() {
	local s=$1 c
	for c in 8 16 32 64 96 128 192 256 512 1024 2048 4096 8192; do
		[ "$s" -le $c ] && { echo "kmalloc-$c"; return; }
	done
	echo "pages($(( (s + 4095) / 4096 * 4096 )))"
}

sizes_of "$1" "$work/a"
if [ $# -eq 1 ]; then
	printf '%-20s %8s  %s\n' struct bytes "kmalloc class"
	while read -r n s; do
		printf '%-20s %8d  %s\n' "$n" "$s" "$(kmalloc_class "$s")"
	done < "$work/a"
	exit 0
fi
sizes_of "$2" "$work/b"
printf '%-20s %8s %8s %7s  %-14s %s\n' struct base patched delta "base class" "patched class"
while read -r n s; do
	p=$(awk -v n="$n" '$1 == n { print $2 }' "$work/b")
	p=${p:-0}
	printf '%-20s %8d %8d %+7d  %-14s %s\n' "$n" "$s" "$p" $((p - s)) \
		"$(kmalloc_class "$s")" "$(kmalloc_class "$p")"
done < "$work/a"
