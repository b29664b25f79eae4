#include "process.h"

#include <dirent.h>
#include <elf.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string_view>
#include <thread>

#include "arches.h"    // generated from cmake/arches.tsv
#include "contract.h"  // generated from tests/contract.tsv

#ifndef PAUSE_DEFAULT_BIN
#error "PAUSE_DEFAULT_BIN must be defined by the build"
#endif

namespace pausetest {

namespace {

// The qemu-user emulator for an ELF file of another machine, empty for the host's.
std::string emulator_for(const std::string& path) {
  Elf64_Ehdr header{};  // e_ident and e_machine sit at the same offsets in ELF32
  std::ifstream file(path, std::ios::binary);
  file.read(reinterpret_cast<char*>(&header), sizeof header);
  if (!file || std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0) return "";
  const bool big_endian = header.e_ident[EI_DATA] == ELFDATA2MSB;
  const unsigned machine = big_endian ? (header.e_machine >> 8 | (header.e_machine & 0xff) << 8) : header.e_machine;
  struct utsname host {};
  uname(&host);
  for (const ArchRow& row : kArches) {
    if (row.elf_machine == machine && std::strcmp(host.machine, row.uname_machine) == 0) return "";
  }
  for (const ArchRow& row : kArches) {
    if (row.elf_machine == machine) return row.qemu_user;
  }
  return "";
}

}  // namespace

Binary Binary::from_environment() {
#ifdef PAUSE_PINNED_BIN
  return Binary{PAUSE_DEFAULT_BIN, emulator_for(PAUSE_DEFAULT_BIN)};
#else
  const char* path_set = std::getenv("PAUSE_BIN");
  const std::string path = path_set != nullptr && *path_set != '\0' ? path_set : PAUSE_DEFAULT_BIN;
  const char* emulator = std::getenv("PAUSE_EMULATOR");
  return Binary{path, emulator != nullptr ? emulator : emulator_for(path)};
#endif
}

std::vector<std::string> Binary::command(const std::vector<std::string>& args) const {
  std::vector<std::string> argv;
  if (!emulator.empty()) argv.push_back(emulator);
  argv.push_back(path);
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

namespace {

std::vector<char*> c_strings(const std::vector<std::string>& words) {
  std::vector<char*> pointers;
  pointers.reserve(words.size() + 1);
  std::transform(words.begin(), words.end(), std::back_inserter(pointers),
                 [](const std::string& word) { return const_cast<char*>(word.c_str()); });
  pointers.push_back(nullptr);
  return pointers;
}

[[noreturn]] void exec_or_die(const std::vector<std::string>& command, const std::vector<std::string>& env) {
  std::vector<char*> argv = c_strings(command);
  if (env.empty()) {
    execvp(argv[0], argv.data());
  } else {
    std::vector<char*> envp = c_strings(env);
    execvpe(argv[0], argv.data(), envp.data());
  }
  const std::string message = "cannot exec " + command[0] + ": " + std::strerror(errno) + "\n";
  (void)!write(STDERR_FILENO, message.data(), message.size());
  _exit(127);
}

// fork(), but the child is PID 1 of a new PID namespace. With a null stack the
// raw clone behaves like fork on every architecture.
pid_t fork_into_new_pid_namespace() {
  return static_cast<pid_t>(syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, nullptr, nullptr, nullptr, nullptr));
}

// The host syscalls a sleeping pause can be in: pause(2) natively on x86_64,
// ppoll(2) on arches without pause(2), sigsuspend when qemu-user emulates it.
bool is_sleeping_syscall(long number) {
  switch (number) {
#ifdef SYS_pause
    case SYS_pause:
#endif
    case SYS_ppoll:
    case SYS_rt_sigsuspend:
      return true;
    default:
      return false;
  }
}

}  // namespace

Pause Pause::start(const Binary& binary, const StartOptions& options) {
  int out_pipe[2];
  int err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) std::abort();
  // Room for a whole run's output (the argument tests write up to ~1 MB): pause
  // drops what stderr cannot take at once, and we read only at exit.
  for (const int fd : {out_pipe[1], err_pipe[1]}) (void)fcntl(fd, F_SETPIPE_SZ, 1 << 20);
  const std::vector<std::string> command = binary.command(options.args);
  const pid_t child = options.as_pid1 ? fork_into_new_pid_namespace() : fork();
  if (child < 0) std::abort();
  if (child == 0) {
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(err_pipe[1], STDERR_FILENO);
    const int null = open("/dev/null", O_RDONLY);
    dup2(null, STDIN_FILENO);
    close(null);
    if (!options.cwd.empty() && chdir(options.cwd.c_str()) != 0) _exit(126);
    if (options.before_exec) options.before_exec();
    exec_or_die(command, options.env);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  fcntl(out_pipe[0], F_SETFL, O_NONBLOCK);
  fcntl(err_pipe[0], F_SETFL, O_NONBLOCK);
  return {child, out_pipe[0], err_pipe[0]};
}

Pause::Pause(Pause&& other) noexcept
    : pid_(other.pid_), out_fd_(other.out_fd_), err_fd_(other.err_fd_), reaped_(other.reaped_) {
  other.pid_ = -1;
  other.out_fd_ = -1;
  other.err_fd_ = -1;
}

Pause::~Pause() {
  if (pid_ > 0 && !reaped_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (out_fd_ >= 0) close(out_fd_);
  if (err_fd_ >= 0) close(err_fd_);
}

bool Pause::wait_asleep(Millis timeout) const {
  return eventually(
      [this] {
        const auto info = process_info(pid_);
        return info && info->state == 'S' && is_sleeping_syscall(current_syscall(pid_));
      },
      timeout);
}

std::optional<int> Pause::wait_exit(Millis timeout) {
  if (reaped_) return std::nullopt;
  int status = 0;
  const bool exited = eventually([&] { return waitpid(pid_, &status, WNOHANG) == pid_; }, timeout);
  if (!exited) return std::nullopt;
  reaped_ = true;
  status_ = status;
  drain();
  return status;
}

bool Pause::running() {
  if (reaped_) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    reaped_ = true;
    status_ = status;
    drain();
    return false;
  }
  return true;
}

void Pause::signal(int signo) const { kill(pid_, signo); }

void Pause::drain() {
  char buffer[4096];
  for (auto [fd, text] : {std::pair{out_fd_, &out_}, std::pair{err_fd_, &err_}}) {
    ssize_t n = 0;
    while ((n = read(fd, buffer, sizeof buffer)) > 0) text->append(buffer, static_cast<size_t>(n));
  }
}

std::string Pause::out() {
  drain();
  return out_;
}

std::string Pause::err() {
  drain();
  return err_;
}

int run_in_pid_namespace_of(pid_t member, const std::function<int()>& body, Millis timeout) {
  const pid_t middle = fork();
  if (middle < 0) return -1;
  if (middle == 0) {
    const std::string path = "/proc/" + std::to_string(member) + "/ns/pid";
    const int ns = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (ns < 0 || setns(ns, CLONE_NEWPID) != 0) _exit(125);
    const pid_t inside = fork();  // setns moves our children, not us
    if (inside < 0) _exit(124);
    if (inside == 0) _exit(body());
    int status = 0;
    waitpid(inside, &status, 0);
    _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  }
  int status = 0;
  if (!eventually([&] { return waitpid(middle, &status, WNOHANG) == middle; }, timeout)) {
    kill(middle, SIGKILL);
    waitpid(middle, nullptr, 0);
    return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int make_orphans(pid_t member, int count) {
  return run_in_pid_namespace_of(
      member,
      [count] {
        int made = 0;
        for (int i = 0; i < count; ++i) {
          const pid_t parent = fork();
          if (parent < 0) break;
          if (parent == 0) {
            const pid_t orphan = fork();
            if (orphan == 0) _exit(0);
            _exit(orphan > 0 ? 0 : 1);  // leaves its child an orphan
          }
          int status = 0;
          waitpid(parent, &status, 0);
          if (WIFEXITED(status) && WEXITSTATUS(status) == 0) ++made;
        }
        return made == count ? 0 : 1;
      },
      600s);
}

int make_blocked_orphans(pid_t member, int count, const int release[2]) {
  return run_in_pid_namespace_of(member, [count, release] {
    close(release[1]);
    for (int i = 0; i < count; ++i) {
      const pid_t orphan = fork();
      if (orphan < 0) return 1;
      if (orphan == 0) {
        char byte;
        (void)!read(release[0], &byte, 1);
        _exit(0);
      }
    }
    return 0;
  });
}

std::optional<ProcessInfo> process_info(pid_t pid) {
  const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  // The command name may hold spaces and parentheses: fields resume after the last ')'.
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(stat.substr(close + 1));
  ProcessInfo info{pid, 0, '?'};
  rest >> info.state >> info.ppid;
  if (!rest) return std::nullopt;
  return info;
}

std::vector<ProcessInfo> children_of(pid_t parent) {
  std::vector<ProcessInfo> children;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return children;
  while (const dirent* entry = readdir(proc)) {
    char* end = nullptr;
    const long pid = std::strtol(entry->d_name, &end, 10);
    if (*end != '\0' || pid <= 0) continue;
    const auto info = process_info(static_cast<pid_t>(pid));
    if (info && info->ppid == parent) children.push_back(*info);
  }
  closedir(proc);
  return children;
}

int count_zombies_of(pid_t parent) {
  const auto children = children_of(parent);
  return static_cast<int>(
      std::count_if(children.begin(), children.end(), [](const ProcessInfo& child) { return child.state == 'Z'; }));
}

std::string proc_field(pid_t pid, const std::string& file, const std::string& key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/" + file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.compare(0, key.size() + 1, key + ":") == 0) {
      const auto value = line.find_first_not_of(" \t", key.size() + 1);
      return value == std::string::npos ? "" : line.substr(value);
    }
  }
  return "";
}

long current_syscall(pid_t pid) {
  const std::string syscall = read_file("/proc/" + std::to_string(pid) + "/syscall");
  char* end = nullptr;
  const long number = std::strtol(syscall.c_str(), &end, 10);
  return end == syscall.c_str() ? -1 : number;
}

Activity activity_of(pid_t pid) {
  Activity total;
  const std::string task_dir = "/proc/" + std::to_string(pid) + "/task/";
  for (const auto& tid : list_directory(task_dir)) {
    std::ifstream schedstat(task_dir + tid + "/schedstat");
    unsigned long long on_cpu = 0;
    if (!(schedstat >> on_cpu)) continue;
    ++total.tasks_read;
    total.cpu_ns += on_cpu;
    std::ifstream status(task_dir + tid + "/status");
    std::string line;
    while (std::getline(status, line)) {
      if (line.rfind("voluntary_ctxt_switches:", 0) == 0 || line.rfind("nonvoluntary_ctxt_switches:", 0) == 0) {
        total.context_switches += std::stoull(line.substr(line.find(':') + 1));
      }
    }
  }
  return total;
}

std::vector<std::string> list_directory(const std::string& path) {
  std::vector<std::string> names;
  DIR* dir = opendir(path.c_str());
  if (dir == nullptr) return names;
  while (const dirent* entry = readdir(dir)) {
    const std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  closedir(dir);
  return names;
}

std::vector<std::string> open_fds(pid_t pid) { return list_directory("/proc/" + std::to_string(pid) + "/fd"); }

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

int unlinked_temp_file() {
  char path[] = "/tmp/pause-file-XXXXXX";
  const int file = mkstemp(path);
  if (file >= 0) unlink(path);
  return file;
}

std::string read_link(const std::string& path) {
  char target[4096];
  const ssize_t n = readlink(path.c_str(), target, sizeof target);
  return n < 0 ? "" : std::string(target, static_cast<size_t>(n));
}

bool eventually(const std::function<bool()>& condition, Millis timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
}

bool eventually_stable(const std::function<bool()>& condition, Millis timeout, Millis stable) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (!eventually(condition, std::chrono::duration_cast<Millis>(deadline - std::chrono::steady_clock::now())))
      return false;
    const auto settled = std::chrono::steady_clock::now() + stable;
    bool held = true;
    while (held && std::chrono::steady_clock::now() < settled) {
      held = condition();
      std::this_thread::sleep_for(2ms);
    }
    if (held) return true;
  }
}

