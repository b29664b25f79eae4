#!/usr/bin/env bash
# README's "Verifying the image", verbatim, against the test registry: a key
# made here (never committed), `make push … SIGN_BY=…` signing the index and
# every platform's manifest into the lookaside store registries.d names, and
# podman as the verifier under README's policy.json: our signed image is
# accepted for the host platform and a foreign one; an unsigned image, an image
# signed by another key, and a manifest whose signature file was swapped for
# another digest's are refused (status and message checked). Then the
# rebuild comparison and the SBOM pointer, as README shows them.
# Usage: sign.sh <dir made by tests/image/build.sh> <reference image archive>
. "$(dirname "$0")/../../lib/harness.sh"
load registry
image_dir=$(realpath "$1") other_image=$(realpath "$2")
needs root gpg=gnupg podman skopeo net deadline=600
start_registry
trust_registry_ca
private_etc pki
mkdir -p /etc/pki/containers

# The keys: ours (README's identity) and someone else's.
scratch_dir gpg_home
chmod 0700 "$gpg_home"
export GNUPGHOME=$gpg_home
gpg --batch --passphrase '' --quick-gen-key 'Pause Release <release@pause.example>' ed25519 sign never 2>/dev/null
gpg --batch --passphrase '' --quick-gen-key 'Someone Else <else@other.example>' ed25519 sign never 2>/dev/null
other_key=$(gpg --list-secret-keys --with-colons else@other.example | awk -F: '$1 == "fpr" { print $10; exit }')

# README's registries.d, and credentials as `podman login` would store them.
mkdir -p /etc/containers/registries.d
readme_snippet README.md registries-d >"/etc/containers/registries.d/$REGISTRY.yaml"
registry_auth_file auth
export REGISTRY_AUTH_FILE=$auth

in_readme_dir "$image_dir"
pushed=$(eval "$(readme_snippet README.md make-push-signed)") || fail "the signed push failed: $pushed"
[[ $pushed == *"signed by "* ]] || fail "make push did not sign: $pushed"
signatures=$(find /var/lib/containers/sigstore -name 'signature-*' | wc -l)
expect_eq "signatures in the lookaside store (the index and every platform's manifest)" "$(($(arches | wc -l) + 1))" "$signatures"

# Images that must be refused, under the same repository: unsigned, and signed
# by another key (in Docker's manifest format, so that its digest, and so its
# signature, is not the unsigned one's).
skopeo copy -q "oci-archive:$other_image" "docker://$REGISTRY/pause:unsigned"
skopeo copy -q --format v2s2 --sign-by "$other_key" "oci-archive:$other_image" "docker://$REGISTRY/pause:other-key"

# The verifier: README's key export and policy.json, podman with storage of its own.
eval "$(readme_snippet README.md export-key)"
readme_snippet README.md policy-json >/etc/containers/policy.json
scratch_dir containers
# shellcheck source=scripts/containers-env.sh
. "$top/scripts/containers-env.sh" "$containers/podman"
on_exit pause_containers_cleanup
accepted=$(eval "$(readme_snippet README.md podman-pull-verified)" 2>&1) || fail "the signed image was refused: $accepted"
podman image exists "$REGISTRY/pause:$version" || fail "nothing pulled"
expect_eq "architectures pulled (host, then arm64)" "$(host_arch) arm64" \
  "$(podman images --format '{{.ID}}' | xargs -n1 podman image inspect --format '{{.Architecture}}' | sort -u | paste -sd' ' | sed "s/^arm64 $(host_arch)$/$(host_arch) arm64/")"
pass "our signed image is accepted, for $(host_arch) and arm64"

refused() {  # refused <what> <image> <expected in the message>
  local output status=0
  output=$(podman pull "$2" 2>&1) || status=$?
  [ "$status" != 0 ] || fail "$1: podman pulled it"
  [[ $output == *"Source image rejected"*"$3"* ]] || fail "$1: refused for another reason: $output"
  pass "$1: exit $status, $(grep -o 'Source image rejected.*' <<<"$output" | head -n 1 | cut -c1-160)"
}
refused "an unsigned image" "$REGISTRY/pause:unsigned" "A signature was required, but no signature exists"
refused "an image signed by another key" "$REGISTRY/pause:other-key" "Invalid GPG signature"

# A swapped signature: the host platform's manifest gets the arm64 manifest's signature.
podman rmi --all --force >/dev/null
index=$(jq -r '.manifests[0].digest' out/oci/index.json)
manifest_of() { jq -r --arg arch "$1" '.manifests[] | select(.platform.architecture == $arch) | .digest' "out/oci/blobs/${index/://}"; }
store=/var/lib/containers/sigstore/pause
host_signature="$store@$(manifest_of "$(host_arch)" | tr : =)/signature-1"
[ -f "$host_signature" ] || fail "no signature at $host_signature"
cp "$store@$(manifest_of arm64 | tr : =)/signature-1" "$host_signature"
refused "a manifest whose signature file was swapped for another digest's" "$REGISTRY/pause:$version" "does not match"

# By rebuilding: README's two lines print the same digest.
mapfile -t digests < <(eval "$(readme_snippet README.md verify-rebuild)")
expect_eq "registry's index digest (README's comparison)" "${digests[0]}" "${digests[1]}"
# What is inside: the manifest names the SBOM by its digest.
mapfile -t sbom < <(eval "$(readme_snippet README.md sbom-check)")
expect_eq "the SBOM digest the amd64 manifest names" "${sbom[1]}" "${sbom[0]}"
