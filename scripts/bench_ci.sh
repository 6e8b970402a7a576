#!/usr/bin/env bash
# CI's benchmark step: the --quick set of kfm_bench (3 repetitions, so compare's
# noise rule applies), JSON validation (schema, counters, every result check
# passed, every registered backend ran), and the comparison with the committed
# baseline, printed but never failing on machine noise. Builds nothing.
#
# usage: scripts/bench_ci.sh BUILD_DIR [OUT.json]   (default OUT: BUILD_DIR/bench-quick.json)
set -euo pipefail
script_dir="$(cd "$(dirname "$0")" && pwd)"
cd "$script_dir/.."
if [[ $# -lt 1 || $# -gt 2 ]]; then
  sed -n '7p' "$script_dir/bench_ci.sh" | sed 's/^# //' >&2
  exit 2
fi
build_dir=$1
out=${2:-$build_dir/bench-quick.json}
start=$SECONDS
"$build_dir/kfm_bench" --quick --benchmark_repetitions=3 \
  --benchmark_out="$out" --benchmark_out_format=json
/usr/bin/python3 scripts/validate_bench_json.py --require-all-backends "$out"
echo "== comparison with results/bench/baseline/quick.json (informative: other machine, noise)"
/usr/bin/python3 scripts/compare results/bench/baseline/quick.json "$out"
echo "kfm: quick benchmarks passed in $((SECONDS - start)) s ($out)"
