#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# run-suite.sh LABEL KBUILD
# Boots KBUILD's kernel once per scenario (and per run, RUNS=N), logs the
# console to $WORK/logs/LABEL/, and judges all logs with mct-verdict:
#  - LABEL "patched": selftests/expected-failures lists what may still fail;
#  - LABEL "base": selftests/base-failures lists what must fail on the
#    unpatched kernel in every run (the proof that the reproducers work).
# SCENARIOS='a b' selects scenarios; the default is every scenario.
set -uo pipefail
here=$(dirname "$(readlink -f "$0")")
top=$(dirname "$(dirname "$here")")
label=$1 kbuild=$2
vm="$top/selftests/vm"
logs="$WORK/logs/$label"
results="$WORK/results"
verdict="$HOSTINST/bin/mct-verdict"
runs=${RUNS:-1}
# Boots again after a guest that died before its scenario began.
boot_retries=${MCT_BOOT_RETRIES:-3}
# Host-side sidecars of the VM profiles (the QMP relay) are found here.
export MCT_HOST_BIN="$HOSTINST/bin"
say() { echo "suite[$label]: $*" >&2; }

bz="$kbuild/arch/x86/boot/bzImage"
[ -f "$bz" ] || { say "no kernel at $bz: build it first (make kernel / make kernel-base)"; exit 2; }
[ -x "$verdict" ] || { say "no $verdict: run 'make selftests'"; exit 2; }
case $label in
patched) expected="$top/selftests/expected-failures" ;;
base) expected="$top/selftests/base-failures" ;;
*) expected= ;;
esac

list=$(cat "$vm"/scenarios.d/*.list | grep -vE '^\s*(#|$)')
if [ -n "${SCENARIOS:-}" ]; then
	names=$SCENARIOS
	for s in $names; do
		echo "$list" | awk -v s="$s" '$1 == s { f = 1 } END { exit !f }' ||
			{ say "unknown scenario $s"; exit 2; }
	done
else
	names=$(echo "$list" | awk '{ print $1 }')
fi
names=$(echo $names)
total=$(( $(echo "$names" | wc -w) * runs ))

mkdir -p "$logs" "$results"
rm -f "$logs"/*.log "$logs"/*.bootfail*
initrd="$kbuild/mct-initrd.gz"
say "packing $initrd"
"$vm/mkinitramfs.sh" "$kbuild/modroot" "$HOSTINST/guest" "$initrd" || exit 2

i=0
bootfails=()
start=$(date +%s)
for run in $(seq "$runs"); do
	for s in $names; do
		i=$((i + 1))
		read -r _ timeout profile _ <<<"$(echo "$list" | awk -v s="$s" '$1 == s { print; exit }')"
		log="$logs/$s.run$run.log"
		t0=$(date +%s)
		"$vm/run-vm.sh" --kernel "$bz" --initrd "$initrd" --scenario "$s" \
			--log "$log" --timeout "$timeout" --profile "$profile"
		# A guest that dies before the scenario began says nothing about
		# the scenario: keep its log (.bootfail[N], reported here and in
		# the summary) and boot again, up to $boot_retries times. Seen: a
		# KASAN report in do_raw_spin_lock from an interrupt during
		# identify_cpu (5 of 60 boots under heavy host load; 2 boots in a
		# row of one scenario on an idle host, 2026-12-01), and (2 of 148
		# boots, two VMs on two cores) a guest stuck in the switch to the
		# tsc-early clocksource until the time bound.
		n=0
		while ! grep -aq "MCT: BEGIN $s" "$log" && [ "$n" -lt "$boot_retries" ]; do
			n=$((n + 1))
			kept="$log.bootfail$([ "$n" -gt 1 ] && echo "$n")"
			mv "$log" "$kept"
			bootfails+=("$kept")
			say "[$i/$total] $s (run $run): the guest died before the scenario began" \
				"($(grep -a -m1 -oE '(BUG|WARNING|Oops|Kernel panic)[^[]{0,70}' "$kept" ||
				grep -a -m1 -oE 'guest killed after [0-9]+s' "$kept" ||
				echo 'no report')); booting again ($n of $boot_retries), log kept in $kept"
			"$vm/run-vm.sh" --kernel "$bz" --initrd "$initrd" --scenario "$s" \
				--log "$log" --timeout "$timeout" --profile "$profile"
		done
		first=$("$verdict" "$log" 2>/dev/null | sed -n 's/^not ok [0-9]* - [^#]*# //p' | sed -n 1p)
		if [ -n "$first" ]; then first="FAIL: $first"; else first=pass; fi
		say "[$i/$total] $s (run $run): $first ($(( $(date +%s) - t0 ))s)"
	done
done
say "$i VM runs in $(( $(date +%s) - start ))s; logs in $logs"
for f in "${bootfails[@]}"; do
	say "boot failure before a scenario began (booted again): $f"
done

args=(--json "$results/$label.json")
if [ -n "$expected" ] && [ -f "$expected" ]; then
	# With SCENARIOS, only the selected part of the list applies.
	sel="$results/$label.expected"
	grep -vE '^\s*(#|$)' "$expected" | while read -r name rest; do
		case " $names " in *" $name "*) echo "$name $rest" ;; esac
	done | sed 's/ *$//' > "$sel"
	args+=(--expected "$sel")
	[ "$label" = base ] && args+=(--expect-every-run)
fi
for s in $names; do args+=(--require "$s"); done
"$verdict" "${args[@]}" "$logs"/*.log | tee "$results/$label.tap"
exit "${PIPESTATUS[0]}"
