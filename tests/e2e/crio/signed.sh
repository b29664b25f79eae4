#!/usr/bin/env bash
# A node enforcing signatures on its sandbox image: CRI-O verifies
# signature_policy when it pulls, the pause image included. With
# docs/verifying.md's registries.d, public key and policy.json, and our image
# signed with `make push … SIGN_BY=` (signatures served over HTTP at the
# lookaside URL), CRI-O starts a pod on our image, and refuses one whose
# pause_image is unsigned or signed by another key: runp fails with the
# policy's message, and nothing is left running.
# - CRI-O 1.26, as built: signature_policy unset, /etc/containers/policy.json.
# - CRI-O 1.36 as its packages install it: their 10-crio.conf points
#   signature_policy at /etc/crio/policy.json, which accepts anything. The trap
#   (the docs' policy.json alone: the unsigned image runs), then the docs' fix
#   (their drop-in: refused), and the limit: an image already in the node's
#   storage is used without any check.
# Usage: signed.sh <reference image archive> [1.26|1.36]   (the image: PAUSE_IMAGE_DIR)
. "$(dirname "$0")/../../lib/harness.sh"
load registry signing crio
other_image=$(realpath "$1") crio_version=${2:-1.26}
needs root net deadline=600 arches image $(crio_needs "$crio_version") gpg=gnupg skopeo umoci \
  busybox=busybox-static /usr/lib/cni/bridge=containernetworking-plugins
use_crio "$crio_version"
cluster_registry "$image_dir" >/dev/null
signing_setup "$image_dir" "$other_image"
expect_eq "the docs' policy (/etc/containers/policy.json)" signedBy \
  "$(jq -r --arg repo "$REGISTRY/pause" '.transports.docker[$repo][0].type' /etc/containers/policy.json)"

runp_with() {  # runp_with <pause_image> [pause_command]: crictl runp; RUNP_STATUS, RUNP_OUTPUT
  local overrides="[crio.runtime]\ndrop_infra_ctr = false\n[crio.image]\npause_image = \"$1\""
  [ $# -lt 2 ] || overrides+="\npause_command = \"$2\""
  crio_start "$overrides"
  crictl_pod_config "$CRIO_STATE/pod.json" signed POD
  RUNP_STATUS=0
  crictl runp "$CRIO_STATE/pod.json" >"$CRIO_STATE/runp.out" 2>&1 || RUNP_STATUS=$?
  RUNP_OUTPUT=$(cat "$CRIO_STATE/runp.out")
}
if [ "$crio_version" != 1.26 ]; then
  CRIO_PACKAGED=true
  runp_with "$REGISTRY/pause:unsigned" ""
  [ "$RUNP_STATUS" = 0 ] || fail "the packaged layout refused the unsigned image: $RUNP_OUTPUT"
  pass "the trap: with the package's 10-crio.conf and the docs' policy.json alone, the unsigned pause image runs"
  CRIO_SIGNATURES=true  # the docs' fix, from here on
fi
runp_with "$PAUSE_IMAGE"
[ "$RUNP_STATUS" = 0 ] || fail "crictl runp with our signed image failed: $RUNP_OUTPUT"
pod=$(tail -n 1 <<<"$RUNP_OUTPUT")
expect_eq "its sandbox process" /pause \
  "$(tr -d '\0' <"/proc/$(crictl inspectp -o json "$pod" | jq -r .info.pid)/cmdline")"
pass "CRI-O accepted our image under the signedBy policy (signatures from http://$SIGSTORE_HOST)"

refused() {  # refused <what> <image> <expected in the message>
  runp_with "$2" ""
  [ "$RUNP_STATUS" != 0 ] || fail "$1: the sandbox started"
  [[ $RUNP_OUTPUT == *"Source image rejected"*"$3"* ]] || fail "$1: refused for another reason: $RUNP_OUTPUT"
  [ -z "$(crictl pods -q)" ] || fail "$1: a pod was left: $(crictl pods)"
  pass "$1: $(grep -o 'Source image rejected[^"]*' <<<"$RUNP_OUTPUT" | head -n 1 | cut -c1-160)"
}
refused "an unsigned pause_image" "$REGISTRY/pause:unsigned" "A signature was required, but no signature exists"
# What each version's containers/image says of a key the policy does not hold.
other_key_message="Invalid GPG signature"
[ "$crio_version" = 1.26 ] || other_key_message="Key not found for key ID"
refused "a pause_image signed by another key" "$REGISTRY/pause:other-key" "$other_key_message"

# The policy is checked when CRI-O pulls, and only then: an unsigned image put in
# the node's storage beforehand (here pulled while the package's policy was in
# force) is used as it is.
if [ "$crio_version" != 1.26 ]; then
  scratch_dir CRIO_STORAGE
  CRIO_SIGNATURES=false
  crio_start
  crictl pull --creds "$REGISTRY_USER:$REGISTRY_PASSWORD" "$REGISTRY/pause:unsigned" >/dev/null
  CRIO_SIGNATURES=true
  runp_with "$REGISTRY/pause:unsigned" ""
  [ "$RUNP_STATUS" = 0 ] || fail "the unsigned image in storage was refused: $RUNP_OUTPUT"
  pass "the limit: under the docs' policy, an unsigned pause image already in storage runs all the same"
fi
