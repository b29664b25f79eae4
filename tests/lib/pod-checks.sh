# The pod check list: what every runtime's scenario checks of a pod whose
# infra container is pause (`load pod-checks`), with a negative control that
# proves the reaping check can fail. A runtime takes part through an adapter:
# the scenario defines the functions below, then calls run_pod_checks. Each
# check runs through `check` (tests/lib/harness.sh): a failed one is reported
# and the others still run.
#
# The adapter:
#   infra_start pause|sleep  start the pod's infra container (our image, or a
#                            non-reaping busybox `sleep` for the negative control);
#                            sets INFRA_PID (host view)
#   app_run NAME CMD...      run an app container in the pod, wait, print its stdout
#   app_start NAME CMD...    the same, detached
#   app_kill NAME            kill and remove a detached app
#   infra_stop               the runtime's normal stop (SIGTERM); sets STOP_STATUS (exit
#                            status) and STOP_LOG (what the container wrote)
#   infra_remove             kill and remove the infra container and every app left
# and SHARES_PID, SHARES_UTS (whether the pod shares them) and CHECKS_USER (whether the
# runtime applies the image's USER to the infra container): true or false, and
# CONFINED (pause must run under a seccomp filter, with no effective capability
# and NoNewPrivs as NO_NEW_PRIVS says, 1 by default), false by default; STOP_SIGNAL,
# the signal the runtime's stop sends the sandbox: TERM (by default: pause must
# exit 0 and log its shutdown line) or KILL (containerd's CRI: exit status 137).
# Only checks live here: what they observe processes with (children_of, zombies_of,
# ns_of, eventually_stable, free_port) is the harness's, a busybox rootfs busybox.sh's.

check_pid1_is_pause() {
  $SHARES_PID || return 0
  expect_eq "PID 1 seen from an app container" "/pause" "$(app_run probe-pid1 cat /proc/1/cmdline | tr -d '\0')"
}

check_namespaces() {
  local inside ns
  inside=$(app_run probe-ns sh -c 'for ns in net ipc uts pid; do readlink /proc/self/ns/$ns; done')
  for ns in net ipc $($SHARES_UTS && echo uts); do
    grep -Fqx "$(ns_of "$INFRA_PID" $ns)" <<<"$inside" || fail "the app's $ns namespace is not pause's ($inside)"
    pass "the app shares pause's $ns namespace"
  done
  if $SHARES_PID; then
    grep -Fqx "$(ns_of "$INFRA_PID" pid)" <<<"$inside" || fail "the app's pid namespace is not pause's"
    pass "the app shares pause's pid namespace"
  else
    ! grep -Fqx "$(ns_of "$INFRA_PID" pid)" <<<"$inside" \
      || fail "the pod does not share its pid namespace, yet the app is in pause's"
    pass "the app has a pid namespace of its own"
  fi
}

check_pod_loopback() {
  local port reply
  port=$(free_port)
  host_can_connect "$port" && fail "port $port is already taken on the host"
  # Positive control: the probe does connect to a listener on the host's 127.0.0.1.
  local control
  control=$(free_port)
  busybox nc -ll -p "$control" -e true &
  local listener=$!
  wait_for 10 host_can_connect "$control" || fail "the probe cannot reach a listener on the host's 127.0.0.1:$control"
  kill "$listener" && wait "$listener" 2>/dev/null || true
  pass "positive control: the probe reaches the host's own 127.0.0.1:$control"
  app_start server sh -c "while true; do echo pod-hello | nc -l -p $port; done"
  reply=$(app_run client sh -c \
    "for i in 1 2 3 4 5 6 7 8 9 10; do nc 127.0.0.1 $port </dev/null && exit 0; sleep 0.3; done; exit 1")
  expect_eq "reply from a server in another app container on 127.0.0.1" pod-hello "$reply"
  host_can_connect "$port" && fail "the pod's 127.0.0.1:$port is reachable from outside the pod"
  pass "127.0.0.1:$port is not reachable from outside the pod"
  app_kill server
}

