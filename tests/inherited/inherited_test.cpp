// Whatever the process that exec'ed pause left behind survives the execve:
// children, the signal mask, pending signals, ignored dispositions, fds, the
// cwd, stdio, rlimits, a huge argv. Each test sets one such state in the child
// just before exec and checks that pause ends in the same pod behaviour, both as
// PID 1 of a fresh PID namespace and as an ordinary process (a subreaper).
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <functional>
#include <thread>
#include <tuple>
#include <string>
#include <vector>

#include "support/expect.h"
#include "support/process.h"

namespace pausetest {
namespace {

const Binary kPause = Binary::from_environment();
const char kTerminated[] = "Shutting down, got signal: Terminated\n";

// The parameter: as PID 1 of a fresh PID namespace, or not.
class Inherited : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (as_pid1()) PAUSE_REQUIRE_ROOT();
  }
  [[nodiscard]] static bool as_pid1() { return GetParam(); }

  static Pause start(const std::function<void()>& before_exec, std::vector<std::string> args = {},
                     std::vector<std::string> env = {}) {
    return Pause::start(kPause, {.args = std::move(args), .as_pid1 = as_pid1(), .env = std::move(env), .before_exec = before_exec});
  }

  // SIGTERM, then exit status 0 and the shutdown line last on stderr.
};

std::string name_of(const ::testing::TestParamInfo<bool>& info) { return info.param ? "AsPid1" : "NotPid1"; }

void block(const std::vector<int>& signos) {
  sigset_t set;
  sigemptyset(&set);
  for (const int signo : signos) sigaddset(&set, signo);
  sigprocmask(SIG_BLOCK, &set, nullptr);
}

// A child of the process about to exec pause that exits at once, and is a
// zombie before the exec: its SIGCHLD went to nobody pause could see.
void leave_dead_child() {
  const pid_t child = fork();
  if (child == 0) _exit(0);
  siginfo_t info{};
  (void)waitid(P_PID, static_cast<id_t>(child), &info, WEXITED | WNOWAIT);  // dead, not reaped
}

// --- children: already dead, still running, dying during start-up ---

class InheritedChildren : public ::testing::TestWithParam<std::tuple<bool, int>> {};

TEST_P(InheritedChildren, AreAllReapedWhateverTheTimingOfTheirDeath) {
  const auto [pid1, dies_after_us] = GetParam();
  if (pid1) PAUSE_REQUIRE_ROOT();
  int release[2];
  ASSERT_EQ(pipe2(release, O_CLOEXEC), 0);
  Pause pause = Pause::start(kPause, {.as_pid1 = pid1, .before_exec = [&, delay = dies_after_us] {
                                        leave_dead_child();
                                        leave_dead_child();
                                        if (fork() == 0) {  // runs until released
                                          close(release[1]);
                                          char byte;
                                          (void)!read(release[0], &byte, 1);
                                          _exit(0);
                                        }
                                        if (fork() == 0) {  // dies while pause starts
                                          if (delay > 0) usleep(static_cast<useconds_t>(delay));
                                          _exit(0);
                                        }
                                      }});
  close(release[0]);
  ASSERT_TRUE(pause.wait_asleep()) << pause.err();
  // The dead and the dying are reaped; the running one is still there.
  EXPECT_TRUE(eventually_stable([&] { return children_of(pause.pid()).size() == 1 && count_zombies_of(pause.pid()) == 0; }, 10s))
      << children_of(pause.pid()).size() << " children, " << count_zombies_of(pause.pid()) << " zombies";
  close(release[1]);
  EXPECT_TRUE(eventually_stable([&] { return children_of(pause.pid()).empty(); }, 10s))
      << count_zombies_of(pause.pid()) << " zombies left";
  ASSERT_TRUE(pause.running());
  pause.signal(SIGTERM);
  const auto status = pause.wait_exit();
  ASSERT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
}
INSTANTIATE_TEST_SUITE_P(Timings, InheritedChildren,
                         ::testing::Combine(::testing::Bool(), ::testing::Values(0, 100, 500, 2000, 20000)),
                         [](const auto& info) {
                           return std::string(std::get<0>(info.param) ? "AsPid1" : "NotPid1") + "_DiesAfter" +
                                  std::to_string(std::get<1>(info.param)) + "us";
                         });

