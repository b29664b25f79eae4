# Signed images as docs/verifying.md publishes and enforces them (`load
# signing`, in a scenario that `needs net gpg=gnupg skopeo`), after start_registry:
#   signing_setup <image dir> <foreign image archive>
#       keys made here (never committed): ours (the docs' identity) and someone
#       else's; the docs' registries.d (lookaside to read, lookaside-staging to
#       write); `make push … SIGN_BY=…` as the docs say, signing the index and
#       every platform's manifest into the staging store, published at once
#       over HTTP (busybox httpd, http://sigstore.example on the namespace's
#       lo); refused images pushed beside ours: $REGISTRY/pause:unsigned and
#       $REGISTRY/pause:other-key; the docs' key export and policy.json in
#       /etc/pki/containers and /etc/containers (private copies). The
#       registry's credentials are in $REGISTRY_AUTH_FILE; the working directory
#       is a checkout-like directory (in_readme_dir) for the docs' commands.
SIGSTORE_HOST=sigstore.example
SIGSTORE_ADDRESS=10.253.0.3
SIGNATURES=/var/lib/containers/sigstore  # the docs' lookaside-staging

signing_setup() {
  local image_dir=$1 foreign=$2 gpg_home auth pushed signatures other_key
  trust_registry_ca
  private_etc pki
  mkdir -p /etc/pki/containers /etc/containers/registries.d "$SIGNATURES"
  scratch_dir gpg_home
  chmod 0700 "$gpg_home"
  export GNUPGHOME=$gpg_home
  # RSA: CRI-O built with Go's openpgp (as its static releases are, and ours) cannot check ed25519.
  gpg --batch --passphrase '' --quick-gen-key 'Pause Release <release@pause.example>' rsa3072 sign never 2>/dev/null
  gpg --batch --passphrase '' --quick-gen-key 'Someone Else <else@other.example>' rsa3072 sign never 2>/dev/null
  other_key=$(gpg --list-secret-keys --with-colons else@other.example | awk -F: '$1 == "fpr" { print $10; exit }')

  # The lookaside server: the staging store, published as it is written.
  [ -n "$(ip -o addr show to "$SIGSTORE_ADDRESS")" ] || ip addr add "$SIGSTORE_ADDRESS/32" dev lo
  echo "$SIGSTORE_ADDRESS $SIGSTORE_HOST" >>/etc/hosts  # (the scenario's private copy, start_registry's)
  busybox httpd -f -p "$SIGSTORE_ADDRESS:80" -h "$SIGNATURES" &
  on_exit kill $!
  lookaside_answers() { curl -s -o /dev/null -w '%{http_code}' "http://$SIGSTORE_HOST/" | grep -q .; }
  wait_for 10 lookaside_answers || fail "the lookaside server did not start"

  readme_snippet docs/verifying.md registries-d >"/etc/containers/registries.d/$REGISTRY.yaml"
  registry_auth_file auth
  export REGISTRY_AUTH_FILE=$auth
  in_readme_dir "$image_dir"
  pushed=$(eval "$(readme_snippet docs/verifying.md make-push-signed)") || fail "the signed push failed: $pushed"
  [[ $pushed == *"signed by "* ]] || fail "make push did not sign: $pushed"
  signatures=$(find "$SIGNATURES" -name 'signature-*' | wc -l)
  expect_eq "signatures in the lookaside store (the index and every platform's manifest)" \
    "$((${#test_arches[@]} + 1))" "$signatures"
  # Images to refuse, under the same repository: unsigned, and signed by another
  # key (in Docker's manifest format, so that its digest, and so its signature,
  # is not the unsigned one's).
  skopeo copy -q "oci-archive:$foreign" "docker://$REGISTRY/pause:unsigned"
  skopeo copy -q --format v2s2 --sign-by "$other_key" "oci-archive:$foreign" "docker://$REGISTRY/pause:other-key"
  eval "$(readme_snippet docs/verifying.md export-key)"
  readme_snippet docs/verifying.md policy-json >/etc/containers/policy.json
}
