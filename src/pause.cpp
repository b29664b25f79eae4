// pause: the pod's infra container. It holds the pod's namespaces by existing,
// sleeps, reaps the zombies it inherits, and exits 0 on SIGINT/SIGTERM.
//
// Only C headers and raw syscalls: the binary links statically against musl
// and carries no libstdc++, no stdio, no allocator.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef PAUSE_VERSION
#error "PAUSE_VERSION must be defined by the build"
#endif

namespace {

struct Text {
  const char* data;
  unsigned long size;
};

template <unsigned long N>
constexpr Text literal(const char (&data)[N]) {
  return {data, N - 1};
}

// sigaction(2) with the raw syscall, as musl's sigaction() makes it on every
// arch we build (one layout; the return from a handler goes through musl's
// restorer), without what musl adds for threads we never start: an
// rt_sigprocmask per process and 1.2 KB of code (15% of the binary on arm64).
#if defined(__GLIBC__)  // the sanitized and benchmark builds of the same source
bool install(int signo, void (*handler)(int), unsigned long flags) {
  struct sigaction action = {};
  action.sa_handler = handler;
  action.sa_flags = static_cast<int>(flags);
  sigfillset(&action.sa_mask);
  return sigaction(signo, &action, nullptr) == 0;
}
#else
#if defined(__x86_64__)
extern "C" void __restore_rt();  // NOLINT(bugprone-reserved-identifier): musl's, hidden
void (*const kRestorer)() = __restore_rt;
#else
extern "C" void __restore();  // NOLINT(bugprone-reserved-identifier): musl's, hidden
void (*const kRestorer)() = __restore;
#endif
// Read by the kernel only.
struct KernelSigaction {
  void (*handler)(int);      // cppcheck-suppress unusedStructMember
  unsigned long flags;       // cppcheck-suppress unusedStructMember
  void (*restorer)();        // cppcheck-suppress unusedStructMember
  unsigned blocked_while_running[2];
};
bool install(int signo, void (*handler)(int), unsigned long flags) {
  const KernelSigaction action = {handler, flags | SA_RESTORER, kRestorer, {~0U, ~0U}};
  return syscall(SYS_rt_sigaction, signo, &action, nullptr, sizeof action.blocked_while_running) == 0;
}
#endif

volatile sig_atomic_t sigpipe_ignored = 0;

// Messages never block and never kill. stderr may be a full pipe nobody reads
// (a blocking writev in the shutdown handler, with every signal blocked, would
// keep SIGTERM from ever ending us) or a pipe whose reader is gone (SIGPIPE). So
// SIGPIPE is ignored before the first write, and a message is written only if
// poll says the write cannot block (a pipe with a free buffer takes a write of
// up to PIPE_BUF bytes at once); otherwise it is dropped. One writev per message,
// so a line is never split by another writer. Async-signal-safe.
void say(int fd, Text first, Text second = {"", 0}, Text third = {"", 0}) {
  if (sigpipe_ignored == 0) {
    sigpipe_ignored = 1;
    install(SIGPIPE, SIG_IGN, 0);
  }
  pollfd target = {fd, POLLOUT, 0};
  const timespec now = {0, 0};
  if (syscall(SYS_ppoll, &target, 1, &now, nullptr, 0) != 1 || target.revents != POLLOUT) return;
  iovec parts[] = {{const_cast<char*>(first.data), first.size},
                   {const_cast<char*>(second.data), second.size},
                   {const_cast<char*>(third.data), third.size}};
  (void)!writev(fd, parts, 3);
}

bool equals(const char* a, const char* b) {
  while (*a != '\0' && *a == *b) {
    ++a;
    ++b;
  }
  return *a == *b;
}

// Upstream compares with strcasecmp(arg, "-v"), so `-V` works too.
bool is_version_flag(const char* arg) {
  return equals(arg, "-v") || equals(arg, "-V") || equals(arg, "--version");
}

bool is_help_flag(const char* arg) { return equals(arg, "-h") || equals(arg, "--help"); }

// Signal handlers may only use async-signal-safe calls: ppoll, rt_sigaction,
// writev and _exit here, never stdio, exit() or psignal() as upstream does.
[[noreturn]] void on_shutdown(int signo) {
  say(STDERR_FILENO, signo == SIGINT ? literal("Shutting down, got signal: Interrupt\n")
                                     : literal("Shutting down, got signal: Terminated\n"));
  _exit(0);
}

void reap_dead_children() {
  // waitpid may clobber errno of the code a handler interrupted.
  const int saved_errno = errno;
  while (waitpid(-1, nullptr, WNOHANG) > 0) {
  }
  errno = saved_errno;
}

// SIGCHLDs coalesce: one delivery may stand for many dead children.
void on_child_exit(int /*signo*/) { reap_dead_children(); }

// Kernels before 5.9 (or a seccomp filter) refuse close_range. /proc/self/fd
// lists exactly the open fds, however far above RLIMIT_NOFILE (which may have
// been lowered after they were opened); closing one while listing is safe, as
// the listing goes by fd number. Raw calls: musl's opendir would bring in
// malloc. Not inlined: its 1 KiB buffer would deepen the stack of every start,
// and touch a page more in some.
[[gnu::noinline]] bool close_listed_fds() {
  const int listing = static_cast<int>(syscall(SYS_openat, AT_FDCWD, "/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (listing < 0) return false;
  alignas(8) char entries[1024];
  long size = 0;
  while ((size = syscall(SYS_getdents64, listing, entries, sizeof entries)) > 0) {
    for (long at = 0; at < size;) {
      // The kernel's records are struct linux_dirent64, which libc's dirent64 mirrors.
      const auto* record = reinterpret_cast<const struct dirent64*>(entries + at);
      const char* name = record->d_name;
      int fd = 0;
      bool number = *name != '\0';
      for (; *name != '\0'; ++name) {
        number = number && *name >= '0' && *name <= '9';
        fd = fd * 10 + (*name - '0');
      }
      if (number && fd >= 3 && fd != listing) close(fd);
      at += record->d_reclen;
    }
  }
  close(listing);
  return size == 0;
}

// A runtime or shell may leak pipes and sockets into us; holding them for the
// pod's whole life would keep their other ends from ever seeing EOF.
bool close_inherited_fds() {
  return syscall(SYS_close_range, 3U, ~0U, 0U) == 0 || close_listed_fds();
}

constexpr char kUsage[] =
    "Usage: pause [-v|--version] [-h|--help]\n"
    "Sleeps holding a pod's namespaces, reaps zombies, exits 0 on SIGINT/SIGTERM.\n";
// An ignored argument is echoed up to this many bytes, so that the line stays
// below PIPE_BUF and is written at once or not at all.
constexpr unsigned long kShownArgumentBytes = 1024;

}  // namespace

// Every syscall below runs once per pod (the budget is 12 on x86_64). Before
// main, musl's start-up makes its own: arch_prctl (x86_64 TLS) and
// set_tid_address. After them, as PID 1 without arguments (11 in all on
// x86_64, 10 where there is no arch_prctl):
//   rt_sigaction x3   the handlers, before anything else can happen to us
//   rt_sigprocmask    the mask inherited across execve, cleared
//   wait4             children that died before the SIGCHLD handler existed
//   getpid            PID 1 or not
//   chdir             "/", so that no mount is kept busy
//   close_range       every inherited fd above stderr
//   pause             the sleep (ppoll on arm64 and riscv64)
// Not PID 1 adds prctl, rt_sigaction (SIGPIPE), ppoll and writev (the warning).
int main(int argc, char** argv) {
  // Handlers first, before any output: a SIGTERM during start-up must still
  // end in a clean exit 0, never in the default action. Every signal is
  // blocked while a handler runs, so a shutdown never cuts a reap short and
  // reaps never nest.
  if (!install(SIGINT, on_shutdown, 0)) return 1;
  if (!install(SIGTERM, on_shutdown, 0)) return 2;
  if (!install(SIGCHLD, on_child_exit, SA_NOCLDSTOP)) return 3;
  // The signal mask survives execve: a parent that blocked SIGTERM or SIGCHLD
  // would leave us deaf to shutdown and never reaping. Signals it left pending
  // are delivered now.
  sigset_t signals;
  sigemptyset(&signals);
  if (sigprocmask(SIG_SETMASK, &signals, nullptr) != 0) {
    say(STDERR_FILENO, literal("Error: cannot unblock signals\n"));
    return 4;
  }
  // Whoever exec'ed us may have left children, and one that died before our
  // handler existed sent its SIGCHLD to nobody: reap those once, by hand.
  reap_dead_children();

  // -v wins wherever it stands, then -h; anything else is noted and ignored.
  bool version = false;
  bool help = false;
  for (int i = 1; i < argc; ++i) {
    version = version || is_version_flag(argv[i]);
    help = help || is_help_flag(argv[i]);
  }
  if (version || help) {
    say(STDOUT_FILENO, version ? literal("pause v" PAUSE_VERSION "\n") : literal(kUsage));
    return 0;
  }
  for (int i = 1; i < argc; ++i) {
    Text argument = {argv[i], 0};
    while (argv[i][argument.size] != '\0') ++argument.size;
    const bool cut = argument.size > kShownArgumentBytes;
    if (cut) argument.size = kShownArgumentBytes;
    say(STDERR_FILENO, literal("pause: ignoring argument: "), argument, cut ? literal("...\n") : literal("\n"));
  }

  if (getpid() != 1) {
    // Only PID 1 inherits orphans by default; as a subreaper we still get the
    // orphans of our descendants and so can reap them.
    const bool subreaper = syscall(SYS_prctl, PR_SET_CHILD_SUBREAPER, 1UL, 0UL, 0UL, 0UL) == 0;
    say(STDERR_FILENO, literal("Warning: pause should be the first process\n"));
    if (!subreaper) say(STDERR_FILENO, literal("Warning: cannot become a subreaper: orphans will not be reaped\n"));
  }

  // A cwd on some mount would keep that mount busy for the pod's whole life.
  if (chdir("/") != 0) say(STDERR_FILENO, literal("Warning: cannot change directory to /\n"));
  if (!close_inherited_fds()) say(STDERR_FILENO, literal("Warning: cannot close inherited file descriptors\n"));

  // pause() only ever returns -1/EINTR after a handler ran. Anything else
  // (a seccomp filter refusing it, say) would make this a busy loop: stop instead.
  while (pause() == -1 && errno == EINTR) {
  }
  say(STDERR_FILENO, literal("Error: infinite loop terminated\n"));
  return 42;
}
