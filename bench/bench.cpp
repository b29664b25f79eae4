// The benchmark behind the docs' performance table: every candidate runs as PID 1
// of a fresh PID namespace, interleaved in one run, and every timing is shown as
// a ratio to catatonit measured in the same run (absolute microseconds on a
// shared 2-core machine are noise; ratios are not).
//
//   bench [--smoke] [--reps N] [--orphans N,N] [--idle-seconds S]
//         [--bin-dir DIR] [--image DIR] [--glibc PATH] [--ref PATH]
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <numeric>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "contract.h"  // generated from tests/contract.tsv
#include "support/process.h"

namespace pausetest {
namespace {

using Clock = std::chrono::steady_clock;

struct Candidate {
  std::string name;
  Binary binary;
  std::vector<std::string> args;
  long sleep_nr = -1;  // the host syscall it sleeps in, learnt by sleeping_syscall()
};

struct Options {
  int reps = 50;
  std::vector<int> orphan_storms = {10'000, 100'000};
  int idle_seconds = 10;
  std::string bin_dir;
  std::vector<std::string> arches;  // the arches make chose (ARCHES), for the size table
  std::string image_dir;
  std::string glibc;
  std::string ref;
};

std::string fixed(double value, int digits = 2) {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(digits);
  out << value;
  return out.str();
}

// Progress on stderr, so that a long run shows where it is.
void progress(const std::string& step) {
  static const auto start = Clock::now();
  std::cerr << "[" << fixed(std::chrono::duration<double>(Clock::now() - start).count(), 1) << " s] " << step << "\n";
}

std::string first_line(const std::string& command) {
  std::string text = output_of(command);
  return text.substr(0, text.find('\n'));
}

// The uncompressed size of an arch's only layer in an OCI layout (jq and gzip read it).
std::string layer_size(const std::string& layout, const std::string& arch) {
  auto blob = [&](const std::string& digest) {
    return "'" + layout + "/blobs/sha256/" + digest.substr(digest.find(':') + 1) + "'";
  };
  const std::string list = first_line("jq -r '.manifests[0].digest' '" + layout + "/index.json'");
  const std::string manifest = first_line(
      "jq -r --arg a " + arch + " '.manifests[] | select(.platform.architecture == $a) | .digest' " + blob(list));
  if (manifest.empty()) return "-";
  const std::string layer = first_line("jq -r '.layers[0].digest' " + blob(manifest));
  return first_line("gzip -dc " + blob(layer) + " | wc -c");
}

long file_size(const std::string& path) {
  struct stat file {};
  return stat(path.c_str(), &file) == 0 ? static_cast<long>(file.st_size) : -1;
}

// A value in kB from /proc/PID/<file> ("Key:   123 kB"), -1 if absent.
double kb_field(pid_t pid, const std::string& file, const std::string& key) {
  const std::string value = proc_field(pid, file, key);
  return value.empty() ? -1 : std::stod(value);
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values.empty() ? 0 : values[values.size() / 2];
}

// --- what one candidate does, each measurement in a fresh PID namespace ---

// What a container runtime gives an image with no ENV of its own (runc: PATH, HOSTNAME).
const std::vector<std::string> kRuntimeEnv = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                                              "HOSTNAME=pod"};

StartOptions as_pid1(const Candidate& candidate) {
  return {.args = candidate.args, .as_pid1 = true, .env = kRuntimeEnv};
}

bool asleep(const Candidate& candidate, pid_t pid) {
  const auto info = process_info(pid);
  return info && info->state == 'S' && current_syscall(pid) == candidate.sleep_nr;
}

// Started as PID 1 of a fresh PID namespace, and asleep.
Pause start_asleep(const Candidate& candidate) {
  Pause pid1 = Pause::start(candidate.binary, as_pid1(candidate));
  (void)eventually([&] { return asleep(candidate, pid1.pid()); }, 10s);
  return pid1;
}

// The syscall it sleeps in, learnt once: after 300 ms it is certainly asleep.
long sleeping_syscall(const Candidate& candidate) {
  Pause pid1 = Pause::start(candidate.binary, as_pid1(candidate));
  std::this_thread::sleep_for(300ms);
  return current_syscall(pid1.pid());
}

// From just before fork until /proc says it sleeps in that syscall (busy polling).
double start_to_asleep_us(const Candidate& candidate) {
  const auto t0 = Clock::now();
  Pause pid1 = Pause::start(candidate.binary, as_pid1(candidate));
  while (!asleep(candidate, pid1.pid())) {
    if (Clock::now() - t0 > std::chrono::seconds(5)) return -1;
  }
  return std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
}

struct StopResult {
  double us = -1;
  int status = -1;
};

StopResult sigterm_to_reaped(const Candidate& candidate) {
  Pause pid1 = start_asleep(candidate);
  const auto t0 = Clock::now();
  kill(pid1.pid(), SIGTERM);
  int status = 0;
  while (waitpid(pid1.pid(), &status, WNOHANG) != pid1.pid()) {
    if (Clock::now() - t0 > std::chrono::seconds(5)) return {};
  }
  const double us = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
  (void)pid1.wait_exit(0ms);  // already reaped: only marks it so
  return {us, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)};
}

