#!/usr/bin/env bash
# Builds the multi-arch pause image offline with buildah (or podman) and writes
#   <out>/oci                        OCI layout, tag <version> (skopeo, make push)
#   <out>/pause.oci.tar              OCI archive: podman load, ctr images import,
#                                    skopeo; loads as localhost/pause:<version>
#   <out>/pause-<arch>.docker.tar    one docker-archive per arch, for docker load
#                                    (Docker 20.10 loads no OCI archive)
#   <out>/sbom/pause-<arch>.cdx.json the SBOM of each arch (CycloneDX 1.5, scripts/sbom.sh),
#                                    named by digest in that arch's manifest annotations
#                                    pause.sbom.cyclonedx.digest and .file
#   scripts/build-image.sh <out-dir> <bin-dir> <arch>...   (make image: out, BIN_DIR, ARCHES)
# <bin-dir> is where `make all` left pause-linux-<arch>, inside the checkout (the build
# context). Nothing here picks arches: the caller names every one.
# Environment:
#   BINARY_SOURCE=prebuilt (default: package <bin-dir>/pause-linux-<arch> from `make all`)
#                =build    (cross-compile in the Dockerfile's builder stage)
#   BUILDER_IMAGE          base of the builder stage (with BINARY_SOURCE=build)
#   BUILDER_ROOTFS         a Debian rootfs tarball (scripts/make-debian-base.sh) to import
#                          as that base, for machines without a registry
#   SOURCE_DATE_EPOCH      image timestamps (default: the commit's time)
#   PAUSE_ENGINE           buildah | podman (default: the first one found)
# The same commit gives the same bytes: fixed timestamps, arches added in a
# fixed order, a fresh storage per run, archives written with fixed metadata.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
die() { echo "build-image.sh: $*" >&2; exit 1; }
[ $# -ge 3 ] || die "usage: build-image.sh <out-dir> <bin-dir> <arch>..."
out=$(realpath -m "$1") bin_dir=$(realpath -m "$2")
shift 2
arches=("$@")
# The Dockerfile's prebuilt stage copies from the context, the checkout.
bin_in_context=$(realpath -m --relative-to="$top" "$bin_dir")
case $bin_in_context in
  .. | ../* | .git | .git/* | build | build/* | out | out/*)
    die "$bin_dir is outside the image's build context (the checkout $top, less what .dockerignore leaves out)" ;;
esac
binary_source=${BINARY_SOURCE:-prebuilt}
version=$(cat "$top/VERSION")
name=localhost/pause:$version
revision=$(git -C "$top" rev-parse HEAD 2>/dev/null || true)
epoch=${SOURCE_DATE_EPOCH:-$(git -C "$top" log -1 --format=%ct 2>/dev/null || echo 0)}
# The source label is a URL or nothing: a clone made from a directory has a
# path for its origin, which says nothing to whoever pulls the image.
source_url=$(git -C "$top" remote get-url origin 2>/dev/null || true)
[[ $source_url =~ ^https?://[^[:space:]]+$ ]] || source_url=""
platform_of() {
  local variant
  variant=$("$top/cmake/arches.sh" get "$1" oci-variant)
  echo "linux/$1$([ "$variant" = - ] || echo "/$variant")"
}
build_args=(--build-arg "BINARY_SOURCE=$binary_source" --build-arg "BIN_DIR=$bin_in_context"
  --build-arg "VERSION=$version"
  --build-arg "REVISION=$revision" --build-arg "CREATED=$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)")
[ -z "$source_url" ] || build_args+=(--label "org.opencontainers.image.source=$source_url")
[ -n "${BUILDER_IMAGE:-}" ] && build_args+=(--build-arg "BUILDER_IMAGE=$BUILDER_IMAGE")
if [ "$binary_source" = prebuilt ]; then
  for arch in "${arches[@]}"; do
    [ -x "$bin_dir/pause-linux-$arch" ] || die "$bin_dir/pause-linux-$arch is missing: make all ARCHES=\"${arches[*]}\""
  done
fi

engine=${PAUSE_ENGINE:-$(for e in buildah podman; do command -v $e >/dev/null && echo $e && break; done)}
[ -n "$engine" ] || die "no image builder: apt-get install buildah (or podman);" \
  "with Docker, see docs/images.md (docker buildx)"
rm -rf "$out/oci" "$out/pause.oci.tar" "$out"/pause-*.docker.tar "$out/sbom"
mkdir -p "$out"

# shellcheck source=scripts/containers-env.sh
. "$top/scripts/containers-env.sh" "$(mktemp -d)"
trap pause_containers_cleanup EXIT
if [ "$binary_source" = build ] && [ -n "${BUILDER_ROOTFS:-}" ]; then
  base=${BUILDER_IMAGE:-localhost/debian:bookworm-slim}
  podman import -q --change 'CMD ["/bin/bash"]' "$BUILDER_ROOTFS" "$base" >/dev/null
  build_args+=(--build-arg "BUILDER_IMAGE=$base")
fi
list=$name
"$engine" manifest create "$list" >/dev/null
for arch in "${arches[@]}"; do
  echo "building $(platform_of "$arch")"
  sbom=()
  if [ "$binary_source" = prebuilt ]; then
    mkdir -p "$out/sbom"
    "$top/scripts/sbom.sh" "$bin_dir" "$arch" >"$out/sbom/pause-$arch.cdx.json"
    sbom_digest=$(sha256sum <"$out/sbom/pause-$arch.cdx.json" | cut -d' ' -f1)
    sbom=(--annotation "pause.sbom.cyclonedx.digest=sha256:$sbom_digest"
      --annotation "pause.sbom.cyclonedx.file=sbom/pause-$arch.cdx.json")
  fi
  # No io.buildah.version label and no PATH (there is no shell and no other
  # program in the image): the config holds what the Dockerfile says, nothing else.
  "$engine" build -q --timestamp "$epoch" --platform "$(platform_of "$arch")" \
    --identity-label=false --unsetenv PATH "${sbom[@]}" \
    --build-arg BUILDPLATFORM="linux/$("$top/cmake/arches.sh" host)" "${build_args[@]}" \
    --manifest "$list" -f "$top/Dockerfile" "$top" >/dev/null
done
"$engine" manifest push -q --all --format oci "$list" "oci:$out/oci:$version"

# The OCI archive: the layout, its index naming the image for the tools that
# load it (podman reads the ref name, containerd io.containerd.image.name).
archive=$(mktemp -d)
cp -a "$out/oci/." "$archive/"
jq -c --arg name "$name" \
  '.manifests[0].annotations = {"io.containerd.image.name": $name, "org.opencontainers.image.ref.name": $name}' \
  "$out/oci/index.json" >"$archive/index.json"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --mode=u=rwX,go=rX --format=gnu \
  -C "$archive" -cf "$out/pause.oci.tar" oci-layout index.json blobs
rm -rf "$archive"
for arch in "${arches[@]}"; do
  variant=$("$top/cmake/arches.sh" get "$arch" oci-variant)
  skopeo copy -q --override-arch "$arch" $([ "$variant" = - ] || echo --override-variant "$variant") \
    "oci:$out/oci:$version" "docker-archive:$out/pause-$arch.docker.tar:$name"
done

echo "$name (${arches[*]}) -> $out/oci, $out/pause.oci.tar, $out/pause-<arch>.docker.tar$([ ! -d "$out/sbom" ] \
  || echo ", $out/sbom")"
echo "  manifest list $(jq -r '.manifests[0].digest' "$out/oci/index.json")"
