#!/usr/bin/python3
"""Plot kfm_bench / peers result files (matplotlib, PNG).

usage: bench_plots.py RESULT.json [PEERS.json ...] [--out-dir results/figures]

Writes, when the results hold the cases for them (float32, isotropic, t = 0.5,
threads = all cores unless said otherwise):
  pairs_vs_d.png        pairs/s vs d (m = 16384, n = 8192), one line per backend/peer
  pairs_vs_m.png        pairs/s vs m (d = 16, n = 8192)
  roofline_fraction.png fraction of the roofline vs d (m = 16384, n = 8192)
  kfm_vs_peers.png      pairs/s of every backend and peer on their shared cases
  thread_scaling.png    speed-up of all cores over 1 thread vs d (m = 16384, n = 8192)
  time_across_t.png     time per velocity vs flow time t (d = 16 and 64)
Exit 2 on an unreadable or malformed file (one-line error).
"""
import argparse
import os
import sys

from benchjson import BenchJsonError, load_all, velocity_points

plt = None  # matplotlib.pyplot, imported once the inputs are known to be good (it is slow)

KFM_ORDER = ("fused", "gemm", "reference")


def backend_rank(backend):
    return (KFM_ORDER.index(backend) if backend in KFM_ORDER else len(KFM_ORDER), backend)


def style(backend):
    """kfm backends solid with circles, peers dashed with squares."""
    return {"linestyle": "-", "marker": "o"} if backend in KFM_ORDER else \
        {"linestyle": "--", "marker": "s"}


def select(points, **fixed):
    return [p for p in points if all(p.get(k) == v for k, v in fixed.items())]


def by_backend(points):
    groups = {}
    for p in points:
        groups.setdefault(p["backend"], []).append(p)
    return sorted(groups.items(), key=lambda item: backend_rank(item[0]))


BASE = {"precision": "f32", "kernel": "iso", "t": 500}


