#!/usr/bin/env bash
# Builds a static musl for an arch Debian ships no musl-dev for (riscv64 in
# bookworm), from Debian's own musl source package, into PREFIX.
# Usage: cmake/build-musl.sh <gnu-triple> <prefix>
# Needs Debian's source index (scripts/install-deps.sh adds a deb-src entry) and dpkg-dev.
set -euo pipefail
triple=$1
prefix=$(realpath -m "$2")
# musl's configure and Makefile cannot take a path with a space, so it is built
# and installed under /tmp (whatever TMPDIR says: that may hold spaces too),
# then copied to PREFIX.
work=$(mktemp -d /tmp/pause-musl.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
if ! apt-get source --download-only musl >fetch.log 2>&1; then
  cat fetch.log >&2
  echo "cannot fetch Debian's musl source: run scripts/install-deps.sh (it adds a deb-src entry)" \
    "or add one for your mirror, then apt-get update" >&2
  exit 1
fi
dpkg-source --no-check -x musl_*.dsc src >/dev/null
source_version=$(awk '$1 == "Version:" { print $2; exit }' musl_*.dsc)
cd src
# musl's own sources warn under GCC 12; show the log only if the build fails.
{ ./configure --target="$triple" CROSS_COMPILE="$triple-" --prefix="$work/prefix" --disable-shared \
    && make -j"$(nproc)" && make install; } >build.log 2>&1 || { tail -30 build.log >&2; exit 1; }
rm -rf "$prefix"
mkdir -p "$(dirname "$prefix")"
cp -a "$work/prefix" "$prefix"
# The specs file names the install's paths. GCC splits specs at spaces unless a
# backslash makes the next character ordinary, and reads % as a directive (%%).
escaped=$prefix
escaped=${escaped//\\/\\\\}
escaped=${escaped//%/%%}
escaped=${escaped// /\\ }
escaped=${escaped//$'\t'/\\$'\t'}
specs=$(cat "$prefix/lib/musl-gcc.specs" && echo .)  # the dot keeps the trailing blank lines GCC needs
specs=${specs%.}
printf '%s' "${specs//"$work/prefix"/"$escaped"}" >"$prefix/lib/musl-gcc.specs"
# What was built, for the build's record (bin/pause-linux-<arch>.buildinfo, the SBOM).
echo "$source_version" >"$prefix/debian-source-version"
echo "musl for $triple installed in $prefix"
