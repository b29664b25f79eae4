#!/usr/bin/env bash
# Makes a minimal Debian 12 root filesystem tarball, the builder stage's base
# when no registry can be reached (`podman import` turns it into an image).
#   scripts/make-debian-base.sh <out.tar>      (root; about 40 s; kept if present)
set -euo pipefail
out=$(realpath -m "$1")
[ -s "$out" ] && { echo "$out exists"; exit 0; }
command -v debootstrap >/dev/null || { echo "debootstrap not found: apt-get install debootstrap" >&2; exit 1; }
# debootstrap cannot take a target path with a space: under /tmp, whatever TMPDIR says.
root=$(mktemp -d /tmp/pause-debootstrap.XXXXXX)
trap 'rm -rf "$root" "$root.log"' EXIT
# The machine's own Debian mirror (a local or corporate one too).
mirror=$("$(dirname "$0")/install-deps.sh" --print-mirror)
debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.log" 2>&1 \
  || { tail -20 "$root.log" >&2; rm -f "$root.log"; exit 1; }
rm -f "$root.log"
# debootstrap leaves a sources.list; the image gets a deb822 entry for the same mirror.
rm -f "$root/etc/apt/sources.list"
printf 'Types: deb\nURIs: %s\nSuites: bookworm bookworm-updates\nComponents: main\n%s\n' \
  "$mirror" "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg" \
  >"$root/etc/apt/sources.list.d/debian.sources"
mkdir -p "$(dirname "$out")"
tar --numeric-owner -C "$root" -cf "$out.partial" . && mv "$out.partial" "$out"
echo "$out"
