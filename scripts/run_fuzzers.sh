#!/usr/bin/env bash
# Builds the `fuzz` preset (clang, libFuzzer, ASan + UBSan) and runs every
# fuzzer for SECONDS seconds each (default 60) on a scratch copy of its seed
# corpus (fuzz/corpus/<target>/), so the committed corpus is never modified.
# Exits non-zero on the first finding; the crashing input is kept in
# build/fuzz/findings/<target>/ for a regression test.
#   scripts/run_fuzzers.sh [SECONDS]            # e.g. 30 in CI, 3600+ for a long run
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j2
out=build/fuzz
# Strict: any single allocation above -malloc_limit_mb (= -rss_limit_mb) is a finding.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
for target in npy_reader_fuzzer csv_reader_fuzzer cli_args_fuzzer; do
  work="$out/work/$target"
  findings="$out/findings/$target"
  log="$out/work/$target.log"
  rm -rf "$work"
  mkdir -p "$work" "$findings"
  cp fuzz/corpus/"$target"/* "$work"/
  echo "== $target: ${seconds} s"
  status=0
  "$out/fuzz/$target" -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=4096 -timeout=10 \
    -artifact_prefix="$findings/" -print_final_stats=1 "$work" >"$log" 2>&1 || status=$?
  grep -E "stat::(number_of_executed_units|average_exec_per_sec)" "$log" || true
  if [ "$status" -ne 0 ]; then
    tail -n 60 "$log" >&2
    echo "kfm: $target found a problem (status $status); input saved in $findings/" >&2
    exit 1
  fi
done
echo "kfm: fuzzers ran ${seconds} s each with no finding"
