#!/usr/bin/env bash
# docs/verifying.md, verbatim, against the test registry: a key made here (never
# committed), `make push … SIGN_BY=…` signing the index and every platform's
# manifest into the staging store registries.d names, published over HTTP at
# the lookaside URL nodes read, and podman as the verifier under the docs'
# policy.json: our signed image is accepted for the host platform and a foreign
# one; an unsigned image, an image signed by another key, and a manifest whose
# signature file was swapped for another digest's are refused (status and
# message checked). Then the rebuild comparison and the SBOM pointer, as the
# docs show them. (CRI-O enforcing the same: tests/e2e/crio/signed.sh.)
# Usage: sign.sh <reference image archive>   (the image: PAUSE_IMAGE_DIR, PAUSE_ARCHES)
. "$(dirname "$0")/../../lib/harness.sh"
load registry signing
other_image=$(realpath "$1")
needs root gpg=gnupg podman skopeo busybox=busybox-static net deadline=600 arches image
start_registry
signing_setup "$image_dir" "$other_image"

# The verifier: podman with storage of its own.
scratch_dir containers
# shellcheck source=scripts/containers-env.sh
. "$top/scripts/containers-env.sh" "$containers/podman"
on_exit pause_containers_cleanup
# The docs pull the host's platform, then a foreign one they name: it must be under test.
pull=$(readme_snippet docs/verifying.md podman-pull-verified)
foreign=$(sed -n 's|.*--platform linux/\([^ /]*\).*|\1|p' <<<"$pull")
[[ " ${test_arches[*]} " == *" $foreign "* ]] || missing \
  "the docs pull linux/$foreign: not in PAUSE_ARCHES (${test_arches[*]})"
accepted=$(eval "$pull" 2>&1) || fail "the signed image was refused: $accepted"
podman image exists "$REGISTRY/pause:$version" || fail "nothing pulled"
expect_eq "architectures pulled (the host's and $foreign, sorted)" \
  "$(printf '%s\n' "$(host_arch)" "$foreign" | sort | paste -sd' ')" \
  "$(podman images --format '{{.ID}}' | xargs -n1 podman image inspect --format '{{.Architecture}}' \
    | sort -u | paste -sd' ')"
pass "our signed image is accepted, for $(host_arch) and $foreign (signatures read from http://$SIGSTORE_HOST)"

refused() {  # refused <what> <image> <expected in the message>
  local output status=0
  output=$(podman pull "$2" 2>&1) || status=$?
  [ "$status" != 0 ] || fail "$1: podman pulled it"
  [[ $output == *"Source image rejected"*"$3"* ]] || fail "$1: refused for another reason: $output"
  pass "$1: exit $status, $(grep -o 'Source image rejected.*' <<<"$output" | head -n 1 | cut -c1-160)"
}
refused "an unsigned image" "$REGISTRY/pause:unsigned" "A signature was required, but no signature exists"
refused "an image signed by another key" "$REGISTRY/pause:other-key" "Invalid GPG signature"

# A swapped signature: the host platform's manifest gets the foreign one's signature.
podman rmi --all --force >/dev/null
index=$(jq -r '.manifests[0].digest' out/oci/index.json)
manifest_of() { jq -r --arg arch "$1" '.manifests[] | select(.platform.architecture == $arch) | .digest' \
  "out/oci/blobs/${index/://}"; }
store=$SIGNATURES/pause
host_signature="$store@$(manifest_of "$(host_arch)" | tr : =)/signature-1"
[ -f "$host_signature" ] || fail "no signature at $host_signature"
cp "$store@$(manifest_of "$foreign" | tr : =)/signature-1" "$host_signature"
refused "a manifest whose signature file was swapped for another digest's" "$REGISTRY/pause:$version" "does not match"

# The registry asks for credentials: skopeo's own, as the docs store them.
unset REGISTRY_AUTH_FILE
eval "$(readme_snippet docs/verifying.md skopeo-login)" >/dev/null
# By rebuilding: the docs' two lines print the same digest.
mapfile -t digests < <(eval "$(readme_snippet docs/verifying.md verify-rebuild)")
expect_eq "registry's index digest (the docs' comparison)" "${digests[0]}" "${digests[1]}"
# What is inside: the manifest names the SBOM by its digest.
sbom_check=$(readme_snippet docs/verifying.md sbom-check)
sbom_arch=$(sed -n 's/.*architecture == "\([^"]*\)".*/\1/p' <<<"$sbom_check")
[[ " ${test_arches[*]} " == *" $sbom_arch "* ]] || missing "the docs check the $sbom_arch SBOM: not in PAUSE_ARCHES"
mapfile -t sbom < <(eval "$sbom_check")
expect_eq "the SBOM digest the $sbom_arch manifest names" "${sbom[1]}" "${sbom[0]}"
