#!/usr/bin/python3
"""Validate kfm_bench (or peers_bench.py) result files, for CI.

usage: validate_bench_json.py FILE.json [FILE.json ...] [--peers] [--require-all-backends]

Checks: the Google Benchmark schema (benchmarks[] with names and finite times);
the kfm context (commit, compiler, flags, ISA, oneTBB, CPU, calibration) or, with
--peers, the peers' context (numpy, BLAS); every BM_Velocity run carries the
counters pairs/s, GFLOP/s, roofline_fraction, extra_bytes and neff_mean (finite,
pairs/s > 0); every BM_Calibration run carries its rate; and no benchmark was
skipped with an error (a failed result check). --require-all-backends: every
backend listed in the context (kfm_backends) has at least one BM_Velocity run.

Exit 0 when valid, 1 when a check fails (each failure on its own line), 2 when a
file is unreadable or not Google Benchmark JSON.
"""
import argparse
import math
import sys

from benchjson import BenchJsonError, load, velocity_case

VELOCITY_COUNTERS = ("pairs/s", "GFLOP/s", "roofline_fraction", "extra_bytes", "neff_mean")
KFM_CONTEXT = ("kfm_commit", "kfm_compiler", "kfm_cxx_flags", "kfm_build_type", "kfm_isa",
               "kfm_backends", "tbb_version", "tbb_threads", "cpu_model",
               "calib_fma_gflops_threads:1", "calib_exp_gexps_threads:1",
               "calib_bandwidth_gbs_threads:1")
PEERS_CONTEXT = ("numpy_version", "blas", "cpu_model")
CALIBRATION_RATES = ("GFLOP/s", "Gexp/s", "GB/s")


def validate(result, peers, require_all_backends):
    """List of one-line problems (empty when valid) and of warnings."""
    problems, warnings = [], []
    path = result.path
    for key in PEERS_CONTEXT if peers else KFM_CONTEXT:
        if not str(result.context.get(key, "")).strip():
            problems.append("%s: context has no '%s'" % (path, key))
    velocity_backends = set()
    for key, runs in result.runs.items():
        for run in runs:
            if run.error is not None:
                problems.append("%s: %s failed: %s" % (path, key, run.error))
                continue
            if key.startswith("BM_Velocity/"):
                case = velocity_case(key)
                if case is None:
                    problems.append("%s: %s: name does not follow BM_Velocity/<backend>/"
                                    "<precision>/<kernel>/d:/m:/n:/t:/threads:" % (path, key))
                else:
                    velocity_backends.add(case["backend"])
                for counter in VELOCITY_COUNTERS:
                    value = run.counters.get(counter)
                    if value is None or not math.isfinite(value):
                        problems.append("%s: %s: counter '%s' missing or not finite"
                                        % (path, key, counter))
                if run.counters.get("pairs/s", 1.0) <= 0:
                    problems.append("%s: %s: pairs/s is not positive" % (path, key))
                fraction = run.counters.get("roofline_fraction")
                if fraction is not None and fraction > 1.0:
                    warnings.append("%s: %s: roofline_fraction %.2f > 1 (calibration too low?)"
                                    % (path, key, fraction))
            elif key.startswith("BM_Calibration/"):
                if not any(r in run.counters for r in CALIBRATION_RATES):
                    problems.append("%s: %s: no rate counter (%s)"
                                    % (path, key, ", ".join(CALIBRATION_RATES)))
    if not velocity_backends:
        problems.append("%s: no BM_Velocity results" % path)
    if require_all_backends and not peers:
        listed = [b for b in str(result.context.get("kfm_backends", "")).split(",") if b]
        for backend in listed:
            if backend not in velocity_backends:
                problems.append("%s: backend '%s' is registered but has no BM_Velocity run"
                                % (path, backend))
    return problems, warnings


def main(argv):
    parser = argparse.ArgumentParser(
        prog="validate_bench_json.py", description=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+", metavar="FILE.json")
    parser.add_argument("--peers", action="store_true", help="files come from peers_bench.py")
    parser.add_argument("--require-all-backends", action="store_true",
                        help="every registered backend must have a BM_Velocity run")
    args = parser.parse_args(argv)
    all_problems = []
    for path in args.files:
        try:
            result = load(path)
        except BenchJsonError as e:
            print("validate_bench_json.py: error: %s" % e, file=sys.stderr)
            return 2
        problems, warnings = validate(result, args.peers, args.require_all_backends)
        for w in warnings:
            print("warning: %s" % w, file=sys.stderr)
        all_problems += problems
        if not problems:
            runs = sum(len(r) for r in result.runs.values())
            print("%s: valid (%d benchmarks, %d runs)" % (path, len(result.runs), runs))
    for p in all_problems:
        print("invalid: %s" % p, file=sys.stderr)
    return 1 if all_problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
