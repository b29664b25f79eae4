#!/usr/bin/env bash
# A pod made of OCI bundles under runc or crun, as containerd makes it: the
# pause bundle (our image: read-only root, no capabilities, no new privileges,
# uid 65535) and busybox app bundles that join its namespaces by path.
# With --seccomp PROFILE (docker/OCI JSON, e.g. seccomp/pause.json), pause runs under it.
# With --userns OFFSET, the pod is user-namespaced as the kubelet asks for
# `hostUsers: false`: 65536 uids and gids mapped from OFFSET, pause's bundle in a
# new user namespace, the apps joining it with the same mappings, as runtimes
# do for such pods; pause then runs as host uid OFFSET+65535, 65535 inside.
# Usage: pod.sh --runtime runc|crun [--seccomp PROFILE] [--userns OFFSET]
#   (the image: PAUSE_IMAGE_DIR)
. "$(dirname "$0")/../../lib/harness.sh"
load pod-checks busybox oci-bundle
runtime="" profile="" userns_offset=""
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || fail \
    "pod.sh: $1 needs a value (usage: pod.sh --runtime runc|crun [--seccomp PROFILE] [--userns OFFSET])"
  case $1 in
    --runtime) runtime=$2 ;;
    --seccomp) profile=$2 ;;
    --userns) userns_offset=$2 ;;
    *) fail "pod.sh: unknown option $1 (usage: pod.sh --runtime runc|crun [--seccomp PROFILE] [--userns OFFSET])" ;;
  esac
  shift 2
done
[ -n "$runtime" ] || fail "pod.sh: --runtime runc|crun is required"
SHARES_PID=true SHARES_UTS=true CHECKS_USER=true CONFINED=false
[ -z "$profile" ] || CONFINED=true
needs root "$runtime" umoci skopeo jq mounts deadline=300 image
# The mapped root of a user-namespaced pod must reach its bundles from / (TMPDIR
# may be under a 0700 directory): they go under the scenario's private /run.
if [ -n "$userns_offset" ]; then socket_dir work; else scratch_dir work; fi
# Every container of this run has an id ending in -$$.
delete_our_containers() {
  local id
  for id in $(oci list -q | grep -- "-$$\$"); do oci delete --force "$id" >/dev/null 2>&1; done
}
on_exit delete_our_containers


# The bundles.
pause_bundle "$work/pause" ${profile:+--seccomp "$profile"}
busybox_rootfs "$work/busybox"
mkdir -p "$work/template"
oci spec --bundle "$work/template"

# The user-namespaced pod: the mapped root must be able to reach the bundles
# (0755, not mktemp's 0700) and owns pause's rootfs.
if [ -n "$userns_offset" ]; then
  chmod 0755 "$work" "$work/pause"
  chown -R "$userns_offset:$userns_offset" "$work/pause/rootfs"
  mapping=$(jq -nc --argjson offset "$userns_offset" '[{containerID: 0, hostID: $offset, size: 65536}]')
  jq --argjson mapping "$mapping" \
    '.linux.namespaces += [{type: "user"}] | .linux.uidMappings = $mapping | .linux.gidMappings = $mapping' \
    "$work/pause/config.json" >"$work/pause/config.new" && mv "$work/pause/config.new" "$work/pause/config.json"
  EXPECTED_IDS="$((userns_offset + 65535)) $((userns_offset + 65535))"
  pass "pause's bundle gets a user namespace: 65536 ids mapped from host id $userns_offset"
fi

# The negative control's infra: busybox `sleep` as PID 1, in an otherwise identical bundle.
mkdir -p "$work/sleep"
jq --arg rootfs "$work/busybox" '.root.path = $rootfs | .process.args = ["sleep", "1000000"]
    | .process.user = {uid: 0, gid: 0} | del(.linux.seccomp)' "$work/pause/config.json" >"$work/sleep/config.json"

