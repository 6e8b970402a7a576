#!/usr/bin/python3
"""Peers of kfm's velocity, timed on kfm_bench's grid and written in its JSON schema.

usage: peers_bench.py --out FILE.json [--quick] [--calibration KFM.json]
                      [--peers numpy-gemm,torch-naive,torch-gemm] [--min-time S]
                      [--repetitions R]

Peers (float32, isotropic kernel, the same velocity u = (m_h(x/t) - (1-sigma_min) x)
/ sigma_t as kfm, sigma_min = 0.01):
  numpy-gemm   logits as one GEMM plus a per-key bias (SPEC identity 4), blocked
               over queries; numpy's BLAS (OpenBLAS when libopenblas0-pthread is
               installed) runs the GEMMs, numpy's exp/max/sum are single-threaded.
  torch-naive  the straightforward research-code form: an n x m x d difference
               tensor (blocked over queries to bound memory), squared norms,
               softmax, weighted mean. Skipped when n*m*d > 2.2e9 (too slow).
  torch-gemm   the GEMM form with torch.addmm + torch.softmax.
torch peers run only when `import torch` works (Debian: python3-torch).

Names follow kfm_bench: BM_Velocity/<peer>/f32/iso/d:../m:../n:../t:../threads:../real_time.
Each thread count runs in its own child process with OPENBLAS_NUM_THREADS,
OMP_NUM_THREADS and torch.set_num_threads set to it, and without
OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (so OpenBLAS detects the CPU itself).
Every case checks its answer on 16 sampled queries against a float64 numpy
computation with kfm's accuracy contract (err(U) <= 3e-4); a mismatch is
reported as error_occurred, never timed. Inputs are N(0, I) from numpy's
seeded generator (the distribution of kfm_bench's inputs, not the same numbers).
Counters: pairs/s, GFLOP/s (4d flops per pair), roofline_fraction (with
--calibration: the calib_* rates of a kfm_bench result file from this machine),
extra_bytes (estimate of the blocked temporaries), neff_mean (over the checked
queries), check_err_u.
"""
import argparse
import datetime
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time

SIGMA_MIN = 0.01
CHECK_ROWS = 16
TOLERANCE_F32 = 3e-4
NAIVE_BUDGET = 2.2e9  # n * m * d elements for torch-naive
ALL_PEERS = ("numpy-gemm", "torch-naive", "torch-gemm")
DIMS = (2, 4, 8, 16, 32, 64, 128, 256, 768)
SUPPORT_SIZES = (64, 1024, 16384, 65536)


def cpu_count():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def grid(quick, all_threads):
    """(d, m, n, t_milli, threads) cases: a subset of kfm_bench's sweep."""
    cases = []
    def add(*c):
        if c not in cases:
            cases.append(c)
    if quick:
        add(16, 1024, 256, 500, all_threads)
        add(64, 1024, 256, 500, all_threads)
        return cases
    for d in (2, 16, 64):
        add(d, 1024, 256, 500, all_threads)
    for d in DIMS:
        add(d, 16384, 8192, 500, all_threads)
    for m in SUPPORT_SIZES:
        add(16, m, 8192, 500, all_threads)
    for d in (16, 64):
        add(d, 16384, 256, 500, all_threads)
    if all_threads > 1:
        for d in (4, 16, 64, 256):
            add(d, 16384, 8192, 500, 1)
    return cases


def case_name(peer, d, m, n, t_milli, threads):
    return "BM_Velocity/%s/f32/iso/d:%d/m:%d/n:%d/t:%d/threads:%d" % (
        peer, d, m, n, t_milli, threads)


# ---------------------------------------------------------------- child side

def make_inputs(np, d, m, n):
    # Rows are drawn in order: the first 256 queries are the same for n = 256 and 8192.
    x = np.random.default_rng(1000 + d).standard_normal((n, d)).astype(np.float32)
    s = np.random.default_rng(2000 + d).standard_normal((m, d)).astype(np.float32)
    return x, s


def schedule(t):
    sigma_t = 1.0 - (1.0 - SIGMA_MIN) * t
    scale = 0.5 * (t / sigma_t) ** 2  # 1 / (2 h^2), h = sigma_t / t
    return sigma_t, scale


