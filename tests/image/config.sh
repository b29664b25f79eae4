#!/usr/bin/env bash
# Every arch in the image's index: platform, user, entrypoint, no cmd, labels,
# and one layer holding /pause and nothing else.
# Usage: config.sh <dir made by build.sh> [arch ...]   (default: every arch)
. "$(dirname "$0")/../lib.sh"
need_tool jq
layout=$1/oci
shift
if [ $# -gt 0 ]; then expected_arches=("$@"); else mapfile -t expected_arches < <(arches); fi
blob() { echo "$layout/blobs/${1/://}"; }
list=$(jq -r --arg tag "$version" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $tag) | .digest' "$layout/index.json")
[ -n "$list" ] || fail "no manifest list tagged $version in $layout"
expect_eq "manifest list media type" application/vnd.oci.image.index.v1+json "$(jq -r .mediaType "$(blob "$list")")"
expect_eq "platforms" "${expected_arches[*]}" "$(jq -r '[.manifests[].platform.architecture] | join(" ")' "$(blob "$list")")"
for arch in "${expected_arches[@]}"; do
  variant=$(arch_field "$arch" 6)
  [ "$variant" = - ] && variant=null
  entry=$(jq -c --arg arch "$arch" '.manifests[] | select(.platform.architecture == $arch)' "$(blob "$list")")
  expect_eq "$arch: index variant" "$variant" "$(jq -r '.platform.variant // "null"' <<<"$entry")"
  manifest=$(blob "$(jq -r .digest <<<"$entry")")
  config=$(blob "$(jq -r .config.digest "$manifest")")
  expect_eq "$arch: architecture" "$arch" "$(jq -r .architecture "$config")"
  expect_eq "$arch: variant" "$variant" "$(jq -r '.variant // "null"' "$config")"
  expect_eq "$arch: os" linux "$(jq -r .os "$config")"
  expect_eq "$arch: user" 65535:65535 "$(jq -r .config.User "$config")"
  expect_eq "$arch: entrypoint" '["/pause"]' "$(jq -c .config.Entrypoint "$config")"
  expect_eq "$arch: cmd" null "$(jq -c .config.Cmd "$config")"
  for label in source version revision licenses title description created; do
    value=$(jq -r --arg key "org.opencontainers.image.$label" '.config.Labels[$key] // ""' "$config")
    [ -n "$value" ] || fail "$arch: label org.opencontainers.image.$label is missing"
  done
  expect_eq "$arch: version label" "$version" "$(jq -r '.config.Labels["org.opencontainers.image.version"]' "$config")"
  expect_eq "$arch: licenses label" Apache-2.0 "$(jq -r '.config.Labels["org.opencontainers.image.licenses"]' "$config")"
  expect_eq "$arch: layers" 1 "$(jq '.layers | length' "$manifest")"
  layer=$(blob "$(jq -r '.layers[0].digest' "$manifest")")
  expect_eq "$arch: layer contents" "pause" "$(tar -tzf "$layer" | sed 's|^\./||; /^$/d' | paste -sd' ')"
  tar -xzOf "$layer" pause | cmp -s - "$top/bin/pause-linux-$arch" || fail "$arch: /pause is not bin/pause-linux-$arch"
  pass "$arch: /pause is bin/pause-linux-$arch"
done
