# A private registry for the operator's-path scenarios (`load registry`, in a
# scenario that `needs net`): Debian's
# docker-registry (distribution 2.8) with its storage in a scratch directory,
# TLS with a CA made here (openssl), basic auth with a bcrypt htpasswd file, on
# port 443 of an address of the scenario's own network namespace, and known as
# registry.example through the scenario's private /etc/hosts, so that the docs'
# commands, which name registry.example, run verbatim. The address is not a
# loopback one: CRI-O skips TLS verification for registries in 127.0.0.0/8
# (as Docker does), and a registry there would let an untrusted CA pass.
#
# start_registry sets:
#   REGISTRY=registry.example   REGISTRY_CA_DIR (holds ca.crt only, as skopeo and podman want it)
#   REGISTRY_USER / REGISTRY_PASSWORD (the docs' example credentials)
#   OTHER_CA_DIR (a CA that did not sign the registry's certificate: negative controls)
REGISTRY=registry.example
REGISTRY_ADDRESS=10.253.0.1  # on the loopback interface of the scenario's network namespace
REGISTRY_USER=pause-puller
REGISTRY_PASSWORD=pause-example-password

# make_ca DIR: a CA in DIR (ca.crt, ca.key). make_server_cert DIR: a server
# certificate for registry.example and its address, signed by DIR's CA.
make_ca() {
  local dir=$1
  mkdir -p "$dir"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=pause test CA $RANDOM" \
    -keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null
}
make_server_cert() {
  local dir=$1
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$REGISTRY" -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
  printf 'subjectAltName=DNS:%s,IP:%s\n' "$REGISTRY" "$REGISTRY_ADDRESS" >"$dir/san.ext"
  openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial -days 2 \
    -extfile "$dir/san.ext" -out "$dir/server.crt" 2>/dev/null
}

registry_answers() { curl -s --cacert "$REGISTRY_CA_DIR/ca.crt" -o /dev/null -w '%{http_code}' "https://$REGISTRY/v2/" |
  grep -qx 401; }

start_registry() {
  need_tool docker-registry
  need_tool htpasswd apache2-utils
  need_tool openssl
  need_tool curl
  local dir
  scratch_dir dir
  # Keys stay apart: a cert dir with *.key files asks skopeo for client certificates.
  make_ca "$dir/keys"
  make_server_cert "$dir/keys"
  make_ca "$dir/other-keys"
  REGISTRY_CA_DIR=$dir/ca
  OTHER_CA_DIR=$dir/other-ca
  mkdir -p "$REGISTRY_CA_DIR" "$OTHER_CA_DIR"
  cp "$dir/keys/ca.crt" "$REGISTRY_CA_DIR/"
  cp "$dir/other-keys/ca.crt" "$OTHER_CA_DIR/"
  htpasswd -Bbn "$REGISTRY_USER" "$REGISTRY_PASSWORD" >"$dir/htpasswd" 2>/dev/null
  # registry.example is an address of this namespace, for this scenario only.
  local hosts
  hosts=$(mktemp "$dir/hosts.XXXXXX")
  { cat /etc/hosts; echo "$REGISTRY_ADDRESS $REGISTRY"; } >"$hosts"
  mount --bind "$hosts" /etc/hosts
  on_exit umount -l /etc/hosts
  serve_registry "$dir" "$REGISTRY_ADDRESS:443" "  tls:
    certificate: \"$dir/keys/server.crt\"
    key: \"$dir/keys/server.key\"
auth:
  htpasswd:
    realm: pause-test
    path: \"$dir/htpasswd\""
  wait_for 30 registry_answers || fail "the registry did not start: $(tail -5 "$dir/registry.log")"
  pass "registry at https://$REGISTRY ($REGISTRY_ADDRESS:443 of this scenario's network namespace), TLS and basic auth"
}

# serve_registry <dir> <address:port> [YAML]: Debian's docker-registry on that
# address (added to the namespace's lo), its storage in <dir>, YAML (TLS under
# http, auth) added to its configuration; stopped at exit.
serve_registry() {
  local dir=$1 address=${2%:*} pid
  need_tool docker-registry
  [ -n "$(ip -o addr show to "$address")" ] || ip addr add "$address/32" dev lo
  {
    cat <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: "$dir/storage"
http:
  addr: $2
YAML
    [ -z "${3:-}" ] || printf '%s\n' "$3"
  } >"$dir/config.yml"
  docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
  pid=$!
  on_exit stop_job "$pid"
}
stop_job() {  # stop_job PID: a background job of the scenario, ended and waited for (bounded)
  kill "$1" 2>/dev/null
  wait_bounded "$1" 20 || true
}

# registry_auth_file VAR: a containers-auth.json with the registry's credentials
# (what `podman login` or `skopeo login` store), path in $VAR, removed at exit.
registry_auth_file() {
  local made
  made=$(mktemp)
  on_exit rm -f "$made"
  printf '{"auths":{"%s":{"auth":"%s"}}}' "$REGISTRY" \
    "$(printf '%s:%s' "$REGISTRY_USER" "$REGISTRY_PASSWORD" | base64 -w0)" >"$made"
  printf -v "$1" '%s' "$made"
}
# trust_registry_ca: the registry's CA where the docs put it for skopeo and
# podman (/etc/containers/certs.d/registry.example/ca.crt, a private copy of /etc/containers).
trust_registry_ca() {
  private_etc containers
  mkdir -p "/etc/containers/certs.d/$REGISTRY"
  cp "$REGISTRY_CA_DIR/ca.crt" "/etc/containers/certs.d/$REGISTRY/"
}
