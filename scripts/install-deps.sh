#!/usr/bin/env bash
# Installs everything the build, the tests, the images and the benchmark use on
# Debian 12 (root; no-op when all is there already). Used by `make deps` and CI.
set -euo pipefail
foreign_arches=(arm64 ppc64el armhf s390x)
packages=(
  # build: host and cross compilers, musl per arch (riscv64: from Debian's source, see Makefile)
  cmake make g++ git binutils dpkg-dev musl-tools musl-dev
  g++-aarch64-linux-gnu g++-powerpc64le-linux-gnu g++-arm-linux-gnueabihf g++-s390x-linux-gnu
  g++-riscv64-linux-gnu
  musl-dev:arm64 musl-dev:ppc64el musl-dev:armhf musl-dev:s390x
  # tests
  libgtest-dev libgmock-dev qemu-user-static binfmt-support clang-tidy cppcheck
  # images and end-to-end runtimes
  buildah podman skopeo umoci runc crun containerd docker.io busybox-static debootstrap
  # benchmark peers and tools
  catatonit tini strace
)
missing=()
for arch in "${foreign_arches[@]}"; do
  dpkg --print-foreign-architectures | grep -qx "$arch" || dpkg --add-architecture "$arch"
done
for package in "${packages[@]}"; do
  dpkg-query -W -f '${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
# `apt-get source musl` (riscv64's musl) needs Debian's source index.
src_list=/etc/apt/sources.list.d/pause-deb-src.sources
need_update=false
if [ ! -f "$src_list" ]; then
  printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' >"$src_list"
  need_update=true
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
echo "all build and test prerequisites are installed"
