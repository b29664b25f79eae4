#!/usr/bin/env bash
# Building the image again from the same commit, in a fresh storage, gives the
# same manifest list digest (and so the same per-arch manifests and layers), and
# the same archives, byte for byte.
# Usage: reproducible.sh <dir made by build.sh>
. "$(dirname "$0")/../lib/harness.sh"
needs root buildah mounts
first=$1
scratch_dir second
"$top/scripts/build-image.sh" "$second" >/dev/null
digest() { jq -r --arg tag "$version" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $tag) | .digest' "$1/oci/index.json"; }
expect_eq "manifest list digest of a second build" "$(digest "$first")" "$(digest "$second")"
diff -r "$first/oci" "$second/oci" >/dev/null || fail "the OCI layouts differ"
pass "the OCI layouts are identical, blob for blob"
for archive in pause.oci.tar $(arches | sed 's/.*/pause-&.docker.tar/'); do
  cmp "$first/$archive" "$second/$archive" || fail "$archive differs"
done
pass "the OCI archive and every docker archive are identical, byte for byte"
diff -r "$first/sbom" "$second/sbom" >/dev/null || fail "the SBOMs differ"
pass "the SBOMs are identical, byte for byte"
