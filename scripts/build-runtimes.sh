#!/usr/bin/env bash
# The container runtimes of the e2e matrix that Debian 12 does not package,
# built from their tagged release sources: containerd 1.7 and 2.3, CRI-O 1.26
# and 1.36, cri-tools (crictl, critest) 1.26 and 1.36, runc 1.4 and conmon 2.1
# (Debian's containerd 1.6, runc 1.1 and conmon 2.1.6 are kept and tested as
# well). The tarballs and their SHA256SUMS are in the directory
# PAUSE_RUNTIME_SOURCES names (CI: the machine's shared/src; elsewhere download
# the tags below from GitHub).
#   build-runtimes.sh              verify, then build whatever is not cached yet
#   build-runtimes.sh --dir NAME   the directory holding NAME's binaries (built),
#                                  or a one-line error naming what is missing
#   build-runtimes.sh --go         the GOROOT of the Go 1.26 toolchain, fetched first if
#                                  it is not in the cache yet
# Binaries go to $PAUSE_RUNTIMES_CACHE (/var/cache/pause-runtimes)/<tarball>-<sha256>-<recipe>/,
# a prefix of their own: nothing is installed in PATH, Debian's containerd stays
# the one `containerd` means. A second run builds nothing; GOCACHE is kept there too.
#
# The 1.19 rows build with Debian 12's Go; the 1.26 rows with Go >= 1.26.3 from
# Debian's trixie-backports, which Debian 12 runs as it is: its two packages
# (golang-1.26-go, golang-1.26-src) are downloaded with apt settings of their
# own (sources, lists and cache in a scratch directory) and unpacked with
# dpkg -x into the cache. The machine's apt state is never touched: nothing of
# Debian 13 is installed, and `apt-get upgrade` stays a no-op.
set -euo pipefail

# project         tarball                    go     binaries (go packages, or pinns/conmon)
runtimes=(
  "cri-o-1.26      cri-o-1.26.4.tar.xz        1.19   crio pinns"
  "cri-tools-1.26  cri-tools-1.26.1.tar.xz    1.19   crictl"
  "containerd-1.7  containerd-1.7.13.tar.xz   1.19   containerd containerd-shim-runc-v2 ctr"
  "containerd-2.3  containerd-2.3.4.tar.xz    1.26   containerd containerd-shim-runc-v2 ctr"
  "cri-o-1.36      cri-o-1.36.3.tar.xz        1.26   crio pinns"
  "cri-tools-1.36  cri-tools-1.36.0.tar.xz    1.26   crictl critest"
  "runc-1.4        runc-1.4.3.tar.xz          1.26   runc"
  "conmon-2.1      conmon-2.1.13.tar.xz       -      conmon"
)
go_minimum=1.26.3
go_suite=${PAUSE_GO_SUITE:-trixie-backports}  # (another suite only in the tests of its errors)
go_packages="golang-1.26-go golang-1.26-src"
cache=${PAUSE_RUNTIMES_CACHE:-/var/cache/pause-runtimes}
sources=${PAUSE_RUNTIME_SOURCES:-}

