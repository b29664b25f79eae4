#!/usr/bin/env bash
# Fixture: builds the multi-arch image from bin/ (make all) into <dir>, as `make image` does.
# Usage: build.sh <dir>
. "$(dirname "$0")/../lib/harness.sh"
needs root buildah podman skopeo mounts
"$top/scripts/build-image.sh" "$1"
