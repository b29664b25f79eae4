#!/usr/bin/env bash
# CRI-O runs our image as the pod sandbox: CRI-O 1.26 (with Debian's conmon and
# runc) or 1.36 (with conmon 2.1 and runc 1.4), built from their release
# sources, configured as the docs say (pause_image by reference in the test's
# TLS + basic-auth registry, pause_image_auth_file, pause_command), nothing
# imported first, driven by crictl as an operator drives it (runp, create,
# start, exec, inspectp, stopp, rmp, with JSON configs):
# - drop_infra_ctr = false: every pod has a pause process; the pod check list
#   (a non-reaping sandbox image as its negative control), and how CRI-O stops
#   the infra container (its stop signal, then SIGKILL after 10 s), read from
#   what conmon recorded;
# - drop_infra_ctr = true (CRI-O's default): only a pod whose PID namespace is
#   the pod's own gets a pause process, and the image is pulled either way;
# - wrong credentials in the auth file and an untrusted CA fail runp with the
#   registry's error, and nothing is left running.
# Usage: pod.sh [1.26|1.36]   (the image: PAUSE_IMAGE_DIR)
. "$(dirname "$0")/../../lib/harness.sh"
load crio
crio_version=${1:-1.26}
needs root net deadline=900 image $(crio_needs "$crio_version") jq umoci skopeo \
  /usr/lib/cni/bridge=containernetworking-plugins
use_crio "$crio_version"
cluster_registry "$image_dir"
# Whether CRI-O pins pause_image (since 1.28; docs/cluster.md section 4).
pins=true
[ "$crio_version" != 1.26 ] || pins=false

# --- the pod check list through crictl (crictl.sh), with CRI-O's hooks ---
sandbox_with=""
runtime_with() {
  if [ "$1" = pause ]; then
    [ "$sandbox_with" = pause ] || crio_start '[crio.runtime]\ndrop_infra_ctr = false'
  else
    # The sleeper's own entrypoint (`pause_command = ""`: the image's) as the sandbox.
    sleeper="[crio.image]\npause_image = \"$REGISTRY/sleeper:e2e\"\npause_command = \"\""
    crio_start "[crio.runtime]\ndrop_infra_ctr = false\n$sleeper"
  fi
  sandbox_with=$1
}
sandbox_exit_status() { infra_exit_status "$INFRA_ID"; }
# CRI-O writes the sandbox's output in CRI log format to <log_directory>/<id>.log.
sandbox_log() { cat "$CRICTL_PODS/$POD_NAME/$POD_ID.log" 2>/dev/null || true; }

echo "--- drop_infra_ctr = false: the pod check list"
runtime_with pause
expect_eq "images before the first pod (nothing imported)" "" "$(crictl images -q)"
# The infra container's user is read from the spec CRI-O gave the runtime (below),
# and left out of the pod check list.
CHECKS_USER=false
run_pod_checks
# How CRI-O stopped it (its StopPodSandbox: the stop signal, SIGKILL after 10 s):
# pause ended at once with 0, so the signal was SIGTERM, not SIGKILL (137).
[ "${STOP_SECONDS:-99}" -lt 10 ] || fail "crictl stopp took ${STOP_SECONDS} s: CRI-O had to SIGKILL the sandbox"
pass "crictl stopp returned after ${STOP_SECONDS} s (CRI-O's SIGKILL comes only after 10 s)"

# --- the operator's view of the sandbox: docs/cluster.md's crictl lines ---
check_operator_view() {
  crictl_pod_config "$CRIO_STATE/web.json" web POD
  POD_ID=$(crictl runp "$CRIO_STATE/web.json") || fail "runp of the pod web failed"
  check_crictl_view "$pins"
  # CRI-O (1.26 and 1.36) starts it as root, whatever the image's USER.
  expect_eq "the infra container's user in CRI-O's runtime spec" "0:0" \
    "$(crictl inspectp -o json "$POD_ID" | jq -r '.info.runtimeSpec.process.user | "\(.uid):\(.gid)"')"
  expect_eq "and the process's uid and gid (host view)" "0 0" \
    "$(awk '/^Uid:/ { u = $2 } /^Gid:/ { g = $2 } END { print u, g }' "/proc/$WEB_PID/status")"
  crictl stopp "$POD_ID" >/dev/null
  crictl rmp "$POD_ID" >/dev/null
}
check check_operator_view

