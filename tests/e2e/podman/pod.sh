#!/usr/bin/env bash
# podman, as the docs show it, with all of podman's state in a scratch
# directory: `podman load` of the OCI archive (the name it gets), a pod whose
# infra container is our image (per pod, and through containers.conf), and
# pause under the seccomp profile with and without no-new-privileges, each
# documented line run verbatim, and the pod checks:
# - a podman pod sharing ipc, net, uts and pid with busybox app containers,
#   `podman pod stop` ends it (podman 4.3 starts a pod's infra container as root
#   whatever the image's USER, so the uid is checked in the next form);
# - the docs' `podman run` of the image under the profile, apps joining it with
#   --pid/--net/--ipc/--uts container:pause.
# Usage: pod.sh   (the image: PAUSE_IMAGE_DIR)
. "$(dirname "$0")/../../lib/harness.sh"
load pod-checks busybox
needs root podman mounts deadline=420 image
scratch_dir containers
# shellcheck source=scripts/containers-env.sh
. "$top/scripts/containers-env.sh" "$containers/podman"
remove_everything() { podman pod rm --all --force >/dev/null 2>&1; pause_containers_cleanup; }
on_exit remove_everything

in_readme_dir "$image_dir"
loaded=$(eval "$(readme_snippet docs/images.md podman-load)")
expect_eq "podman load of the OCI archive" "Loaded image: localhost/pause:$version" "$loaded"
podman tag "localhost/pause:$version" "registry.example/pause:$version"
busybox_rootfs "$containers/busybox"
tar -C "$containers/busybox" -c . | podman import -q - localhost/busybox:e2e >/dev/null

# the docs' per-pod line, and its containers.conf setting: the infra is /pause.
infra_of() { podman inspect "$(podman pod inspect "$1" --format '{{.InfraContainerID}}')" --format "{{.$2}}"; }
check_readme_pod() {  # check_readme_pod <pod name> <how it was made>
  podman pod start "$1" >/dev/null
  local pid
  pid=$(infra_of "$1" State.Pid)
  wait_for 10 asleep "$pid" || fail "the infra of the pod made by $2 does not sleep"
  expect_eq "the infra process of the pod made by $2" /pause "$(tr -d '\0' <"/proc/$pid/cmdline")"
  podman pod stop "$1" >/dev/null
  expect_eq "its exit status after podman pod stop" 0 "$(infra_of "$1" State.ExitCode)"
  podman pod rm "$1" >/dev/null
}
eval "$(readme_snippet docs/cluster.md podman-pod)" >/dev/null
check_readme_pod web "the docs' podman pod create line"
# The drop-in the docs name, read with this test's settings as the main file.
private_etc containers
cp "$CONTAINERS_CONF" /etc/containers/containers.conf
unset CONTAINERS_CONF
mkdir -p /etc/containers/containers.conf.d
readme_snippet docs/cluster.md podman-containers-conf >/etc/containers/containers.conf.d/pause.conf
podman pod create --name conf >/dev/null
check_readme_pod conf "the docs' containers.conf setting"

mode=pod infra_variant=""
pod=""
infra_start() {
  if [ "$mode" = run ]; then
    if [ "$1" = pause ]; then
      eval "$(readme_snippet docs/seccomp.md "$infra_variant")" >/dev/null
    else
      podman run -d --name pause localhost/busybox:e2e sleep 1000000 >/dev/null
    fi
    infra=pause
  else
    pod=pod-$1-$$
    if [ "$1" = pause ]; then
      podman pod create --name "$pod" --infra-image "registry.example/pause:$version" --share ipc,net,uts,pid \
        --network none >/dev/null
    else
      podman pod create --name "$pod" --infra-image localhost/busybox:e2e --infra-command 'sleep 1000000' \
        --share ipc,net,uts,pid --network none >/dev/null
    fi
    podman pod start "$pod" >/dev/null
    infra=$(podman pod inspect "$pod" --format '{{.InfraContainerID}}')
  fi
  INFRA_PID=$(podman inspect "$infra" --format '{{.State.Pid}}')
  wait_for 10 asleep "$INFRA_PID" || fail "the infra container does not sleep"
}
infra_stop() {
  if [ "$mode" = run ]; then podman stop pause >/dev/null; else podman pod stop "$pod" >/dev/null; fi
  STOP_STATUS=$(podman inspect "$infra" --format '{{.State.ExitCode}}')
  STOP_LOG=$(podman logs "$infra" 2>&1)
}
infra_remove() {
  if [ "$mode" = run ]; then podman rm --force --time 0 pause >/dev/null; else podman pod rm --force --time 0 \
    "$pod" >/dev/null; fi
}
joins() {
  if [ "$mode" = run ]; then
    echo --pid=container:pause --net=container:pause --ipc=container:pause --uts=container:pause
  else
    echo --pod "$pod"
  fi
}
app_run() {
  local name=$1
  shift
  podman run --rm $(joins) --name "$name-$$" localhost/busybox:e2e "$@"
}
app_start() {
  local name=$1
  shift
  podman run -d $(joins) --name "$name-$$" localhost/busybox:e2e "$@" >/dev/null
}
app_kill() { podman rm --force --time 0 "$1-$$" >/dev/null; }

SHARES_PID=true SHARES_UTS=true CHECKS_USER=false
run_pod_checks
mode=run CHECKS_USER=true CONFINED=true
for infra_variant in podman-seccomp podman-seccomp-nnp; do
  echo "--- pause started as the docs' $infra_variant says, apps joining it"
  NO_NEW_PRIVS=$([ "$infra_variant" = podman-seccomp-nnp ] && echo 1 || echo 0)
  run_pod_checks
done
