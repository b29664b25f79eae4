# Cross-build pause for amd64: cmake -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/amd64.cmake
set(PAUSE_ARCH amd64)
include(${CMAKE_CURRENT_LIST_DIR}/cross.cmake)
