#!/usr/bin/env bash
# Builds the multi-arch pause image offline and writes it as an OCI layout
# (<out>/oci, tag = version) and an OCI archive (<out>/pause.oci.tar).
#   scripts/build-image.sh <out-dir> [arch ...]        (default: every arch in cmake/arches.tsv)
# Environment:
#   BINARY_SOURCE=prebuilt (default: package bin/pause-linux-<arch> from `make all`)
#                =build    (cross-compile in the Dockerfile's builder stage)
#   BUILDER_IMAGE          base of the builder stage (with BINARY_SOURCE=build)
#   BUILDER_ROOTFS         a Debian rootfs tarball (scripts/make-debian-base.sh) to import
#                          as that base, for machines without a registry
#   SOURCE_DATE_EPOCH      image timestamps (default: the commit's time)
#   PAUSE_ENGINE           buildah | podman | docker (default: the first one found)
# The same commit gives the same digests: fixed timestamps, arches added in a
# fixed order, a fresh storage per run.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "$1")
shift
if [ $# -gt 0 ]; then arches=("$@"); else mapfile -t arches < <(awk '/^[a-z]/ { print $1 }' "$top/cmake/arches.tsv"); fi
binary_source=${BINARY_SOURCE:-prebuilt}
version=$(cat "$top/VERSION")
revision=$(git -C "$top" rev-parse HEAD 2>/dev/null || true)
epoch=${SOURCE_DATE_EPOCH:-$(git -C "$top" log -1 --format=%ct 2>/dev/null || echo 0)}
source_url=$(git -C "$top" config --get remote.origin.url 2>/dev/null || echo unknown)
platform_of() {
  local variant
  variant=$(awk -v arch="$1" '$1 == arch { print $6 }' "$top/cmake/arches.tsv")
  echo "linux/$1$([ "$variant" = - ] || echo "/$variant")"
}
build_args=(--build-arg "BINARY_SOURCE=$binary_source" --build-arg "VERSION=$version"
  --build-arg "REVISION=$revision" --build-arg "SOURCE_URL=$source_url"
  --build-arg "CREATED=$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)")
[ -n "${BUILDER_IMAGE:-}" ] && build_args+=(--build-arg "BUILDER_IMAGE=$BUILDER_IMAGE")
if [ "$binary_source" = prebuilt ]; then
  for arch in "${arches[@]}"; do
    [ -x "$top/bin/pause-linux-$arch" ] || { echo "bin/pause-linux-$arch is missing: run make all first" >&2; exit 1; }
  done
fi

engine=${PAUSE_ENGINE:-$(for e in buildah podman docker; do command -v $e >/dev/null && echo $e && break; done)}
[ -n "$engine" ] || { echo "no image builder: apt-get install buildah (or podman), or use docker buildx" >&2; exit 1; }
rm -rf "$out/oci" "$out/pause.oci.tar"
mkdir -p "$out"

if [ "$engine" = docker ]; then
  # Elsewhere: BuildKit writes the whole index in one go.
  platforms=$(for arch in "${arches[@]}"; do platform_of "$arch"; done | paste -sd,)
  docker buildx build --platform "$platforms" "${build_args[@]}" \
    --output "type=oci,dest=$out/pause.oci.tar,rewrite-timestamp=true" "$top"
  mkdir -p "$out/oci" && tar -C "$out/oci" -xf "$out/pause.oci.tar"
  exit 0
fi

# shellcheck source=scripts/containers-env.sh
. "$top/scripts/containers-env.sh" "$(mktemp -d)"
trap pause_containers_cleanup EXIT
if [ "$binary_source" = build ] && [ -n "${BUILDER_ROOTFS:-}" ]; then
  base=${BUILDER_IMAGE:-localhost/debian:bookworm-slim}
  podman import -q --change 'CMD ["/bin/bash"]' "$BUILDER_ROOTFS" "$base" >/dev/null
  build_args+=(--build-arg "BUILDER_IMAGE=$base")
fi
list=localhost/pause:$version
"$engine" manifest create "$list" >/dev/null
for arch in "${arches[@]}"; do
  echo "building $(platform_of "$arch")"
  "$engine" build -q --timestamp "$epoch" --platform "$(platform_of "$arch")" \
    --build-arg BUILDPLATFORM="linux/$(dpkg --print-architecture)" "${build_args[@]}" \
    --manifest "$list" -f "$top/Dockerfile" "$top" >/dev/null
done
"$engine" manifest push -q --all --format oci "$list" "oci:$out/oci:$version"
"$engine" manifest push -q --all --format oci "$list" "oci-archive:$out/pause.oci.tar:$version"
digest=$(sha256sum <"$out/oci/index.json" | cut -d' ' -f1)
echo "pause:$version ($(echo "${arches[@]}")) -> $out/oci, $out/pause.oci.tar"
python3 - "$out/oci" <<'PY'
import json, sys
index = json.load(open(sys.argv[1] + "/index.json"))
for entry in index["manifests"]:
    print("  manifest list", entry["digest"])
PY
