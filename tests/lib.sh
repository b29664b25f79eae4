# Shared by the shell scenarios under tests/ (sourced). Each scenario is one
# file, runs under CTest, cleans up after itself with `on_exit`, and reports
# with `pass`/`fail`. Exit 77 is CTest's "skipped".
#
# Every scenario has a deadline of its own (PAUSE_TEST_DEADLINE seconds, 600 by
# default, or `deadline N`), below CTest's timeout: when it passes, the script
# fails and its cleanups still run (CTest's timeout would SIGKILL it, and leave
# containers, mounts and daemons behind).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Run under `make test`, a scenario's own make (README's `make push`) is not a sub-make of it.
unset MAKEFLAGS MAKELEVEL MFLAGS
version=$(cat "$top/VERSION")

# Cleanups, run last-registered first at exit. Each is a command and its
# arguments, stored quoted (printf %q) so that paths with spaces stay whole;
# shell code goes in a function whose name is registered.
cleanups=()
on_exit() { cleanups=("$(printf '%q ' "$@")" "${cleanups[@]}"); }
run_cleanups() {
  local status=$? step job
  trap - TERM INT HUP
  for step in "${cleanups[@]}"; do eval "$step" || true; done
  # Background jobs the scenario started and did not end (a failure midway).
  for job in $(jobs -p); do kill "$job" 2>/dev/null || true; done
  return $status
}
trap run_cleanups EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
trap 'exit 129' HUP

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }
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
  kill -KILL -- "-$watchdog" 2>/dev/null || { kill -KILL "$watchdog" 2>/dev/null; kill -KILL -- "-$watchdog" 2>/dev/null || true; }
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

# private_mounts "$@" (first thing after need_root): re-executes the scenario in
# a mount namespace of its own, with a fresh tmpfs on /run and on
# /var/lib/containers. Daemons and tools keep state there whatever their
# configuration says (containerd's shims, runc's and crun's state, dockerd's
# plugins, network namespaces, skopeo's blob cache as root): it all goes with
# the scenario's last process, even when it fails. With --net first, a network
# namespace of its own too (only a loopback, up): servers it starts listen
# there, and nothing it does reaches the machine's network.
private_mounts() {
  local net=()
  if [ "${1:-}" = --net ]; then
    net=(--net)
    shift
  fi
  if [ "${PAUSE_PRIVATE_MOUNTS:-}" != "$0" ]; then
    # The exec runs no cleanup: nothing but the watchdog may have registered one yet.
    [ ${#cleanups[@]} = 1 ] || fail "private_mounts must come before anything that needs cleaning up"
    stop_watchdog
    exec unshare --mount "${net[@]}" --propagation private env PAUSE_PRIVATE_MOUNTS="$0" "$0" "$@"
  fi
  [ ${#net[@]} = 0 ] || ip link set lo up
  mount -t tmpfs -o mode=0755 pause-test-run /run
  mkdir -p /var/lib/containers  # (what podman and skopeo create on first use anyway)
  mount -t tmpfs -o mode=0700 pause-test-containers /var/lib/containers
}
# private_etc DIR: in a private_mounts scenario, a scratch copy of /etc/DIR over
# it, for configuration README says to put there.
private_etc() {
  local copy
  scratch_dir copy
  [ ! -d "/etc/$1" ] || cp -a "/etc/$1/." "$copy/"
  mkdir -p "/etc/$1"
  mount --bind "$copy" "/etc/$1"
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

arches() { awk '/^[a-z]/ { print $1 }' "$top/cmake/arches.tsv"; }
arch_field() { awk -v arch="$1" -v n="$2" '$1 == arch { print $n }' "$top/cmake/arches.tsv"; }
host_arch() { awk -v debian="$(dpkg --print-architecture)" '$5 == debian { print $1 }' "$top/cmake/arches.tsv"; }

# readme_snippet NAME: the code block that follows "<!-- snippet: NAME -->" in
# README.md. Tests run these (or use them as files) verbatim: a README command
# is one a test runs.
readme_snippet() {
  local text
  text=$(awk -v marker="<!-- snippet: $1 -->" '
    { line = $0; sub(/^ +/, "", line) }
    line == marker { found = 1; next }
    found && line ~ /^```/ { if (inside) exit; inside = 1; next }
    found && inside { sub(/^  /, ""); print }
  ' "$top/README.md")
  [ -n "$text" ] || fail "README.md has no snippet '$1'"
  printf '%s\n' "$text"
}
# in_readme_dir <image dir>: a scratch directory that looks like the checkout
# (its files, linked) but for out/, which is the image directory under test, so
# that README's commands with relative paths (out/…, seccomp/…, make …) hold.
in_readme_dir() {
  local readme_dir entry
  scratch_dir readme_dir
  for entry in "$top"/*; do
    case ${entry##*/} in out | build | bin) ;; *) ln -s "$entry" "$readme_dir/" ;; esac
  done
  ln -s "$top/bin" "$readme_dir/bin"
  ln -s "$1" "$readme_dir/out"
  cd "$readme_dir"
}

# start_containerd_daemon <state dir> <socket dir>: a containerd of the
# scenario's own, without the CRI plugin, its state in those directories and
# its socket at <socket dir>/containerd.sock; sets containerd_pid.
# stop_containerd_daemon: ends it and any shim of it that outlived it.
containerd_pid=""
start_containerd_daemon() {
  containerd_sockets=$2
  cat >"$1/containerd.toml" <<CONF
version = 2
root = "$1/containerd"
state = "$2/containerd"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$2/containerd.sock"
[ttrpc]
  address = "$2/containerd.sock.ttrpc"
CONF
  containerd --config "$1/containerd.toml" >"$1/containerd.log" 2>&1 &
  containerd_pid=$!
  wait_for 30 test -S "$2/containerd.sock" || fail "containerd did not start: $(tail -5 "$1/containerd.log")"
}
stop_containerd_daemon() {
  [ -n "$containerd_pid" ] || return 0
  kill "$containerd_pid" 2>/dev/null
  wait_bounded "$containerd_pid" 30
  kill_processes_naming "$containerd_sockets/"  # shims of it (they name its socket), and their containers
}
