#!/usr/bin/env bash
# Building the image again from the same commit, in a fresh storage, gives the
# same manifest list digest (and so the same per-arch manifests and layers), and
# the same archives, byte for byte.
# Usage: reproducible.sh   (the first build: PAUSE_IMAGE_DIR, of PAUSE_ARCHES from PAUSE_BIN_DIR)
. "$(dirname "$0")/../lib/harness.sh"
needs root buildah mounts bin image
first=$image_dir
scratch_dir second
"$top/scripts/build-image.sh" "$second" "$bin_dir" "${test_arches[@]}" >/dev/null
digest() { jq -r --arg tag "$version" \
  '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $tag) | .digest' "$1/oci/index.json"; }
expect_eq "manifest list digest of a second build" "$(digest "$first")" "$(digest "$second")"
diff -r "$first/oci" "$second/oci" >/dev/null || fail "the OCI layouts differ"
pass "the OCI layouts are identical, blob for blob"
for archive in pause.oci.tar $(printf 'pause-%s.docker.tar\n' "${test_arches[@]}"); do
  cmp "$first/$archive" "$second/$archive" || fail "$archive differs"
done
pass "the OCI archive and every docker archive are identical, byte for byte"
diff -r "$first/sbom" "$second/sbom" >/dev/null || fail "the SBOMs differ"
pass "the SBOMs are identical, byte for byte"
