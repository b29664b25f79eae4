#!/usr/bin/env bash
# make mutants: applies each mutant of tests/contract.tsv to a scratch copy of
# src/pause.cpp, builds it as the real binary is built, and runs the fast host
# tests against it (CTest's label fast, as make check: PAUSE_BIN pointed at the
# mutant), suite by suite. A kill counts only if a test that failed fails again
# alone on the mutant and passes alone on the unmutated build: a test whose
# outcome on the mutant rests on a race, or that failed only because the machine
# was busy, kills nothing, and the next failure, then the next suite, is tried.
# Timing-bound tests (the contract's timing-bound rows) do not take part. One
# mutant per core at a time, each in its own copy of the source and build.
# Prints a table (mutant, the test that killed it / SURVIVED) and the score;
# exits 1 if any mutant survived or was not confirmed, if a mutant no longer
# applies (its text is not in the source exactly once), or if the tests fail
# without any mutant.
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
original=$(cat "$top/src/pause.cpp")
arch=$(host_arch)
# Tests whose verdict rests on time (a bound in ms, exact context-switch
# counts) take no part: a mutant only they would kill counts as surviving.
TIMING_BOUND=$(rows_of timing-bound | cut -f2 | paste -sd:)
workers=$(nproc)
[ "$workers" -le 4 ] || workers=4

