#!/usr/bin/env bash
# The SBOM of one arch's pause binary, CycloneDX 1.5 JSON on stdout: the binary
# (name, version, SHA-256, license, the commit it was built from), the musl it
# links statically (its exact Debian version, and which members of libc.a went
# in, from the link map), and the compiler. Only build outputs go in, no clock:
# the same commit gives the same bytes.
#   scripts/sbom.sh <bin dir> <arch>      (make image writes out/sbom/pause-<arch>.cdx.json)
set -euo pipefail
bin_dir=$1 arch=$2
binary=$bin_dir/pause-linux-$arch
for file in "$binary" "$binary.map" "$binary.buildinfo"; do
  [ -s "$file" ] || { echo "sbom: $file is missing: run make all" >&2; exit 1; }
done
info() { sed -n "s/^$1=//p" "$binary.buildinfo"; }
top=$(cd "$(dirname "$0")/.." && pwd)
variant=$("$top/cmake/arches.sh" get "$arch" oci-variant)
debian_arch=$("$top/cmake/arches.sh" get "$arch" debian-arch)
sha256=$(sha256sum <"$binary" | cut -d' ' -f1)
revision=$(info revision)
created=$(git -C "$top" show -s --format=%ct "$revision" 2>/dev/null || echo 0)
musl_version=$(info musl_version)
[ -n "$musl_version" ] || { echo "sbom: $binary.buildinfo names no musl version" >&2; exit 1; }
# musl's members in the link: "…/libc.a(sigaction.lo)" in the map's archive section.
members=$(sed -n '/^Archive member included/,/^Discarded input sections/p' "$binary.map" |
  grep -o 'libc\.a([^)]*)' | sed 's/libc\.a(\(.*\))/\1/' | sort -u | jq -R . | jq -sc .)
# A serial number that is a function of what is described (RFC 4122 layout).
uuid=$(printf '%s %s' "$arch" "$sha256" | sha256sum | cut -c1-32 |
  sed -E 's/^(.{8})(.{4}).(.{3}).(.{3})(.{12})$/\1-\2-5\3-8\4-\5/')
jq -n --arg arch "$arch" --arg platform "linux/$arch$([ "$variant" = - ] || echo "/$variant")" \
  --arg version "$(info version)" --arg revision "$revision" --arg sha256 "$sha256" \
  --arg created "$(date -u -d "@$created" +%Y-%m-%dT%H:%M:%SZ)" --arg serial "urn:uuid:$uuid" \
  --arg compiler "$(info compiler)" --arg banner "$(info compiler_banner)" \
  --arg musl_version "$musl_version" --arg musl_package "$(info musl_package)" \
  --arg debian_arch "$debian_arch" --argjson members "$members" '
{
  bomFormat: "CycloneDX",
  specVersion: "1.5",
  serialNumber: $serial,
  version: 1,
  metadata: {
    timestamp: $created,
    tools: {components: [
      {type: "application", name: "g++", version: ($compiler | split(" ")[1]),
       description: ("the compiler: " + $banner)},
      {type: "application", name: "pause scripts/sbom.sh", version: $version}
    ]},
    component: {
      type: "application", "bom-ref": "pause", name: "pause", version: $version,
      description: "Kubernetes pod infra container: /pause of the image for \($platform)",
      hashes: [{alg: "SHA-256", content: $sha256}],
      licenses: [{license: {id: "Apache-2.0"}}],
      properties: [
        {name: "org.opencontainers.image.revision", value: $revision},
        {name: "pause:platform", value: $platform},
        {name: "pause:path", value: "/pause"}
      ]
    }
  },
  components: [{
    type: "library", "bom-ref": "musl", name: "musl", version: ($musl_version | sub("-[^-]*$"; "")),
    description: "C library, linked statically: the members of libc.a in the binary are listed as properties",
    licenses: [{license: {id: "MIT"}}],
    purl: ("pkg:deb/debian/musl@" + $musl_version + "?arch="
      + (if ($musl_package | startswith("musl (")) then "source" else $debian_arch end)),
    properties: ([{name: "pause:debian-package", value: $musl_package},
                  {name: "pause:debian-version", value: $musl_version}]
      + [$members[] | {name: "pause:linked-member", value: .}])
  }],
  dependencies: [{ref: "pause", dependsOn: ["musl"]}, {ref: "musl", dependsOn: []}]
}'
