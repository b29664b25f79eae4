// GoogleTest assertions and skips shared by the process-level suites (bench does not
// use them: tests/support/process.h only starts and observes processes).
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include "support/process.h"

// For the few kernel behaviours qemu-user does not emulate (it catches every
// signal itself, and refuses PR_SET_CHILD_SUBREAPER): such a test cannot say
// anything about a foreign binary, so it says so and stops.
#define PAUSE_SKIP_UNDER_EMULATION(binary, why)                                                         \
  do {                                                                                                  \
    if (!(binary).emulator.empty()) GTEST_SKIP() << "not under " << (binary).emulator << ": " << (why); \
  } while (0)

// Skips (locally) or fails (CI=true) a test that needs root and PID namespaces.
#define PAUSE_REQUIRE_ROOT()                                           \
  do {                                                                 \
    const std::string why_not = ::pausetest::missing_root_privilege(); \
    if (!why_not.empty()) {                                            \
      if (::pausetest::in_ci()) FAIL() << "CI=true and " << why_not;   \
      GTEST_SKIP() << "skipped: " << why_not;                          \
    }                                                                  \
  } while (0)

namespace pausetest {

// pause exited by itself (not killed by a signal) with status 0.
inline void expect_clean_exit(Pause& pause) {
  const auto status = pause.wait_exit();
  ASSERT_TRUE(status.has_value()) << "pause did not exit";
  ASSERT_TRUE(WIFEXITED(*status)) << "killed by signal " << WTERMSIG(*status);
  EXPECT_EQ(WEXITSTATUS(*status), 0);
}

// pause still runs, and SIGTERM ends it with status 0: the contract every
// scenario ends with.
inline void expect_clean_exit_on_sigterm(Pause& pause) {
  ASSERT_TRUE(pause.running()) << "pause is gone before SIGTERM: " << pause.err();
  pause.signal(SIGTERM);
  expect_clean_exit(pause);
}

// Whether a test may refuse pause's prlimit64 with a seccomp filter: natively
// only (under qemu-user the filter would refuse the emulator's own calls), and
// not in the sanitized build (AddressSanitizer's start-up reads rlimits).
inline bool can_refuse_rlimits(const Binary& binary) {
#ifdef PAUSE_SANITIZED
  (void)binary;
  return false;
#else
  return binary.emulator.empty();
#endif
}

}  // namespace pausetest
