# A node's runtime driven through the CRI by crictl, as an operator drives it
# (`load crictl`): CRI-O (crio.sh) and containerd 2.x (cri.sh). The runtime's
# library defines `crictl` on its socket and CRICTL_PODS, the directory where
# pods keep their logs, usually through crictl_config.
#   crictl_config ENDPOINT
#                         crictl ARGS... from then on: crictl, as an operator runs
#                         it, on that endpoint (its /etc/crictl.yaml, in a scratch file)
#   crictl_pod_config FILE NAME POD|CONTAINER|NODE
#                         a pod sandbox config (crictl runp), PID namespace as given
#   crictl_app_config FILE NAME POD|CONTAINER IMAGE CMD...
#                         a container config (crictl create), in the pod's PID
#                         namespace (POD) or one of its own, as the kubelet asks
# and the pod check list's adapter (pod-checks.sh), one pod in PID mode POD
# whose apps are $REGISTRY/busybox:e2e, pulled with credentials of their own (a
# pod's imagePullSecrets). The scenario defines three hooks for it:
#   runtime_with pause|sleep  (re)start the runtime so that the next pod's sandbox
#                             is our image, or the non-reaping sleeper image
#   sandbox_exit_status       the exit status of the stopped sandbox $POD_ID
#                             (infra container $INFRA_ID), or nothing while unknown
#   sandbox_log               what the sandbox process wrote, where the runtime keeps it
load pod-checks

crictl_config() {
  scratch_dir CRICTL_CONFIG_DIR
  printf 'runtime-endpoint: %s\nimage-endpoint: %s\ntimeout: 60\n' "$1" "$1" >"$CRICTL_CONFIG_DIR/crictl.yaml"
  crictl() { "$CRI_TOOLS_DIR/crictl" --config "$CRICTL_CONFIG_DIR/crictl.yaml" "$@"; }
}
pod_uid=0
crictl_pod_config() {
  local mode
  case $3 in POD) mode=0 ;; CONTAINER) mode=1 ;; NODE) mode=2 ;; *) fail "pid mode $3?" ;; esac
  pod_uid=$((pod_uid + 1))
  mkdir -p "$CRICTL_PODS/$2"
  jq -n --arg name "$2" --arg uid "pause-test-$$-$pod_uid" --arg logs "$CRICTL_PODS/$2" --argjson mode "$mode" \
    '{metadata: {name: $name, namespace: "default", uid: $uid, attempt: 0}, hostname: $name,
      log_directory: $logs, linux: {security_context: {namespace_options: {pid: $mode}}}}' >"$1"
}
crictl_app_config() {
  local file=$1 name=$2 mode=1 image=$4 command
  [ "$3" != POD ] || mode=0
  shift 4
  command=$(printf '%s\n' "$@" | jq -R . | jq -s -c .)  # one argument a line
  jq -n --arg name "$name" --arg image "$image" --argjson command "$command" --argjson mode "$mode" \
    '{metadata: {name: $name}, image: {image: $image}, command: $command, log_path: "\($name).log",
      linux: {security_context: {namespace_options: {pid: $mode}}}}' >"$file"
}

# --- the adapter ---
SHARES_PID=true SHARES_UTS=true
POD_ID=""
infra_start() {
  runtime_with "$1"
  crictl pull --creds "$REGISTRY_USER:$REGISTRY_PASSWORD" "$REGISTRY/busybox:e2e" >/dev/null
  POD_NAME=pod-$1
  crictl_pod_config "$CRICTL_PODS/pod.json" "$POD_NAME" POD
  POD_ID=$(crictl runp "$CRICTL_PODS/pod.json") || fail "crictl runp failed"
  INFRA_PID=$(crictl inspectp -o json "$POD_ID" | jq -r .info.pid)
  INFRA_ID=$(crictl inspectp -o json "$POD_ID" | jq -r .status.id)
  wait_for 10 asleep "$INFRA_PID" || fail "the sandbox process ($INFRA_PID) does not sleep"
}
app_create() {  # app_create NAME CMD...: prints the container's id
  local name=$1
  shift
  crictl_app_config "$CRICTL_PODS/app-$name.json" "$name" POD "$REGISTRY/busybox:e2e" "$@"
  crictl create "$POD_ID" "$CRICTL_PODS/app-$name.json" "$CRICTL_PODS/pod.json"
}
app_run() {
  local name=$1 id status
  id=$(app_create "$@") || fail "app $name: crictl create failed"
  crictl start "$id" >/dev/null
  app_exited() { crictl inspect -o json "$id" | jq -e '.status.state == "CONTAINER_EXITED"' >/dev/null; }
  wait_for 30 app_exited || fail "app $name did not exit"
  crictl logs "$id" 2>/dev/null
  status=$(crictl inspect -o json "$id" | jq -r .status.exitCode)
  [ "$status" = 0 ] || fail "app $name exited $status"
  crictl rm "$id" >/dev/null
}
app_start() {
  local id
  id=$(app_create "$@") || fail "app $1: crictl create failed"
  crictl start "$id" >/dev/null || fail "app $1 did not start"
}
app_kill() {
  local id
  id=$(crictl ps -a -q --name "^$1\$" --pod "$POD_ID" | head -n 1)
  [ -n "$id" ] || return 0
  crictl stop --timeout 0 "$id" >/dev/null 2>&1 || true
  crictl rm --force "$id" >/dev/null 2>&1 || true
}
infra_stop() {
  local started=$SECONDS
  crictl stopp "$POD_ID" >/dev/null
  STOP_SECONDS=$((SECONDS - started))
  exit_known() { [ -n "$(sandbox_exit_status)" ]; }
  wait_for 20 exit_known || fail "no exit status of the sandbox after crictl stopp"
  STOP_STATUS=$(sandbox_exit_status)
  STOP_LOG=$(sandbox_log)
}
infra_remove() {
  [ -n "$POD_ID" ] || return 0
  crictl stopp "$POD_ID" >/dev/null 2>&1 || true
  crictl rmp --force "$POD_ID" >/dev/null 2>&1 || true
  left() { ! kill -0 "$INFRA_PID" 2>/dev/null && [ -z "$(crictl pods -q)" ]; }
  wait_for 20 left || fail "the pod is still there after rmp: $(crictl pods)"
  POD_ID=""
}
