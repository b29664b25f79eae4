#!/usr/bin/env bash
# The path every cluster takes, end to end: our image pushed to a private
# registry (TLS, basic auth), containerd's CRI plugin configured as the docs say
# (sandbox_image by reference, config_path with the CA, credentials), nothing
# imported beforehand, and the kubelet's calls made by our CRI client:
#   Version -> RunPodSandbox -> PodSandboxStatus (verbose) -> ImageStatus ->
#   PullImage/CreateContainer/StartContainer (a busybox app) -> StopContainer ->
#   RemoveContainer -> StopPodSandbox -> RemovePodSandbox
# (containerd's CRI stops a sandbox with SIGKILL: its exit status is 137, and
# pause's SIGTERM path is the other runtimes' scenarios' to check)
# for both pid modes a kubelet uses (POD: shareProcessNamespace, CONTAINER: the
# default), with a non-reaping sandbox image as the negative control, and
# wrong credentials and an untrusted CA refused with the registry's error.
# Image GC pinning as each version reports it, for the sandbox image pulled by
# the CRI and for the air-gapped path (the archive imported with ctr, tagged as
# sandbox_image, then labelled pinned), the docs' commands run verbatim.
# Against Debian's containerd 1.6, or with "1.7" the one built from source
# (then the operator's crictl view too).
# Usage: pod.sh <cri-client> [1.6|1.7]   (the image: PAUSE_IMAGE_DIR)
. "$(dirname "$0")/../../lib/harness.sh"
load pod-checks registry cri
CRI_CLIENT=$(realpath -m "${2:-/nonexistent}")
containerd_version=${3:-1.6}
[ -x "$CRI_CLIENT" ] || missing \
  "no CRI client built: apt-get install libgrpc++-dev protobuf-compiler-grpc, then reconfigure"
case $containerd_version in
  1.6) from_source=() ;;
  1.7) from_source=(built=containerd-1.7 built=cri-tools-1.26) ;;
  *) fail "containerd $containerd_version: 1.6 (Debian's) or 1.7 (built from source)" ;;
esac
needs root containerd ctr=containerd umoci skopeo /usr/lib/cni/bridge=containernetworking-plugins net deadline=600 \
  image "${from_source[@]}"
[ "$containerd_version" = 1.6 ] || { use_containerd "$BUILT_CONTAINERD_1_7"; CRI_TOOLS_DIR=$BUILT_CRI_TOOLS_1_26; }
cluster_registry "$image_dir"
cri_containerd_start

value() { sed -n "s/^$1=//p" <<<"$2" | head -n 1; }
info_field() { jq -r "$1" <<<"$(value info "$(cri sandbox-status "$2")")"; }

runtime=$(cri version)
[[ $(value runtime_version "$runtime") == *"$containerd_version".* ]] ||
  fail "expected containerd $containerd_version, the CRI says: $runtime"
pass "Version: $(value runtime_name "$runtime") $(value runtime_version "$runtime")," \
  "CRI $(value runtime_api_version "$runtime")"
# containerd pins the sandbox image it pulls from 1.6.22 and 1.7.3 (Debian's 1.6.20 predates it).
expected_pinned=false
[ "$containerd_version" = 1.6 ] || expected_pinned=true
expect_eq "the sandbox image before the first pod (nothing imported)" "present=false" \
  "$(cri image-status "$PAUSE_IMAGE")"
cri pull "$REGISTRY/busybox:e2e" >/dev/null

