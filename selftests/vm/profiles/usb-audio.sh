# SPDX-License-Identifier: GPL-2.0
# The usb-audio profile: QEMU's UAC1 usb-audio (46f4:0002, id "ua") on an
# xHCI controller, a QMP socket, and a second serial port (the guest's
# ttyS1, after run-vm.sh's console on ttyS0) wired to the host sidecar
# mct-qmp-relay, which turns the guest's request lines ("qmp device_del ua",
# "qmp device_add usb-audio,id=ua,bus=xhci.0,audiodev=snd0") into QMP
# commands. The relay is a host program: set MCT_HOST_BIN to the build
# folder that holds it (e.g. BUILD/snd), or have it on PATH.
profile_args() {
	PROFILE_ARGS=(-device qemu-xhci,id=xhci
		-audiodev none,id=snd0
		-device usb-audio,id=ua,bus=xhci.0,audiodev=snd0
		-qmp "unix:$1/qmp.sock,server=on,wait=off"
		-chardev "socket,id=ctl,path=$1/ctl.sock,server=on,wait=off"
		-serial chardev:ctl)
}

usb_audio_relay_bin() {
	local d
	for d in "${MCT_HOST_BIN:-}" "${MCT_HOST_BIN:+$MCT_HOST_BIN/snd}"; do
		[ -n "$d" ] && [ -x "$d/mct-qmp-relay" ] && { echo "$d/mct-qmp-relay"; return 0; }
	done
	command -v mct-qmp-relay
}

# QEMU starts after this: the relay retries its connections for 60 s.
profile_start() {
	local relay
	relay=$(usb_audio_relay_bin) || {
		echo "usb-audio profile: mct-qmp-relay not found (set MCT_HOST_BIN)" >&2
		return 1
	}
	"$relay" --qmp "$1/qmp.sock" --serial "$1/ctl.sock" --log "$1/relay.log" \
		--connect-timeout 60 </dev/null >/dev/null 2>"$1/relay.err" &
	echo $! > "$1/relay.pid"
}

# QEMU has exited, so the relay normally ended by itself; its log goes to
# the end of the scenario's log ($log of run-vm.sh; stderr without it), as
# the workdir is removed when run-vm.sh exits.
profile_stop() {
	local pid i
	[ -f "$1/relay.pid" ] || return 0
	pid=$(cat "$1/relay.pid")
	for i in 1 2 3 4 5 6 7 8 9 10; do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	if [ -n "${log:-}" ]; then
		cat "$1/relay.err" "$1/relay.log" 2>/dev/null | sed 's/^/relay: /' >> "$log"
	else
		cat "$1/relay.err" "$1/relay.log" 2>/dev/null | sed 's/^/relay: /' >&2
	fi
	return 0
}
