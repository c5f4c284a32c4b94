#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# mail.sh TREE OUT_DIR CACHE_DIR
# Writes the series of TREE (a b4 prep branch made by tree.sh) as mails
# into OUT_DIR/mails with "b4 send -o" (nothing is sent), and its patches
# as one mbox, OUT_DIR/series.mbx, in the order git am applies them.
#
# The commits of TREE are written with an AI coding assistant: each
# carries "Assisted-by: LLM" and no Signed-off-by, which an AI must not add
# (Documentation/process/coding-assistants.rst). Only a human can certify
# the DCO, and only after reviewing the patches: mail.sh writes mails
# only for a sender who says so with MAIL_CERTIFY=yes. A copy of the
# branch in OUT_DIR/repo then gets the sender as author and the sender's
# Signed-off-by as the last trailer of every patch. The sender is
# MAIL_FROM ("Name <address>") or else the git identity (user.name,
# user.email) of the current directory; mail.sh refuses to write mails
# when that identity is missing, malformed or the project's placeholder.
#
# Recipients come from scripts/get_maintainer.pl of TREE, per patch:
# whom it names for more than half of the patches is in the cover letter's
# To (people) and Cc (lists), and so on every mail; the others of a patch
# become Cc: trailers of that patch, which b4 puts on that patch's mail
# and on the cover letter. OUT_DIR/recipients lists them per patch.
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=base.conf
source "$here/base.conf"
tree=$1 out=$2 cache=$3
mkdir -p "$out"
out=$(readlink -f "$out")
tree=$(readlink -f "$tree")
say() { echo "mail: $*" >&2; }