void refuse_syscall(long number, int error, std::optional<unsigned long> first_argument) {
#if defined(__x86_64__)
  constexpr unsigned kArch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
  constexpr unsigned kArch = AUDIT_ARCH_AARCH64;
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  constexpr unsigned kArch = AUDIT_ARCH_PPC64LE;
#elif defined(__arm__)  // the VM suites (tests/vm)
  constexpr unsigned kArch = AUDIT_ARCH_ARM;
#elif defined(__s390x__)
  constexpr unsigned kArch = AUDIT_ARCH_S390X;
#else
  // cppcheck-suppress preprocessorErrorDirective
#error "refuse_syscall: add this arch"
#endif
  // The low 32 bits of args[0] (a 64-bit field: the second word on big-endian s390x).
  constexpr unsigned kFirstArgument = offsetof(seccomp_data, args) + (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ? 4 : 0);
  const unsigned refuse = SECCOMP_RET_ERRNO | (static_cast<unsigned>(error) & SECCOMP_RET_DATA);
  const unsigned char argument_check = first_argument ? 2 : 0;
  sock_filter program[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kArch, 0, static_cast<unsigned char>(3 + argument_check)),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, static_cast<unsigned>(number), 0,
               static_cast<unsigned char>(1 + argument_check)),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kFirstArgument),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, static_cast<unsigned>(first_argument.value_or(0)), 0, 1),
      BPF_STMT(BPF_RET | BPF_K, refuse),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  sock_fprog filter = {};
  if (first_argument) {
    filter = {static_cast<unsigned short>(std::size(program)), program};
  } else {
    // Without the argument check: arch, nr, refuse, allow.
    program[4] = program[6];
    program[5] = program[7];
    filter = {6, program};
  }
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &filter) != 0) {
    const char message[] = "refuse_syscall: cannot install the seccomp filter\n";
    (void)!write(STDERR_FILENO, message, sizeof message - 1);
    _exit(125);
  }
}

