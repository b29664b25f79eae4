#!/usr/bin/env bash
# Pod density through the CRI, as a kubelet fills a node: COUNT pod sandboxes
# (the kubelet's default max-pods is 110) made one after the other through
# containerd's CRI plugin, the sandbox image pulled by reference from a private
# registry (tests/e2e/cri/cluster.sh), for our image and, side by side in the
# same run, a reference sandbox image given as an OCI archive.
# Reports per candidate: time from RunPodSandbox to READY (median, p95; the
# reference's as a ratio to ours), the sandbox processes' total and per-pod
# Pss, the shims' per-pod Pss and the share of per-pod memory that is the
# sandbox process; after stopping every pod, their exit statuses and that
# nothing is left. It fails on any insane figure, never on a timing.
#   bench/density.sh <image dir> <cri-client> [--pods N] [--ref OCI-ARCHIVE]
# (make bench runs it with BENCH_REF_IMAGE; scripts/make-ref-image.sh makes such
# an archive from a static binary, e.g. Debian's catatonit.)
. "$(dirname "$0")/../tests/lib/harness.sh"
load pod-checks registry cri
image_dir=$(realpath "$1")
CRI_CLIENT=$(realpath -m "$2")
shift 2
pods=110 ref=""
while [ $# -gt 0 ]; do
  case $1 in
    --pods) pods=$2; shift 2 ;;
    --ref) ref=$(realpath "$2"); shift 2 ;;
    *) echo "usage: density.sh <image dir> <cri-client> [--pods N] [--ref OCI-ARCHIVE]" >&2; exit 2 ;;
  esac
done
[ -x "$CRI_CLIENT" ] || missing "no CRI client built: apt-get install libgrpc++-dev protobuf-compiler-grpc"
needs root net "deadline=$((300 + pods * 12))" /usr/lib/cni/bridge=containernetworking-plugins
cluster_registry "$image_dir" >/dev/null
candidates=("ours=$PAUSE_IMAGE")
if [ -n "$ref" ]; then
  [ -f "$ref" ] || fail "no reference archive $ref"
  skopeo copy -q --all --dest-authfile "$REGISTRY_AUTH" "oci-archive:$ref" "docker://$REGISTRY/reference:bench"
  candidates+=("reference=$REGISTRY/reference:bench")
fi

kb() { awk -v key="$2:" '$1 == key { print $2; exit }' "/proc/$1/smaps_rollup" 2>/dev/null; }
percentile() { sort -n | awk -v p="$1" '{ v[NR] = $1 } END { i = int((NR - 1) * p + 0.5) + 1; printf "%.1f", v[i] }'; }
declare -A result
problems=()
for candidate in "${candidates[@]}"; do
  name=${candidate%%=*} image=${candidate#*=}
  echo "--- $pods pods with $name ($image)" >&2
  cri_containerd_start "$image"
  cri density "$pods" CONTAINER "$name-" >"$CRI_STATE/density" || fail "$name: a pod did not become READY"
  ready=$(cut -d' ' -f1 "$CRI_STATE/density" | cut -d= -f2)
  [ "$(wc -l <<<"$ready")" = "$pods" ] || fail "$name: $(wc -l <<<"$ready") of $pods pods READY"
  total=0 shims=0
  ids=$(sed -n 's/.* id=//p' "$CRI_STATE/density")
  for id in $ids; do
    pid=$(jq -r .pid <<<"$(cri sandbox-status "$id" | sed -n 's/^info=//p')")
    shim=$(awk '/^PPid:/ { print $2 }' "/proc/$pid/status")
    pss=$(kb "$pid" Pss) shim_pss=$(kb "$shim" Pss)
    [ -n "$pss" ] && [ "$pss" -gt 0 ] && [ -n "$shim_pss" ] || problems+=("$name: no Pss for sandbox $id (pid $pid)")
    total=$((total + ${pss:-0})) shims=$((shims + ${shim_pss:-0}))
  done
  for id in $ids; do cri stopp "$id"; done
  stopped() { [ "$(grep -c -F '/tasks/exit' "$CONTAINERD_EVENTS")" -ge "$pods" ]; }
  wait_for 60 stopped || problems+=("$name: not every sandbox's exit seen")
  statuses=$(for id in $ids; do exit_status_of "$id"; done | sort | uniq -c | awk '{ printf "%s× %s ", $1, $2 }')
  for id in $ids; do cri rmp "$id"; done
  left=$(ctr_k8s tasks ls -q | wc -l)
  [ "$left" = 0 ] || problems+=("$name: $left tasks left after stopping and removing every pod")
  result[$name.median]=$(percentile 0.5 <<<"$ready")
  result[$name.p95]=$(percentile 0.95 <<<"$ready")
  result[$name.total]=$total
  result[$name.per_pod]=$(awk -v t="$total" -v n="$pods" 'BEGIN { printf "%.1f", t / n }')
  result[$name.shim]=$(awk -v t="$shims" -v n="$pods" 'BEGIN { printf "%.1f", t / n }')
  result[$name.share]=$(awk -v p="$total" -v s="$shims" 'BEGIN { printf "%.1f%%", 100 * p / (p + s) }')
  result[$name.exits]=$statuses
  result[$name.left]=$left
  cri_containerd_stop
done

names=("${candidates[@]%%=*}")
row() {  # row <label> <key> [ratio]
  local line="| $1 |" n
  for n in "${names[@]}"; do
    line+=" ${result[$n.$2]}"
    [ -z "${3:-}" ] || line+=" ($(awk -v a="${result[$n.$2]}" -v b="${result[ours.$2]}" 'BEGIN { printf "%.2f×", a / b }'))"
    line+=" |"
  done
  echo "$line"
}
echo "| $pods pod sandboxes through containerd's CRI | $(printf '%s | ' "${names[@]}")"
echo "|---|$(printf -- '---|%.0s' "${names[@]}")"
row "time to READY, median (ms; × ours)" median ratio
row "time to READY, p95 (ms; × ours)" p95 ratio
row "sandbox processes, total Pss (kB)" total
row "sandbox process, Pss per pod (kB)" per_pod
row "containerd shim, Pss per pod (kB)" shim
row "share of the sandbox process in pod memory (sandbox / (sandbox + shim))" share
row "exit statuses after StopPodSandbox (containerd sends SIGKILL)" exits
row "tasks left after removing every pod" left

for problem in "${problems[@]}"; do echo "density: $problem" >&2; done
[ ${#problems[@]} = 0 ]
