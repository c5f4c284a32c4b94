#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# mail-check.sh TREE OUT_DIR CACHE_DIR [TAP_OUT]
# The check of "make mail" that "make check" runs, in TAP:
# - TREE is a b4 prep branch ("b4 prep --show-info");
# - mail.sh refuses the project's placeholder identity, and a sender who
#   did not certify the DCO (MAIL_CERTIFY=yes), and writes nothing;
# - with a test sender (MAIL_CHECK_FROM), it writes the cover letter and
#   one mail a patch, and the cover letter has the base-commit trailer;
# - every mail goes to every address that get_maintainer.pl, run on the
#   mail, names, and to none twice;
# - git am of the mbox on the base, in a scratch worktree (OUT_DIR/am),
#   gives one commit a patch, each authored and signed off (once, last) by
#   the sender, with the Assisted-by of base.conf, ending at the tree of TREE.
set -uo pipefail
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=base.conf
source "$here/base.conf"
tree=$(readlink -f "$1") out=$2 cache=$3 tapout=${4:-/dev/null}
mkdir -p "$out"
out=$(readlink -f "$out")
sender=${MAIL_CHECK_FROM:-Mail Check <mail-check@example.org>}
t=0 fail=0
: > "$tapout"
tap() { # tap OK|FAIL description [diagnostics...]
	local r=$1 d=$2
	shift 2
	t=$((t + 1))
	if [ "$r" = OK ]; then
		echo "ok $t - $d" | tee -a "$tapout"
	else
		echo "not ok $t - $d" | tee -a "$tapout"
		fail=1
		printf '#   %s\n' "$@"
	fi
}
n=$(git -C "$tree" rev-list --count base..HEAD)
n=$((n - 1))

# The tree is a b4 prep branch of the series' change-id and revision.
b4=$("$here/fetch-b4.sh" "$cache")
info=$(cd "$tree" && "$b4" --offline-mode --no-stdin prep --show-info 2>&1)
if grep -qx "change-id: $B4_CHANGE_ID" <<<"$info" && grep -qx "revision: $B4_REVISION" <<<"$info" &&
   [ "$(grep -c '^commit-' <<<"$info")" -eq "$n" ]; then
	tap OK "b4 prep --show-info: the tree is a prep branch of $n patches"
else
	mapfile -t last < <(echo "$info" | tail -5)
	tap FAIL "b4 prep --show-info: the tree is a prep branch of $n patches" "${last[@]}"
fi

# The placeholder is refused, and nothing is written.
if MAIL_FROM=$PROJECT_IDENT MAIL_CERTIFY=yes "$here/mail.sh" "$tree" "$out/refused" "$cache" > "$out/refused.log" 2>&1; then
	tap FAIL "mail.sh refuses the placeholder identity" "it wrote mails"
elif ls "$out/refused/mails" >/dev/null 2>&1; then
	tap FAIL "mail.sh refuses the placeholder identity" "it exited non-zero but left $out/refused/mails"
elif ! grep -q 'git config --global user.email' "$out/refused.log"; then
	tap FAIL "mail.sh refuses the placeholder identity" "it does not say how to set one"
else
	tap OK "mail.sh refuses the placeholder identity"
fi

# A real sender who did not certify the DCO is refused too.
if MAIL_FROM=$sender MAIL_CERTIFY= "$here/mail.sh" "$tree" "$out/refused" "$cache" > "$out/refused2.log" 2>&1 ||
   ls "$out/refused/mails" >/dev/null 2>&1; then
	tap FAIL "mail.sh refuses a sender who did not certify (MAIL_CERTIFY=yes)"
elif ! grep -q 'MAIL_CERTIFY=yes' "$out/refused2.log"; then
	tap FAIL "mail.sh refuses a sender who did not certify (MAIL_CERTIFY=yes)" "it does not say how"
else
	tap OK "mail.sh refuses a sender who did not certify (MAIL_CERTIFY=yes)"
fi

if ! MAIL_FROM=$sender MAIL_CERTIFY=yes "$here/mail.sh" "$tree" "$out/mail" "$cache" > "$out/mail.log" 2>&1; then
	mapfile -t last < <(tail -5 "$out/mail.log")
	tap FAIL "make mail writes the series" "${last[@]}"
	echo "mail-check: $t checks, failed" >&2
	exit 1
