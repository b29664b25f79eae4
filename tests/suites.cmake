# The process-level suites, the one list of them (tests/ and tests/vm/ include this file):
# tests/<suite>/<suite>_test.cpp, one executable each, so that CTest labels follow the suite.
#   PAUSE_SUITES            every suite, quickest first. On the host arch each is also labelled
#                           fast: what `make check` runs (ctest -L fast) and what `make mutants`
#                           runs against each mutant (tests/mutants/run.sh asks CTest for it),
#                           with the lint checks and artefact.reproducible. stress's long part
#                           (StressLong.*) has the label stress-long instead.
#   PAUSE_SANITIZED_SUITES  those run again built with ASan and UBSan (label sanitize)
#   PAUSE_VM_SUITES         those run in a VM of each foreign arch on its own kernel (tests/vm);
#                           artefact is about the file, not a kernel
# Where a new test goes: CONTRIBUTING.md.
set(PAUSE_SUITES behaviour startup artefact pid1 inherited arguments stress)
set(PAUSE_SANITIZED_SUITES behaviour pid1 inherited arguments)
set(PAUSE_VM_SUITES behaviour pid1 inherited startup arguments stress)
