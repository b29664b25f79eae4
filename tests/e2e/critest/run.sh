#!/usr/bin/env bash
# critest, Kubernetes' CRI validation suite (cri-tools 1.36.0), against one
# runtime configured as the docs say, twice in the same scenario: with our image
# as the sandbox image, and with a control (catatonit -P in a FROM-scratch image,
# the image.ref-image fixture). critest's test images are stand-ins served by a
# mirror of registry.k8s.io, gcr.io and k8s.gcr.io (tests/lib/critest.sh). The
# verdict is critest_gate's (docs/cluster.md section 10): cases compared as
# sets, the ones that fail with ours and pass with the control run again alone,
# and the control must pass a floor (set from the first full runs here).
#   containerd-2.3         containerd 2.3.4 with runc 1.4.3 (every pod has a pause)
#   crio-1.36              CRI-O 1.36.3, drop_infra_ctr = false (every pod has a pause)
#   crio-1.36-drop-infra   CRI-O's default, drop_infra_ctr = true, where only pods whose
#                          PID namespace is the pod's own have a pause: only the cases
#                          that make such pods run (the others cannot tell the images apart)
# Usage: run.sh containerd-2.3|crio-1.36|crio-1.36-drop-infra <control archive> <effective_uid>
#   (the image: PAUSE_IMAGE_DIR)
. "$(dirname "$0")/../../lib/harness.sh"
load critest
runtime=$1 control_archive=$(realpath "$2") effective_uid=$(realpath "$3")
focus=""
case $runtime in
  containerd-2.3) load cri; read -r -a runtime_needs <<<"$(containerd2_needs)"; floor=95 ;;
  crio-1.36) load crio; read -r -a runtime_needs <<<"$(crio_needs 1.36)"; floor=90 ;;
  crio-1.36-drop-infra)
    load crio
    read -r -a runtime_needs <<<"$(crio_needs 1.36)"
    # The cases whose pods have PID mode POD (pkg/validate of cri-tools 1.36).
    focus='runtime should support (PodPID|HostIpc is (true|false)|HostNetwork is (true|false))$'
    floor=4 ;;
  *) fail "unknown runtime '$runtime' (containerd-2.3, crio-1.36, crio-1.36-drop-infra)" ;;
esac
needs root net deadline=2700 image "${runtime_needs[@]}" jq umoci skopeo ipcmk=util-linux \
  busybox=busybox-static /usr/lib/cni/bridge=containernetworking-plugins
case $runtime in
  containerd-*) use_containerd2 ;;
  crio*)
    use_crio 1.36
    # Fails with both images here, after 2 minutes each (a host port through CRI-O does not
    # answer on the loopback of the scenario's network namespace): it tells them apart in nothing.
    CRITEST_SKIP+='|port mapping with host port and container port' ;;
esac
cluster_registry "$image_dir" >/dev/null
skopeo copy -q --dest-authfile "$REGISTRY_AUTH" "oci-archive:$control_archive" "docker://$REGISTRY/control:critest"
critest_mirror "$effective_uid"

run_with() {  # run_with ours|control [FOCUS [SUFFIX [ATTEMPTS]]]: the report is $runtime-<ours|control><SUFFIX>
  local sandbox=$PAUSE_IMAGE drop_infra=false endpoint
  [ "$1" = ours ] || sandbox=$REGISTRY/control:critest
  case $runtime in
    containerd-*)
      cri_containerd2_start "$sandbox"
      critest_mirror_containerd
      endpoint=unix://$CRI_SOCKETS/containerd.sock ;;
    crio*)
      critest_mirror_crio
      [ "$runtime" = crio-1.36 ] || drop_infra=true
      local overrides="[crio.runtime]\ndrop_infra_ctr = $drop_infra"
      # The control's own entrypoint (catatonit -P) instead of the docs' /pause.
      [ "$1" = ours ] || overrides+="\n[crio.image]\npause_image = \"$sandbox\"\npause_command = \"\""
      crio_start "$overrides"
      endpoint=unix://$CRIO_SOCKET ;;
  esac
  critest_run "$runtime-$1${3:-}" "$endpoint" "${2:-$focus}" "${4:-2}"
  case $runtime in containerd-*) cri_containerd_stop ;; crio*) crio_stop ;; esac
}
run_with ours
run_with control
critest_gate "$runtime" "$floor"
