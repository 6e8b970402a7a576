#!/usr/bin/python3
"""Why our shells n_eff differs from the published 6.5 (d = 8) and 8 (d = 32).

An independent NumPy re-implementation (not kfm) of n_eff for SPEC §4 shells with
m = 50, under every query distribution the published text might mean, and with the
two readings of the shell noise: isotropic N(0, 0.3^2 I) (SPEC §4, what kfm uses)
and radial-only noise (r + 0.3 eps) u (SPEC §3's wording "radial noise 0.3").
Prints one line per (noise, d). Seeded; ~1 minute.

usage: regimes_shells_probe.py [--tasks 30]
"""
import argparse

import numpy as np

SIGMA_MIN = 0.01


def shells(rng, d, n, radii, radial):
    k = rng.integers(0, len(radii), n)
    u = rng.normal(size=(n, d))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    if radial:
        return (radii[k, None] + 0.3 * rng.normal(size=(n, 1))) * u
    return radii[k, None] * u + 0.3 * rng.normal(size=(n, d))


def weights(x, support, t):
    sigma = 1 - (1 - SIGMA_MIN) * t
    logits = -((x[:, None, :] - t * support[None]) ** 2).sum(-1) / (2 * sigma**2)
    logits -= logits.max(1, keepdims=True)
    w = np.exp(logits)
    return w / w.sum(1, keepdims=True)


def neff(x, support, t):
    return 1 / (weights(x, support, t) ** 2).sum(1)


def probe(rng, d, radial, tasks):
    out = {k: [] for k in ("path t=0.56", "path t~U(0,1)", "noise-only x0 at t=0.56",
                           "Euler path at t=0.56", "Euler, mean over 100 steps")}
    for _ in range(tasks):
        radii = rng.uniform(1, 5, rng.integers(2, 6))
        support, x1 = shells(rng, d, 50, radii, radial), shells(rng, d, 128, radii, radial)
        sigma = 1 - (1 - SIGMA_MIN) * 0.56
        out["path t=0.56"].append(neff(0.56 * x1 + sigma * rng.normal(size=x1.shape), support, 0.56).mean())
        t = 1 - rng.uniform(size=len(x1))
        q = t[:, None] * x1 + (1 - (1 - SIGMA_MIN) * t)[:, None] * rng.normal(size=x1.shape)
        out["path t~U(0,1)"].append(np.mean([neff(q[i:i + 1], support, t[i])[0] for i in range(len(q))]))
        out["noise-only x0 at t=0.56"].append(neff(rng.normal(size=x1.shape), support, 0.56).mean())
        x, ts, along = rng.normal(size=(128, d)), np.linspace(1e-5, 1, 101), []
        at056 = None
        for i in range(100):
            w = weights(x, support, ts[i])
            along.append((1 / (w**2).sum(1)).mean())
            if at056 is None and ts[i] >= 0.56:
                at056 = along[-1]
            u = (w @ support - (1 - SIGMA_MIN) * x) / (1 - (1 - SIGMA_MIN) * ts[i])
            x = x + (ts[i + 1] - ts[i]) * u
        out["Euler path at t=0.56"].append(at056)
        out["Euler, mean over 100 steps"].append(np.mean(along))
    return {k: float(np.mean(v)) for k, v in out.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tasks", type=int, default=30)
    args = ap.parse_args()
    rng = np.random.default_rng(2026)
    print("published (t and query distribution unstated): d=8 6.5, d=32 8")
    for radial in (False, True):
        for d in (8, 32):
            res = probe(rng, d, radial, args.tasks)
            name = "radial-only noise (SPEC §3 wording)" if radial else "isotropic noise (SPEC §4, kfm)"
            print(f"{name:38s} d={d:2d}: " + ", ".join(f"{k} {v:.2f}" for k, v in res.items()))


if __name__ == "__main__":
    main()
