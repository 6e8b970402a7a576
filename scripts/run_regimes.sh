#!/usr/bin/env bash
# The failure-regime experiments end to end: kfm regimes -> JSON -> figures,
# tables and the claim checks of issue 5.
#   scripts/run_regimes.sh           full run: results/regimes/regimes.json,
#                                    results/figures/regimes_*.png, results/tables/regimes*.md
#   scripts/run_regimes.sh --quick   CI: a small run into build/regimes-quick/ (committed
#                                    results untouched); fails if a quick-supported claim fails
# KFM=path/to/kfm overrides the binary (default build/release/kfm).
set -euo pipefail
cd "$(dirname "$0")/.."
kfm=${KFM:-build/release/kfm}
if [[ "${1:-}" == "--quick" ]]; then
  dir=build/regimes-quick
  mkdir -p "$dir"
  "$kfm" regimes all --quick --out "$dir/regimes.json"
  /usr/bin/python3 scripts/regimes_plots.py "$dir/regimes.json" --outdir "$dir/figures" > /dev/null
  /usr/bin/python3 scripts/regimes_tables.py "$dir/regimes.json" --outdir "$dir/tables" > /dev/null
  exec /usr/bin/python3 scripts/check_regimes.py "$dir/regimes.json"
fi
mkdir -p results/regimes results/figures results/tables
nice "$kfm" regimes all --out results/regimes/regimes.json
/usr/bin/python3 scripts/regimes_plots.py results/regimes/regimes.json --outdir results/figures
/usr/bin/python3 scripts/regimes_tables.py results/regimes/regimes.json --outdir results/tables
/usr/bin/python3 scripts/check_regimes.py results/regimes/regimes.json
