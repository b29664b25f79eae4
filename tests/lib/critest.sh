# critest, Kubernetes' CRI validation suite (cri-tools 1.26), run against a
# runtime twice: with our image as its sandbox image and with a control (`load
# critest`, in a scenario that `needs net built=cri-tools-1.26`).
#
# critest pulls its test images by fixed references (registry.k8s.io/e2e-test-images/…,
# gcr.io/k8s-staging-cri-tools/…). With no internet, a registry of the scenario's
# own serves stand-ins, reached by the runtime as a mirror of both hosts:
#   critest_mirror            the registry (plain HTTP, no auth, on 10.253.0.2:5000 of
#                             the namespace's lo) with every stand-in pushed to it
#   critest_mirror_crio       /etc/containers/registries.conf: both hosts from the mirror
#   critest_mirror_containerd hosts.toml for both hosts under /etc/containerd/certs.d
#   critest_run NAME ENDPOINT [FOCUS]
#                             critest against a CRI socket (only the cases FOCUS, a
#                             regex, matches if given); its JSON report is
#                             $CRITEST_REPORTS/NAME.json (a scratch directory unless
#                             CRITEST_REPORTS is set), its output NAME.log, a summary
#                             line on stdout
#   critest_compare OURS CONTROL FLOOR
#                             fails if fewer than FLOOR cases ran with either; prints
#                             the cases that failed with both
#   critest_differing OURS CONTROL
#                             the cases that failed with ours and passed with the
#                             control, one a line
#   critest_focus             a regex matching the cases on stdin (their whole texts)
#   critest_state NAME CASE   the state of one case in NAME's report
#
# The stand-ins do what the tests do in the real images (pkg/validate/*.go):
# busybox with every applet as a hard link (a test masks /bin/ls) and an `ipcs -m`
# (Debian's busybox has none) that lists /proc/sysvipc/shm; nginx and the host
# network nginx (busybox httpd on 80 and 12003, PID 1's command line naming its
# "master process", its pid in /var/run/nginx.pid, a process named nginx); httpd
# (busybox httpd, logging "httpd -D FOREGROUND" as Apache does); nonewprivs (a
# setuid-root program printing "Effective uid: N", tests/e2e/critest/effective_uid.cpp);
# and cri-tools' test images: USER as a uid, a name, uid:group, name:group, a user
# with a group predefined in /etc/group, and tags (three images, one image thrice).
load registry pod-checks

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
  printf '#!/bin/sh\n# ipcs -m, as util-linux prints the ids of shared memory segments\necho "------ Shared Memory Segments --------"\necho "key        shmid      owner      perms      bytes      nattch     status"\nawk '"'"'NR > 1 { printf "0x%%08x %%-10s %%-10s %%-10s %%-10s %%-10s\\n", $1, $2, $8, $3, $4, $7 }'"'"' /proc/sysvipc/shm\n' >"$root/bin/ipcs"
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
  cat >"$root/bin/nginx" <<'NGINX'
#!/bin/sh
echo $$ >/var/run/nginx.pid
httpd -f -p "${NGINX_PORT:-80}" -h /www
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
  # test-image-digest@sha256:9700f9a2…: a digest only the real image has; no stand-in can.
}

critest_mirror_crio() {
  mkdir -p /etc/containers
  {
    echo 'unqualified-search-registries = []'
    for host in registry.k8s.io gcr.io; do
      printf '[[registry]]\nprefix = "%s"\nlocation = "%s"\ninsecure = true\n' "$host" "$CRITEST_MIRROR"
    done
  } >/etc/containers/registries.conf
}
critest_mirror_containerd() {
  local host
  for host in registry.k8s.io gcr.io; do
    mkdir -p "/etc/containerd/certs.d/$host"
    printf 'server = "https://%s"\n[host."http://%s"]\n  capabilities = ["pull", "resolve"]\n' "$host" "$CRITEST_MIRROR" \
      >"/etc/containerd/certs.d/$host/hosts.toml"
  done
}

