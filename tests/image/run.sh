#!/usr/bin/env bash
# One arch of the image under runc, as a pod sandbox runs it: `-v` prints the
# version; started plain it sleeps as PID 1, and SIGTERM ends it with status 0
# and the shutdown message. Foreign arches run through qemu binfmt.
# Usage: run.sh <arch> [image reference]
# The image comes from PAUSE_IMAGE_DIR's OCI layout, or from the reference given (e.g.
# docker://registry.example/pause:1.0.0, with REGISTRY_AUTHFILE and
# REGISTRY_CA_DIR for skopeo), that arch's platform pulled from its index.
. "$(dirname "$0")/../lib/harness.sh"
needs root runc umoci skopeo jq mounts deadline=240 image
load oci-bundle
arch=$1 source=${2:-oci:$image_dir/oci:$version}
scratch_dir work
pause_bundle "$work/bundle" --arch "$arch" --from "$source"
config=$work/bundle/config.json

id=pause-image-$arch-$$
on_exit runc delete --force "$id"
with_args() { jq --argjson args "$1" '.process.args = $args' "$config" >"$config.new" && mv "$config.new" "$config"; }

with_args '["/pause", "-v"]'
output=$(runc run --bundle "$work/bundle" "$id" 2>&1) || fail "pause -v exited $?: $output"
[[ $output =~ ^pause\ v$version(\+g[0-9a-f]{12})?$ ]] || fail "$arch: pause -v printed: $output"
pass "$arch: pause -v = $output"
runc delete --force "$id" 2>/dev/null || true

with_args '["/pause"]'
runc run --bundle "$work/bundle" "$id" >"$work/out" 2>"$work/err" &
runc_pid=$!
started_and_asleep() {
  local pid
  pid=$(runc state "$id" 2>/dev/null | jq -r 'select(.status == "running") | .pid') || return 1
  [ -n "$pid" ] && asleep "$pid"
}
wait_for 20 started_and_asleep || fail "$arch: pause did not start and sleep: $(cat "$work/err")"
pid=$(runc state "$id" | jq -r .pid)
expect_eq "$arch: runs as" "65535 65535" \
  "$(awk '/^Uid:/ { u = $2 } /^Gid:/ { g = $2 } END { print u, g }' "/proc/$pid/status")"
sleep 0.3  # still alive a moment later
runc kill "$id" TERM
wait_bounded "$runc_pid" 20 || fail "$arch: pause did not stop within 20 s of SIGTERM"
expect_eq "$arch: exit status after SIGTERM" 0 "$WAIT_STATUS"
expect_eq "$arch: stderr" "Shutting down, got signal: Terminated" "$(cat "$work/err")"
