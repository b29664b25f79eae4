// Every call pause makes while starting has a defined outcome when the kernel
// refuses it (a seccomp filter can refuse any of them): each test refuses one
// and checks what the docs' behaviour table says happens.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <string>

#include "contract.h"  // generated from tests/contract.tsv
#include "support/expect.h"
#include "support/process.h"

namespace pausetest {
namespace {

const Binary kPause = Binary::from_environment();

struct Refusal {
  const char* name;
  long syscall;
  std::optional<unsigned long> first_argument;
  int exit_code;     // -1: pause keeps running
  const char* says;  // on stderr ("" for nothing)
};

void PrintTo(const Refusal& refusal, std::ostream* out) { *out << refusal.name; }

class RefusedAtStart : public ::testing::TestWithParam<Refusal> {};

TEST_P(RefusedAtStart, HasTheDocumentedOutcome) {
  PAUSE_SKIP_UNDER_EMULATION(kPause, "the filter would refuse qemu-user's own calls, not the guest's");
  PAUSE_REQUIRE_ROOT();
  const Refusal refusal = GetParam();
  Pause pause = Pause::start(kPause, {.as_pid1 = true, .before_exec = [&] {
                                        refuse_syscall(refusal.syscall, EPERM, refusal.first_argument);
                                      }});
  if (refusal.exit_code >= 0) {
    const auto status = pause.wait_exit();
    ASSERT_TRUE(status.has_value()) << "pause did not stop";
    ASSERT_TRUE(WIFEXITED(*status)) << "killed by signal " << WTERMSIG(*status);
    EXPECT_EQ(WEXITSTATUS(*status), refusal.exit_code);
    EXPECT_EQ(pause.err(), refusal.says);
    return;
  }
  ASSERT_TRUE(pause.wait_asleep()) << pause.err();
  expect_clean_exit_on_sigterm(pause);
  EXPECT_EQ(pause.err(), std::string(refusal.says) + "Shutting down, got signal: Terminated\n");
}

#ifdef SYS_pause
constexpr long kSleep = SYS_pause;
#else
constexpr long kSleep = SYS_ppoll;
#endif

INSTANTIATE_TEST_SUITE_P(
    EachCall, RefusedAtStart,
    ::testing::Values(Refusal{"SigintHandler", SYS_rt_sigaction, SIGINT, 1, ""},
                      Refusal{"SigtermHandler", SYS_rt_sigaction, SIGTERM, 2, ""},
                      Refusal{"SigchldHandler", SYS_rt_sigaction, SIGCHLD, 3, ""},
                      Refusal{"SignalMask", SYS_rt_sigprocmask, std::nullopt, 4, "Error: cannot unblock signals\n"},
                      Refusal{"Chdir", SYS_chdir, std::nullopt, -1, "Warning: cannot change directory to /\n"},
                      // The fallback lists /proc/self/fd instead (its own test checks the fds).
                      Refusal{"CloseRange", SYS_close_range, std::nullopt, -1, ""},
                      Refusal{"FirstReap", SYS_wait4, std::nullopt, -1, ""},
                      Refusal{"Sleep", kSleep, std::nullopt, 42, "Error: infinite loop terminated\n"}),
    [](const auto& info) { return std::string(info.param.name); });

// Not PID 1, the subreaper call may be refused too: a second warning, and on.
TEST(RefusedAtStartNotPid1, SubreaperRefusedIsAWarning) {
  PAUSE_SKIP_UNDER_EMULATION(kPause, "qemu-user refuses PR_SET_CHILD_SUBREAPER itself");
  Pause pause = Pause::start(kPause, {.before_exec = [] { refuse_syscall(SYS_prctl, EPERM); }});
  ASSERT_TRUE(pause.wait_asleep()) << pause.err();
  expect_clean_exit_on_sigterm(pause);
  EXPECT_EQ(pause.err(),
            "Warning: pause should be the first process\n"
            "Warning: cannot become a subreaper: orphans will not be reaped\n"
            "Shutting down, got signal: Terminated\n");
}

// What the kernel was asked for, read from strace (the native arch only: under
// qemu-user strace sees the emulator's calls).
void traced_start(StartupTrace* trace) {
  PAUSE_REQUIRE_ROOT();
  if (access("/usr/bin/strace", X_OK) != 0) {
    if (in_ci()) FAIL() << "CI=true and strace is missing: apt-get install strace";
    GTEST_SKIP() << "strace is missing: apt-get install strace";
  }
  *trace = trace_startup_as_pid1(kPause);
}

// Every start-up syscall runs once per pod: as PID 1 without arguments, within
// the budget (x86_64, musl's own calls included), and it ends asleep.
TEST(Startup, SyscallsAsPid1WithinTheBudget) {
  PAUSE_SKIP_UNDER_EMULATION(kPause, "strace would see qemu-user's calls");
  StartupTrace trace;
  traced_start(&trace);
  if (HasFailure() || IsSkipped()) return;
  ASSERT_FALSE(trace.sleeps_in.empty()) << "never asleep; calls: " << trace.calls.size();
#if defined(__x86_64__)
  EXPECT_LE(static_cast<int>(trace.calls.size()), kStartupSyscallBudget) << [&] {
    std::string all;
    for (const auto& line : trace.lines) all += line + "\n";
    return all;
  }();
#endif
}

// The shutdown handlers block every signal while they run; the reaping one
// lets SIGINT and SIGTERM in (a shutdown never waits for a storm of dying
// children), and asks for no SIGCHLD when a child stops or continues.
TEST(Startup, HandlerMasksAsTheKernelGotThem) {
  PAUSE_SKIP_UNDER_EMULATION(kPause, "strace would see qemu-user's calls");
  StartupTrace trace;
  traced_start(&trace);
  if (HasFailure() || IsSkipped()) return;
  auto installed = [&](const std::string& signal) {
    const auto line = std::find_if(trace.lines.begin(), trace.lines.end(), [&](const std::string& call) {
      return call.rfind("rt_sigaction(" + signal + ", {", 0) == 0;
    });
    return line == trace.lines.end() ? std::string("(not installed)") : *line;
  };
  for (const char* shutdown : {"SIGINT", "SIGTERM"}) {
    EXPECT_NE(installed(shutdown).find("sa_mask=~[]"), std::string::npos) << installed(shutdown);
  }
  EXPECT_NE(installed("SIGCHLD").find("sa_mask=~[INT TERM]"), std::string::npos) << installed("SIGCHLD");
  EXPECT_NE(installed("SIGCHLD").find("SA_NOCLDSTOP"), std::string::npos) << installed("SIGCHLD");
}

}  // namespace
}  // namespace pausetest
