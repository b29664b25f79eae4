// pause: the pod's infra container. It holds the pod's namespaces by existing,
// sleeps, reaps the zombies it inherits, and exits 0 on SIGINT/SIGTERM.
//
// Only C headers and raw syscalls: the binary links statically against musl
// and carries no libstdc++, no stdio, no allocator.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
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

// A signal mask as the kernel takes it: 64 signals in native words, word 0
// holding signals 1 to 32 (or 64) whatever the byte order.
constexpr unsigned kSignalWords = 64 / (8 * sizeof(unsigned long));
struct SignalMask {
  unsigned long words[kSignalWords];
};
constexpr SignalMask kNoSignal = {};
// rt_sigprocmask(SIG_SETMASK) with the raw syscall: musl's sigprocmask adds
// code for threads we never start.
bool set_signal_mask(const SignalMask& mask, SignalMask* previous = nullptr) {
  return syscall(SYS_rt_sigprocmask, SIG_SETMASK, &mask, previous, sizeof mask.words) == 0;
}
SignalMask every_signal() {
  SignalMask mask = {};
  // cppcheck-suppress useStlAlgorithm ; only C headers here (no libstdc++ in the binary)
  for (unsigned long& word : mask.words) word = ~0UL;
  return mask;
}

// Which signals are blocked while a handler runs. The shutdown blocks every
// one: nothing may cut it short. The reaping lets SIGINT and SIGTERM in, so
// that a shutdown never waits for a storm of dying children to end (a reap is
// one waitpid: it is done or not done, never half done).
enum class WhileRunning { kBlockAll, kLetShutdownIn };

// sigaction(2) with the raw syscall, as musl's sigaction() makes it on every
// arch we build (one layout; the return from a handler goes through musl's
// restorer), without what musl adds for threads we never start: an
// rt_sigprocmask per process and 1.2 KB of code (15% of the binary on arm64).
#if defined(__GLIBC__)  // the sanitized and benchmark builds of the same source
bool install(int signo, void (*handler)(int), unsigned long flags, WhileRunning blocked) {
  struct sigaction action = {};
  action.sa_handler = handler;
  action.sa_flags = static_cast<int>(flags);
  sigfillset(&action.sa_mask);
  if (blocked == WhileRunning::kLetShutdownIn) {
    sigdelset(&action.sa_mask, SIGINT);
    sigdelset(&action.sa_mask, SIGTERM);
  }
  return sigaction(signo, &action, nullptr) == 0;
}
#else
// The kernel's struct sigaction: RISC-V has no sa_restorer (its kernel returns
// from handlers through the vDSO); every other arch we build has one.
#if !defined(__riscv)
#if defined(__x86_64__)
extern "C" void __restore_rt();  // NOLINT(bugprone-reserved-identifier): musl's, hidden
void (*const kRestorer)() = __restore_rt;
#else
extern "C" void __restore();  // NOLINT(bugprone-reserved-identifier): musl's, hidden
void (*const kRestorer)() = __restore;
#endif
#endif
// Read by the kernel only.
struct KernelSigaction {
  void (*handler)(int);  // cppcheck-suppress unusedStructMember
  unsigned long flags;   // cppcheck-suppress unusedStructMember
#if !defined(__riscv)
  void (*restorer)();    // cppcheck-suppress unusedStructMember
#endif
  SignalMask blocked_while_running;
};
bool install(int signo, void (*handler)(int), unsigned long flags, WhileRunning blocked) {
  KernelSigaction action = {};
  action.handler = handler;
#if defined(__riscv)
  action.flags = flags;
#else
  action.flags = flags | SA_RESTORER;
  action.restorer = kRestorer;
#endif
  action.blocked_while_running = every_signal();
  if (blocked == WhileRunning::kLetShutdownIn)
    action.blocked_while_running.words[0] &= ~((1UL << (SIGINT - 1)) | (1UL << (SIGTERM - 1)));
  return syscall(SYS_rt_sigaction, signo, &action, nullptr, sizeof action.blocked_while_running.words) == 0;
}
#endif

volatile sig_atomic_t messages_cannot_kill = 0;
// Writing to a pipe without reader raises SIGPIPE, past `ulimit -f` SIGXFSZ:
// both would kill us by default. Ignored, the write fails instead.
void ignore_what_writing_raises() {
  install(SIGPIPE, SIG_IGN, 0, WhileRunning::kBlockAll);
  install(SIGXFSZ, SIG_IGN, 0, WhileRunning::kBlockAll);
  messages_cannot_kill = 1;
}