fi
mapfile -t mails < <(ls "$out/mail/mails"/*.eml)
if [ ${#mails[@]} -eq $((n + 1)) ]; then
	tap OK "make mail writes $((n + 1)) mails"
else
	tap FAIL "make mail writes $((n + 1)) mails" "it wrote ${#mails[@]}"
fi
if grep -qx "base-commit: $(git -C "$tree" rev-parse base)" "${mails[0]}"; then
	tap OK "the cover letter has the base-commit trailer"
else
	tap FAIL "the cover letter has the base-commit trailer"
fi

# The b4 comments of the cover letter (the "#" lines) are not sent.
cover=$(git -C "$tree" rev-list --reverse base..HEAD | sed -n 1p)
sent=()
while read -r l; do
	grep -qxF -- "$l" "${mails[0]}" && sent+=("$l")
done < <(git -C "$tree" log -1 --format=%B "$cover" | sed '/^--- b4-submit-tracking ---$/,$d' | grep '^#')
if [ ${#sent[@]} -eq 0 ]; then
	tap OK "the cover letter's b4 comments are not sent"
else
	tap FAIL "the cover letter's b4 comments are not sent" "${sent[@]:0:3}"
fi

# Every address that get_maintainer.pl gives for a patch, run here on
# the mail itself, is on that mail, and none twice.
missing=() twice=()
saddr=${sender##*<}
saddr=${saddr%>}
for i in $(seq 1 "$n"); do
	m=${mails[$i]}
	rcpt=$(/usr/bin/python3 - "$m" <<'PY'
import email, email.policy, email.utils, sys
msg = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
pairs = email.utils.getaddresses(msg.get_all('To', []) + msg.get_all('Cc', []))
print('\n'.join(a.lower() for _, a in pairs))
PY
)
	while read -r a; do
		twice+=("$(basename "$m"): $a")
	done < <(sort <<<"$rcpt" | uniq -d)
	while read -r addr; do
		[ -n "$addr" ] || continue
		grep -qxiF -- "$addr" <<<"$rcpt" || missing+=("$(basename "$m"): $addr")
	done < <(cd "$tree" && perl scripts/get_maintainer.pl --nogit --nogit-fallback --nogit-chief-penguins \
		--norolestats --noroles "$m" 2>/dev/null | sed -n 's/.*<\(.*\)>.*/\1/p; /^[^<]*@[^<]*$/p' |
		grep -vixF -- "$saddr")
done
if [ ${#missing[@]} -eq 0 ] && [ ${#twice[@]} -eq 0 ]; then
	tap OK "every mail goes to whom get_maintainer.pl names for its patch, none twice"
else
	tap FAIL "every mail goes to whom get_maintainer.pl names for its patch, none twice" \
		"${missing[@]:0:5}" "${twice[@]:0:5}"
fi

# git am of the mbox on the base, in a scratch worktree.
am="$out/am"
if [ ! -d "$am/.git" ] && [ ! -f "$am/.git" ]; then
	git -C "$tree" worktree prune
	git -C "$tree" worktree add -q --detach "$am" base
fi
git -C "$am" am --abort >/dev/null 2>&1
git -C "$am" checkout -q --detach base && git -C "$am" reset -q --hard base
if git -C "$am" -c user.name=mail-check -c user.email=mail-check@localhost \
	am -q --patch-format=mboxrd "$out/mail/series.mbx" > "$out/am.log" 2>&1; then
	tap OK "git am applies the mbox to the base"
else
	mapfile -t last < <(tail -5 "$out/am.log")
	tap FAIL "git am applies the mbox to the base" "${last[@]}"
fi
got=$(git -C "$am" rev-list --count base..HEAD)
if [ "$got" -eq "$n" ] && [ "$(git -C "$am" rev-parse "HEAD^{tree}")" = "$(git -C "$tree" rev-parse "HEAD^{tree}")" ]; then
	tap OK "the applied series is $n commits and ends at the tree of $tree"
else
	tap FAIL "the applied series is $n commits and ends at the tree of $tree" "$got commits"
fi
bad=()
[ "$got" -gt 0 ] || bad+=("no commit applied")
for c in $(git -C "$am" rev-list --reverse base..HEAD); do
	s=$(git -C "$am" log -1 --format=%s "$c")
	[ "$(git -C "$am" log -1 --format='%an <%ae>' "$c")" = "$sender" ] || bad+=("$s: author")
	trl=$(git interpret-trailers --parse <<<"$(git -C "$am" log -1 --format=%B "$c")")
	[ "$(tail -1 <<<"$trl")" = "Signed-off-by: $sender" ] || bad+=("$s: last trailer is '$(tail -1 <<<"$trl")'")
	[ "$(grep -c '^Signed-off-by:' <<<"$trl")" -eq 1 ] || bad+=("$s: more than one Signed-off-by")
	grep -qxF "$ASSISTED_BY" <<<"$trl" || bad+=("$s: no $ASSISTED_BY")
done
if [ ${#bad[@]} -eq 0 ]; then
	tap OK "each applied commit: the sender's author and only, last Signed-off-by; the Assisted-by"
else
	tap FAIL "each applied commit: the sender's author and only, last Signed-off-by; the Assisted-by" "${bad[@]:0:10}"
fi
echo "1..$t" | tee -a "$tapout"
echo "mail-check: $t checks, $([ $fail -eq 0 ] && echo passed || echo failed)" >&2
exit $fail
