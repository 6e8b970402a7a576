#!/usr/bin/env bash
# The main job (README): installs what is missing (with PyTorch for the peers),
# builds kfm in Release, runs the default benchmark sweep with the peers and
# the failure-regime experiments, and regenerates the JSON, tables and figures
# under results/.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install_deps.sh python3-torch
cmake --preset release
cmake --build --preset release

# kfm_bench's default sweep and the peers -> results/bench/<machine>/, tables, figures.
./scripts/run_benchmarks.sh build/release
# kfm regimes all -> results/regimes/regimes.json, figures, tables, claim checks.
./scripts/run_regimes.sh

# A velocity on generated data, as a user would run it on their own files.
demo=build/demo
mkdir -p "$demo"
/usr/bin/python3 - "$demo" <<'PY'
import sys, numpy as np
rng = np.random.default_rng(7)
np.save(f"{sys.argv[1]}/support.npy", rng.normal(size=(1000, 16)))
np.save(f"{sys.argv[1]}/queries.npy", rng.normal(size=(256, 16)))
PY
./build/release/kfm velocity --support "$demo/support.npy" --queries "$demo/queries.npy" \
  --t 0.5 --out "$demo/velocity.npy" --neff "$demo/neff.csv"
/usr/bin/python3 scripts/readme_tables.py README.md
echo "kfm: main job done; results in results/ (demo velocity in $demo/)"
