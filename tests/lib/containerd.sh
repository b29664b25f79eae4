# containerd daemons of a scenario's own (loaded by scenarios and by cri.sh):
# every path of their state in the scenario's scratch and socket directories,
# never the machine's /run/containerd or /var/lib/containerd.
#
#   CONTAINERD_DIR      the directory of the containerd to run: empty for
#                       Debian's (1.6, in PATH), $BUILT_CONTAINERD_1_7 for 1.7
#                       (needs built=containerd-1.7). Its own shim and ctr come first
#                       in PATH, or containerd would start Debian's 1.6 shim.
#   containerd_start <config file> <state dir> <socket dir> [CRI tables]
#                       writes the config (root, state, sockets; with a file of
#                       CRI tables, those, else the CRI plugin disabled), then
#                       containerd_launch
#   containerd_launch <config file> <state dir> <socket dir>
#                       starts containerd with a config that keeps its root in the
#                       state dir and its sockets in the socket dir, waits for its
#                       socket; sets containerd_pid, containerd_sockets (the
#                       socket is $containerd_sockets/containerd.sock)
#   containerd_stop     ends it and any shim of it that outlived it, with their
#                       containers (they name its socket)
CONTAINERD_DIR=${CONTAINERD_DIR:-}
containerd_pid=""
containerd_sockets=""
use_containerd() {  # use_containerd DIR|"": the containerd the next start runs
  CONTAINERD_DIR=$1
  [ -z "$CONTAINERD_DIR" ] || PATH=$CONTAINERD_DIR:${PATH#"$CONTAINERD_DIR":}
}
containerd_start() {
  local config=$1 state=$2 sockets=$3 tables=${4:-}
  {
    echo "root = \"$state/containerd\""
    echo "state = \"$sockets/containerd\""
    if [ -n "$tables" ]; then
      cat "$tables"
    else
      echo 'version = 2'
      echo 'disabled_plugins = ["io.containerd.grpc.v1.cri"]'
    fi
    cat <<CONF
[grpc]
  address = "$sockets/containerd.sock"
[ttrpc]
  address = "$sockets/containerd.sock.ttrpc"
CONF
  } >"$config"
  containerd_launch "$config" "$state" "$sockets"
}
containerd_launch() {
  local config=$1 state=$2 sockets=$3
  [ -z "$containerd_pid" ] || fail "containerd_launch: one is running already (pid $containerd_pid)"
  use_containerd "$CONTAINERD_DIR"
  containerd_sockets=$sockets
  containerd --config "$config" >"$state/containerd.log" 2>&1 &
  containerd_pid=$!
  wait_for 30 test -S "$sockets/containerd.sock" || fail "containerd did not start: $(tail -5 "$state/containerd.log")"
}
containerd_stop() {
  [ -n "$containerd_pid" ] || return 0
  kill "$containerd_pid" 2>/dev/null
  wait_bounded "$containerd_pid" 30
  kill_processes_naming "$containerd_sockets/"
  containerd_pid=""
}
