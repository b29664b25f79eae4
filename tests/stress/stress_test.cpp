// Storms and the signal table: what a pod can throw at its PID 1 for the
// pod's whole life (label stress).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/expect.h"
#include "support/process.h"

namespace pausetest {
namespace {

const Binary kPause = Binary::from_environment();
constexpr long kPageKb = 4;

long vm_rss_kb(pid_t pid) { return std::stol(status_field(pid, "VmRSS")); }

Pause start_pid1() {
  Pause pause = Pause::start(kPause, {.as_pid1 = true});
  EXPECT_TRUE(pause.wait_asleep());
  return pause;
}

// After a storm: no zombie left (eventually, and still none half a second
// later), and pause's memory within a page of what it was before.
void expect_no_zombie_and_flat_rss(Pause& pause, long rss_before, const char* storm) {
  EXPECT_TRUE(eventually_stable([&] { return count_zombies_of(pause.pid()) == 0; }, 30s))
      << count_zombies_of(pause.pid()) << " zombies left";
  const long rss_after = vm_rss_kb(pause.pid());
  std::cout << storm << ": VmRSS " << rss_before << " kB before, " << rss_after << " kB after\n";
  EXPECT_LE(rss_after - rss_before, kPageKb);
}

TEST(StressLong, HundredThousandOrphansInBurstsLeaveNoZombieAndNoGrowth) {
  PAUSE_REQUIRE_ROOT();
  Pause pause = start_pid1();
  const long rss_before = vm_rss_kb(pause.pid());
  for (int burst = 0; burst < 100; ++burst) ASSERT_EQ(make_orphans(pause.pid(), 1000), 0) << "burst " << burst;
  expect_no_zombie_and_flat_rss(pause, rss_before, "100,000 orphans");
  expect_clean_exit_on_sigterm(pause);
}

// Long (label stress-long, not make check): 16 to 20 s where a fork and exit take 1.5 ms.
TEST(StressLong, MillionMixedSignalsWhileOrphansExit) {
  PAUSE_REQUIRE_ROOT();
  Pause pause = start_pid1();
  const long rss_before = vm_rss_kb(pause.pid());
  // Two senders inside the namespace, half a million signals each, cycling
  // through SIGCHLD and signals pause leaves at their default; orphans exit meanwhile.
  std::atomic<int> sent{0};
  auto sender = [&] {
    const int code = run_in_pid_namespace_of(
        pause.pid(),
        [] {
          std::vector<int> kinds = {SIGCHLD, SIGHUP, SIGUSR1, SIGUSR2, SIGWINCH, SIGPIPE};
          for (int rt = SIGRTMIN; rt <= SIGRTMAX; ++rt) kinds.push_back(rt);
          for (int i = 0; i < 500'000; ++i) {
            if (kill(1, kinds[static_cast<size_t>(i) % kinds.size()]) != 0) return 1;
          }
          return 0;
        },
        600s);
    if (code == 0) sent += 500'000;
  };
  std::thread first(sender);
  std::thread second(sender);
  const int orphans = make_orphans(pause.pid(), 5000);
  first.join();
  second.join();
  ASSERT_EQ(orphans, 0);
  EXPECT_EQ(sent.load(), 1'000'000);
  ASSERT_TRUE(pause.running()) << "the storm ended pause";
  expect_no_zombie_and_flat_rss(pause, rss_before, "1,000,000 signals + 5,000 orphans");
  expect_clean_exit_on_sigterm(pause);
}

// A stopped pause accumulates zombies; once continued, it reaps them all, and
// stopping/continuing its children wakes it for nothing (SA_NOCLDSTOP).
TEST(Stress, StopAndContinueOfPauseAndOfItsChildren) {
  PAUSE_REQUIRE_ROOT();
  Pause pause = start_pid1();
  int release[2];
  ASSERT_EQ(pipe2(release, O_CLOEXEC), 0);
  ASSERT_EQ(make_blocked_orphans(pause.pid(), 20, release), 0);
  auto children = children_of(pause.pid());
  ASSERT_EQ(children.size(), 20U);
  auto all_children_in_state = [&](char state) {
    return std::all_of(children.begin(), children.end(), [&](const ProcessInfo& child) {
      const auto info = process_info(child.pid);
      return info && info->state == state;
    });
  };
  const std::string switches_before = status_field(pause.pid(), "voluntary_ctxt_switches");
  for (const auto& child : children) kill(child.pid, SIGSTOP);
  // Really stopped before they are continued: each stop is a chance for a SIGCHLD.
  ASSERT_TRUE(eventually([&] { return all_children_in_state('T'); }, 10s)) << "the children did not stop";
  for (const auto& child : children) kill(child.pid, SIGCONT);
  ASSERT_TRUE(eventually([&] { return all_children_in_state('S'); }, 10s)) << "the children did not continue";
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(status_field(pause.pid(), "voluntary_ctxt_switches"), switches_before)
      << "stopping and continuing children woke pause";

  pause.signal(SIGSTOP);
  ASSERT_TRUE(eventually([&] { return process_info(pause.pid())->state == 'T'; }, 5s));
  close(release[1]);
  close(release[0]);
  EXPECT_TRUE(eventually([&] { return count_zombies_of(pause.pid()) == 20; }, 5s))
      << "zombies wait for a stopped pause";
  pause.signal(SIGCONT);
  EXPECT_TRUE(eventually([&] { return children_of(pause.pid()).empty(); }, 5s))
      << count_zombies_of(pause.pid()) << " zombies left after SIGCONT";
  EXPECT_TRUE(pause.wait_asleep()) << "not back asleep (busy loop?)";
  expect_clean_exit_on_sigterm(pause);
}

// A storm of dying orphans never holds up a shutdown: as PID 1 with 2,000 live
// children (each reap scans them) and two processes making orphans that die at
// once, as fast as they can, pause answers SIGTERM with its shutdown line within
// the bound docs/behaviour.md states, 500 ms, and exits 0. The bound is on pause's
// part, up to its line: what follows is the kernel ending and reaping the 2,000
// and the storm before PID 1's exit is seen, which takes as long as the machine
// takes to end processes (not bounded here beyond 10 s). The control that the
// storm was on: pause spent at least 50 ms of the 2 s before SIGTERM reaping
// (130 to 160 ms measured where a fork and exit take 1.5 ms; over 200 ms on faster machines).
TEST(Stress, SigtermDuringAStormEndsItAtOnce) {
  PAUSE_REQUIRE_ROOT();
  Pause pause = start_pid1();
  int release[2];
  ASSERT_EQ(pipe2(release, O_CLOEXEC), 0);
  ASSERT_EQ(make_blocked_orphans(pause.pid(), 2000, release), 0);
  auto storm = [&] {
    // Ends with pause: PID 1's exit kills everything in its namespace.
    (void)run_in_pid_namespace_of(
        pause.pid(),
        [] {
          (void)signal(SIGCHLD, SIG_IGN);  // our own children (the orphans' parents) reap themselves
          const auto until = std::chrono::steady_clock::now() + 30s;
          while (std::chrono::steady_clock::now() < until) {
            if (fork() == 0) {
              if (fork() == 0) _exit(0);
              _exit(0);
            }
          }
          return 0;
        },
        60s);
  };
  const auto before = activity_of(pause.pid());
  std::thread first(storm);
  std::thread second(storm);
  std::this_thread::sleep_for(2s);
  const auto during = activity_of(pause.pid());
  // The test watches for the line at real-time priority: at its normal one it
  // may get no CPU while the kernel ends the namespace's thousands of processes,
  // and would see the line late.
  sched_param realtime{};
  realtime.sched_priority = 1;
  const int realtime_refused = pthread_setschedparam(pthread_self(), SCHED_FIFO, &realtime);
  const auto sent = std::chrono::steady_clock::now();
  pause.signal(SIGTERM);
  const bool said =
      eventually([&] { return pause.err().find("Shutting down, got signal: Terminated\n") != std::string::npos; }, 10s);
  const auto to_line = std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - sent);
  sched_param normal{};
  (void)pthread_setschedparam(pthread_self(), SCHED_OTHER, &normal);
  const auto status = pause.wait_exit(10s);
  const auto to_exit = std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - sent);
  if (!status) kill(pause.pid(), SIGKILL);
  first.join();
  second.join();
  close(release[0]);
  close(release[1]);
  std::cout << "SIGTERM during the storm: shutdown line after " << to_line.count() << " ms, exit seen after "
            << to_exit.count() << " ms; pause reaped for " << (during.cpu_ns - before.cpu_ns) / 1'000'000
            << " ms of the 2 s before\n";
  EXPECT_EQ(realtime_refused, 0) << "SCHED_FIFO refused: a cgroup with no real-time runtime (cpu.rt_runtime_us)?";
  EXPECT_GE(during.cpu_ns - before.cpu_ns, 50'000'000ULL) << "control: no storm to speak of";
  ASSERT_TRUE(said) << "no shutdown line within 10 s of SIGTERM during the storm: " << pause.err();
  ASSERT_TRUE(status.has_value()) << "pause did not exit within 10 s of SIGTERM during the storm";
  ASSERT_TRUE(WIFEXITED(*status)) << "killed by signal " << WTERMSIG(*status);
  EXPECT_EQ(WEXITSTATUS(*status), 0);
  EXPECT_LT(to_line.count(), 500) << "SIGTERM took " << to_line.count() << " ms to reach pause's handler";
}

