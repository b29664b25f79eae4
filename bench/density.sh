#!/usr/bin/env bash
# Pod density through the CRI, as a kubelet fills a node: COUNT pod sandboxes
# (the kubelet's default max-pods is 110) made one after the other, the sandbox
# image pulled by reference from a private registry (tests/lib/node.sh), for our
# image and, side by side in the same run, a reference sandbox image given as
# an OCI archive. Through containerd's CRI plugin (Debian's 1.6, our CRI
# client), or through CRI-O 1.26 (built from source, crictl) with
# drop_infra_ctr = false, so that every pod has a sandbox process.
# Reports per candidate: time from RunPodSandbox to READY (median, p95; the
# reference's as a ratio to ours), the sandbox processes' total and per-pod
# Pss, the per-pod Pss of the process that monitors each (containerd's shim,
# CRI-O's conmon) and the share of per-pod memory that is the sandbox process;
# after stopping every pod, their exit statuses and that nothing is left. It
# fails on any insane figure, never on a timing.
#   bench/density.sh <image dir> <cri-client> [--pods N] [--ref OCI-ARCHIVE] [--runtime containerd|crio]
# (make bench runs it with BENCH_REF_IMAGE; scripts/make-ref-image.sh makes such
# an archive from a static binary, e.g. Debian's catatonit.)
# Runtimes: containerd (Debian's 1.6, our CRI client), crio (CRI-O 1.26),
# containerd-2.3 (with runc 1.4, crictl 1.36) and crio-1.36 (with conmon 2.1 and
# runc 1.4, crictl 1.36), the last three built from their release sources.
. "$(dirname "$0")/../tests/lib/harness.sh"
load registry
image_dir=$(realpath "$1")
CRI_CLIENT=$(realpath -m "$2")
shift 2
pods=110 ref="" runtime=containerd
while [ $# -gt 0 ]; do
  case $1 in
    --pods) pods=$2; shift 2 ;;
    --ref) ref=$(realpath "$2"); shift 2 ;;
    --runtime) runtime=$2; shift 2 ;;
    *) echo "usage: density.sh <image dir> <cri-client> [--pods N] [--ref OCI-ARCHIVE]" \
         "[--runtime containerd|crio|containerd-2.3|crio-1.36]" >&2; exit 2 ;;
  esac
done
case $runtime in
  containerd)
    load cri
    [ -x "$CRI_CLIENT" ] || missing "no CRI client built: apt-get install libgrpc++-dev protobuf-compiler-grpc"
    runtime_needs=(containerd ctr=containerd) monitor="containerd shim" ;;
  containerd-2.3)
    load cri
    read -r -a runtime_needs <<<"$(containerd2_needs)"
    monitor="containerd shim" ;;
  crio | crio-1.36)
    load crio
    crio_version=1.26
    [ "$runtime" = crio ] || crio_version=1.36
    read -r -a runtime_needs <<<"$(crio_needs "$crio_version")"
    monitor="conmon" ;;
  *) fail "unknown runtime '$runtime' (containerd, crio, containerd-2.3 or crio-1.36)" ;;
esac
needs root net "deadline=$((300 + pods * 12))" "${runtime_needs[@]}" /usr/lib/cni/bridge=containernetworking-plugins
case $runtime in
  crio*) use_crio "$crio_version" ;;
  containerd-2.3) use_containerd2 ;;
esac
cluster_registry "$image_dir" >/dev/null
candidates=("ours=$PAUSE_IMAGE")
if [ -n "$ref" ]; then
  [ -f "$ref" ] || fail "no reference archive $ref"
  skopeo copy -q --all --dest-authfile "$REGISTRY_AUTH" "oci-archive:$ref" "docker://$REGISTRY/reference:bench"
  candidates+=("reference=$REGISTRY/reference:bench")
fi

# The runtime's part: start it with a sandbox image; make the pods (a line
# "<ms to READY> <pod id>" each); the sandbox process of a pod; stop and remove
# every pod (their exit statuses, one a line); stop it.
now_ms() { echo $(($(date +%s%N) / 1000000)); }
case $runtime in
  containerd)
    start_runtime() { cri_containerd_start "$1"; }
    make_pods() {
      cri density "$pods" CONTAINER "$1-" >"$CRI_STATE/density" || fail "$1: a pod did not become READY"
      sed -n 's/^ready_ms=\([0-9.]*\) id=\(.*\)$/\1 \2/p' "$CRI_STATE/density"
    }
    sandbox_pid() { jq -r .pid <<<"$(cri sandbox-status "$1" | sed -n 's/^info=//p')"; }
    stop_pods() {
      local id
      for id in "$@"; do cri stopp "$id"; done
      stopped() { [ "$(grep -c -F '/tasks/exit' "$CONTAINERD_EVENTS")" -ge "$pods" ]; }
      wait_for 60 stopped || problems+=("not every sandbox's exit seen")
      for id in "$@"; do exit_status_of "$id"; done
      for id in "$@"; do cri rmp "$id"; done
    }
    left() { ctr_k8s tasks ls -q | wc -l; }
    stop_runtime() { cri_containerd_stop; } ;;
  *)  # through crictl: CRI-O, containerd 2.x
    start_runtime() {
      case $runtime in
        containerd-2.3) cri_containerd2_start "$1" ;;
        crio*)
          local overrides="[crio.runtime]\ndrop_infra_ctr = false"
          # The reference runs its own entrypoint, not the docs' /pause.
          [ "$1" = "$PAUSE_IMAGE" ] || overrides+="\n[crio.image]\npause_image = \"$1\"\npause_command = \"\""
          crio_start "$overrides" ;;
      esac
    }
    make_pods() {
      local i start id
      for i in $(seq "$pods"); do
        crictl_pod_config "$CRICTL_PODS/pod-$i.json" "$1-$i" CONTAINER
        start=$(now_ms)
        id=$(crictl runp "$CRICTL_PODS/pod-$i.json") || fail "$1: pod $i did not become READY"
        echo "$(($(now_ms) - start)) $id"
      done
    }
    sandbox_pid() { crictl inspectp -o json "$1" | jq -r .info.pid; }
    # The exit status of a stopped pod's sandbox: conmon's record (CRI-O), the task's exit event (containerd).
    exit_status() {
      case $runtime in
        crio*) infra_exit_status "$2" ;;
        *) exit_status_of "$1" ;;
      esac
    }
    stop_pods() {
      local id infra status
      for id in "$@"; do
        infra=$(crictl inspectp -o json "$id" | jq -r .status.id)
        crictl stopp "$id" >/dev/null
        known() { status=$(exit_status "$id" "$infra") && [ -n "$status" ]; }
        wait_for 20 known || status=unknown
        echo "$status"
      done | sed '/^$/d'
      for id in "$@"; do crictl rmp "$id" >/dev/null; done
    }
    left() { crictl pods -q | wc -l; }
    stop_runtime() { case $runtime in crio*) crio_stop ;; *) cri_containerd_stop ;; esac; } ;;
