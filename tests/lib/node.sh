# What every node of the operator's-path scenarios has (`load node`, in a
# scenario that `needs net`), whatever its runtime:
#   cluster_registry <image dir>   the private registry (registry.sh), our image
#                                  pushed with `make push` as the docs say, plus
#                                  busybox images for apps and for a non-reaping
#                                  sandbox; $REGISTRY_AUTH: its credentials as an
#                                  auth file; PAUSE_IMAGE, INDEX_DIGEST
#   cni_config DIR                 a CNI network for pods: Debian's bridge plugin,
#                                  host-local addresses kept in DIR, host ports
#                                  (portmap), in the scenario's own network namespace
#   check_crictl_view PINNED       docs/cluster.md's crictl lines, against a running
#                                  pod named web (the scenario defines crictl for its
#                                  runtime): the pod Ready, its image, its process
#                                  /pause (pid in WEB_PID), the pushed index among the
#                                  image's digests, and pinned as PINNED says
load registry busybox

cluster_registry() {
  local image_dir=$1
  start_registry
  trust_registry_ca  # the docs' place for skopeo's CA
  registry_auth_file REGISTRY_AUTH
  PAUSE_IMAGE=$REGISTRY/pause:$version
  INDEX_DIGEST=$(REGISTRY_CREDS="$REGISTRY_USER:$REGISTRY_PASSWORD" "$top/scripts/push-image.sh" "$image_dir" \
    "$PAUSE_IMAGE" |
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

# cni_config DIR: a CNI network for pods (Debian's bridge plugin, host-local
# addresses kept in DIR), as a node has one in /etc/cni/net.d.
cni_config() {
  need_tool iptables  # (portmap's)
  mkdir -p "$1"
  cat >"$1/10-pause-test.conflist" <<CNI
{"cniVersion": "1.0.0", "name": "pause-test", "plugins": [
  {"type": "bridge", "bridge": "pausetest0", "isGateway": true, "ipMasq": false,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.88.77.0/24"}]], "dataDir": "$1/ipam"}},
  {"type": "portmap", "capabilities": {"portMappings": true}}]}
CNI
}

check_crictl_view() {
  local listed seen images
  listed=$(eval "$(readme_snippet docs/cluster.md crictl-pods)")
  [[ $listed == *"web"* && $listed == *"Ready"* ]] || fail "crictl pods does not show web Ready: $listed"
  pass "crictl pods: $(tail -n 1 <<<"$listed" | tr -s ' ')"
  mapfile -t seen < <(eval "$(readme_snippet docs/cluster.md crictl-inspectp)")
  expect_eq "crictl inspectp: the sandbox's image" "$PAUSE_IMAGE" "${seen[0]}"
  expect_eq "crictl inspectp: its process" /pause "$(tr -d '\0' <"/proc/${seen[1]}/cmdline")"
  WEB_PID=${seen[1]}
  images=$(eval "$(readme_snippet docs/cluster.md crictl-images)")
  expect_eq "crictl images: the pushed index among the sandbox image's digests, and pinned" "true $1" \
    "$(jq -r --arg index "$REGISTRY/pause@$INDEX_DIGEST" '"\(.repoDigests | index($index) != null) \(.pinned)"' \
      <<<"$images")"
}