// Only children that died before the exec, and one that outlives the test's
// checks: no death comes later, so no SIGCHLD ever does. The dead ones can only
// be reaped by pause's first reap at start.
TEST_P(Inherited, ChildrenDeadBeforeTheExecAreReapedAtStart) {
  int release[2];
  ASSERT_EQ(pipe2(release, O_CLOEXEC), 0);
  Pause pause = start([&] {
    for (int i = 0; i < 3; ++i) leave_dead_child();
    if (fork() == 0) {  // runs until released
      close(release[1]);
      char byte;
      (void)!read(release[0], &byte, 1);
      _exit(0);
    }
  });
  close(release[0]);
  ASSERT_TRUE(pause.wait_asleep()) << pause.err();
  EXPECT_TRUE(eventually_stable([&] { return children_of(pause.pid()).size() == 1 && count_zombies_of(pause.pid()) == 0; }, 5s))
      << children_of(pause.pid()).size() << " children, " << count_zombies_of(pause.pid()) << " zombies";
  close(release[1]);
  EXPECT_TRUE(eventually_stable([&] { return children_of(pause.pid()).empty(); }, 10s));
  expect_clean_exit_on_sigterm(pause);
}

// Children made by clone() with no exit signal (threads of a runtime's init
// gone astray, say) send no SIGCHLD: one already dead is reaped at start, one
// that dies later with the next SIGCHLD (here a sibling's).
pid_t clone_without_exit_signal(const std::function<int()>& body) {
  const auto child = static_cast<pid_t>(syscall(SYS_clone, 0UL, nullptr, nullptr, nullptr, nullptr));
  if (child == 0) _exit(body());
  return child;
}
TEST_P(Inherited, ChildrenWithoutExitSignalAreReapedToo) {
  int release[2];
  ASSERT_EQ(pipe2(release, O_CLOEXEC), 0);
  auto until_released = [&] {
    close(release[1]);
    char byte;
    (void)!read(release[0], &byte, 1);
    return 0;
  };
  Pause pause = start([&] {
    const pid_t dead = clone_without_exit_signal([] { return 0; });
    siginfo_t info{};
    (void)waitid(P_PID, static_cast<id_t>(dead), &info, WEXITED | WNOWAIT | __WALL);  // dead, not reaped
    clone_without_exit_signal(until_released);
    if (fork() == 0) _exit(until_released());  // dies with SIGCHLD, at the same time
  });
  close(release[0]);
  ASSERT_TRUE(pause.wait_asleep()) << pause.err();
  EXPECT_TRUE(eventually_stable([&] { return children_of(pause.pid()).size() == 2 && count_zombies_of(pause.pid()) == 0; }, 5s))
      << children_of(pause.pid()).size() << " children, " << count_zombies_of(pause.pid()) << " zombies";
  close(release[1]);
  EXPECT_TRUE(eventually_stable([&] { return children_of(pause.pid()).empty(); }, 10s))
      << count_zombies_of(pause.pid()) << " zombies left";
  expect_clean_exit_on_sigterm(pause);
}

// --- signals: mask, pending, ignored ---

TEST_P(Inherited, BlockedSignalsAreUnblocked) {
  Pause pause = start([] {
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, nullptr);
    leave_dead_child();  // its SIGCHLD now pending too
  });
  ASSERT_TRUE(pause.wait_asleep()) << pause.err();
  if (kPause.emulator.empty()) {
    EXPECT_EQ(status_field(pause.pid(), "SigBlk"), "0000000000000000");
  }
  EXPECT_TRUE(eventually_stable([&] { return children_of(pause.pid()).empty(); }, 10s)) << "a zombie is left";
  expect_clean_exit_on_sigterm(pause);
  EXPECT_NE(pause.err().find(kTerminated), std::string::npos) << pause.err();
}

TEST_P(Inherited, PendingSigtermEndsItCleanly) {
  Pause pause = start([] {
    block({SIGTERM});
    (void)raise(SIGTERM);
  });
  const auto status = pause.wait_exit();
  ASSERT_TRUE(status.has_value()) << "a pending SIGTERM did not end pause";
  ASSERT_TRUE(WIFEXITED(*status)) << "killed by signal " << WTERMSIG(*status);
  EXPECT_EQ(WEXITSTATUS(*status), 0);
  EXPECT_NE(pause.err().find(kTerminated), std::string::npos) << pause.err();
}

