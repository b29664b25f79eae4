#!/usr/bin/env bash
# The critest tables of docs/cluster.md, from the reports the e2e.critest.*
# scenarios keep (build/host/tests/critest): per runtime, cases passed, failed
# and skipped with our image beside the control, and the cases that failed with both.
# Usage: table.sh [reports dir]   (default: build/host/tests/critest)
set -euo pipefail
reports=${1:-build/host/tests/critest}
count() { jq -r --arg state "$2" '[.[0].SpecReports[] | select(.LeafNodeType == "It") | .State
  | if . == "panicked" or . == "timedout" then "failed" elif . == "pending" then "skipped" else . end
  | select(. == $state)] | length' "$reports/$1.json"; }
echo "| runtime | our image: passed / failed / skipped | control (catatonit -P): passed / failed / skipped |"
echo "|---|---|---|"
runtimes="containerd-2.3 crio-1.36 crio-1.36-drop-infra"
for runtime in $runtimes; do
  [ -f "$reports/$runtime-ours.json" ] || continue
  row="| $runtime |"
  for who in ours control; do
    row+=" $(count "$runtime-$who" passed) / $(count "$runtime-$who" failed) / $(count "$runtime-$who" skipped) |"
  done
  echo "$row"
done
echo
for runtime in $runtimes; do
  [ -f "$reports/$runtime-ours.json" ] || continue
  echo "Failed with both on $runtime:"
  for who in ours control; do
    jq -r '.[0].SpecReports[] | select(.LeafNodeType == "It")
      | select(.State == "failed" or .State == "panicked" or .State == "timedout") | .LeafNodeText' \
      "$reports/$runtime-$who.json" | sort -u
  done | sort | uniq -d | sed 's/^/- /'
done
