#!/usr/bin/env bash
# Builds a static musl for an arch Debian ships no musl-dev for (riscv64 in
# bookworm), from Debian's own musl source package, into PREFIX.
# Usage: cmake/build-musl.sh <gnu-triple> <prefix>
# Needs a deb-src entry for bookworm main (.ci/run adds one) and dpkg-dev.
set -euo pipefail
triple=$1
prefix=$(realpath -m "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
if ! apt-get source --download-only musl >fetch.log 2>&1; then
  cat fetch.log >&2
  echo "cannot fetch Debian's musl source: add a 'deb-src' entry for bookworm main and run apt-get update" >&2
  exit 1
fi
dpkg-source --no-check -x musl_*.dsc src >/dev/null
cd src
# musl's own sources warn under GCC 12; show the log only if the build fails.
{ ./configure --target="$triple" CROSS_COMPILE="$triple-" --prefix="$prefix" --disable-shared \
    && make -j"$(nproc)" && make install; } >build.log 2>&1 || { tail -30 build.log >&2; exit 1; }
echo "musl for $triple installed in $prefix"
