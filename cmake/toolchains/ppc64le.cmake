# Cross-build pause for ppc64le: cmake -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/ppc64le.cmake
set(PAUSE_ARCH ppc64le)
include(${CMAKE_CURRENT_LIST_DIR}/cross.cmake)
