#!/usr/bin/env bash
# the docs' `make push`, verbatim, to a private registry (TLS, basic auth):
# every platform arrives with its digest, the index digest in the registry is
# the one `make image` made, and each platform, pulled back by reference, runs
# (foreign ones through qemu binfmt). Refusals are one clear line and a non-zero
# exit: wrong credentials, an untrusted CA, no IMAGE, no image built.
# Usage: push.sh   (the image and its arches: PAUSE_IMAGE_DIR, PAUSE_ARCHES)
. "$(dirname "$0")/../../lib/harness.sh"
load registry
needs root skopeo net deadline=600 arches image
start_registry
trust_registry_ca
in_readme_dir "$image_dir"
index=$(jq -r '.manifests[0].digest' out/oci/index.json)

# The the docs' line, and what it prints.
pushed=$(eval "$(readme_snippet docs/cluster.md make-push)") || fail "make push failed: $pushed"
expect_eq "make push says" "pushed $REGISTRY/pause@$index ($REGISTRY/pause:$version, every platform of out/oci)" \
  "$pushed"
registry_auth_file auth
in_registry=$(skopeo inspect --raw --authfile "$auth" --cert-dir "$REGISTRY_CA_DIR" \
  "docker://$REGISTRY/pause:$version" | sha256sum | cut -d' ' -f1)
expect_eq "index digest in the registry (= make image's)" "$index" "sha256:$in_registry"
for arch in "${test_arches[@]}"; do
  digest=$(jq -r --arg arch "$arch" '.manifests[] | select(.platform.architecture == $arch) | .digest' \
    "out/oci/blobs/${index/://}")
  skopeo inspect --raw --authfile "$auth" --cert-dir "$REGISTRY_CA_DIR" "docker://$REGISTRY/pause@$digest" >/dev/null \
    || fail "$arch: manifest $digest is not in the registry"
done
pass "every platform's manifest is in the registry under its own digest"

# the docs' air-gapped copy from the OCI archive, with what `skopeo login` would store.
export REGISTRY_AUTH_FILE=$auth
eval "$(readme_snippet docs/cluster.md skopeo-mirror)" || fail "the docs' skopeo copy from the OCI archive failed"
again=$(skopeo inspect --raw "docker://$REGISTRY/pause:$version" | sha256sum | cut -d' ' -f1)
expect_eq "index digest after the copy from pause.oci.tar" "$index" "sha256:$again"
unset REGISTRY_AUTH_FILE

# Each platform, pulled by reference for that platform, runs.
for arch in "${test_arches[@]}"; do
  REGISTRY_AUTHFILE=$auth REGISTRY_CA_DIR=$REGISTRY_CA_DIR \
    "$top/tests/image/run.sh" "$arch" "docker://$REGISTRY/pause:$version" | sed 's/^/  /'
  [ "${PIPESTATUS[0]}" = 0 ] || fail "$arch: the image pulled from the registry does not run"
done
pass "every platform of the pushed image, pulled by reference, prints its version and stops with 0"

# Refusals: one line on stderr, a non-zero exit, nothing reported as pushed.
refused() {  # refused <what> <expected part of the message> <make arguments...>
  local what=$1 expected=$2 output status=0
  shift 2
  output=$(make --no-print-directory push "$@" 2>&1) || status=$?
  [ "$status" != 0 ] || fail "$what: make push succeeded: $output"
  [[ $output != *pushed* ]] || fail "$what: reported as pushed: $output"
  local message
  message=$(grep '^push: ' <<<"$output")
  [ "$(wc -l <<<"$message")" = 1 ] && [[ $message == *"$expected"* ]] ||
    fail "$what: expected one line with '$expected', got: $output"
  pass "$what: $message"
}
refused "wrong credentials" "unauthorized" IMAGE="$REGISTRY/pause:wrong" \
  REGISTRY_CREDS="$REGISTRY_USER:wrong-password" REGISTRY_CA_DIR="$REGISTRY_CA_DIR"
refused "an untrusted CA" "certificate signed by unknown authority" IMAGE="$REGISTRY/pause:wrong" \
  REGISTRY_CREDS="$REGISTRY_USER:$REGISTRY_PASSWORD" REGISTRY_CA_DIR="$OTHER_CA_DIR"
refused "no IMAGE" "no image given"
refused "no image built" "not found: run make image first" IMAGE="$REGISTRY/pause:x" OUT=/nonexistent
if skopeo inspect --raw --authfile "$auth" --cert-dir "$REGISTRY_CA_DIR" "docker://$REGISTRY/pause:wrong" >/dev/null \
  2>&1; then
  fail "a refused push left the tag 'wrong' in the registry"
fi
pass "nothing of the refused pushes is in the registry"