// A pending signal pause has no handler for meets the kernel's rules once
// unblocked: as PID 1 it is discarded, otherwise its default action applies
// (SIGUSR1: the process is killed), as for any signal sent later.
TEST_P(Inherited, PendingOtherSignalGetsTheKernelsRulesForPid1) {
  if (as_pid1()) PAUSE_SKIP_UNDER_EMULATION(kPause, "qemu-user handles every signal, so the kernel's PID-1 protection does not apply");
  Pause pause = start([] {
    block({SIGUSR1});
    (void)raise(SIGUSR1);
  });
  if (as_pid1()) {
    ASSERT_TRUE(pause.wait_asleep()) << pause.err();
    expect_clean_exit_on_sigterm(pause);
  } else {
    const auto status = pause.wait_exit();
    ASSERT_TRUE(status.has_value());
    ASSERT_TRUE(WIFSIGNALED(*status)) << "exited " << WEXITSTATUS(*status);
    EXPECT_EQ(WTERMSIG(*status), SIGUSR1);
  }
}

// SIGPIPE left pending (and blocked) by the parent: the docs' signal table says
// pause ignores SIGPIPE, and that holds from the moment the mask is cleared.
TEST_P(Inherited, PendingSigpipeNeverKillsIt) {
  if (as_pid1()) PAUSE_SKIP_UNDER_EMULATION(kPause, "qemu-user handles every signal, so the kernel's PID-1 protection does not apply");
  Pause pause = start([] {
    block({SIGPIPE, SIGXFSZ});
    (void)raise(SIGPIPE);
    (void)raise(SIGXFSZ);
  });
  ASSERT_TRUE(pause.wait_asleep()) << "pause did not reach its sleep: " << pause.err();
  expect_clean_exit_on_sigterm(pause);
}

// SIG_IGN survives execve. pause replaces it for the signals it handles; for
// the others it stays (docs: what that means for each).
TEST_P(Inherited, IgnoredDispositionsOfItsOwnSignalsAreReplaced) {
  Pause pause = start([] {
    for (const int signo : {SIGTERM, SIGINT, SIGCHLD, SIGHUP}) (void)signal(signo, SIG_IGN);
  });
  ASSERT_TRUE(pause.wait_asleep()) << pause.err();
  if (kPause.emulator.empty()) {
    const unsigned long ignored = std::stoul(status_field(pause.pid(), "SigIgn"), nullptr, 16);
    const unsigned long caught = std::stoul(status_field(pause.pid(), "SigCgt"), nullptr, 16);
    auto bit = [](int signo) { return 1UL << (signo - 1); };
    EXPECT_EQ(ignored & (bit(SIGTERM) | bit(SIGINT) | bit(SIGCHLD)), 0UL) << "still ignored: " << std::hex << ignored;
    EXPECT_EQ(caught & (bit(SIGTERM) | bit(SIGINT) | bit(SIGCHLD)), bit(SIGTERM) | bit(SIGINT) | bit(SIGCHLD));
    EXPECT_NE(ignored & bit(SIGHUP), 0UL) << "an inherited SIG_IGN of SIGHUP is kept";
  }
  pause.signal(SIGHUP);  // ignored either way: as PID 1 by the kernel, otherwise by the inherited SIG_IGN
  std::this_thread::sleep_for(100ms);
  expect_clean_exit_on_sigterm(pause);
  EXPECT_NE(pause.err().find(kTerminated), std::string::npos) << pause.err();
}

// --- fds, cwd, stdio ---

// fds 3, 500 and 5000 open, the last two above the RLIMIT_NOFILE pause gets.
void open_high_fds() {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  const int fd = open("/", O_RDONLY | O_DIRECTORY);
  for (const int target : {3, 500, 5000}) dup2(fd, target);
  if (fd != 3) close(fd);
  limit = {64, 64};
  setrlimit(RLIMIT_NOFILE, &limit);
}

TEST_P(Inherited, EveryInheritedFdAboveStderrIsClosed) {
  Pause pause = start(open_high_fds);
  ASSERT_TRUE(pause.wait_asleep()) << pause.err();
  EXPECT_EQ(open_fds(pause.pid()), (std::vector<std::string>{"0", "1", "2"}));
  expect_clean_exit_on_sigterm(pause);
}

