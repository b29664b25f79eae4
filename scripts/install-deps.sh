#!/usr/bin/env bash
# Installs, on Debian 12 (as root; a no-op when all is there already):
#   install-deps.sh                 everything the build, tests, images and benchmark use
#   install-deps.sh --build ARCH    only what building bin/pause-linux-ARCH needs
# Used by `make deps`, CI and the Dockerfile's builder stage.
set -euo pipefail
table=$(dirname "$0")/../cmake/arches.tsv
field() { awk -v arch="$1" -v n="$2" '$1 == arch { print $n }' "$table"; }
native=$(dpkg --print-architecture)

# Compiler and musl for one arch. Debian 12 has no musl-dev:riscv64: the build
# compiles Debian's musl source for it (cmake/build-musl.sh), hence dpkg-dev.
build_packages() {
  local arch=$1 triple debian_arch
  triple=$(field "$arch" 2)
  debian_arch=$(field "$arch" 5)
  [ -n "$triple" ] || { echo "unknown arch '$arch' (see cmake/arches.tsv)" >&2; exit 2; }
  echo cmake make g++ binutils musl-tools musl-dev
  if [ "$debian_arch" != "$native" ]; then
    echo "g++-$triple"
    if [ "$arch" = riscv64 ]; then
      echo dpkg-dev
    else
      dpkg --print-foreign-architectures | grep -qx "$debian_arch" || dpkg --add-architecture "$debian_arch"
      echo "musl-dev:$debian_arch"
    fi
  fi
}

packages=()
if [ "${1:-}" = --build ]; then
  read -r -a packages <<<"$(build_packages "$2" | tr '\n' ' ')"
else
  for arch in $(awk '/^[a-z]/ { print $1 }' "$table"); do
    read -r -a more <<<"$(build_packages "$arch" | tr '\n' ' ')"
    packages+=("${more[@]}")
  done
  packages+=(
    git procps
    # tests: GoogleTest, qemu-user for the foreign binaries, static analysis
    libgtest-dev libgmock-dev qemu-user-static binfmt-support clang-tidy cppcheck
    # images and the end-to-end runtimes
    buildah podman skopeo umoci runc crun containerd docker.io busybox-static debootstrap seccomp
    # benchmark peers and tools
    catatonit tini strace
  )
fi

missing=()
for package in $(printf '%s\n' "${packages[@]}" | sort -u); do
  dpkg-query -W -f '${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
need_update=false
if printf '%s\n' "${packages[@]}" | grep -qx dpkg-dev; then
  # `apt-get source musl` needs Debian's source index.
  src_list=/etc/apt/sources.list.d/pause-deb-src.sources
  if [ ! -f "$src_list" ]; then
    printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' >"$src_list"
    need_update=true
  fi
fi
if [ ${#missing[@]} -gt 0 ] || $need_update; then
  # A foreign-arch security index may fail to download ("mirror sync in
  # progress"): what matters is that the install below succeeds.
  apt-get update -q >/dev/null 2>&1 || echo "apt-get update reported errors; going on" >&2
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "prerequisites installed"