def numpy_gemm(np):
    def velocity(x, s, t):
        sigma_t, scale = schedule(t)
        n, m = x.shape[0], s.shape[0]
        xt = x / np.float32(t)
        s2 = s * np.float32(2.0 * scale)
        bias = (np.float32(scale) * np.einsum("ij,ij->i", s, s)).astype(np.float32)
        u = np.empty_like(x)
        block = max(1, min(n, (1 << 23) // m))
        for b in range(0, n, block):
            logits = xt[b:b + block] @ s2.T
            logits -= bias
            logits -= logits.max(axis=1, keepdims=True)
            np.exp(logits, out=logits)
            mean = logits @ s
            mean /= logits.sum(axis=1, keepdims=True)
            u[b:b + block] = (mean - np.float32(1.0 - SIGMA_MIN) * x[b:b + block]) / np.float32(sigma_t)
        return u

    def extra_bytes(n, m, d):
        block = max(1, min(n, (1 << 23) // m))
        return 4 * (block * m + 2 * n * d + m * d + m)
    return velocity, extra_bytes


def torch_naive(torch):
    def velocity(x, s, t):
        sigma_t, scale = schedule(t)
        n, m, d = x.shape[0], s.shape[0], s.shape[1]
        u = torch.empty_like(x)
        block = max(1, min(n, (1 << 24) // (m * d)))
        for b in range(0, n, block):
            xt = x[b:b + block] / t
            diff = xt[:, None, :] - s[None, :, :]
            logits = -(diff * diff).sum(dim=-1) * scale
            w = torch.softmax(logits, dim=1)
            u[b:b + block] = (w @ s - (1.0 - SIGMA_MIN) * x[b:b + block]) / sigma_t
        return u

    def extra_bytes(n, m, d):
        block = max(1, min(n, (1 << 24) // (m * d)))
        return 4 * (2 * block * m * d + 2 * block * m + 2 * block * d)
    return velocity, extra_bytes


def torch_gemm(torch):
    def velocity(x, s, t):
        sigma_t, scale = schedule(t)
        n, m = x.shape[0], s.shape[0]
        xt = x / t
        s2t = (s * (2.0 * scale)).T.contiguous()
        bias = scale * (s * s).sum(dim=1)
        u = torch.empty_like(x)
        block = max(1, min(n, (1 << 23) // m))
        for b in range(0, n, block):
            logits = torch.addmm(-bias, xt[b:b + block], s2t)
            w = torch.softmax(logits, dim=1)
            u[b:b + block] = (w @ s - (1.0 - SIGMA_MIN) * x[b:b + block]) / sigma_t
        return u

    def extra_bytes(n, m, d):
        block = max(1, min(n, (1 << 23) // m))
        return 4 * (2 * block * m + 2 * n * d + m * d + m)
    return velocity, extra_bytes


def reference_sample(np, x, s, t):
    """float64 velocity and n_eff at CHECK_ROWS evenly spread rows, from explicit differences."""
    sigma_t, scale = schedule(t)
    n = x.shape[0]
    k = min(CHECK_ROWS, n)
    rows = [0] if k == 1 else [i * (n - 1) // (k - 1) for i in range(k)]
    s64 = s.astype(np.float64)
    u, neff = [], []
    for r in rows:
        x64 = x[r].astype(np.float64)
        diff = x64 / t - s64
        logits = -scale * np.einsum("ij,ij->i", diff, diff)
        w = np.exp(logits - logits.max())
        w /= w.sum()
        u.append((w @ s64 - (1.0 - SIGMA_MIN) * x64) / sigma_t)
        neff.append(1.0 / np.sum(w * w))
    return rows, np.array(u), float(np.mean(neff))


def check(np, u, rows, u_ref):
    got = np.asarray(u[rows], dtype=np.float64)
    if not np.all(np.isfinite(got)):
        return float("inf")
    return float(np.max(np.abs(got - u_ref)) / (1.0 + np.max(np.abs(u_ref))))


def run_child(args):
    import numpy as np
    peers = {}
    wanted = args.peers.split(",")
    if "numpy-gemm" in wanted:
        peers["numpy-gemm"] = numpy_gemm(np)
    torch = None
    if "torch-naive" in wanted or "torch-gemm" in wanted:
        try:
            import torch
            torch.set_num_threads(args.threads)
        except ImportError:
            torch = None
    if torch is not None:
        if "torch-naive" in wanted:
            peers["torch-naive"] = torch_naive(torch)
        if "torch-gemm" in wanted:
            peers["torch-gemm"] = torch_gemm(torch)
    benchmarks, skipped = [], []
    for (d, m, n, t_milli, threads) in grid(args.quick, args.all_threads):
        if threads != args.threads:
            continue
        t = t_milli / 1000.0
        x, s = make_inputs(np, d, m, n)
        rows, u_ref, neff_mean = reference_sample(np, x, s, t)
        for peer, (velocity, extra_bytes) in peers.items():
            name = case_name(peer, d, m, n, t_milli, threads)
            if peer == "torch-naive" and float(n) * m * d > NAIVE_BUDGET:
                skipped.append(name)
                continue
            if peer.startswith("torch"):
                xin, sin = torch.from_numpy(x), torch.from_numpy(s)
                as_numpy = lambda u: u.numpy()
            else:
                xin, sin = x, s
                as_numpy = lambda u: u
            for rep in range(args.repetitions):
                entry = {"name": name + "/real_time", "run_name": name + "/real_time",
                         "run_type": "iteration", "repetitions": args.repetitions,
                         "repetition_index": rep, "threads": 1}
                u = as_numpy(velocity(xin, sin, t))  # warm-up, and the answer to check
                err = check(np, u, rows, u_ref)
                if not err <= TOLERANCE_F32:
                    entry.update({"error_occurred": True, "error_message":
                                  "result check failed: err(U) = %.3g > 3e-04 vs the reference "
                                  "on %d sampled queries" % (err, len(rows)),
                                  "iterations": 0, "real_time": 0.0, "cpu_time": 0.0,
                                  "time_unit": "ms"})
                    benchmarks.append(entry)
                    break
                iterations, start, cpu_start = 0, time.perf_counter(), time.process_time()
                while True:
                    u = velocity(xin, sin, t)
                    iterations += 1
                    elapsed = time.perf_counter() - start
                    if elapsed >= args.min_time:
                        break
                cpu = time.process_time() - cpu_start
                err = max(err, check(np, as_numpy(u), rows, u_ref))
                pairs = float(n) * m
                entry.update({
                    "iterations": iterations,
                    "real_time": 1e3 * elapsed / iterations,
                    "cpu_time": 1e3 * cpu / iterations,
                    "time_unit": "ms",
                    "GFLOP/s": pairs * 4 * d * iterations / elapsed * 1e-9,
                    "check_err_u": err,
                    "extra_bytes": float(extra_bytes(n, m, d)),
                    "neff_mean": neff_mean,
                    "pairs/s": pairs * iterations / elapsed,
                })
                benchmarks.append(entry)
            print("peers: %s done" % name, file=sys.stderr, flush=True)
    with open(args.child_out, "w", encoding="utf-8") as f:
        json.dump({"benchmarks": benchmarks, "skipped": skipped}, f)
    return 0


# --------------------------------------------------------------- parent side

def cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def blas_in_use():
    """Which BLAS numpy really loaded (from this process's memory map)."""
    import numpy as np
    a = np.ones((64, 64), dtype=np.float32)
    _ = a @ a
    libs = set()
    try:
        with open("/proc/self/maps", encoding="utf-8") as f:
            for line in f:
                path = line.split()[-1] if len(line.split()) >= 6 else ""
                if "blas" in os.path.basename(path).lower():
                    libs.add(os.path.realpath(path))
    except OSError:
        pass
    if not libs:
        return "unknown"
    kind = "OpenBLAS" if any("openblas" in p for p in libs) else (
        "reference BLAS (slow)" if any("/blas/" in p for p in libs) else "other")
    return "%s: %s" % (kind, ", ".join(sorted(libs)))


def calibration_rates(path):
    """{threads: (flops/s, exp/s)} from a kfm_bench result file's context."""
    if not path:
        return {}
    try:
        with open(path, encoding="utf-8") as f:
            context = json.load(f).get("context", {})
    except (OSError, ValueError, AttributeError) as e:
        sys.exit("peers_bench.py: error: %s: cannot read calibration: %s" % (path, e))
    rates = {}
    for key, value in context.items():
        if key.startswith("calib_fma_gflops_threads:"):
            k = int(key.rsplit(":", 1)[1])
            exp = context.get("calib_exp_gexps_threads:%d" % k)
            if exp:
                rates[k] = (float(value) * 1e9, float(exp) * 1e9)
    return rates


def add_roofline(benchmarks, rates):
    for entry in benchmarks:
        if entry.get("error_occurred") or not rates:
            continue
        name = entry["name"]
        fields = dict(p.split(":", 1) for p in name.split("/") if ":" in p)
        d, threads = int(fields["d"]), int(fields["threads"])
        k = max([c for c in rates if c <= threads] or [min(rates)])
        flops, exps = rates[k]
        entry["roofline_fraction"] = entry["pairs/s"] * (4.0 * d / flops + 1.0 / exps)


def run_parent(args):
    all_threads = cpu_count()
    thread_counts = [all_threads] if all_threads == 1 else [1, all_threads]
    env = dict(os.environ)
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        env.pop(var, None)
    benchmarks, skipped = [], []
    started = time.perf_counter()
    for threads in thread_counts:
        if not any(c[4] == threads for c in grid(args.quick, all_threads)):
            continue
        child_env = dict(env, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads),
                         MKL_NUM_THREADS=str(threads))
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "child.json")
            cmd = [sys.executable, os.path.abspath(__file__), "--child-out", out,
                   "--threads", str(threads), "--all-threads", str(all_threads),
                   "--peers", args.peers, "--min-time", str(args.min_time),
                   "--repetitions", str(args.repetitions)] + (["--quick"] if args.quick else [])
            result = subprocess.run(cmd, env=child_env, check=False)
            if result.returncode != 0:
                print("peers_bench.py: error: the %d-thread run failed (exit %d)"
                      % (threads, result.returncode), file=sys.stderr)
                return 1
            with open(out, encoding="utf-8") as f:
                part = json.load(f)
        benchmarks += part["benchmarks"]
        skipped += part["skipped"]
    add_roofline(benchmarks, calibration_rates(args.calibration))
    try:
        import torch
        torch_version = torch.__version__
    except ImportError:
        torch_version = "not installed"
    import numpy as np
    context = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "host_name": socket.gethostname(),
        "executable": os.path.abspath(__file__),
        "num_cpus": all_threads,
        "cpu_model": cpu_model(),
        "python_version": platform.python_version(),
        "numpy_version": np.__version__,
        "blas": blas_in_use(),
        "torch_version": torch_version,
        "peers": args.peers,
        "calibration_file": args.calibration or "none (no roofline_fraction)",
        "removed_env": "OPENBLAS_CORETYPE OPENBLAS_L2_SIZE",
        "skipped": " ".join(skipped) if skipped else "none",
        "inputs": "numpy default_rng N(0, I), float32; sigma_min 0.01",
        "wall_seconds": "%.1f" % (time.perf_counter() - started),
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    tmp_out = args.out + ".tmp"
    with open(tmp_out, "w", encoding="utf-8") as f:
        json.dump({"context": context, "benchmarks": benchmarks}, f, indent=2)
        f.write("\n")
    os.replace(tmp_out, args.out)
    failed = [b["name"] for b in benchmarks if b.get("error_occurred")]
    print("peers_bench.py: wrote %s (%d runs, %d failed their check, blas: %s)"
          % (args.out, len(benchmarks), len(failed), context["blas"]), file=sys.stderr)
    return 0


def main(argv):
    parser = argparse.ArgumentParser(
        prog="peers_bench.py", description=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", help="result file to write (Google Benchmark JSON)")
    parser.add_argument("--quick", action="store_true", help="the small CI grid")
    parser.add_argument("--calibration", metavar="KFM.json",
                        help="kfm_bench result file of this machine (for roofline_fraction)")
    parser.add_argument("--peers", default=",".join(ALL_PEERS),
                        help="comma-separated subset of %s" % ", ".join(ALL_PEERS))
    parser.add_argument("--min-time", type=float, default=0.25,
                        help="seconds of timed runs per case (default 0.25)")
    parser.add_argument("--repetitions", type=int, default=1)
    # Internal: one child process per thread count.
    parser.add_argument("--child-out", help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--all-threads", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    unknown = [p for p in args.peers.split(",") if p not in ALL_PEERS]
    if unknown:
        parser.error("unknown peer(s): %s (known: %s)" % (", ".join(unknown), ", ".join(ALL_PEERS)))
    if not args.min_time > 0 or args.repetitions < 1:
        parser.error("--min-time must be > 0 and --repetitions >= 1")
    if args.child_out:
        return run_child(args)
    if not args.out:
        parser.error("--out is required")
    return run_parent(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
