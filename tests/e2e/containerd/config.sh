#!/usr/bin/env bash
# the docs' containerd configuration, verbatim, read by the containerd here
# (`containerd config dump` shows what it takes), in a private mount namespace
# whose /etc/containerd is a scratch tmpfs:
# - the new-file snippet sets sandbox_image; without its `version = 2` line
#   containerd 1.6 reads config version 1 and silently keeps its default;
# - appended to a stock config, the same table is refused (duplicated tables);
# - the docs' one-line edit of a stock config (`containerd config default`) sets it.
# Usage: config.sh
. "$(dirname "$0")/../../lib/harness.sh"
needs root containerd mounts deadline=60
mkdir -p /etc/containerd
mount -t tmpfs pause-test-etc /etc/containerd
config=/etc/containerd/config.toml
ours='sandbox_image = "registry.example/pause:1.0.0"'
taken() { eval "$(readme_snippet docs/cluster.md containerd-config-check)" | sed 's/^ *//'; }

readme_snippet docs/cluster.md containerd-config >"$config"
expect_eq "sandbox_image taken from the docs' new config file" "$ours" "$(taken)"

readme_snippet docs/cluster.md containerd-config | grep -v '^version = 2$' >"$config"
expect_eq "without 'version = 2' (the claim the docs warn of), sandbox_image" \
  'sandbox_image = "registry.k8s.io/pause:3.6"' "$(taken)"

{ containerd config default; readme_snippet docs/cluster.md containerd-config | grep -v '^version = 2$'; } >"$config"
refusal=$(containerd config dump 2>&1 >/dev/null || true)
[[ $refusal == *"duplicated tables"* ]] || fail "appended to a stock config, containerd did not refuse it: $refusal"
pass "appended to a stock config, containerd refuses it: ${refusal##*: }"

containerd config default >"$config"
eval "$(readme_snippet docs/cluster.md containerd-config-edit)"
expect_eq "sandbox_image after the docs' edit of a stock config" "$ours" "$(taken)"
