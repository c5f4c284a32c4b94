#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# run-suite.sh LABEL KBUILD
# Boots KBUILD's kernel once per scenario (and per run, RUNS=N), logs the
# console to $WORK/logs/LABEL/, and judges all logs with mct-verdict:
#  - LABEL "patched": selftests/expected-failures lists what may still fail;
#  - LABEL "base": selftests/base-failures lists what must fail on the
#    unpatched kernel in every run (the proof that the reproducers work).
# SCENARIOS='a b' selects scenarios; the default is every scenario.
# Scenarios of one group ("#@ group NAME" in scenarios.d/*.list, up to the
# next "#@ group" line or the end of the file) share a boot, in list order:
# the guest runs them one after the other and stops early after one that
# failed or changed the kernel (taint, lockdep off, modules or processes
# left); the runner boots again for the rest. Each scenario is still
# bounded by its own timeout, and its part of the console log (the boot
# too, for the first) is its log. MCT_SHARED_BOOT=0 boots once per scenario.
# MCT_GUEST_APPEND adds to the guest kernel command line (mct.fi_from=N
# mct.fi_step=K: a partial fault-injection sweep).
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

# scenarios.d/slow/*.list: run only when named in SCENARIOS.
lists=("$vm"/scenarios.d/*.list) slow_lists=("$vm"/scenarios.d/slow/*.list)
entries() { grep -hvE '^\s*(#|$)' "$@"; }
list=$(entries "${lists[@]}" "${slow_lists[@]}")
if [ -n "${SCENARIOS:-}" ]; then
	names=$SCENARIOS
	for s in $names; do
		echo "$list" | awk -v s="$s" '$1 == s { f = 1 } END { exit !f }' ||
			{ say "unknown scenario $s"; exit 2; }
	done
else
	names=$(entries "${lists[@]}" | awk '{ print $1 }')
fi
names=$(echo $names)
total=$(( $(echo "$names" | wc -w) * runs ))

mkdir -p "$logs" "$results"
rm -f "$logs"/*.log "$logs"/*.bootfail*
initrd="$kbuild/mct-initrd.gz"
say "packing $initrd"
"$vm/mkinitramfs.sh" "$kbuild/modroot" "$HOSTINST/guest" "$initrd" || exit 2

# The group of each scenario ("-": a boot of its own).
# "#@ group NAME keep=a,b": the modules a and b stay loaded between the
# scenarios of a boot (the guest unloads every other module they loaded).
groups=$(for f in "${lists[@]}" "${slow_lists[@]}"; do
	awk '/^#@ *group / { g = $3; k = "-"
			     for (i = 4; i <= NF; i++) if ($i ~ /^keep=/) k = substr($i, 6)
			     next }
	     /^[ \t]*(#|$)/ { next }
	     { print $1, (g == "" ? "-" : g), (g == "" ? "-" : k) }' "$f"
done)
[ "${MCT_SHARED_BOOT:-1}" = 1 ] || groups=$(echo "$groups" | awk '{ print $1, "-", "-" }')
field() { echo "$list" | awk -v s="$1" -v f="$2" '$1 == s { print $f; exit }'; }
group_of() { echo "$groups" | awk -v s="$1" '$1 == s { print $2; exit }'; }
keep_of() { echo "$groups" | awk -v s="$1" '$1 == s { print $3; exit }'; }

# split_log LOG NAME...: the part of LOG from "MCT: BEGIN NAME" up to the
# next BEGIN becomes the log of NAME; the first begun also gets the boot.
split_log() {
	local log=$1; shift
	local s
	for s in "$@"; do
		awk -v s="$s" -v first="$1" '
			/MCT: BEGIN / { cur = $0; sub(/.*MCT: BEGIN /, "", cur); sub(/[ \r].*/, "", cur) }
			cur == s || (cur == "" && s == first) { print }
		' "$log" > "$logs/$s.run$run.log"
		[ "$s" = "$1" ] || sed -i "1i MCT-RUNNER: shared boot, after $prev" "$logs/$s.run$run.log"
		prev=$s
	done
}