esac

kb() { awk -v key="$2:" '$1 == key { print $2; exit }' "/proc/$1/smaps_rollup" 2>/dev/null; }
percentile() { sort -n | awk -v p="$1" '{ v[NR] = $1 } END { i = int((NR - 1) * p + 0.5) + 1; printf "%.1f", v[i] }'; }
declare -A result
problems=()
for candidate in "${candidates[@]}"; do
  name=${candidate%%=*} image=${candidate#*=}
  echo "--- $pods pods with $name ($image) through $runtime" >&2
  start_runtime "$image"
  made=$(make_pods "$name")
  ready=$(cut -d' ' -f1 <<<"$made")
  mapfile -t ids < <(cut -d' ' -f2 <<<"$made")
  [ "${#ids[@]}" = "$pods" ] || fail "$name: ${#ids[@]} of $pods pods READY"
  total=0 monitors=0
  for id in "${ids[@]}"; do
    pid=$(sandbox_pid "$id")
    parent=$(awk '/^PPid:/ { print $2 }' "/proc/$pid/status")
    pss=$(kb "$pid" Pss) parent_pss=$(kb "$parent" Pss)
    [ -n "$pss" ] && [ "$pss" -gt 0 ] && [ -n "$parent_pss" ] || problems+=("$name: no Pss for sandbox $id (pid $pid)")
    total=$((total + ${pss:-0})) monitors=$((monitors + ${parent_pss:-0}))
  done
  statuses=$(stop_pods "${ids[@]}" | sort | uniq -c | awk '{ printf "%s× %s ", $1, $2 }')
  remaining=$(left)
  [ "$remaining" = 0 ] || problems+=("$name: $remaining pods or tasks left after stopping and removing every pod")
  result[$name.median]=$(percentile 0.5 <<<"$ready")
  result[$name.p95]=$(percentile 0.95 <<<"$ready")
  result[$name.total]=$total
  result[$name.per_pod]=$(awk -v t="$total" -v n="$pods" 'BEGIN { printf "%.1f", t / n }')
  result[$name.monitor]=$(awk -v t="$monitors" -v n="$pods" 'BEGIN { printf "%.1f", t / n }')
  result[$name.share]=$(awk -v p="$total" -v s="$monitors" 'BEGIN { printf "%.1f%%", 100 * p / (p + s) }')
  result[$name.exits]=$statuses
  result[$name.left]=$remaining
  stop_runtime
done

names=("${candidates[@]%%=*}")
row() {  # row <label> <key> [ratio]
  local line="| $1 |" n
  for n in "${names[@]}"; do
    line+=" ${result[$n.$2]}"
    [ -z "${3:-}" ] \
      || line+=" ($(awk -v a="${result[$n.$2]}" -v b="${result[ours.$2]}" 'BEGIN { printf "%.2f×", a / b }'))"
    line+=" |"
  done
  echo "$line"
}
case $runtime in
  containerd) through="containerd 1.6's CRI" stop="containerd sends SIGKILL" ;;
  containerd-2.3) through="containerd 2.3's CRI" stop="containerd sends SIGKILL" ;;
  crio*) through="CRI-O $crio_version (drop_infra_ctr = false)" stop="CRI-O sends SIGTERM" ;;
esac
echo "| $pods pod sandboxes through $through | $(printf '%s | ' "${names[@]}")"
echo "|---|$(printf -- '---|%.0s' "${names[@]}")"
row "time to READY, median (ms; × ours)" median ratio
row "time to READY, p95 (ms; × ours)" p95 ratio
row "sandbox processes, total Pss (kB)" total
row "sandbox process, Pss per pod (kB)" per_pod
row "$monitor, Pss per pod (kB)" monitor
row "share of the sandbox process in pod memory (sandbox / (sandbox + $monitor))" share
row "exit statuses after StopPodSandbox ($stop)" exits
row "pods or tasks left after removing every pod" left

for problem in "${problems[@]}"; do echo "density: $problem" >&2; done
[ ${#problems[@]} = 0 ]
