#!/usr/bin/env bash
# Debian's kernel and busybox-static for a VM of ARCH (cmake/arches.tsv's vm-*
# columns), fetched once into a cache outside the checkout, for tests/vm/run.sh:
#   $PAUSE_VM_CACHE/<arch>/vmlinuz   the kernel of the metapackage's current ABI
#                                    (Debian moves the ABI number with security
#                                    updates: the metapackage names it)
#   $PAUSE_VM_CACHE/<arch>/busybox   busybox-static of that arch
#   $PAUSE_VM_CACHE/<arch>/versions  the two packages, name and version
# PAUSE_VM_CACHE defaults to /var/cache/pause-vm. Prints the arch's directory.
# A missing package is an error naming it. Needs the arch in dpkg's foreign
# architectures and apt's lists (scripts/install-deps.sh adds both).
# Usage: vm-assets.sh ARCH
set -euo pipefail
arch=${1:?usage: vm-assets.sh ARCH}
top=$(cd "$(dirname "$0")/.." && pwd)
field() { "$top/cmake/arches.sh" get "$arch" "$1"; }
metapackage=$(field vm-kernel)
debian_arch=$(field debian-arch)
[ "$metapackage" != - ] || { echo "vm-assets.sh: $arch has no VM kernel (cmake/arches.tsv)" >&2; exit 1; }
cache=${PAUSE_VM_CACHE:-/var/cache/pause-vm}/$arch
if [ -s "$cache/vmlinuz" ] && [ -x "$cache/busybox" ]; then
  echo "$cache"
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
download() {  # download PACKAGE: the .deb into $work, or a one-line error naming it
  (cd "$work" && apt-get download -q "$1:$debian_arch" >"$work/apt.log" 2>&1) && return
  echo "vm-assets.sh: cannot download $1:$debian_arch ($(grep -m1 '^E:' "$work/apt.log" || tail -1 "$work/apt.log"));" \
    "apt-get update, and dpkg --add-architecture $debian_arch first" >&2
  exit 1
}
download "$metapackage"
kernel=$(dpkg-deb -f "$work"/"${metapackage}"_*.deb Depends | tr ',' '\n' |
  sed -n 's/^ *\(linux-image-[0-9][^ ]*\).*/\1/p' | head -1)
[ -n "$kernel" ] || { echo "vm-assets.sh: $metapackage names no linux-image-<abi> package" >&2; exit 1; }
download "$kernel"
download busybox-static
mkdir -p "$work/kernel" "$work/busybox"
dpkg-deb -x "$work/${kernel}"_*.deb "$work/kernel"
dpkg-deb -x "$work"/busybox-static_*.deb "$work/busybox"
image=$(find "$work/kernel/boot" -name 'vmlinu[xz]-*' | head -1)
[ -n "$image" ] || { echo "vm-assets.sh: $kernel has no /boot/vmlinu[xz]-*" >&2; exit 1; }
mkdir -p "$cache.new"
cp "$image" "$cache.new/vmlinuz"
cp "$work/busybox/bin/busybox" "$cache.new/busybox"
for deb in "$work/${kernel}"_*.deb "$work"/busybox-static_*.deb; do
  dpkg-deb -f "$deb" Package Version | sed 's/^[^:]*: //' | paste -sd' '
done >"$cache.new/versions"
rm -rf "$cache"
mv "$cache.new" "$cache"
echo "$cache"
