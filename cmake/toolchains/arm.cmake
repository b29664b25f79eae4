# Cross-build pause for arm: cmake -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/arm.cmake
set(PAUSE_ARCH arm)
include(${CMAKE_CURRENT_LIST_DIR}/cross.cmake)