check_pod_outlives_apps() {
  local net_before
  net_before=$(ns_of "$INFRA_PID" net)
  app_start doomed sleep 1000
  app_kill doomed
  expect_eq "network namespace of a new app after one was killed" "$net_before" \
    "$(app_run reborn readlink /proc/self/ns/net)"
}

# An app leaves a long-lived orphan behind: it must be re-parented to the pod's
# PID 1 (checked, so that what follows means something); then it is ended from
# the host, and its zombie is left to PID 1.
ORPHAN=""
orphan_adopted() {
  local pid
  for pid in $(children_of "$INFRA_PID"); do
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = sleep ] && ORPHAN=$pid && return 0
  done
  return 1
}
end_an_adopted_orphan() {
  app_start orphan-maker sh -c '(sleep 100000 &); exec sleep 100000'
  wait_for 20 orphan_adopted || fail "the app's orphan was not re-parented to the pod's PID 1"
  pass "the app's orphan (host pid $ORPHAN) was re-parented to the pod's PID 1"
  kill -KILL "$ORPHAN"
}
no_zombie_under_infra() { [ "$(zombies_of "$INFRA_PID")" = 0 ] && ! kill -0 "$ORPHAN" 2>/dev/null; }
zombie_under_infra() { [ "$(zombies_of "$INFRA_PID")" -ge 1 ]; }

check_reaping() {
  $SHARES_PID || return 0
  end_an_adopted_orphan
  eventually_stable 20 no_zombie_under_infra || fail \
    "$(zombies_of "$INFRA_PID") zombie(s) under pause after the orphan died"
  pass "the orphan was reaped: no zombie under pause"
  app_kill orphan-maker
}

# Negative control: the same with a non-reaping PID 1 must leave a zombie.
check_reaping_can_fail() {
  $SHARES_PID || return 0
  end_an_adopted_orphan
  eventually_stable 20 zombie_under_infra || fail \
    "negative control: busybox sleep as PID 1 left no zombie; the reaping check cannot fail"
  pass "negative control: busybox sleep as PID 1 leaves $(zombies_of "$INFRA_PID") zombie(s)"
  app_kill orphan-maker
}

# The hardened scenarios: what the kernel says of the process, not what the
# bundle asked for.
check_confinement() {
  ${CONFINED:-false} || return 0
  local status=/proc/$INFRA_PID/status
  expect_eq "pause's Seccomp (2: a filter)" 2 "$(awk '$1 == "Seccomp:" { print $2 }' "$status")"
  expect_eq "pause's NoNewPrivs" "${NO_NEW_PRIVS:-1}" "$(awk '$1 == "NoNewPrivs:" { print $2 }' "$status")"
  expect_eq "pause's CapEff" 0000000000000000 "$(awk '$1 == "CapEff:" { print $2 }' "$status")"
}

check_identity() {
  $CHECKS_USER || return 0
  expect_eq "pause's uid and gid (host view)" "${EXPECTED_IDS:-65535 65535}" \
    "$(awk '/^Uid:/ { u = $2 } /^Gid:/ { g = $2 } END { print u, g }' "/proc/$INFRA_PID/status")"
}

# After infra_stop (outside the check: the adapter may wait for its own jobs).
check_stop() {
  if [ "${STOP_SIGNAL:-TERM}" = KILL ]; then
    expect_eq "exit status after the runtime's stop (it sends SIGKILL: 128 + 9)" 137 "$STOP_STATUS"
    return 0
  fi
  expect_eq "exit status after the runtime's stop" 0 "$STOP_STATUS"
  grep -q "Shutting down, got signal: Terminated" <<<"$STOP_LOG" || fail "no shutdown message in the log: $STOP_LOG"
  pass "the log says: Shutting down, got signal: Terminated"
}

run_pod_checks() {
  if $SHARES_PID; then  # (the negative control is of the reaping check, which needs a shared pid namespace)
    infra_start sleep
    check check_reaping_can_fail
    infra_remove
  fi
  infra_start pause
  check check_identity
  check check_confinement
  check check_pid1_is_pause
  check check_namespaces
  check check_pod_loopback
  check check_pod_outlives_apps
  check check_reaping
  infra_stop
  check check_stop
  infra_remove
}
