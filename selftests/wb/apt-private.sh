# SPDX-License-Identifier: GPL-2.0
# apt-private.sh: sourced by fetch-base.sh and fetch-b4.sh.
# apt_private DIR SUITE... sets up a private apt configuration in DIR
# (sources, lists, archives and logs there; the machine's own apt sources
# are never touched), updates its package lists and sets the array
# apt_opts for apt-get and apt-cache. The mirror is BASE_MIRROR of
# base.conf. Returns non-zero when the update fails (DIR/update.log).
apt_private() {
	local dir=$1 s
	shift
	mkdir -p "$dir"/{lists/partial,archives/partial,etc/preferences.d}
	: > "$dir/etc/sources.list"
	for s in "$@"; do
		echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $BASE_MIRROR $s main" \
			>> "$dir/etc/sources.list"
	done
	apt_opts=(-o "Dir::Etc::SourceList=$dir/etc/sources.list" -o "Dir::Etc::SourceParts=-"
		-o "Dir::State::Lists=$dir/lists" -o "Dir::Cache=$dir"
		-o "Dir::Cache::archives=$dir/archives" -o "Dir::Etc::Preferences=/dev/null"
		-o "Dir::Etc::PreferencesParts=$dir/etc/preferences.d"
		-o "APT::Get::List-Cleanup=0" -o "Debug::NoLocking=1")
	apt-get "${apt_opts[@]}" -q update >"$dir/update.log" 2>&1
}
