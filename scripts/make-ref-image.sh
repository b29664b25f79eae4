#!/usr/bin/env bash
# A reference sandbox image for bench/density.sh --ref (make bench's
# BENCH_REF_IMAGE): a FROM-scratch image whose only file is a static binary,
# run as its entrypoint (with the arguments given) as 65535:65535, written as
# an OCI archive. For example Debian's catatonit, podman's default infra:
#   scripts/make-ref-image.sh /usr/bin/catatonit out/catatonit.oci.tar -P
# (or upstream's pause binary, taken out of its image).
set -euo pipefail
binary=$1 archive=$2
shift 2
[ -x "$binary" ] || { echo "make-ref-image: $binary is not an executable" >&2; exit 1; }
if readelf -lW "$binary" | grep -q INTERP; then
  echo "make-ref-image: $binary is dynamically linked; a FROM-scratch image needs a static binary" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
name=$(basename "$binary")
umoci init --layout "$work/oci"
umoci new --image "$work/oci:ref"
umoci unpack --image "$work/oci:ref" "$work/bundle" >/dev/null
install -m 0755 "$binary" "$work/bundle/rootfs/$name"
umoci repack --image "$work/oci:ref" "$work/bundle" >/dev/null
entrypoint=(--config.entrypoint "/$name")
for arg in "$@"; do entrypoint+=(--config.entrypoint "$arg"); done
umoci config --image "$work/oci:ref" --config.user 65535:65535 "${entrypoint[@]}" >/dev/null
mkdir -p "$(dirname "$(realpath -m "$archive")")"
rm -f "$archive"
skopeo copy -q "oci:$work/oci:ref" "oci-archive:$archive:ref"
echo "$archive: /$name $* as the entrypoint"