struct Memory {
  double rss = 0, pss = 0, anon = 0, file = 0;  // kB
};

Memory memory_of(pid_t pid) {
  return {kb_field(pid, "status", "VmRSS"), kb_field(pid, "smaps_rollup", "Pss"), kb_field(pid, "status", "RssAnon"),
          kb_field(pid, "status", "RssFile")};
}

// One instance alone, median of 9: where the kernel's randomly placed stack top
// falls decides whether arguments and environment straddle one page or two.
Memory memory_alone(const Candidate& candidate) {
  std::vector<double> rss;
  std::vector<double> pss;
  for (int i = 0; i < 9; ++i) {
    Pause pid1 = start_asleep(candidate);
    const Memory one = memory_of(pid1.pid());
    rss.push_back(one.rss);
    pss.push_back(one.pss);
  }
  return {median(rss), median(pss), 0, 0};
}

// Average over `count` instances alive at once: shared file pages are split between them.
Memory memory_at_scale(const Candidate& candidate, int count) {
  std::vector<Pause> pods;
  pods.reserve(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) pods.push_back(start_asleep(candidate));
  Memory sum;
  for (const auto& pod : pods) {
    const Memory one = memory_of(pod.pid());
    sum.rss += one.rss;
    sum.pss += one.pss;
    sum.anon += one.anon;
    sum.file += one.file;
  }
  return {sum.rss / count, sum.pss / count, sum.anon / count, sum.file / count};
}

struct Storm {
  int left_after_1s = -1;
  int max_zombies = 0;
  double seconds = 0;
};

// `count` orphans: each made by a parent that exits at once, in bursts of 1,000.
Storm orphan_storm(const Candidate& candidate, int count) {
  Pause pid1 = start_asleep(candidate);
  Storm storm;
  std::atomic<bool> storming{true};
  std::thread watcher([&] {
    while (storming) {
      storm.max_zombies = std::max(storm.max_zombies, count_zombies_of(pid1.pid()));
      std::this_thread::sleep_for(100ms);
    }
  });
  const auto t0 = Clock::now();
  const int made = make_orphans(pid1.pid(), count);
  storm.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  std::this_thread::sleep_for(1s);
  storming = false;
  watcher.join();
  storm.left_after_1s = made == 0 ? count_zombies_of(pid1.pid()) : -1;
  return storm;
}

// 200 orphans blocked on one pipe, released together.
int simultaneous_exits(const Candidate& candidate) {
  Pause pid1 = start_asleep(candidate);
  int release[2];
  if (pipe(release) != 0 || make_blocked_orphans(pid1.pid(), 200, release) != 0) return -1;
  close(release[1]);
  close(release[0]);
  std::this_thread::sleep_for(1s);
  return count_zombies_of(pid1.pid());
}

struct Idle {
  double cpu_ms = 0;
  long wakeups = 0;
  int tasks_read = 0;
};

