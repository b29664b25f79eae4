# A FROM-scratch root filesystem with Debian's busybox-static (`load busybox`):
# the apps of the pod scenarios, and the image of the negative controls.
#   busybox_rootfs DIR    sh, nc, ps, sleep and the other applets the scenarios use,
#                         and an /etc/passwd with root
busybox_rootfs() {  # busybox_rootfs <dir>: a FROM-scratch rootfs with Debian's busybox-static
  need_tool busybox busybox-static
  mkdir -p "$1/bin" "$1/proc" "$1/sys" "$1/dev" "$1/tmp" "$1/etc"
  cp "$(command -v busybox)" "$1/bin/busybox"
  for tool in sh nc ps sleep cat readlink echo ls kill true id; do ln -sf busybox "$1/bin/$tool"; done
  echo 'root:x:0:0:root:/:/bin/sh' >"$1/etc/passwd"
}
