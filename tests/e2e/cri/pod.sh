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
# The pod checks are the common list (pod-checks.sh), through the adapter
# below; the CRI's own view (image status, pinning, repo digest) is checked
# beside them. Against Debian's containerd 1.6, or with "1.7" the one built
# from source (then the operator's crictl view too).
# Usage: pod.sh <cri-client> [1.6|1.7]   (the image: PAUSE_IMAGE_DIR)
. "$(dirname "$0")/../../lib/harness.sh"
load pod-checks registry cri
CRI_CLIENT=$(realpath -m "${1:-/nonexistent}")
containerd_version=${2:-1.6}
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

# --- the pod check list's adapter (pod-checks.sh): one pod, in the pid mode PID_MODE ---
# The kubelet's calls through our CRI client. infra_start restarts containerd
# with the sandbox image of the side asked for: ours (as the docs configure it,
# pulled from the registry by the CRI) or the non-reaping sleeper.
SHARES_UTS=true CHECKS_USER=true STOP_SIGNAL=KILL  # (containerd's CRI stops a sandbox with SIGKILL)
PID_MODE=POD SANDBOX="" POD_NAME=""
declare -A app_ids=()
infra_start() {
  if [ "$1" = pause ]; then cri_containerd_start; else cri_containerd_start "$REGISTRY/sleeper:e2e"; fi
  cri pull "$REGISTRY/busybox:e2e" >/dev/null
  POD_NAME=$1-$(tr 'A-Z' 'a-z' <<<"$PID_MODE")
  mkdir -p "$CRI_STATE/logs/$POD_NAME"
  echo "--- pod $POD_NAME: sandbox image $([ "$1" = pause ] && echo ours || echo the sleeper), pid mode $PID_MODE"
  SANDBOX=$(value id "$(cri runp "$POD_NAME" "$PID_MODE")") || fail "RunPodSandbox failed"
  expect_eq "PodSandboxStatus" SANDBOX_READY "$(value state "$(cri sandbox-status "$SANDBOX")")"
  INFRA_PID=$(info_field .pid "$SANDBOX")
  wait_for 10 asleep "$INFRA_PID" || fail "the sandbox process does not sleep"
  [ "$1" = pause ] || return 0
  # The CRI's own view of our sandbox and its image.
  expect_eq "the sandbox process" /pause "$(tr -d '\0' <"/proc/$INFRA_PID/cmdline")"
  expect_eq "the sandbox's image (verbose info)" "$PAUSE_IMAGE" "$(info_field .image "$SANDBOX")"
  local image
  image=$(cri image-status "$PAUSE_IMAGE")
  expect_eq "repo digest of the sandbox image (= the pushed index)" "$REGISTRY/pause@$INDEX_DIGEST" \
    "$(value repo_digest "$image")"
  expect_eq "ImageStatus: pinned, for the sandbox image pulled by the CRI (containerd $containerd_version)" \
    "$expected_pinned" "$(value pinned "$image")"
}
app_begin() {  # app_begin NAME CMD...: CreateContainer and StartContainer in the pod
  local name=$1 id
  shift
  id=$(value id "$(cri create "$SANDBOX" "$POD_NAME" "$PID_MODE" "$name" "$REGISTRY/busybox:e2e" "$@")")
  [ -n "$id" ] || fail "app $name: CreateContainer failed"
  cri start "$id" || fail "app $name: StartContainer failed"
  app_ids[$name]=$id
}
app_run() {
  local name=$1 id status
  app_begin "$@"
  id=${app_ids[$name]}
  app_exited() { [ "$(value state "$(cri container-status "$id")")" = CONTAINER_EXITED ]; }
  wait_for 30 app_exited || fail "app $name did not exit"
  # The CRI's log format: "<time> <stream> <P|F> <text>".
  cut -d' ' -f4- "$CRI_STATE/logs/$POD_NAME/$name.log" 2>/dev/null
  status=$(value exit_code "$(cri container-status "$id")")
  [ "$status" = 0 ] || fail "app $name exited $status"
  cri rm "$id"
  unset "app_ids[$name]"
}
app_start() { app_begin "$@"; }
app_kill() {
  local id=${app_ids[$1]:-}
  [ -n "$id" ] || return 0
  cri stop "$id" 0 || true
  cri rm "$id" || true
  unset "app_ids[$1]"
}
infra_stop() {
  exited_with_status() { [ -n "$(exit_status_of "$SANDBOX")" ]; }
  cri stopp "$SANDBOX"
  wait_for 20 exited_with_status || fail "no exit of the sandbox task in containerd's events"
  STOP_STATUS=$(exit_status_of "$SANDBOX") STOP_LOG=""
}
infra_remove() {
  local pod_pid=$INFRA_PID
  [ -n "$SANDBOX" ] || return 0
  cri stopp "$SANDBOX" >/dev/null 2>&1 || true
  cri rmp "$SANDBOX"
  app_ids=() SANDBOX=""
  gone() {
    ! kill -0 "$pod_pid" 2>/dev/null && [ -z "$(children_of "$pod_pid")" ] && ! ctr_k8s tasks ls -q | grep -q .
  }
  wait_for 20 gone || fail "something of the pod is left: $(ctr_k8s tasks ls)"
  pass "nothing of the pod is left: no process, no zombie, no task"
}

PID_MODE=POD SHARES_PID=true
run_pod_checks
PID_MODE=CONTAINER SHARES_PID=false
run_pod_checks

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
