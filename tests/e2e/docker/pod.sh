#!/usr/bin/env bash
# Docker, as the docs show it, against a dockerd this test starts (and
# stops) with a containerd of its own and all state in scratch directories:
#   docker load of the image's docker archive (the name it gets),
#   the classic demo: docker run -d --name pause --ipc shareable <ours>, then
#     docker run --net=container:pause --pid=container:pause --ipc=container:pause busybox …
#   and the seccomp profile, with and without no-new-privileges,
# each documented line run verbatim, and the pod checks on each.
# Usage: pod.sh   (the image: PAUSE_IMAGE_DIR)
. "$(dirname "$0")/../../lib/harness.sh"
load pod-checks busybox containerd
needs root dockerd=docker.io containerd mounts deadline=420 image
# docker has no --uts=container: (only --uts=host), so the hostname is not shared.
SHARES_PID=true SHARES_UTS=false CHECKS_USER=true
scratch_dir state
socket_dir sockets
docker() { /usr/bin/docker --host "unix://$sockets/docker.sock" "$@"; }  # Debian's client, whatever PATH says

# containerd for dockerd: its own, never the machine's (dockerd would use a
# running /run/containerd/containerd.sock if it found one).
stop_daemons() {
  docker rm --force $(docker ps -aq) >/dev/null 2>&1
  [ ! -s "$sockets/docker.pid" ] || kill "$(cat "$sockets/docker.pid")" 2>/dev/null
  wait_for 30 exited "$(cat "$sockets/docker.pid" 2>/dev/null || echo 0)"
  containerd_stop
}
on_exit stop_daemons
containerd_start "$state/containerd.toml" "$state" "$sockets"
dockerd --data-root "$state/data" --exec-root "$sockets/exec" --pidfile "$sockets/docker.pid" \
  --host "unix://$sockets/docker.sock" --containerd "$sockets/containerd.sock" \
  --iptables=false --ip6tables=false --bridge=none >"$state/dockerd.log" 2>&1 &
wait_for 60 docker info >/dev/null 2>&1 || fail "dockerd did not start: $(tail -5 "$state/dockerd.log")"

in_readme_dir "$image_dir"
loaded=$(eval "$(readme_snippet docs/images.md docker-load)")
expect_eq "docker load of the docker archive" "Loaded image: localhost/pause:$version" "$loaded"
docker tag "localhost/pause:$version" "registry.example/pause:$version"
busybox_rootfs "$state/busybox"
tar -C "$state/busybox" -c . | docker import - busybox >/dev/null

infra_doc=docs/cluster.md infra_variant=docker-demo
infra_start() {
  if [ "$1" = pause ]; then
    eval "$(readme_snippet "$infra_doc" "$infra_variant" | head -n 1)" >/dev/null
  else
    docker run -d --name pause --ipc shareable busybox sleep 1000000 >/dev/null
  fi
  INFRA_PID=$(docker inspect -f '{{.State.Pid}}' pause)
  wait_for 10 asleep "$INFRA_PID" || fail "the infra container does not sleep"
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
  docker run --rm "${in_pod[@]}" --name "$name" busybox "$@"
}
app_start() {
  local name=$1
  shift
  docker run -d "${in_pod[@]}" --name "$name" busybox "$@" >/dev/null
}
app_kill() { docker rm --force "$1" >/dev/null; }

# The demo's second line, verbatim: an app in the pod sees pause as its PID 1.
infra_start pause
demo_app=$(readme_snippet docs/cluster.md docker-demo | sed -n 2p)
eval "$demo_app" | grep -q ' /pause$' || fail "'$demo_app' does not list /pause"
pass "the demo's app container lists /pause"
infra_remove

run_pod_checks
infra_doc=docs/seccomp.md
for infra_variant in docker-seccomp docker-seccomp-nnp; do
  echo "--- the pod again, pause started as the docs' $infra_variant says"
  CONFINED=true NO_NEW_PRIVS=$([ "$infra_variant" = docker-seccomp-nnp ] && echo 1 || echo 0)
  run_pod_checks
done
