# Shared by the shell scenarios under tests/ (sourced). Each scenario is one
# file, runs under CTest, cleans up after itself with `on_exit`, and reports
# with `pass`/`fail`. Exit 77 is CTest's "skipped".
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
version=$(cat "$top/VERSION")

cleanups=()
on_exit() { cleanups=("$*" "${cleanups[@]}"); }
run_cleanups() {
  local status=$? step
  for step in "${cleanups[@]}"; do eval "$step" || true; done
  return $status
}
trap run_cleanups EXIT

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
arches() { awk '/^[a-z]/ { print $1 }' "$top/cmake/arches.tsv"; }
arch_field() { awk -v arch="$1" -v n="$2" '$1 == arch { print $n }' "$top/cmake/arches.tsv"; }
host_arch() { awk -v debian="$(dpkg --print-architecture)" '$5 == debian { print $1 }' "$top/cmake/arches.tsv"; }
