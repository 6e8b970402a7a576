#!/usr/bin/env bash
# The main job (README): installs what is missing, builds kfm in Release, and
# runs it end to end on generated data.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install_deps.sh
cmake --preset release
cmake --build --preset release

demo=results/demo
mkdir -p "$demo"
/usr/bin/python3 - "$demo" <<'PY'
import sys, numpy as np
rng = np.random.default_rng(7)
np.save(f"{sys.argv[1]}/support.npy", rng.normal(size=(1000, 16)))
np.save(f"{sys.argv[1]}/queries.npy", rng.normal(size=(256, 16)))
PY
./build/release/kfm velocity --support "$demo/support.npy" --queries "$demo/queries.npy" \
  --t 0.5 --out "$demo/velocity.npy" --neff "$demo/neff.csv"
echo "kfm: wrote $demo/velocity.npy and $demo/neff.csv"
