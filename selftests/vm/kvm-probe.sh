#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kvm-probe.sh BZIMAGE: prints "kvm" when a KVM guest really boots (the
# kernel prints its banner within 20 s), "tcg" otherwise. The answer is
# cached per boot of the host in $MCT_CACHE/kvm-probe.
set -u
cache=${MCT_CACHE:-$HOME/.cache/mc-lifetime}/kvm-probe
boot_id=$(cat /proc/sys/kernel/random/boot_id 2>/dev/null || echo none)
if [ -f "$cache" ] && [ "$(head -1 "$cache")" = "$boot_id" ]; then
	tail -1 "$cache"
	exit 0
fi
answer=tcg
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	out=$(mktemp)
	# In a subshell: QEMU aborting is an answer, not a message for the log.
	( timeout --kill-after=2 20 qemu-system-x86_64 -accel kvm -cpu host -m 256 \
		-nographic -no-reboot -display none -monitor none -serial "file:$out" \
		-kernel "$1" -append "console=ttyS0 panic=-1 rdinit=/nonexistent" \
		</dev/null >/dev/null 2>&1 ) 2>/dev/null
	grep -q 'Linux version' "$out" && answer=kvm
	rm -f "$out"
fi
echo "kvm-probe: /dev/kvm $([ -e /dev/kvm ] || echo "absent, ")$([ $answer = kvm ] && echo "works: using KVM" || echo "does not boot a guest: using TCG")" >&2
mkdir -p "$(dirname "$cache")"
printf '%s\n%s\n' "$boot_id" "$answer" > "$cache"
echo "$answer"
