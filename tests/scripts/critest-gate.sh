#!/usr/bin/env bash
# critest_gate (tests/lib/critest.sh), the verdict of the e2e.critest.*
# scenarios, on made-up reports whose answer is known: it passes a clean run and
# one whose only difference flips with both images (in the reruns, or in the
# control's own attempts), and fails a case skipped or missing with ours, a
# regression on every attempt, one on half of them, and a run in which most
# cases fail with both (a dead mirror). The reruns come from a run_with that
# writes the next report of a script instead of running critest.
# Usage: critest-gate.sh
. "$(dirname "$0")/../lib/harness.sh"
load critest
needs jq deadline=120
scratch_dir CRITEST_REPORTS

# report NAME STATE:CASE[:ATTEMPTS]...: a report of ginkgo's JSON shape.
report() {
  local name=$1 spec state case attempts
  shift
  for spec in "$@"; do
    IFS=: read -r state case attempts <<<"$spec"
    jq -n --arg state "$state" --arg case "$case" --argjson attempts "${attempts:-1}" \
      '{LeafNodeType: "It", State: $state, NumAttempts: $attempts, LeafNodeText: $case,
        ContainerHierarchyTexts: ["[k8s.io] Made up"]}'
  done | jq -s '[{SpecReports: .}]' >"$CRITEST_REPORTS/$name.json"
}
# The reruns: round R of image WHO gives case C the state the script's
# rerun_state WHO R C prints.
run_with() {  # run_with WHO FOCUS SUFFIX ATTEMPTS
  local round=${3#-again} specs=() case
  [ "$4" = 1 ] || fail "a rerun with $4 attempts: the reruns count single attempts"
  for case in "${cases[@]}"; do
    [[ "[k8s.io] Made up $case" =~ ^($2)$ ]] && specs+=("$(rerun_state "$1" "$round" "$case"):$case")
  done
  report "$runtime-$1$3" "${specs[@]}"
}
cases=(steady flips regress half skipped gone)
clean=(passed:steady passed:flips passed:regress passed:half passed:skipped passed:gone)

verdict() {  # verdict <what> <expected: pass | text of the failure> <FLOOR>
  local output status=0
  output=$( (critest_gate "$runtime" "$3") 2>&1) || status=$?
  if [ "$2" = pass ]; then
    [ $status = 0 ] || fail "$1: the gate failed: $output"
  else
    [ $status != 0 ] || fail "$1: the gate passed: $output"
    [[ $output == *"$2"* ]] || fail "$1: the gate failed, but not for '$2': $output"
  fi
  pass "$1: $(tail -n 1 <<<"$output")"
}

runtime=clean
report clean-ours "${clean[@]}"
report clean-control "${clean[@]}"
verdict "the same report with both" pass 6

runtime=flaky
rerun_state() { [ "$1" = control ] && [ "$2" = 3 ] && echo failed || echo passed; }
report flaky-ours passed:steady failed:flips:2 passed:regress passed:half passed:skipped passed:gone
report flaky-control "${clean[@]}"
verdict "a case that fails with ours, then with the control once alone" pass 6
rerun_state() { [ "$1" = ours ] && [ "$2" = 1 ] && echo failed || echo passed; }
report flaky-ours passed:steady passed:flips:2 passed:regress passed:half passed:skipped passed:gone
verdict "a case that passed with ours at its second attempt, then failed once alone" pass 6
# Both attempts failed with ours, the control's first failed too: no reruns.
rerun_state() { fail "a rerun of a case the control failed an attempt of"; }
report flaky-ours passed:steady failed:flips:2 passed:regress passed:half passed:skipped passed:gone
report flaky-control passed:steady passed:flips:2 passed:regress passed:half passed:skipped passed:gone
verdict "a case that failed with ours, passed with the control at its second attempt" pass 6

runtime=regress
rerun_state() { [ "$1" = ours ] && [ "$3" = regress ] && echo failed || echo passed; }
report regress-ours passed:steady passed:flips failed:regress:2 passed:half passed:skipped passed:gone
report regress-control "${clean[@]}"
verdict "a case that fails with ours every time" "failed with our image at least 4 times alone" 6

runtime=half
rerun_state() { [ "$1" = ours ] && [ $(($2 % 2)) = 1 ] && echo failed || echo passed; }
report half-ours passed:steady passed:flips passed:regress passed:half:2 passed:skipped passed:gone
report half-control "${clean[@]}"
verdict "a case that fails every other attempt with ours" "failed with our image at least 4 times alone" 6

runtime=structural
report structural-ours passed:steady passed:flips passed:regress passed:half skipped:skipped
report structural-control "${clean[@]}"
verdict "a case skipped, one missing with ours" "skipped (skipped with ours)" 6
verdict "… and the missing one named" "gone (absent with ours)" 6

runtime=dead
report dead-ours failed:steady:2 failed:flips:2 failed:regress:2 failed:half:2 failed:skipped:2 passed:gone
report dead-control failed:steady:2 failed:flips:2 failed:regress:2 failed:half:2 failed:skipped:2 passed:gone
verdict "most cases failing with both" "fewer than the floor of 5" 5
