#!/usr/bin/env bash
# CRI-O, containerd 1.7 and cri-tools (crictl, critest), built from their tagged
# release sources: Debian 12 packages none of them (its containerd is 1.6, kept
# and tested as well). The tarballs and their SHA256SUMS are in the directory
# PAUSE_RUNTIME_SOURCES names (CI: the machine's shared/src; elsewhere download
# the tags below from GitHub).
#   build-runtimes.sh              verify, then build whatever is not cached yet
#   build-runtimes.sh --dir NAME   the directory holding NAME's binaries (built),
#                                  or a one-line error naming what is missing
# Binaries go to $PAUSE_RUNTIMES_CACHE (/var/cache/pause-runtimes)/<project>-<version>-<sha256>/,
# a prefix of their own: nothing is installed in PATH, Debian's containerd stays
# the one `containerd` means. A second run builds nothing; GOCACHE is kept there too.
set -euo pipefail

# project     tarball                     binaries (go packages, or pinns)
runtimes=(
  "cri-o      cri-o-1.26.4.tar.xz         crio pinns"
  "cri-tools  cri-tools-1.26.1.tar.xz     crictl critest"
  "containerd containerd-1.7.13.tar.xz    containerd containerd-shim-runc-v2 ctr"
)
cache=${PAUSE_RUNTIMES_CACHE:-/var/cache/pause-runtimes}
sources=${PAUSE_RUNTIME_SOURCES:-}

die() { echo "build-runtimes.sh: $*" >&2; exit 1; }
row_of() {  # row_of NAME: the table's row for a project
  local row
  for row in "${runtimes[@]}"; do
    read -r -a fields <<<"$row"
    [ "${fields[0]}" = "$1" ] && { echo "$row"; return 0; }
  done
  die "unknown project '$1' (known: cri-o, cri-tools, containerd)"
}
# The checksum SHA256SUMS gives a tarball, after checking that the file has it.
verified_sum() {
  local tarball=$1 want have
  [ -n "$sources" ] || die "PAUSE_RUNTIME_SOURCES is not set: point it at a directory with ${tarball} and SHA256SUMS"
  [ -f "$sources/SHA256SUMS" ] || die "no SHA256SUMS in $sources"
  [ -f "$sources/$tarball" ] || die "missing $sources/$tarball"
  want=$(awk -v file="$tarball" '$2 == file || $2 == "*" file { print $1 }' "$sources/SHA256SUMS")
  [ -n "$want" ] || die "$tarball is not listed in $sources/SHA256SUMS"
  have=$(sha256sum "$sources/$tarball" | cut -d' ' -f1)
  [ "$have" = "$want" ] || die "checksum mismatch for $sources/$tarball: $have, SHA256SUMS says $want"
  echo "$want"
}
dir_of() {  # dir_of NAME: where NAME's binaries go (checks the tarball first)
  local row fields sum recipe
  row=$(row_of "$1") || exit 1
  read -r -a fields <<<"$row"
  sum=$(verified_sum "${fields[1]}") || exit 1
  # A change to how it is built builds it again.
  recipe=$(declare -f build_project | sha256sum | cut -c1-12)
  echo "$cache/${fields[1]%.tar.xz}-$sum-$recipe"
}

build_project() {  # build_project <source dir> <out dir> <project> <binaries...>
  local src=$1 out=$2 project=$3 binary tags version version_of_cri_tools
  shift 3
  version_of_cri_tools=github.com/kubernetes-sigs/cri-tools/pkg/version.Version=$(basename "$src" | sed 's/^cri-tools-//')
  for binary in "$@"; do
    case $project/$binary in
      cri-o/crio)
        tags="containers_image_ostree_stub exclude_graphdriver_btrfs btrfs_noversion exclude_graphdriver_devicemapper containers_image_openpgp seccomp"
        (cd "$src" && go build -trimpath -tags "$tags" -o "$out/crio" ./cmd/crio) ;;
      cri-o/pinns)
        make -s -C "$src/pinns" >/dev/null && cp "$src/bin/pinns" "$out/pinns" ;;
      cri-tools/crictl)
        (cd "$src" && go build -trimpath -ldflags "-X $version_of_cri_tools" -o "$out/crictl" ./cmd/crictl) ;;
      cri-tools/critest)
        (cd "$src" && CGO_ENABLED=0 go test -c -trimpath -ldflags "-X $version_of_cri_tools" -o "$out/critest" ./cmd/critest) ;;
      containerd/*)
        version=v$(basename "$src" | sed 's/^containerd-//')
        (cd "$src" && go build -trimpath -tags no_btrfs \
          -ldflags "-X github.com/containerd/containerd/version.Version=$version" -o "$out/$binary" "./cmd/$binary") ;;
    esac
  done
}

if [ "${1:-}" = --dir ]; then
  dir=$(dir_of "${2:?--dir NAME}") || exit 1
  [ -f "$dir/.complete" ] || die "$2 is not built yet: make deps PAUSE_RUNTIME_SOURCES=$sources"
  echo "$dir"
  exit 0
fi

command -v go >/dev/null || die "go not found: apt-get install golang-go"
for row in "${runtimes[@]}"; do verified_sum "$(awk '{ print $2 }' <<<"$row")" >/dev/null; done
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
# Vendored modules only: the build never downloads anything.
export GOCACHE=$cache/go-build GOFLAGS=-mod=vendor GOPROXY=off GOTOOLCHAIN=local GOPATH=$cache/gopath

for row in "${runtimes[@]}"; do
  read -r -a fields <<<"$row"
  project=${fields[0]}
  out=$(dir_of "$project") || exit 1
  if [ -f "$out/.complete" ]; then
    echo "$project: cached in $out"
    continue
  fi
  echo "$project: building ${fields[*]:2} from ${fields[1]} (minutes when cold)"
  rm -rf "$out" "$out.src"
  mkdir -p "$out" "$out.src"
  tar -C "$out.src" -xJf "$sources/${fields[1]}"
  start=$SECONDS
  if ! build_project "$out.src/${fields[1]%.tar.xz}" "$out" "${fields[@]:0:1}" "${fields[@]:2}"; then
    rm -rf "$out" "$out.src"
    die "building $project failed"
  fi
  rm -rf "$out.src"
  touch "$out/.complete"
  # Earlier builds of this project (another tarball or recipe) are not used any more.
  for old in "$cache/${fields[1]%%-[0-9]*}"-*; do
    [ "$old" = "$out" ] || [ ! -f "$old/.complete" ] || rm -rf "$old"
  done
  echo "$project: built in $((SECONDS - start)) s into $out"
done