# What no runtime here can pass, whatever the sandbox image, left out so that a
# run takes minutes, not hours: the benchmarks (not validation), and AppArmor and
# SELinux (neither is enabled on this kernel).
CRITEST_SKIP='benchmark|AppArmor|SELinux'
critest_run() {  # critest_run NAME ENDPOINT [FOCUS]
  local name=$1 endpoint=$2 status=0 scratch focus=()
  [ -z "${3:-}" ] || focus=(-ginkgo.focus "$3")
  [ -n "${CRITEST_REPORTS:-}" ] || scratch_dir CRITEST_REPORTS
  mkdir -p "$CRITEST_REPORTS"
  scratch_dir scratch  # critest's own temporary directories and mounts (its mount propagation cases)
  # critest's streaming tests talk to the runtime's stream server; host ports 12000-12002 must be free.
  (cd "$CRITEST_REPORTS" && TMPDIR=$scratch timeout 1500 "$CRI_TOOLS_DIR/critest" -runtime-endpoint "$endpoint" -image-endpoint "$endpoint" \
    -ginkgo.skip "$CRITEST_SKIP" "${focus[@]}" -ginkgo.flake-attempts 2 -ginkgo.json-report "$CRITEST_REPORTS/$name.json" -ginkgo.no-color \
    >"$CRITEST_REPORTS/$name.log" 2>&1) || status=$?
  [ -s "$CRITEST_REPORTS/$name.json" ] || fail "$name: critest wrote no report (exit $status): $(tail -20 "$CRITEST_REPORTS/$name.log")"
  jq -r --arg name "$name" '[.[0].SpecReports[] | select(.LeafNodeType == "It") | .State] as $s
    | "\($name): \($s | map(select(. == "passed")) | length) passed, \($s | map(select(. == "failed" or . == "panicked" or . == "timedout")) | length) failed, \($s | map(select(. == "skipped" or . == "pending")) | length) skipped (critest exit '"$status"')"' \
    "$CRITEST_REPORTS/$name.json"
}
# The state of every case: "<state>\t<hierarchy and text>". A case that failed
# once and passed when run again (-ginkgo.flake-attempts) counts as passed, in
# both runs alike.
critest_cases() {
  jq -r '.[0].SpecReports[] | select(.LeafNodeType == "It")
    | "\(.State)\t\((.ContainerHierarchyTexts // []) + [.LeafNodeText] | join(" "))"' "$CRITEST_REPORTS/$1.json" |
    LC_ALL=C sort -t$'\t' -k2
}
critest_compare() {  # critest_compare OURS CONTROL FLOOR
  local ours=$1 control=$2 floor=$3 ran
  for name in "$ours" "$control"; do
    ran=$(critest_cases "$name" | awk -F'\t' '$1 == "passed" || $1 == "failed" || $1 == "panicked" || $1 == "timedout"' | wc -l)
    [ "$ran" -ge "$floor" ] || fail "$name: $ran critest cases ran, fewer than the floor of $floor"
  done
  echo "cases that fail with both $ours and $control:"
  critest_side_by_side "$ours" "$control" | awk -F'\t' '$2 == "failed" && $3 == "failed" { print "  " $1 }'
}
critest_differing() {  # critest_differing OURS CONTROL
  critest_side_by_side "$1" "$2" | awk -F'\t' '$2 != "passed" && $2 != "skipped" && $3 == "passed" { print $1 }'
}
# "<case>\t<state with A>\t<state with B>" for every case of both reports.
critest_side_by_side() {  # critest_side_by_side A B
  LC_ALL=C join -t$'\t' -1 2 -2 2 <(critest_cases "$1") <(critest_cases "$2")
}
critest_focus() {  # critest_focus <cases: one regex, matching each case's whole text
  sed 's/[][\\.+*?(){}|^$]/\\&/g' | paste -sd'|'
}
critest_state() {  # critest_state NAME CASE
  critest_cases "$1" | CASE=$2 awk -F'\t' '$2 == ENVIRON["CASE"] { print $1 }'
}
