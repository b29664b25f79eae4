#!/usr/bin/env bash
# The Dockerfile's self-building path: its builder stage (a Debian base made
# offline with debootstrap) cross-compiles each arch with the project's own
# build, and the binaries it produces are the very bytes `make all` produced.
# Usage: self-build.sh <work dir> [arch ...]   (default: every arch)
. "$(dirname "$0")/../lib/harness.sh"
needs root buildah podman debootstrap mounts deadline=1500
dir=$1
shift
[ $# -gt 0 ] || set -- $(arches)
"$top/scripts/make-debian-base.sh" "$dir/debian-bookworm.tar"
scratch_dir out
BINARY_SOURCE=build BUILDER_ROOTFS="$dir/debian-bookworm.tar" "$top/scripts/build-image.sh" "$out" "$@"
SELF_BUILT=1 "$(dirname "$0")/config.sh" "$out" "$@"
