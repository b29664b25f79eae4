# Cross-builds pause for the arch given as PAUSE_ARCH (a row of cmake/arches.tsv):
#   cmake -DPAUSE_ARCH=arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/cross.cmake …
if(NOT PAUSE_ARCH)
  message(FATAL_ERROR "cross.cmake needs -DPAUSE_ARCH=<arch of cmake/arches.tsv>")
endif()
# CMake's compiler checks include this file again in projects of their own.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES PAUSE_ARCH)
include(${CMAKE_CURRENT_LIST_DIR}/../arches.cmake)
pause_arch_field(${PAUSE_ARCH} gnu-triple gnu_triple)
set(CMAKE_SYSTEM_NAME Linux)
string(REGEX REPLACE "-.*" "" CMAKE_SYSTEM_PROCESSOR "${gnu_triple}")
set(CMAKE_CXX_COMPILER ${gnu_triple}-g++)
# The compiler check would link against glibc; pause links its own way (musl).
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
