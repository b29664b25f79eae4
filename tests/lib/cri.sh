# A node as a cluster has it: containerd's CRI plugin configured as docs/cluster.md
# says, for tests/e2e/cri and bench/density.sh (in a scenario that `needs net`):
#   cri_containerd_start [sandbox image] [password] [CA file]
#                                  containerd ($CONTAINERD_DIR's, see containerd.sh)
#                                  with the docs' CRI configuration (sandbox image,
#                                  config_path, credentials) and hosts.toml, in a
#                                  fresh root: nothing imported; the arguments
#                                  replace the docs' values, for the negative controls
#   cri_containerd2_start [sandbox image] [password] [CA file]
#                                  the same for containerd 2.x, configured as the docs'
#                                  section on 2.x says: `containerd config default`
#                                  of that binary with the docs' edits, the credentials
#                                  in hosts.toml; crictl on its socket, pods' logs in
#                                  CRICTL_PODS (crictl.sh). runc is the first in PATH.
#   containerd2_needs / use_containerd2
#                                  the needs words of a containerd 2.3 node (with
#                                  runc 1.4 and crictl 1.36, built from source), and,
#                                  after needs, those binaries for the next start
#   cri VERB ARGS...               the CRI client on its socket (cri_client.cpp)
#   cri_containerd_stop            every task killed and removed, then containerd
#                                  (also at exit)
# The registry comes first (cluster_registry, node.sh). Events of containerd go
# to $CONTAINERD_EVENTS (task exits).
load node containerd crictl

cri() { "$CRI_CLIENT" --socket "$CRI_SOCKETS/containerd.sock" --log-dir "$CRI_STATE/logs" "$@"; }
ctr_k8s() { ctr --address "$CRI_SOCKETS/containerd.sock" --namespace k8s.io "$@"; }
# Up: the CRI answers (through our client, or crictl when there is none).
containerd_up() {
  if [ -x "${CRI_CLIENT:-}" ]; then cri version >/dev/null 2>&1
  else crictl version >/dev/null 2>&1; fi
}

