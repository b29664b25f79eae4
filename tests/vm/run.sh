#!/usr/bin/env bash
# <arch>.kernel: the process-level suites of a foreign arch (tests/vm/CMakeLists.txt,
# one static executable) inside a VM of that arch, on Debian's kernel for it:
# qemu-system TCG, no disk, an initramfs of busybox-static, that arch's pause as
# /pause and the suites; /init mounts proc, sys, dev, devpts and a tmpfs /tmp,
# runs the suites as root and powers off. The output ends with GoogleTest's
# summary from inside the VM. Fails if the VM does not boot, a case fails, a
# case is skipped for emulation, or the run passes its bound; the VM is always
# killed. Kernel and busybox: scripts/vm-assets.sh (make deps fetches them).
# Native-only, named in NATIVE_ONLY: the long stress cases (StressLong.*:
# 100,000 orphans, a million signals), which under TCG take many minutes each, and the storm whose verdict is a bound in
# milliseconds set for native speed (Stress.SigtermDuringAStorm…).
# Usage: run.sh ARCH <vm_suites> <pause binary> [gtest filter]
. "$(dirname "$0")/../lib/harness.sh"
NATIVE_ONLY=StressLong.*:Stress.SigtermDuringAStormEndsItAtOnce
# The only cases that may skip in the VM (CI=true does not reach inside it, so
# any other skip fails here): those whose tool the initramfs lacks (strace;
# mkfs.ext4 and fsfreeze), and on 32-bit arm the one that needs PTRACE_SINGLESTEP.
VM_SKIPS=(Startup.SyscallsAsPid1WithinTheBudget Startup.HandlerMasksAsTheKernelGotThem
  FrozenFilesystem.ShutdownWaitsForTheThawThenExitsZero)
arch=$1 suites=$2 binary=$3 filter=${4:--$NATIVE_ONLY}
field() { "$top/cmake/arches.sh" get "$arch" "$1"; }
qemu=$(field vm-qemu)  # binary=package
needs deadline=1500 "$qemu" busybox=busybox-static
qemu=${qemu%%=*}
[ -x "$suites" ] || fail "no $suites: make test-build builds it"
[ -x "$binary" ] || fail "no $binary: make all builds it"
assets=$("$top/scripts/vm-assets.sh" "$arch") || fail "no kernel for the $arch VM (make deps fetches it)"

scratch_dir work
root=$work/root
mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp"
cp "$assets/busybox" "$root/bin/busybox"
for applet in sh mount mkdir poweroff cat echo sleep; do ln -s busybox "$root/bin/$applet"; done
cp "$binary" "$root/pause"
cp "$suites" "$root/suites"
# What the version tests compare with, computed here from the sources (the VM has none).
revision=$(git -C "$top" rev-parse HEAD 2>/dev/null || true)
documented="pause v$version${revision:++g${revision:0:12}}"
cat >"$root/init" <<INIT
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/pts
mount -t devpts devpts /dev/pts
mount -t tmpfs tmp /tmp
echo "pause-vm: booted \$(cat /proc/sys/kernel/osrelease)"
cd /
PATH=/bin PAUSE_BIN=/pause PAUSE_DOCUMENTED_VERSION='$documented' PAUSE_FUZZ_SECONDS=20 \
  /suites --gtest_filter='$filter' --gtest_color=no
echo "pause-vm: suites exited \$?"
poweroff -f
INIT
chmod 0755 "$root/init"
(cd "$root" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1 >"$work/initramfs.gz")

machine=(-M "$(field vm-machine)")
[ "$(field vm-cpu)" = - ] || machine+=(-cpu "$(field vm-cpu)")
console=$(field vm-console)
log=$work/console.log
started=$(date +%s)
# TCG, two vCPUs (multi-threaded TCG), no network, no disk; -no-reboot: a
# panic ends qemu instead of looping.
timeout --kill-after=10 1200 "$qemu" "${machine[@]}" -smp 2 -m 1024 -nographic -no-reboot -nodefaults \
  -serial mon:stdio -kernel "$assets/vmlinuz" -initrd "$work/initramfs.gz" \
  -append "console=$console panic=-1 quiet" </dev/null >"$log" 2>&1 &
vm=$!
kill_vm() { kill -KILL "$vm" 2>/dev/null || true; }
on_exit kill_vm
status=0
wait "$vm" || status=$?
took=$(($(date +%s) - started))
summary() { tr -d '\r' <"$log" | sed -n '/^\[==========\] Running/,/^\[  \(PASSED\|FAILED\)  \]/p' | tail -"$1"; }
grep -q 'pause-vm: booted' "$log" || fail "the $arch VM did not boot (qemu exit $status): $(tail -5 "$log")"
[ "$status" != 124 ] && [ "$status" != 137 ] || { summary 20; fail "the $arch VM ran past its bound (1200 s)"; }
exited=$(tr -d '\r' <"$log" | sed -n 's/.*pause-vm: suites exited \([0-9]*\)$/\1/p')
[ -n "$exited" ] || fail "the suites did not finish in the $arch VM: $(tail -5 "$log")"
! grep -q 'qemu-user' "$log" || fail "a case was skipped for emulation in the $arch VM: $(grep -m3 'qemu-user' "$log")"
[ "$arch" != arm ] || VM_SKIPS+=(Pid1.SigchldAtEveryInstructionOfTheSleepLoopLeavesItAsleep)
unexpected=$(tr -d '\r' <"$log" | sed -n 's/^\[  SKIPPED \] \([^ ,]*\) (.*/\1/p' |
  grep -vxF -f <(printf '%s\n' "${VM_SKIPS[@]}") || true)
[ -z "$unexpected" ] || fail "cases skipped in the $arch VM that may not skip there: $(echo $unexpected)"
if [ "$exited" != 0 ]; then
  tr -d '\r' <"$log" | grep -B2 -A12 'Failure$' | head -300
  summary 40
  fail "cases failed in the $arch VM (exit $exited)"
fi
passed=$(tr -d '\r' <"$log" | sed -n 's/^\[  PASSED  \] \([0-9]*\) tests\?\.$/\1/p')
pass "$arch VM ($(cut -d' ' -f1,2 "$assets/versions" | paste -sd' ')): ${passed:-0} cases passed on its own kernel" \
  "in $took s (boot included)"
# Last, GoogleTest's own summary from inside the VM (and what it skipped, and why).
tr -d '\r' <"$log" | grep -A1 '^\[  SKIPPED \]' | grep -v '^--$' | head -40 || true
summary 8
