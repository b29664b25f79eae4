#!/usr/bin/env bash
# Static analysis as a test: clang-tidy (.clang-tidy) or cppcheck over every C++
# source of the project, zero findings allowed; or clang-format (.clang-format):
# every C++ file as it would lay it out.
# Usage: lint.sh clang-tidy|cppcheck|clang-format <build-dir with compile_commands.json> <source-dir>
# clang-tidy takes minutes over the whole tree: a file whose verdict was clean
# is not analysed again until it, a project header, .clang-tidy, its compile
# command or clang-tidy changes, and files are analysed in parallel. Verdicts
# are kept outside the checkout (PAUSE_LINT_CACHE, default ~/.cache/pause-lint;
# the build dir without a writable home), keyed without the checkout's and the
# build's paths and without the version (it names the commit): a fresh clone,
# as CI's, reuses them. With PAUSE_LINT=changed (make check), only the files
# that differ from git's HEAD are linted (all of them if a header or .clang-tidy
# does): HEAD itself is linted whole by make test, in CI.
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
    cache=${PAUSE_LINT_CACHE:-${XDG_CACHE_HOME:-${HOME:-/nonexistent}/.cache}/pause-lint}
    mkdir -p "$cache" 2>/dev/null && [ -w "$cache" ] || { cache=$build/lint-cache && mkdir -p "$cache"; }
    shared=$( { clang-tidy --version; cat .clang-tidy; git ls-files -z '*.h' |
      xargs -0 cat; cat "$build"/tests/generated/*.h 2>/dev/null; } | sha256sum | cut -c1-64)
    if [ "${PAUSE_LINT:-}" = changed ] && git rev-parse --verify -q HEAD >/dev/null; then
      changed=$( { git diff --name-only HEAD; git ls-files --others --exclude-standard; } | sort -u)
      if ! grep -qE '\.h$|^\.clang-tidy$' <<<"$changed"; then
        mapfile -t sources < <(printf '%s\n' "${sources[@]}" | grep -Fxf <(printf '%s\n' "$changed") || true)
        echo "clang-tidy: the ${#sources[@]} C++ file(s) changed since HEAD" \
          "(PAUSE_LINT=changed; make test lints every file)"
      fi
    fi
    todo=()
    for file in "${sources[@]}"; do
      command=$(jq -r --arg f "$PWD/$file" '.[] | select(.file == $f) | .command' "$db/compile_commands.json")
      command=$(sed -E 's/(-DPAUSE_[A-Z_]*VERSION=)[^ ]*/\1@version@/g' <<<"${command//"$build"/@build@}")
      key=$( { echo "$shared"; cat "$file"; echo "${command//"$PWD"/@checkout@}"; } | sha256sum | cut -c1-64)
      [ -f "$cache/$key" ] || todo+=("$file=$key")
    done
    echo "clang-tidy: ${#todo[@]} of ${#sources[@]} files changed since their last clean verdict"
    lint_one() {  # lint_one FILE=KEY: clang-tidy on FILE, its verdict cached if clean
      local file=${1%=*} key=${1##*=}
      clang-tidy --quiet -p "$db" --extra-arg=-Wno-unused-command-line-argument "$file" && touch "$cache/$key"
    }
    export -f lint_one
    export db cache
    [ ${#todo[@]} = 0 ] || printf '%s\0' "${todo[@]}" | xargs -0 -r -n 1 -P "$(nproc)" bash -c 'lint_one "$1"' lint ;;
  clang-format)
    mapfile -t headers < <(git ls-files '*.h' 2>/dev/null || find src tests bench -name '*.h')
    sources+=("${headers[@]}")
    clang-format --dry-run --Werror "${sources[@]}" ;;
  cppcheck)
    cppcheck --enable=warning,style,performance,portability --error-exitcode=1 --inline-suppr \
      --std=c++20 --quiet --library=googletest -I tests \
      -DPAUSE_VERSION='"x"' -DPAUSE_DEFAULT_BIN='"x"' -DPAUSE_SOURCE_DIR='"x"' \
      "${sources[@]}" ;;
esac
echo "$tool: no findings in ${#sources[@]} files"
