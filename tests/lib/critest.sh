# critest, Kubernetes' CRI validation suite (cri-tools 1.36), run against a
# runtime twice: with our image as its sandbox image and with a control (`load
# critest`, in a scenario that `needs net built=cri-tools-1.36`, CRI_TOOLS_DIR set).
#
# critest pulls its test images by fixed references (registry.k8s.io/e2e-test-images/…,
# gcr.io/k8s-staging-cri-tools/…, registry.k8s.io and k8s.gcr.io/pause:3.9). With no
# internet, a registry of the scenario's own serves stand-ins, reached by the runtime
# as a mirror of those hosts:
#   critest_mirror            the registry (plain HTTP, no auth, on 10.253.0.2:5000 of
#                             the namespace's lo) with every stand-in pushed to it
#   critest_mirror_crio       /etc/containers/registries.conf: the hosts from the mirror
#   critest_mirror_containerd hosts.toml for the hosts under /etc/containerd/certs.d
#   critest_run NAME ENDPOINT [FOCUS [ATTEMPTS]]
#                             critest against a CRI socket (only the cases FOCUS, a
#                             regex, matches if given; a failed case tried ATTEMPTS
#                             times in all, 2 by default); its JSON report is
#                             $CRITEST_REPORTS/NAME.json (a scratch directory unless
#                             CRITEST_REPORTS is set), its output NAME.log, a summary
#                             line on stdout
#   critest_side_by_side A B  every case of either report, as sets:
#                             "<case>\t<state in A>\t<attempts in A>\t<state in B>\t<attempts in B>",
#                             state "absent" (and attempts 0) where a report lacks it
#   critest_passed NAME       how many cases passed in NAME's report
#   critest_focus             a regex matching the cases on stdin (their whole texts)
#   critest_state NAME CASE   the state of one case in NAME's report
#   critest_gate RUNTIME FLOOR
#                             the verdict on "$RUNTIME-ours" against "$RUNTIME-control"
#                             (docs/cluster.md section 10 gives its rule and its power);
#                             reruns cases through the scenario's run_with
#
# The stand-ins do what the tests do in the real images (pkg/validate/*.go):
# busybox with every applet as a hard link (a test masks /bin/ls) and an `ipcs -m`
# (Debian's busybox has none) that lists /proc/sysvipc/shm; nginx and the host
# network nginx (busybox httpd on 80 and 12003, PID 1's command line naming its
# "master process", its pid in /var/run/nginx.pid, a process named nginx that ends on SIGTERM); httpd
# (busybox httpd, logging "httpd -D FOREGROUND" as Apache does); nonewprivs (a
# setuid-root program printing "Effective uid: N", tests/e2e/critest/effective_uid.cpp);
# and cri-tools' test images: USER as a uid, a name, uid:group, name:group, a user
# with a group predefined in /etc/group, and tags (three images, one image thrice).
load registry

CRITEST_MIRROR=10.253.0.2:5000
CRITEST_IMAGES=(e2e-test-images/busybox:1.29-2 e2e-test-images/nginx:1.14-2 e2e-test-images/httpd:2.4.39-4
  e2e-test-images/nonewprivs:1.3)

critest_mirror() {  # critest_mirror <effective_uid binary>
  local dir effective_uid=$1
  scratch_dir dir
  serve_registry "$dir" "$CRITEST_MIRROR"
  mirror_answers() { curl -s -o /dev/null -w '%{http_code}' "http://$CRITEST_MIRROR/v2/" | grep -qx 200; }
  wait_for 30 mirror_answers || fail "the critest mirror did not start: $(tail -5 "$dir/registry.log")"
  standin_images "$dir/build" "$effective_uid"
  pass "critest's images: stand-ins at http://$CRITEST_MIRROR, a mirror of registry.k8s.io and gcr.io"
}

