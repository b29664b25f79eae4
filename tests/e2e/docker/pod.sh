#!/usr/bin/env bash
# The classic docker demo, against a dockerd this test starts (and stops) with
# all its state in a scratch directory:
#   docker run -d --name pause --ipc shareable <ours>
#   docker run --net=container:pause --pid=container:pause --ipc=container:pause busybox …
# Usage: pod.sh <dir made by tests/image/build.sh>
. "$(dirname "$0")/../../lib.sh"
. "$(dirname "$0")/../pod-checks.sh"
image_dir=$1
need_root
need_tool dockerd docker.io
need_tool skopeo
# docker has no --uts=container: (only --uts=host), so the hostname is not shared.
SHARES_PID=true SHARES_UTS=false CHECKS_USER=true
state=$(mktemp -d)
docker() { /usr/bin/docker --host "unix://$state/docker.sock" "$@"; }  # Debian's client, whatever PATH says
on_exit 'rm -rf "$state"'
on_exit '{ grep -F " $state/" /proc/mounts || true; } | awk "{ print \$2 }" | sort -r | xargs -r umount -l'
on_exit 'kill "$(cat "$state/docker.pid")" && wait_for 30 bash -c "! kill -0 $(cat "$state/docker.pid") 2>/dev/null"'
on_exit 'docker rm --force $(docker ps -aq) >/dev/null 2>&1'

dockerd --data-root "$state/data" --exec-root "$state/exec" --pidfile "$state/docker.pid" \
  --host "unix://$state/docker.sock" --iptables=false --ip6tables=false --bridge=none \
  >"$state/dockerd.log" 2>&1 &
wait_for 60 docker info >/dev/null 2>&1 || fail "dockerd did not start: $(tail -5 "$state/dockerd.log")"

skopeo copy -q --override-arch "$(host_arch)" "oci:$image_dir/oci:$version" "docker-archive:$state/pause.tar:pause:e2e"
docker load -q -i "$state/pause.tar" >/dev/null
busybox_rootfs "$state/busybox"
tar -C "$state/busybox" -c . | docker import - busybox:e2e >/dev/null

infra_start() {
  if [ "$1" = pause ]; then
    docker run -d --name pause --network none --ipc shareable pause:e2e >/dev/null
  else
    docker run -d --name pause --network none --ipc shareable busybox:e2e sleep 1000000 >/dev/null
  fi
  INFRA_PID=$(docker inspect -f '{{.State.Pid}}' pause)
  wait_for 10 bash -c "[ \"\$(awk '{ print \$3 }' /proc/$INFRA_PID/stat)\" = S ]"
}
infra_stop() {
  docker stop pause >/dev/null
  STOP_STATUS=$(docker inspect -f '{{.State.ExitCode}}' pause)
  STOP_LOG=$(docker logs pause 2>&1)
}
infra_remove() { docker rm --force pause >/dev/null; }
in_pod=(--net=container:pause --pid=container:pause --ipc=container:pause)
app_run() {
  local name=$1
  shift
  docker run --rm "${in_pod[@]}" --name "$name" busybox:e2e "$@"
}
app_start() {
  local name=$1
  shift
  docker run -d "${in_pod[@]}" --name "$name" busybox:e2e "$@" >/dev/null
}
app_kill() { docker rm --force "$1" >/dev/null; }

run_pod_checks
