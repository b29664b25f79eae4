# The arch table, through its one reader (cmake/arches.sh).
set(PAUSE_ARCHES_SCRIPT "${CMAKE_CURRENT_LIST_DIR}/arches.sh")

# pause_arch_field(<arch> <column of cmake/arches.tsv> <out-var>)
function(pause_arch_field arch column out)
  execute_process(COMMAND "${PAUSE_ARCHES_SCRIPT}" get ${arch} ${column}
                  OUTPUT_VARIABLE value ERROR_VARIABLE error RESULT_VARIABLE failed
                  OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(failed)
    message(FATAL_ERROR "${error}")
  endif()
  set(${out} "${value}" PARENT_SCOPE)
endfunction()

# The host's arch in that table.
function(pause_host_arch out)
  execute_process(COMMAND "${PAUSE_ARCHES_SCRIPT}" host
                  OUTPUT_VARIABLE value ERROR_VARIABLE error RESULT_VARIABLE failed
                  OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(failed)
    message(FATAL_ERROR "${error}")
  endif()
  set(${out} "${value}" PARENT_SCOPE)
endfunction()

# pause_arches_header(<target> <dir>): a target that writes <dir>/arches.h, the
# table as a C++ header for the test helpers (tests/support, bench, tests/vm).
function(pause_arches_header target dir)
  add_custom_command(OUTPUT ${dir}/arches.h
    COMMAND ${CMAKE_COMMAND} -E make_directory ${dir}
    COMMAND ${PAUSE_ARCHES_SCRIPT} header ${dir}/arches.h
    DEPENDS ${PROJECT_SOURCE_DIR}/cmake/arches.tsv ${PAUSE_ARCHES_SCRIPT}
    VERBATIM)
  add_custom_target(${target} DEPENDS ${dir}/arches.h)
endfunction()
