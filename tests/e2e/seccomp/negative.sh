#!/usr/bin/env bash
# The seccomp profile is enforced: the same profile without the call pause
# sleeps in (pause; ppoll on arches without it) makes pause() fail with EPERM,
# and pause must then stop with exit code 42 and its message, not spin in a busy
# loop.
# Usage: negative.sh runc|crun <seccomp-profile>   (the image: PAUSE_IMAGE_DIR)
. "$(dirname "$0")/../../lib/harness.sh"
load oci-bundle
runtime=$1 profile=$2
needs root "$runtime" mounts deadline=120 image
scratch_dir work
sleep_call=$(arch_field "$(host_arch)" sleep-call)
jq --arg call "$sleep_call" '.syscalls[].names -= [$call]' "$profile" >"$work/no-sleep.json"
pause_bundle "$work/pause" --seccomp "$work/no-sleep.json"
id=seccomp-negative-$$
on_exit "$runtime" delete --force "$id"
status=0
timeout 20 "$runtime" run --bundle "$work/pause" "$id" </dev/null >"$work/out" 2>"$work/err" || status=$?
[ "$status" = 42 ] || cat "$work/err" >&2  # what the runtime or pause said instead
expect_eq "exit status of pause when the filter refuses its sleep" 42 "$status"
expect_eq "its message" "Error: infinite loop terminated" "$(cat "$work/err")"
