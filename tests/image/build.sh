#!/usr/bin/env bash
# Fixture: builds the image of the arches under test from their binaries (make all) into the
# image dir, as `make image` does (PAUSE_ARCHES, PAUSE_BIN_DIR, PAUSE_IMAGE_DIR).
# Usage: build.sh
. "$(dirname "$0")/../lib/harness.sh"
needs root buildah podman skopeo mounts bin image
"$top/scripts/build-image.sh" "$image_dir" "$bin_dir" "${test_arches[@]}"
