#!/usr/bin/env bash
# The benchmark main job: runs kfm_bench (already built) and the peers, then
# regenerates the Markdown tables and the figures. Builds nothing.
#
# usage: scripts/run_benchmarks.sh BUILD_DIR [--quick] [--machine NAME] [--no-peers]
#                                  [-- extra kfm_bench flags...]
#   writes results/bench/<machine>/<UTC timestamp>.json (kfm_bench) and
#          results/bench/<machine>/<UTC timestamp>-peers.json (peers),
#          results/tables/*.md and results/figures/*.png.
#   <machine> defaults to the CPU model and core count, e.g. amd-epyc-2c.
# Exit status: non-zero if kfm_bench or the peers failed (a failed result check
# included); tables and figures are still written from what was measured.
set -uo pipefail
script="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
cd "$(dirname "$script")/.."

usage() { sed -n '5,12p' "$script" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[[ $# -ge 1 && $1 != -* ]] || usage
build_dir=$1; shift
quick=(); machine=""; peers=1; extra=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --quick) quick=(--quick); shift ;;
    --machine) [[ $# -ge 2 ]] || usage; machine=$2; shift 2 ;;
    --no-peers) peers=0; shift ;;
    --) shift; extra=("$@"); break ;;
    *) echo "run_benchmarks.sh: error: unknown argument '$1'" >&2; usage ;;
  esac
done
bench="$build_dir/kfm_bench"
if [[ ! -x $bench ]]; then
  echo "run_benchmarks.sh: error: $bench not found (build the kfm_bench target first)" >&2
  exit 2
fi
if [[ -z $machine ]]; then
  model=$(grep -m1 '^model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- || true)
  machine=$(echo "${model:-unknown}" | tr 'A-Z' 'a-z' | sed -E 's/\(r\)|\(tm\)|cpu|processor//g; s/[^a-z0-9]+/-/g; s/^-+|-+$//g')
  machine="${machine}-$(nproc)c"
fi
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out_dir="results/bench/$machine"
mkdir -p "$out_dir" results/tables results/figures
result="$out_dir/$stamp.json"
peers_result="$out_dir/$stamp-peers.json"
status=0

start=$SECONDS
echo "== kfm_bench ${quick[*]} -> $result"
"$bench" "${quick[@]}" --benchmark_out="$result" --benchmark_out_format=json "${extra[@]}" || status=1
echo "== kfm_bench took $((SECONDS - start)) s"

files=("$result")
if ((peers)); then
  start=$SECONDS
  echo "== peers ${quick[*]} -> $peers_result"
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 scripts/peers_bench.py \
    "${quick[@]}" --calibration "$result" --out "$peers_result" || status=1
  echo "== peers took $((SECONDS - start)) s"
  [[ -f $peers_result ]] && files+=("$peers_result")
fi

if [[ -f $result ]]; then
  /usr/bin/python3 scripts/bench_tables.py "${files[@]}" --out-dir results/tables || status=1
  /usr/bin/python3 scripts/bench_plots.py "${files[@]}" --out-dir results/figures || status=1
else
  echo "run_benchmarks.sh: error: kfm_bench wrote no result file" >&2
  status=1
fi
echo "== results: ${files[*]}, results/tables/, results/figures/ (exit $status)"
exit $status
