#!/usr/bin/env bash
# Which syscalls an OCI runtime makes under pause's seccomp profile, sampled
# over many starts: the profile's default action becomes SCMP_ACT_LOG, so each
# call outside the allowlist succeeds and the kernel logs it (audit type 1326).
# Calls that only happen now and then (the Go runtime of runc's init waking a
# thread with futex) are missed by removing entries one at a time; this finds them.
# Usage (root): sample-runtime-syscalls.sh runc|crun <image dir from tests/image/build.sh>
#                 [starts, default 300] [no_new_privs: true|false]
# Prints "count syscall" per call logged, for the process that execs /pause.
# no_new_privs false is docker's and podman's default: runc then installs the
# filter before it changes user, groups and capabilities, and needs more calls.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/lib/harness.sh"
load oci-bundle
runtime=$1 image_dir=$2 starts=${3:-300} no_new_privs=${4:-true}
needs root "$runtime" scmp_sys_resolver=seccomp
scratch_dir work
jq '.defaultAction = "SCMP_ACT_LOG"' "$top/seccomp/pause.json" >"$work/log.json"
pause_bundle "$work/bundle" --seccomp "$work/log.json" >/dev/null
jq --argjson nnp "$no_new_privs" '.process.args = ["/pause", "-v"] | .process.noNewPrivileges = $nnp' \
  "$work/bundle/config.json" >"$work/config" && mv "$work/config" "$work/bundle/config.json"
# The kernel rate-limits these log lines; lift the limit for the run only.
ratelimit=$(cat /proc/sys/kernel/printk_ratelimit)
restore_ratelimit() { echo "$ratelimit" >/proc/sys/kernel/printk_ratelimit; }
on_exit restore_ratelimit
echo 0 >/proc/sys/kernel/printk_ratelimit
# Follow the kernel log into a file: a long run overflows the ring buffer.
dmesg --follow >"$work/kmsg" &
follower=$!
on_exit kill "$follower"
marker="pause-seccomp-sample-$$"
echo "$marker" >/dev/kmsg
for i in $(seq "$starts"); do
  "$runtime" run --bundle "$work/bundle" "$marker-$i" </dev/null >/dev/null 2>&1 || true
  "$runtime" delete --force "$marker-$i" >/dev/null 2>&1 || true
done
sleep 1
logged=$(sed -n "/$marker/,\$p" "$work/kmsg" | grep -o 'type=1326.*' | grep -v 'comm="pause"' || true)
echo "$logged" | { grep -o ' syscall=[0-9]*' || true; } | cut -d= -f2 | sort -n | uniq -c |
  while read -r count number; do
    echo "$count $(scmp_sys_resolver "$number")"
  done
echo "($starts starts of $runtime, noNewPrivileges $no_new_privs)"
