// pause started as an ordinary process (not PID 1): flags, messages, exit
// codes, and what it must not hold on to.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/expect.h"
#include "support/process.h"

namespace pausetest {
namespace {

const Binary kPause = Binary::from_environment();
// Not PID 1: the warning, and under qemu-user (which refuses PR_SET_CHILD_SUBREAPER)
// the note that orphans will not be reaped.
const std::string kWarning =
    std::string("Warning: pause should be the first process\n") +
    (kPause.emulator.empty() ? "" : "Warning: cannot become a subreaper: orphans will not be reaped\n");

// Starts pause without arguments and waits until it sleeps with its handlers in place.
Pause start_asleep(const StartOptions& options = {}) {
  Pause pause = Pause::start(kPause, options);
  EXPECT_TRUE(pause.wait_asleep()) << "pause did not reach its sleep";
  return pause;
}

class VersionFlag : public ::testing::TestWithParam<const char*> {};

// The line is checked against the VERSION file and the checkout's commit (not
// against the string the build compiled in), and against the documented format.
TEST_P(VersionFlag, PrintsOneVersionLineAndExitsZero) {
  Pause pause = Pause::start(kPause, {.args = {GetParam()}});
  expect_clean_exit(pause);
  EXPECT_EQ(pause.out(), documented_version_line());
  EXPECT_TRUE(std::regex_match(pause.out(), std::regex("pause v[0-9]+\\.[0-9]+\\.[0-9]+(\\+g[0-9a-f]{12})?\n")))
      << pause.out();
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

// -v wins wherever it stands, over -h and over arguments that would be noted.
class VersionAnywhere : public ::testing::TestWithParam<std::vector<std::string>> {};

TEST_P(VersionAnywhere, PrintsOnlyTheVersion) {
  Pause pause = Pause::start(kPause, {.args = GetParam()});
  expect_clean_exit(pause);
  EXPECT_EQ(pause.out(), documented_version_line());
  EXPECT_EQ(pause.err(), "");
}
INSTANTIATE_TEST_SUITE_P(Positions, VersionAnywhere,
                         ::testing::Values(std::vector<std::string>{"--unknown", "-v"},
                                           std::vector<std::string>{"-h", "-v"},
                                           std::vector<std::string>{"foo", "--help", "bar", "-V"},
                                           std::vector<std::string>{"--version", "-h"}));

TEST(Behaviour, HelpWinsOverArgumentsThatWouldBeNoted) {
  Pause pause = Pause::start(kPause, {.args = {"foo", "-h"}});
  expect_clean_exit(pause);
  EXPECT_EQ(pause.out().rfind("Usage: pause", 0), 0U) << pause.out();
  EXPECT_EQ(pause.err(), "");
}

TEST(Behaviour, LongIgnoredArgumentIsShownCut) {
  const std::string long_argument(5000, 'x');
  Pause pause = start_asleep({.args = {long_argument}});
  pause.signal(SIGTERM);
  expect_clean_exit(pause);
  EXPECT_EQ(pause.err(), "pause: ignoring argument: " + long_argument.substr(0, 1024) + "...\n" + kWarning +
                             "Shutting down, got signal: Terminated\n");
}

// The cut is after 1,024 bytes: an argument of exactly 1,024 is shown whole,
// one of 1,025 cut.
TEST(Behaviour, ArgumentsAreShownWholeUpTo1024Bytes) {
  const std::string whole(1024, 'w');
  const std::string cut(1025, 'c');
  Pause pause = start_asleep({.args = {whole, cut}});
  pause.signal(SIGTERM);
  expect_clean_exit(pause);
  EXPECT_EQ(pause.err(), "pause: ignoring argument: " + whole + "\n" + "pause: ignoring argument: " +
                             cut.substr(0, 1024) + "...\n" + kWarning + "Shutting down, got signal: Terminated\n");
}

// Messages are written without waiting, but an interactive terminal still
// gets them: -v and -h with stdout a terminal.
TEST(Behaviour, VersionAndHelpOnATerminalStillPrint) {
  for (const char* flag : {"-v", "-h"}) {
    const int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    ASSERT_GE(master, 0);
    ASSERT_EQ(grantpt(master), 0);
    ASSERT_EQ(unlockpt(master), 0);
    const std::string terminal = ptsname(master);
    Pause pause = Pause::start(kPause, {.args = {flag}, .before_exec = [&] {
                                          const int fd = open(terminal.c_str(), O_RDWR | O_NOCTTY);
                                          if (fd < 0) _exit(126);
                                          dup2(fd, STDOUT_FILENO);
                                        }});
    expect_clean_exit(pause);
    pollfd readable = {master, POLLIN, 0};
    ASSERT_EQ(poll(&readable, 1, 5000), 1) << flag << ": nothing reached the terminal";
    char said[512] = {};
    ASSERT_GT(read(master, said, sizeof said - 1), 0);
    EXPECT_EQ(std::string(said).rfind(std::string(flag) == "-v" ? "pause v" : "Usage: pause", 0), 0U)
        << flag << ": " << said;
    close(master);
  }
}

// -v to a file past `ulimit -f`: nothing written, and SIGXFSZ must not kill
// pause. pause checks the limit before writing; with that check refused
// (prlimit64) it writes past the limit and the kernel raises SIGXFSZ. The
// control, in the same run: without the limit the line is there.
TEST(Behaviour, VersionToAFilePastTheSizeLimitStillExitsZero) {
  for (const int limit : {-1, 0, can_refuse_rlimits(kPause) ? 1 : 0}) {  // 1: the limit 0, its check refused
    SCOPED_TRACE(limit < 0 ? "no limit (the control)" : limit == 0 ? "ulimit -f 0" : "ulimit -f 0, prlimit64 refused");
    const int file = unlinked_temp_file();
    ASSERT_GE(file, 0);
    Pause pause = Pause::start(kPause, {.args = {"-v"}, .before_exec = [&] {
                                          dup2(file, STDOUT_FILENO);
                                          if (limit >= 0) {
                                            rlimit none = {0, 0};
                                            setrlimit(RLIMIT_FSIZE, &none);
                                          }
                                          if (limit == 1) refuse_syscall(SYS_prlimit64, EPERM);
                                        }});
    expect_clean_exit(pause);
    EXPECT_EQ(read_file("/proc/self/fd/" + std::to_string(file)), limit < 0 ? documented_version_line() : "");
    close(file);
  }
}

// An argument can hold anything: it may not forge a line of pause's own, nor
// send a terminal escape sequences. Bytes outside printable ASCII and the
// backslash are shown as \xHH.
TEST(Behaviour, ArgumentsCannotForgeALineNorDriveATerminal) {
  Pause pause = start_asleep(
      {.args = {"x\nShutting down, got signal: Terminated", "\x1b[2J\x1b]0;title\x07", "back\\slash\t\xc3\xa9"}});
  pause.signal(SIGTERM);
  expect_clean_exit(pause);
  EXPECT_EQ(pause.err(),
            "pause: ignoring argument: x\\x0aShutting down, got signal: Terminated\n"
            "pause: ignoring argument: \\x1b[2J\\x1b]0;title\\x07\n"
            "pause: ignoring argument: back\\x5cslash\\x09\\xc3\\xa9\n" +
                kWarning + "Shutting down, got signal: Terminated\n");
}

// An argument of escaped bytes is cut at 1,024 bytes of what is shown, never
// inside an escape.
TEST(Behaviour, EscapedArgumentsAreCutBetweenEscapes) {
  Pause pause = start_asleep({.args = {std::string(300, '\n')}});
  pause.signal(SIGTERM);
  expect_clean_exit(pause);
  std::string shown;
  for (int i = 0; i < 256; ++i) shown += "\\x0a";
  EXPECT_EQ(pause.err(),
            "pause: ignoring argument: " + shown + "...\n" + kWarning + "Shutting down, got signal: Terminated\n");
}

// While the shutdown handler runs every signal is blocked: SIGTERM and SIGINT
// both pending when pause is continued, the kernel delivers the lower one
// (SIGINT) first, and SIGTERM must wait for a handler that never returns. Were
// it let in, its handler would run first, nested (and say "Terminated").
TEST(Behaviour, ASecondShutdownSignalWaitsForTheFirst) {
  PAUSE_SKIP_UNDER_EMULATION(kPause, "qemu-user queues and delivers guest signals itself");
  Pause pause = start_asleep();
  pause.signal(SIGSTOP);
  ASSERT_TRUE(eventually([&] { return process_info(pause.pid()) && process_info(pause.pid())->state == 'T'; }, 5s));
  pause.signal(SIGTERM);
  pause.signal(SIGINT);
  pause.signal(SIGCONT);
  expect_clean_exit(pause);
  EXPECT_EQ(pause.err(), kWarning + "Shutting down, got signal: Interrupt\n");
}

// SA_NOCLDSTOP: a child of pause stopped and continued does not wake it; a
// child that dies does (the control: the count can move).
TEST(Behaviour, ChildStoppedOrContinuedDoesNotWakeIt) {
  PAUSE_SKIP_UNDER_EMULATION(kPause, "qemu-user is woken by every SIGCHLD itself, stops and continues included");
  int release[2];
  ASSERT_EQ(pipe2(release, O_CLOEXEC), 0);
  Pause pause = start_asleep({.before_exec = [&] {
    if (fork() == 0) {
      close(release[1]);
      char byte;
      (void)!read(release[0], &byte, 1);
      _exit(0);
    }
  }});
  close(release[0]);
  const auto children = children_of(pause.pid());
  ASSERT_EQ(children.size(), 1U);
  const pid_t child = children[0].pid;
  const auto before = activity_of(pause.pid());
  for (int i = 0; i < 3; ++i) {
    kill(child, SIGSTOP);
    ASSERT_TRUE(eventually([&] { return process_info(child) && process_info(child)->state == 'T'; }, 5s));
    kill(child, SIGCONT);
    ASSERT_TRUE(eventually([&] { return process_info(child) && process_info(child)->state == 'S'; }, 5s));
  }
  std::this_thread::sleep_for(200ms);
  const auto stopped_and_continued = activity_of(pause.pid());
  close(release[1]);
  ASSERT_TRUE(eventually_stable([&] { return children_of(pause.pid()).empty(); }, 10s));
  const auto after_death = activity_of(pause.pid());
  ASSERT_GT(before.tasks_read, 0);
  EXPECT_EQ(stopped_and_continued.context_switches, before.context_switches) << "woken by a child's stop or continue";
  EXPECT_GT(after_death.context_switches, stopped_and_continued.context_switches)
      << "control: a child's death did not wake it";
  pause.signal(SIGTERM);
  expect_clean_exit(pause);
}

TEST(Behaviour, UnknownArgumentsAreNotedAndIgnored) {
  Pause pause = start_asleep({.args = {"--log-level=debug", "x"}});
  ASSERT_TRUE(pause.running());
  pause.signal(SIGTERM);
  expect_clean_exit(pause);
  EXPECT_EQ(pause.err(), std::string("pause: ignoring argument: --log-level=debug\n"
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

#ifdef PAUSE_SANITIZED
// This suite must test the sanitized build whatever PAUSE_BIN says: the
// process it runs has AddressSanitizer's runtime mapped.
TEST(Sanitized, RunsTheSanitizedBuild) {
  Pause pause = start_asleep();
  std::ifstream maps("/proc/" + std::to_string(pause.pid()) + "/maps");
  std::stringstream text;
  text << maps.rdbuf();
  EXPECT_NE(text.str().find("libasan"), std::string::npos) << kPause.path << " is not the sanitized build";
  pause.signal(SIGTERM);
  expect_clean_exit(pause);
}
#endif

}  // namespace
}  // namespace pausetest