std::string host_arch() {
  struct utsname host {};
  uname(&host);
  for (const ArchRow& row : kArches) {
    if (std::strcmp(host.machine, row.uname_machine) == 0) return row.arch;
  }
  return "";
}

std::string output_of(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);  // NOLINT(cert-env33-c)
  if (!pipe) return "";
  std::string text;
  std::array<char, 4096> buffer{};
  size_t n = 0;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe.get())) > 0) text.append(buffer.data(), n);
  return text;
}

std::string documented_version_line() {
  // In a VM of another arch the sources are not at hand: tests/vm/run.sh
  // computes the same line from them on the host.
  if (const char* given = std::getenv("PAUSE_DOCUMENTED_VERSION")) return std::string(given) + "\n";
  std::ifstream file(std::string(PAUSE_SOURCE_DIR) + "/VERSION");
  std::string version;
  std::getline(file, version);
  std::string quoted = "'";
  for (const char c : std::string(PAUSE_SOURCE_DIR)) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  quoted += "'";
  std::string revision = output_of("git -C " + quoted + " rev-parse HEAD 2>/dev/null");
  revision = revision.substr(0, revision.find('\n'));
  return "pause v" + version + (revision.size() == 40 ? "+g" + revision.substr(0, 12) : "") + "\n";
}

