#!/usr/bin/env bash
# docs/seccomp.md: the profile lists no `architectures`, so the filter covers the native
# arch only and calls through a compat ABI (32-bit calls on x86_64) are refused.
# A probe in the pause bundle makes getpid both ways, without the profile
# (positive control: the kernel has the 32-bit ABI) and under it.
# Usage: compat.sh runc|crun <seccomp-profile> <compat_probe>   (the image: PAUSE_IMAGE_DIR)
. "$(dirname "$0")/../../lib/harness.sh"
load oci-bundle
runtime=$1 profile=$2 probe=$3
needs root "$runtime" mounts deadline=120 image
[ "$(host_arch)" = amd64 ] || missing "the compat probe is for x86_64 hosts"
scratch_dir work
probe_in() {  # probe_in <bundle>: runs the probe as the bundle's process, prints what it says
  local id=compat-$$-$RANDOM
  chmod u+w "$1/rootfs"
  cp "$probe" "$1/rootfs/probe"
  jq '.process.args = ["/probe"]' "$1/config.json" >"$1/config.new" && mv "$1/config.new" "$1/config.json"
  on_exit "$runtime" delete --force "$id"
  timeout 20 "$runtime" run --bundle "$1" "$id" </dev/null 2>"$work/err" || echo "(exit $?: $(cat "$work/err"))"
}
pause_bundle "$work/plain" >/dev/null
expect_eq "without the profile (positive control)" "native: allowed compat: allowed" \
  "$(probe_in "$work/plain" | paste -sd' ')"
pause_bundle "$work/confined" --seccomp "$profile" >/dev/null
under=$(probe_in "$work/confined" | paste -sd' ')
case $under in
  "native: allowed compat: refused" | "native: allowed (exit 159"*) pass "under the profile: $under" ;;
  *) fail "under the profile the probe says: $under" ;;
esac
