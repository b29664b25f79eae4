# Cross-build pause for s390x: cmake -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/s390x.cmake
set(PAUSE_ARCH s390x)
include(${CMAKE_CURRENT_LIST_DIR}/cross.cmake)
