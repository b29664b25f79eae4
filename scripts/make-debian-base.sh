#!/usr/bin/env bash
# Makes a minimal Debian 12 root filesystem tarball, the builder stage's base
# when no registry can be reached (`podman import` turns it into an image).
#   scripts/make-debian-base.sh <out.tar>      (root; about 40 s; kept if present)
set -euo pipefail
out=$(realpath -m "$1")
[ -s "$out" ] && { echo "$out exists"; exit 0; }
command -v debootstrap >/dev/null || { echo "debootstrap not found: apt-get install debootstrap" >&2; exit 1; }
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >"$root.log" 2>&1 \
  || { tail -20 "$root.log" >&2; rm -f "$root.log"; exit 1; }
rm -f "$root.log"
# debootstrap leaves a sources.list; the image gets the same deb822 entry as Debian's images.
rm -f "$root/etc/apt/sources.list"
printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
  >"$root/etc/apt/sources.list.d/debian.sources"
mkdir -p "$(dirname "$out")"
tar --numeric-owner -C "$root" -cf "$out.partial" . && mv "$out.partial" "$out"
echo "$out"