StartupTrace trace_startup_as_pid1(const Binary& binary, const std::vector<std::string>& args) {
  char log[] = "/tmp/pause-strace-XXXXXX";
  const int fd = mkstemp(log);
  if (fd < 0) return {};
  close(fd);
  std::vector<std::string> strace = {"-f", "-qq", "-T", "-o", log, "unshare", "--pid", "--fork", "--kill-child"};
  const auto command = binary.command(args);
  strace.insert(strace.end(), command.begin(), command.end());
  StartOptions options;
  options.args = strace;
  Pause tracer = Pause::start(Binary{"strace", ""}, options);
  // The traced pause is unshare's child. A loaded machine can take seconds to
  // get strace, unshare and pause going, so wait until pause is asleep (or the
  // bound passes: the trace then shows where it got to), and let the sleep
  // outlast the half second that marks it in the trace before ending it.
  const auto traced_pause = [&]() -> std::optional<pid_t> {
    for (const auto& launcher : children_of(tracer.pid())) {
      for (const auto& traced : children_of(launcher.pid)) return traced.pid;
    }
    return std::nullopt;
  };
  (void)eventually(
      [&] {
        const auto pid = traced_pause();
        const auto info = pid ? process_info(*pid) : std::nullopt;
        return info && info->state == 'S' && is_sleeping_syscall(current_syscall(*pid));
      },
      30s);
  std::this_thread::sleep_for(800ms);
  if (const auto pid = traced_pause()) kill(*pid, SIGTERM);
  (void)tracer.wait_exit(10s);

  std::ifstream in(log);
  std::string line;
  std::string exec_pid;
  std::string traced_pid;
  StartupTrace trace;
  while (std::getline(in, line) && trace.sleeps_in.empty()) {
    const auto space = line.find(' ');
    if (space == std::string::npos) continue;
    const std::string pid = line.substr(0, space);
    const std::string rest = line.substr(line.find_first_not_of(' ', space));
    if (traced_pid.empty()) {
      // strace splits the execve in two ("<unfinished ...>", then "<... execve
      // resumed>") when another traced process prints in between.
      if (rest.rfind("execve(\"" + command[0], 0) == 0) exec_pid = pid;
      const bool exec_line = rest.rfind("execve(", 0) == 0 || rest.rfind("<... execve resumed>", 0) == 0;
      if (pid == exec_pid && exec_line && rest.find(" = 0 <") != std::string::npos) traced_pid = pid;
      continue;
    }
    if (pid != traced_pid || rest[0] == '-' || rest[0] == '+') continue;
    const bool resumed = rest.rfind("<... ", 0) == 0;
    const std::string name = resumed ? rest.substr(5, rest.find(' ', 5) - 5) : rest.substr(0, rest.find('('));
    if (!resumed) {
      trace.calls.push_back(name);
      trace.lines.push_back(rest);
    }
    const auto open = rest.rfind('<');
    const double seconds =
        open != std::string::npos && rest.back() == '>' ? std::strtod(rest.c_str() + open + 1, nullptr) : 0;
    if (seconds > 0.5) trace.sleeps_in = name;
  }
  if (std::getenv("PAUSE_KEEP_TRACE") == nullptr) unlink(log);
  return trace;
}

long size_budget(const std::string& arch) {
  long any_other = 0;
  for (const auto& budget : kSizeBudgets) {
    if (arch == budget.arch) return budget.bytes;
    if (std::string_view(budget.arch) == "*") any_other = budget.bytes;
  }
  return any_other;
}

std::string missing_root_privilege() {
  static const std::string reason = [] {
    if (geteuid() != 0) return std::string("needs root to create PID namespaces (run as root)");
    const pid_t probe = fork_into_new_pid_namespace();
    if (probe == 0) _exit(0);
    if (probe < 0) return std::string("cannot create a PID namespace: ") + std::strerror(errno);
    waitpid(probe, nullptr, 0);
    return std::string();
  }();
  return reason;
}

bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::strcmp(ci, "true") == 0;
}

}  // namespace pausetest