infra_id=""
infra_start() {
  infra_id=pod-$runtime-$1-$$
  oci run --bundle "$work/$1" "$infra_id" >"$work/$infra_id.out" 2>"$work/$infra_id.log" </dev/null &
  infra_runner=$!
  running() { oci state "$infra_id" 2>/dev/null | jq -e '.status == "running"' >/dev/null; }
  wait_for 20 running || fail "the $1 infra container did not start: $(cat "$work/$infra_id.log")"
  INFRA_PID=$(oci state "$infra_id" | jq -r .pid)
  wait_for 10 asleep "$INFRA_PID" || fail "the $1 infra container does not sleep"
}
infra_stop() {
  oci kill "$infra_id" TERM
  wait_bounded "$infra_runner" 20 || fail "the infra container did not stop within 20 s of SIGTERM"
  STOP_STATUS=$WAIT_STATUS
  STOP_LOG=$(cat "$work/$infra_id.log")
}
infra_remove() {
  oci kill "$infra_id" KILL >/dev/null 2>&1 || true
  wait_bounded "$infra_runner" 20 || true
  oci delete --force "$infra_id" >/dev/null 2>&1 || true
}

app_bundle() {  # app_bundle NAME CMD...: a busybox bundle in the infra's namespaces
  local name=$1
  shift
  mkdir -p "$work/app-$name"
  local args
  args=$(printf '%s\n' "$@" | jq -R . | jq -s .)  # one argument a line
  jq --arg rootfs "$work/busybox" --arg pid "$INFRA_PID" --argjson args "$args" --slurpfile pause \
    "$work/pause/config.json" \
    '.root.path = $rootfs | .root.readonly = true | .process.terminal = false | .process.args = $args
     | .linux.namespaces = [{type: "mount"}]
         + [("network", "ipc", "uts", "pid")
            | {type: ., path: "/proc/\($pid)/ns/\(if . == "network" then "net" else . end)"}]
     | if $pause[0].linux.uidMappings then
         .linux.namespaces += [{type: "user", path: "/proc/\($pid)/ns/user"}]
         | .linux.uidMappings = $pause[0].linux.uidMappings | .linux.gidMappings = $pause[0].linux.gidMappings
       else . end' \
    "$work/template/config.json" >"$work/app-$name/config.json"
}
app_run() {
  local name=$1 id=app-$1-$runtime-$$
  shift
  app_bundle "$name" "$@"
  local status=0
  oci run --bundle "$work/app-$name" "$id" </dev/null 2>"$work/$id.log" || status=$?
  oci delete --force "$id" >/dev/null 2>&1 || true
  [ $status = 0 ] || fail "app $name exited $status: $(cat "$work/$id.log")"
}
app_start() {
  local name=$1 id=app-$1-$runtime-$$
  shift
  app_bundle "$name" "$@"
  oci run --detach --bundle "$work/app-$name" "$id" </dev/null >/dev/null 2>"$work/$id.log" \
    || fail "app $name did not start: $(cat "$work/$id.log")"
}
app_kill() {
  local id=app-$1-$runtime-$$
  oci kill "$id" KILL >/dev/null 2>&1 || true
  stopped() { ! oci state "$id" 2>/dev/null | grep -q '"running"'; }
  wait_for 10 stopped || true
  oci delete --force "$id" >/dev/null 2>&1 || true
}

run_pod_checks
if [ -n "$userns_offset" ]; then
  # Inside the pod's user namespace pause is 65535: what an app of the pod sees.
  infra_start pause
  expect_eq "pause's uid and gid seen from an app in its user namespace" "65535 65535" \
    "$(app_run probe-ids sh -c 'grep -E "^(Uid|Gid):" /proc/1/status' | awk '{ print $2 }' | paste -sd' ')"
  expect_eq "the pod's uid_map" "0 $userns_offset 65536" "$(awk '{ print $1, $2, $3 }' "/proc/$INFRA_PID/uid_map")"
  expect_eq "an app's user namespace" "$(ns_of "$INFRA_PID" user)" "$(app_run probe-userns readlink /proc/self/ns/user)"
  infra_remove
fi
