# Cross-build pause for arm64: cmake -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/arm64.cmake
set(PAUSE_ARCH arm64)
include(${CMAKE_CURRENT_LIST_DIR}/cross.cmake)