// Messages never wait, never spin, never kill, and change nothing that other
// holders of stderr share with us (its open file description may be a CI log
// pipe, a terminal, or another pause's stderr too: no O_NONBLOCK toggling).
// stderr may be a pipe or FIFO nobody reads, a socket, a terminal with no room
// left, a terminal on which we are a background job with `stty tostop`: a
// blocking write in the shutdown handler would keep SIGTERM from ever ending
// us. So one write per message that gives up instead of waiting, chosen by
// what stderr is, with every signal blocked while it runs:
// - a pipe: pwritev2 with RWF_NOWAIT, whole or not at all (under PIPE_BUF).
// - a socket: the same (an AF_UNIX one takes a line whole or not at all, a TCP
//   one may take part of it).
// - a regular file never waits for a reader: whole, or nothing if `ulimit -f`
//   or a full disk would cut it (the room is reserved first).
// - a FIFO opened by path, a terminal (no RWF_NOWAIT), a pipe on a kernel
//   before 6.5, or pwritev2 refused: a description of our own, opened
//   non-blocking through /proc/self/fd; where we may not open it, O_NONBLOCK
//   on the shared one for that write only. A terminal takes what it has room
//   for (it has no all-or-nothing write).
// After a cut line the next message starts on a line of its own.
// - SIGTTOU blocked: the kernel lets a background job write to its terminal
//   instead of sending SIGTTOU, which would stop us, or, as PID 1 (which the
//   kernel keeps from being stopped), restart the write forever.
// Async-signal-safe.
#ifndef RWF_NOWAIT
#define RWF_NOWAIT 0x8
#endif
// The kernel's struct statx (the same on every arch) with the two fields we
// read: musl's fstat would bring in 700 bytes of fallbacks.
struct FileFacts {
  unsigned char before_mode[28];  // cppcheck-suppress unusedStructMember
  unsigned short mode;
  unsigned char before_size[10];  // cppcheck-suppress unusedStructMember
  unsigned long long size;
  unsigned char after_size[208];  // cppcheck-suppress unusedStructMember
};
static_assert(sizeof(FileFacts) == 256, "struct statx is 256 bytes");
constexpr unsigned kStatxType = 0x1, kStatxSize = 0x200;
bool line_cut = false;
long write_whole_to_file(int fd, unsigned long long size, iovec* parts, unsigned long bytes) {
  const long position = lseek(fd, 0, SEEK_CUR);
  const long start =
      static_cast<unsigned long long>(position) > size ? position : static_cast<long>(size);  // O_APPEND: at the end
  rlimit size_limit = {};
  if (prlimit(0, RLIMIT_FSIZE, nullptr, &size_limit) == 0 && size_limit.rlim_cur != RLIM_INFINITY &&
      static_cast<unsigned long>(start) + bytes > size_limit.rlim_cur) {
    return -1;
  }
  if (fallocate(fd, FALLOC_FL_KEEP_SIZE, start, static_cast<long>(bytes)) != 0 && (errno == ENOSPC || errno == EDQUOT))
    return -1;
  return writev(fd, parts, 4);
}
long write_without_waiting(int fd, iovec* parts, unsigned long bytes) {
  FileFacts file = {};
  if (syscall(SYS_statx, fd, "", AT_EMPTY_PATH, kStatxType | kStatxSize, &file) == 0 && S_ISREG(file.mode)) {
    return write_whole_to_file(fd, file.size, parts, bytes);
  }
  const long written = syscall(SYS_pwritev2, fd, parts, 4, -1L, -1L, RWF_NOWAIT);
  if (written >= 0 || errno == EAGAIN || errno == EPIPE) return written;
  // A file after all (statx refused): a description of our own would write
  // at its start.
  if (lseek(fd, 0, SEEK_CUR) >= 0) return writev(fd, parts, 4);
  char path[] = "/proc/self/fd/2";
  path[sizeof path - 2] = static_cast<char>('0' + fd);
  const int own = static_cast<int>(syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (own >= 0) {
    const long own_written = writev(own, parts, 4);
    close(own);
    return own_written;
  }
  // Last resort: kernels before 6.5 have no RWF_NOWAIT for pipes, and a pipe
  // we may not open again (another user's, or no /proc) leaves only the shared
  // description: O_NONBLOCK on it for this one write, as pause always did.
  const long flags = syscall(SYS_fcntl, fd, F_GETFL);
  if (flags < 0 || ((flags & O_NONBLOCK) == 0 && syscall(SYS_fcntl, fd, F_SETFL, flags | O_NONBLOCK) != 0)) return -1;
  const long shared_written = writev(fd, parts, 4);
  if ((flags & O_NONBLOCK) == 0) syscall(SYS_fcntl, fd, F_SETFL, flags);
  return shared_written;
}
void say(int fd, Text first, Text second = {"", 0}, Text third = {"", 0}) {
  if (messages_cannot_kill == 0) ignore_what_writing_raises();
  SignalMask previous = {};
  const bool masked = set_signal_mask(every_signal(), &previous);
  iovec parts[] = {{const_cast<char*>("\n"), line_cut ? 1UL : 0UL},
                   {const_cast<char*>(first.data), first.size},
                   {const_cast<char*>(second.data), second.size},
                   {const_cast<char*>(third.data), third.size}};
  const unsigned long bytes = parts[0].iov_len + first.size + second.size + third.size;
  const long written = write_without_waiting(fd, parts, bytes);
  if (written > 0) line_cut = static_cast<unsigned long>(written) < bytes;
  if (masked) set_signal_mask(previous);
}

bool equals(const char* a, const char* b) {
  while (*a != '\0' && *a == *b) {
    ++a;
    ++b;
  }
  return *a == *b;
}

// Upstream compares with strcasecmp(arg, "-v"), so `-V` works too.
bool is_version_flag(const char* arg) { return equals(arg, "-v") || equals(arg, "-V") || equals(arg, "--version"); }

bool is_help_flag(const char* arg) { return equals(arg, "-h") || equals(arg, "--help"); }

// Signal handlers may only use async-signal-safe calls (rt_sigaction,
// rt_sigprocmask, the message's statx and write, waitpid and _exit here),
// never stdio, exit() or psignal() as upstream does.
[[noreturn]] void on_shutdown(int signo) {
  say(STDERR_FILENO, signo == SIGINT ? literal("Shutting down, got signal: Interrupt\n")
                                     : literal("Shutting down, got signal: Terminated\n"));
  _exit(0);
}

// __WALL: every child, also one made by clone() with an exit signal other
// than SIGCHLD (such a child sends no SIGCHLD when it dies: it is reaped with
// the next one, or at start if it died before us).
void reap_dead_children() {
  // The sleep loop below reads errno after pause() returns: a second SIGCHLD
  // between libc's setting it and that read would otherwise leave ECHILD there.
  const int saved_errno = errno;
  while (waitpid(-1, nullptr, WNOHANG | __WALL) > 0) {
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
  const int listing =
      static_cast<int>(syscall(SYS_openat, AT_FDCWD, "/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (listing < 0 && errno == EMFILE) {
    // Every fd below RLIMIT_NOFILE is taken (a limit of 3 leaves none at all,
    // and the hard limit may forbid raising it): close every fd number
    // fs.nr_open allows by default instead, 80 ms once.
    for (int fd = 3; fd < (1 << 20); ++fd) close(fd);
    return true;
  }
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
bool close_inherited_fds() { return syscall(SYS_close_range, 3U, ~0U, 0U) == 0 || close_listed_fds(); }

constexpr char kUsage[] =
    "Usage: pause [-v|--version] [-h|--help]\n"
    "Sleeps holding a pod's namespaces, reaps zombies, exits 0 on SIGINT/SIGTERM.\n";
// An ignored argument is echoed up to this many bytes, so that the line stays
// below PIPE_BUF: a pipe takes it whole or not at all.
constexpr unsigned long kShownArgumentBytes = 1024;

// An argument may hold anything: a newline that would forge a line of our own
// ("Shutting down, ..."), escape sequences that drive a terminal. Every byte
// outside printable ASCII, and the backslash, is shown as \xHH, up to
// kShownArgumentBytes bytes of that text. Returns whether the argument was cut.
bool show_escaped(const char* argument, char (&shown)[kShownArgumentBytes], Text* text) {
  constexpr char kHex[] = "0123456789abcdef";
  unsigned long size = 0;
  for (; *argument != '\0'; ++argument) {
    const auto byte = static_cast<unsigned char>(*argument);
    const bool plain = byte >= ' ' && byte <= '~' && byte != '\\';
    if (size + (plain ? 1 : 4) > kShownArgumentBytes) break;
    if (plain) {
      shown[size++] = static_cast<char>(byte);
    } else {
      shown[size++] = '\\';
      shown[size++] = 'x';
      shown[size++] = kHex[byte >> 4];
      shown[size++] = kHex[byte & 15];
    }
  }
  *text = {shown, size};
  return *argument != '\0';
}

// Not inlined: its 1 KiB buffer in main's frame would push every call main
// makes (the sleep's too) a page lower in a quarter of the starts.
[[gnu::noinline]] void note_ignored(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    char shown[kShownArgumentBytes];
    Text argument = {};
    const bool cut = show_escaped(argv[i], shown, &argument);
    say(STDERR_FILENO, literal("pause: ignoring argument: "), argument, cut ? literal("...\n") : literal("\n"));
  }
}

}  // namespace

// Every syscall below runs once per pod (the budget is 12 on x86_64, see
// tests/contract.tsv). Before main, musl's start-up makes its own:
// arch_prctl (x86_64 TLS) and set_tid_address. After them, as PID 1 without
// arguments (11 in all on x86_64, 10 where there is no arch_prctl):
//   rt_sigaction x3   the handlers, before anything else can happen to us
//   getpid            PID 1 or not
//   rt_sigprocmask    the mask inherited across execve, cleared
//   wait4             children that died before the SIGCHLD handler existed
//   chdir             "/", so that no mount is kept busy
//   close_range       every inherited fd above stderr
//   pause             the sleep (ppoll on arm64 and riscv64)
// Not PID 1 adds rt_sigaction x2 (SIGPIPE, SIGXFSZ ignored), prctl, and the
// warning: rt_sigprocmask x2, statx, pwritev2.
int main(int argc, char** argv) {
  // Handlers first, before any output: a SIGTERM during start-up must still
  // end in a clean exit 0, never in the default action.
  if (!install(SIGINT, on_shutdown, 0, WhileRunning::kBlockAll)) return 1;
  if (!install(SIGTERM, on_shutdown, 0, WhileRunning::kBlockAll)) return 2;
  if (!install(SIGCHLD, on_child_exit, SA_NOCLDSTOP, WhileRunning::kLetShutdownIn)) return 3;
  // Not PID 1, the kernel's protection of a namespace's init does not apply:
  // SIGPIPE and SIGXFSZ are ignored before the inherited mask is cleared, so
  // that one the parent left pending cannot kill us either.
  const bool pid1 = getpid() == 1;
  if (!pid1) ignore_what_writing_raises();
  // The signal mask survives execve: a parent that blocked SIGTERM or SIGCHLD
  // would leave us deaf to shutdown and never reaping. Signals it left pending
  // are delivered now.
  if (!set_signal_mask(kNoSignal)) {
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
  note_ignored(argc, argv);

  if (!pid1) {
    // Only PID 1 inherits orphans by default; as a subreaper we still get the
    // orphans of our descendants and so can reap them.
    const bool subreaper = syscall(SYS_prctl, PR_SET_CHILD_SUBREAPER, 1UL, 0UL, 0UL, 0UL) == 0;
    say(STDERR_FILENO, literal("Warning: pause should be the first process\n"));
    if (!subreaper) say(STDERR_FILENO, literal("Warning: cannot become a subreaper: orphans will not be reaped\n"));
  }

  // A cwd on some mount would keep that mount busy for the pod's whole life.
  if (chdir("/") != 0) say(STDERR_FILENO, literal("Warning: cannot change directory to /\n"));
  if (!close_inherited_fds()) say(STDERR_FILENO, literal("Warning: cannot close inherited file descriptors\n"));

  // pause() only ever returns -1/EINTR (a handler ran; under qemu-user also
  // for a signal we ignore). Anything else (a seccomp filter refusing it, say)
  // would make this a busy loop: stop instead.
  while (pause() == -1 && errno == EINTR) {
  }
  say(STDERR_FILENO, literal("Error: infinite loop terminated\n"));
  return 42;
}