# The root file system every stand-in starts from.
standin_rootfs() {
  local root=$1 applet
  mkdir -p "$root/bin" "$root/etc" "$root/proc" "$root/sys" "$root/dev" "$root/tmp" "$root/var/run" "$root/www"
  chmod 1777 "$root/tmp"
  cp "$(command -v busybox)" "$root/bin/busybox"
  for applet in $(busybox --list); do
    [ "$applet" = busybox ] || [ -e "$root/bin/$applet" ] || ln "$root/bin/busybox" "$root/bin/$applet"
  done
  cat >"$root/bin/ipcs" <<'IPCS'
#!/bin/sh
# ipcs -m, as util-linux prints the ids of shared memory segments
echo "------ Shared Memory Segments --------"
echo "key        shmid      owner      perms      bytes      nattch     status"
awk 'NR > 1 { printf "0x%08x %-10s %-10s %-10s %-10s %-10s\n", $1, $2, $8, $3, $4, $7 }' /proc/sysvipc/shm
IPCS
  chmod 0755 "$root/bin/ipcs"
  cat >"$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
www-data:x:33:33:www-data:/var/www:/bin/sh
default-user:x:1000:1000:default-user:/:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/sh
PASSWD
  cat >"$root/etc/group" <<'GROUP'
root:x:0:
www-data:x:33:
default-user:x:1000:
group-defined-in-image:x:50000:default-user
nogroup:x:65534:
GROUP
  echo '<html><body>pause critest stand-in</body></html>' >"$root/www/index.html"
  # nginx: a process named nginx (the script's name) serving on its port, its pid
  # in /var/run/nginx.pid; the image's command line names the "master process".
  # As PID 1 it ends on SIGTERM as nginx does (a shell without a trap would
  # ignore it, and every stop would wait for the runtime's SIGKILL).
  cat >"$root/bin/nginx" <<'NGINX'
#!/bin/sh
echo $$ >/var/run/nginx.pid
trap 'kill $server 2>/dev/null; exit 0' TERM INT
httpd -f -p "${NGINX_PORT:-80}" -h /www &
server=$!
wait $server
NGINX
  cat >"$root/bin/httpd-foreground" <<'HTTPD'
#!/bin/sh
echo "[core:notice] AH00094: Command line: 'httpd -D FOREGROUND'"
exec httpd -f -v -p 80 -h /www
HTTPD
  # pgrep (Debian's busybox has none): the pids of the processes of that name.
  printf '#!/bin/sh\npidof "$@" | tr " " "\\n"\n' >"$root/bin/pgrep"
  chmod 0755 "$root/bin/nginx" "$root/bin/httpd-foreground" "$root/bin/pgrep"
}

