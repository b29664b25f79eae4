// The built file itself: static, small. Deterministic checks, no timing.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "support/process.h"

namespace pausetest {
namespace {

const Binary kPause = Binary::from_environment();
// The arch is the file name's last word (pause-linux-<arch>).
const std::string kArch = kPause.path.substr(kPause.path.rfind('-') + 1);

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
  EXPECT_LE(file.st_size, size_budget(kArch)) << kPause.path << " is " << file.st_size << " bytes";
  const std::string symbols = output_of("readelf -SW '" + kPause.path + "' 2>&1");
  EXPECT_EQ(symbols.find(".symtab"), std::string::npos) << "not stripped";
  EXPECT_EQ(symbols.find(".debug"), std::string::npos) << "carries debug info";
}

// The linker's map says which archive members went into the binary (names
// survive there, unlike in the stripped file). No member of libstdc++, libsupc++
// or the unwinder may be among them: that would be C++ runtime code.
TEST(Artefact, LinksNoCxxRuntime) {
  std::ifstream file(kPause.path + ".map");
  ASSERT_TRUE(file) << "no link map next to " << kPause.path;
  std::stringstream text;
  text << file.rdbuf();
  const std::string map = text.str();
  // The map must be the real thing: our object and musl's members are in it.
  ASSERT_NE(map.find("Archive member included to satisfy reference"), std::string::npos) << "not a link map";
  ASSERT_NE(map.find("pause.cpp.o"), std::string::npos) << "our object is not in the map";
  ASSERT_NE(map.find("libc.a("), std::string::npos) << "no member of musl's libc.a in the map";
  for (const char* runtime : {"libstdc++.a(", "libsupc++.a(", "libgcc_eh.a(", "libstdc++.so", "libgcc_s.so"}) {
    const auto at = map.find(runtime);
    EXPECT_EQ(at, std::string::npos) << "linked in: " << map.substr(map.rfind('\n', at) + 1, 160);
  }
}

}  // namespace
}  // namespace pausetest