// --- the signal table: every signal but SIGKILL and SIGSTOP, from three places ---

// "killed" means killed by that very signal; anything else (a failed start,
// a failed send, a timeout, another exit) is reported as what it was.
enum class Outcome { kIgnored, kCleanExit, kKilled, kStopped, kOther };
const char* name_of(Outcome outcome) {
  switch (outcome) {
    case Outcome::kIgnored:
      return "ignored";
    case Outcome::kCleanExit:
      return "exit 0";
    case Outcome::kKilled:
      return "killed";
    case Outcome::kStopped:
      return "stopped";
    case Outcome::kOther:
      return "other";
  }
  return "?";
}

enum class From { kInsideNamespace, kParentNamespace, kNotPid1 };

// SIG_DFL for every signal, through the raw syscall: glibc's sigaction refuses
// its internal signals 32 and 33, which a caller may well have left ignored.
// An all-zero kernel sigaction (handler, flags, restorer, mask) is SIG_DFL on
// every architecture, whatever the order of its fields.
constexpr std::size_t kKernelSigsetBytes = 64 / 8;  // _NSIG / 8
void reset_all_dispositions() {
  const std::uint64_t default_action[4] = {};  // at least as large as the kernel struct
  for (int each = 1; each <= 64; ++each) {
    (void)syscall(SYS_rt_sigaction, each, default_action, nullptr, kKernelSigsetBytes);
  }
}

