#!/usr/bin/env bash
# The Dockerfile's self-building path: its builder stage (a Debian base made
# offline with debootstrap) cross-compiles each arch with the project's own
# build, and the binaries it produces are the very bytes `make all` produced.
# Usage: self-build.sh <work dir> [arch ...]   (default: amd64 arm64 ppc64le)
. "$(dirname "$0")/../lib.sh"
need_root
need_tool buildah
need_tool podman
need_tool debootstrap
dir=$1
shift
[ $# -gt 0 ] || set -- amd64 arm64 ppc64le
"$top/scripts/make-debian-base.sh" "$dir/debian-bookworm.tar"
out=$(mktemp -d)
on_exit rm -rf "$out"
BINARY_SOURCE=build BUILDER_ROOTFS="$dir/debian-bookworm.tar" "$top/scripts/build-image.sh" "$out" "$@"
"$(dirname "$0")/config.sh" "$out" "$@"