Idle idle(const Candidate& candidate, int seconds) {
  Pause pid1 = start_asleep(candidate);
  std::this_thread::sleep_for(200ms);
  const Activity before = activity_of(pid1.pid());
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  const Activity after = activity_of(pid1.pid());
  return {static_cast<double>(after.cpu_ns - before.cpu_ns) / 1e6,
          static_cast<long>(after.context_switches - before.context_switches),
          std::min(before.tasks_read, after.tasks_read)};
}

// Syscalls from execve until the one it sleeps in, traced with strace (-T: time
// spent in each call) while it runs as PID 1: the sleeping call is the first
// that lasted longer than half a second.
struct Trace {
  int count = -1;
  std::string sleeps_in;
  std::string calls;
};

Trace trace_startup(const Candidate& candidate) {
  const StartupTrace traced = trace_startup_as_pid1(candidate.binary, candidate.args);
  Trace trace;
  trace.sleeps_in = traced.sleeps_in;
  if (trace.sleeps_in.empty()) return trace;
  trace.count = static_cast<int>(traced.calls.size());
  for (const auto& call : traced.calls) trace.calls += (trace.calls.empty() ? "" : " ") + call;
  return trace;
}

std::vector<Candidate> candidates(const Options& options) {
  std::vector<Candidate> list;
  list.push_back({"pause (ours, musl)", Binary{options.bin_dir + "/pause-linux-" + host_arch(), ""}, {}});
  if (!options.glibc.empty()) list.push_back({"ours, glibc static", Binary{options.glibc, ""}, {}});
  list.push_back({"catatonit -P", Binary{"/usr/bin/catatonit", ""}, {"-P"}});
  if (!options.ref.empty()) list.push_back({"BENCH_REF", Binary{options.ref, ""}, {}});
  return list;
}

