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
