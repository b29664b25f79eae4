#!/usr/bin/env bash
# containerd and ctr, as the docs show them, with a containerd this test
# starts (and stops) with all its state in scratch directories:
# `ctr -n k8s.io images import` of the OCI archive (the name it gets), `ctr run`
# of the pause image (attached, in the background, so that ctr reports its exit
# code and stderr), and app tasks that join it with --with-ns network/ipc/uts/pid.
# (The CRI plugin's own path, pulling by reference, is tests/e2e/cri.)
# Usage: pod.sh   (the image: PAUSE_IMAGE_DIR, see tests/lib/harness.sh)
. "$(dirname "$0")/../../lib/harness.sh"
load pod-checks busybox containerd
needs root containerd ctr=containerd mounts deadline=300 image
SHARES_PID=true SHARES_UTS=true CHECKS_USER=true
scratch_dir state
socket_dir sockets
ctr() { CONTAINERD_NAMESPACE=k8s.io command ctr --address "$sockets/containerd.sock" "$@"; }

stop_containerd() {
  local id
  for id in $(ctr containers ls -q 2>/dev/null); do
    ctr tasks rm --force "$id" >/dev/null 2>&1
    ctr containers rm "$id" >/dev/null 2>&1
  done
  containerd_stop
}
on_exit stop_containerd
containerd_start "$state/containerd.toml" "$state" "$sockets"

in_readme_dir "$image_dir"
eval "$(readme_snippet docs/images.md ctr-import)" >/dev/null
expect_eq "the name ctr images import gives the OCI archive" "localhost/pause:$version" "$(ctr images ls -q)"
busybox_rootfs "$state/busybox"

task_running() { [ -n "$(task_pid "$1")" ]; }
task_pid() { ctr tasks ls | awk -v id="$1" '$1 == id && $3 == "RUNNING" { print $2 }'; }
remove() { ctr tasks rm --force "$1" >/dev/null 2>&1 || true; ctr containers rm "$1" >/dev/null 2>&1 || true; }

pause_runner=""
infra_start() {
  if [ "$1" = pause ]; then
    ctr run "localhost/pause:$version" pod </dev/null >"$state/pause.out" 2>"$state/pause.err" &
    pause_runner=$!
  else
    ctr run -d --null-io --env PATH=/bin --rootfs "$state/busybox" pod sleep 1000000 >/dev/null
  fi
  wait_for 10 task_running pod || fail "the infra task did not start: $(cat "$state/pause.err" 2>/dev/null)"
  INFRA_PID=$(task_pid pod)
  wait_for 10 asleep "$INFRA_PID" || fail "the infra task does not sleep"
}
infra_stop() {
  ctr tasks kill --signal SIGTERM pod
  wait_bounded "$pause_runner" 20 || fail "pause did not stop within 20 s of SIGTERM"
  STOP_STATUS=$WAIT_STATUS
  STOP_LOG=$(cat "$state/pause.err")
}
infra_remove() {
  remove pod
  [ -z "$pause_runner" ] || wait_bounded "$pause_runner" 20 || true
  pause_runner=""
}
in_pod() {
  local ns
  for ns in network:net ipc:ipc uts:uts pid:pid; do echo "--with-ns=${ns%%:*}:/proc/$INFRA_PID/ns/${ns#*:}"; done
}
app_run() {
  local name=$1
  shift
  ctr run --rm --env PATH=/bin $(in_pod) --rootfs "$state/busybox" "$name" "$@" </dev/null
}
app_start() {
  local name=$1
  shift
  ctr run -d --null-io --env PATH=/bin $(in_pod) --rootfs "$state/busybox" "$name" "$@" >/dev/null
}
app_kill() { remove "$1"; }

run_pod_checks