int run(const Options& options) {
  auto peers = candidates(options);
  for (const auto& candidate : peers) {
    if (access(candidate.binary.path.c_str(), X_OK) != 0) {
      std::cerr << "missing candidate " << candidate.name << ": " << candidate.binary.path << "\n";
      return 1;
    }
  }
  const auto catatonit =
      std::find_if(peers.begin(), peers.end(), [](const Candidate& c) { return c.name.rfind("catatonit", 0) == 0; });
  const auto peer = static_cast<size_t>(catatonit - peers.begin());

  struct Row {
    long size = 0;
    Trace trace;
    std::vector<double> starts, stops;
    std::vector<int> stop_statuses;
    Memory one, at_scale;
    std::vector<Storm> storms;
    int simultaneous = -1;
    Idle quiet;
  };
  std::vector<Row> rows(peers.size());
  for (size_t i = 0; i < peers.size(); ++i) {
    progress("tracing " + peers[i].name);
    rows[i].size = file_size(peers[i].binary.path);
    rows[i].trace = trace_startup(peers[i]);
    peers[i].sleep_nr = sleeping_syscall(peers[i]);
  }
  // Timings interleaved, so that drift of the machine hits every candidate alike.
  progress("start and stop, " + std::to_string(options.reps) + " times each");
  for (int rep = 0; rep < options.reps; ++rep) {
    for (size_t k = 0; k < peers.size(); ++k) {
      const size_t i = (k + static_cast<size_t>(rep)) % peers.size();  // each goes first in turn
      rows[i].starts.push_back(start_to_asleep_us(peers[i]));
      const StopResult stop = sigterm_to_reaped(peers[i]);
      rows[i].stops.push_back(stop.us);
      rows[i].stop_statuses.push_back(stop.status);
    }
  }
  for (size_t i = 0; i < peers.size(); ++i) {
    progress("memory of " + peers[i].name);
    rows[i].one = memory_alone(peers[i]);
    rows[i].at_scale = memory_at_scale(peers[i], 50);
    for (const int count : options.orphan_storms) {
      progress(std::to_string(count) + " orphans under " + peers[i].name);
      rows[i].storms.push_back(orphan_storm(peers[i], count));
    }
    progress("simultaneous exits and idle, " + peers[i].name);
    rows[i].simultaneous = simultaneous_exits(peers[i]);
    rows[i].quiet = idle(peers[i], options.idle_seconds);
  }

  // --- the table ---
  const double peer_start = median(rows[peer].starts);
  const double peer_stop = median(rows[peer].stops);
  std::cout << "| | " << [&] {
    std::string header;
    for (const auto& candidate : peers) header += candidate.name + " | ";
    return header;
  }() << "\n|---|";
  for (size_t i = 0; i < peers.size(); ++i) std::cout << "---|";
  std::cout << "\n";
  auto row = [&](const std::string& label, auto&& cell) {
    std::cout << "| " << label << " |";
    for (size_t i = 0; i < peers.size(); ++i) std::cout << " " << cell(rows[i]) << " |";
    std::cout << "\n";
  };
  row("binary size (bytes)", [](const Row& r) { return std::to_string(r.size); });
  row("syscalls after execve until asleep", [](const Row& r) { return std::to_string(r.trace.count); });
  row("sleeps in", [](const Row& r) { return r.trace.sleeps_in.empty() ? "?" : "`" + r.trace.sleeps_in + "`"; });
  row("start → asleep, median (× " + peers[peer].name + ")",
      [&](const Row& r) { return fixed(median(r.starts) / peer_start) + "×"; });
  row("SIGTERM → reaped, median (× " + peers[peer].name + ")",
      [&](const Row& r) { return fixed(median(r.stops) / peer_stop) + "×"; });
  row("exit status on SIGTERM", [](const Row& r) {
    const bool same =
        std::all_of(r.stop_statuses.begin(), r.stop_statuses.end(), [&](int s) { return s == r.stop_statuses[0]; });
    return same ? std::to_string(r.stop_statuses[0]) : std::string("varies");
  });
  row("VmRSS, one instance, median of 9 (kB)", [](const Row& r) { return fixed(r.one.rss, 0); });
  row("Pss, one instance, median of 9 (kB)", [](const Row& r) { return fixed(r.one.pss, 0); });
  row("per pod at 50 instances: Pss (kB)", [](const Row& r) { return fixed(r.at_scale.pss, 1); });
  row("per pod at 50 instances: RssAnon (kB)", [](const Row& r) { return fixed(r.at_scale.anon, 1); });
  row("per pod at 50 instances: RssFile (kB)", [](const Row& r) { return fixed(r.at_scale.file, 1); });
  for (size_t s = 0; s < options.orphan_storms.size(); ++s) {
    const std::string n = std::to_string(options.orphan_storms[s]);
    row(n + " orphans: zombies left 1 s after",
        [&](const Row& r) { return std::to_string(r.storms[s].left_after_1s); });
    row(n + " orphans: most zombies seen", [&](const Row& r) { return std::to_string(r.storms[s].max_zombies); });
  }
  row("200 exiting at once: zombies left", [](const Row& r) { return std::to_string(r.simultaneous); });
  row("idle " + std::to_string(options.idle_seconds) + " s: CPU time (ms)",
      [](const Row& r) { return fixed(r.quiet.cpu_ms, 3); });
  row("idle " + std::to_string(options.idle_seconds) + " s: wakeups",
      [](const Row& r) { return std::to_string(r.quiet.wakeups); });

  std::cout << "\nOur start-up syscalls: " << rows[0].trace.calls << "\n";
  std::vector<std::pair<std::string, long>> sizes;
  if (!options.bin_dir.empty()) {
    std::cout << "\n| arch | binary (bytes) | image layer, uncompressed (bytes) |\n|---|---|---|\n";
    for (const std::string& arch : options.arches) {
      sizes.emplace_back(arch, file_size(options.bin_dir + "/pause-linux-" + arch));
      std::cout << "| " << arch << " | " << sizes.back().second << " | "
                << (options.image_dir.empty() ? "-" : layer_size(options.image_dir + "/oci", arch)) << " |\n";
    }
  }

  // Every figure sane, and our deterministic targets met (never a timing
  // target: timings only have to exist). A failure here fails the run.
  std::vector<std::string> problems;
  auto require = [&](bool ok, const std::string& what) {
    if (!ok) problems.push_back(what);
  };
  for (size_t i = 0; i < peers.size(); ++i) {
    const Row& r = rows[i];
    const std::string who = peers[i].name + ": ";
    require(r.size > 0, who + "no binary size");
    require(std::all_of(r.starts.begin(), r.starts.end(), [](double us) { return us > 0; }),
            who + "a start did not reach its sleep");
    require(std::all_of(r.stops.begin(), r.stops.end(), [](double us) { return us > 0; }),
            who + "a SIGTERM was not followed by its exit");
    require(r.one.rss > 0 && r.one.pss > 0 && r.at_scale.pss > 0, who + "memory not read");
    require(r.quiet.tasks_read > 0, who + "idle activity not read");
  }
  const Row& ours = rows[0];
  require(ours.trace.count > 0, "ours: start-up not traced (is strace installed? apt-get install strace)");
  require(ours.trace.sleeps_in == "pause" || ours.trace.sleeps_in == "ppoll",
          "ours: does not sleep in pause/ppoll: " + ours.trace.sleeps_in);
#if defined(__x86_64__)
  require(ours.trace.count <= kStartupSyscallBudget, "ours: " + std::to_string(ours.trace.count) +
                                                         " syscalls before sleeping, over the budget of " +
                                                         std::to_string(kStartupSyscallBudget));
#endif
  require(std::all_of(ours.stop_statuses.begin(), ours.stop_statuses.end(), [](int s) { return s == 0; }),
          "ours: exit status on SIGTERM not always 0");
  for (const auto& storm : ours.storms) require(storm.left_after_1s == 0, "ours: zombies left after an orphan storm");
  require(ours.simultaneous == 0, "ours: zombies left after 200 simultaneous exits");
  require(ours.quiet.wakeups == 0 && ours.quiet.cpu_ms == 0, "ours: not idle when idle");
  for (const auto& [arch, size] : sizes) {
    const long budget = size_budget(arch);
    require(size > 0 && size <= budget,
            arch + ": " + std::to_string(size) + " bytes, budget " + std::to_string(budget));
  }
  for (const auto& problem : problems) std::cerr << "bench: " << problem << "\n";
  return problems.empty() ? 0 : 1;
}

}  // namespace
}  // namespace pausetest