placeholder_name=${PROJECT_IDENT% <*}
placeholder_email=${PROJECT_IDENT#*<}
placeholder_email=${placeholder_email%>}
if [ -n "${MAIL_FROM:-}" ]; then
	name= email=
	if [[ $MAIL_FROM =~ ^([^<>]*[^<>\ ])\ +\<([^<>@\ ]+@[^<>@\ ]+)\>$ ]]; then
		name=${BASH_REMATCH[1]}
		email=${BASH_REMATCH[2]}
	fi
else
	name=$(git config user.name || true)
	email=$(git config user.email || true)
fi
if [ -z "$name" ] || [ -z "$email" ] || [ "$name" = "$placeholder_name" ] ||
   [ "$email" = "$placeholder_email" ] || [[ $email == *.invalid ]]; then
	say "no sender identity: the mails are signed off by their sender, and"
	say "'${name:-?} <${email:-?}>' is missing or is the project's placeholder."
	say "Set yours:  git config --global user.name 'Your Name'"
	say "            git config --global user.email you@example.org"
	say "or run:     make mail MAIL_FROM='Your Name <you@example.org>'"
	exit 1
fi
sender="$name <$email>"
if [ "${MAIL_CERTIFY:-}" != yes ]; then
	say "the patches are written with an AI coding assistant (Assisted-by: LLM) and"
	say "carry no Signed-off-by. $sender would sign off each of them, and so certify"
	say "the DCO (Documentation/process/submitting-patches.rst) and take responsibility"
	say "for them, as Documentation/process/coding-assistants.rst asks of the human"
	say "submitter. Review them first; then: make mail MAIL_CERTIFY=yes"
	exit 1
fi

b4=$("$here/fetch-b4.sh" "$cache")
cover=$(git -C "$tree" rev-list --reverse base..HEAD | sed -n 1p)
grep -qx -- '--- b4-submit-tracking ---' <<<"$(git -C "$tree" log -1 --format=%B "$cover")" || {
	say "$tree is not a b4 prep branch (no tracking data): run 'make tree'"
	exit 1
}
mapfile -t commits < <(git -C "$tree" rev-list --reverse "$cover"..HEAD)
n=${#commits[@]}
[ "$n" -gt 0 ] || { say "the series is empty"; exit 1; }

rm -rf "$out/mails" "$out/series.mbx" "$out/recipients" "$out/getm"
mkdir -p "$out/getm"

# get_maintainer.pl per patch: people (--nol) and lists (--nom). Its git
# lookups of Fixes: tags fail on the imported base and only print to
# stderr.
getm_opts=(--nogit --nogit-fallback --nogit-chief-penguins --norolestats)
git -C "$tree" format-patch -q --zero-commit -o "$out/getm" "$cover"..HEAD
mapfile -t pfiles < <(ls "$out/getm"/*.patch)
for i in "${!pfiles[@]}"; do
	for kind in people:--nol lists:--nom; do
		if ! (cd "$tree" && perl scripts/get_maintainer.pl "${getm_opts[@]}" "${kind#*:}" \
			"${pfiles[$i]}" 2>"$out/getm/$i.err") > "$out/getm/$i.all"; then
			say "get_maintainer.pl ${kind#*:} failed on ${pfiles[$i]}; see $out/getm/$i.err"
			exit 1
		fi
		grep -vF -e "<$email>" -e "<$placeholder_email>" "$out/getm/$i.all" > "$out/getm/$i.${kind%%:*}" || true
	done
	[ -s "$out/getm/$i.people" ] && [ -s "$out/getm/$i.lists" ] || {
		say "get_maintainer.pl names nobody or no list for ${pfiles[$i]}"
		exit 1
	}
done
common() { cat "$out"/getm/*."$1" | sort | uniq -c | awk -v n="$n" '$1 * 2 > n { $1 = ""; sub(/^ /, ""); print }'; }
mapfile -t to < <(common people)
mapfile -t cc < <(common lists)
declare -A everyone=()
for a in "${to[@]}" "${cc[@]}"; do everyone[$a]=1; done
[ ${#to[@]} -gt 0 ] || { say "get_maintainer.pl names nobody for most patches: no To"; exit 1; }

# The copy of the branch, the sender's.
repo="$out/repo"
rm -rf "$repo"
git clone -q --shared --no-checkout "$tree" "$repo"
git -C "$repo" config user.name "$name"
git -C "$repo" config user.email "$email"
git -C "$repo" update-ref refs/heads/series "$(git -C "$tree" rev-parse HEAD)"
git -C "$repo" symbolic-ref HEAD refs/heads/series
# b4 wants a clean checkout and runs scripts/checkpatch.pl of it: a sparse
# one (the top-level files and scripts/) is enough and takes seconds.
git -C "$repo" sparse-checkout set --cone scripts
git -C "$repo" checkout -q series
git -C "$repo" tag -f base "$(git -C "$tree" rev-parse base)" >/dev/null

export GIT_AUTHOR_NAME=$name GIT_AUTHOR_EMAIL=$email GIT_COMMITTER_NAME=$name GIT_COMMITTER_EMAIL=$email
{
	echo "# To and Cc of every mail (named by get_maintainer.pl for more than half of the $n patches)"
	printf 'To: %s\n' "${to[@]}"
	printf 'Cc: %s\n' "${cc[@]}"
} > "$out/recipients"

# The cover letter: its text, then the To and Cc trailers, then b4's data.
msg=$(git -C "$tree" log -1 --format=%B "$cover")
text=$(printf '%s\n' "$msg" | sed '/^--- b4-submit-tracking ---$/,$d' | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}')
tracking=$(printf '%s\n' "$msg" | sed -n '/^--- b4-submit-tracking ---$/,$p')
trailers=$(printf 'To: %s\n' "${to[@]}"; printf 'Cc: %s\n' "${cc[@]}")
parent=$(GIT_AUTHOR_DATE=$(git -C "$tree" log -1 --format=%ad --date=raw "$cover") \
	git -C "$repo" commit-tree "$cover^{tree}" -p base \
	-m "$(printf '%s\n\n%s\n\n%s\n' "$text" "$trailers" "$tracking")")

# Each patch: the Cc: trailers of its own recipients, then the sender's
# Signed-off-by, last. A patch without the Assisted-by of the assistant,
# or with a Signed-off-by already, is not one of this series.
for i in "${!commits[@]}"; do
	c=${commits[$i]}
	body=$(git -C "$tree" log -1 --format=%B "$c")
	trl=$(git interpret-trailers --parse <<<"$body")
	if ! grep -qxF "$ASSISTED_BY" <<<"$trl" || grep -q '^Signed-off-by:' <<<"$trl"; then
		say "$(git -C "$tree" log -1 --format=%s "$c"): no '$ASSISTED_BY' or a Signed-off-by already"
		exit 1
	fi
	args=()
	echo "# $(git -C "$tree" log -1 --format=%s "$c")" >> "$out/recipients"
	while read -r a; do
		[ -n "$a" ] && [ -z "${everyone[$a]:-}" ] || continue
		args+=(--trailer "Cc: $a")
		echo "Cc: $a" >> "$out/recipients"
	done < <(awk '!seen[$0]++' "$out/getm/$i.people" "$out/getm/$i.lists")
	if [ ${#args[@]} -gt 0 ]; then
		body=$(git interpret-trailers --if-exists addIfDifferent "${args[@]}" <<<"$body")
	fi
	body=$(git interpret-trailers --where end --if-exists add \
		--trailer "Signed-off-by: $sender" <<<"$body")
	parent=$(GIT_AUTHOR_DATE=$(git -C "$tree" log -1 --format=%ad --date=raw "$c") \
		git -C "$repo" commit-tree "$c^{tree}" -p "$parent" -m "$body")
done
git -C "$repo" update-ref refs/heads/series "$parent"
[ "$(git -C "$repo" rev-parse "series^{tree}")" = "$(git -C "$tree" rev-parse "HEAD^{tree}")" ] || {
	say "the sender's copy of the branch does not end at the tree of $tree"
	exit 1
}

# b4's own checks, then the mails. Auto-to-cc stays off: recipients are
# per patch (above), while "b4 prep --auto-to-cc" would put the union of
# them on every mail.
# The sparse copy is no kernel tree for checkpatch.pl: it runs with the
# root of TREE, --strict and the ignores of "make checkpatch" (base.conf
# says why). Debian's python3 comes first in PATH, for checkpatch's
# spdxcheck.py and its modules (ply, git). b4 sends nothing with -o,
# but without an SMTP server set it insists on its web endpoint and a
# signature: the server is set to one that is never run.
export PATH=/usr/bin:$PATH
b4c=("$b4" --offline-mode --no-stdin)
git -C "$repo" config b4.prep-pre-flight-checks disable-needs-auto-to-cc
git -C "$repo" config b4.prep-perpatch-check-cmd \
	"$tree/scripts/checkpatch.pl -q --terse --no-summary --mailback --showfile --strict --root=$tree $CHECKPATCH_IGNORE"
git -C "$repo" config sendemail.smtpserver /bin/false
say "b4 prep --check (checkpatch --strict of each patch)"
(cd "$repo" && "${b4c[@]}" prep --check) > "$out/b4-check.log" 2>&1 || true
if ! grep -qE "^Success: $n, Warning: 0, Error: 0\$" "$out/b4-check.log"; then
	say "b4 prep --check: $(grep -E '^Success:' "$out/b4-check.log" || echo 'no summary'); see $out/b4-check.log"
	exit 1
fi
(cd "$repo" && "${b4c[@]}" send -o "$out/mails" --no-sign --not-me-too) > "$out/b4-send.log" 2>&1 || {
	say "b4 send -o failed; see $out/b4-send.log"
	exit 1
}
mapfile -t mails < <(ls "$out/mails"/*.eml 2>/dev/null)
[ ${#mails[@]} -eq $((n + 1)) ] || {
	say "b4 send -o wrote ${#mails[@]} mails, expected $((n + 1)); see $out/b4-send.log"
	exit 1
}
# One mboxrd of the patches, in order, for git am (which stops at a mail
# without a diff, so the cover letter is only in mails/).
for f in "${mails[@]:1}"; do
	echo "From mboxrd@z Thu Jan  1 00:00:00 1970"
	sed -e 's/^>*From />&/' "$f"
	echo
done > "$out/series.mbx"
say "wrote $((n + 1)) mails from $sender to $out/mails and $out/series.mbx"
say "recipients per patch: $out/recipients"
