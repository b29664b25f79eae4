#!/usr/bin/env bash
# Installs, on Debian 12 (as root; a no-op when all is there already):
#   install-deps.sh                 everything the build, tests, images and benchmark use
#   install-deps.sh --build ARCH    only what building bin/pause-linux-ARCH needs
#   install-deps.sh --print-deb-src [APT_DIR]
#                                   the deb-src entry it would add, derived from
#                                   APT_DIR's sources (default /etc/apt); nothing installed
#   install-deps.sh --print-mirror [APT_DIR]
#                                   the Debian mirror those sources use (for debootstrap)
#   install-deps.sh --deb-src       only the deb-src entry (written, and indexed, when it differs)
# Used by `make deps`, CI and the Dockerfile's builder stage.
set -euo pipefail
arches=$(dirname "$0")/../cmake/arches.sh
host=$("$arches" host)
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")

# The deb-src entry for `apt-get source musl` (riscv64's musl is built from
# Debian's source): the same URIs and keyring as the machine's own entry for
# <codename> main, in deb822 or one-line form, so that it works with a local or
# corporate mirror too. Prints "present" if the sources already have one.
deb_src_entry() {
  local apt_dir=$1 want=${2:-entry} files=() file
  for file in "$apt_dir"/sources.list "$apt_dir"/sources.list.d/*.list "$apt_dir"/sources.list.d/*.sources; do
    [ -f "$file" ] && [ "${file##*/}" != pause-deb-src.sources ] && files+=("$file")
  done
  [ ${#files[@]} -gt 0 ] || return 1
  awk -v codename="$codename" -v want="$want" '
    function has(list, word,   n, i, parts) {
      n = split(list, parts, /[ \t]+/)
      for (i = 1; i <= n; i++) if (parts[i] == word) return 1
      return 0
    }
    function emit(uri, keyring) {
      if (done || uri == "") return
      mirror = uri
      entry = sprintf("Types: deb-src\nURIs: %s\nSuites: %s\nComponents: main\n", uri, codename)
      if (keyring != "") entry = entry sprintf("Signed-By: %s\n", keyring)
      done = 1
    }
    function stanza_end() {
      if (has(suites, codename) && has(components, "main") && enabled != "no") {
        if (has(types, "deb-src")) present = 1
        if (has(types, "deb")) emit(uris, signed)
      }
      types = uris = suites = components = signed = enabled = ""
    }
    FNR == 1 { stanza_end() }
    FILENAME ~ /\.sources$/ {
      if ($0 ~ /^[ \t]*$/) { stanza_end(); next }
      if ($0 ~ /^#/) next
      key = tolower($1); value = $0; sub(/^[^:]*:[ \t]*/, "", value)
      if (key == "types:") types = value
      else if (key == "uris:") { split(value, first, /[ \t]+/); uris = first[1] }
      else if (key == "suites:") suites = value
      else if (key == "components:") components = value
      else if (key == "signed-by:") signed = value
      else if (key == "enabled:") enabled = tolower(value)
      next
    }
    $1 == "deb-src" {
      n = split($0, word, /[ \t]+/)
      for (i = 3; i < n; i++) if (word[i] == codename) for (j = i + 1; j <= n; j++) if (word[j] == "main") present = 1
    }
    $1 == "deb" {
      line = $0; keyring = ""
      if (match(line, /\[[^]]*\]/)) {
        options = substr(line, RSTART + 1, RLENGTH - 2)
        line = substr(line, 1, RSTART - 1) substr(line, RSTART + RLENGTH)
        if (match(options, /signed-by=[^ \t]+/)) keyring = substr(options, RSTART + 10, RLENGTH - 10)
      }
      n = split(line, word, /[ \t]+/)
      if (n >= 4 && word[3] == codename) {
        for (i = 4; i <= n; i++) if (word[i] == "main") emit(word[2], keyring)
      }
    }
    END {
      stanza_end()
      if (want == "mirror") { if (!done) exit 1; print mirror }
      else if (present) print "present"
      else if (done) printf "%s", entry
      else exit 1
    }
  ' "${files[@]}"
}

case ${1:-} in
  --print-deb-src | --print-mirror)
    want=entry
    [ "$1" = --print-deb-src ] || want=mirror
    deb_src_entry "${2:-/etc/apt}" "$want" \
      || { echo "no 'deb' entry for $codename main in ${2:-/etc/apt}" >&2; exit 1; }
    exit 0 ;;
esac