int main(int argc, char** argv) {
  using pausetest::Options;
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    const std::string value = i + 1 < argc ? argv[i + 1] : "";
    if (flag == "--smoke") {
      options.reps = 5;
      options.orphan_storms = {1000};
      options.idle_seconds = 1;
    } else if (flag == "--reps") {
      options.reps = std::stoi(value), ++i;
    } else if (flag == "--idle-seconds") {
      options.idle_seconds = std::stoi(value), ++i;
    } else if (flag == "--orphans") {
      options.orphan_storms.clear();
      std::stringstream list(value);
      std::string n;
      while (std::getline(list, n, ',')) options.orphan_storms.push_back(std::stoi(n));
      ++i;
    } else if (flag == "--bin-dir") {
      options.bin_dir = value, ++i;
    } else if (flag == "--arches") {
      std::stringstream list(value);
      std::string arch;
      while (list >> arch) options.arches.push_back(arch);
      ++i;
    } else if (flag == "--image") {
      options.image_dir = value, ++i;
    } else if (flag == "--glibc") {
      options.glibc = value, ++i;
    } else if (flag == "--ref") {
      options.ref = value, ++i;
    } else {
      std::cerr << "usage: bench [--smoke] [--reps N] [--orphans N,N] [--idle-seconds S] [--bin-dir DIR] "
                   "[--arches \"ARCH ...\"] [--image DIR] [--glibc PATH] [--ref PATH]\n";
      return 2;
    }
  }
  if (!options.bin_dir.empty() && options.arches.empty()) {
    std::cerr << "bench: --bin-dir needs --arches, the arches built there (make bench passes ARCHES)\n";
    return 2;
  }
  if (geteuid() != 0) {
    std::cerr << "bench: needs root (PID namespaces)\n";
    return 1;
  }
  return pausetest::run(options);
}
