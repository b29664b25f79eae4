#!/usr/bin/env bash
# Building the image again from the same commit, in a fresh storage, gives the
# same manifest list digest (and so the same per-arch manifests and layers).
# Usage: reproducible.sh <dir made by build.sh>
. "$(dirname "$0")/../lib.sh"
need_root
need_tool buildah
first=$1
second=$(mktemp -d)
on_exit rm -rf "$second"
"$top/scripts/build-image.sh" "$second" >/dev/null
digest() { jq -r --arg tag "$version" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $tag) | .digest' "$1/oci/index.json"; }
expect_eq "manifest list digest of a second build" "$(digest "$first")" "$(digest "$second")"
diff -r "$first/oci" "$second/oci" >/dev/null || fail "the OCI layouts differ"
pass "the OCI layouts are identical, blob for blob"
