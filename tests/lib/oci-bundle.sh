# The pause OCI bundle, as a CRI runtime would make it for a pod sandbox
# (`load oci-bundle`: the runc/crun scenarios, seccomp/ scripts). The scenario
# sets $runtime (runc or crun) for `oci`.

# pause_bundle <image dir> <bundle dir> [seccomp profile]: our image for this
# host's arch, with a read-only root, no capabilities, no new privileges, the
# image's uid/gid 65535, and the seccomp profile if one is given.
pause_bundle() {
  local image_dir=$1 bundle=$2 profile=${3:-} layout
  need_tool umoci
  need_tool skopeo
  need_tool jq
  scratch_dir layout
  skopeo copy -q --override-arch "$(host_arch)" "oci:$image_dir/oci:$version" "oci:$layout/image:pause"
  umoci unpack --image "$layout/image:pause" "$bundle" >/dev/null
  jq --slurpfile profile "${profile:-/dev/null}" '.process.terminal = false | .root.readonly = true
      | .process.noNewPrivileges = true
      | .process.capabilities = {bounding: [], effective: [], inheritable: [], permitted: [], ambient: []}
      | if $profile == [] then . else .linux.seccomp = ($profile[0] | del(.syscalls[].comment)) end' \
    "$bundle/config.json" >"$bundle/config.json.new" && mv "$bundle/config.json.new" "$bundle/config.json"
  expect_eq "user of the pause bundle" "65535:65535" \
    "$(jq -r '"\(.process.user.uid):\(.process.user.gid)"' "$bundle/config.json")"
  [ -z "$profile" ] || pass "pause runs under the seccomp profile $profile"
}

# oci ARGS...: the scenario's $runtime (runc or crun). crun refuses hybrid
# cgroups (v1 + a v2 mount at /sys/fs/cgroup/unified, as here): it gets a private
# mount namespace without the v2 mount.
oci() {
  if [ "$runtime" = crun ] && mountpoint -q /sys/fs/cgroup/unified; then
    unshare -m --propagation private sh -c 'umount /sys/fs/cgroup/unified && exec crun "$@"' crun "$@"
  else
    "$runtime" "$@"
  fi
}
