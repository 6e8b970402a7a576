#!/usr/bin/env bash
# The test command (README, and .ci/run): installs what is missing, then builds
# and runs every test suite in Release and under ASan+UBSan, the quick
# benchmarks (validated, compared with the baseline) and short fuzz runs.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install_deps.sh
start=$SECONDS
cmake --workflow --preset release
./scripts/bench_ci.sh build/release
cmake --workflow --preset asan
# Short fuzz runs of the readers and the CLI parser (long runs: README).
./scripts/run_fuzzers.sh 20
echo "kfm: all test suites passed in $((SECONDS - start)) s"
