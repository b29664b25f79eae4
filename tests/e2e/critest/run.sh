#!/usr/bin/env bash
# critest, Kubernetes' CRI validation suite (cri-tools 1.26.1), against one
# runtime configured as the docs say, twice in the same scenario: with our image
# as the sandbox image, and with a control (catatonit -P in a FROM-scratch image,
# the image.ref-image fixture). critest's test images are stand-ins served by a
# mirror of registry.k8s.io and gcr.io (tests/lib/critest.sh). It fails if a
# case fails with ours and passes with the control, and, run again alone up to
# 5 times with each image (some cases pass or fail by timing, with either), still
# fails with ours every time while passing with the control in most runs; or if
# fewer cases ran than the floor below (set from the first full run). Cases
# that fail with both are listed with their causes in docs/cluster.md.
# Usage: run.sh containerd-1.6|containerd-1.7|crio|crio-drop-infra <image dir> <control archive> <effective_uid>
. "$(dirname "$0")/../../lib/harness.sh"
load critest
runtime=$1 image_dir=$(realpath "$2") control_archive=$(realpath "$3") effective_uid=$(realpath "$4")
case $runtime in
  containerd-1.6) runtime_needs=(containerd ctr=containerd) ;;
  containerd-1.7) runtime_needs=(built=containerd-1.7) ;;
  crio | crio-drop-infra) load crio; read -r -a runtime_needs <<<"$(crio_needs 1.26)" ;;
  *) fail "unknown runtime '$runtime'" ;;
esac
needs root net deadline=1800 built=cri-tools-1.26 "${runtime_needs[@]}" runc jq umoci skopeo ipcmk=util-linux \
  busybox=busybox-static /usr/lib/cni/bridge=containernetworking-plugins
# Cases that ran (passed or failed) in the first full run here (80 of 85 with
# every runtime: 5 benchmarks are skipped), less a margin of 5.
declare -A floor=([containerd-1.6]=75 [containerd-1.7]=75 [crio]=75 [crio-drop-infra]=75)

case $runtime in
  crio*) use_crio 1.26 ;;
  *) load cri; CRI_TOOLS_DIR=$BUILT_CRI_TOOLS_1_26 ;;
esac
cluster_registry "$image_dir" >/dev/null
skopeo copy -q --dest-authfile "$REGISTRY_AUTH" "oci-archive:$control_archive" "docker://$REGISTRY/control:critest"
critest_mirror "$effective_uid"

run_with() {  # run_with ours|control [FOCUS SUFFIX]: the report is $runtime-<ours|control><SUFFIX>
  local sandbox=$PAUSE_IMAGE drop_infra=false endpoint
  [ "$1" = ours ] || sandbox=$REGISTRY/control:critest
  case $runtime in
    containerd-*)
      [ "$runtime" = containerd-1.6 ] || use_containerd "$BUILT_CONTAINERD_1_7"
      cri_containerd_start "$sandbox"
      critest_mirror_containerd
      endpoint=unix://$CRI_SOCKETS/containerd.sock ;;
    crio*)
      critest_mirror_crio
      [ "$runtime" = crio ] || drop_infra=true
      local overrides="[crio.runtime]\ndrop_infra_ctr = $drop_infra"
      # The control's own entrypoint (catatonit -P) instead of the docs' /pause.
      [ "$1" = ours ] || overrides+="\n[crio.image]\npause_image = \"$sandbox\"\npause_command = \"\""
      crio_start "$overrides"
      endpoint=unix://$CRIO_SOCKET ;;
  esac
  critest_run "$runtime-$1${3:-}" "$endpoint" "${2:-}"
  case $runtime in containerd-*) cri_containerd_stop ;; crio*) crio_stop ;; esac
}
run_with ours
run_with control
critest_compare "$runtime-ours" "$runtime-control" "${floor[$runtime]}"

# A case that failed with ours and passed with the control runs again alone,
# with each image, until it passes with ours (5 times at most). It counts
# against our image if it failed with ours every time and passed with the
# control in most runs.
mapfile -t differing < <(critest_differing "$runtime-ours" "$runtime-control")
runs=() failed_ours=() failed_control=()
for i in "${!differing[@]}"; do runs[i]=1 failed_ours[i]=1 failed_control[i]=0; done
ran_again() {  # ran_again NAME CASE: 0 if CASE passed in NAME's report, 1 if it failed
  local state
  state=$(critest_state "$1" "$2")
  case $state in
    passed) return 0 ;;
    failed | panicked | timedout) return 1 ;;
    *) fail "$1: the focus did not run '$2' (state '$state')" ;;
  esac
}
for again in 1 2 3 4 5; do
  open=()
  for i in "${!differing[@]}"; do
    [ "${failed_ours[i]}" != "${runs[i]}" ] || open+=("$i")
  done
  [ ${#open[@]} -gt 0 ] || break
  focus=$(for i in "${open[@]}"; do echo "${differing[i]}"; done | critest_focus)
  run_with ours "$focus" "-again$again"
  run_with control "$focus" "-again$again"
  for i in "${open[@]}"; do
    runs[i]=$((runs[i] + 1))
    ran_again "$runtime-ours-again$again" "${differing[i]}" || failed_ours[i]=$((failed_ours[i] + 1))
    ran_again "$runtime-control-again$again" "${differing[i]}" || failed_control[i]=$((failed_control[i] + 1))
  done
done
worse=()
for i in "${!differing[@]}"; do
  echo "failed with ours, passed with the control: ${differing[i]}; of ${runs[i]} runs with each image, it failed ${failed_ours[i]} with ours, ${failed_control[i]} with the control"
  [ "${failed_ours[i]}" != "${runs[i]}" ] || [ $((2 * failed_control[i])) -ge "${runs[i]}" ] || worse+=("${differing[i]}")
done
[ ${#worse[@]} = 0 ] || fail "critest cases that failed with our image in every run and passed with the control in most:
$(printf '%s\n' "${worse[@]}")"
pass "no critest case fails with our image and passes with the control ($runtime)"
