# The harness of every shell scenario under tests/ (and of bench/ and seccomp/
# scripts that drive runtimes). A scenario is one executable file:
#
#   . "$(dirname "$0")/../../lib/harness.sh"     # the path to tests/lib from the scenario
#   load pod-checks registry                     # more of tests/lib, by name
#   needs root net deadline=600 skopeo htpasswd=apache2-utils
#
# `needs` is the one declaration of what the scenario needs, before anything
# else happens: root; `mounts` (a mount namespace of its own, with a fresh /run
# and /var/lib/containers); `net` (that, and a network namespace of its own with
# only a loopback); `deadline=SECONDS` (600 by default); `built=PROJECT` (a runtime
# built from source by scripts/build-runtimes.sh, its directory then in
# BUILT_<PROJECT>, e.g. BUILT_CRI_O); every other word a command (or an absolute
# path), optionally `=package` to name the Debian package. What is missing is a
# failure under CI=true and a skip with the reason otherwise (exit 77, CTest's
# "skipped"). For mounts and net the harness re-executes the scenario inside
# the new namespaces, with the same arguments.
#
# Cleanups: `on_exit CMD ARGS...` registers one; they run last-registered first
# at exit, also on failure, on a signal and when the deadline passes (CTest's
# timeout would SIGKILL the scenario, and leave containers, mounts and daemons
# behind). `fail` ends the scenario; `check FUNCTION ARGS...` runs a check that
# may fail without ending it: it prints ok/FAIL lines, the scenario carries on,
# and exits 1 at the end if any check failed.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
lib=$top/tests/lib
# Run under `make test`, a scenario's own make (the docs' `make push`) is not a sub-make of it.
unset MAKEFLAGS MAKELEVEL MFLAGS
version=$(cat "$top/VERSION")
scenario_args=("$@")

# load NAME...: tests/lib/NAME.sh, each once.
declare -A loaded_libs=()
load() {
  local name
  for name in "$@"; do
    [ -z "${loaded_libs[$name]:-}" ] || continue
    loaded_libs[$name]=1
    # shellcheck source=/dev/null
    . "$lib/$name.sh"
  done
}

