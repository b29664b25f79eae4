# The pause OCI bundle, as a CRI runtime would make it for a pod sandbox
# (`load oci-bundle`: the runc/crun scenarios, seccomp/ scripts). The scenario
# sets $runtime (runc or crun) for `oci`.

# pause_bundle BUNDLE [--seccomp PROFILE] [--arch ARCH] [--from SOURCE]: our image
# unpacked into the bundle dir BUNDLE, as a CRI runtime makes a sandbox: a
# read-only root, no capabilities, no new privileges, the image's uid/gid 65535,
# and the seccomp profile if one is given. The platform of ARCH (default: this
# host's), from SOURCE (default: the layout in $image_dir, `needs image`; or a
# reference such as docker://registry.example/pause:1.0.0, with REGISTRY_AUTHFILE
# and REGISTRY_CA_DIR for skopeo).
pause_bundle() {
  local bundle=$1 profile="" arch layout variant source="" from=()
  arch=$(host_arch)
  shift
  while [ $# -gt 0 ]; do
    case $1 in
      --seccomp) profile=$2 ;;
      --arch) arch=$2 ;;
      --from) source=$2 ;;
      *) fail "pause_bundle: unknown option $1" ;;
    esac
    shift 2
  done
  [ -n "$source" ] || source=oci:$image_dir/oci:$version
  need_tool umoci
  need_tool skopeo
  need_tool jq
  scratch_dir layout
  variant=$(arch_field "$arch" oci-variant)
  [ -z "${REGISTRY_AUTHFILE:-}" ] || from+=(--src-authfile "$REGISTRY_AUTHFILE")
  [ -z "${REGISTRY_CA_DIR:-}" ] || from+=(--src-cert-dir "$REGISTRY_CA_DIR")
  skopeo copy -q "${from[@]}" --override-arch "$arch" $([ "$variant" = - ] || echo --override-variant "$variant") \
    "$source" "oci:$layout/image:pause"
  pass "$arch: $(skopeo inspect --raw "oci:$layout/image:pause" | jq -r .config.digest | cut -c1-19)… from $source"
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
