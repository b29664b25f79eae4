// The built file itself: static, small. Deterministic checks, no timing.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <memory>
#include <string>

#include "support/process.h"

namespace pausetest {
namespace {

const Binary kPause = Binary::from_environment();
constexpr off_t kSizeBudget = off_t{16} * 1024;

// Only for the binutils readers, on a path this build made.
std::string output_of(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);  // NOLINT(cert-env33-c)
  if (!pipe) return "";
  std::string text;
  std::array<char, 4096> buffer{};
  size_t n = 0;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe.get())) > 0) text.append(buffer.data(), n);
  return text;
}

TEST(Artefact, IsStaticallyLinked) {
  const std::string headers = output_of("readelf -lW '" + kPause.path + "' 2>&1");
  ASSERT_NE(headers.find("Program Headers"), std::string::npos) << headers;
  EXPECT_EQ(headers.find("INTERP"), std::string::npos) << "has a program interpreter:\n" << headers;
  const std::string dynamic = output_of("readelf -dW '" + kPause.path + "' 2>&1");
  EXPECT_EQ(dynamic.find("(NEEDED)"), std::string::npos) << "needs shared libraries:\n" << dynamic;
}

TEST(Artefact, IsStrippedAndWithinTheSizeBudget) {
  struct stat file {};
  ASSERT_EQ(stat(kPause.path.c_str(), &file), 0) << kPause.path;
  EXPECT_LE(file.st_size, kSizeBudget) << kPause.path << " is " << file.st_size << " bytes";
  const std::string symbols = output_of("readelf -SW '" + kPause.path + "' 2>&1");
  EXPECT_EQ(symbols.find(".symtab"), std::string::npos) << "not stripped";
  EXPECT_EQ(symbols.find(".debug"), std::string::npos) << "carries debug info";
}

TEST(Artefact, CarriesNoLibstdcxx) {
  // A trace of libstdc++ or its unwinder would mean C++ runtime code got linked in.
  const std::string strings = output_of("strings -a '" + kPause.path + "'");
  EXPECT_EQ(strings.find("GLIBCXX"), std::string::npos);
  EXPECT_EQ(strings.find("__cxa_"), std::string::npos);
  EXPECT_EQ(strings.find("_Unwind"), std::string::npos);
}

}  // namespace
}  // namespace pausetest
