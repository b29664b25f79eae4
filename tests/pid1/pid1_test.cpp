// pause as PID 1 of a fresh PID namespace, as a runtime starts it for a pod:
// orphans of the whole namespace land on it and must all be reaped.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <optional>
#include <string>
#include <thread>

#include "support/expect.h"
#include "support/process.h"

namespace pausetest {
namespace {

const Binary kPause = Binary::from_environment();

class Pid1 : public ::testing::Test {
 protected:
  void SetUp() override {
    PAUSE_REQUIRE_ROOT();
    pause_.emplace(Pause::start(kPause, {.as_pid1 = true}));
    ASSERT_TRUE(pause_->wait_asleep()) << "pause did not reach its sleep";
  }

  void expect_clean_exit_on_sigterm() {
    ::pausetest::expect_clean_exit_on_sigterm(*pause_);
    // As PID 1 there is no warning: only the shutdown line.
    EXPECT_EQ(pause_->err(), "Shutting down, got signal: Terminated\n");
  }

  // Every child of pause gone, and still none a second later.
  void expect_all_reaped(size_t expected_while_blocked, int release[2]) {
    ASSERT_EQ(children_of(pause_->pid()).size(), expected_while_blocked) << "the orphans were not re-parented to pause";
    close(release[1]);
    close(release[0]);
    EXPECT_TRUE(eventually_stable([&] { return children_of(pause_->pid()).empty(); }, 20s))
        << children_of(pause_->pid()).size() << " children left, " << count_zombies_of(pause_->pid())
        << " of them zombies";
  }

