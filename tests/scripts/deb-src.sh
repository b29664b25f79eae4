#!/usr/bin/env bash
# scripts/install-deps.sh derives the deb-src entry it needs (Debian's musl
# source, for riscv64) from the machine's own apt sources, whatever their form
# and mirror, and adding it is idempotent.
# Usage: deb-src.sh
. "$(dirname "$0")/../lib/harness.sh"
needs root mounts deadline=300
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
derive() { "$top/scripts/install-deps.sh" --print-deb-src "$1"; }
scratch_dir apt

# One-line form, a corporate mirror with its own keyring; the security suite is not it.
mkdir -p "$apt/one-line/sources.list.d"
cat >"$apt/one-line/sources.list" <<LIST
# a comment
deb [arch=amd64 signed-by=/etc/apt/keyrings/corp.gpg] https://mirror.corp.example/debian $codename main contrib
deb https://mirror.corp.example/debian-security $codename-security main
LIST
expected=$(printf 'Types: deb-src\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s' \
  https://mirror.corp.example/debian "$codename" /etc/apt/keyrings/corp.gpg)
expect_eq "from a one-line entry" "$expected" "$(derive "$apt/one-line")"

# deb822 form, a local mirror, after a stanza for -updates only.
mkdir -p "$apt/deb822/sources.list.d"
cat >"$apt/deb822/sources.list.d/local.sources" <<SOURCES
Types: deb
URIs: http://apt.local:3142/debian
Suites: $codename-updates
Components: main

Types: deb
URIs: http://apt.local:3142/debian
Suites: $codename $codename-updates
Components: main non-free-firmware
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
expected=$(printf 'Types: deb-src\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s' \
  http://apt.local:3142/debian "$codename" /usr/share/keyrings/debian-archive-keyring.gpg)
expect_eq "from a deb822 stanza" "$expected" "$(derive "$apt/deb822")"

# Already there: nothing to add.
printf 'deb-src http://apt.local:3142/debian %s main\n' "$codename" >"$apt/deb822/sources.list"
expect_eq "when a deb-src entry exists" present "$(derive "$apt/deb822")"

# Nothing for the release: a clear error, not a guess.
mkdir -p "$apt/none/sources.list.d"
echo "deb http://deb.debian.org/debian sid main" >"$apt/none/sources.list"
if message=$(derive "$apt/none" 2>&1); then fail "derived an entry from sources without $codename: $message"; fi
pass "without a $codename entry: $message"

# This machine, in a scratch copy of /etc/apt: the installer writes the entry
# once, and a second run changes nothing.
private_etc apt
rm -f /etc/apt/sources.list.d/pause-deb-src.sources
first=$("$top/scripts/install-deps.sh" --deb-src)
[[ $first == *"wrote /etc/apt/sources.list.d/pause-deb-src.sources"* ]] || fail "the first run wrote nothing: $first"
expect_eq "the entry written" "$(derive /etc/apt)" "$(cat /etc/apt/sources.list.d/pause-deb-src.sources)"
second=$("$top/scripts/install-deps.sh" --deb-src)
[[ $second != *wrote* ]] || fail "a second run wrote again: $second"
pass "a second run changes nothing: $second"