cri_containerd_start() {
  local sandbox_image=${1:-} password=${2:-} ca=${3:-}
  [ -z "$containerd_pid" ] || cri_containerd_stop
  scratch_dir CRI_STATE
  [ -n "${CRI_SOCKETS:-}" ] || socket_dir CRI_SOCKETS
  # Registered after its directories, so that it runs before they go: the
  # tasks are killed through the socket, never orphaned with their shims.
  on_exit cri_containerd_stop
  mkdir -p "$CRI_STATE/logs"
  cni_config "$CRI_STATE/net.d"
  # the docs' places: the CA beside hosts.toml, the config in /etc/containerd (a private copy).
  private_etc containerd
  mkdir -p "/etc/containerd/certs.d/$REGISTRY"
  cp "$REGISTRY_CA_DIR/ca.crt" "/etc/containerd/certs.d/$REGISTRY/"
  # the docs' files verbatim; the machine's needs and this scenario's paths added
  # around them (restrict_oom_score_adj: this machine withholds CAP_SYS_RESOURCE).
  {
    readme_snippet docs/cluster.md containerd-cri-config | sed \
      '/^\[plugins."io.containerd.grpc.v1.cri"\]$/a\  restrict_oom_score_adj = true'
    cat <<CONF
[plugins."io.containerd.grpc.v1.cri".cni]
  bin_dir = "/usr/lib/cni"
  conf_dir = "$CRI_STATE/net.d"
CONF
  } >"$CRI_STATE/cri.toml"
  [ -z "$sandbox_image" ] || sed -i "s|sandbox_image = .*|sandbox_image = \"$sandbox_image\"|" "$CRI_STATE/cri.toml"
  [ -z "$password" ] || sed -i "s|password = .*|password = \"$password\"|" "$CRI_STATE/cri.toml"
  readme_snippet docs/cluster.md containerd-hosts-toml >"/etc/containerd/certs.d/$REGISTRY/hosts.toml"
  [ -z "$ca" ] || sed -i "s|ca = .*|ca = \"$ca\"|" "/etc/containerd/certs.d/$REGISTRY/hosts.toml"
  containerd_start /etc/containerd/config.toml "$CRI_STATE" "$CRI_SOCKETS" "$CRI_STATE/cri.toml"
  eval "$(readme_snippet docs/cluster.md containerd-config-mode)"  # it holds a password
  [ "$(stat -c %a /etc/containerd/config.toml)" = 600 ] || fail "config.toml is not 0600 after the docs' chmod"
  cri_containerd_up
}
containerd2_needs() { echo built=containerd-2.3 built=runc-1.4 built=cri-tools-1.36; }
use_containerd2() {
  use_containerd "$BUILT_CONTAINERD_2_3"
  PATH=$BUILT_RUNC_1_4:$PATH CRI_TOOLS_DIR=$BUILT_CRI_TOOLS_1_36
}
cri_containerd2_start() {
  local sandbox_image=${1:-} password=${2:-} ca=${3:-} hosts
  [ -z "$containerd_pid" ] || cri_containerd_stop
  scratch_dir CRI_STATE
  [ -n "${CRI_SOCKETS:-}" ] || socket_dir CRI_SOCKETS
  crictl_config "unix://$CRI_SOCKETS/containerd.sock"  # (before cri_containerd_stop is registered)
  on_exit cri_containerd_stop
  CRICTL_PODS=$CRI_STATE/pods
  mkdir -p "$CRI_STATE/logs" "$CRICTL_PODS"
  cni_config "$CRI_STATE/net.d"
  private_etc containerd
  rm -rf /etc/containerd/config.toml /etc/containerd/certs.d
  hosts=/etc/containerd/certs.d/$REGISTRY
  mkdir -p "$hosts"
  cp "$REGISTRY_CA_DIR/ca.crt" "$hosts/"
  # The docs' steps verbatim: the binary's own default config, their edits, hosts.toml with the credentials.
  eval "$(readme_snippet docs/cluster.md containerd2-config-default)"
  eval "$(readme_snippet docs/cluster.md containerd2-config-edit)"
  readme_snippet docs/cluster.md containerd2-hosts-toml >"$hosts/hosts.toml"
  eval "$(readme_snippet docs/cluster.md containerd2-hosts-mode)"  # it holds the credentials
  [ "$(stat -c %a "$hosts/hosts.toml")" = 600 ] || fail "hosts.toml is not 0600 after the docs' chmod"
  # The negative controls' values in place of the docs'.
  [ -z "$sandbox_image" ] || sed -i "s|^\( *\)sandbox = .*|\1sandbox = '$sandbox_image'|" /etc/containerd/config.toml
  [ -z "$password" ] || sed -i \
    "s|Authorization = .*|Authorization = \"Basic $(printf '%s:%s' "$REGISTRY_USER" "$password" | base64 -w0)\"|" \
    "$hosts/hosts.toml"
  [ -z "$ca" ] || sed -i "s|ca = .*|ca = \"$ca\"|" "$hosts/hosts.toml"
  # This scenario's paths (root, state, sockets, CNI) and the machine's need
  # (restrict_oom_score_adj: it withholds CAP_SYS_RESOURCE), around the docs' edits.
  sed -i -e "s|^root = .*|root = '$CRI_STATE/containerd'|" -e "s|^state = .*|state = '$CRI_SOCKETS/containerd'|" \
    -e "s|address = '/run/containerd/containerd.sock|address = '$CRI_SOCKETS/containerd.sock|" \
    -e "s|restrict_oom_score_adj = false|restrict_oom_score_adj = true|" \
    -e "s|bin_dirs = .*|bin_dirs = ['/usr/lib/cni']|" -e \
      "s|conf_dir = '/etc/cni/net.d'|conf_dir = '$CRI_STATE/net.d'|" \
    /etc/containerd/config.toml
  containerd_launch /etc/containerd/config.toml "$CRI_STATE" "$CRI_SOCKETS"
  cri_containerd_up
}
cri_containerd_up() {
  wait_for 30 containerd_up || fail "containerd's CRI does not answer: $(tail -5 "$CRI_STATE/containerd.log")"
  CONTAINERD_EVENTS=$CRI_STATE/events
  ctr_k8s events >"$CONTAINERD_EVENTS" 2>&1 &
  events_pid=$!
}
cri_containerd_stop() {
  local id
  [ -n "$containerd_pid" ] || return 0
  for id in $(ctr_k8s tasks ls -q 2>/dev/null); do
    ctr_k8s tasks kill --signal SIGKILL "$id" >/dev/null 2>&1
    wait_for 10 bash -c "! ctr --address '$CRI_SOCKETS/containerd.sock' -n k8s.io tasks ls -q | grep -qx '$id'" ||
      ctr_k8s tasks rm --force "$id" >/dev/null 2>&1
  done
  kill "$events_pid" 2>/dev/null
  containerd_stop
}

# The exit status containerd recorded for a container's task (its /tasks/exit
# event; a zero status is left out of the event's JSON), or nothing yet.
exit_status_of() {
  local event
  event=$(grep -F '/tasks/exit' "$CONTAINERD_EVENTS" | grep -F "\"container_id\":\"$1\"" | tail -n 1)
  [ -n "$event" ] || return 0
  if [[ $event =~ \"exit_status\":([0-9]+) ]]; then echo "${BASH_REMATCH[1]}"; else echo 0; fi
}
