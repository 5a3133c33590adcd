# Cross-compiling faultbench for aarch64 with Debian's g++-aarch64-linux-gnu, the tests run
# under qemu-user (scripts/aarch64_check.sh). The C library comes with the cross compiler
# (/usr/aarch64-linux-gnu); the arm64 builds of the other dependencies are unpacked (dpkg -x,
# nothing installed) into FAULTBENCH_AARCH64_DEPS, which scripts/aarch64_check.sh prepares.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)

if(NOT FAULTBENCH_AARCH64_DEPS)
  set(FAULTBENCH_AARCH64_DEPS $ENV{FAULTBENCH_AARCH64_DEPS})
endif()
if(NOT FAULTBENCH_AARCH64_DEPS)
  message(FATAL_ERROR "set FAULTBENCH_AARCH64_DEPS to the unpacked arm64 dependencies (scripts/aarch64_check.sh)")
endif()
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES FAULTBENCH_AARCH64_DEPS)  # try_compile projects too
set(deps ${FAULTBENCH_AARCH64_DEPS})
set(libs ${deps}/usr/lib/aarch64-linux-gnu ${deps}/lib/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH ${deps} /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_CXX_FLAGS_INIT "-isystem ${deps}/usr/include/aarch64-linux-gnu -isystem ${deps}/usr/include")
# rpath-link: the libraries' own dependencies; rpath: qemu-aarch64 finds them without setup.
string(JOIN ":" libpath ${libs})
# (DT_RPATH, not RUNPATH: it also serves the libraries' own dependencies, libarchive's libbz2.)
set(CMAKE_EXE_LINKER_FLAGS_INIT
    "-L${deps}/usr/lib/aarch64-linux-gnu -Wl,-rpath-link,${libpath} -Wl,-rpath,${libpath} -Wl,--disable-new-dtags")
set(ENV{PKG_CONFIG_LIBDIR} "${deps}/usr/lib/aarch64-linux-gnu/pkgconfig:${deps}/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "${deps}")
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L /usr/aarch64-linux-gnu)
