#!/usr/bin/env bash
# Fixture: builds the multi-arch image from bin/ (make all) into <dir>, as `make image` does.
# Usage: build.sh <dir>
. "$(dirname "$0")/../lib.sh"
need_root
need_tool buildah
need_tool podman
need_tool skopeo
private_mounts "$@"
"$top/scripts/build-image.sh" "$1"
