# A node as a cluster has it, for tests/e2e/cri and bench/density.sh (sourced
# after tests/lib.sh, tests/e2e/pod-checks.sh and tests/e2e/registry.sh, in a
# scenario that called `private_mounts --net "$@"`):
#   cluster_registry <image dir>   the private registry, our image pushed with
#                                  `make push` as README says, plus busybox
#                                  images for apps and for a non-reaping sandbox;
#                                  $REGISTRY_AUTH: its credentials as an auth file
#   start_containerd [sandbox image] [password] [CA file]
#                                  containerd with README's CRI configuration
#                                  (sandbox image, config_path, credentials) and
#                                  hosts.toml, in a fresh root: nothing imported;
#                                  the arguments replace README's values, for the
#                                  negative controls
#   cri VERB ARGS...               the CRI client on its socket (cri_client.cpp)
#   stop_containerd                every task killed and removed, then containerd
#                                  (also at exit)
# CNI: Debian's bridge plugin with host-local addresses, in the scenario's own
# network namespace. Events of containerd go to $CONTAINERD_EVENTS (task exits).

cluster_registry() {
  local image_dir=$1
  start_registry
  # README's places for the CA: skopeo's and containerd's.
  trust_registry_ca
  private_etc containerd
  mkdir -p "/etc/containerd/certs.d/$REGISTRY"
  cp "$REGISTRY_CA_DIR/ca.crt" "/etc/containerd/certs.d/$REGISTRY/"
  registry_auth_file REGISTRY_AUTH
  PAUSE_IMAGE=$REGISTRY/pause:$version
  INDEX_DIGEST=$(REGISTRY_CREDS="$REGISTRY_USER:$REGISTRY_PASSWORD" "$top/scripts/push-image.sh" "$image_dir" "$PAUSE_IMAGE" |
    sed -n 's/^pushed [^@]*@\(sha256:[0-9a-f]*\) .*/\1/p')
  [ -n "$INDEX_DIGEST" ] || fail "make push of $PAUSE_IMAGE failed"
  pass "pushed $PAUSE_IMAGE@$INDEX_DIGEST"
  push_busybox "$REGISTRY/busybox:e2e" '["sh"]'
  push_busybox "$REGISTRY/sleeper:e2e" '["sleep", "1000000"]'  # a sandbox that never reaps
}

# push_busybox <reference> <entrypoint as JSON>: a FROM-scratch busybox image.
push_busybox() {
  local layout entrypoint
  scratch_dir layout
  umoci init --layout "$layout/oci"
  umoci new --image "$layout/oci:busybox"
  umoci unpack --image "$layout/oci:busybox" "$layout/bundle" >/dev/null
  busybox_rootfs "$layout/bundle/rootfs"
  umoci repack --image "$layout/oci:busybox" "$layout/bundle" >/dev/null
  entrypoint=()
  while read -r word; do entrypoint+=(--config.entrypoint "$word"); done < <(jq -r '.[]' <<<"$2")
  umoci config --image "$layout/oci:busybox" --config.env PATH=/bin "${entrypoint[@]}" >/dev/null
  skopeo copy -q --dest-authfile "$REGISTRY_AUTH" "oci:$layout/oci:busybox" "docker://$1"
}

cri() { "$CRI_CLIENT" --socket "$CRI_SOCKETS/containerd.sock" --log-dir "$CRI_STATE/logs" "$@"; }
ctr_k8s() { ctr --address "$CRI_SOCKETS/containerd.sock" --namespace k8s.io "$@"; }
containerd_up() { cri version >/dev/null 2>&1; }

containerd_pid=""
start_containerd() {
  local sandbox_image=${1:-} password=${2:-} ca=${3:-}
  [ -z "$containerd_pid" ] || stop_containerd
  scratch_dir CRI_STATE
  [ -n "${CRI_SOCKETS:-}" ] || socket_dir CRI_SOCKETS
  # Registered after its directories, so that it runs before they go: the
  # tasks are killed through the socket, never orphaned with their shims.
  on_exit stop_containerd
  mkdir -p "$CRI_STATE/net.d" "$CRI_STATE/logs"
  cat >"$CRI_STATE/net.d/10-pause-test.conflist" <<CNI
{"cniVersion": "1.0.0", "name": "pause-test", "plugins": [
  {"type": "bridge", "bridge": "pausetest0", "isGateway": true, "ipMasq": false,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.88.77.0/24"}]], "dataDir": "$CRI_STATE/ipam"}}]}
CNI
  # README's files verbatim; the machine's needs and this scenario's paths added
  # around them (restrict_oom_score_adj: this machine withholds CAP_SYS_RESOURCE).
  {
    echo "root = \"$CRI_STATE/root\""
    echo "state = \"/run/containerd-cri-$RANDOM\""
    readme_snippet containerd-cri-config | sed '/^\[plugins."io.containerd.grpc.v1.cri"\]$/a\  restrict_oom_score_adj = true'
    cat <<CONF
[grpc]
  address = "$CRI_SOCKETS/containerd.sock"
[ttrpc]
  address = "$CRI_SOCKETS/containerd.sock.ttrpc"
[plugins."io.containerd.grpc.v1.cri".cni]
  bin_dir = "/usr/lib/cni"
  conf_dir = "$CRI_STATE/net.d"
CONF
  } >/etc/containerd/config.toml
  readme_snippet containerd-hosts-toml >"/etc/containerd/certs.d/$REGISTRY/hosts.toml"
  [ -z "$sandbox_image" ] || sed -i "s|sandbox_image = .*|sandbox_image = \"$sandbox_image\"|" /etc/containerd/config.toml
  [ -z "$password" ] || sed -i "s|password = .*|password = \"$password\"|" /etc/containerd/config.toml
  [ -z "$ca" ] || sed -i "s|ca = .*|ca = \"$ca\"|" "/etc/containerd/certs.d/$REGISTRY/hosts.toml"
  containerd --config /etc/containerd/config.toml >"$CRI_STATE/containerd.log" 2>&1 &
  containerd_pid=$!
  wait_for 30 containerd_up || fail "containerd did not start: $(tail -5 "$CRI_STATE/containerd.log")"
  CONTAINERD_EVENTS=$CRI_STATE/events
  ctr_k8s events >"$CONTAINERD_EVENTS" 2>&1 &
  events_pid=$!
}
stop_containerd() {
  local id
  [ -n "$containerd_pid" ] || return 0
  for id in $(ctr_k8s tasks ls -q 2>/dev/null); do
    ctr_k8s tasks kill --signal SIGKILL "$id" >/dev/null 2>&1
    wait_for 10 bash -c "! ctr --address '$CRI_SOCKETS/containerd.sock' -n k8s.io tasks ls -q | grep -qx '$id'" ||
      ctr_k8s tasks rm --force "$id" >/dev/null 2>&1
  done
  kill "$events_pid" 2>/dev/null
  kill "$containerd_pid" 2>/dev/null
  wait_bounded "$containerd_pid" 30
  kill_processes_naming "$CRI_SOCKETS/"  # shims that outlived it
  containerd_pid=""
}

# The exit status containerd recorded for a container's task (its /tasks/exit
# event; a zero status is left out of the event's JSON), or nothing yet.
exit_status_of() {
  local event
  event=$(grep -F '/tasks/exit' "$CONTAINERD_EVENTS" | grep -F "\"container_id\":\"$1\"" | tail -n 1)
  [ -n "$event" ] || return 0
  if [[ $event =~ \"exit_status\":([0-9]+) ]]; then echo "${BASH_REMATCH[1]}"; else echo 0; fi
}