# Cleanups, run last-registered first at exit. Each is a command and its
# arguments, stored quoted (printf %q) so that paths with spaces stay whole;
# shell code goes in a function whose name is registered.
cleanups=()
on_exit() { cleanups=("$(printf '%q ' "$@")" "${cleanups[@]}"); }
run_cleanups() {
  local status=$? step job
  trap - TERM INT HUP
  cd / # (the scenario's working directory may be a scratch one that a cleanup removes)
  for step in "${cleanups[@]}"; do eval "$step" || true; done
  # Background jobs the scenario started and did not end (a failure midway).
  for job in $(jobs -p); do kill "$job" 2>/dev/null || true; done
  if [ $status = 0 ] && [ ${#failed_checks[@]} -gt 0 ]; then
    echo "FAIL: ${#failed_checks[@]} check(s) failed: ${failed_checks[*]}" >&2
    status=1
  fi
  return $status
}
trap run_cleanups EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
trap 'exit 129' HUP

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }
# check FUNCTION ARGS...: runs a check in a subshell of its own. A `fail` in it
# ends that check only (what it registered with on_exit runs then); the
# scenario carries on and fails at its end.
failed_checks=()
check() {
  local status=0
  set +e
  (
    set -e
    cleanups=() failed_checks=()
    trap run_cleanups EXIT
    "$@"
  )
  status=$?
  set -e
  [ $status = 0 ] || { failed_checks+=("$1"); echo "FAIL: $* (the scenario carries on)" >&2; }
  return 0
}
# A missing prerequisite: a failure under CI=true, a visible skip otherwise.
missing() {
  if [ "${CI:-}" = true ]; then fail "CI=true and $*"; fi
  echo "SKIPPED: $*"
  exit 77
}
need_root() { [ "$(id -u)" = 0 ] || missing "needs root"; }
need_tool() { command -v "$1" >/dev/null || missing "$1 not found: apt-get install ${2:-$1}"; }
expect_eq() {  # expect_eq <what> <expected> <actual>
  [ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
  pass "$1 = '$3'"
}
# Polls a command until it succeeds, for at most $1 seconds.
wait_for() {
  local seconds=$1
  shift
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.1
  done
}

# The scenario's own deadline (see above): `deadline N` replaces the default.
# The watchdog is a process group of its own, so that stopping it ends its
# sleep too (nothing of it may outlive the scenario, or hold its output open).
watchdog=""
stop_watchdog() {
  [ -n "$watchdog" ] || return 0
  # SIGKILL: nothing can delay it. The group may not exist yet (setsid not
  # called yet): then the process itself, then the group once more.
  kill -KILL -- "-$watchdog" 2>/dev/null || { kill -KILL "$watchdog" 2>/dev/null; kill -KILL -- "-$watchdog" \
    2>/dev/null || true; }
  { wait "$watchdog" || true; } 2>/dev/null
  watchdog=""
}
deadline() {
  stop_watchdog
  setsid bash -c 'sleep "$1"; echo "FAIL: over this scenario'"'"'s deadline of $1 s" >&2; kill -TERM "$2"' \
    watchdog "$1" $$ &
  watchdog=$!
}
on_exit stop_watchdog
deadline "${PAUSE_TEST_DEADLINE:-600}"

# The state letter of a process (/proc/PID/stat; its name may hold spaces), or nothing.
state_of() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  stat=${stat##*) }
  echo "${stat%% *}"
}
# A process that has exited (a zombie still counts as exited) or is gone.
exited() { case $(state_of "$1") in "" | Z) return 0 ;; *) return 1 ;; esac; }
# A process asleep (state S), as pause is once started.
asleep() { [ "$(state_of "$1")" = S ]; }
# Direct children of a host pid, and how many of them are zombies (ps copes
# with processes that vanish while it reads /proc; a glob over it does not).
children_of() { ps -e -o pid= -o ppid= | awk -v parent="$1" '$2 == parent { print $1 }'; }
zombies_of() { ps -e -o ppid= -o stat= | awk -v parent="$1" '$1 == parent && $2 ~ /^Z/ { n++ } END { print n + 0 }'; }
ns_of() { readlink "/proc/$1/ns/$2"; }

free_port() { echo $((20000 + RANDOM % 20000)); }
host_can_connect() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }
# condition holds within $1 seconds, and still holds a second later.
eventually_stable() {
  local seconds=$1 i
  shift
  wait_for "$seconds" "$@" || return 1
  for i in 1 2 3 4 5 6 7 8 9 10; do
    sleep 0.1
    "$@" || return 1
  done
}
# wait_bounded <pid of a background job> <seconds>: waits for it at most that
# long and sets WAIT_STATUS; if it is still running then, kills it and returns 1.
wait_bounded() {
  WAIT_STATUS=0
  if ! wait_for "$2" exited "$1"; then
    kill -KILL "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
    return 1
  fi
  wait "$1" || WAIT_STATUS=$?
}

