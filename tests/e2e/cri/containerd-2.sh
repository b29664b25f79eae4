#!/usr/bin/env bash
# containerd 2.3 (built from its release source, runc 1.4 as its OCI runtime)
# runs our image as the pod sandbox, configured as docs/cluster.md's section on
# containerd 2.x says: `containerd config default` of that binary, the docs'
# edits (the sandbox image among the pinned images, config_path), the
# registry's CA and credentials in hosts.toml; nothing imported first, the
# image pulled by reference from the test's TLS + basic-auth registry. Driven
# by crictl 1.36 as an operator drives it:
# - the docs' check of the sandbox image in effect (`containerd config dump`);
# - the pod check list (a non-reaping sandbox image as its negative control),
#   with containerd's stop: SIGKILL, exit status 137;
# - the operator's crictl view: the pod, its image and process, pinned: true;
# - wrong credentials and an untrusted CA fail runp with the registry's error,
#   and nothing is left running;
# - air-gapped: the archive imported and tagged as the docs say, a pod starts
#   with the registry refusing every pull, and the image is pinned.
# Usage: containerd-2.sh   (the image: PAUSE_IMAGE_DIR)
. "$(dirname "$0")/../../lib/harness.sh"
load cri crictl
needs root net deadline=900 image $(containerd2_needs) jq umoci skopeo /usr/lib/cni/bridge=containernetworking-plugins
use_containerd2
cluster_registry "$image_dir"

# --- the pod check list through crictl (crictl.sh), with containerd's hooks ---
sandbox_with=""
runtime_with() {
  if [ "$1" = pause ]; then
    [ "$sandbox_with" = pause ] || cri_containerd2_start
  else
    cri_containerd2_start "$REGISTRY/sleeper:e2e"
  fi
  sandbox_with=$1
}
# The sandbox's task exit, from containerd's events; it gives the sandbox no
# stdout or stderr (its podsandbox controller starts it with null IO).
sandbox_exit_status() { exit_status_of "$POD_ID"; }
sandbox_log() { :; }
STOP_SIGNAL=KILL

runtime_with pause
runtime=$(crictl version)
[[ $runtime == *"RuntimeVersion:"*"v2.3."* ]] || fail "expected containerd 2.3, crictl version says: $runtime"
[[ $(runc --version) == "runc version 1.4."* ]] || fail "runc in containerd's PATH is not 1.4: $(runc --version)"
pass "$(tr -s ' \n' ' ' <<<"$runtime"); $(runc --version | head -n 1)"
expect_eq "the sandbox image in effect (the docs' containerd config dump check)" \
  "sandbox = '$REGISTRY/pause:$version'" \
  "$(cd /tmp && eval "$(readme_snippet docs/cluster.md containerd2-config-check)" | sed 's/^ *//')"
expect_eq "images before the first pod (nothing imported)" "" "$(crictl images -q)"
CHECKS_USER=true
run_pod_checks

check_operator_view() {
  crictl_pod_config "$CRICTL_PODS/web.json" web POD
  POD_ID=$(crictl runp "$CRICTL_PODS/web.json") || fail "runp of the pod web failed"
  check_crictl_view true
  crictl stopp "$POD_ID" >/dev/null
  crictl rmp "$POD_ID" >/dev/null
  POD_ID=""
}
check check_operator_view

# --- the registry refuses: runp fails with its error, nothing runs ---
refused() {  # refused <what> <expected in the error> <cri_containerd2_start arguments...>
  local what=$1 expected=$2 output
  shift 2
  cri_containerd2_start "$@"
  crictl_pod_config "$CRICTL_PODS/pod.json" refused POD
  if output=$(crictl runp "$CRICTL_PODS/pod.json" 2>&1); then fail "$what: the sandbox started: $output"; fi
  [[ $output == *"$expected"* ]] || fail "$what: runp failed without the registry's error: $output"
  [ -z "$(crictl pods -q)" ] && [ -z "$(ctr_k8s tasks ls -q)" ] || fail "$what: something was left: $(crictl pods)"
  pass "$what: $(grep -o "$expected.*" <<<"$output" | head -n 1 | cut -c1-160)"
}
refused "wrong credentials in hosts.toml" "pull access denied" "" wrong-password
refused "an untrusted CA" "x509: certificate signed by unknown authority" "" "" "$OTHER_CA_DIR/ca.crt"

# --- air-gapped: the docs' import and tag, with no registry to pull from ---
# The registry answers 401 from here on (wrong password): a sandbox that starts
# resolved its image locally.
cri_containerd2_start "" wrong-password
ctr() { command ctr --address "$CRI_SOCKETS/containerd.sock" "$@"; }
in_readme_dir "$image_dir"
eval "$(readme_snippet docs/cluster.md ctr-import)" >/dev/null
crictl_pod_config "$CRICTL_PODS/untagged.json" untagged POD
if output=$(crictl runp "$CRICTL_PODS/untagged.json" 2>&1); then fail \
  "the sandbox started from localhost/pause without the tag: $output"; fi
[[ $output == *"pull access denied"* ]] || fail "imported only: runp failed, but not for the pull: $output"
pass "imported only, containerd still pulls the sandbox image (and the registry refuses)"
eval "$(readme_snippet docs/cluster.md ctr-tag)" >/dev/null
crictl_pod_config "$CRICTL_PODS/airgapped.json" airgapped POD
POD_ID=$(crictl runp "$CRICTL_PODS/airgapped.json" 2>"$CRICTL_PODS/runp.err") ||
  fail "runp failed with the image imported and tagged: $(cat "$CRICTL_PODS/runp.err")"
expect_eq "the air-gapped sandbox's process" /pause \
  "$(tr -d '\0' <"/proc/$(crictl inspectp -o json "$POD_ID" | jq -r .info.pid)/cmdline")"
pinned() { crictl images -o json | jq -r --arg tag "$PAUSE_IMAGE" \
  '.images[] | select(.repoTags | index($tag)) | .pinned'; }
# 2.x pins whatever image carries a name of pinned_images, however it got there: no label needed.
expect_eq "pinned, imported and tagged (containerd 2.3)" true "$(pinned)"
crictl stopp "$POD_ID" >/dev/null
crictl rmp "$POD_ID" >/dev/null
