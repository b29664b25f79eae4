// pause started as an ordinary process (not PID 1): flags, messages, exit
// codes, and what it must not hold on to.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "support/process.h"

namespace pausetest {
namespace {

const Binary kPause = Binary::from_environment();
// Not PID 1: the warning, and under qemu-user (which refuses PR_SET_CHILD_SUBREAPER)
// the note that orphans will not be reaped.
const std::string kWarning = std::string("Warning: pause should be the first process\n") +
                             (kPause.emulator.empty() ? "" : "Warning: cannot become a subreaper: orphans will not be reaped\n");

// Starts pause without arguments and waits until it sleeps with its handlers in place.
Pause start_asleep(const StartOptions& options = {}) {
  Pause pause = Pause::start(kPause, options);
  EXPECT_TRUE(pause.wait_asleep()) << "pause did not reach its sleep";
  return pause;
}

void expect_clean_exit(Pause& pause) {
  const auto status = pause.wait_exit();
  ASSERT_TRUE(status.has_value()) << "pause did not exit";
  ASSERT_TRUE(WIFEXITED(*status)) << "killed by signal " << WTERMSIG(*status);
  EXPECT_EQ(WEXITSTATUS(*status), 0);
}

class VersionFlag : public ::testing::TestWithParam<const char*> {};

TEST_P(VersionFlag, PrintsOneVersionLineAndExitsZero) {
  Pause pause = Pause::start(kPause, {.args = {GetParam()}});
  expect_clean_exit(pause);
  EXPECT_EQ(pause.out(), std::string("pause v") + PAUSE_EXPECTED_VERSION + "\n");
  EXPECT_EQ(pause.err(), "");
}
INSTANTIATE_TEST_SUITE_P(Flags, VersionFlag, ::testing::Values("-v", "-V", "--version"));

class HelpFlag : public ::testing::TestWithParam<const char*> {};

TEST_P(HelpFlag, PrintsUsageAndExitsZero) {
  Pause pause = Pause::start(kPause, {.args = {GetParam()}});
  expect_clean_exit(pause);
  EXPECT_EQ(pause.out().rfind("Usage: pause [-v|--version] [-h|--help]\n", 0), 0U) << pause.out();
  EXPECT_EQ(pause.err(), "");
}
INSTANTIATE_TEST_SUITE_P(Flags, HelpFlag, ::testing::Values("-h", "--help"));

TEST(Behaviour, VersionFlagWinsOverEarlierUnknownArguments) {
  Pause pause = Pause::start(kPause, {.args = {"--unknown", "-v"}});
  expect_clean_exit(pause);
  EXPECT_EQ(pause.out(), std::string("pause v") + PAUSE_EXPECTED_VERSION + "\n");
}

TEST(Behaviour, UnknownArgumentsAreNotedAndIgnored) {
  Pause pause = start_asleep({.args = {"--log-level=debug", "x"}});
  ASSERT_TRUE(pause.running());
  pause.signal(SIGTERM);
  expect_clean_exit(pause);
  EXPECT_EQ(pause.err(),
            std::string("pause: ignoring argument: --log-level=debug\n"
                        "pause: ignoring argument: x\n") +
                kWarning + "Shutting down, got signal: Terminated\n");
  EXPECT_EQ(pause.out(), "");
}

TEST(Behaviour, SigtermPrintsTerminatedAndExitsZero) {
  Pause pause = start_asleep();
  pause.signal(SIGTERM);
  expect_clean_exit(pause);
  EXPECT_EQ(pause.err(), kWarning + "Shutting down, got signal: Terminated\n");
}

TEST(Behaviour, SigintPrintsInterruptAndExitsZero) {
  Pause pause = start_asleep();
  pause.signal(SIGINT);
  expect_clean_exit(pause);
  EXPECT_EQ(pause.err(), kWarning + "Shutting down, got signal: Interrupt\n");
}

// The signal mask survives execve. A SIGTERM that is blocked and pending when
// pause starts must still reach the handler, not the default action, and not
// be left blocked forever.
TEST(Behaviour, SigtermPendingAtStartIsHandledCleanly) {
  Pause pause = Pause::start(kPause, {.before_exec = [] {
                                        sigset_t term;
                                        sigemptyset(&term);
                                        sigaddset(&term, SIGTERM);
                                        sigprocmask(SIG_BLOCK, &term, nullptr);
                                        (void)raise(SIGTERM);
                                      }});
  expect_clean_exit(pause);
  EXPECT_NE(pause.err().find("Shutting down, got signal: Terminated\n"), std::string::npos) << pause.err();
}

TEST(Behaviour, HoldsNoInheritedDescriptorAndNoWorkingDirectory) {
  char scratch[] = "/tmp/pause-cwd-XXXXXX";
  ASSERT_NE(mkdtemp(scratch), nullptr);
  Pause pause = start_asleep({.cwd = scratch, .before_exec = [] {
                                int leaked[2];
                                (void)!pipe(leaked);  // no O_CLOEXEC: survives execve
                                (void)!open("/", O_RDONLY | O_DIRECTORY);
                              }});
  const auto fds = open_fds(pause.pid());
  const std::string cwd = read_link("/proc/" + std::to_string(pause.pid()) + "/cwd");
  pause.signal(SIGTERM);
  expect_clean_exit(pause);
  rmdir(scratch);
  EXPECT_EQ(fds, (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_EQ(cwd, "/");
}

// Not PID 1, pause makes itself a child subreaper: the orphans of its
// descendants are re-parented to it, and it must reap them too.
TEST(Behaviour, AsSubreaperReapsOrphansOfItsDescendants) {
  PAUSE_SKIP_UNDER_EMULATION(kPause, "qemu-user refuses PR_SET_CHILD_SUBREAPER");
  int release[2];
  int report[2];
  ASSERT_EQ(pipe2(release, O_CLOEXEC), 0);
  ASSERT_EQ(pipe2(report, O_CLOEXEC), 0);
  // Before exec: pause-to-be -> child -> grandchild. On release the child exits
  // at once (a direct child to reap); the grandchild, orphaned, is handed to
  // pause and exits a little later (an adopted orphan to reap).
  Pause pause = start_asleep({.before_exec = [&] {
    if (fork() == 0) {
      const pid_t grandchild = fork();
      if (grandchild == 0) {
        char byte;
        close(release[1]);
        (void)!read(release[0], &byte, 1);
        usleep(300 * 1000);
        _exit(0);
      }
      (void)!write(report[1], &grandchild, sizeof grandchild);
      char byte;
      close(release[1]);
      (void)!read(release[0], &byte, 1);
      _exit(0);
    }
  }});
  close(report[1]);
  pid_t grandchild = 0;
  ASSERT_EQ(read(report[0], &grandchild, sizeof grandchild), static_cast<ssize_t>(sizeof grandchild));
  close(report[0]);
  ASSERT_EQ(children_of(pause.pid()).size(), 1U);

  close(release[1]);  // both wake up
  close(release[0]);
  const bool adopted = eventually(
      [&] {
        const auto info = process_info(grandchild);
        return info && info->ppid == pause.pid();
      },
      5s);
  EXPECT_TRUE(adopted) << "the orphaned grandchild was not re-parented to pause";
  EXPECT_TRUE(eventually([&] { return children_of(pause.pid()).empty(); }, 5s))
      << count_zombies_of(pause.pid()) << " zombie(s) left";
  ASSERT_TRUE(pause.running());
  pause.signal(SIGTERM);
  expect_clean_exit(pause);
}

}  // namespace
}  // namespace pausetest
