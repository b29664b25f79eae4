#!/usr/bin/env bash
# docs/seccomp.md: the profile lists no `architectures`, so the filter covers the native
# arch only and a call through a compat ABI (32-bit calls on x86_64) kills the caller.
# 1. On every kernel: the filter the runtime installed in pause, read out of the
#    kernel and run by seccomp_verdict for getpid both ways (controls: a native call
#    the profile lists is allowed, one it does not list is refused, and a process
#    with no filter is allowed the 32-bit call).
# 2. Where the kernel offers the 32-bit ABI: a probe in the pause bundle makes getpid
#    both ways, without the profile (positive control: the kernel has the ABI) and
#    under it. A kernel without the ABI (int $0x80 faults with no filter at all) has
#    no such call to refuse: the test says so, and step 1 is the check.
# Usage: compat.sh runc|crun <seccomp-profile> <compat_probe> <seccomp_verdict>   (the image: PAUSE_IMAGE_DIR)
. "$(dirname "$0")/../../lib/harness.sh"
load oci-bundle
runtime=$1 profile=$2 probe=$3 verdict=$4
needs root "$runtime" mounts deadline=120 image
[ "$(host_arch)" = amd64 ] || missing "the compat probe is for x86_64 hosts"
scratch_dir work

# 1. The filter as installed, whatever the kernel offers.
pause_bundle "$work/confined" --seccomp "$profile" >/dev/null
id=compat-pause-$$
on_exit oci delete --force "$id"
oci run --bundle "$work/confined" "$id" </dev/null >/dev/null 2>"$work/pause.err" &
runner=$!
running() { oci state "$id" 2>/dev/null | jq -e '.status == "running"' >/dev/null; }
wait_for 20 running || fail "pause did not start under the profile: $(cat "$work/pause.err")"
pid=$(oci state "$id" | jq -r .pid)
wait_for 10 asleep "$pid" || fail "pause does not sleep under the profile"
expect_eq "pause's seccomp mode (2: filter)" 2 "$(awk '$1 == "Seccomp:" { print $2 }' "/proc/$pid/status")"
expect_eq "the filter's verdict on a native getpid, which the profile lists (control)" allow \
  "$("$verdict" "$pid" x86_64 39)"
expect_eq "the filter's verdict on a native mount, which it does not list (control)" errno \
  "$("$verdict" "$pid" x86_64 165)"
expect_eq "the verdict on a 32-bit getpid for this shell, which has no filter (control)" allow \
  "$("$verdict" "$$" i386 20)"
compat=$("$verdict" "$pid" i386 20)
case $compat in
  kill-thread | kill-process) pass "the filter's verdict on a 32-bit getpid: $compat (SIGSYS)" ;;
  *) fail "the filter's verdict on a 32-bit getpid: $compat, where docs/seccomp.md says it kills" ;;
esac
oci kill "$id" TERM
wait_bounded "$runner" 20 || fail "pause did not stop within 20 s of SIGTERM"
expect_eq "pause's exit status after SIGTERM" 0 "$WAIT_STATUS"

# 2. The same call made for real, where the kernel has the 32-bit ABI.
probe_in() {  # probe_in <bundle>: runs the probe as the bundle's process, prints what it says
  local id=compat-$$-$RANDOM
  chmod u+w "$1/rootfs"
  cp "$probe" "$1/rootfs/probe"
  jq '.process.args = ["/probe"]' "$1/config.json" >"$1/config.new" && mv "$1/config.new" "$1/config.json"
  on_exit oci delete --force "$id"
  timeout 20 "$runtime" run --bundle "$1" "$id" </dev/null 2>"$work/err" || echo "(exit $?: $(cat "$work/err"))"
}
pause_bundle "$work/plain" >/dev/null
plain=$(probe_in "$work/plain" | paste -sd' ')
case $plain in
  "native: allowed compat: allowed") pass "without the profile both calls work (positive control)" ;;
  "native: allowed (exit 139"*)
    pass "this kernel has no 32-bit ABI (int \$0x80 faults with no filter at all): no live call to refuse"
    exit 0
    ;;
  *) fail "without the profile the probe says: $plain" ;;
esac
under=$(probe_in "$work/confined" | paste -sd' ')
case $under in
  "native: allowed compat: refused" | "native: allowed (exit 159"*) pass "under the profile: $under" ;;
  *) fail "under the profile the probe says: $under" ;;
esac