  std::optional<Pause> pause_;
};

TEST_F(Pid1, ReapsAThousandOrphans) {
  // Each orphan waits for a byte of its own; the bytes go a few at a time:
  // many separate SIGCHLDs, not one. First, all of them must be pause's.
  constexpr int kOrphans = 1000;
  int release[2];
  ASSERT_EQ(pipe2(release, O_CLOEXEC), 0);
  const int made = run_in_pid_namespace_of(pause_->pid(), [&] {
    close(release[1]);
    for (int i = 0; i < kOrphans; ++i) {
      const pid_t orphan = fork();
      if (orphan < 0) return 1;
      if (orphan == 0) {
        char byte;
        (void)!read(release[0], &byte, 1);
        _exit(i % 256);
      }
    }
    return 0;
  });
  close(release[0]);
  ASSERT_EQ(made, 0) << "could not create the orphans";
  ASSERT_EQ(children_of(pause_->pid()).size(), static_cast<size_t>(kOrphans))
      << "the orphans were not re-parented to pause";
  const std::string few(10, 'r');
  for (int sent = 0; sent < kOrphans; sent += static_cast<int>(few.size())) {
    ASSERT_EQ(write(release[1], few.data(), few.size()), static_cast<ssize_t>(few.size()));
    std::this_thread::sleep_for(1ms);
  }
  close(release[1]);
  EXPECT_TRUE(eventually_stable([&] { return children_of(pause_->pid()).empty(); }, 20s))
      << count_zombies_of(pause_->pid()) << " zombies left";
  EXPECT_TRUE(pause_->running());
  expect_clean_exit_on_sigterm();
}

TEST_F(Pid1, ReapsTwoHundredOrphansExitingAtTheSameInstant) {
  // All blocked on one pipe, released together: their SIGCHLDs coalesce.
  int release[2];
  ASSERT_EQ(pipe2(release, O_CLOEXEC), 0);
  ASSERT_EQ(make_blocked_orphans(pause_->pid(), 200, release), 0) << "could not create the orphans";
  expect_all_reaped(200, release);
  expect_clean_exit_on_sigterm();
}

TEST_F(Pid1, StraySignalsFromInsideTheNamespaceLeaveItRunning) {
  // The kernel drops them only for a PID 1 that has no handler; qemu-user has one for everything.
  PAUSE_SKIP_UNDER_EMULATION(kPause, "qemu-user handles every signal, so the kernel's PID-1 protection does not apply");
  for (const int signo : {SIGHUP, SIGUSR1, SIGUSR2, SIGQUIT, SIGPIPE, SIGALRM}) {
    EXPECT_EQ(run_in_pid_namespace_of(pause_->pid(), [signo] { return kill(1, signo) == 0 ? 0 : 1; }), 0)
        << "could not send " << strsignal(signo);
  }
  std::this_thread::sleep_for(200ms);
  ASSERT_TRUE(pause_->running()) << "a stray signal ended pause";
  EXPECT_TRUE(pause_->wait_asleep());
  expect_clean_exit_on_sigterm();
}

// What ptrace reports for a stop of `pid` within `timeout`: nullopt if it
// went to sleep (or stayed running) instead.
std::optional<int> next_trace_stop(const Pause& pause, Millis timeout) {
  int status = 0;
  bool stopped = false;
  eventually(
      [&] {
        stopped = waitpid(pause.pid(), &status, WNOHANG | __WALL) == pause.pid();
        return stopped || pause.wait_asleep(0ms);
      },
      timeout);
  return stopped ? std::optional<int>(status) : std::nullopt;
}

TEST_F(Pid1, SigchldAtEveryInstructionOfTheSleepLoopLeavesItAsleep) {
  // The loop reads errno after pause() returns. A SIGCHLD handled between
  // libc's store of EINTR and that read runs waitpid, which leaves ECHILD when
  // no child is left: unless the handler restores errno, pause exits 42. The
  // window is a few instructions wide, so the test makes the timing: each round
  // wakes pause with a first SIGCHLD, follows it under ptrace through its
  // handler to the rt_sigreturn back into the loop, steps `position`
  // instructions and lets a second SIGCHLD in there. Positions go up until the
  // steps reach the next sleep: every instruction of one turn of the loop.
  PAUSE_SKIP_UNDER_EMULATION(kPause, "ptrace would step qemu-user, not pause");
#if defined(__arm__)  // the arm VM's suites (tests/vm)
  GTEST_SKIP() << "32-bit arm has no PTRACE_SINGLESTEP (the kernel refuses it with EIO)";
#endif
  const pid_t pid = pause_->pid();
  int position = 0;
  for (bool asleep_again = false; !asleep_again; ++position) {
    ASSERT_EQ(ptrace(PTRACE_SEIZE, pid, 0, PTRACE_O_TRACESYSGOOD), 0) << strerror(errno);
    pause_->signal(SIGCHLD);
    auto stop = next_trace_stop(*pause_, 10s);
    ASSERT_TRUE(stop && WIFSTOPPED(*stop) && WSTOPSIG(*stop) == SIGCHLD) << "no stop for the first SIGCHLD";
    ASSERT_EQ(ptrace(PTRACE_SYSCALL, pid, 0, SIGCHLD), 0) << strerror(errno);
    for (long entered = -1;;) {
      stop = next_trace_stop(*pause_, 10s);
      ASSERT_TRUE(stop && WIFSTOPPED(*stop) && WSTOPSIG(*stop) == (SIGTRAP | 0x80))
          << "not a system call stop: " << stop.value_or(-1);
      __ptrace_syscall_info info{};
      ASSERT_GT(ptrace(PTRACE_GET_SYSCALL_INFO, pid, sizeof info, &info), 0) << strerror(errno);
      if (info.op == PTRACE_SYSCALL_INFO_ENTRY) entered = static_cast<long>(info.entry.nr);
      if (info.op == PTRACE_SYSCALL_INFO_EXIT && entered == SYS_rt_sigreturn) break;
      ASSERT_EQ(ptrace(PTRACE_SYSCALL, pid, 0, 0), 0) << strerror(errno);
    }
    for (int step = 0; step < position && !asleep_again; ++step) {
      ASSERT_EQ(ptrace(PTRACE_SINGLESTEP, pid, 0, 0), 0) << strerror(errno);
      asleep_again = !next_trace_stop(*pause_, 10s).has_value();
    }
    // Queued while it is stopped (or asleep): handled at this very instruction.
    pause_->signal(SIGCHLD);
    if (asleep_again) {
      stop = next_trace_stop(*pause_, 10s);
      ASSERT_TRUE(stop && WIFSTOPPED(*stop)) << "no stop for the second SIGCHLD";
    }
    ASSERT_EQ(ptrace(PTRACE_DETACH, pid, 0, asleep_again ? SIGCHLD : 0), 0) << strerror(errno);
    ASSERT_TRUE(eventually([&] { return pause_->wait_asleep(0ms) || !pause_->running(); }, 10s));
    ASSERT_TRUE(pause_->running()) << "a SIGCHLD " << position << " instructions after rt_sigreturn ended it, status "
                                   << WEXITSTATUS(pause_->wait_status()) << ": " << pause_->err();
  }
  // One turn of the loop is more than a handful of instructions on any arch.
  EXPECT_GT(position, 8) << "the steps never left the sleep";
  expect_clean_exit_on_sigterm();
}

TEST_F(Pid1, SigtermFromOutsideExitsZero) { expect_clean_exit_on_sigterm(); }

TEST_F(Pid1, IdleForTwoSecondsUsesNoCpuAndNeverWakes) {
  std::this_thread::sleep_for(100ms);  // let start-up settle
  const Activity before = activity_of(pause_->pid());
  // Zeros equal zeros: the figures must have been read, and pause has run.
  ASSERT_GE(before.tasks_read, 1) << "cannot read /proc/" << pause_->pid() << "/task";
  ASSERT_GT(before.cpu_ns, 0U);
  ASSERT_GT(before.context_switches, 0U);
  std::this_thread::sleep_for(2s);
  const Activity after = activity_of(pause_->pid());
  ASSERT_EQ(after.tasks_read, before.tasks_read);
  EXPECT_EQ(after.cpu_ns, before.cpu_ns);
  EXPECT_EQ(after.context_switches, before.context_switches);
  expect_clean_exit_on_sigterm();
}

}  // namespace
}  // namespace pausetest