# worker_prepare DIR: a copy of the source and a build of pause of its own.
worker_prepare() {
  mkdir -p "$1/tree"
  cp -a "$top/src" "$top/cmake" "$top/CMakeLists.txt" "$top/VERSION" "$1/tree/"
  cmake -S "$1/tree" -B "$1/build" -DPAUSE_TESTS=OFF "-DPAUSE_REVISION=$revision" "-DPAUSE_BIN_DIR=$1/bin" \
    --log-level=WARNING >/dev/null
}
build_with() {  # build_with DIR <source text>: DIR/bin/pause-linux-ARCH
  printf '%s\n' "$2" >"$1/tree/src/pause.cpp"
  cmake --build "$1/build" --target pause >"$1/build.log" 2>&1 || { tail -5 "$1/build.log" >&2; return 1; }
}
# suite_failures BINARY DIR EXECUTABLE FILTER: "<suite>: <test>" for each test
# of the suite that failed with BINARY, nothing if all passed.
suite_failures() {
  local suite
  suite=$(basename "$3" _tests)
  if PAUSE_BIN=$1 PAUSE_FUZZ_SECONDS=3 timeout 300 "$3" --gtest_filter="$4-$TIMING_BOUND" --gtest_brief=1 \
    >"$2/$suite.log" 2>&1; then
    return 0
  fi
  { grep -o '\[  FAILED  \] [^ ,]*' "$2/$suite.log" || true; } | sed 's/\[  FAILED  \] //' | awk -v suite="$suite" \
    '!seen[$0]++ { print suite ": " $0; n++ } END { if (!n) print suite ": (its run failed, no test named)" }'
}
# run_one BINARY DIR "<suite>: <test>": 0 if that one test passes with BINARY.
run_one() {
  local suite=${3%%:*} test=${3#*: }
  PAUSE_BIN=$1 PAUSE_FUZZ_SECONDS=3 timeout 300 "$build/tests/${suite}_tests" --gtest_filter="$test" --gtest_brief=1 \
    >"$2/one.log" 2>&1
}
# verdict DIR TEXT REPLACEMENT: "killed\t<suite>: <test>", "unconfirmed\t<failures>",
# "survived" or "does-not-compile", for one mutant built in DIR.
verdict() {
  local dir=$1 binary=$1/bin/pause-linux-$arch executable filter failed candidate unconfirmed=()
  build_with "$dir" "${original/"$2"/"$3"}" || { echo does-not-compile; return; }
  while IFS=$'\t' read -r executable filter; do
    failed=$(suite_failures "$binary" "$dir" "$executable" "$filter")
    while IFS= read -r candidate; do
      [ -n "$candidate" ] || continue
      if ! run_one "$binary" "$dir" "$candidate" && run_one "$unmutated" "$dir" "$candidate"; then
        printf 'killed\t%s\n' "$candidate"
        return
      fi
      unconfirmed+=("$candidate")
    done <<<"$failed"
  done <<<"$fast_suites"
  if [ ${#unconfirmed[@]} -gt 0 ]; then
    printf 'unconfirmed\t%s\n' "$(printf '%s, ' "${unconfirmed[@]}")"
  else
    echo survived
  fi
}

worker_prepare "$work/w0" || fail "cannot configure the mutant build"
build_with "$work/w0" "$original" || fail "the unmutated copy does not build"
cp -a "$work/w0/bin" "$work/unmutated"  # (with what the artefact tests read beside it: its link map)
unmutated=$work/unmutated/pause-linux-$arch
baseline=
while IFS=$'\t' read -r executable filter; do
  baseline=$(suite_failures "$unmutated" "$work/w0" "$executable" "$filter")
  [ -z "$baseline" ] || fail "the tests fail without any mutant: $(paste -sd, <<<"$baseline")
$(grep -A8 -E 'Failure|FAILED' "$work/w0/${baseline%%:*}.log" | head -40)"
done <<<"$fast_suites"
pass "without a mutant every fast host test passes"
for ((w = 1; w < workers; w++)); do worker_prepare "$work/w$w" || fail "cannot configure mutant build $w"; done

# The mutants chosen, one row each: name, text, replacement, promise (\n and \t decoded).
names=() texts=() replacements=() promises=()
while IFS=$'\037' read -r name text replacement promise; do
  [ $# = 0 ] || [[ " $* " == *" $name "* ]] || continue
  printf -v text '%b' "$text"
  printf -v replacement '%b' "$replacement"
  names+=("$name") texts+=("$text") replacements+=("$replacement") promises+=("$promise")
done < <(rows_of mutant | cut -f2- | tr '\t' '\037')  # (a tab is whitespace to read: empty fields would merge)

# Worker w takes mutants w, w + workers, ...; each writes its verdict to result.<index>.
worker_pids=()
for ((w = 0; w < workers; w++)); do
  (
    for ((i = w; i < ${#names[@]}; i += workers)); do
      text=${texts[i]}
      rest=${original#*"$text"}
      if [ "$rest" = "$original" ] || [[ $rest == *"$text"* ]]; then
        echo no-longer-applies >"$work/result.$i"
      else
        verdict "$work/w$w" "$text" "${replacements[i]}" >"$work/result.$i"
      fi
    done
  ) &
  worker_pids+=($!)
done
wait "${worker_pids[@]}"  # (not a bare wait: the harness's watchdog is a job too)

echo "| mutant | killed by | the promise it breaks |"
echo "|---|---|---|"
killed=0 problems=()
for i in "${!names[@]}"; do
  name=${names[i]} promise=${promises[i]}
  IFS=$'\t' read -r outcome detail <"$work/result.$i" || outcome=no-verdict
  case $outcome in
    killed)
      killed=$((killed + 1))
      echo "| $name | $detail | $promise |"
      ;;
    unconfirmed)
      why="not reproducibly (again on the mutant, and not on the unmutated build)"
      problems+=("$name: ${detail%, } failed, but $why")
      echo "| $name | **UNCONFIRMED** (${detail%, }) | $promise |"
      ;;
    survived)
      problems+=("$name SURVIVED: $promise")
      echo "| $name | **SURVIVED** | $promise |"
      ;;
    no-longer-applies)
      problems+=("$name: its text is not in src/pause.cpp exactly once")
      echo "| $name | NO LONGER APPLIES | $promise |"
      ;;
    *)
      problems+=("$name: $outcome")
      echo "| $name | ${outcome^^} | $promise |"
      ;;
  esac
done
echo
echo "mutants: $killed of ${#names[@]} killed ($workers at a time)"
[ ${#problems[@]} = 0 ] || fail "$(printf '%s; ' "${problems[@]}")"
pass "every mutant killed"
