// pause as PID 1 of a fresh PID namespace, as a runtime starts it for a pod:
// orphans of the whole namespace land on it and must all be reaped.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

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
    ASSERT_EQ(children_of(pause_->pid()).size(), expected_while_blocked)
        << "the orphans were not re-parented to pause";
    close(release[1]);
    close(release[0]);
    EXPECT_TRUE(eventually_stable([&] { return children_of(pause_->pid()).empty(); }, 20s))
        << children_of(pause_->pid()).size() << " children left, " << count_zombies_of(pause_->pid())
        << " of them zombies";
  }

  std::optional<Pause> pause_;
};

TEST_F(Pid1, ReapsAThousandOrphans) {
  // Orphans released a few at a time: many separate SIGCHLDs, not one.
  constexpr int kOrphans = 1000;
  int made = run_in_pid_namespace_of(pause_->pid(), [] {
    for (int i = 0; i < kOrphans; ++i) {
      const pid_t orphan = fork();
      if (orphan < 0) return 1;
      if (orphan == 0) {
        usleep(static_cast<useconds_t>(200'000 + (i % 50) * 2'000));
        _exit(i % 256);
      }
    }
    return 0;
  });
  ASSERT_EQ(made, 0) << "could not create the orphans";
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
