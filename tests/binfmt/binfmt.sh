#!/usr/bin/env bash
# CTest fixture: lets the kernel run every foreign arch's binary through
# qemu-user (binfmt_misc), as container runtimes need, and undoes exactly what
# it did afterwards. A run killed before its cleanup leaves its state file: the
# next setup undoes that first.
# Usage: binfmt.sh setup|cleanup <state-file>
. "$(dirname "$0")/../lib/harness.sh"
action=$1 state=$2
status_file=/proc/sys/fs/binfmt_misc/status
undo() {
  [ -f "$state" ] || return 0
  while read -r what name; do
    case $what in
      enabled) update-binfmts --disable "$name" ;;
    esac
  done <"$state"
  if grep -qx mounted "$state"; then umount /proc/sys/fs/binfmt_misc; fi
  rm -f "$state"
}
case $action in
  setup)
    need_root
    need_tool update-binfmts binfmt-support
    decided arches
    if [ -f "$state" ]; then
      echo "undoing what a run killed before its cleanup left: $(paste -sd' ' "$state")"
      undo
    fi
    : >"$state"
    if [ ! -e "$status_file" ]; then
      mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
      echo mounted >>"$state"
    fi
    for arch in "${test_arches[@]}"; do
      [ "$arch" = "$(host_arch)" ] && continue
      name=$(arch_field "$arch" qemu-user | sed 's/-static$//')
      if [ ! -e "/proc/sys/fs/binfmt_misc/$name" ]; then
        update-binfmts --enable "$name"
        echo "enabled $name" >>"$state"
      fi
      # F: the interpreter is opened now, so it works inside containers' root filesystems.
      grep -q '^flags: .*F' "/proc/sys/fs/binfmt_misc/$name" || fail "$name is registered without the F flag"
      pass "binfmt: $name"
    done ;;
  cleanup)
    undo
    pass "binfmt restored" ;;
esac
