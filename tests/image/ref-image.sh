#!/usr/bin/env bash
# Fixture: a reference sandbox image (Debian's catatonit -P, FROM scratch) as an
# OCI archive, for bench.density.smoke and as e2e.registry.sign's foreign image.
# Usage: ref-image.sh <archive>
. "$(dirname "$0")/../lib/harness.sh"
needs root catatonit umoci skopeo mounts
"$top/scripts/make-ref-image.sh" /usr/bin/catatonit "$1" -P