# boot_batch NAME...: one boot for the scenarios; sets $begun to those
# that began, in order. Kills the guest when the scenario running exceeds
# its timeout (counted from its BEGIN; the first from the start of QEMU).
boot_batch() {
	local log="$logs/.boot.log" pidf="$logs/.qemu.pid" cur= t0 now limit pid killed= crashed=
	local sum=0 s keep append
	for s in "$@"; do sum=$((sum + $(field "$s" 2))); done
	keep=$(keep_of "$1")
	append=${MCT_GUEST_APPEND:-}
	[ -z "$keep" ] || [ "$keep" = - ] || append="mct.keep=$keep $append"
	rm -f "$pidf"
	"$vm/run-vm.sh" --kernel "$bz" --initrd "$initrd" --scenario "$(echo "$@" | tr ' ' ',')" \
		--log "$log" --timeout "$((sum + 30))" --profile "$(field "$1" 3)" --pidfile "$pidf" \
		${append:+--append "$append"} &
	local vmpid=$!
	cur=$1 t0=$(date +%s)
	while kill -0 "$vmpid" 2>/dev/null; do
		sleep 2
		s=$(grep -ao 'MCT: BEGIN [^ ]*' "$log" 2>/dev/null | tail -1 | cut -d' ' -f3 | tr -d '\r')
		if [ -n "$s" ] && [ "$s" != "$cur" ]; then cur=$s t0=$(date +%s); fi
		now=$(date +%s) limit=$(field "$cur" 2)
		# A report before the first BEGIN loses the boot (see the
		# retries below): give it 20 s to finish, not the whole bound.
		if [ -z "$s" ] && [ -z "$crashed" ] &&
		   grep -aqE '(BUG: |Oops|Kernel panic|general protection fault)' "$log" 2>/dev/null; then
			crashed=$now
		fi
		if [ -n "$crashed" ] && [ -z "$s" ] && [ $((now - crashed)) -gt 20 ]; then
			limit=$((now - t0 - 1))
		fi
		if [ -z "$killed" ] && [ $((now - t0)) -gt "$limit" ] && [ -f "$pidf" ]; then
			pid=$(cat "$pidf")
			kill -9 "$pid" 2>/dev/null
			killed="MCT-RUNNER: guest killed after $((now - t0))s in scenario $cur"
		fi
	done
	wait "$vmpid"
	[ -z "$killed" ] || echo "$killed" >> "$log"
	begun=$(grep -ao 'MCT: BEGIN [^ ]*' "$log" | cut -d' ' -f3 | tr -d '\r' | grep -xF "$(printf '%s\n' "$@")")
	bootlog=$log
}

# The batches: runs of consecutive scenarios of one group and profile, with
# the kernel command line short enough (COMMAND_LINE_SIZE is 2048).
batches=()
batch= bgroup= blen=0
for s in $names; do
	g=$(group_of "$s") p=$(field "$s" 3)
	if [ -n "$batch" ] && { [ "$g" = - ] || [ "$g/$p" != "$bgroup" ] || [ $((blen + ${#s})) -gt 1200 ]; }; then
		batches+=("$batch") batch= blen=0
	fi
	batch="${batch:+$batch }$s" bgroup=$g/$p blen=$((blen + ${#s} + 1))
	if [ "$g" = - ]; then batches+=("$batch") batch= blen=0; fi
done
[ -z "$batch" ] || batches+=("$batch")

i=0
boots=0
bootfails=()
start=$(date +%s)
for run in $(seq "$runs"); do
	for b in "${batches[@]}"; do
		# shellcheck disable=SC2206
		left=($b)
		tries=0
		while [ ${#left[@]} -gt 0 ]; do
			t0=$(date +%s)
			boot_batch "${left[@]}"
			boots=$((boots + 1))
			if [ -z "$begun" ]; then
				# A guest that dies before the scenario began says
				# nothing about the scenario: keep its log
				# (.bootfail[N], reported here and in the summary)
				# and boot again, up to $boot_retries times. Seen: a
				# KASAN report in do_raw_spin_lock from an interrupt
				# during identify_cpu (5 of 60 boots under heavy host
				# load; 2 boots in a row of one scenario on an idle
				# host, 2026-12-01), and (2 of 148 boots, two VMs on
				# two cores) a guest stuck in the switch to the
				# tsc-early clocksource until the time bound.
				s=${left[0]}
				if [ "$tries" -lt "$boot_retries" ]; then
					tries=$((tries + 1))
					kept="$logs/$s.run$run.log.bootfail$([ "$tries" -gt 1 ] && echo "$tries")"
					mv "$bootlog" "$kept"
					bootfails+=("$kept")
					say "$s (run $run): the guest died before the scenario began" \
						"($(grep -a -m1 -oE '(BUG|WARNING|Oops|Kernel panic)[^[]{0,70}' "$kept" ||
						grep -a -m1 -oE 'guest killed after [0-9]+s' "$kept" ||
						echo 'no report')); booting again ($tries of $boot_retries), log kept in $kept"
					continue
				fi
				# Out of retries: the log without BEGIN is the verdict.
				mv "$bootlog" "$logs/$s.run$run.log"
				begun=$s
			else
				# shellcheck disable=SC2086
				split_log "$bootlog" $begun
			fi
			tries=0
			n=$(echo $begun | wc -w)
			shared=$([ "${#left[@]}" -gt 1 ] && echo ", shared boot of $n")
			why=$(grep -a -m1 'MCT-GUEST: ' "$bootlog" 2>/dev/null | sed 's/.*MCT-GUEST: //' | tr -d '\r')
			for s in $begun; do
				i=$((i + 1))
				first=$("$verdict" "$logs/$s.run$run.log" 2>/dev/null | sed -n 's/^not ok [0-9]* - [^#]*# //p' | sed -n 1p)
				if [ -n "$first" ]; then first="FAIL: $first"; else first=pass; fi
				say "[$i/$total] $s (run $run): $first"
			done
			say "  ($(( $(date +%s) - t0 ))s$shared${why:+; boot ended early: $why})"
			rm -f "$bootlog"
			# The scenarios after the last that began get a new boot.
			last=$(echo $begun | awk '{ print $NF }')
			for k in "${!left[@]}"; do
				if [ "${left[$k]}" = "$last" ]; then
					left=("${left[@]:$((k + 1))}")
					break
				fi
			done
		done
	done
done
say "$i scenario runs in $boots boots, $(( $(date +%s) - start ))s; logs in $logs"
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
