# Shared body of the per-arch toolchain files: they set PAUSE_ARCH and include this.
include(${CMAKE_CURRENT_LIST_DIR}/../arches.cmake)
pause_arch_field(${PAUSE_ARCH} GNU_TRIPLE gnu_triple)
set(CMAKE_SYSTEM_NAME Linux)
string(REGEX REPLACE "-.*" "" CMAKE_SYSTEM_PROCESSOR "${gnu_triple}")
set(CMAKE_CXX_COMPILER ${gnu_triple}-g++)
# The compiler check would link against glibc; pause links its own way (musl).
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
