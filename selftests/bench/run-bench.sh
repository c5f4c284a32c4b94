#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# run-bench.sh --base BZIMAGE MODROOT --patched BZIMAGE MODROOT --rounds N
#              --guest DIR --out DIR [--scenario NAME] [--timeout S]
#              [--report BIN] [--threshold X]
# run-bench.sh KBUILD_BASE KBUILD_PATCHED ROUNDS   (shorthand: bzImage from
#              KBUILD/arch/x86/boot/bzImage, modules from KBUILD/modroot or
#              KBUILD-modroot; --guest and --out still needed unless
#              MCT_GUEST_DIR / MCT_BENCH_OUT are set)
#
# Packs one initramfs per kernel (same guest programs), boots base and
# patched alternately N times each with run-vm.sh --icount --scenario
# bench-guards, keeps each boot's console log in OUT (base-1.log,
# patched-1.log, ...), then runs mct-bench-report on them: the table goes to
# stdout and OUT/report.txt, the CSV to OUT/bench.csv. The report binary is
# --report, else $MCT_HOST_BIN/bench/mct-bench-report or
# $MCT_HOST_BIN/mct-bench-report, else mct-bench-report on PATH.
# Exit status: mct-bench-report's (0 ok, 1 a boot had problems).
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
vm=$here/../vm
base_k= base_m= patched_k= patched_m= rounds= guest=${MCT_GUEST_DIR:-} out=${MCT_BENCH_OUT:-}
scenario=bench-guards timeout=1200 report= threshold=1.01

die() { echo "run-bench: $*" >&2; exit 2; }
modroot_of() {
	if [ -d "$1/modroot" ]; then echo "$1/modroot"; else echo "$1-modroot"; fi
}

if [ $# -eq 3 ] && [ "${1#--}" = "$1" ]; then
	base_k=$1/arch/x86/boot/bzImage base_m=$(modroot_of "$1")
	patched_k=$2/arch/x86/boot/bzImage patched_m=$(modroot_of "$2")
	rounds=$3
	set --
fi
while [ $# -gt 0 ]; do
	case $1 in
	--base) [ $# -ge 3 ] || die "--base needs BZIMAGE MODROOT"; base_k=$2 base_m=$3; shift 3 ;;
	--patched) [ $# -ge 3 ] || die "--patched needs BZIMAGE MODROOT"; patched_k=$2 patched_m=$3; shift 3 ;;
	--rounds) rounds=$2; shift 2 ;;
	--guest) guest=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--scenario) scenario=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--report) report=$2; shift 2 ;;
	--threshold) threshold=$2; shift 2 ;;
	*) die "unknown argument $1" ;;
	esac
done
for v in base_k base_m patched_k patched_m rounds guest out; do
	[ -n "${!v}" ] || die "missing $v (see the usage at the top of $0)"
done
[[ $rounds =~ ^[1-9][0-9]*$ ]] || die "--rounds must be a positive integer"
for f in "$base_k" "$patched_k"; do [ -f "$f" ] || die "no kernel image $f"; done
for d in "$base_m" "$patched_m"; do [ -d "$d/lib/modules" ] || die "no $d/lib/modules"; done
[ -x "$guest/mct-bench" ] || die "no $guest/mct-bench (cmake --install ... --prefix P: P/guest)"
if [ -z "$report" ]; then
	for c in "${MCT_HOST_BIN:+$MCT_HOST_BIN/bench/mct-bench-report}" \
		 "${MCT_HOST_BIN:+$MCT_HOST_BIN/mct-bench-report}"; do
		[ -n "$c" ] && [ -x "$c" ] && { report=$c; break; }
	done
	[ -n "$report" ] || report=$(command -v mct-bench-report) ||
		die "mct-bench-report not found (--report, MCT_HOST_BIN or PATH)"
fi

mkdir -p "$out"
for k in base patched; do
	m=${k}_m
	echo "run-bench: packing $out/$k.initrd.gz from ${!m}" >&2
	"$vm/mkinitramfs.sh" "${!m}" "$guest" "$out/$k.initrd.gz"
done

args=()
: > "$out/boots.txt"
for i in $(seq 1 "$rounds"); do
	for k in base patched; do
		kern=${k}_k log=$out/$k-$i.log
		t0=$(date +%s.%N)
		rc=0
		"$vm/run-vm.sh" --icount --kernel "${!kern}" --initrd "$out/$k.initrd.gz" \
			--scenario "$scenario" --log "$log" --timeout "$timeout" || rc=$?
		t=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
		line="boot $k-$i: ${t} s host time, run-vm rc=$rc, $(grep -a -m1 -o 'MCT: END .*' "$log" || echo 'no END line')"
		echo "run-bench: $line" >&2
		echo "$line" >> "$out/boots.txt"
		args+=("--$k" "$log")
	done
done

set +e
"$report" --threshold "$threshold" --csv "$out/bench.csv" "${args[@]}" | tee "$out/report.txt"
exit "${PIPESTATUS[0]}"
