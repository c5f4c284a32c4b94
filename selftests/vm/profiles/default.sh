# SPDX-License-Identifier: GPL-2.0
# The default profile: no extra devices, nothing to do from the host.
profile_args() { PROFILE_ARGS=(); }
profile_start() { :; }
profile_stop() { :; }
