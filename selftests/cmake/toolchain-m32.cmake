# SPDX-License-Identifier: GPL-2.0
# The second, 32-bit (i386) build of build-selftests.sh: the host's
# compiler with -m32 (Debian: g++-multilib). Used with -DMCT_GUEST32=ON,
# which builds mct-torture only, as mct-torture32 (see CMakeLists.txt).
set(CMAKE_C_FLAGS_INIT "-m32")
set(CMAKE_CXX_FLAGS_INIT "-m32")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-m32")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-m32")
set(CMAKE_MODULE_LINKER_FLAGS_INIT "-m32")