def line_plot(points, x_axis, y_of, fixed, title, ylabel, path, logx=2, logy=True):
    chosen = select(points, **dict(BASE, **fixed))
    series = [(b, sorted(ps, key=lambda p: p[x_axis])) for b, ps in by_backend(chosen)]
    series = [(b, ps) for b, ps in series if len(ps) >= 2]
    if not series:
        return False
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for backend, ps in series:
        ax.plot([p[x_axis] for p in ps], [y_of(p) for p in ps], label=backend, **style(backend))
    if logx:
        ax.set_xscale("log", base=logx)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(x_axis)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def peers_bars(points, path):
    chosen = select(points, **dict(BASE, threads="all", m=16384, n=8192))
    cases = sorted({p["d"] for p in chosen})
    backends = sorted({p["backend"] for p in chosen}, key=backend_rank)
    if len(backends) < 2 or not cases:
        return False
    fig, ax = plt.subplots(figsize=(9, 4.5))
    width = 0.8 / len(backends)
    for i, backend in enumerate(backends):
        xs, ys = [], []
        for j, d in enumerate(cases):
            match = [p for p in chosen if p["backend"] == backend and p["d"] == d]
            if match and match[0].get("pairs/s"):
                xs.append(j + (i - (len(backends) - 1) / 2) * width)
                ys.append(match[0]["pairs/s"])
        ax.bar(xs, ys, width=width, label=backend,
               hatch=None if backend in KFM_ORDER else "//")
    ax.set_xticks(range(len(cases)))
    ax.set_xticklabels(["d=%d" % d for d in cases])
    ax.set_yscale("log")
    ax.set_ylabel("pairs/s")
    ax.set_title("kfm vs peers (f32, iso, m=16384, n=8192, t=0.5, all cores)")
    ax.grid(True, axis="y", which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def thread_scaling(points, path):
    fixed = dict(BASE, m=16384, n=8192)
    one = {(p["backend"], p["d"]): p for p in select(points, threads="1", **fixed)}
    many = {(p["backend"], p["d"]): p for p in select(points, threads="all", **fixed)}
    series = {}
    for key in one.keys() & many.keys():
        if one[key].get("pairs/s") and many[key].get("pairs/s"):
            series.setdefault(key[0], []).append((key[1], many[key]["pairs/s"] / one[key]["pairs/s"]))
    series = {b: sorted(v) for b, v in series.items() if v}
    if not series:
        return False
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for backend in sorted(series, key=backend_rank):
        xs, ys = zip(*series[backend])
        ax.plot(xs, ys, label=backend, **style(backend))
    ax.set_xscale("log", base=2)
    ax.axhline(1.0, color="gray", linewidth=0.8)
    ax.set_xlabel("d")
    ax.set_ylabel("speed-up, all cores / 1 thread")
    ax.set_title("Thread scaling (f32, iso, m=16384, n=8192, t=0.5)")
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def time_across_t(points, path):
    chosen = [p for p in points if p["precision"] == "f32" and p["kernel"] == "iso"
              and p["m"] == 16384 and p["n"] == 8192 and p["threads"] == "all"
              and p["d"] in (16, 64)]
    series = {}
    for p in chosen:
        series.setdefault((p["backend"], p["d"]), []).append((p["t"] / 1000.0, p["seconds"] * 1e3))
    series = {k: sorted(v) for k, v in series.items() if len(v) >= 2}
    if not series:
        return False
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for (backend, d) in sorted(series, key=lambda k: (backend_rank(k[0]), k[1])):
        xs, ys = zip(*series[(backend, d)])
        ax.plot(xs, ys, label="%s d=%d" % (backend, d), **style(backend))
    ax.set_yscale("log")
    ax.set_xlabel("flow time t")
    ax.set_ylabel("time per velocity (ms)")
    ax.set_title("Time across t (f32, iso, m=16384, n=8192, all cores)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def main(argv):
    parser = argparse.ArgumentParser(
        prog="bench_plots.py", description=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+", metavar="FILE.json")
    parser.add_argument("--out-dir", default="results/figures")
    args = parser.parse_args(argv)
    try:
        points = velocity_points(load_all(args.files))
    except BenchJsonError as e:
        print("bench_plots.py: error: %s" % e, file=sys.stderr)
        return 2
    global plt
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot
    plt = matplotlib.pyplot
    os.makedirs(args.out_dir, exist_ok=True)
    out = lambda name: os.path.join(args.out_dir, name)
    made = {
        "pairs_vs_d.png": line_plot(
            points, "d", lambda p: p["pairs/s"], {"m": 16384, "n": 8192, "threads": "all"},
            "Throughput vs dimension (f32, iso, m=16384, n=8192, t=0.5, all cores)", "pairs/s",
            out("pairs_vs_d.png")),
        "pairs_vs_m.png": line_plot(
            points, "m", lambda p: p["pairs/s"], {"d": 16, "n": 8192, "threads": "all"},
            "Throughput vs support size (f32, iso, d=16, n=8192, t=0.5, all cores)", "pairs/s",
            out("pairs_vs_m.png")),
        "roofline_fraction.png": line_plot(
            points, "d", lambda p: p.get("roofline_fraction") or float("nan"),
            {"m": 16384, "n": 8192, "threads": "all"},
            "Fraction of the roofline 4d/peak + 1/exp_rate (f32, iso, m=16384, n=8192)",
            "fraction of roofline", out("roofline_fraction.png"), logy=False),
        "kfm_vs_peers.png": peers_bars(points, out("kfm_vs_peers.png")),
        "thread_scaling.png": thread_scaling(points, out("thread_scaling.png")),
        "time_across_t.png": time_across_t(points, out("time_across_t.png")),
    }
    written = [name for name, ok in made.items() if ok]
    skipped = [name for name, ok in made.items() if not ok]
    print("bench_plots.py: wrote %s in %s%s" % (
        ", ".join(written) or "nothing", args.out_dir,
        "; no data for %s" % ", ".join(skipped) if skipped else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
