#!/usr/bin/env bash
# A podman pod whose infra container is our image, sharing ipc, net, uts and
# pid with busybox app containers; `podman pod stop` ends it.
# podman starts a pod's infra container as root whatever the image's USER
# (measured: podman 4.3), so the uid check runs on `podman run` of the image.
# Usage: pod.sh <dir made by tests/image/build.sh>
. "$(dirname "$0")/../../lib.sh"
. "$(dirname "$0")/../pod-checks.sh"
image_dir=$1
need_root
need_tool podman
need_tool skopeo
SHARES_PID=true SHARES_UTS=true CHECKS_USER=false
# shellcheck source=scripts/containers-env.sh
. "$top/scripts/containers-env.sh" "$(mktemp -d)"
on_exit pause_containers_cleanup
on_exit 'podman pod rm --all --force >/dev/null 2>&1'

podman pull -q "oci:$image_dir/oci:$version" >/dev/null
podman tag "$(podman images -q | head -n 1)" localhost/pause:e2e
busybox_rootfs "$pause_containers_dir/busybox"
tar -C "$pause_containers_dir/busybox" -c . | podman import -q - localhost/busybox:e2e >/dev/null

pod=""
infra_start() {
  pod=pod-$1-$$
  if [ "$1" = pause ]; then
    podman pod create --name "$pod" --infra-image localhost/pause:e2e --share ipc,net,uts,pid --network none >/dev/null
  else
    podman pod create --name "$pod" --infra-image localhost/busybox:e2e --infra-command 'sleep 1000000' \
      --share ipc,net,uts,pid --network none >/dev/null
  fi
  podman pod start "$pod" >/dev/null
  infra=$(podman pod inspect "$pod" --format '{{.InfraContainerID}}')
  INFRA_PID=$(podman inspect "$infra" --format '{{.State.Pid}}')
  wait_for 10 bash -c "[ \"\$(awk '{ print \$3 }' /proc/$INFRA_PID/stat)\" = S ]"
}
infra_stop() {
  podman pod stop "$pod" >/dev/null
  STOP_STATUS=$(podman inspect "$infra" --format '{{.State.ExitCode}}')
  STOP_LOG=$(podman logs "$infra" 2>&1)
}
infra_remove() { podman pod rm --force --time 0 "$pod" >/dev/null; }
app_run() {
  local name=$1
  shift
  podman run --rm --pod "$pod" --name "$name-$$" localhost/busybox:e2e "$@"
}
app_start() {
  local name=$1
  shift
  podman run -d --pod "$pod" --name "$name-$$" localhost/busybox:e2e "$@" >/dev/null
}
app_kill() { podman rm --force --time 0 "$1-$$" >/dev/null; }

run_pod_checks

# The image's USER, applied where podman applies it: a plain `podman run`.
id=$(podman run -d --network none localhost/pause:e2e)
pid=$(podman inspect "$id" --format '{{.State.Pid}}')
expect_eq "uid and gid of pause under podman run" "65535 65535" \
  "$(awk '/^Uid:/ { u = $2 } /^Gid:/ { g = $2 } END { print u, g }' "/proc/$pid/status")"
podman stop "$id" >/dev/null
expect_eq "exit status after podman stop" 0 "$(podman inspect "$id" --format '{{.State.ExitCode}}')"
podman rm "$id" >/dev/null