# needs WORD...: the scenario's declaration (see the top of this file).
# A private mount namespace gets a fresh tmpfs on /run and on
# /var/lib/containers: daemons and tools keep state there whatever their
# configuration says (containerd's shims, runc's and crun's state, dockerd's
# plugins, network namespaces, skopeo's blob cache as root), and it all goes
# with the scenario's last process, even when it fails. A private network
# namespace has only a loopback, up: servers the scenario starts listen there,
# and nothing it does reaches the machine's network.
needs() {
  local word mounts=false net=false seconds=${PAUSE_TEST_DEADLINE:-600} project variable
  # The re-execution runs no cleanup: nothing but the watchdog may have registered one yet.
  [ ${#cleanups[@]} = 1 ] || fail "needs must come before anything that needs cleaning up"
  for word in "$@"; do
    case $word in
      root) need_root ;;
      mounts) mounts=true ;;
      net) mounts=true net=true ;;
      deadline=*) seconds=${word#deadline=} ;;
      arches | bin | image) decided "$word" ;;
      built=*)
        project=${word#built=}
        built_runtime "$project" "BUILT_$(tr 'a-z.-' 'A-Z__' <<<"$project")" ;;
      /*=*) [ -x "${word%%=*}" ] || missing "no ${word%%=*}: apt-get install ${word#*=}" ;;
      *=*) need_tool "${word%%=*}" "${word#*=}" ;;
      *) need_tool "$word" ;;
    esac
  done
  if $mounts && [ "${PAUSE_PRIVATE_MOUNTS:-}" != "$0" ]; then
    stop_watchdog
    exec unshare --mount $($net && echo --net) --propagation private env PAUSE_PRIVATE_MOUNTS="$0" "$0" \
      "${scenario_args[@]}"
  fi
  if $mounts; then
    ! $net || ip link set lo up
    mount -t tmpfs -o mode=0755 pause-test-run /run
    mkdir -p /var/lib/containers  # (what podman and skopeo create on first use anyway)
    mount -t tmpfs -o mode=0700 pause-test-containers /var/lib/containers
  fi
  deadline "$seconds"
}
# What `make` decided, passed down by CTest (tests/CMakeLists.txt) to every
# scenario's environment; nothing here works it out again:
#   needs arches  PAUSE_ARCHES, the arches under test (make's ARCHES), in
#                 ${test_arches[@]}
#   needs bin     PAUSE_BIN_DIR, where their binaries are (make's BIN_DIR), in
#                 $bin_dir (and the arches, each with its pause-linux-<arch> there)
#   needs image   PAUSE_IMAGE_DIR, the image image.build made (make image's out/),
#                 in $image_dir
# Unset, it is a failure, CI or not: it is how the scenario was started that is wrong
# (by hand: export them, as tests/README.md shows).
test_arches=() bin_dir="" image_dir=""
decided() {
  local arch unset="is not set: CTest passes it (make test-build), or export it by hand (tests/README.md)"
  case $1 in
    arches)
      [ -n "${PAUSE_ARCHES:-}" ] || fail "PAUSE_ARCHES $unset"
      read -ra test_arches <<<"$PAUSE_ARCHES"
      for arch in "${test_arches[@]}"; do arch_field "$arch" arch >/dev/null ||
        fail "PAUSE_ARCHES: no arch $arch"; done ;;
    bin)
      decided arches
      [ -n "${PAUSE_BIN_DIR:-}" ] || fail "PAUSE_BIN_DIR $unset"
      bin_dir=$PAUSE_BIN_DIR
      for arch in "${test_arches[@]}"; do
        [ -x "$bin_dir/pause-linux-$arch" ] || fail \
          "$bin_dir/pause-linux-$arch is missing: make all ARCHES=\"${test_arches[*]}\""
      done ;;
    image)
      [ -n "${PAUSE_IMAGE_DIR:-}" ] || fail "PAUSE_IMAGE_DIR $unset"
      image_dir=$PAUSE_IMAGE_DIR ;;
  esac
}
# built_runtime PROJECT VARIABLE: the directory of a runtime that
# scripts/build-runtimes.sh built (cri-o, cri-tools, containerd 1.7) in
# VARIABLE, or a skip/failure saying what to set.
built_runtime() {
  local dir
  if [ -z "${PAUSE_RUNTIME_SOURCES:-}" ]; then
    missing "$1 is built from its release sources: set PAUSE_RUNTIME_SOURCES to the directory with them, then make deps"
  fi
  dir=$("$top/scripts/build-runtimes.sh" --dir "$1" 2>&1) || missing "$dir"
  printf -v "$2" '%s' "$dir"
}
# private_etc DIR: in a scenario with `needs mounts` (or net), a scratch copy of
# /etc/DIR over it, for configuration the docs say to put there; once per DIR
# (a second copy stacked on the first would keep the first busy at exit).
declare -A private_etcs=()
private_etc() {
  local copy
  [ -z "${private_etcs[$1]:-}" ] || return 0
  scratch_dir copy
  [ ! -d "/etc/$1" ] || cp -a "/etc/$1/." "$copy/"
  mkdir -p "/etc/$1"
  mount --bind "$copy" "/etc/$1"
  on_exit umount -l "/etc/$1"
  private_etcs[$1]=$copy
}

# Unmounts everything mounted at or below a directory, deepest first.
unmount_below() {
  local dir
  dir=$(realpath -m "$1")
  awk '{ print $2 }' /proc/mounts | while read -r mountpoint; do
    mountpoint=$(printf '%b' "$mountpoint")  # /proc/mounts escapes spaces as \040
    case $mountpoint in "$dir" | "$dir"/*) echo "$mountpoint" ;; esac
  done | sort -r | while read -r mountpoint; do umount -l "$mountpoint" || true; done
}
# scratch_dir VAR: a new directory under TMPDIR in $VAR, removed at exit (with
# anything mounted below it).
scratch_dir() {
  local made_dir
  made_dir=$(mktemp -d)
  on_exit rm -rf "$made_dir"
  on_exit unmount_below "$made_dir"
  printf -v "$1" '%s' "$made_dir"
}
# socket_dir VAR: like scratch_dir, but a short path of its own (/run), since a
# unix socket's path may not exceed 107 bytes, whatever TMPDIR is.
socket_dir() {
  local made_dir
  made_dir=$(mktemp -d /run/pause-test.XXXXXX)
  on_exit rm -rf "$made_dir"
  on_exit unmount_below "$made_dir"
  printf -v "$1" '%s' "$made_dir"
}
# Kills the processes whose command line contains a string (our own daemons'
# helpers, found by the scratch path they were given), and their children
# first (a shim's are the containers it runs), by PID.
kill_processes_naming() {
  local dir command pid
  for dir in /proc/[0-9]*; do
    case ${dir#/proc/} in $$ | "$BASHPID") continue ;; esac
    command=$(tr '\0' ' ' 2>/dev/null <"$dir/cmdline") || continue  # (it may be gone)
    [[ $command == *"$1"* ]] || continue
    for pid in $(ps -o pid= --ppid "${dir#/proc/}" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
    kill -KILL "${dir#/proc/}" 2>/dev/null
  done
  return 0
}

# One row of the arch table (cmake/arches.tsv), through its one reader. Which
# arches are under test is not the table's to say: see `needs arches`.
arch_field() { "$top/cmake/arches.sh" get "$1" "$2"; }  # arch_field ARCH COLUMN
host_arch() { "$top/cmake/arches.sh" host; }

# readme_snippet FILE NAME: the code block that follows "<!-- snippet: NAME -->"
# in FILE (a path from the top of the checkout: README.md, docs/….md). Tests run
# these (or use them as files) verbatim: a command the docs show is one a test runs.
readme_snippet() {
  local text
  [ -f "$top/$1" ] || fail "readme_snippet: no file $1"
  text=$(awk -v marker="<!-- snippet: $2 -->" '
    { line = $0; sub(/^ +/, "", line) }
    line == marker { found = 1; next }
    found && line ~ /^```/ { if (inside) exit; inside = 1; next }
    found && inside { sub(/^  /, ""); print }
  ' "$top/$1")
  [ -n "$text" ] || fail "$1 has no snippet '$2'"
  printf '%s\n' "$text"
}
# in_readme_dir <image dir>: a scratch directory that looks like the checkout
# (its files, linked) but for out/, which is the image directory under test, so
# that the docs' commands with relative paths (out/…, seccomp/…, make …) hold.
in_readme_dir() {
  local readme_dir entry
  scratch_dir readme_dir
  for entry in "$top"/*; do
    case ${entry##*/} in out | build | bin) ;; *) ln -s "$entry" "$readme_dir/" ;; esac
  done
  decided bin
  ln -s "$bin_dir" "$readme_dir/bin"
  ln -s "$1" "$readme_dir/out"
  cd "$readme_dir"
}
