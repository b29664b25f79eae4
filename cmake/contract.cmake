# pause_contract_header(<dir>): <dir>/contract.h, the numbers of tests/contract.tsv
# for the C++ that asserts them (tests/support, bench, tests/vm), written at
# configure time; an edit of the contract reconfigures.
function(pause_contract_header dir)
  set(contract "${PROJECT_SOURCE_DIR}/tests/contract.tsv")
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${contract}")
  file(STRINGS "${contract}" rows REGEX "^(size-budget|syscall-budget)\t")
  set(sizes "")
  set(syscalls "")
  foreach(row IN LISTS rows)
    string(REPLACE "\t" ";" cells "${row}")
    list(GET cells 0 kind)
    list(GET cells 1 name)
    list(GET cells 2 value)
    if(NOT value MATCHES "^[0-9]+$")
      message(FATAL_ERROR "tests/contract.tsv: ${kind} ${name}: '${value}' is not a number")
    endif()
    if(kind STREQUAL "size-budget")
      string(APPEND sizes "    {\"${name}\", ${value}},\n")
    elseif(name STREQUAL "startup")
      set(syscalls "inline constexpr int kStartupSyscallBudget = ${value};\n")
    endif()
  endforeach()
  if(sizes STREQUAL "" OR syscalls STREQUAL "")
    message(FATAL_ERROR "tests/contract.tsv: no size-budget rows, or no syscall-budget startup row")
  endif()
  file(CONFIGURE OUTPUT "${dir}/contract.h" CONTENT
"// Generated from tests/contract.tsv by cmake/contract.cmake: do not edit.
#pragma once
namespace pausetest {
struct SizeBudget { const char* arch; long bytes; };  // arch \"*\": every other arch
inline constexpr SizeBudget kSizeBudgets[] = {
${sizes}};
${syscalls}}  // namespace pausetest
")
endfunction()
