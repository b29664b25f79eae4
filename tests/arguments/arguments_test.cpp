// argv is untrusted input: a property test runs the real binary with generated
// argument vectors (empty strings, bytes that are not UTF-8, arguments up to
// the kernel's 128 KiB limit, thousands of arguments, flags in every position
// and mix) and checks that it never crashes nor hangs, and that its output and
// exit status are what the docs' behaviour table says:
//   any -v/-V/--version     -> "pause v<version>" on stdout, nothing on stderr, exit 0
//   else any -h/--help      -> the usage on stdout, nothing on stderr, exit 0
//   else                    -> "pause: ignoring argument: <arg>" per argument (control
//                              and non-ASCII bytes as \xHH, 1,024 bytes of that, then
//                              "..."), sleeps, SIGTERM -> 0
// Seeded (PAUSE_FUZZ_SEED reproduces a run) and bounded in time (PAUSE_FUZZ_SECONDS).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "support/process.h"

namespace pausetest {
namespace {

const Binary kPause = Binary::from_environment();
const std::string kVersionLine = documented_version_line();
const std::string kWarning =
    std::string("Warning: pause should be the first process\n") +
    (kPause.emulator.empty() ? "" : "Warning: cannot become a subreaper: orphans will not be reaped\n");
constexpr size_t kShownBytes = 1024;

bool is_version_flag(const std::string& arg) { return arg == "-v" || arg == "-V" || arg == "--version"; }
bool is_help_flag(const std::string& arg) { return arg == "-h" || arg == "--help"; }

// The docs' rule: bytes outside printable ASCII and the backslash as \xHH, up
// to 1,024 bytes of that text (an escape is never split), then "..." if cut.
std::string shown(const std::string& arg) {
  std::string text;
  for (const char c : arg) {
    const auto byte = static_cast<unsigned char>(c);
    char escaped[5];
    (void)std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
    const std::string piece = (byte >= 0x20 && byte < 0x7f && byte != '\\') ? std::string(1, c) : std::string(escaped);
    if (text.size() + piece.size() > kShownBytes) return text + "...";
    text += piece;
  }
  return text;
}

struct Expected {
  std::string out, err;
  bool sleeps = false;
};

Expected expected_for(const std::vector<std::string>& args, bool as_pid1) {
  if (std::any_of(args.begin(), args.end(), is_version_flag)) return {kVersionLine, ""};
  if (std::any_of(args.begin(), args.end(), is_help_flag)) {
    return {
        "Usage: pause [-v|--version] [-h|--help]\n"
        "Sleeps holding a pod's namespaces, reaps zombies, exits 0 on SIGINT/SIGTERM.\n",
        ""};
  }
  Expected sleeping{"", "", true};
  for (const auto& arg : args) sleeping.err += "pause: ignoring argument: " + shown(arg) + "\n";
  if (!as_pid1) sleeping.err += kWarning;
  sleeping.err += "Shutting down, got signal: Terminated\n";
  return sleeping;
}

// What runtimes and people actually pass, near misses of the flags, and noise.
class ArgvGenerator {
 public:
  explicit ArgvGenerator(unsigned seed) : random_(seed) {}

  std::vector<std::string> next() {
    std::vector<std::string> args;
    const int shape = pick(0, 9);
    const int count = shape == 0 ? pick(1000, 3000) : shape == 1 ? 0 : pick(1, 12);
    size_t bytes = 0;
    for (int i = 0; i < count && bytes < 600'000; ++i) {
      args.push_back(argument(count > 100));
      bytes += args.back().size() + 30;
    }
    return args;
  }

 private:
  std::mt19937 random_;
  int pick(int low, int high) { return std::uniform_int_distribution<int>(low, high)(random_); }

  std::string argument(bool keep_short) {
    static const std::vector<std::string> kFlags = {"-v", "-V", "--version", "-h", "--help"};
    static const std::vector<std::string> kNearMisses = {
        "-vv", "--versio", "--version=1",       "-H",     "v",   " -v", "-v ", "---version", "-help", "--HELP", "-",
        "--",  "",         "--log-level=debug", "/pause", "-Vh", "-hv", "--v", "-version"};
    const int kind = pick(0, 19);
    if (kind == 0) return kFlags[static_cast<size_t>(pick(0, 4))];
    if (kind <= 4) return kNearMisses[static_cast<size_t>(pick(0, static_cast<int>(kNearMisses.size()) - 1))];
    auto length = static_cast<size_t>(pick(0, 40));
    if (!keep_short && kind == 5) length = static_cast<size_t>(pick(1000, 131'071));  // up to MAX_ARG_STRLEN - 1
    std::string text(length, ' ');
    // Any byte but NUL: ASCII, newlines, invalid UTF-8 (lone continuation and lead bytes, 0xff).
    std::generate(text.begin(), text.end(),
                  [this] { return static_cast<char>(pick(0, 3) == 0 ? pick(0x80, 0xff) : pick(1, 0x7f)); });
    return text;
  }
};

unsigned seed_from_environment() {
  if (const char* seed = std::getenv("PAUSE_FUZZ_SEED")) return static_cast<unsigned>(std::stoul(seed));
  return std::random_device{}();
}

TEST(Arguments, GeneratedArgumentVectorsFollowTheBehaviourTable) {
  const unsigned seed = seed_from_environment();
  const char* seconds_set = std::getenv("PAUSE_FUZZ_SECONDS");
  const auto budget = std::chrono::seconds(seconds_set != nullptr ? std::stoi(seconds_set) : 15);
  std::cout << "seed " << seed << " (PAUSE_FUZZ_SEED=" << seed << " reproduces this run)\n";
  ArgvGenerator generator(seed);
  const bool as_pid1 = missing_root_privilege().empty();
  const auto deadline = std::chrono::steady_clock::now() + budget;
  int cases = 0;
  int sleeping = 0;
  while (std::chrono::steady_clock::now() < deadline && cases < 500) {
    const std::vector<std::string> args = generator.next();
    const Expected expected = expected_for(args, as_pid1);
    const std::string where = "seed " + std::to_string(seed) + ", case " + std::to_string(cases) + ", " +
                              std::to_string(args.size()) + " arguments";
    Pause pause = Pause::start(kPause, {.args = args, .as_pid1 = as_pid1});
    if (expected.sleeps) {
      ASSERT_TRUE(pause.wait_asleep()) << where << ": did not reach its sleep";
      pause.signal(SIGTERM);
      ++sleeping;
    }
    const auto status = pause.wait_exit();
    ASSERT_TRUE(status.has_value()) << where << ": hangs";
    ASSERT_TRUE(WIFEXITED(*status)) << where << ": killed by signal " << WTERMSIG(*status);
    ASSERT_EQ(WEXITSTATUS(*status), 0) << where;
    ASSERT_EQ(pause.out(), expected.out) << where;
    ASSERT_EQ(pause.err(), expected.err) << where;
    ++cases;
  }
  std::cout << cases << " argument vectors (" << sleeping << " that sleep), all as the docs say\n";
  EXPECT_GE(cases, 10) << "too few cases in the time budget to mean anything";
}

}  // namespace
}  // namespace pausetest
