#!/usr/bin/env bash
# The Dockerfile's self-building path: its builder stage (a Debian base made
# offline with debootstrap) cross-compiles each arch with the project's own
# build, and the binaries it produces are the very bytes `make all` produced.
# Usage: self-build.sh <work dir>   (the arches: PAUSE_ARCHES; make all's bytes: PAUSE_BIN_DIR)
. "$(dirname "$0")/../lib/harness.sh"
needs root buildah podman debootstrap mounts deadline=1500 bin
dir=$1
"$top/scripts/make-debian-base.sh" "$dir/debian-bookworm.tar"
scratch_dir out
BINARY_SOURCE=build BUILDER_ROOTFS="$dir/debian-bookworm.tar" "$top/scripts/build-image.sh" "$out" "$bin_dir" \
  "${test_arches[@]}"
SELF_BUILT=1 PAUSE_IMAGE_DIR=$out "$(dirname "$0")/config.sh"
