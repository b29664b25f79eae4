#!/usr/bin/env bash
# A fresh clone, as a newcomer gets it, at a path with upper case and a space (with
# this checkout's uncommitted changes laid over it): README's two commands,
# verbatim (make deps, make, the binary's -v, make check), then `make test` for a
# subset of the arches, the host's and the first foreign one under test (as the
# guides' `make test ARCHES="amd64 arm64"`), its image tests only (CTEST_ARGS; not
# image.self-build, 25 minutes): they pass, and the image holds those platforms and
# no other. What runs in the clone learns its arches from make, never from the table.
# Usage: subset.sh   (the arches under test: PAUSE_ARCHES)
. "$(dirname "$0")/../lib/harness.sh"
needs root git jq arches deadline=1700
host=$(host_arch)
foreign=""
for arch in "${test_arches[@]}"; do [ "$arch" = "$host" ] || { foreign=$arch; break; }; done
[ -n "$foreign" ] || missing "no foreign arch in PAUSE_ARCHES (${test_arches[*]}) to make a subset with"
subset="$host $foreign"

scratch_dir work
clone="$work/Fresh Clone/Of Pause"
git clone -q "$top" "$clone"
(cd "$top" && { git diff --name-only HEAD; git ls-files --others --exclude-standard; } | sort -u \
  | while IFS= read -r path; do
      if [ -e "$path" ]; then cp --parents -a "$path" "$clone/"; else rm -f "$clone/$path"; fi
    done)
pass "cloned $(git -C "$top" rev-parse --short HEAD) to $clone, with this checkout's changes"
cd "$clone"

# README's two commands. Their output goes to a log; its tail is shown if they fail.
eval "$(readme_snippet README.md two-commands)" >"$work/two-commands.log" 2>&1 \
  || { tail -40 "$work/two-commands.log" >&2; fail "README's two commands failed in a fresh clone"; }
grep -q "^pause v$version" "$work/two-commands.log" || fail "the binary's -v line is not in the output"
summary=$(grep -E '^[0-9]+% tests passed' "$work/two-commands.log" | tail -n 1)
pass "README's two commands: $(grep -m1 "^pause v" "$work/two-commands.log"), make check: $summary"

make test ARCHES="$subset" CTEST_ARGS="-L image -E image.self-build" >"$work/subset.log" 2>&1 \
  || { tail -60 "$work/subset.log" >&2; fail "make test ARCHES=\"$subset\" failed in a fresh clone"; }
pass "make test ARCHES=\"$subset\" (image tests): $(grep -E '^[0-9]+% tests passed' "$work/subset.log" | tail -n 1)"
layout=build/host/tests/image/oci
list=$(jq -r '.manifests[0].digest' "$layout/index.json")
expect_eq "the image's platforms" "$subset" \
  "$(jq -r '[.manifests[].platform.architecture] | join(" ")' "$layout/blobs/${list/://}")"
expect_eq "binaries built" "$(printf 'pause-linux-%s\n' $subset | sort | paste -sd' ')" \
  "$(cd bin && ls pause-linux-* | grep -v '\.' | sort | paste -sd' ')"