Outcome send_and_observe(int signo, From from, std::string& detail) {
  // What pause itself makes of each signal, whoever runs the test: default
  // dispositions (a SIG_IGN inherited from the caller would survive execve), and
  // a process group of its own whose parent (this test) is in another group of
  // the same session, so not orphaned: SIGTSTP/SIGTTIN/SIGTTOU are not discarded.
  Pause pause = Pause::start(kPause, {.as_pid1 = from != From::kNotPid1, .before_exec = [] {
                                        reset_all_dispositions();
                                        setpgid(0, 0);
                                      }});
  if (!pause.wait_asleep()) {
    detail = "did not start";
    return Outcome::kOther;
  }
  const int sent = from == From::kInsideNamespace
                       ? run_in_pid_namespace_of(pause.pid(), [signo] { return kill(1, signo) == 0 ? 0 : 1; })
                       : kill(pause.pid(), signo);
  // A signal that ends PID 1 ends its namespace too: the kernel may SIGKILL the
  // sender inside it before that one reports its kill() done.
  const bool sender_ended_with_the_namespace =
      from == From::kInsideNamespace && sent == 128 + SIGKILL && eventually([&] { return !pause.running(); }, 10s);
  if (sent != 0 && !sender_ended_with_the_namespace) {
    detail = "the send failed";
    return Outcome::kOther;
  }
  // Settled: gone, stopped, or asleep again with nothing pending (the signal was
  // dropped at sending, or dequeued and handled). No fixed sleep: load cannot fool it.
  auto nothing_pending = [&] {
    return status_field(pause.pid(), "SigPnd") == "0000000000000000" &&
           status_field(pause.pid(), "ShdPnd") == "0000000000000000";
  };
  std::optional<char> state;
  const bool settled = eventually(
      [&] {
        if (!pause.running()) return true;
        const auto info = process_info(pause.pid());
        state = info ? std::optional<char>(info->state) : std::nullopt;
        return state == 'T' || (state == 'S' && nothing_pending());
      },
      10s);
  if (!settled) {
    detail = "did not settle";
    return Outcome::kOther;
  }
  if (pause.running()) {
    if (state == 'T') {
      pause.signal(SIGCONT);
      return Outcome::kStopped;
    }
    return Outcome::kIgnored;
  }
  const int status = pause.wait_status();
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return Outcome::kCleanExit;
  if (WIFSIGNALED(status) && WTERMSIG(status) == signo) return Outcome::kKilled;
  detail = WIFEXITED(status) ? "exit " + std::to_string(WEXITSTATUS(status))
                             : "killed by " + std::to_string(WTERMSIG(status));
  return Outcome::kOther;
}

