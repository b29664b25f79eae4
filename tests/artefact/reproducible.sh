#!/usr/bin/env bash
# The same commit gives the same bytes, whatever differs between two builds
# that can: the source tree's path (a copy at a path with upper case and a
# space), the build directory, the time (faketime, years ahead), the time zone,
# the locale, the umask, and unrelated environment. Every arch's binary from
# both builds must equal each other and bin/.
# Usage: reproducible.sh   (the arches: PAUSE_ARCHES; bin/: PAUSE_BIN_DIR; musl built from
#   source, if an arch needs it, reused from PAUSE_MUSL_BUILD_DIR when set)
. "$(dirname "$0")/../lib/harness.sh"
needs faketime deadline=900 bin
arches=("${test_arches[@]}")
scratch_dir work
revision=$(git -C "$top" rev-parse HEAD)
copy="$work/Another Checkout/Of Pause"
mkdir -p "$copy"
(cd "$top" && git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -a -t "$copy")

build() {  # build <source dir> <out dir> <env...>: make all, from a clean environment
  local source=$1 out=$2
  shift 2
  env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$work" "$@" \
    make --no-print-directory -C "$source" all ARCHES="${arches[*]}" REVISION="$revision" \
    BUILD_DIR="$out/build" BIN_DIR="$out/bin" MUSL_BUILD_DIR="${PAUSE_MUSL_BUILD_DIR:-$work/musl}" >"$out.log" 2>&1 \
    || { tail -20 "$out.log" >&2; fail "the build in $source failed"; }
}
(umask 022 && build "$top" "$work/first" LC_ALL=C TZ=UTC)
(umask 077 && build "$copy" "$work/Second Build" LC_ALL=C.UTF-8 LANG=de_DE.UTF-8 TZ=Asia/Kolkata \
  PAUSE_UNRELATED=$RANDOM faketime -f +1800d)
for arch in "${arches[@]}"; do
  a=$work/first/bin/pause-linux-$arch b="$work/Second Build/bin/pause-linux-$arch"
  cmp "$a" "$b" || fail "$arch: the two builds differ"
  cmp "$a" "$bin_dir/pause-linux-$arch" || fail "$arch: differs from $bin_dir (built from another commit or tree?)"
  pass "$arch: identical, sha256 $(sha256sum <"$a" | cut -c1-16)…"
done
