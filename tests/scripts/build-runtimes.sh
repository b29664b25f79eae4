#!/usr/bin/env bash
# scripts/build-runtimes.sh (what `make deps PAUSE_RUNTIME_SOURCES=…` runs): a
# missing or altered tarball, a missing SHA256SUMS, an unknown project and a
# Debian suite without the Go toolchain are each one line on stderr that names
# it, a non-zero exit, and nothing left in the cache; the Go 1.26 toolchain it
# fetches from trixie-backports runs, is new enough, and leaves the machine's
# apt and dpkg state as they were.
# Usage: build-runtimes.sh
. "$(dirname "$0")/../lib/harness.sh"
needs root apt-get dpkg deadline=300
scratch_dir sources
scratch_dir cache
build_runtimes() { PAUSE_RUNTIME_SOURCES=$sources PAUSE_RUNTIMES_CACHE=$cache "$top/scripts/build-runtimes.sh" "$@"; }

one_line_error() {  # one_line_error <what> <expected in the message> <build-runtimes.sh arguments...>
  local what=$1 expected=$2 output status=0
  shift 2
  output=$(build_runtimes "$@" 2>&1 >/dev/null) || status=$?
  [ "$status" != 0 ] || fail "$what: exit 0"
  [ "$(wc -l <<<"$output")" = 1 ] || fail "$what: more than one line: $output"
  [[ $output == *"$expected"* ]] || fail "$what: the message does not say '$expected': $output"
  [ -z "$(find "$cache" -mindepth 1 -not -name .lock -print -quit)" ] ||
    fail "$what: left in the cache: $(ls -A "$cache")"
  pass "$what: $output"
}
one_line_error "no SHA256SUMS" "no SHA256SUMS in $sources"
first=cri-o-1.26.4.tar.xz
echo "0000000000000000000000000000000000000000000000000000000000000000  $first" >"$sources/SHA256SUMS"
one_line_error "a tarball missing" "missing $sources/$first"
echo "not the release" >"$sources/$first"
one_line_error "a tarball altered" "checksum mismatch for $sources/$first"
one_line_error "an unknown project" "unknown project 'containerd-9.9'" --dir containerd-9.9
PAUSE_GO_SUITE=no-such-suite one_line_error "a suite without the toolchain" "no-such-suite" --go

# The toolchain, fetched into the scratch cache: the machine's apt sources,
# lists and caches, and dpkg's database, are untouched.
apt_state() {
  find /etc/apt /var/lib/apt/lists /var/cache/apt -type f -print0 2>/dev/null | sort -z | xargs -0 sha256sum
  sha256sum /var/lib/dpkg/status
}
before=$(apt_state)
goroot=$(build_runtimes --go) || fail "fetching the toolchain failed"
have=$("$goroot/bin/go" env GOVERSION)
[ "$(printf '%s\n' go1.26.3 "$have" | sort -V | head -n 1)" = go1.26.3 ] ||
  fail "the toolchain is $have, older than go1.26.3"
pass "the toolchain runs here: $have, in $goroot"
[ "$(apt_state)" = "$before" ] || fail \
  "the machine's apt or dpkg state changed: $(diff <(echo "$before") <(apt_state) | head -n 5)"
pass "the machine's apt sources, lists and caches and dpkg's database are as they were"
