#!/usr/bin/env bash
# Two builds of the same commit, in other build directories, at another time
# and with another SOURCE_DATE_EPOCH, give bit-identical binaries for every arch.
# Usage: reproducible.sh
. "$(dirname "$0")/../lib.sh"
work=$(mktemp -d)
on_exit rm -rf "$work"
for run in first second-with-a-longer-path; do
  SOURCE_DATE_EPOCH=$RANDOM make --no-print-directory -C "$top" all \
    BUILD_DIR="$work/$run/build" BIN_DIR="$work/$run/bin" RISCV64_MUSL="$top/build/musl-riscv64" >/dev/null
done
for arch in $(arches); do
  a=$work/first/bin/pause-linux-$arch b=$work/second-with-a-longer-path/bin/pause-linux-$arch
  cmp "$a" "$b" || fail "$arch: the two builds differ"
  cmp "$a" "$top/bin/pause-linux-$arch" || fail "$arch: differs from bin/ (built from another commit or tree?)"
  pass "$arch: identical, sha256 $(sha256sum <"$a" | cut -c1-16)…"
done
