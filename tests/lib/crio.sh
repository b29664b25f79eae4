# CRI-O as a node runs it, configured as docs/cluster.md says (`load crio`, in
# a scenario that `needs net $(crio_needs VERSION)`, then calls `use_crio VERSION`):
#   crio_needs VERSION    the needs words of a CRI-O node of that version: 1.26
#                         (with Debian's conmon and runc) or 1.36 (with conmon 2.1
#                         and runc 1.4, what it is tested with), built from source
#   use_crio VERSION      after needs: the next crio_start runs that version
#   crio_start [TOML]     CRI-O (built from source) with docs/cluster.md's
#                         drop-in and auth file under a private /etc/crio, and
#                         TOML (e.g. "[crio.runtime]\ndrop_infra_ctr = false") as
#                         a later drop-in that overrides them; every path of its
#                         state in scratch directories, a socket of its own,
#                         its conmon and runc, cgroupfs, the CNI bridge of
#                         the scenario's network namespace. Fresh storage each
#                         time (nothing pulled yet) unless CRIO_STORAGE names a
#                         directory to keep it in. Sets CRIO_STATE, CRIO_SOCKET.
#                         With CRIO_PACKAGED=true, also what CRI-O's packages
#                         install (packaged_crio_files); with CRIO_SIGNATURES=true,
#                         docs/verifying.md's drop-in for its signature policy.
#   crio_stop             every pod stopped and removed, then CRI-O (also at exit)
#   crictl ARGS...        crictl, as an operator runs it, on CRI-O's socket (and
#                         crictl.sh's configs, pods' logs in CRICTL_PODS)
#   infra_exit_status ID  the exit status conmon recorded for a pod's infra container
# The registry must be up (cluster_registry): CRI-O pulls by reference.
load node crictl

crio_needs() {
  case $1 in
    1.26) echo built=cri-o-1.26 built=cri-tools-1.26 conmon runc ;;
    1.36) echo built=cri-o-1.36 built=cri-tools-1.36 built=conmon-2.1 built=runc-1.4 ;;
    *) fail "CRI-O $1: 1.26 or 1.36" ;;
  esac
}
CRIO_VERSION=""
use_crio() {
  CRIO_VERSION=$1
  case $1 in
    1.26) CRIO_DIR=$BUILT_CRI_O_1_26 CRI_TOOLS_DIR=$BUILT_CRI_TOOLS_1_26
      CRIO_CONMON=$(command -v conmon) CRIO_RUNC=$(command -v runc) ;;
    1.36) CRIO_DIR=$BUILT_CRI_O_1_36 CRI_TOOLS_DIR=$BUILT_CRI_TOOLS_1_36
      CRIO_CONMON=$BUILT_CONMON_2_1/conmon CRIO_RUNC=$BUILT_RUNC_1_4/runc ;;
    *) fail "CRI-O $1: 1.26 or 1.36" ;;
  esac
}

crio_pid=""
crio_start() {
  local overrides=${1:-}
  [ -n "$CRIO_VERSION" ] || fail "crio_start: no use_crio VERSION first"
  [ -z "$crio_pid" ] || crio_stop
  scratch_dir CRIO_STATE
  [ -n "${CRIO_SOCKETS:-}" ] || socket_dir CRIO_SOCKETS
  CRIO_SOCKET=$CRIO_SOCKETS/crio.sock
  crictl_config "unix://$CRIO_SOCKET"  # (before crio_stop is registered: it runs crictl)
  on_exit crio_stop
  cni_config "$CRIO_STATE/net.d"
  CRICTL_PODS=$CRIO_STATE/pods
  mkdir -p "$CRICTL_PODS"
  # This machine withholds CAP_SYS_RESOURCE: runc cannot give the infra
  # container the oom_score_adj of -998 CRI-O asks for, and CRI-O has no setting
  # like containerd's restrict_oom_score_adj. A negative value becomes 0.
  printf '#!/bin/sh\nrunc=%q\n' "$CRIO_RUNC" >"$CRIO_STATE/runc"
  cat >>"$CRIO_STATE/runc" <<'WRAPPER'
bundle=""
previous=""
for argument in "$@"; do
  case $previous in --bundle | -b) bundle=$argument ;; esac
  previous=$argument
