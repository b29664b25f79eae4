#!/usr/bin/env bash
# A rootless podman pod: an unprivileged user with subordinate uid/gid ranges
# (made here, in a private copy of /etc that goes with the scenario) loads our
# image and runs a pod whose infra is pause, sharing ipc, net, uts and pid with
# busybox apps, as the docs say. The pod checks, the negative control, and: on
# the host, pause runs as the user or one of its subordinate ids, never as root.
# podman 4.3 starts a pod's infra as the container's root, which here is the
# user's own uid. Networking: slirp4netns where the user may use /dev/net/tun,
# else --network none (said in the output).
# Usage: rootless-podman.sh   (the image: PAUSE_IMAGE_DIR)
. "$(dirname "$0")/../../lib/harness.sh"
load pod-checks busybox
needs root podman newuidmap=uidmap runc useradd=passwd mounts deadline=420 image

# A private /etc (useradd replaces files by rename, so a copy of the whole
# directory, not of single files), and the user's home and runtime dir under
# the private /run, reachable from / whatever TMPDIR is.
etc_copy=$(mktemp -d /run/pause-etc.XXXXXX)
cp -a /etc/. "$etc_copy/"
mount --bind "$etc_copy" /etc
user=pauseless$$
socket_dir base
chmod 0755 "$base"
useradd --create-home --home-dir "$base/home" --shell /bin/bash "$user"
uid=$(id -u "$user")
read -r sub_start sub_count < <(awk -F: -v user="$user" '$1 == user { print $2, $3 }' /etc/subuid)
[ -n "$sub_start" ] || fail "useradd gave $user no subordinate uids"
pass "user $user (uid $uid), subordinate uids $sub_start..$((sub_start + sub_count - 1))"
runtime_dir=$base/xdg
install -d -m 0700 -o "$user" -g "$user" "$runtime_dir"
end_user_processes() {  # everything the user runs, by PID
  local pid
  for pid in $(pgrep -u "$uid" || true); do kill -KILL "$pid" 2>/dev/null || true; done
}
on_exit end_user_processes
as_user() {  # in the user's home: the scenario's own cwd may be closed to it
  runuser -u "$user" -- env -i -C "$base/home" HOME="$base/home" XDG_RUNTIME_DIR="$runtime_dir" USER="$user" \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"
}
podman() { as_user podman "$@"; }
# Measured here: crun refuses this host's hybrid cgroups, so runc with cgroupfs.
as_user mkdir -p "$base/home/.config/containers"
as_user tee "$base/home/.config/containers/containers.conf" >/dev/null <<CONF
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
as_user tee "$base/home/.config/containers/storage.conf" >/dev/null <<CONF
[storage]
driver = "vfs"
CONF

# the docs' load, verbatim, as the user (from a copy the user can read, in out/ of its home).
install -D -m 0644 -o "$user" "$image_dir/pause.oci.tar" "$base/home/out/pause.oci.tar"
expect_eq "the docs' podman load, as $user" "Loaded image: localhost/pause:$version" \
  "$(as_user bash -c "$(readme_snippet docs/images.md podman-load)")"
busybox_rootfs "$base/busybox"
tar -C "$base/busybox" -c . | podman import -q - localhost/busybox:e2e >/dev/null

network=slirp4netns
if ! podman pod create --name probe-net --infra-image "localhost/pause:$version" --network slirp4netns >/dev/null \
  2>"$base/net.err" ||
  ! podman pod start probe-net >/dev/null 2>>"$base/net.err"; then
  network=none
  echo "info: slirp4netns is not usable by $user here ($(tail -n 1 "$base/net.err")): pods use --network none"
else
  echo "info: pods use slirp4netns"
fi
podman pod rm --force probe-net >/dev/null 2>&1 || true

SHARES_PID=true SHARES_UTS=true CHECKS_USER=false
pod=""
infra_start() {
  pod=pod-$1-$$
  if [ "$1" = pause ]; then
    podman pod create --name "$pod" --infra-image "localhost/pause:$version" --share ipc,net,uts,pid --network \
      "$network" >/dev/null
  else
    podman pod create --name "$pod" --infra-image localhost/busybox:e2e --infra-command 'sleep 1000000' \
      --share ipc,net,uts,pid --network "$network" >/dev/null
  fi
  podman pod start "$pod" >/dev/null
  infra=$(podman pod inspect "$pod" --format '{{.InfraContainerID}}')
  INFRA_PID=$(podman inspect "$infra" --format '{{.State.Pid}}')
  wait_for 10 asleep "$INFRA_PID" || fail "the infra container does not sleep"
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

# Never host root: the user itself, or one of its subordinate ids.
check_rootless_identity() {
  local host_uid
  host_uid=$(awk '/^Uid:/ { print $2 }' "/proc/$INFRA_PID/status")
  [ "$host_uid" != 0 ] || fail "pause runs as host root in a rootless pod"
  [ "$host_uid" = "$uid" ] || { [ "$host_uid" -ge "$sub_start" ] && [ "$host_uid" -lt $((sub_start + sub_count)) ]; } ||
    fail "pause runs as host uid $host_uid: neither $user ($uid) nor one of its subordinate ids"
  who="a subordinate id of $user"
  [ "$host_uid" != "$uid" ] || who="$user itself"
  pass "pause runs as host uid $host_uid ($who), never root"
  expect_eq "the pod's uid_map" "0 $uid 1 1 $sub_start $sub_count" \
    "$(awk '{ print $1, $2, $3 }' "/proc/$INFRA_PID/uid_map" | paste -sd' ')"
}
infra_start pause
check_rootless_identity
infra_remove

run_pod_checks