// What the kernel and pause make of each signal. As the init of a PID
// namespace, a signal pause has no handler for is dropped, from inside and
// from the parent namespace alike (only SIGKILL and SIGSTOP are forced).
// Not PID 1, the default actions apply, as for upstream's pause, but for
// SIGPIPE and SIGXFSZ: pause ignores them from the start, so that a stderr
// without reader or past `ulimit -f` cannot kill it.
Outcome expected(int signo, From from) {
  if (signo == SIGINT || signo == SIGTERM) return Outcome::kCleanExit;
  if (from != From::kNotPid1) return Outcome::kIgnored;
  switch (signo) {
    case SIGCHLD:
    case SIGURG:
    case SIGWINCH:
    case SIGCONT:
    case SIGPIPE:
    case SIGXFSZ:
      return Outcome::kIgnored;
    case SIGTSTP:
    case SIGTTIN:
    case SIGTTOU:
      return Outcome::kStopped;
    default:
      return Outcome::kKilled;
  }
}

TEST(Stress, SignalTable) {
  PAUSE_REQUIRE_ROOT();
  std::cout << "| signal | PID 1, from inside its namespace | PID 1, from the parent namespace | not PID 1 |\n"
               "|---|---|---|---|\n";
  for (int signo = 1; signo <= 64; ++signo) {
    if (signo == SIGKILL || signo == SIGSTOP) continue;
    std::string row = "| " + std::to_string(signo) + " " + (signo < SIGRTMIN - 2 ? sigabbrev_np(signo) : "RT") + " |";
    for (const From from : {From::kInsideNamespace, From::kParentNamespace, From::kNotPid1}) {
      std::string detail;
      const Outcome outcome = send_and_observe(signo, from, detail);
      EXPECT_EQ(name_of(outcome), std::string(name_of(expected(signo, from))))
          << "signal " << signo << " from context " << static_cast<int>(from) << ": " << detail;
      row += std::string(" ") + name_of(outcome) + (detail.empty() ? "" : " (" + detail + ")") + " |";
    }
    std::cout << row << "\n";
  }
}

}  // namespace
}  // namespace pausetest
