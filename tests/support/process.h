// Helpers to run the real pause binary as a process (optionally as PID 1 of a
// fresh PID namespace) and to look at it through /proc. Shared by the tests and
// the benchmark.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace pausetest {

using namespace std::chrono_literals;
using Millis = std::chrono::milliseconds;

// Which pause to run: $PAUSE_BIN (default: the host binary of this build).
// A binary for another architecture runs under its qemu-user emulator
// ($PAUSE_EMULATOR, else the one its ELF header calls for). Built with
// PAUSE_PINNED_BIN (the sanitized suites), always the build's own binary.
struct Binary {
  std::string path;
  std::string emulator;  // empty: run natively
  static Binary from_environment();
  [[nodiscard]] std::vector<std::string> command(const std::vector<std::string>& args) const;
};

struct StartOptions {
  std::vector<std::string> args;
  bool as_pid1 = false;               // in a fresh PID namespace (needs root)
  std::string cwd;                    // empty: the test's own
  std::vector<std::string> env;       // empty: the test's own environment
  std::function<void()> before_exec;  // runs in the child, just before execve
};

// A running pause. The destructor kills it (and, as PID 1, its whole namespace)
// if it is still there, so a failing test leaves nothing behind.
class Pause {
 public:
  static Pause start(const Binary& binary, const StartOptions& options);
  Pause(Pause&& other) noexcept;
  Pause& operator=(Pause&&) = delete;
  Pause(const Pause&) = delete;
  ~Pause();

  [[nodiscard]] pid_t pid() const { return pid_; }
  // Handlers installed and asleep in pause()/ppoll()/sigsuspend (the latter two
  // are what it sleeps in on some arches and under qemu-user).
  [[nodiscard]] bool wait_asleep(Millis timeout = 10s) const;
  // The wait status once it exited, nullopt on timeout.
  std::optional<int> wait_exit(Millis timeout = 10s);
  bool running();
  // The wait status, once running() or wait_exit() saw it exit.
  [[nodiscard]] int wait_status() const { return status_; }
  void signal(int signo) const;
  // What it wrote, once it exited (pipes read to end of file).
  std::string out();
  std::string err();

 private:
  Pause(pid_t pid, int out_fd, int err_fd) : pid_(pid), out_fd_(out_fd), err_fd_(err_fd) {}
  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  bool reaped_ = false;
  int status_ = 0;
  std::string out_, err_;
  void drain();
};

// Runs `body` in a grandchild that lives in the PID namespace of `member`; the
// grandchild's own children become orphans of that namespace's init when it
// returns. Returns the body's exit code, or -1 if it did not finish in time.
int run_in_pid_namespace_of(pid_t member, const std::function<int()>& body, Millis timeout = 30s);

// Orphans in the PID namespace of `member` (the grandchild that made them has
// exited), for pause to adopt. Both return 0 once every one was made (counted),
// non-zero otherwise.
// make_orphans: each exits at once, left by a parent that exited before it.
int make_orphans(pid_t member, int count);
// make_blocked_orphans: each blocks until the write end of `release` is closed.
int make_blocked_orphans(pid_t member, int count, const int release[2]);

// Process facts from /proc (host view).
struct ProcessInfo {
  pid_t pid;
  pid_t ppid;
  char state;
};
std::vector<ProcessInfo> children_of(pid_t parent);
int count_zombies_of(pid_t parent);
std::optional<ProcessInfo> process_info(pid_t pid);
// The value of "Key:   value" in /proc/PID/<file> (status, smaps_rollup), or empty.
std::string proc_field(pid_t pid, const std::string& file, const std::string& key);
inline std::string status_field(pid_t pid, const std::string& key) { return proc_field(pid, "status", key); }
// The number of the syscall it is blocked in (/proc/PID/syscall), -1 if running or gone.
long current_syscall(pid_t pid);
// CPU time and context switches so far, summed over all threads (qemu-user has
// a helper thread of its own): a sleeping process adds to neither.
struct Activity {
  unsigned long long cpu_ns = 0;
  unsigned long long context_switches = 0;
  int tasks_read = 0;  // 0: /proc/PID/task could not be read, the figures mean nothing
};
Activity activity_of(pid_t pid);
std::vector<std::string> list_directory(const std::string& path);  // without . and ..
std::vector<std::string> open_fds(pid_t pid);
std::string read_link(const std::string& path);
// A new empty file under /tmp, already unlinked (only the fd names it), or -1.
int unlinked_temp_file();
// A whole file ("" if it cannot be read).
std::string read_file(const std::string& path);

// Polls `condition` every few ms until it holds or `timeout` passes.
bool eventually(const std::function<bool()>& condition, Millis timeout);
// `condition` holds, and still holds `stable` later (checked every few ms): for
// counts that a late event could still change, such as zombies.
bool eventually_stable(const std::function<bool()>& condition, Millis timeout, Millis stable = 500ms);

// For before_exec: from now on this process (and what it execs) gets `error`
// from syscall `number`, or only when its first argument is `first_argument`.
// A seccomp filter on the native arch; qemu-user's own calls are filtered too.
void refuse_syscall(long number, int error, std::optional<unsigned long> first_argument = std::nullopt);

// The size budget of an arch's stripped binary, in bytes (tests/contract.tsv,
// the one place budgets are stated; its startup syscall budget is
// kStartupSyscallBudget of the generated contract.h).
long size_budget(const std::string& arch);

// The arch this machine is in cmake/arches.tsv ("amd64", ...), empty if none.
std::string host_arch();

// strace of `binary args` started as PID 1 of a new PID namespace (util-linux
// unshare launches it; strace follows), from its execve until the syscall it
// sleeps in (the first that lasts over half a second). Needs root and strace.
struct StartupTrace {
  std::vector<std::string> lines;  // each call after execve, as strace printed it
  std::vector<std::string> calls;  // their names, the sleep included
  std::string sleeps_in;           // empty: it never reached a sleep
};
StartupTrace trace_startup_as_pid1(const Binary& binary, const std::vector<std::string>& args = {});

// The version line docs/behaviour.md documents, from sources the build does
// not share with the binary: the VERSION file and the checkout's commit (git,
// when the tree is a git checkout): "pause v<VERSION>[+g<12 hex digits>]\n".
std::string documented_version_line();

// What a shell command printed on stdout (for binutils, strace, jq: tools
// run on paths the build made).
std::string output_of(const std::string& command);

// Why root-only tests cannot run here, or empty if they can.
std::string missing_root_privilege();
// True under CI=true, where a missing prerequisite must fail, never skip.
bool in_ci();

}  // namespace pausetest
