# Source this with a scratch directory: podman, buildah and skopeo then keep
# their images, containers and config there, away from the machine's own.
#   . scripts/containers-env.sh <dir>
# (Measured here: the ulimits are required, as this machine withholds
# CAP_SYS_RESOURCE; cgroupfs and the file event logger avoid systemd; podman's
# events and its tmp_dir would otherwise go to /run/libpod.)
pause_containers_dir=$(realpath -m "$1")
mkdir -p "$pause_containers_dir"/{root,runroot,tmp,libpod}
cat >"$pause_containers_dir/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
netns = "none"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$pause_containers_dir/libpod/events.log"
tmp_dir = "$pause_containers_dir/libpod"
runtime = "runc"
CONF
cat >"$pause_containers_dir/storage.conf" <<CONF
[storage]
driver = "overlay"
graphroot = "$pause_containers_dir/root"
runroot = "$pause_containers_dir/runroot"
CONF
export CONTAINERS_CONF="$pause_containers_dir/containers.conf"
export CONTAINERS_STORAGE_CONF="$pause_containers_dir/storage.conf"
export TMPDIR="$pause_containers_dir/tmp"

# Removes every container and mount the engines left under that directory, then the directory.
pause_containers_cleanup() {
  buildah rm --all >/dev/null 2>&1 || true
  podman rm --all --force >/dev/null 2>&1 || true
  { grep -F " $pause_containers_dir/" /proc/mounts || true; } | awk "{ print \$2 }" | sort -r | xargs -r umount -l
  rm -rf "$pause_containers_dir"
}
