#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# check-config.sh SRC CONFIG FRAGMENT...
# Fails, naming each one, when an option of a fragment did not survive
# olddefconfig (a missing dependency, a renamed or removed symbol). The
# fragments named series-*.config may hold options that only the series
# defines: when SRC's Kconfig files do not define such a symbol (the base
# tree), it is reported and skipped. An option that a later fragment sets
# again (the overlays of config-fragments/bisect/) is checked there only.
set -euo pipefail
src=$1 config=$2
shift 2
bad=0
frags=("$@")
for i in "${!frags[@]}"; do
	f=${frags[$i]}
	later=("${frags[@]:$((i + 1))}")
	while IFS='=' read -r key val; do
		if [ ${#later[@]} -gt 0 ] && grep -qsE "^$key=" "${later[@]}"; then
			continue
		fi
		got=$(grep -E "^$key=|^# $key is not set" "$config" || true)
		if [ "$val" = n ]; then
			case $got in ''|'# '*) continue ;; esac
		elif [ "$got" = "$key=$val" ]; then
			continue
		fi
		case $(basename "$f") in
		series-*)
			if ! grep -rqsE "^(menu)?config ${key#CONFIG_}\$" --include='Kconfig*' "$src"; then
				echo "check-config: $(basename "$f"): $key is not defined in this tree (the series adds it): skipped" >&2
				continue
			fi ;;
		esac
		echo "check-config: $(basename "$f"): $key=$val did not survive olddefconfig (got: ${got:-not present})" >&2
		bad=1
	done < <(grep -E '^CONFIG_[A-Za-z0-9_]+=' "$f")
done
[ $bad -eq 0 ] || { echo "check-config: fix the fragment or its dependencies" >&2; exit 1; }