die() { echo "build-runtimes.sh: $*" >&2; exit 1; }
row_of() {  # row_of NAME: the table's row for a project
  local row
  for row in "${runtimes[@]}"; do
    read -r -a fields <<<"$row"
    [ "${fields[0]}" = "$1" ] && { echo "$row"; return 0; }
  done
  die "unknown project '$1' (known: $(printf '%s\n' "${runtimes[@]}" | awk '{ print $1 }' | tr '\n' ' '))"
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

# version_at_least A B: A >= B, for dotted versions.
version_at_least() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n 1)" = "$2" ]; }
# go_toolchain: the GOROOT of Go >= $go_minimum, fetched once into the cache
# (the current version of the suite: Debian's updates move it).
go_toolchain() {
  local root=$cache/go-1.26 mirror arch have package
  if [ -f "$root/.complete" ]; then echo "$root/usr/lib/go-1.26"; return 0; fi
  mirror=$("$(dirname "$0")/install-deps.sh" --print-mirror) || die \
    "no Debian mirror in /etc/apt to fetch $go_packages from"
  arch=$(dpkg --print-architecture)
  go_work=$(mktemp -d)
  trap 'rm -rf "${go_work:-}"' EXIT  # (die exits: a RETURN trap would not run)
  mkdir -p "$go_work/parts" "$go_work/lists/partial" "$go_work/cache/archives/partial" "$go_work/debs" "$go_work/root"
  printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\n%s\n' "$mirror" "$go_suite" \
    "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg" >"$go_work/parts/$go_suite.sources"
  local apt=(-q -o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$go_work/parts"
    -o "Dir::State::Lists=$go_work/lists"
    -o "Dir::Cache=$go_work/cache" -o "APT::Architectures=$arch" -o "APT::Sandbox::User=root")
  apt-get "${apt[@]}" update >"$go_work/update.log" 2>&1 || die \
    "apt-get update of $go_suite ($mirror) failed: $(tail -n 1 "$go_work/update.log")"
  for package in $go_packages; do
    # (an absent suite is no error to apt-get update: it only warns)
    (cd "$go_work/debs" && apt-get "${apt[@]}" download "$package" >"$go_work/download.log" 2>&1) ||
      die "cannot download $package from $go_suite ($mirror): $(grep '^E:' "$go_work/download.log" | head -n 1)"
  done
  for package in "$go_work"/debs/*.deb; do dpkg -x "$package" "$go_work/root"; done
  have=$("$go_work/root/usr/lib/go-1.26/bin/go" env GOVERSION 2>/dev/null | sed 's/^go//') ||
    die "the go of $go_suite's golang-1.26-go does not run here"
  version_at_least "$have" "$go_minimum" || die "$go_suite has Go $have; the 1.26 sources need $go_minimum or later"
  rm -rf "$root"
  mkdir -p "$cache"
  mv "$go_work/root" "$root"
  touch "$root/.complete"
  rm -rf "$go_work"
  echo "$root/usr/lib/go-1.26"
}

build_project() {  # build_project <source dir> <out dir> <project> <binaries...>
  local src=$1 out=$2 project=$3 binary tags version
  shift 3
  version=$(basename "$src" | sed 's/^[a-z-]*-//')
  for binary in "$@"; do
    case $project/$binary in
      cri-o-*/crio)
        tags="containers_image_ostree_stub exclude_graphdriver_btrfs btrfs_noversion"
        tags+=" exclude_graphdriver_devicemapper containers_image_openpgp seccomp"
        # 1.36 keeps its state in SQLite: Debian's libsqlite3 (the vendored amalgamation is not in the tarball).
        [ "$project" = cri-o-1.26 ] || tags="$tags libsqlite3"
        (cd "$src" && go build -trimpath -tags "$tags" -o "$out/crio" ./cmd/crio) ;;
      cri-o-*/pinns)
        make -s -C "$src/pinns" >/dev/null && cp "$src/bin/pinns" "$out/pinns" ;;
      cri-tools-*/crictl)
        (cd "$src" && go build -trimpath -ldflags "-X sigs.k8s.io/cri-tools/pkg/version.Version=$version" \
          -o "$out/crictl" ./cmd/crictl) ;;
      cri-tools-*/critest)
        (cd "$src" && CGO_ENABLED=0 go test -c -trimpath -ldflags \
          "-X sigs.k8s.io/cri-tools/pkg/version.Version=$version" \
          -o "$out/critest" ./cmd/critest) ;;
      containerd-*/*)
        local module=github.com/containerd/containerd
        [ "$project" = containerd-1.7 ] || module=$module/v2
        (cd "$src" && go build -trimpath -tags no_btrfs \
          -ldflags "-X $module/version.Version=v$version" -o "$out/$binary" "./cmd/$binary") ;;
      runc-*/runc)
        (cd "$src" && go build -trimpath -tags seccomp -ldflags "-X main.gitCommit=v$version" -o "$out/runc" .) ;;
      conmon-*/conmon)
        make -s -C "$src" bin/conmon >/dev/null && cp "$src/bin/conmon" "$out/conmon" ;;
      *) die "no recipe for $binary of $project" ;;
    esac
  done
}

if [ "${1:-}" = --go ]; then
  mkdir -p "$cache"
  go_toolchain
  exit 0
fi
if [ "${1:-}" = --dir ]; then
  dir=$(dir_of "${2:?--dir NAME}") || exit 1
  [ -f "$dir/.complete" ] || die "$2 is not built yet: make deps PAUSE_RUNTIME_SOURCES=$sources"
  echo "$dir"
  exit 0
fi

for row in "${runtimes[@]}"; do verified_sum "$(awk '{ print $2 }' <<<"$row")" >/dev/null; done
command -v go >/dev/null || die "go not found: apt-get install golang-go"
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
# Vendored modules only: the build never downloads anything, not even a toolchain.
export GOCACHE=$cache/go-build GOFLAGS=-mod=vendor GOPROXY=off GOTOOLCHAIN=local GOPATH=$cache/gopath
system_path=$PATH

for row in "${runtimes[@]}"; do
  read -r -a fields <<<"$row"
  project=${fields[0]}
  out=$(dir_of "$project") || exit 1
  if [ -f "$out/.complete" ]; then
    echo "$project: cached in $out"
    continue
  fi
  case ${fields[2]} in
    1.26) goroot=$(go_toolchain) || exit 1; PATH=$goroot/bin:$system_path ;;
    *) PATH=$system_path ;;
  esac
  toolchain=""
  [ "${fields[2]}" = - ] || toolchain=" with $(go env GOVERSION)"
  echo "$project: building ${fields[*]:3} from ${fields[1]}$toolchain (minutes when cold)"
  rm -rf "$out" "$out.src"
  mkdir -p "$out" "$out.src"
  tar -C "$out.src" -xJf "$sources/${fields[1]}"
  start=$SECONDS
  if ! build_project "$out.src/${fields[1]%.tar.xz}" "$out" "$project" "${fields[@]:3}"; then
    rm -rf "$out" "$out.src"
    die "building $project failed"
  fi
  rm -rf "$out.src"
  touch "$out/.complete"
  # Earlier builds of this tarball (another checksum or recipe) are not used any more.
  for old in "$cache/${fields[1]%.tar.xz}"-*; do
    [ "$old" = "$out" ] || [ ! -f "$old/.complete" ] || rm -rf "$old"
  done
  echo "$project: built in $((SECONDS - start)) s into $out"
done
