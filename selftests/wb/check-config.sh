#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# check-config.sh CONFIG FRAGMENT...
# Fails, naming each one, when an option of a fragment did not survive
# olddefconfig (a missing dependency, a renamed or removed symbol).
set -euo pipefail
config=$1
shift
bad=0
for f in "$@"; do
	while IFS='=' read -r key val; do
		got=$(grep -E "^$key=|^# $key is not set" "$config" || true)
		if [ "$val" = n ]; then
			case $got in ''|'# '*) continue ;; esac
		elif [ "$got" = "$key=$val" ]; then
			continue
		fi
		echo "check-config: $(basename "$f"): $key=$val did not survive olddefconfig (got: ${got:-not present})" >&2
		bad=1
	done < <(grep -E '^CONFIG_[A-Za-z0-9_]+=' "$f")
done
[ $bad -eq 0 ] || { echo "check-config: fix the fragment or its dependencies" >&2; exit 1; }