standin_images() {  # standin_images <work dir> <effective_uid binary>
  local work=$1 layout=$1/oci name tag
  mkdir -p "$work"
  umoci init --layout "$layout"
  umoci new --image "$layout:base"
  umoci unpack --image "$layout:base" "$work/bundle" >/dev/null
  standin_rootfs "$work/bundle/rootfs"
  umoci repack --image "$layout:base" "$work/bundle" >/dev/null
  umoci config --image "$layout:base" --config.env PATH=/bin --config.cmd sh >/dev/null
  variant() {  # variant <tag> [umoci config options...]: the base image, configured
    local tag=$1
    shift
    umoci tag --image "$layout:base" "$tag"
    [ $# = 0 ] || umoci config --image "$layout:$tag" --tag "$tag" "$@" >/dev/null
  }
  variant busybox
  variant nginx --clear=config.cmd --config.entrypoint nginx --config.cmd -g --config.cmd "daemon off; master process"
  variant hostnet-nginx --clear=config.cmd --config.env NGINX_PORT=12003 --config.entrypoint nginx --config.cmd -g \
    --config.cmd "daemon off; master process"
  variant httpd --clear=config.cmd --config.cmd httpd-foreground
  variant user-uid --config.user 1002
  variant user-username --config.user www-data
  variant user-uid-group --config.user 1003:1003
  variant user-username-group --config.user www-data:www-data
  variant predefined-group --config.user 1000
  distinct() {  # distinct <tag>: the base image with one more file, so an image of its own
    umoci unpack --image "$layout:base" "$work/$1" >/dev/null
    echo "$1" >"$work/$1/rootfs/$1"
    umoci repack --image "$layout:$1" "$work/$1" >/dev/null
  }
  for name in different-1 different-2 different-3 latest tag-test tag-all tags; do distinct "$name"; done
  # nonewprivs: a setuid-root program as the entrypoint.
  umoci unpack --image "$layout:base" "$work/nonewprivs" >/dev/null
  install -m 4755 -o 0 -g 0 "$2" "$work/nonewprivs/rootfs/bin/effective-uid"
  umoci repack --image "$layout:nonewprivs" "$work/nonewprivs" >/dev/null
  umoci config --image "$layout:nonewprivs" --clear=config.cmd --config.entrypoint /bin/effective-uid >/dev/null

  push() { skopeo copy -q --dest-tls-verify=false "oci:$layout:$1" "docker://$CRITEST_MIRROR/$2"; }
  push busybox e2e-test-images/busybox:1.29-2
  push nginx e2e-test-images/nginx:1.14-2
  push httpd e2e-test-images/httpd:2.4.39-4
  push nonewprivs e2e-test-images/nonewprivs:1.3
  local tools=k8s-staging-cri-tools
  push hostnet-nginx "$tools/hostnet-nginx-$(host_arch)"  # (our arch names are Go's)
  push user-uid "$tools/test-image-user-uid"
  push user-username "$tools/test-image-user-username"
  push user-uid-group "$tools/test-image-user-uid-group"
  push user-username-group "$tools/test-image-user-username-group"
  push predefined-group "$tools/test-image-predefined-group"
  push latest "$tools/test-image-latest"
  for tag in test all; do push "tag-$tag" "$tools/test-image-tag:$tag"; done
  for name in 1 2 3; do push "different-$name" "$tools/test-image-$name:latest"; done
  for tag in 1 2 3; do push tags "$tools/test-image-tags:$tag"; done
  # One image under two registries' names (both mirrored here): any image will do.
  push latest pause:3.9
  # test-image-digest@sha256:9700f9a2…: a digest only the real image has; no stand-in can.
}

CRITEST_MIRRORED=(registry.k8s.io gcr.io k8s.gcr.io)
critest_mirror_crio() {
  local host
  mkdir -p /etc/containers
  {
    echo 'unqualified-search-registries = []'
    for host in "${CRITEST_MIRRORED[@]}"; do
      printf '[[registry]]\nprefix = "%s"\nlocation = "%s"\ninsecure = true\n' "$host" "$CRITEST_MIRROR"
    done
  } >/etc/containers/registries.conf
}
critest_mirror_containerd() {
  local host
  for host in "${CRITEST_MIRRORED[@]}"; do
    mkdir -p "/etc/containerd/certs.d/$host"
    printf 'server = "https://%s"\n[host."http://%s"]\n  capabilities = ["pull", "resolve"]\n' "$host" \
      "$CRITEST_MIRROR" \
      >"/etc/containerd/certs.d/$host/hosts.toml"
  done
}

# What no runtime here can pass, whatever the sandbox image, left out so that a
# run takes minutes, not hours: the benchmarks (not validation), and AppArmor and
# SELinux (neither is enabled on this kernel).
CRITEST_SKIP='benchmark|AppArmor|SELinux'
critest_run() {  # critest_run NAME ENDPOINT [FOCUS [ATTEMPTS]]
  local name=$1 endpoint=$2 attempts=${4:-2} status=0 scratch focus=()
  [ -z "${3:-}" ] || focus=(-ginkgo.focus "$3")
  [ -n "${CRITEST_REPORTS:-}" ] || scratch_dir CRITEST_REPORTS
  mkdir -p "$CRITEST_REPORTS"
  scratch_dir scratch  # critest's own temporary directories and mounts (its mount propagation cases)
  # critest's streaming tests talk to the runtime's stream server; host ports 12000-12002 must be free.
  (cd "$CRITEST_REPORTS" && TMPDIR=$scratch timeout 1500 "$CRI_TOOLS_DIR/critest" -runtime-endpoint "$endpoint" \
    -image-endpoint "$endpoint" \
    -ginkgo.skip "$CRITEST_SKIP" "${focus[@]}" -ginkgo.flake-attempts "$attempts" -ginkgo.json-report \
      "$CRITEST_REPORTS/$name.json" -ginkgo.no-color \
    >"$CRITEST_REPORTS/$name.log" 2>&1) || status=$?
  [ -s "$CRITEST_REPORTS/$name.json" ] || fail \
    "$name: critest wrote no report (exit $status): $(tail -20 "$CRITEST_REPORTS/$name.log")"
  jq -r --arg name "$name" '[.[0].SpecReports[] | select(.LeafNodeType == "It") | .State] as $s
    | ($s | map(select(. == "passed")) | length) as $passed
    | ($s | map(select(. == "failed" or . == "panicked" or . == "timedout")) | length) as $failed
    | ($s | map(select(. == "skipped" or . == "pending")) | length) as $skipped
    | "\($name): \($passed) passed, \($failed) failed, \($skipped) skipped (critest exit '"$status"')"' \
    "$CRITEST_REPORTS/$name.json"
}
# The state of every case: "<state>\t<hierarchy and text>\t<attempts>". A case
# that failed once and passed when tried again (-ginkgo.flake-attempts) is
# "passed", with 2 attempts.
critest_cases() {
  jq -r '.[0].SpecReports[] | select(.LeafNodeType == "It")
    | "\(.State)\t\((.ContainerHierarchyTexts // []) + [.LeafNodeText] | join(" "))\t\(.NumAttempts // 0)"' \
    "$CRITEST_REPORTS/$1.json" | LC_ALL=C sort -t$'\t' -k2
}
critest_side_by_side() {  # critest_side_by_side A B
  LC_ALL=C join -t$'\t' -1 2 -2 2 -a 1 -a 2 -e absent -o 0,1.1,1.3,2.1,2.3 <(critest_cases "$1") <(critest_cases "$2") |
    awk -F'\t' -v OFS='\t' '{ if ($3 == "absent") $3 = 0; if ($5 == "absent") $5 = 0; print }'
}
critest_passed() { critest_cases "$1" | awk -F'\t' '$1 == "passed"' | wc -l; }
critest_focus() {  # critest_focus <cases: one regex, matching each case's whole text
  sed 's/[][\\.+*?(){}|^$]/\\&/g' | paste -sd'|'
}
critest_state() {  # critest_state NAME CASE
  critest_cases "$1" | CASE=$2 awk -F'\t' '$2 == ENVIRON["CASE"] { print $1 }'
}

# The gate. A case counts against our image when the control passed it and,
# with ours:
# - it was skipped, or absent from the report: at once (no timing makes a case
#   skip or vanish);
# - it failed an attempt while the control passed at its first: then both images
#   run it alone, one attempt each, for up to CRITEST_RERUNS rounds. It counts
#   against ours if ours fails it at least CRITEST_RERUN_FAILURES times while the
#   control never does; the first failure with the control clears it (it flips
#   with both), as does a round after which ours can no longer reach that count.
#   One the control passed only at its second attempt is cleared at once (the
#   control failed it too).
# Then ours must pass as many cases as the control, less those cleared, and the
# control at least FLOOR: a run in which most cases fail with both (a dead
# mirror) fails.
CRITEST_RERUNS=14 CRITEST_RERUN_FAILURES=4
critest_gate() {  # critest_gate RUNTIME FLOOR
  local runtime=$1 floor=$2 ours=$1-ours control=$1-control case state_o attempts_o state_c attempts_c
  local -a entered=() structural=() worse=() cleared=()
  local -a flipped=()
  while IFS=$'\t' read -r case state_o attempts_o state_c attempts_c; do
    [ "$state_c" = passed ] || continue
    case $state_o in
      skipped | pending | absent) structural+=("$case ($state_o with ours)") ;;
      passed) [ "$attempts_o" -le 1 ] || [ "$attempts_c" -gt 1 ] || entered+=("$case") ;;
      *) if [ "$attempts_c" -gt 1 ]; then flipped+=("$case"); else entered+=("$case"); fi ;;
    esac
  done < <(critest_side_by_side "$ours" "$control")
  # The control failed an attempt of these too: they flip with both, as if the
  # reruns had cleared them.
  for case in "${flipped[@]}"; do echo "failed with ours, failed an attempt with the control too: $case"; done
  cleared+=("${flipped[@]}")
  echo "cases that fail with both:"
  critest_side_by_side "$ours" "$control" | awk -F'\t' \
    '$2 ~ /failed|panicked|timedout/ && $4 ~ /failed|panicked|timedout/ { print "  " $1 }'
  local -a failed_o=() failed_c=() open=()
  local i round focus
  for i in "${!entered[@]}"; do failed_o[i]=0 failed_c[i]=0 open[i]=1; done
  for ((round = 1; round <= CRITEST_RERUNS && ${#open[@]} > 0; round++)); do
    focus=$(for i in "${!open[@]}"; do echo "${entered[i]}"; done | critest_focus)
    run_with ours "$focus" "-again$round" 1
    run_with control "$focus" "-again$round" 1
    for i in "${!open[@]}"; do
      ! critest_rerun_failed "$ours-again$round" "${entered[i]}" || failed_o[i]=$((failed_o[i] + 1))
      ! critest_rerun_failed "$control-again$round" "${entered[i]}" || failed_c[i]=$((failed_c[i] + 1))
      if [ "${failed_c[i]}" -gt 0 ] || [ $((failed_o[i] + CRITEST_RERUNS - round)) -lt "$CRITEST_RERUN_FAILURES" ]; then
        cleared+=("${entered[i]}")
        unset "open[i]"
      fi
    done
  done
  for i in "${!entered[@]}"; do
    echo "failed an attempt with ours, passed with the control: ${entered[i]};" \
      "alone, it failed ${failed_o[i]} times with ours, ${failed_c[i]} with the control"
    [ "${failed_c[i]}" -gt 0 ] || [ "${failed_o[i]}" -lt "$CRITEST_RERUN_FAILURES" ] || worse+=("${entered[i]}")
  done
  local passed_o passed_c
  passed_o=$(critest_passed "$ours") passed_c=$(critest_passed "$control")
  echo "passed: ours $passed_o, the control $passed_c; cleared by the reruns: ${#cleared[@]}"
  [ ${#structural[@]} = 0 ] || fail "critest cases that passed with the control and did not run with our image:
$(printf '%s\n' "${structural[@]}")"
  [ ${#worse[@]} = 0 ] || fail \
    "critest cases that failed with our image at least $CRITEST_RERUN_FAILURES times alone, never with the control:
$(printf '%s\n' "${worse[@]}")"
  [ "$passed_c" -ge "$floor" ] || fail \
    "the control passed $passed_c critest cases, fewer than the floor of $floor: the run says nothing"
  [ $((passed_o + ${#cleared[@]})) -ge "$passed_c" ] || fail \
    "our image passed $passed_o cases (+${#cleared[@]} cleared), the control $passed_c"
  pass "critest: our image does no worse than the control ($runtime: $passed_o and $passed_c passed)"
}
# critest_rerun_failed NAME CASE: 0 if CASE failed in NAME's report, 1 if it passed.
critest_rerun_failed() {
  local state
  state=$(critest_state "$1" "$2")
  case $state in
    passed) return 1 ;;
    failed | panicked | timedout) return 0 ;;
    *) fail "$1: the focus did not run '$2' (state '$state')" ;;
  esac
}
