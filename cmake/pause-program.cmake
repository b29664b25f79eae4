# pause_program(<target> musl|glibc|sanitized): src/pause.cpp built one way. Every build of
# the program is made here (the product, bench's glibc peer, the sanitized suites' binary;
# make mutants and the Dockerfile go through the product's), so the flags that must agree
# are written once:
#   musl       the product: static, against the target's musl (PAUSE_MUSL_SPECS), its
#              size-only flags, the link map the artefact test and the SBOM read
#   glibc      make bench's peer: the same code and size flags against static glibc, so
#              that the difference is the libc's
#   sanitized  the suites' ASan/UBSan build against glibc (label sanitize)
set(PAUSE_SANITIZE_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
function(pause_program target kind)
  if(NOT kind MATCHES "^(musl|glibc|sanitized)$")
    message(FATAL_ERROR "pause_program: kind ${kind} is none of musl, glibc, sanitized")
  endif()
  if(kind STREQUAL "musl")
    # musl's own start file only: gcc's crtbegin/crtend bring unwind tables and
    # transactional-memory hooks we never use (~350 B on arm64), and crti/crtn the
    # _init/_fini that musl runs weakly (.init_array runs all the same).
    get_filename_component(musl_lib_dir "${PAUSE_MUSL_SPECS}" DIRECTORY)
    add_executable(${target} ${PROJECT_SOURCE_DIR}/src/pause.cpp "${musl_lib_dir}/Scrt1.o")
  else()
    add_executable(${target} ${PROJECT_SOURCE_DIR}/src/pause.cpp)
  endif()
  # Every kind: the version it prints, and no exceptions (the program throws none).
  target_compile_definitions(${target} PRIVATE PAUSE_VERSION="${PAUSE_VERSION_STRING}")
  if(kind STREQUAL "sanitized")
    target_compile_options(${target} PRIVATE -fno-exceptions ${PAUSE_SANITIZE_FLAGS} -g)
    target_link_options(${target} PRIVATE ${PAUSE_SANITIZE_FLAGS})
    return()
  endif()
  # The size kinds: what is measured or shipped.
  set(size_flags -Os -fno-exceptions -fno-rtti -ffunction-sections -fdata-sections)
  if(kind STREQUAL "glibc")
    target_compile_options(${target} PRIVATE ${size_flags})
    target_link_options(${target} PRIVATE -static -s -Wl,--gc-sections)
    return()
  endif()
  target_compile_options(${target} PRIVATE
    -specs=${PAUSE_MUSL_SPECS}
    ${size_flags} -fno-asynchronous-unwind-tables -fno-unwind-tables -fno-stack-protector
    # Keep our small loops as loops rather than calls to musl's strlen/memset.
    -fno-tree-loop-distribute-patterns
    # No build paths in the binary: the same commit gives the same bytes anywhere.
    -ffile-prefix-map=${PROJECT_SOURCE_DIR}=.)
  target_link_options(${target} PRIVATE
    -specs=${PAUSE_MUSL_SPECS} -static -s -nostartfiles
    -Wl,--gc-sections -Wl,--build-id=none -Wl,--hash-style=gnu
    # Without these, RELRO and separate code segments are each padded to the
    # 64 KiB maximum page size kept for arm64/ppc64le kernels: 66 KB instead of ~8.
    -Wl,-z,noseparate-code -Wl,-z,norelro
    # Let the data segment share the last file page of the code (as x86_64 does
    # by default) instead of starting on a fresh 4 KiB boundary: ~600 B on arm64.
    -Wl,-z,common-page-size=64
    # What was linked in, member by member: the artefact test reads it (no
    # libstdc++), as will the SBOM (which parts of musl).
    "-Wl,-Map=${PAUSE_BIN_DIR}/pause-linux-${PAUSE_ARCH}.map")
endfunction()
