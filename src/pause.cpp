// pause: the pod's infra container. It holds the pod's namespaces by existing,
// sleeps, reaps the zombies it inherits, and exits 0 on SIGINT/SIGTERM.
//
// Only C headers and raw syscalls: the binary links statically against musl
// and carries no libstdc++, no stdio, no allocator.
#include <errno.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>  // struct rlimit
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef PAUSE_VERSION
#error "PAUSE_VERSION must be defined by the build"
#endif

namespace {

unsigned long length_of(const char* text) {
  unsigned long n = 0;
  while (text[n] != '\0') ++n;
  return n;
}

// One writev per message, so a line is never split by another writer.
// Async-signal-safe; a failed write to stderr has nowhere else to go.
void say(int fd, const char* first, const char* second = "", const char* third = "") {
  iovec parts[] = {{const_cast<char*>(first), length_of(first)},
                   {const_cast<char*>(second), length_of(second)},
                   {const_cast<char*>(third), length_of(third)}};
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

// Signal handlers may only use async-signal-safe calls: writev and _exit here,
// never stdio, exit() or psignal() as upstream does.
[[noreturn]] void on_shutdown(int signo) {
  if (signo == SIGINT) {
    say(STDERR_FILENO, "Shutting down, got signal: Interrupt\n");
  } else {
    say(STDERR_FILENO, "Shutting down, got signal: Terminated\n");
  }
  _exit(0);
}

void on_child_exit(int /*signo*/) {
  // SIGCHLDs coalesce: one delivery may stand for many dead children, so reap
  // until none is left. waitpid may clobber errno of the interrupted code.
  const int saved_errno = errno;
  while (waitpid(-1, nullptr, WNOHANG) > 0) {
  }
  errno = saved_errno;
}

bool install(int signo, void (*handler)(int), int flags, const sigset_t& blocked_while_running) {
  struct sigaction action = {};
  action.sa_handler = handler;
  action.sa_flags = flags;
  action.sa_mask = blocked_while_running;
  return sigaction(signo, &action, nullptr) == 0;
}

void close_inherited_fds() {
  // A runtime or shell may leak pipes and sockets into us; holding them for the
  // pod's whole life would keep their other ends from ever seeing EOF.
  if (syscall(SYS_close_range, 3U, ~0U, 0U) == 0) return;
  // Kernels before 5.9 (or a seccomp filter) refuse close_range: close one by
  // one up to the hard limit, which bounds every fd we can have been given.
  struct rlimit limit = {};
  if (syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, nullptr, &limit) != 0 || limit.rlim_max > (1U << 20)) {
    limit.rlim_max = 1U << 20;
  }
  for (rlim_t fd = 3; fd < limit.rlim_max; ++fd) close(static_cast<int>(fd));
}

constexpr char kUsage[] =
    "Usage: pause [-v|--version] [-h|--help]\n"
    "Sleeps holding a pod's namespaces, reaps zombies, exits 0 on SIGINT/SIGTERM.\n";

}  // namespace

// Every syscall below runs once per pod. Before main, musl's start-up makes
// its own: arch_prctl (x86_64 TLS) and set_tid_address; its first sigaction
// adds one rt_sigprocmask. After them: 3 rt_sigaction, rt_sigprocmask, getpid,
// chdir, close_range, pause (11 on x86_64; 2 more when not PID 1).
int main(int argc, char** argv) {
  // Handlers first, before any output: a SIGTERM during start-up must still
  // end in a clean exit 0, never in the default action. Every signal is
  // blocked while a handler runs, so a shutdown never cuts a reap short and
  // reaps never nest.
  sigset_t signals;
  sigfillset(&signals);
  if (!install(SIGINT, on_shutdown, 0, signals)) return 1;
  if (!install(SIGTERM, on_shutdown, 0, signals)) return 2;
  if (!install(SIGCHLD, on_child_exit, SA_NOCLDSTOP, signals)) return 3;
  // The signal mask survives execve: a parent that blocked SIGTERM or SIGCHLD
  // would leave us deaf to shutdown and never reaping.
  sigemptyset(&signals);
  sigprocmask(SIG_SETMASK, &signals, nullptr);

  for (int i = 1; i < argc; ++i) {
    if (is_version_flag(argv[i])) {
      say(STDOUT_FILENO, "pause v", PAUSE_VERSION, "\n");
      return 0;
    }
    if (equals(argv[i], "-h") || equals(argv[i], "--help")) {
      say(STDOUT_FILENO, kUsage);
      return 0;
    }
    say(STDERR_FILENO, "pause: ignoring argument: ", argv[i], "\n");
  }

  if (getpid() != 1) {
    say(STDERR_FILENO, "Warning: pause should be the first process\n");
    // Only PID 1 inherits orphans by default; as a subreaper we still get the
    // orphans of our descendants and so can reap them.
    if (prctl(PR_SET_CHILD_SUBREAPER, 1UL, 0UL, 0UL, 0UL) != 0) {
      say(STDERR_FILENO, "Warning: cannot become a subreaper: orphans will not be reaped\n");
    }
  }

  // A cwd on some mount would keep that mount busy for the pod's whole life.
  (void)!chdir("/");
  close_inherited_fds();

  // pause() only ever returns -1/EINTR after a handler ran. Anything else
  // (a seccomp filter refusing it, say) would make this a busy loop: stop instead.
  while (pause() == -1 && errno == EINTR) {
  }
  say(STDERR_FILENO, "Error: infinite loop terminated\n");
  return 42;
}