# --- one pod, the kubelet's sequence, in a pid mode ---
run_pod() {  # run_pod <name> POD|CONTAINER
  local name=$1 mode=$2 sandbox status image app orphan pod_pid
  echo "--- pod $name, pid mode $mode"
  sandbox=$(value id "$(cri runp "$name" "$mode")") || fail "RunPodSandbox failed"
  status=$(cri sandbox-status "$sandbox")
  expect_eq "PodSandboxStatus" SANDBOX_READY "$(value state "$status")"
  INFRA_PID=$(info_field .pid "$sandbox")
  wait_for 10 asleep "$INFRA_PID" || fail "the sandbox process does not sleep"
  if [ "$name" != negative ]; then
    expect_eq "the sandbox process" /pause "$(tr -d '\0' <"/proc/$INFRA_PID/cmdline")"
    expect_eq "its uid and gid" "65535 65535" \
      "$(awk '/^Uid:/ { u = $2 } /^Gid:/ { g = $2 } END { print u, g }' "/proc/$INFRA_PID/status")"
    pass "it is asleep"
    expect_eq "the sandbox's image (verbose info)" "$PAUSE_IMAGE" "$(info_field .image "$sandbox")"
    image=$(cri image-status "$PAUSE_IMAGE")
    expect_eq "repo digest of the sandbox image (= the pushed index)" "$REGISTRY/pause@$INDEX_DIGEST" \
      "$(value repo_digest "$image")"
    expect_eq "ImageStatus: pinned, for the sandbox image pulled by the CRI (containerd $containerd_version)" \
      "$expected_pinned" "$(value pinned "$image")"
  fi

  app=$(value id "$(cri create "$sandbox" "$name" "$mode" app "$REGISTRY/busybox:e2e" \
    sh -c '(sleep 100000 &); exec sleep 100000')")
  cri start "$app"
  app_pid=$(ctr_k8s tasks ls | awk -v id="$app" '$1 == id { print $2 }')
  [ -n "$app_pid" ] || fail "the app container has no running task"
  for ns in net ipc uts; do
    expect_eq "the app's $ns namespace" "$(ns_of "$INFRA_PID" $ns)" "$(ns_of "$app_pid" $ns)"
  done
  if [ "$mode" = POD ]; then
    expect_eq "the app's pid namespace (POD: pause's)" "$(ns_of "$INFRA_PID" pid)" "$(ns_of "$app_pid" pid)"
    expect_eq "pause's pid inside the pod" 1 "$(awk '/^NSpid:/ { print $NF }' "/proc/$INFRA_PID/status")"
    # The app's orphan goes to the pod's PID 1; killed from the host, its zombie is pause's to reap.
    wait_for 20 orphan_adopted || fail "the app's orphan was not re-parented to pause"
    kill -KILL "$ORPHAN"
    if [ "$name" = negative ]; then
      eventually_stable 20 zombie_under_infra || fail "negative control: the sleeper sandbox left no zombie"
      pass "negative control: a sandbox that does not reap leaves $(zombies_of "$INFRA_PID") zombie(s)"
    else
      eventually_stable 20 no_zombie_under_infra || fail "$(zombies_of "$INFRA_PID") zombie(s) under pause"
      pass "the app's orphan was adopted by pause and reaped"
    fi
  else
    [ "$(ns_of "$INFRA_PID" pid)" != "$(ns_of "$app_pid" pid)" ] ||
      fail "CONTAINER mode, yet the app is in pause's pid namespace"
    pass "the app has a pid namespace of its own (CONTAINER)"
  fi

  cri stop "$app" 5
  expect_eq "the app after StopContainer" CONTAINER_EXITED "$(value state "$(cri container-status "$app")")"
  cri rm "$app"
  expect_eq "the pod after its app is gone" SANDBOX_READY "$(value state "$(cri sandbox-status "$sandbox")")"
  kill -0 "$INFRA_PID" 2>/dev/null || fail "the sandbox process went with the app"
  pass "the pod outlives its app: the sandbox process ($INFRA_PID) still runs"

  pod_pid=$INFRA_PID
  cri stopp "$sandbox"
  exited_with_status() { [ -n "$(exit_status_of "$sandbox")" ]; }
  wait_for 20 exited_with_status || fail "no exit of the sandbox task in containerd's events"
  # containerd's CRI stops a sandbox with SIGKILL, never SIGTERM (its stopSandboxContainer).
  expect_eq "the sandbox's exit status after StopPodSandbox (137: containerd sends SIGKILL)" 137 \
    "$(exit_status_of "$sandbox")"
  cri rmp "$sandbox"
  gone() {
    ! kill -0 "$pod_pid" 2>/dev/null && [ -z "$(children_of "$pod_pid")" ] && ! ctr_k8s tasks ls -q | grep -q .
  }
  wait_for 20 gone || fail "something of the pod is left: $(ctr_k8s tasks ls)"
  pass "nothing of the pod is left: no process, no zombie, no task"
}

