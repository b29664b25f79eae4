#!/usr/bin/env bash
# Every arch in the image's index, field by field: platform, the whole config
# (nothing but User, Entrypoint and the labels docs/images.md lists, no Env, no Cmd, no
# builder's label), the label values (created = the commit's time, revision =
# the commit, source only when the origin is a URL), the manifest's annotations,
# and one layer holding /pause and nothing else.
# Usage: config.sh   (the image: PAUSE_IMAGE_DIR; its arches: PAUSE_ARCHES, each /pause the
#   same bytes as PAUSE_BIN_DIR/pause-linux-<arch>)
. "$(dirname "$0")/../lib/harness.sh"
needs jq bin image
layout=$image_dir/oci
expected_arches=("${test_arches[@]}")
blob() { echo "$layout/blobs/${1/://}"; }
list=$(jq -r --arg tag "$version" \
  '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $tag) | .digest' "$layout/index.json")
[ -n "$list" ] || fail "no manifest list tagged $version in $layout"
expect_eq "manifest list media type" application/vnd.oci.image.index.v1+json "$(jq -r .mediaType "$(blob "$list")")"
expect_eq "platforms" "${expected_arches[*]}" \
  "$(jq -r '[.manifests[].platform.architecture] | join(" ")' "$(blob "$list")")"

# What the labels must say, from git (the build's own rule for source: an http(s) URL or nothing).
revision=$(git -C "$top" rev-parse HEAD)
created=$(date -u -d "@$(git -C "$top" log -1 --format=%ct)" +%Y-%m-%dT%H:%M:%SZ)
origin=$(git -C "$top" remote get-url origin 2>/dev/null || true)
labels='created description licenses revision title version'
if [[ $origin =~ ^https?:// ]]; then labels='created description licenses revision source title version'; fi

for arch in "${expected_arches[@]}"; do
  variant=$(arch_field "$arch" oci-variant)
  [ "$variant" = - ] && variant=null
  entry=$(jq -c --arg arch "$arch" '.manifests[] | select(.platform.architecture == $arch)' "$(blob "$list")")
  expect_eq "$arch: index variant" "$variant" "$(jq -r '.platform.variant // "null"' <<<"$entry")"
  manifest=$(blob "$(jq -r .digest <<<"$entry")")
  config=$(blob "$(jq -r .config.digest "$manifest")")
  # buildah writes the arm variant into the config when it packages bin/, not
  # when the Dockerfile's builder stage made the binary (SELF_BUILT=1); the
  # index's platform names it either way.
  config_variant=$variant
  [ "${SELF_BUILT:-}" != 1 ] || [ "$(jq -r '.variant // "null"' "$config")" != null ] || config_variant=null
  expect_eq "$arch: config's top-level fields" \
    "architecture config created history os rootfs$([ "$config_variant" = null ] || echo ' variant')" \
    "$(jq -r 'keys | join(" ")' "$config")"
  expect_eq "$arch: architecture" "$arch" "$(jq -r .architecture "$config")"
  expect_eq "$arch: variant" "$config_variant" "$(jq -r '.variant // "null"' "$config")"
  expect_eq "$arch: os" linux "$(jq -r .os "$config")"
  expect_eq "$arch: created" "$created" "$(jq -r .created "$config")"
  expect_eq "$arch: the container config's fields" "Entrypoint Labels User" \
    "$(jq -r '.config | keys | join(" ")' "$config")"
  expect_eq "$arch: user" 65535:65535 "$(jq -r .config.User "$config")"
  expect_eq "$arch: entrypoint" '["/pause"]' "$(jq -c .config.Entrypoint "$config")"
  expect_eq "$arch: labels" "$labels" \
    "$(jq -r '.config.Labels | keys | map(sub("^org.opencontainers.image."; "")) | join(" ")' "$config")"
  label() { jq -r --arg key "org.opencontainers.image.$1" '.config.Labels[$key]' "$config"; }
  expect_eq "$arch: title label" pause "$(label title)"
  expect_eq "$arch: version label" "$version" "$(label version)"
  expect_eq "$arch: licenses label" Apache-2.0 "$(label licenses)"
  expect_eq "$arch: revision label (the commit)" "$revision" "$(label revision)"
  expect_eq "$arch: created label (the commit's time)" "$created" "$(label created)"
  [[ $labels != *source* ]] || expect_eq "$arch: source label (origin)" "$origin" "$(label source)"
  # buildah writes empty base-image annotations (FROM scratch has no base); make
  # image adds where the SBOM is (the self-building path has none). docs/images.md lists them.
  annotations='{"org.opencontainers.image.base.digest":"","org.opencontainers.image.base.name":""}'
  if [ -f "$layout/../sbom/pause-$arch.cdx.json" ]; then
    annotations=$(jq -cS --arg digest "sha256:$(sha256sum <"$layout/../sbom/pause-$arch.cdx.json" | cut -d' ' -f1)" \
      --arg file "sbom/pause-$arch.cdx.json" \
        '. + {"pause.sbom.cyclonedx.digest": $digest, "pause.sbom.cyclonedx.file": $file}' <<<"$annotations")
  fi
  expect_eq "$arch: manifest annotations" "$annotations" "$(jq -cS '.annotations // {}' "$manifest")"
  expect_eq "$arch: layers" 1 "$(jq '.layers | length' "$manifest")"
  layer=$(blob "$(jq -r '.layers[0].digest' "$manifest")")
  expect_eq "$arch: layer contents" "pause" "$(tar -tzf "$layer" | sed 's|^\./||; /^$/d' | paste -sd' ')"
  tar -xzOf "$layer" pause | cmp -s - "$bin_dir/pause-linux-$arch" ||
    fail "$arch: /pause is not $bin_dir/pause-linux-$arch"
  pass "$arch: /pause is bin/pause-linux-$arch"
done
