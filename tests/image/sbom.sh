#!/usr/bin/env bash
# The SBOM make image writes for each arch (out/sbom/pause-<arch>.cdx.json):
# valid CycloneDX 1.5 for the format's published JSON schema, as the CycloneDX
# project's own validator checks it (and a broken copy is refused: the check can
# fail); it names the binary that is in the image layer (SHA-256), the musl the
# build linked (the version Debian has for that arch), the compiler that built
# it and the commit; and the image's manifest points at it by digest.
# Usage: sbom.sh   (the image: PAUSE_IMAGE_DIR, of PAUSE_ARCHES)
. "$(dirname "$0")/../lib/harness.sh"
validator=${PAUSE_SBOM_VALIDATOR:-/opt/pause-sbom-validator}
needs node=nodejs arches image
dir=$image_dir
[ -d "$validator/node_modules/@cyclonedx/cyclonedx-library" ] || missing \
  "no SBOM validator in $validator: run scripts/install-deps.sh"
validate() { NODE_PATH="$validator/node_modules" node "$top/tests/sbom/validate.cjs" "$@"; }
layout=$dir/oci
blob() { echo "$layout/blobs/${1/://}"; }
list=$(blob "$(jq -r '.manifests[0].digest' "$layout/index.json")")
scratch_dir work

for arch in "${test_arches[@]}"; do
  sbom=$dir/sbom/pause-$arch.cdx.json
  [ -s "$sbom" ] || fail "$arch: no SBOM at $sbom"
  validate "$sbom" >"$work/said" || fail "$arch: $(cat "$work/said")"
  pass "$arch: $(cat "$work/said")"
  jq '.components[0].licenses = [{license: {id: "not-a-license-id"}}]' "$sbom" >"$work/broken.json"
  ! validate "$work/broken.json" >/dev/null || fail "$arch: the validator accepts an SBOM with an invalid license id"

  manifest=$(blob "$(jq -r --arg arch "$arch" '.manifests[] | select(.platform.architecture == $arch) | .digest' \
    "$list")")
  layer=$(blob "$(jq -r '.layers[0].digest' "$manifest")")
  expect_eq "$arch: SHA-256 in the SBOM = /pause in the image layer" \
    "$(tar -xzOf "$layer" pause | sha256sum | cut -d' ' -f1)" \
    "$(jq -r '.metadata.component.hashes[] | select(.alg == "SHA-256") | .content' "$sbom")"
  expect_eq "$arch: the manifest's pointer to the SBOM" "sha256:$(sha256sum <"$sbom" | cut -d' ' -f1)" \
    "$(jq -r '.annotations["pause.sbom.cyclonedx.digest"]' "$manifest")"

  debian_arch=$(arch_field "$arch" debian-arch)
  if [ "$(arch_field "$arch" musl)" = source ]; then  # Debian's source package (cmake/build-musl.sh)
    musl=$(apt-cache showsrc musl | awk '$1 == "Version:" { print $2; exit }')
  else
    musl=$(dpkg-query -W -f '${Version}' "musl-dev:$debian_arch")
  fi
  expect_eq "$arch: musl in the SBOM (Debian's musl for $debian_arch)" "$musl" \
    "$(jq -r '.components[] | select(.name == "musl")
      | .properties[] | select(.name == "pause:debian-version") | .value' "$sbom")"
  members=$(jq -r '[.components[] | select(.name == "musl")
    | .properties[] | select(.name == "pause:linked-member")] | length' "$sbom")
  [ "$members" -gt 5 ] || fail "$arch: $members members of libc.a listed"
  compiler=$("$([ "$arch" = "$(host_arch)" ] && echo g++ || echo "$(arch_field "$arch" gnu-triple)-g++")" \
    -dumpfullversion)
  expect_eq "$arch: compiler in the SBOM" "$compiler" \
    "$(jq -r '.metadata.tools.components[] | select(.name == "g++") | .version' "$sbom")"
  expect_eq "$arch: revision in the SBOM" "$(git -C "$top" rev-parse HEAD)" \
    "$(jq -r '.metadata.component.properties[] | select(.name == "org.opencontainers.image.revision") | .value' \
      "$sbom")"
  expect_eq "$arch: license of the binary" Apache-2.0 "$(jq -r '.metadata.component.licenses[0].license.id' "$sbom")"
done