run_pod shared POD
run_pod default CONTAINER

# --- negative control: the same with a sandbox that does not reap ---
cri_containerd_start "$REGISTRY/sleeper:e2e"
cri pull "$REGISTRY/busybox:e2e" >/dev/null
run_pod negative POD

# --- the registry refuses: the sandbox never starts, the error says why ---
refused_pod() {  # refused_pod <what> <expected in the error> <start_containerd arguments...>
  local what=$1 expected=$2 output
  shift 2
  cri_containerd_start "$@"
  if output=$(cri runp refused POD 2>&1); then fail "$what: the sandbox started: $output"; fi
  [[ $output == *"$expected"* ]] || fail "$what: RunPodSandbox failed without the registry's error: $output"
  [ -z "$(ctr_k8s tasks ls -q)" ] || fail "$what: a task was started"
  pass "$what: ${output#error: }"
}
refused_pod "wrong credentials" "401 Unauthorized" "" wrong-password
refused_pod "an untrusted CA" "x509: certificate signed by unknown authority" "" "" "$OTHER_CA_DIR/ca.crt"

# --- the operator's view through crictl (containerd 1.7) ---
if [ "$containerd_version" = 1.7 ]; then
  cri_containerd_start
  crictl_config "unix://$CRI_SOCKETS/containerd.sock"
  sandbox=$(value id "$(cri runp web POD)")
  check_crictl_view true
  cri stopp "$sandbox"
  cri rmp "$sandbox"
fi

# --- air-gapped: the docs' import, tag and pin, with no registry to pull from ---
# The registry answers 401 from here on (wrong password): a sandbox that starts
# resolved its image locally.
cri_containerd_start "" wrong-password
ctr() { command ctr --address "$CRI_SOCKETS/containerd.sock" "$@"; }
in_readme_dir "$image_dir"
eval "$(readme_snippet docs/cluster.md ctr-import)" >/dev/null
if output=$(cri runp untagged POD 2>&1); then
  fail "the sandbox started from localhost/pause without the tag: $output"
fi
[[ $output == *"401 Unauthorized"* ]] || fail "imported only: RunPodSandbox failed, but not for the pull: $output"
pass "imported only, the CRI still pulls the sandbox image (and the registry refuses): ${output#error: }"
eval "$(readme_snippet docs/cluster.md ctr-tag)" >/dev/null
output=$(cri runp airgapped POD 2>&1) || fail "RunPodSandbox failed with the image imported and tagged: $output"
sandbox=$(value id "$output")
expect_eq "the air-gapped sandbox's process" /pause "$(tr -d '\0' <"/proc/$(info_field .pid "$sandbox")/cmdline")"
# Pinned only for images pulled by the CRI before containerd 1.6.29 / 1.7.14 (containerd#9732).
expect_eq "pinned, imported and tagged (containerd $containerd_version)" false \
  "$(value pinned "$(cri image-status "$PAUSE_IMAGE")")"
eval "$(readme_snippet docs/cluster.md ctr-pin)" >/dev/null
expect_eq "pinned, after the docs' label (containerd $containerd_version)" "$expected_pinned" \
  "$(value pinned "$(cri image-status "$PAUSE_IMAGE")")"
cri stopp "$sandbox"
cri rmp "$sandbox"
