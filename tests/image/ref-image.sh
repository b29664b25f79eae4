#!/usr/bin/env bash
# Fixture: a reference sandbox image (Debian's catatonit -P, FROM scratch) as an
# OCI archive, for bench.density.smoke and as e2e.registry.sign's foreign image.
# Usage: ref-image.sh <archive>
. "$(dirname "$0")/../lib.sh"
need_root
need_tool catatonit
need_tool umoci
need_tool skopeo
private_mounts "$@"  # skopeo keeps a cache under /var/lib/containers as root
"$top/bench/make-ref-image.sh" /usr/bin/catatonit "$1" -P
