#!/usr/bin/env bash
# containerd and ctr, as a CRI plugin uses them for a pod, with a containerd
# this test starts (and stops) with all its state in a scratch directory:
# `ctr images import` the OCI archive, `ctr run` the pause image (attached, in the
# background, so that ctr reports its exit code and stderr), and app tasks that
# join it with --with-ns network/ipc/uts/pid:/proc/PID/ns/….
# Usage: pod.sh <dir made by tests/image/build.sh>
. "$(dirname "$0")/../../lib.sh"
. "$(dirname "$0")/../pod-checks.sh"
image_dir=$1
need_root
need_tool containerd
need_tool ctr containerd
SHARES_PID=true SHARES_UTS=true CHECKS_USER=true
state=$(mktemp -d)
# The shims and ctr keep sockets and fifos under /run/containerd whatever the config says.
[ -e /run/containerd ] || on_exit 'find /run/containerd -depth -type d -empty -delete'
ctr() { command ctr --address "$state/containerd.sock" "$@"; }
on_exit 'rm -rf "$state"'
on_exit '{ grep -F " $state/" /proc/mounts || true; } | awk "{ print \$2 }" | sort -r | xargs -r umount -l'
on_exit 'kill "$containerd_pid" && wait "$containerd_pid"'
on_exit 'for id in $(ctr containers ls -q); do ctr task rm --force "$id"; ctr containers rm "$id"; done >/dev/null 2>&1'

cat >"$state/config.toml" <<CONF
version = 2
root = "$state/root"
state = "$state/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$state/containerd.sock"
[ttrpc]
  address = "$state/containerd.sock.ttrpc"
CONF
containerd --config "$state/config.toml" >"$state/containerd.log" 2>&1 &
containerd_pid=$!
wait_for 30 ctr version >/dev/null 2>&1 || fail "containerd did not start: $(tail -5 "$state/containerd.log")"
ctr images import --base-name localhost/pause "$image_dir/pause.oci.tar" >/dev/null
busybox_rootfs "$state/busybox"

task_pid() { ctr tasks ls | awk -v id="$1" '$1 == id && $3 == "RUNNING" { print $2 }'; }
remove() { ctr tasks rm --force "$1" >/dev/null 2>&1 || true; ctr containers rm "$1" >/dev/null 2>&1 || true; }

infra_start() {
  if [ "$1" = pause ]; then
    ctr run localhost/pause:"$version" pod </dev/null >"$state/pause.out" 2>"$state/pause.err" &
    pause_runner=$!
  else
    ctr run -d --null-io --env PATH=/bin --rootfs "$state/busybox" pod sleep 1000000 >/dev/null
  fi
  wait_for 10 bash -c "[ -n \"\$(command ctr --address $state/containerd.sock tasks ls | awk '\$1 == \"pod\" && \$3 == \"RUNNING\"')\" ]"
  INFRA_PID=$(task_pid pod)
  wait_for 10 bash -c "[ \"\$(awk '{ print \$3 }' /proc/$INFRA_PID/stat)\" = S ]"
}
infra_stop() {
  ctr tasks kill --signal SIGTERM pod
  STOP_STATUS=0
  wait "$pause_runner" || STOP_STATUS=$?
  STOP_LOG=$(cat "$state/pause.err")
}
infra_remove() {
  remove pod
  [ -z "${pause_runner:-}" ] || wait "$pause_runner" 2>/dev/null || true
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
