#!/usr/bin/env bash
# Copies the multi-arch pause image from an OCI layout (make image's out/oci)
# to a registry: every platform, digests preserved (the index digest in the
# registry is the one `make image` printed), then checks what the registry
# holds and prints the pushed reference with its digest.
#   scripts/push-image.sh <out dir> <registry>/<repo>:<tag>        (make push IMAGE=…)
# Environment (make push passes its variables of these names on):
#   REGISTRY_CREDS    user:password (default: what skopeo finds, e.g. after `skopeo login`);
#                     given to skopeo in a private auth file, never on a command line
#   REGISTRY_CA_DIR   a directory holding the registry's CA as ca.crt
#                     (default: the system's trust store and /etc/containers/certs.d)
#   TLS_VERIFY        true (default) or false
#   SIGN_BY           a GPG key's fingerprint: sign the index and every platform's manifest
#                     ("simple signing"); the signatures go to the lookaside staging location
#                     registries.d configures for the registry (GNUPGHOME: the keyring)
#   REGISTRIES_D      that registries.d directory (default: /etc/containers/registries.d)
set -euo pipefail
out=${1:-}
image=${2:-}
die() { echo "push: $*" >&2; exit 1; }
# skopeo's last error line, without its log prefix (time=… level=fatal msg="…").
last_error() { grep -v '^\s*$' "$1" | tail -n 1 | sed -E 's/^time="[^"]*" level=[a-z]+ msg="(.*)"$/\1/; s/\\"/"/g'; }
[ -n "$image" ] || die "no image given: make push IMAGE=<registry>/<repo>:<tag>"
[[ $image == */*:* && $image != *@* ]] || die "IMAGE must be <registry>/<repo>:<tag>, not '$image'"
[[ ${TLS_VERIFY:-true} =~ ^(true|false)$ ]] || die "TLS_VERIFY must be true or false, not '${TLS_VERIFY}'"
version=$(cat "$(dirname "$0")/../VERSION")
[ -f "$out/oci/index.json" ] || die "$out/oci not found: run make image first"
command -v skopeo >/dev/null || die "skopeo not found: apt-get install skopeo"
index_digest=$(jq -r --arg tag "$version" \
  '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $tag) | .digest' "$out/oci/index.json")
[ -n "$index_digest" ] || die "$out/oci has no image tagged $version: run make image again"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The same settings for the copy (--dest-…) and for reading it back.
push_options=(--dest-tls-verify="${TLS_VERIFY:-true}")
read_options=(--tls-verify="${TLS_VERIFY:-true}")
if [ -n "${REGISTRY_CA_DIR:-}" ]; then
  [ -f "$REGISTRY_CA_DIR/ca.crt" ] || die "REGISTRY_CA_DIR=$REGISTRY_CA_DIR holds no ca.crt"
  push_options+=(--dest-cert-dir "$REGISTRY_CA_DIR")
  read_options+=(--cert-dir "$REGISTRY_CA_DIR")
fi
if [ -n "${REGISTRY_CREDS:-}" ]; then
  [[ $REGISTRY_CREDS == ?*:?* ]] || die "REGISTRY_CREDS must be user:password"
  (umask 077 && jq -n --arg host "${image%%/*}" --arg auth "$(printf '%s' "$REGISTRY_CREDS" | base64 -w0)" \
    '{auths: {($host): {auth: $auth}}}' >"$work/auth.json")
  push_options+=(--dest-authfile "$work/auth.json")
  read_options+=(--authfile "$work/auth.json")
fi

global_options=()
[ -z "${REGISTRIES_D:-}" ] || global_options+=(--registries.d "$REGISTRIES_D")
if [ -n "${SIGN_BY:-}" ]; then
  command -v gpg >/dev/null || die "SIGN_BY needs gpg: apt-get install gnupg"
  gpg --batch --list-secret-keys "$SIGN_BY" >/dev/null 2>&1 || die \
    "SIGN_BY=$SIGN_BY: no such secret key in ${GNUPGHOME:-~/.gnupg}"
  push_options+=(--sign-by "$SIGN_BY")
fi
if ! skopeo "${global_options[@]}" copy -q --all --preserve-digests "${push_options[@]}" "oci:$out/oci:$version" \
  "docker://$image" 2>"$work/error"; then
  die "$image: $(last_error "$work/error")"
fi
# What the registry serves under that tag now: the index, byte for byte.
if ! skopeo inspect --raw "${read_options[@]}" "docker://$image" >"$work/index" 2>"$work/error"; then
  die "pushed, but cannot read $image back: $(last_error "$work/error")"
fi
pushed_digest=sha256:$(sha256sum <"$work/index" | cut -d' ' -f1)
[ "$pushed_digest" = "$index_digest" ] || die "$image is $pushed_digest in the registry, not $index_digest"
echo "pushed ${image%:*}@$pushed_digest ($image, every platform of $out/oci${SIGN_BY:+, signed by $SIGN_BY})"