# Compiler and musl for one arch. An arch Debian 12 has no musl-dev for (the
# table's musl column: source) gets Debian's musl source compiled by the build
# (cmake/build-musl.sh), hence dpkg-dev.
build_packages() {
  local arch=$1 triple debian_arch
  triple=$("$arches" get "$arch" gnu-triple) || exit 2
  debian_arch=$("$arches" get "$arch" debian-arch)
  echo cmake make g++ binutils musl-tools musl-dev
  if [ "$arch" != "$host" ]; then
    echo "g++-$triple"
    if [ "$("$arches" get "$arch" musl)" = source ]; then
      echo dpkg-dev
    else
      dpkg --print-foreign-architectures | grep -qx "$debian_arch" || dpkg --add-architecture "$debian_arch"
      echo "musl-dev:$debian_arch"
    fi
  fi
}

packages=()
if [ "${1:-}" = --deb-src ]; then
  packages=(dpkg-dev)
elif [ "${1:-}" = --build ]; then
  read -r -a packages <<<"$(build_packages "$2" | tr '\n' ' ')"
else
  for arch in $("$arches" list); do
    read -r -a more <<<"$(build_packages "$arch" | tr '\n' ' ')"
    packages+=("${more[@]}")
    # The VM its suites run in on its own kernel (tests/vm): qemu-system-<cpu>=<package>.
    vm_qemu=$("$arches" get "$arch" vm-qemu)
    [ "$vm_qemu" = - ] || packages+=("${vm_qemu#*=}")
  done
  packages+=(
    git procps jq util-linux iproute2 curl
    # tests: GoogleTest, qemu-user for the foreign binaries, static analysis
    libgtest-dev libgmock-dev qemu-user-static binfmt-support clang-tidy cppcheck clang-format
    # GoogleTest's source, built for each arch whose suites run in a VM
    googletest
    # images and the end-to-end runtimes
    buildah podman skopeo umoci runc crun containerd docker.io busybox-static debootstrap seccomp
    # the operator's path: a private registry (TLS, basic auth), the CRI client, CNI
    docker-registry apache2-utils openssl libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev
    protobuf-compiler containernetworking-plugins iptables
    # pods in user namespaces (rootless podman), signing, SBOM validation
    uidmap slirp4netns gnupg nodejs npm
    # benchmark peers and tools
    catatonit tini strace faketime
    # the runtimes built from their release sources (scripts/build-runtimes.sh),
    # and what CRI-O runs with
    golang-go libseccomp-dev pkg-config conmon libsqlite3-dev libglib2.0-dev
  )
fi

missing=()
for package in $(printf '%s\n' "${packages[@]}" | sort -u); do
  # A package another source already provides under another version counts
  # (nodejs from NodeSource ships npm).
  if [ "$package" = npm ] && command -v npm >/dev/null; then continue; fi
  dpkg-query -W -f '${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
need_update=false
if printf '%s\n' "${packages[@]}" | grep -qx dpkg-dev; then
  # `apt-get source musl` needs Debian's source index. Idempotent: the entry is
  # derived again each time, and written (then indexed) only when it differs.
  src_list=/etc/apt/sources.list.d/pause-deb-src.sources
  entry=$(deb_src_entry /etc/apt) || { echo \
    "no 'deb' entry for $codename main in /etc/apt: cannot add its deb-src" >&2; exit 1; }
  if [ "$entry" = present ]; then
    [ ! -f "$src_list" ] || { rm -f "$src_list"; need_update=true; }
  elif [ "$(cat "$src_list" 2>/dev/null)" != "$entry" ]; then
    printf '%s\n' "$entry" >"$src_list"
    echo "wrote $src_list"
    need_update=true
  fi
fi
if [ ${#missing[@]} -gt 0 ] || $need_update; then
  # A foreign-arch security index may fail to download ("mirror sync in
  # progress"): what matters is that the install below succeeds.
  apt-get update -q >/dev/null 2>&1 || echo "apt-get update reported errors; going on" >&2
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
# The SBOM validator (CycloneDX's own library, from the npm registry), at the
# versions tests/sbom/package-lock.json pins, once per machine.
if [ -z "${1:-}" ]; then
  validator=/opt/pause-sbom-validator
  sbom_tests=$(dirname "$0")/../tests/sbom
  if ! cmp -s "$sbom_tests/package-lock.json" "$validator/package-lock.json" || [ ! -d "$validator/node_modules" ]; then
    mkdir -p "$validator"
    cp "$sbom_tests/package.json" "$sbom_tests/package-lock.json" "$validator/"
    npm ci --prefix "$validator" --no-audit --no-fund --loglevel=error >/dev/null
    echo "installed the SBOM validator in $validator"
  fi
fi
# Each VM's kernel and busybox, into a cache outside the checkout (scripts/vm-assets.sh).
if [ -z "${1:-}" ]; then
  for arch in $("$arches" list); do
    [ "$("$arches" get "$arch" vm-kernel)" = - ] || echo "VM of $arch: $("$(dirname "$0")/vm-assets.sh" "$arch")"
  done
fi
echo "prerequisites installed"
