#!/usr/bin/env bash
# make mutants: applies each mutant of tests/contract.tsv to a scratch copy of
# src/pause.cpp, builds it as the real binary is built, and runs the fast host
# tests against it (CTest's label fast, as make check: PAUSE_BIN pointed at the
# mutant); the first suite with a failure ends that mutant. One of the tests
# that failed there must then fail again alone on the mutant and pass alone on
# the unmutated build, or the kill does not count (a test whose outcome on the
# mutant rests on a race may fail first: the next failure is tried). Timing-bound tests (the
# contract's timing-bound rows) do not take part. Prints a table (mutant, the test that killed it / SURVIVED) and the
# score; exits 1 if any mutant survived, or if a mutant no longer applies (its
# text is not in the source exactly once), or if the tests fail without any mutant.
# Usage: run.sh <host build dir, tests built> [mutant name ...]
. "$(dirname "$0")/../lib/harness.sh"
build=$(realpath "$1")
shift
needs root deadline=3600 cmake jq
contract=$top/tests/contract.tsv
rows_of() { awk -F'\t' -v kind="$1" '$1 == kind' "$contract"; }
# The fast host tests, as CTest lists them (label fast), grouped by suite
# executable in CTest's order: "<executable> <filter>", one line each.
fast_suites=$(ctest --test-dir "$build" -L '^fast$' --show-only=json-v1 \
  | jq -r '.tests[] | select(.command[0] | endswith("_tests"))
      | "\(.command[0])\t\(.command[1] | ltrimstr("--gtest_filter="))"' \
  | awk -F'\t' '!($1 in filter) { order[n++] = $1; filter[$1] = $2; next } { filter[$1] = filter[$1] ":" $2 }
      END { for (i = 0; i < n; i++) print order[i] "\t" filter[order[i]] }')
[ -n "$fast_suites" ] || fail "CTest lists no test labelled fast in $build: build the tests first (make check)"
revision=$(sed -n 's/^PAUSE_REVISION:[A-Z]*=//p' "$build/CMakeCache.txt")

scratch_dir work
mkdir -p "$work/tree"
cp -a "$top/src" "$top/cmake" "$top/CMakeLists.txt" "$top/VERSION" "$work/tree/"
cmake -S "$work/tree" -B "$work/build" -DPAUSE_TESTS=OFF "-DPAUSE_REVISION=$revision" "-DPAUSE_BIN_DIR=$work/bin" \
  --log-level=WARNING >/dev/null || fail "cannot configure the mutant build"
binary=$work/bin/pause-linux-$(host_arch)
original=$(cat "$top/src/pause.cpp")

# Tests whose verdict rests on time (a bound in ms, exact context-switch
# counts) take no part: a mutant only they would kill counts as surviving.
TIMING_BOUND=$(rows_of timing-bound | cut -f2 | paste -sd:)

run_tests() {  # run_tests: "<suite>: <test>" for each test that failed in the first suite with a failure, or nothing
  local executable filter suite
  while IFS=$'\t' read -r executable filter; do
    suite=$(basename "$executable" _tests)
    if ! PAUSE_BIN=$binary PAUSE_FUZZ_SECONDS=3 timeout 300 "$executable" --gtest_filter="$filter-$TIMING_BOUND" \
      --gtest_brief=1 >"$work/$suite.log" 2>&1; then
      grep -o '\[  FAILED  \] [^ ,]*' "$work/$suite.log" | sed 's/\[  FAILED  \] //' | awk -v suite="$suite" \
        '!seen[$0]++ { print suite ": " $0; n++ } END { if (!n) print suite ": (its run failed, no test named)" }'
      return 0
    fi
  done <<<"$fast_suites"
}
# run_one BINARY "<suite>: <test>": 0 if that one test passes with BINARY.
run_one() {
  local suite=${2%%:*} test=${2#*: }
  PAUSE_BIN=$1 PAUSE_FUZZ_SECONDS=3 timeout 300 "$build/tests/${suite}_tests" --gtest_filter="$test" --gtest_brief=1 \
    >"$work/one.log" 2>&1
}
build_with() {  # build_with <source text>
  printf '%s\n' "$1" >"$work/tree/src/pause.cpp"
  cmake --build "$work/build" --target pause >"$work/build.log" 2>&1 || { tail -5 "$work/build.log" >&2; return 1; }
}

build_with "$original" || fail "the unmutated copy does not build"
cp "$binary" "$work/unmutated"
baseline=$(run_tests)
[ -z "$baseline" ] || fail "the tests fail without any mutant: $baseline
$(grep -A8 -E 'Failure|FAILED' "$work/${baseline%%:*}.log" | head -40)"
pass "without a mutant every fast host test passes"

echo "| mutant | killed by | the promise it breaks |"
echo "|---|---|---|"
total=0 killed=0 problems=()
while IFS=$'\037' read -r name text replacement promise; do
  [ $# = 0 ] || [[ " $* " == *" $name "* ]] || continue
  total=$((total + 1))
  printf -v text '%b' "$text"
  printf -v replacement '%b' "$replacement"
  rest=${original#*"$text"}
  if [ "$rest" = "$original" ] || [[ $rest == *"$text"* ]]; then
    problems+=("$name: its text is not in src/pause.cpp exactly once")
    echo "| $name | NO LONGER APPLIES | $promise |"
    continue
  fi
  if ! build_with "${original/"$text"/"$replacement"}"; then
    problems+=("$name: does not compile")
    echo "| $name | DOES NOT COMPILE | $promise |"
    continue
  fi
  failed=$(run_tests)
  # A kill counts if a test that failed fails again, alone, on the mutant, and
  # passes, alone, on the unmutated build: a flaky test kills nothing.
  by=
  while IFS= read -r candidate; do
    if [ -n "$candidate" ] && ! run_one "$binary" "$candidate" && run_one "$work/unmutated" "$candidate"; then
      by=$candidate
      break
    fi
  done <<<"$failed"
  if [ -n "$by" ]; then
    killed=$((killed + 1))
    echo "| $name | $by | $promise |"
  elif [ -n "$failed" ]; then
    failed=$(paste -sd, <<<"$failed")
    problems+=("$name: $failed failed once, but not reproducibly (again on the mutant, and not on the unmutated build)")
    echo "| $name | **UNCONFIRMED** ($failed) | $promise |"
  else
    problems+=("$name SURVIVED: $promise")
    echo "| $name | **SURVIVED** | $promise |"
  fi
done < <(rows_of mutant | cut -f2- | tr '\t' '\037')  # (a tab is whitespace to read: empty fields would merge)
printf '%s\n' "$original" >"$work/tree/src/pause.cpp"
echo
echo "mutants: $killed of $total killed"
[ ${#problems[@]} = 0 ] || fail "$(printf '%s; ' "${problems[@]}")"
pass "every mutant killed"
