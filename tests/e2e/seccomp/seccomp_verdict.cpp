// For e2e.seccomp.compat: what the seccomp filters of a running process do to
// one system call, read out of the kernel (PTRACE_SECCOMP_GET_FILTER) and run
// here as the kernel runs classic BPF. It answers for a call through the 32-bit
// ABI also on kernels built or booted without that ABI, where `int $0x80`
// faults before seccomp sees it and a live probe has nothing to show.
//
// Usage: seccomp_verdict PID ARCH NR    ARCH: x86_64, i386 or AUDIT_ARCH_* as a number
// Prints one word: allow, kill-process, kill-thread, trap, errno, user-notif,
// trace or log (the strongest action of all the filters, as the kernel takes
// it); "allow" also when the process has no filter. Exit 2 with a reason when
// it cannot tell (no such process, no ptrace, an instruction it does not know).
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

[[noreturn]] void cannot_tell(const std::string& why) {
  (void)std::fprintf(stderr, "seccomp_verdict: %s\n", why.c_str());
  std::exit(2);
}

// Classic BPF as seccomp allows it: loads from seccomp_data, scratch memory,
// ALU and forward jumps only, so the run ends within the program's length.
uint32_t run_filter(const std::vector<sock_filter>& program, const seccomp_data& data) {
  uint32_t a = 0;
  uint32_t x = 0;
  uint32_t memory[BPF_MEMWORDS] = {};
  for (size_t pc = 0; pc < program.size(); ++pc) {
    const sock_filter& op = program[pc];
    const uint32_t k = op.k;
    const uint32_t operand = BPF_SRC(op.code) == BPF_X ? x : k;
    switch (BPF_CLASS(op.code)) {
      case BPF_LD:
      case BPF_LDX: {
        uint32_t value = 0;
        switch (BPF_MODE(op.code)) {
          case BPF_ABS:
            if (k % 4 != 0 || k + 4 > sizeof data) cannot_tell("a load outside seccomp_data at " + std::to_string(k));
            std::memcpy(&value, reinterpret_cast<const char*>(&data) + k, 4);
            break;
          case BPF_LEN:
            value = sizeof data;
            break;
          case BPF_IMM:
            value = k;
            break;
          case BPF_MEM:
            value = memory[k % BPF_MEMWORDS];
            break;
          default:
            cannot_tell("load mode " + std::to_string(op.code));
        }
        (BPF_CLASS(op.code) == BPF_LD ? a : x) = value;
        break;
      }
      case BPF_ST:
        memory[k % BPF_MEMWORDS] = a;
        break;
      case BPF_STX:
        memory[k % BPF_MEMWORDS] = x;
        break;
      case BPF_ALU:
        switch (BPF_OP(op.code)) {
          case BPF_ADD:
            a += operand;
            break;
          case BPF_SUB:
            a -= operand;
            break;
          case BPF_MUL:
            a *= operand;
            break;
          case BPF_DIV:
            a = operand == 0 ? 0 : a / operand;
            break;
          case BPF_MOD:
            a = operand == 0 ? 0 : a % operand;
            break;
          case BPF_OR:
            a |= operand;
            break;
          case BPF_AND:
            a &= operand;
            break;
          case BPF_XOR:
            a ^= operand;
            break;
          case BPF_LSH:
            a = operand < 32 ? a << operand : 0;
            break;
          case BPF_RSH:
            a = operand < 32 ? a >> operand : 0;
            break;
          case BPF_NEG:
            a = 0U - a;
            break;
          default:
            cannot_tell("ALU op " + std::to_string(op.code));
        }
        break;
      case BPF_JMP: {
        bool taken = false;
        switch (BPF_OP(op.code)) {
          case BPF_JA:
            pc += k;
            continue;
          case BPF_JEQ:
            taken = a == operand;
            break;
          case BPF_JGT:
            taken = a > operand;
            break;
          case BPF_JGE:
            taken = a >= operand;
            break;
          case BPF_JSET:
            taken = (a & operand) != 0;
            break;
          default:
            cannot_tell("jump op " + std::to_string(op.code));
        }
        pc += taken ? op.jt : op.jf;
        break;
      }
      case BPF_RET:
        return BPF_RVAL(op.code) == BPF_A ? a : k;
      case BPF_MISC:
        if (BPF_MISCOP(op.code) == BPF_TAX) {
          x = a;
        } else {
          a = x;
        }
        break;
      default:
        cannot_tell("instruction class " + std::to_string(op.code));
    }
  }
  cannot_tell("a filter ran off its end");
}

