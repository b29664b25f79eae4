# Cross-build pause for riscv64: cmake -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/riscv64.cmake
set(PAUSE_ARCH riscv64)
include(${CMAKE_CURRENT_LIST_DIR}/cross.cmake)
