// Whatever the process that exec'ed pause left behind survives the execve:
// children, the signal mask, pending signals, ignored dispositions, fds, the
// cwd, stdio, rlimits, a huge argv. Each test sets one such state in the child
// just before exec and checks that pause ends in the same pod behaviour, both as
// PID 1 of a fresh PID namespace and as an ordinary process (a subreaper).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
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
    return Pause::start(
        kPause, {.args = std::move(args), .as_pid1 = as_pid1(), .env = std::move(env), .before_exec = before_exec});
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
  EXPECT_TRUE(eventually_stable(
      [&] { return children_of(pause.pid()).size() == 1 && count_zombies_of(pause.pid()) == 0; }, 10s))
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
  EXPECT_TRUE(
      eventually_stable([&] { return children_of(pause.pid()).size() == 1 && count_zombies_of(pause.pid()) == 0; }, 5s))
      << children_of(pause.pid()).size() << " children, " << count_zombies_of(pause.pid()) << " zombies";
  close(release[1]);
  EXPECT_TRUE(eventually_stable([&] { return children_of(pause.pid()).empty(); }, 10s));
  expect_clean_exit_on_sigterm(pause);
}

// Children made by clone() with no exit signal (threads of a runtime's init
// gone astray, say): waitpid sees them only with __WALL. One already dead is
// reaped at start. One that dies later still sends a SIGCHLD (the kernel
// sends one to a parent that has exec'd since the clone, as pause's has), and
// is reaped at once, with no other child dying.
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
  });
  close(release[0]);
  ASSERT_TRUE(pause.wait_asleep()) << pause.err();
  EXPECT_TRUE(
      eventually_stable([&] { return children_of(pause.pid()).size() == 1 && count_zombies_of(pause.pid()) == 0; }, 5s))
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
  if (as_pid1())
    PAUSE_SKIP_UNDER_EMULATION(kPause,
                               "qemu-user handles every signal, so the kernel's PID-1 protection does not apply");
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
// Not PID 1 only: the kernel drops a default SIGPIPE for a namespace's PID 1,
// so there the test would pass whatever pause did.
TEST(InheritedNotPid1, PendingSigpipeNeverKillsIt) {
  Pause pause = Pause::start(kPause, {.before_exec = [] {
                               block({SIGPIPE, SIGXFSZ});
                               (void)raise(SIGPIPE);
                               (void)raise(SIGXFSZ);
                             }});
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

// fds 3, 500 and 4000 open, the last two above the RLIMIT_NOFILE pause gets
// (4000: below the hard limit of 4096 a kernel gives when nothing raised it).
void open_high_fds() {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  const int fd = open("/", O_RDONLY | O_DIRECTORY);
  for (const int target : {3, 500, 4000}) dup2(fd, target);
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

// pause's loop over every fd number (no fd left to list /proc/self/fd with):
// 80 ms natively, tens of seconds in a VM under full emulation (tests/vm).
constexpr Millis kCloseEveryFdNumber = 120s;

// close_range refused and every fd below the soft RLIMIT_NOFILE taken: none is
// left to open /proc/self/fd with, yet every inherited fd is closed.
TEST_P(Inherited, WithoutCloseRangeAndWithEveryFdBelowTheLimitTaken) {
  PAUSE_SKIP_UNDER_EMULATION(kPause, "the filter would refuse qemu-user's own calls, not the guest's");
  Pause pause = start([] {
    open_high_fds();  // 3, 500 and 4000, soft limit 64
    for (int fd = 4; fd < 64; ++fd) dup2(3, fd);
    refuse_syscall(SYS_close_range, ENOSYS);
  });
  ASSERT_TRUE(pause.wait_asleep(kCloseEveryFdNumber)) << pause.err();
  EXPECT_EQ(open_fds(pause.pid()), (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_EQ(pause.err().find("Warning: cannot close"), std::string::npos) << pause.err();
  expect_clean_exit_on_sigterm(pause);
}

// Neither close_range nor /proc: the fds stay, and pause says so.
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
  for (const char* kept : {"500", "4000"}) EXPECT_NE(std::find(fds.begin(), fds.end(), kept), fds.end()) << kept;
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

// stderr a pipe whose reader is gone: writing the warning or the shutdown
// line must not kill pause with SIGPIPE, also when the execer had SIGPIPE
// blocked (pause clears the mask). Not PID 1 only, as above.
TEST(InheritedNotPid1, StderrWithoutReaderNeverKillsIt) {
  Pause pause = Pause::start(kPause, {.before_exec = [] {
                               int broken[2];
                               if (pipe(broken) != 0) _exit(126);
                               dup2(broken[1], STDERR_FILENO);
                               close(broken[0]);
                               close(broken[1]);
                               block({SIGPIPE});
                             }});
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

// stderr a file and `ulimit -f 0`: no message, and no death by SIGXFSZ. The
// control, in the same run: without the limit the note is there. pause checks
// the limit before writing; with that check refused (prlimit64) it writes past
// the limit, the kernel raises SIGXFSZ, and pause, ignoring it, lives on.
// (An argument, so that PID 1 writes too.)
TEST_P(Inherited, FileSizeLimitNeverKillsIt) {
  for (const int limit : {-1, 0, can_refuse_rlimits(kPause) ? 1 : 0}) {  // 1: the limit 0, its check refused
    SCOPED_TRACE(limit < 0 ? "no limit (the control)" : limit == 0 ? "ulimit -f 0" : "ulimit -f 0, prlimit64 refused");
    const int file = unlinked_temp_file();
    ASSERT_GE(file, 0);
    Pause pause = start(
        [&] {
          dup2(file, STDERR_FILENO);
          if (limit >= 0) {
            rlimit none = {0, 0};
            setrlimit(RLIMIT_FSIZE, &none);
          }
          if (limit == 1) refuse_syscall(SYS_prlimit64, EPERM);
        },
        {"an-argument"});
    ASSERT_TRUE(pause.wait_asleep()) << "pause did not reach its sleep";
    expect_clean_exit_on_sigterm(pause);
    struct stat written {};
    fstat(file, &written);
    if (limit < 0) {
      EXPECT_GT(written.st_size, 0) << "no message even without a limit";
    } else {
      EXPECT_EQ(written.st_size, 0) << "the limit let a message through";
    }
    close(file);
  }
}

// A regular file takes a message whole or not at all: a message `ulimit -f`
// would cut is not written, one that fits before it is (the control).
TEST_P(Inherited, FileSizeLimitCutsNoMessage) {
  const std::string note = "pause: ignoring argument: an-argument\n";
  const int file = unlinked_temp_file();
  ASSERT_GE(file, 0);
  Pause pause = start(
      [&] {
        dup2(file, STDERR_FILENO);
        // Room for the note and 10 bytes of the next message (the warning,
        // or the shutdown line as PID 1): never for a whole one.
        rlimit limit = {note.size() + 10, note.size() + 10};
        setrlimit(RLIMIT_FSIZE, &limit);
      },
      {"an-argument"});
  ASSERT_TRUE(pause.wait_asleep()) << "pause did not reach its sleep";
  expect_clean_exit_on_sigterm(pause);
  EXPECT_EQ(read_file("/proc/self/fd/" + std::to_string(file)), note);
  close(file);
}

// A full disk (a tmpfs of two pages, one taken by another file): the message
// that would need a page more is not written at all; once there is room again,
// the next one is, whole. Upstream writes the first bytes of the line.
TEST(FullDisk, AFileTakesAMessageWholeOrNotAtAll) {
  PAUSE_REQUIRE_ROOT();
  char dir[] = "/tmp/pause-full-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const auto page_size = static_cast<size_t>(sysconf(_SC_PAGESIZE));  // 64 KiB on ppc64le
  const std::string size = "size=" + std::to_string(2 * page_size);
  ASSERT_EQ(mount("pause-full", dir, "tmpfs", 0, size.c_str()), 0) << std::strerror(errno);
  struct Unmount {
    const char* dir;
    ~Unmount() {
      umount2(dir, MNT_DETACH);
      rmdir(dir);
    }
  } unmount{dir};
  const std::string stderr_path = std::string(dir) + "/stderr";
  const std::string filler_path = std::string(dir) + "/filler";
  const std::string earlier(page_size - 6, 'e');  // 6 bytes left in its page
  const int file = open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  ASSERT_GE(file, 0);
  ASSERT_EQ(write(file, earlier.data(), earlier.size()), static_cast<ssize_t>(earlier.size()));
  const int filler = open(filler_path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(filler, 0);
  const std::string page(page_size, 'f');
  ASSERT_EQ(write(filler, page.data(), page.size()), static_cast<ssize_t>(page.size()));
  close(filler);
  ASSERT_LT(write(file, "0123456789", 10), 10) << "the tmpfs is not full";
  ASSERT_EQ(ftruncate(file, static_cast<off_t>(earlier.size())), 0);
  Pause pause = Pause::start(kPause, {.args = {"an-argument"}, .before_exec = [&] { dup2(file, STDERR_FILENO); }});
  ASSERT_TRUE(pause.wait_asleep()) << pause.err();
  EXPECT_EQ(read_file(stderr_path), earlier) << "a message reached a full disk";
  unlink(filler_path.c_str());
  expect_clean_exit_on_sigterm(pause);
  EXPECT_EQ(read_file(stderr_path), earlier + "Shutting down, got signal: Terminated\n");
  close(file);
}

// A terminal whose reader has stopped reading, with a little room left: a
// message takes what fits (a terminal has no all-or-nothing write), never
// waits for the rest, and SIGTERM still ends pause at once. Once the reader
// is back, the next message starts a line of its own.
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
      std::vector<std::string>(8, std::string(1024, 'a')));  // 8 KiB of notes: more than the room
  ASSERT_TRUE(pause.wait_asleep()) << "pause is stuck on its terminal";
  // Read everything: the cut note, then the shutdown line on a line of its own.
  std::string said;
  auto read_all = [&] {
    char some[4096];
    pollfd readable = {master, POLLIN, 0};
    while (poll(&readable, 1, 200) == 1) {
      const ssize_t n = read(master, some, sizeof some);
      if (n <= 0) break;
      said.append(some, static_cast<size_t>(n));
    }
  };
  read_all();
  expect_clean_exit_on_sigterm(pause);
  read_all();
  const std::string whole_note = "pause: ignoring argument: " + std::string(1024, 'a') + "\r\n";
  size_t whole_notes = 0;
  for (size_t at = 0; (at = said.find(whole_note, at)) != std::string::npos; at += whole_note.size()) ++whole_notes;
  EXPECT_NE(said.find("pause: ignoring argument: a"), std::string::npos) << "no note started";
  EXPECT_LT(whole_notes, 8U) << "no note was cut";
  const auto shutdown = said.find("Shutting down, got signal: Terminated\r\n");
  ASSERT_NE(shutdown, std::string::npos) << said.substr(said.size() > 80 ? said.size() - 80 : 0);
  EXPECT_EQ(said.substr(shutdown - 2, 2), "\r\n")
      << "the shutdown line does not start a line of its own: " << said.substr(shutdown > 80 ? shutdown - 80 : 0);
  close(terminal);
  close(master);
}

// PID 1 in a background job of its terminal, with `stty tostop`: the kernel
// would stop a background writer with SIGTTOU; PID 1 cannot be stopped, so the
// write would restart forever. pause writes instead (SIGTTOU blocked), and
// reaches its sleep; not PID 1 it is not stopped either.
TEST_P(Inherited, BackgroundJobOfItsTerminalWithTostop) {
  PAUSE_SKIP_UNDER_EMULATION(kPause,
                             "qemu-user catches SIGTTOU itself, so the kernel's job control sees no blocked signal");
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
  ASSERT_TRUE(pause.wait_asleep(5s)) << "pause did not reach its sleep (state "
                                     << (process_info(pause.pid()) ? process_info(pause.pid())->state : '?') << ")";
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

// stderr a file on a frozen filesystem (fsfreeze): any write, the shutdown
// line's too, waits in the kernel (uninterruptibly) until the thaw, as it
// does for upstream; nothing a process can do makes such a write give up.
// pause then exits 0 with the line written.
TEST(FrozenFilesystem, ShutdownWaitsForTheThawThenExitsZero) {
  PAUSE_REQUIRE_ROOT();
  for (const char* tool : {"/usr/sbin/mkfs.ext4", "/usr/sbin/fsfreeze"}) {
    if (access(tool, X_OK) != 0) {
      if (in_ci()) FAIL() << "CI=true and " << tool << " is missing: apt-get install e2fsprogs util-linux";
      GTEST_SKIP() << tool << " is missing: apt-get install e2fsprogs util-linux";
    }
  }
  auto shell = [](const std::string& command) {
    return system(command.c_str());  // NOLINT(cert-env33-c): fixed commands on the test's own paths
  };
  char dir[] = "/tmp/pause-frozen-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string image = std::string(dir) + ".img";
  const std::string quoted_dir = std::string("'") + dir + "'";
  struct Cleanup {
    std::string dir, image;
    ~Cleanup() {
      const std::string thaw_and_unmount = "fsfreeze -u '" + dir + "' 2>/dev/null; umount '" + dir + "' 2>/dev/null";
      (void)!system(thaw_and_unmount.c_str());  // NOLINT(cert-env33-c): fixed commands on the test's own paths
      rmdir(dir.c_str());
      unlink(image.c_str());
    }
  } cleanup{dir, image};
  ASSERT_EQ(shell("truncate -s 8M '" + image + "' && mkfs.ext4 -q '" + image + "' && mount -o loop '" + image + "' " +
                  quoted_dir),
            0);
  const std::string stderr_path = std::string(dir) + "/stderr";
  const int file = open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  ASSERT_GE(file, 0);
  Pause pause = Pause::start(kPause, {.before_exec = [&] { dup2(file, STDERR_FILENO); }});
  close(file);
  ASSERT_TRUE(pause.wait_asleep()) << pause.err();
  ASSERT_EQ(shell("fsfreeze -f " + quoted_dir), 0);
  pause.signal(SIGTERM);
  EXPECT_TRUE(eventually_stable([&] { return process_info(pause.pid()) && process_info(pause.pid())->state == 'D'; },
                                5s, 300ms))
      << "pause does not wait in the kernel for the thaw";
  ASSERT_EQ(shell("fsfreeze -u " + quoted_dir), 0);
  expect_clean_exit(pause);
  const std::string said = read_file(stderr_path);
  EXPECT_EQ(said.rfind("Warning: pause should be the first process\n", 0), 0U) << said;
  EXPECT_EQ(said.substr(said.size() - std::strlen(kTerminated)), kTerminated) << said;
}

// --- a stderr shared with others ---

// What another writer of pause's stderr pipe saw: it writes blocking 64 KiB
// chunks into the same open file description (2>&1, a CI log pipe) while a
// slow reader drains it, for as long as `meanwhile` runs.
struct OtherWriter {
  int eagain = 0, short_writes = 0, chunks = 0;
};
OtherWriter other_writer_during(const std::function<void(int shared)>& meanwhile) {
  int shared[2];
  int report[2];
  int stop[2];
  if (pipe2(shared, O_CLOEXEC) != 0 || pipe2(report, O_CLOEXEC) != 0 || pipe2(stop, O_CLOEXEC | O_NONBLOCK) != 0)
    return {-1, -1, -1};
  std::thread reader([&] {
    char some[4096];
    while (read(shared[0], some, sizeof some) > 0) {
    }
  });
  const pid_t writer = fork();
  if (writer == 0) {
    close(stop[1]);
    OtherWriter seen;
    static char chunk[65536];
    char byte;
    while (read(stop[0], &byte, 1) < 0 && errno == EAGAIN) {  // until the stop pipe's write end closes
      const ssize_t n = write(shared[1], chunk, sizeof chunk);
      if (n < 0 && errno == EAGAIN) ++seen.eagain;
      if (n >= 0 && n < static_cast<ssize_t>(sizeof chunk)) ++seen.short_writes;
      ++seen.chunks;
    }
    (void)!write(report[1], &seen, sizeof seen);
    _exit(0);
  }
  close(stop[0]);
  close(report[1]);
  std::this_thread::sleep_for(50ms);  // the writer on a full pipe first
  meanwhile(shared[1]);
  close(stop[1]);
  OtherWriter seen{-1, -1, -1};
  pollfd reported = {report[0], POLLIN, 0};
  if (poll(&reported, 1, 10000) == 1) (void)!read(report[0], &seen, sizeof seen);
  kill(writer, SIGKILL);
  waitpid(writer, nullptr, 0);
  close(shared[1]);
  reader.join();
  for (const int fd : {shared[0], report[0]}) close(fd);
  return seen;
}

// Pause printing 3,000 notes changes nothing that the other writer sees: no
// EAGAIN, no short write. The control, in the same run: a holder that sets
// O_NONBLOCK on the shared description now and then (as pause once did around
// each of its writes) makes that writer see them.
TEST(SharedStderr, AnotherWriterOfThePipeNeverSeesEagainOrShortWrites) {
  const std::vector<std::string> notes(3000, std::string(100, 'n'));
  const OtherWriter with_pause = other_writer_during([&](int shared) {
    Pause pause = Pause::start(kPause, {.args = notes, .before_exec = [&] { dup2(shared, STDERR_FILENO); }});
    EXPECT_TRUE(pause.wait_asleep(30s));
    expect_clean_exit_on_sigterm(pause);
  });
  const OtherWriter with_toggler = other_writer_during([](int shared) {
    for (int i = 0; i < 3000; ++i) {
      fcntl(shared, F_SETFL, O_NONBLOCK);
      std::this_thread::sleep_for(20us);
      fcntl(shared, F_SETFL, 0);
      std::this_thread::sleep_for(20us);
    }
  });
  ASSERT_GT(with_pause.chunks, 0) << "the other writer did not write";
  EXPECT_EQ(with_pause.eagain, 0);
  EXPECT_EQ(with_pause.short_writes, 0);
  EXPECT_GT(with_toggler.eagain + with_toggler.short_writes, 0)
      << "control: a toggler made no difference (" << with_toggler.chunks << " chunks)";
}

// Two pauses share one full pipe nobody reads, and another holder keeps setting
// its description back to blocking: SIGTERM ends each of them within a second.
TEST(SharedStderr, EveryPauseOnAFullSharedPipeEndsWithinASecondOfSigterm) {
  int full[2];
  ASSERT_EQ(pipe2(full, O_CLOEXEC | O_NONBLOCK), 0);
  const std::string chunk(4096, 'x');
  while (write(full[1], chunk.data(), chunk.size()) > 0) {
  }
  ASSERT_EQ(errno, EAGAIN);
  fcntl(full[1], F_SETFL, 0);
  std::atomic<bool> flipping{true};
  std::thread flipper([&] {
    while (flipping) fcntl(full[1], F_SETFL, 0);
  });
  auto start_on_full = [&] {
    return Pause::start(kPause, {.args = {"an-argument"}, .before_exec = [&] { dup2(full[1], STDERR_FILENO); }});
  };
  Pause first = start_on_full();
  Pause second = start_on_full();
  EXPECT_TRUE(first.wait_asleep());
  EXPECT_TRUE(second.wait_asleep());
  first.signal(SIGTERM);
  second.signal(SIGTERM);
  for (Pause* pause : {&first, &second}) {
    const auto status = pause->wait_exit(1s);
    EXPECT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
        << "a pause did not end within 1 s of SIGTERM";
  }
  flipping = false;
  flipper.join();
  close(full[0]);
  close(full[1]);
}

// SIGKILL while pause writes its notes, at 40 different moments: the shared
// description's flags are as the test set them, every time.
TEST(SharedStderr, SigkillWhileWritingLeavesTheFlagsAsTheyWere) {
  int shared[2];
  ASSERT_EQ(pipe2(shared, O_CLOEXEC), 0);
  std::thread reader([&] {
    char some[4096];
    while (read(shared[0], some, sizeof some) > 0) {
    }
  });
  const int flags = fcntl(shared[1], F_GETFL);
  const std::vector<std::string> notes(3000, std::string(100, 'n'));
  for (int moment = 0; moment < 40; ++moment) {
    Pause pause = Pause::start(kPause, {.args = notes, .before_exec = [&] { dup2(shared[1], STDERR_FILENO); }});
    std::this_thread::sleep_for(std::chrono::microseconds(250 * moment));
    pause.signal(SIGKILL);
    ASSERT_TRUE(pause.wait_exit().has_value());
    ASSERT_EQ(fcntl(shared[1], F_GETFL), flags) << "after a SIGKILL " << 250 * moment << " us into the start";
  }
  close(shared[1]);
  reader.join();
  close(shared[0]);
}

// The way a message avoids waiting may be refused (a seccomp profile): with
// fcntl, pwritev2 or statx refused, every message still reaches a stderr that
// can take it (here a pipe the test reads; a file with statx refused). With
// pwritev2 refused and no /proc to open stderr again through (as a kernel
// before 6.5 gives for pipes, where pause may not open them again), the last
// resort: O_NONBLOCK on the shared description for the write.
struct WriteRefusal {
  const char* name;
  long refused;
  bool to_a_file;
  bool without_proc;
};
void PrintTo(const WriteRefusal& refusal, std::ostream* out) { *out << refusal.name; }
class RefusedWhileWriting : public ::testing::TestWithParam<WriteRefusal> {};
TEST_P(RefusedWhileWriting, MessagesStillArrive) {
  PAUSE_SKIP_UNDER_EMULATION(kPause, "the filter would refuse qemu-user's own calls, not the guest's");
  const WriteRefusal refusal = GetParam();
  if (refusal.without_proc) PAUSE_REQUIRE_ROOT();
  const int file = unlinked_temp_file();
  ASSERT_GE(file, 0);
  ASSERT_EQ(write(file, "earlier\n", 8), 8);
  Pause pause = Pause::start(
      kPause, {.args = {"an-argument"}, .before_exec = [&] {
                 if (refusal.to_a_file) dup2(file, STDERR_FILENO);
                 if (refusal.without_proc &&
                     (unshare(CLONE_NEWNS) != 0 || mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
                      mount("none", "/proc", "tmpfs", 0, nullptr) != 0)) {
                   _exit(126);
                 }
                 refuse_syscall(refusal.refused, EPERM);
               }});
  ASSERT_TRUE(pause.wait_asleep()) << pause.err();
  expect_clean_exit_on_sigterm(pause);
  const std::string said = refusal.to_a_file ? read_file("/proc/self/fd/" + std::to_string(file)) : pause.err();
  EXPECT_EQ(said, std::string(refusal.to_a_file ? "earlier\n" : "") +
                      "pause: ignoring argument: an-argument\nWarning: pause should be the first process\n" +
                      kTerminated);
  close(file);
}
INSTANTIATE_TEST_SUITE_P(Calls, RefusedWhileWriting,
                         ::testing::Values(WriteRefusal{"Fcntl_ToAPipe", SYS_fcntl, false, false},
                                           WriteRefusal{"Pwritev2_ToAPipe", SYS_pwritev2, false, false},
                                           WriteRefusal{"Pwritev2_ToAPipe_WithoutProc", SYS_pwritev2, false, true},
                                           WriteRefusal{"Statx_ToAPipe", SYS_statx, false, false},
                                           WriteRefusal{"Statx_ToAFile", SYS_statx, true, false}),
                         [](const auto& info) { return std::string(info.param.name); });

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

// close_range refused and RLIMIT_NOFILE 3: not one fd is free to list
// /proc/self/fd with, and a hard limit of 3 (and
// no CAP_SYS_RESOURCE) forbids raising it. pause closes every fd number up to
// fs.nr_open's default instead, and leaves the limit as it was.
class TinyNofile : public ::testing::TestWithParam<std::tuple<bool, rlim_t>> {};
TEST_P(TinyNofile, WithoutCloseRangeEveryInheritedFdIsClosed) {
  PAUSE_SKIP_UNDER_EMULATION(kPause, "the filter would refuse qemu-user's own calls, not the guest's");
  const auto [pid1, hard] = GetParam();
  PAUSE_REQUIRE_ROOT();
  Pause pause = Pause::start(kPause, {.as_pid1 = pid1, .before_exec = [hard = hard] {
                                        const int fd = open("/", O_RDONLY | O_DIRECTORY);
                                        for (const int target : {3, 7, 10, 251}) dup2(fd, target);
                                        if (fd > 3) close(fd);
                                        const rlimit limit = {3, hard};
                                        setrlimit(RLIMIT_NOFILE, &limit);
                                        refuse_syscall(SYS_close_range, ENOSYS);
                                      }});
  ASSERT_TRUE(pause.wait_asleep(kCloseEveryFdNumber)) << pause.err();
  EXPECT_EQ(open_fds(pause.pid()), (std::vector<std::string>{"0", "1", "2"}));
  const std::string limits = read_file("/proc/" + std::to_string(pause.pid()) + "/limits");
  const auto nofile = limits.find("Max open files");
  ASSERT_NE(nofile, std::string::npos) << limits;
  std::istringstream row(limits.substr(nofile + std::strlen("Max open files")));
  std::string soft;
  std::string hard_now;
  row >> soft >> hard_now;
  EXPECT_EQ(soft + " " + hard_now, "3 " + std::to_string(hard)) << "the limit was not put back";
  expect_clean_exit_on_sigterm(pause);
  EXPECT_EQ(pause.err().find("Warning: cannot close"), std::string::npos) << pause.err();
}
INSTANTIATE_TEST_SUITE_P(Limits, TinyNofile, ::testing::Combine(::testing::Bool(), ::testing::Values(3, 64)),
                         [](const auto& info) {
                           return std::string(std::get<0>(info.param) ? "AsPid1" : "NotPid1") + "_Hard" +
                                  std::to_string(std::get<1>(info.param));
                         });

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