const char* action_name(uint32_t action) {
  switch (action) {
    case SECCOMP_RET_KILL_PROCESS:
      return "kill-process";
    case SECCOMP_RET_KILL_THREAD:
      return "kill-thread";
    case SECCOMP_RET_TRAP:
      return "trap";
    case SECCOMP_RET_ERRNO:
      return "errno";
    case SECCOMP_RET_USER_NOTIF:
      return "user-notif";
    case SECCOMP_RET_TRACE:
      return "trace";
    case SECCOMP_RET_LOG:
      return "log";
    case SECCOMP_RET_ALLOW:
      return "allow";
    default:
      return "unknown";
  }
}

// The process's filters, newest first (index 0), while it is held in a ptrace stop.
std::vector<std::vector<sock_filter>> filters_of(pid_t pid) {
  if (ptrace(PTRACE_SEIZE, pid, nullptr, nullptr) != 0) cannot_tell("PTRACE_SEIZE: " + std::string(strerror(errno)));
  if (ptrace(PTRACE_INTERRUPT, pid, nullptr, nullptr) != 0) cannot_tell("PTRACE_INTERRUPT failed");
  int status = 0;
  if (waitpid(pid, &status, __WALL) != pid) cannot_tell("waitpid on the tracee failed");
  std::vector<std::vector<sock_filter>> filters;
  for (unsigned long index = 0;; ++index) {
    // The index goes where the address would.
    const long count = ptrace(PTRACE_SECCOMP_GET_FILTER, pid, index, nullptr);
    if (count < 0 && errno == ENOENT) break;                // past the oldest filter
    if (count < 0 && errno == EINVAL && index == 0) break;  // no filter at all (seccomp mode 0)
    if (count <= 0) cannot_tell("PTRACE_SECCOMP_GET_FILTER: " + std::string(strerror(errno)));
    std::vector<sock_filter> program(static_cast<size_t>(count));
    if (ptrace(PTRACE_SECCOMP_GET_FILTER, pid, index, program.data()) != count) {
      cannot_tell("PTRACE_SECCOMP_GET_FILTER changed size");
    }
    filters.push_back(std::move(program));
  }
  ptrace(PTRACE_DETACH, pid, nullptr, nullptr);
  return filters;
}

long number_in(const char* text, const char* what) {
  char* end = nullptr;
  errno = 0;
  const long value = std::strtol(text, &end, 0);
  if (errno != 0 || end == text || *end != '\0' || value < 0) cannot_tell(std::string("not a ") + what + ": " + text);
  return value;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) cannot_tell("usage: seccomp_verdict PID x86_64|i386|AUDIT_ARCH NR");
  const std::string arch_name = argv[2];
  seccomp_data data{};
  data.nr = static_cast<int>(number_in(argv[3], "system call number"));
  data.arch = arch_name == "x86_64" ? AUDIT_ARCH_X86_64
              : arch_name == "i386" ? AUDIT_ARCH_I386
                                    : static_cast<uint32_t>(number_in(argv[2], "AUDIT_ARCH"));
  // As the kernel combines them: every filter runs, the lowest action (as a
  // signed value: kill-process first, allow last) is what happens.
  auto strongest = static_cast<int32_t>(SECCOMP_RET_ALLOW);
  for (const auto& program : filters_of(static_cast<pid_t>(number_in(argv[1], "pid")))) {
    const auto action = static_cast<int32_t>(run_filter(program, data) & SECCOMP_RET_ACTION_FULL);
    if (action < strongest) strongest = action;
  }
  (void)std::puts(action_name(static_cast<uint32_t>(strongest)));
  return 0;
}
