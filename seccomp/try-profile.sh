#!/usr/bin/env bash
# How many starts of pause under the profile an OCI runtime completes, with
# some of the profile's syscalls taken out: the "removed one at a time"
# measurements of the docs' seccomp section.
# Usage (root): try-profile.sh runc|crun <image dir from tests/image/build.sh> <starts>
#                 <no_new_privs: true|false> [syscall to remove ...]
# Prints "N/STARTS started" and, if any failed, what the runtime said last.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/lib/harness.sh"
load oci-bundle
runtime=$1 image_dir=$(realpath "$2") starts=$3 no_new_privs=$4
shift 4
needs root "$runtime" mounts "deadline=$((60 + starts * 5))"
scratch_dir work
removed=$(printf '%s\n' "$@" | jq -R . | jq -s 'map(select(. != ""))')
jq --argjson removed "$removed" '.syscalls[].names -= $removed' "$top/seccomp/pause.json" >"$work/profile.json"
pause_bundle "$work/bundle" --seccomp "$work/profile.json" >/dev/null
jq --argjson nnp "$no_new_privs" '.process.args = ["/pause", "-v"] | .process.noNewPrivileges = $nnp' \
  "$work/bundle/config.json" >"$work/config" && mv "$work/config" "$work/bundle/config.json"
started=0 said=""
for i in $(seq "$starts"); do
  id=try-profile-$$-$i
  if output=$("$runtime" run --bundle "$work/bundle" "$id" </dev/null 2>&1) && [[ $output == "pause v"* ]]; then
    started=$((started + 1))
  else
    said=$output
  fi
  "$runtime" delete --force "$id" >/dev/null 2>&1 || true
done
echo "$started/$starts started (runc noNewPrivileges $no_new_privs, without: ${*:-nothing})" \
  "${said:+; last failure: $said}"