// Kernels before 5.9, or a seccomp filter, refuse close_range: pause then
// closes what /proc/self/fd lists, also above its RLIMIT_NOFILE.
TEST_P(Inherited, WithoutCloseRangeEveryInheritedFdIsClosedToo) {
  PAUSE_SKIP_UNDER_EMULATION(kPause, "the filter would refuse qemu-user's own calls, not the guest's");
  Pause pause = start([] {
    open_high_fds();
    refuse_syscall(SYS_close_range, ENOSYS);
  });
  ASSERT_TRUE(pause.wait_asleep()) << pause.err();
  EXPECT_EQ(open_fds(pause.pid()), (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_EQ(pause.err().find("Warning: cannot close"), std::string::npos) << pause.err();
  expect_clean_exit_on_sigterm(pause);
}

// close_range refused and every fd below the soft RLIMIT_NOFILE taken: none is
// left to open /proc/self/fd with, yet every inherited fd is closed.
TEST_P(Inherited, WithoutCloseRangeAndWithEveryFdBelowTheLimitTaken) {
  PAUSE_SKIP_UNDER_EMULATION(kPause, "the filter would refuse qemu-user's own calls, not the guest's");
  Pause pause = start([] {
    open_high_fds();  // 3, 500 and 5000, soft limit 64
    for (int fd = 4; fd < 64; ++fd) dup2(3, fd);
    refuse_syscall(SYS_close_range, ENOSYS);
  });
  ASSERT_TRUE(pause.wait_asleep()) << pause.err();
  EXPECT_EQ(open_fds(pause.pid()), (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_EQ(pause.err().find("Warning: cannot close"), std::string::npos) << pause.err();
  expect_clean_exit_on_sigterm(pause);
}

// Neither close_range nor /proc: the fds stay, and pause says so (but for fd 3,
// which it closes first to have a free fd for the listing it cannot open).
TEST_P(Inherited, WithoutCloseRangeAndProcItWarnsThatFdsStay) {
  PAUSE_SKIP_UNDER_EMULATION(kPause, "the filter would refuse qemu-user's own calls, not the guest's");
  PAUSE_REQUIRE_ROOT();
  Pause pause = start([] {
    // A private mount namespace whose /proc is an empty tmpfs.
    if (unshare(CLONE_NEWNS) != 0 || mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
        mount("none", "/proc", "tmpfs", 0, nullptr) != 0) {
      _exit(126);
    }
    open_high_fds();
    refuse_syscall(SYS_close_range, ENOSYS);
  });
  ASSERT_TRUE(pause.wait_asleep()) << pause.err();
  const auto fds = open_fds(pause.pid());
  for (const char* kept : {"500", "5000"}) EXPECT_NE(std::find(fds.begin(), fds.end(), kept), fds.end()) << kept;
  expect_clean_exit_on_sigterm(pause);
  EXPECT_NE(pause.err().find("Warning: cannot close inherited file descriptors\n"), std::string::npos) << pause.err();
}

TEST_P(Inherited, HoldsNoWorkingDirectory) {
  char scratch[] = "/tmp/pause-cwd-XXXXXX";
  ASSERT_NE(mkdtemp(scratch), nullptr);
  Pause pause = Pause::start(kPause, {.as_pid1 = as_pid1(), .cwd = scratch});
  ASSERT_TRUE(pause.wait_asleep()) << pause.err();
  const std::string cwd = read_link("/proc/" + std::to_string(pause.pid()) + "/cwd");
  expect_clean_exit_on_sigterm(pause);
  rmdir(scratch);
  EXPECT_EQ(cwd, "/");
}

TEST_P(Inherited, ClosedStdioChangesNothing) {
  Pause pause = start([] {
    for (const int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) close(fd);
  });
  ASSERT_TRUE(pause.wait_asleep());
  expect_clean_exit_on_sigterm(pause);
}

// stderr a pipe whose reader is gone: writing the warning (not PID 1) or the
// shutdown line must not kill pause with SIGPIPE, also when the execer had
// SIGPIPE blocked (pause clears the mask).
TEST_P(Inherited, StderrWithoutReaderNeverKillsIt) {
  Pause pause = start([] {
    int broken[2];
    if (pipe(broken) != 0) _exit(126);
    dup2(broken[1], STDERR_FILENO);
    close(broken[0]);
    close(broken[1]);
    block({SIGPIPE});
  });
  ASSERT_TRUE(pause.wait_asleep()) << "pause did not reach its sleep";
  expect_clean_exit_on_sigterm(pause);
}

// stderr a full pipe nobody reads: pause reaches its sleep (the warning is
// dropped, not waited on), and SIGTERM still ends it at once with 0.
TEST_P(Inherited, StderrFullPipeNeverBlocksIt) {
  int full[2];
  ASSERT_EQ(pipe2(full, O_CLOEXEC | O_NONBLOCK), 0);
  const std::string chunk(4096, 'x');
  while (write(full[1], chunk.data(), chunk.size()) > 0) {
  }
  ASSERT_EQ(errno, EAGAIN);
  Pause pause = start([&] {
    const int flags = fcntl(full[1], F_GETFL);
    fcntl(full[1], F_SETFL, flags & ~O_NONBLOCK);  // as a real stderr is
    dup2(full[1], STDERR_FILENO);
  });
  ASSERT_TRUE(pause.wait_asleep()) << "pause is stuck on its full stderr";
  expect_clean_exit_on_sigterm(pause);
  close(full[0]);
  close(full[1]);
}

// stderr a file and `ulimit -f 0`: writing raises SIGXFSZ, which must not kill
// pause any more than SIGPIPE does. (An argument, so that PID 1 writes too.)
TEST_P(Inherited, FileSizeLimitNeverKillsIt) {
  char path[] = "/tmp/pause-stderr-XXXXXX";
  const int file = mkstemp(path);
  ASSERT_GE(file, 0);
  unlink(path);
  Pause pause = start(
      [&] {
        dup2(file, STDERR_FILENO);
        rlimit none = {0, 0};
        setrlimit(RLIMIT_FSIZE, &none);
      },
      {"an-argument"});
  ASSERT_TRUE(pause.wait_asleep()) << "pause did not reach its sleep";
  expect_clean_exit_on_sigterm(pause);
  struct stat written {};
  fstat(file, &written);
  EXPECT_EQ(written.st_size, 0) << "the limit let a message through";
  close(file);
}

// A terminal whose reader has stopped reading, with a little room left: a
// message takes what fits (a terminal has no all-or-nothing write), never
// waits for the rest, and SIGTERM still ends pause at once.
TEST_P(Inherited, StderrTerminalWithLittleRoomNeverBlocksIt) {
  const int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  ASSERT_GE(master, 0);
  ASSERT_EQ(grantpt(master), 0);
  ASSERT_EQ(unlockpt(master), 0);
  const int terminal = open(ptsname(master), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(terminal, 0);
  // Its default modes (output processing on): the kernel then writes what the
  // room it reports allows, and would wait for the rest.
  const std::string chunk(64, 'x');
  while (write(terminal, chunk.data(), chunk.size()) == static_cast<ssize_t>(chunk.size())) {
  }
  // A little room again, a few hundred bytes (the kernel frees it a buffer at a
  // time, once it has moved what was read): writable, for less than a message.
  pollfd writable = {terminal, POLLOUT, 0};
  for (int tries = 0; tries < 100 && poll(&writable, 1, 0) == 0; ++tries) {
    char some[64];
    ASSERT_GT(read(master, some, sizeof some), 0);
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_EQ(poll(&writable, 1, 0), 1) << "no room came back";
  Pause pause = start(
      [&] {
        fcntl(terminal, F_SETFL, fcntl(terminal, F_GETFL) & ~O_NONBLOCK);  // as a real stderr is
        dup2(terminal, STDERR_FILENO);
      },
      {std::string(1024, 'a')});
  ASSERT_TRUE(pause.wait_asleep()) << "pause is stuck on its terminal";
  expect_clean_exit_on_sigterm(pause);
  close(terminal);
  close(master);
}

// PID 1 in a background job of its terminal, with `stty tostop`: the kernel
// would stop a background writer with SIGTTOU; PID 1 cannot be stopped, so the
// write would restart forever. pause writes instead (SIGTTOU blocked), and
// reaches its sleep; not PID 1 it is not stopped either.
TEST_P(Inherited, BackgroundJobOfItsTerminalWithTostop) {
  PAUSE_SKIP_UNDER_EMULATION(kPause, "qemu-user catches SIGTTOU itself, so the kernel's job control sees no blocked signal");
  const int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  ASSERT_GE(master, 0);
  ASSERT_EQ(grantpt(master), 0);
  ASSERT_EQ(unlockpt(master), 0);
  const std::string terminal_path = ptsname(master);
  int release[2];
  int joined[2];
  ASSERT_EQ(pipe2(release, O_CLOEXEC), 0);
  ASSERT_EQ(pipe2(joined, O_CLOEXEC), 0);
  Pause pause = start(
      [&] {
        // A session of its own with the terminal as its controlling one, a
        // foreground job that is not pause's, and tostop. pause's process group
        // must not be orphaned (the kernel would fail the write with EIO
        // instead): a member of it has its parent in the foreground job.
        const pid_t group = getpid();
        if (setsid() < 0) _exit(126);
        const int terminal = open(terminal_path.c_str(), O_RDWR);
        if (terminal < 0 || ioctl(terminal, TIOCSCTTY, 0) != 0) _exit(126);
        const pid_t foreground = fork();
        if (foreground == 0) {
          setpgid(0, 0);
          if (fork() == 0) {
            setpgid(0, group);
            (void)!write(joined[1], "j", 1);
          }
          close(release[1]);
          char byte;
          (void)!read(release[0], &byte, 1);
          _exit(0);
        }
        setpgid(foreground, foreground);
        char byte;
        if (read(joined[0], &byte, 1) != 1) _exit(126);
        termios modes{};
        tcgetattr(terminal, &modes);
        modes.c_lflag |= TOSTOP;
        tcsetattr(terminal, TCSANOW, &modes);  // while still in the foreground
        if (tcsetpgrp(terminal, foreground) != 0) _exit(126);
        dup2(terminal, STDERR_FILENO);
      },
      {"an-argument"});
  ASSERT_TRUE(pause.wait_asleep(5s)) << "pause did not reach its sleep (state " << (process_info(pause.pid()) ? process_info(pause.pid())->state : '?') << ")";
  pollfd readable = {master, POLLIN, 0};
  ASSERT_EQ(poll(&readable, 1, 5000), 1) << "nothing reached the terminal";
  char said[256] = {};
  EXPECT_GT(read(master, said, sizeof said - 1), 0);
  EXPECT_NE(std::string(said).find("pause: ignoring argument: an-argument"), std::string::npos) << said;
  close(release[1]);
  expect_clean_exit_on_sigterm(pause);
  close(release[0]);
  for (const int fd : joined) close(fd);
  close(master);
}

// --- rlimits, argv and environment ---

TEST_P(Inherited, NofileAtItsMaximumWithoutCloseRange) {
  PAUSE_SKIP_UNDER_EMULATION(kPause, "the filter would refuse qemu-user's own calls, not the guest's");
  Pause pause = start([] {
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;  // containerd gives pods 1,048,576
    setrlimit(RLIMIT_NOFILE, &limit);
    dup2(STDERR_FILENO, static_cast<int>(limit.rlim_max - 1));
    refuse_syscall(SYS_close_range, ENOSYS);
  });
  ASSERT_TRUE(pause.wait_asleep()) << pause.err();
  EXPECT_EQ(open_fds(pause.pid()), (std::vector<std::string>{"0", "1", "2"}));
  expect_clean_exit_on_sigterm(pause);
}

TEST_P(Inherited, HugeArgvAndEnvironment) {
  // About 1.5 MB of arguments and environment (Linux allows a quarter of the
  // stack limit, 2 MB by default; each string at most 128 KiB).
  std::vector<std::string> args;
  std::vector<std::string> env;
  args.reserve(400);
  env.reserve(8);
  for (int i = 0; i < 400; ++i) args.push_back("--arg" + std::to_string(i) + "=" + std::string(1000, 'a'));
  for (int i = 0; i < 8; ++i) env.push_back("BIG" + std::to_string(i) + "=" + std::string(120'000, 'e'));
  Pause pause = start({}, args, env);
  ASSERT_TRUE(pause.wait_asleep()) << pause.err().substr(0, 200);
  expect_clean_exit_on_sigterm(pause);
  const std::string err = pause.err();
  size_t lines = 0;
  for (size_t at = 0; (at = err.find("pause: ignoring argument: --arg", at)) != std::string::npos; ++at) ++lines;
  EXPECT_EQ(lines, args.size());
  EXPECT_EQ(err.substr(err.size() - sizeof kTerminated + 1), kTerminated);
}

INSTANTIATE_TEST_SUITE_P(Start, Inherited, ::testing::Bool(), name_of);

}  // namespace
}  // namespace pausetest
