#!/usr/bin/env bash
# Static analysis as a test: clang-tidy (.clang-tidy) or cppcheck over every C++
# source of the project, zero findings allowed.
# Usage: lint.sh clang-tidy|cppcheck <build-dir with compile_commands.json> <source-dir>
set -euo pipefail
tool=$1 build=$2 src=$3
if ! command -v "$tool" >/dev/null; then
  echo "$tool is not installed: apt-get install $tool"
  [ "${CI:-}" = true ] && exit 1
  exit 77  # CTest: skipped
fi
cd "$src"
mapfile -t sources < <(git ls-files '*.cpp' 2>/dev/null || find src tests bench -name '*.cpp')
case $tool in
  clang-tidy)
    # clang does not know some GCC-only size flags of the pause target.
    db=$(mktemp -d)
    trap 'rm -rf "$db"' EXIT
    sed 's/ -fno-tree-loop-distribute-patterns//g' "$build/compile_commands.json" >"$db/compile_commands.json"
    clang-tidy --quiet -p "$db" --extra-arg=-Wno-unused-command-line-argument "${sources[@]}" ;;
  cppcheck)
    cppcheck --enable=warning,style,performance,portability --error-exitcode=1 --inline-suppr \
      --std=c++20 --quiet --library=googletest -I tests \
      -DPAUSE_VERSION='"x"' -DPAUSE_DEFAULT_BIN='"x"' -DPAUSE_EXPECTED_VERSION='"x"' \
      "${sources[@]}" ;;
esac
echo "$tool: no findings in ${#sources[@]} files"
