#!/usr/bin/python3
"""Turn kfm_bench / peers result files into Markdown tables.

usage: bench_tables.py RESULT.json [PEERS.json ...] [--out-dir results/tables]

Writes, in the output folder:
  velocity.md      every BM_Velocity case: time, pairs/s, GFLOP/s, fraction of
                   the roofline, extra memory, mean n_eff
  kfm_vs_peers.md  pairs/s (and % of roofline) of every backend and peer side by
                   side, on the cases that more than one of them ran
  calibration.md   the machine, build and calibrated rates behind the roofline
"threads:all" is the machine's core count (recorded in the context). Repeated runs
are summarized by their median; failed runs are listed, never tabulated.
Exit 2 on an unreadable or malformed file (one-line error).
"""
import argparse
import os
import sys

from benchjson import BenchJsonError, failed_runs, load_all, velocity_points

KFM_ORDER = ("fused", "gemm", "reference")
CASE_AXES = ("precision", "kernel", "d", "m", "n", "t", "threads")


def si(value, unit=""):
    if value is None:
        return "-"
    for prefix, scale in (("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(value) >= scale:
            return "%.3g %s%s" % (value / scale, prefix, unit)
    return "%.3g %s" % (value, unit) if unit else "%.3g" % value


def ms(seconds):
    return "%.4g" % (seconds * 1e3)


def percent(fraction):
    return "-" if fraction is None else "%.2g%%" % (100.0 * fraction)


def mib(value):
    if value is None:
        return "-"
    if value < 0:
        return "n/a"
    return "%.3g" % (value / (1 << 20))


def backend_rank(backend):
    return (KFM_ORDER.index(backend) if backend in KFM_ORDER else len(KFM_ORDER), backend)


def case_sort_key(p):
    return (p["precision"], p["kernel"], p["t"], str(p["threads"]), p["n"], p["m"], p["d"])


def case_label(p):
    return "%s/%s/d:%d/m:%d/n:%d/t:%d/threads:%s" % tuple(p[a] for a in CASE_AXES)


def velocity_table(points):
    lines = ["| backend | precision | kernel | d | m | n | t | threads | time (ms) | pairs/s "
             "| GFLOP/s | % of roofline | extra MiB | mean n_eff |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for p in sorted(points, key=lambda p: (backend_rank(p["backend"]), case_sort_key(p))):
        lines.append("| %s | %s | %s | %d | %d | %d | %.3g | %s | %s | %s | %s | %s | %s | %s |" % (
            p["backend"], p["precision"], p["kernel"], p["d"], p["m"], p["n"], p["t"] / 1000.0,
            p["threads"], ms(p["seconds"]), si(p.get("pairs/s")),
            "%.3g" % p["GFLOP/s"] if p.get("GFLOP/s") is not None else "-",
            percent(p.get("roofline_fraction")), mib(p.get("extra_bytes")),
            "%.3g" % p["neff_mean"] if p.get("neff_mean") is not None else "-"))
    return "\n".join(lines) + "\n"


def peers_table(points):
    by_case = {}
    for p in points:
        by_case.setdefault(case_label(p), {})[p["backend"]] = p
    shared = {c: b for c, b in by_case.items() if len(b) > 1}
    if not shared:
        return "No case was run by more than one backend or peer.\n"
    backends = sorted({b for row in shared.values() for b in row}, key=backend_rank)
    lines = ["pairs/s (% of the roofline) per case; higher is better.", "",
             "| case | " + " | ".join(backends) + " |",
             "|---|" + "---:|" * len(backends)]
    rows = sorted(shared.items(), key=lambda item: case_sort_key(next(iter(item[1].values()))))
    for case, row in rows:
        cells = []
        for b in backends:
            p = row.get(b)
            cells.append("-" if p is None else "%s (%s)" % (si(p.get("pairs/s")),
                                                            percent(p.get("roofline_fraction"))))
        lines.append("| %s | %s |" % (case, " | ".join(cells)))
    return "\n".join(lines) + "\n"


CONTEXT_KEYS = ("cpu_model", "num_cpus", "tbb_threads", "kfm_commit", "kfm_compiler",
                "kfm_cxx_flags", "kfm_build_type", "kfm_isa", "calibration_isa", "tbb_version",
                "kfm_backends", "kfm_sweep", "date", "blas", "numpy_version", "torch_version")


def calibration_table(results):
    lines = []
    for result in results:
        c = result.context
        lines += ["### %s" % result.path, "", "| key | value |", "|---|---|"]
        for key in CONTEXT_KEYS + tuple(sorted(k for k in c if k.startswith("calib_"))):
            if key in c:
                lines.append("| %s | %s |" % (key, str(c[key]).replace("|", "\\|")))
        for key, runs in result.runs.items():
            if key.startswith("BM_Calibration/") and runs[0].error is None:
                rates = ", ".join("%s %.4g" % (k, v) for k, v in runs[0].counters.items())
                lines.append("| %s | %s |" % (key, rates))
        lines.append("")
    return "\n".join(lines)


def write(path, title, body):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("# %s\n\n%s" % (title, body))
    os.replace(tmp, path)


def main(argv):
    parser = argparse.ArgumentParser(
        prog="bench_tables.py", description=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+", metavar="FILE.json")
    parser.add_argument("--out-dir", default="results/tables")
    args = parser.parse_args(argv)
    try:
        results = load_all(args.files)
    except BenchJsonError as e:
        print("bench_tables.py: error: %s" % e, file=sys.stderr)
        return 2
    points = velocity_points(results)
    failures = failed_runs(results)
    failed_text = "".join("- FAILED %s (%s): %s\n" % (k, f, m) for f, k, m in failures)
    sources = "Source: %s\n\n" % ", ".join(args.files)
    os.makedirs(args.out_dir, exist_ok=True)
    write(os.path.join(args.out_dir, "velocity.md"), "Velocity benchmarks",
          sources + velocity_table(points) + ("\n" + failed_text if failed_text else ""))
    write(os.path.join(args.out_dir, "kfm_vs_peers.md"), "kfm vs peers",
          sources + peers_table(points))
    write(os.path.join(args.out_dir, "calibration.md"), "Machine and calibration",
          calibration_table(results))
    print("bench_tables.py: wrote velocity.md, kfm_vs_peers.md, calibration.md in %s "
          "(%d cases, %d failed runs)" % (args.out_dir, len(points), len(failures)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
