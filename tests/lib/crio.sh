# CRI-O as a node runs it, configured as docs/cluster.md says (`load crio`, in
# a scenario that `needs net built=cri-o built=cri-tools`):
#   crio_start [TOML]     CRI-O 1.26 (built from source) with docs/cluster.md's
#                         drop-in and auth file under a private /etc/crio, and
#                         TOML (e.g. "[crio.runtime]\ndrop_infra_ctr = false") as
#                         a later drop-in that overrides them; every path of its
#                         state in scratch directories, a socket of its own,
#                         Debian's conmon and runc, cgroupfs, the CNI bridge of
#                         the scenario's network namespace. Fresh storage each
#                         time: nothing pulled yet. Sets CRIO_STATE, CRIO_SOCKET.
#   crio_stop             every pod stopped and removed, then CRI-O (also at exit)
#   crictl ARGS...        crictl, as an operator runs it, on CRI-O's socket
#   crictl_pod_config FILE NAME POD|CONTAINER|NODE
#                         a pod sandbox config (crictl runp), PID namespace as given
#   crictl_app_config FILE NAME POD|CONTAINER IMAGE CMD...
#                         a container config (crictl create), in the pod's PID
#                         namespace (POD) or one of its own, as the kubelet asks
#   infra_exit_status ID  the exit status conmon recorded for a pod's infra container
# The registry must be up (cluster_registry): CRI-O pulls by reference.
load node

crio_pid=""
crio_start() {
  local overrides=${1:-}
  [ -z "$crio_pid" ] || crio_stop
  scratch_dir CRIO_STATE
  [ -n "${CRIO_SOCKETS:-}" ] || socket_dir CRIO_SOCKETS
  CRIO_SOCKET=$CRIO_SOCKETS/crio.sock
  on_exit crio_stop
  cni_config "$CRIO_STATE/net.d"
  mkdir -p "$CRIO_STATE/pods"
  # This machine withholds CAP_SYS_RESOURCE: runc cannot give the infra
  # container the oom_score_adj of -998 CRI-O asks for, and CRI-O has no setting
  # like containerd's restrict_oom_score_adj. A negative value becomes 0.
  cat >"$CRIO_STATE/runc" <<'WRAPPER'
#!/bin/sh
bundle=""
previous=""
for argument in "$@"; do
  case $previous in --bundle | -b) bundle=$argument ;; esac
  previous=$argument
done
config=$bundle/config.json
if [ -n "$bundle" ] && jq -e '(.process.oomScoreAdj // 0) < 0' "$config" >/dev/null 2>&1; then
  jq '.process.oomScoreAdj = 0' "$config" >"$config.new" && mv "$config.new" "$config"
fi
exec runc "$@"
WRAPPER
  chmod +x "$CRIO_STATE/runc"
  # The node's own settings (paths of this scenario), then the docs' drop-in.
  cat >"$CRIO_STATE/crio.conf" <<CONF
[crio]
root = "$CRIO_STATE/storage"
runroot = "$CRIO_SOCKETS/storage"
storage_driver = "overlay"
log_dir = "$CRIO_STATE/pods"
version_file = "$CRIO_SOCKETS/version"
version_file_persist = "$CRIO_STATE/version"
clean_shutdown_file = "$CRIO_STATE/clean.shutdown"
[crio.api]
listen = "$CRIO_SOCKET"
stream_address = "127.0.0.1"
[crio.runtime]
default_runtime = "runc"
conmon = "/usr/bin/conmon"
conmon_cgroup = "pod"
cgroup_manager = "cgroupfs"
namespaces_dir = "$CRIO_SOCKETS/ns"
container_exits_dir = "$CRIO_SOCKETS/exits"
container_attach_socket_dir = "$CRIO_SOCKETS/attach"
pinns_path = "$BUILT_CRI_O/pinns"
[crio.runtime.runtimes.runc]
runtime_path = "$CRIO_STATE/runc"
runtime_type = "oci"
runtime_root = "$CRIO_SOCKETS/runc"
[crio.network]
network_dir = "$CRIO_STATE/net.d"
plugin_dirs = ["/usr/lib/cni"]
CONF
  private_etc crio
  rm -rf /etc/crio/crio.conf.d
  mkdir -p /etc/crio/crio.conf.d
  readme_snippet docs/cluster.md crio-config >/etc/crio/crio.conf.d/10-pause.conf
  [ -f /etc/crio/pause-auth.json ] || eval "$(readme_snippet docs/cluster.md crio-auth)" >/dev/null
  [ -z "$overrides" ] || printf '%b\n' "$overrides" >/etc/crio/crio.conf.d/99-test.conf
  "$BUILT_CRI_O/crio" --config "$CRIO_STATE/crio.conf" --config-dir /etc/crio/crio.conf.d \
    >"$CRIO_STATE/crio.log" 2>&1 &
  crio_pid=$!
  wait_for 60 crio_up || fail "CRI-O did not start: $(tail -5 "$CRIO_STATE/crio.log")"
}
crio_up() { crictl version >/dev/null 2>&1; }
crictl() { "$BUILT_CRI_TOOLS/crictl" --runtime-endpoint "unix://$CRIO_SOCKET" --image-endpoint "unix://$CRIO_SOCKET" --timeout 60s "$@"; }
crio_stop() {
  local id
  [ -n "$crio_pid" ] || return 0
  for id in $(crictl pods -q 2>/dev/null); do
    crictl stopp "$id" >/dev/null 2>&1
    crictl rmp --force "$id" >/dev/null 2>&1
  done
  kill "$crio_pid" 2>/dev/null
  wait_bounded "$crio_pid" 30
  kill_processes_naming "$CRIO_SOCKETS/"  # conmons that outlived it, and their containers
  crio_pid=""
}

pod_uid=0
crictl_pod_config() {  # crictl_pod_config FILE NAME POD|CONTAINER|NODE
  local mode
  case $3 in POD) mode=0 ;; CONTAINER) mode=1 ;; NODE) mode=2 ;; *) fail "pid mode $3?" ;; esac
  pod_uid=$((pod_uid + 1))
  mkdir -p "$CRIO_STATE/pods/$2"
  jq -n --arg name "$2" --arg uid "pause-test-$$-$pod_uid" --arg logs "$CRIO_STATE/pods/$2" --argjson mode "$mode" \
    '{metadata: {name: $name, namespace: "default", uid: $uid, attempt: 0}, hostname: $name,
      log_directory: $logs, linux: {security_context: {namespace_options: {pid: $mode}}}}' >"$1"
}
crictl_app_config() {  # crictl_app_config FILE NAME POD|CONTAINER IMAGE CMD...
  local file=$1 name=$2 mode=1 image=$4 command
  [ "$3" != POD ] || mode=0
  shift 4
  command=$(printf '%s\n' "$@" | jq -R . | jq -s -c .)  # one argument a line
  jq -n --arg name "$name" --arg image "$image" --argjson command "$command" --argjson mode "$mode" \
    '{metadata: {name: $name}, image: {image: $image}, command: $command, log_path: "\($name).log",
      linux: {security_context: {namespace_options: {pid: $mode}}}}' >"$file"
}
# conmon writes it to the container's persist directory (CRI-O deletes the copy in its exits directory).
infra_exit_status() { cat "$CRIO_STATE/storage/overlay-containers/$1/userdata/exit" 2>/dev/null || true; }
