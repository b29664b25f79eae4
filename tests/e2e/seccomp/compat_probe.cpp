// For e2e.seccomp.compat (x86_64): makes getpid through the native ABI and
// through the 32-bit one (int $0x80), and reports each on stdout. Under
// pause's profile the first must be allowed and the second refused (docs/seccomp.md:
// the filter covers the native arch only); without a profile both work. No
// libc: nothing but these calls, write and exit_group.
namespace {

long native_syscall(long number, long a = 0, long b = 0, long c = 0) {
  long result = 0;
  asm volatile("syscall" : "=a"(result) : "a"(number), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
  return result;
}

long compat_syscall(long number) {
  long result = 0;
  asm volatile("int $0x80" : "=a"(result) : "a"(number) : "memory");
  return result;
}

void say(const char* text) {
  long size = 0;
  while (text[size] != '\0') ++size;
  native_syscall(1 /* write */, 1, reinterpret_cast<long>(text), size);
}

}  // namespace

extern "C" [[noreturn]] void _start() {
  say(native_syscall(39 /* getpid */) > 0 ? "native: allowed\n" : "native: refused\n");
  // A refusal may also kill us (SIGSYS) right here: the test counts that as refused.
  const long compat = compat_syscall(20 /* i386 getpid */);
  say(compat > 0 ? "compat: allowed\n" : "compat: refused\n");
  native_syscall(231 /* exit_group */, 0);
  __builtin_unreachable();
}
