// SPDX-License-Identifier: GPL-2.0
// mct-torture: unbind/rmmod of the test drivers (vivid, vimc, vim2m)
// under open fds, racing ioctls and userfaultfd-stalled ioctls. The
// scenarios live in vivid.cpp, vimc.cpp, vim2m.cpp and uffd.cpp; each
// loads its module itself. "mct-torture list" names them.
#include "mct/scenario.hpp"

int main(int argc, char **argv)
{
	return mct::scenario_main(argc, argv);
}