done
config=$bundle/config.json
if [ -n "$bundle" ] && jq -e '(.process.oomScoreAdj // 0) < 0' "$config" >/dev/null 2>&1; then
  jq '.process.oomScoreAdj = 0' "$config" >"$config.new" && mv "$config.new" "$config"
fi
exec "$runc" "$@"
WRAPPER
  chmod +x "$CRIO_STATE/runc"
  # The node's own settings (paths of this scenario), then the docs' drop-in.
  cat >"$CRIO_STATE/crio.conf" <<CONF
[crio]
root = "${CRIO_STORAGE:-$CRIO_STATE/storage}"
runroot = "$CRIO_SOCKETS/storage"
storage_driver = "overlay"
log_dir = "$CRIO_STATE/pods"
version_file = "$CRIO_SOCKETS/version"
version_file_persist = "$CRIO_STATE/version"
clean_shutdown_file = "$CRIO_STATE/clean.shutdown"
[crio.api]
listen = "$CRIO_SOCKET"
stream_address = "127.0.0.1"
[crio.runtime]
default_runtime = "runc"
conmon = "$CRIO_CONMON"
conmon_cgroup = "pod"
cgroup_manager = "cgroupfs"
namespaces_dir = "$CRIO_SOCKETS/ns"
container_exits_dir = "$CRIO_SOCKETS/exits"
container_attach_socket_dir = "$CRIO_SOCKETS/attach"
pinns_path = "$CRIO_DIR/pinns"
[crio.runtime.runtimes.runc]
runtime_path = "$CRIO_STATE/runc"
runtime_type = "oci"
runtime_root = "$CRIO_SOCKETS/runc"
[crio.network]
network_dir = "$CRIO_STATE/net.d"
plugin_dirs = ["/usr/lib/cni"]
CONF
  private_etc crio
  rm -rf /etc/crio/crio.conf.d
  mkdir -p /etc/crio/crio.conf.d
  readme_snippet docs/cluster.md crio-config >/etc/crio/crio.conf.d/10-pause.conf
  ! ${CRIO_PACKAGED:-false} || packaged_crio_files
  ! ${CRIO_SIGNATURES:-false} || readme_snippet docs/verifying.md \
    crio-signature-policy >/etc/crio/crio.conf.d/20-pause-signatures.conf
  [ -f /etc/crio/pause-auth.json ] || eval "$(readme_snippet docs/cluster.md crio-auth)" >/dev/null
  [ -z "$overrides" ] || printf '%b\n' "$overrides" >/etc/crio/crio.conf.d/99-test.conf
  "$CRIO_DIR/crio" --config "$CRIO_STATE/crio.conf" --config-dir /etc/crio/crio.conf.d \
    >"$CRIO_STATE/crio.log" 2>&1 &
  crio_pid=$!
  wait_for 60 crio_up || fail "CRI-O did not start: $(tail -5 "$CRIO_STATE/crio.log")"
}
crio_up() { crictl version >/dev/null 2>&1; }
# What CRI-O's packages (cri-o/packaging, 1.2x and later) install beside the
# binary, as far as signatures go: a drop-in that points signature_policy at a
# policy of their own, and that policy, which accepts anything.
packaged_crio_files() {
  printf '[crio.image]\nsignature_policy = "/etc/crio/policy.json"\n' >/etc/crio/crio.conf.d/10-crio.conf
  echo '{"default": [{"type": "insecureAcceptAnything"}]}' >/etc/crio/policy.json
}
crio_stop() {
  local id
  [ -n "$crio_pid" ] || return 0
  for id in $(crictl pods -q 2>/dev/null); do
    crictl stopp "$id" >/dev/null 2>&1
    crictl rmp --force "$id" >/dev/null 2>&1
  done
  kill "$crio_pid" 2>/dev/null
  wait_bounded "$crio_pid" 30
  kill_processes_naming "$CRIO_SOCKETS/"  # conmons that outlived it, and their containers
  crio_pid=""
}

# conmon writes it to the container's persist directory (CRI-O deletes the copy in its exits directory).
infra_exit_status() { cat "${CRIO_STORAGE:-$CRIO_STATE/storage}/overlay-containers/$1/userdata/exit" 2>/dev/null ||
  true; }