# --- drop_infra_ctr = true (CRI-O's default): which pods get a pause process ---
echo "--- drop_infra_ctr = true"
# pause processes of this CRI-O: children of its conmons (they name its exits directory).
our_pauses() {
  local conmon
  for conmon in $(pgrep -x conmon); do
    tr '\0' ' ' <"/proc/$conmon/cmdline" 2>/dev/null | grep -qF "$CRIO_SOCKETS/" || continue
    ps -o pid= -o comm= --ppid "$conmon" | awk '$2 == "pause" { print $1 }'
  done
}
pause_processes() { our_pauses | wc -l; }
crio_start  # the drop-in alone: CRI-O's default, drop_infra_ctr = true
expect_eq "images before the first pod (nothing imported)" "" "$(crictl images -q)"
crictl_pod_config "$CRIO_STATE/pod.json" container-mode CONTAINER
POD_ID=$(crictl runp "$CRIO_STATE/pod.json") || fail "runp of a CONTAINER-mode pod failed"
expect_eq "pause processes for a pod with PID mode CONTAINER" 0 "$(pause_processes)"
[ -n "$(crictl images -q "$PAUSE_IMAGE")" ] || fail "the pause image was not pulled for a pod without pause"
pass "the pause image was pulled all the same: $(crictl images -o json | jq -r '.images[0].repoDigests[0]')"
expect_eq "crictl inspectp's .info.image and .info.pid for that pod (no sandbox process)" "null null" \
  "$(crictl inspectp "$POD_ID" | jq -r '.info.image, .info.pid' | tr '\n' ' ' | sed 's/ $//')"
# Pulled only when missing: with the image in store, a wrong auth file does not matter
# (with an empty store it does: the refusals below).
cp /etc/crio/pause-auth.json "$CRIO_SOCKETS/good-auth.json"
printf '{"auths":{"%s":{"auth":"%s"}}}' "$REGISTRY" \
  "$(printf '%s:wrong' "$REGISTRY_USER" | base64 -w0)" >/etc/crio/pause-auth.json
crictl_pod_config "$CRIO_STATE/pod-pid.json" pod-mode POD
shared=$(crictl runp "$CRIO_STATE/pod-pid.json") || fail "runp of a POD-mode pod failed"
expect_eq "pause processes once a pod with PID mode POD runs too" 1 "$(pause_processes)"
expect_eq "that pause is the sandbox process of the POD-mode pod" \
  "$(crictl inspectp -o json "$shared" | jq -r .info.pid)" \
  "$(our_pauses)"
pass "a second pod started with a wrong auth file: the pause image in store was not pulled again"
for id in "$POD_ID" "$shared"; do crictl stopp "$id" >/dev/null && crictl rmp "$id" >/dev/null; done
expect_eq "pause processes after both pods are removed" 0 "$(pause_processes)"
# Control: the same CRI-O reads the auth file at each pull, so with the image gone the wrong one fails.
crictl rmi "$PAUSE_IMAGE" >/dev/null
crictl_pod_config "$CRIO_STATE/pod-again.json" pulls-again CONTAINER
if output=$(crictl runp "$CRIO_STATE/pod-again.json" 2>&1); then fail \
  "with the image removed, a wrong auth file still let a pod start: $output"; fi
[[ $output == *"authentication required"* ]] || fail \
  "with the image removed, runp failed, but not for the pull: $output"
pass "control: with the image removed, the same CRI-O pulls again with the wrong auth file, and is refused"
cp "$CRIO_SOCKETS/good-auth.json" /etc/crio/pause-auth.json
crio_stop

# --- the registry refuses: runp fails with its error, nothing runs ---
refused() {  # refused <what> <expected in the error>
  local output
  if output=$(crictl runp "$CRIO_STATE/pod.json" 2>&1); then fail "$1: the sandbox started: $output"; fi
  [[ $output == *"$2"* ]] || fail "$1: runp failed without the registry's error: $output"
  [ -z "$(crictl pods -q)" ] && [ "$(pause_processes)" = 0 ] || fail "$1: something was left: $(crictl pods)"
  pass "$1: $(grep -o "$2.*" <<<"$output" | head -n 1 | cut -c1-160)"
}
printf '{"auths":{"%s":{"auth":"%s"}}}' "$REGISTRY" \
  "$(printf '%s:wrong' "$REGISTRY_USER" | base64 -w0)" >/etc/crio/pause-auth.json
crio_start '[crio.runtime]\ndrop_infra_ctr = false'
crictl_pod_config "$CRIO_STATE/pod.json" refused POD
refused "wrong credentials in pause_image_auth_file" "authentication required"
cp "$CRIO_SOCKETS/good-auth.json" /etc/crio/pause-auth.json
cp "$OTHER_CA_DIR/ca.crt" "/etc/containers/certs.d/$REGISTRY/ca.crt"
crio_start '[crio.runtime]\ndrop_infra_ctr = false'
crictl_pod_config "$CRIO_STATE/pod.json" refused POD
refused "an untrusted CA" "x509: certificate signed by unknown authority"
