#!/usr/bin/env bash
# Negative control of the user-namespaced pod: the image's user is
# 65535:65535, the last id of a 65536-id mapping (0..65535), so with 65535 ids
# mapped (0..65534) it cannot run, and the runtime says so instead of starting
# anything (docs: why the image needs the full mapping).
# Usage: short-mapping.sh runc|crun   (the image: PAUSE_IMAGE_DIR)
. "$(dirname "$0")/../../lib/harness.sh"
load oci-bundle
runtime=$1
needs root "$runtime" mounts deadline=120 image
socket_dir work  # reachable by the mapped root (see oci/pod.sh)
offset=1073741824
pause_bundle "$work/pause" >/dev/null
chmod 0755 "$work" "$work/pause"
chown -R "$offset:$offset" "$work/pause/rootfs"
run_with_size() {  # run_with_size <ids mapped>: pause -v in the bundle; prints what the runtime said
  local id=short-mapping-$$-$1
  jq --argjson size "$1" --argjson offset "$offset" '.process.args = ["/pause", "-v"]
      | .linux.namespaces |= (map(select(.type != "user")) + [{type: "user"}])
      | .linux.uidMappings = [{containerID: 0, hostID: $offset, size: $size}]
      | .linux.gidMappings = .linux.uidMappings' \
    "$work/pause/config.json" >"$work/pause/config.new" && mv "$work/pause/config.new" "$work/pause/config.json"
  on_exit "$runtime" delete --force "$id"
  oci run --bundle "$work/pause" "$id" </dev/null 2>&1  # (the scenario's deadline bounds it)
}
expect_eq "with 65536 ids mapped (positive control)" "pause v" "$(run_with_size 65536 | cut -c1-7)"
said=$(run_with_size 65535) && fail "with 65535 ids mapped, $runtime started pause: $said"
# runc 1.1 does not name the id; crun 1.8 does.
case $runtime:$said in
  runc:*"cannot set uid to unmapped user in user namespace"* | crun:*"to 65535: Invalid argument"*)
    pass "with 65535 ids mapped, $runtime refuses: $said" ;;
  *) fail "with 65535 ids mapped, $runtime failed for another reason: $said" ;;
esac
