#!/usr/bin/env bash
# The test command (README, and .ci/run): installs what is missing, then builds
# and runs every test suite in Release and under ASan+UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install_deps.sh
start=$SECONDS
cmake --workflow --preset release
./scripts/bench_ci.sh build/release
cmake --workflow --preset asan
echo "kfm: all test suites passed in $((SECONDS - start)) s"
