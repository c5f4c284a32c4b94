#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# run-vm.sh --kernel BZIMAGE --initrd INITRD --scenario NAME --log FILE
#           [--timeout SECONDS] [--profile NAME] [--smp N] [--append ARGS]
#           [--icount] [--pidfile FILE]
#
# Boots one scenario in QEMU and captures the serial console to --log.
# The guest is bounded by --timeout: a hung guest is killed, its log kept,
# and mct-verdict reports the missing END marker. --icount makes guest time
# follow executed instructions (one vCPU, -icount shift=0,align=off,
# sleep=off), so that a benchmark's ns/op repeats from run to run. Exit status: 0 when QEMU
# ended by itself, 124 when it was killed for running too long.
# MCT_QEMU_CPU overrides the TCG CPU model (default: max).
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
kernel= initrd= scenario= log= timeout=150 profile=default smp=2 append= icount=0 pidfile=
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=$2; shift 2 ;;
	--initrd) initrd=$2; shift 2 ;;
	--scenario) scenario=$2; shift 2 ;;
	--log) log=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--profile) profile=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--icount) icount=1; smp=1; shift ;;
	--pidfile) pidfile=$2; shift 2 ;;
	*) echo "run-vm: unknown argument $1" >&2; exit 2 ;;
	esac
done
for v in kernel initrd scenario log; do
	[ -n "${!v}" ] || { echo "run-vm: --$v is required" >&2; exit 2; }
done

# KVM only when it demonstrably works: /dev/kvm may exist on a CPU without
# virtualization, where QEMU hangs before the guest prints anything.
accel=$("$here/kvm-probe.sh" "$kernel")

qemu=(qemu-system-x86_64 -machine q35 -m 2048 -smp "$smp" -nographic
	-no-reboot -display none -monitor none -serial "file:$log"
	-kernel "$kernel" -initrd "$initrd")
if [ "$accel" = kvm ]; then
	qemu+=(-accel kvm -cpu host)
else
	qemu+=(-accel tcg -cpu "${MCT_QEMU_CPU:-max}")
fi
if [ $icount -eq 1 ]; then
	[ "$accel" = tcg ] || { echo "run-vm: --icount needs TCG" >&2; exit 2; }
	qemu+=(-icount shift=0,align=off,sleep=off)
fi
[ -z "$pidfile" ] || qemu+=(-pidfile "$pidfile")
cmdline="console=ttyS0 panic=-1 oops=continue kasan_multi_shot"
cmdline+=" hung_task_panic=0 loglevel=7 mct.scenario=$scenario $append"
qemu+=(-append "$cmdline")

# A profile adds devices and, when it needs to act on the VM from the host
# (QMP hot-unplug), a sidecar it starts and stops itself.
prof="$here/profiles/$profile.sh"
[ -f "$prof" ] || { echo "run-vm: no profile $prof" >&2; exit 2; }
workdir=$(mktemp -d)
trap 'rm -rf "$workdir"' EXIT
# shellcheck source=/dev/null
source "$prof"
profile_args "$workdir"
qemu+=("${PROFILE_ARGS[@]}")

: > "$log"
set +e
profile_start "$workdir"
timeout --kill-after=10 "$timeout" "${qemu[@]}" </dev/null >"$workdir/qemu.out" 2>&1
rc=$?
profile_stop "$workdir"
set -e
if [ -s "$workdir/qemu.out" ]; then
	sed 's/^/qemu: /' "$workdir/qemu.out" >> "$log"
fi
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
	echo "MCT-RUNNER: guest killed after ${timeout}s (accel=$accel)" >> "$log"
	exit 124
fi
exit 0
