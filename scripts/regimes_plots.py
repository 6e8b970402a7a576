#!/usr/bin/python3
"""Figures of the failure regimes from a kfm.regimes/1 JSON (docs/regimes_schema.md).

usage: regimes_plots.py RESULTS.json [--outdir results/figures]
Writes regimes_*.png for the sections present in the JSON.
"""
import argparse
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from regimes_common import PUBLISHED, at_t, dims_of, load, result  # noqa: E402


def errbar(ax, x, summaries, **kw):
    mean = [s["mean"] for s in summaries]
    lo = [max(s["mean"] - s["ci_low"], 0.0) for s in summaries]
    hi = [max(s["ci_high"] - s["mean"], 0.0) for s in summaries]
    ax.errorbar(x, mean, yerr=[lo, hi], capsize=2, marker="o", ms=3, **kw)


def save(fig, outdir, name, written):
    path = os.path.join(outdir, name)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    written.append(path)


def plot_collapse(doc, outdir, written):
    sec = doc["collapse"]
    gens = [g for g in ("gmm", "shells") if dims_of(sec, g)]
    times = [t for t in (0.1, 0.3, 0.56, 0.8, 0.95) if at_t(sec["results"][0]["by_t"], t)]
    fig, axes = plt.subplots(1, len(gens), figsize=(5.5 * len(gens), 4.2), squeeze=False)
    for ax, g in zip(axes[0], gens):
        dims = dims_of(sec, g)
        for t in times:
            errbar(ax, dims, [at_t(result(sec, g, d)["by_t"], t)["neff"] for d in dims], label=f"t = {t}")
        uni = [result(sec, g, d)["neff_t_uniform"]["neff"] for d in dims]
        errbar(ax, dims, uni, label="t ~ U(0,1)", linestyle="--", color="black")
        if g == "gmm":
            ax.plot([16], [PUBLISHED["collapse_gmm_neff_t056_d16"]], "r*", ms=12, label="published (t=0.56)")
        else:
            ax.plot([8, 32], [PUBLISHED["shells_neff_d8"], PUBLISHED["shells_neff_d32"]], "r*", ms=12,
                    label="published (t unstated)")
        ax.axhline(1.0, color="gray", lw=1, ls=":", label="n_eff = 1 (nearest neighbour)")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("dimension d")
        ax.set_ylabel("mean n_eff (95% CI across tasks)")
        ax.set_title(f"{g}: n_eff vs d (m = {sec['parameters']['m']})")
        ax.legend(fontsize=7)
    save(fig, outdir, "regimes_collapse_neff_vs_d.png", written)

    fig, axes = plt.subplots(1, len(gens), figsize=(5.5 * len(gens), 4.2), squeeze=False)
    for ax, g in zip(axes[0], gens):
        for d in [d for d in (2, 8, 16, 32, 128) if d in dims_of(sec, g)]:
            rows = result(sec, g, d)["by_t"]
            errbar(ax, [r["t"] for r in rows], [r["neff"] for r in rows], label=f"d = {d}")
        ax.axhline(1.0, color="gray", lw=1, ls=":", label="n_eff = 1")
        ax.axvline(0.56, color="red", lw=0.8, ls="--")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("flow time t")
        ax.set_ylabel("mean n_eff")
        ax.set_title(f"{g}: n_eff vs t")
        ax.legend(fontsize=7)
    save(fig, outdir, "regimes_collapse_neff_vs_t.png", written)

    rows = sec["results"][0]["by_t"]
    fig, ax = plt.subplots(figsize=(5, 3.8))
    ax.plot([r["t"] for r in rows], [r["h"] for r in rows], "o-", ms=3)
    ax.axhline(sec["parameters"]["sigma_min"], color="gray", ls=":", label="sigma_min")
    ax.set_yscale("log")
    ax.set_xlabel("flow time t")
    ax.set_ylabel("bandwidth h(t) = sigma_t / t")
    ax.set_title("bandwidth schedule")
    ax.legend()
    save(fig, outdir, "regimes_bandwidth.png", written)

    if dims_of(sec, "gmm") and "velocity_rel_mse" in result(sec, "gmm", dims_of(sec, "gmm")[0])["by_t"][0]:
        fig, ax = plt.subplots(figsize=(5.5, 4.2))
        for d in dims_of(sec, "gmm"):
            rows = result(sec, "gmm", d)["by_t"]
            errbar(ax, [r["t"] for r in rows], [r["velocity_rel_mse"] for r in rows], label=f"d = {d}")
        ax.set_yscale("log")
        ax.set_xlabel("flow time t")
        ax.set_ylabel("E|u_hat - u*|^2 / E|u*|^2")
        ax.set_title("gmm: plug-in velocity error vs closed-form truth")
        ax.legend(fontsize=7)
        save(fig, outdir, "regimes_collapse_velocity_error.png", written)


def plot_mismatch(doc, outdir, written):
    sec = doc["mismatch"]
    gens = [g for g in ("shells", "gmm") if dims_of(sec, g)]
    fig, axes = plt.subplots(3, len(gens), figsize=(5.5 * len(gens), 11), squeeze=False)
    for col, g in enumerate(gens):
        dims = dims_of(sec, g)
        for d in dims:
            rows = result(sec, g, d)["by_t"]
            ts = [r["t"] for r in rows]
            line = axes[0][col].errorbar(ts, [r["isotropic"]["off_data"]["mean"] for r in rows], marker="o",
                                         ms=3, label=f"d={d} isotropic")
            c = line[0].get_color()
            axes[0][col].plot(ts, [r["whitened"]["off_data"]["mean"] for r in rows], "s--", ms=3, color=c,
                              label=f"d={d} whitened")
            if g == "shells":
                base = result(sec, g, d)["targets_off_data"]["mean"]
                axes[0][col].axhline(base, color=c, lw=0.8, ls=":")
            errbar(axes[1][col], ts, [r["isotropic"]["velocity_rel_mse"] for r in rows], color=c,
                   label=f"d={d} isotropic")
            errbar(axes[1][col], ts, [r["whitened"]["velocity_rel_mse"] for r in rows], color=c, ls="--",
                   label=f"d={d} whitened")
        axes[0][col].set_ylabel("|‖m_h‖ − nearest radius| / noise" if g == "shells"
                                else "log p(data) − log p(m_h)")
        axes[0][col].set_title(f"{g}: local mean off the data (dotted: the targets themselves)"
                               if g == "shells" else f"{g}: local mean off the data")
        axes[1][col].set_yscale("log")
        axes[1][col].set_ylabel("velocity relative MSE vs population")
        axes[1][col].set_title(f"{g}: isotropic vs whitened kernel")
        for r in (0, 1):
            axes[r][col].set_xlabel("flow time t")
            axes[r][col].legend(fontsize=6)
        ax = axes[2][col]
        x = range(len(dims))
        for k, (kernel, off) in enumerate((("isotropic", -0.2), ("whitened", 0.2))):
            s = [result(sec, g, d)["mmd2"][kernel] for d in dims]
            ax.errorbar([i + off for i in x], [v["mean"] for v in s],
                        yerr=[[v["mean"] - v["ci_low"] for v in s], [v["ci_high"] - v["mean"] for v in s]],
                        fmt="o", capsize=3, label=kernel)
        s = [result(sec, g, d)["mmd2"]["support_baseline"]["mean"] for d in dims]
        ax.plot(list(x), s, "k_", ms=14, label="support itself")
        ax.axhline(0, color="gray", lw=0.8)
        ax.set_xticks(list(x))
        ax.set_xticklabels([f"d={d}" for d in dims])
        ax.set_ylabel("MMD² vs held-out targets (95% CI)")
        ax.set_title(f"{g}: samples of each flow")
        ax.legend(fontsize=7)
    save(fig, outdir, "regimes_mismatch.png", written)


def plot_scarcity(doc, outdir, written):
    sec = doc["scarcity"]
    kinds = ("adapted", "fixed")
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4))
    for ax, kind in zip(axes, kinds):
        for r in sec["results"]:
            rows = r[kind]["by_m"]
            ms = [b["m"] for b in rows]
            line = ax.errorbar(ms, [b["mean_mse"]["mean"] for b in rows],
                               yerr=[[b["mean_mse"]["mean"] - max(b["mean_mse"]["ci_low"], 1e-300) for b in rows],
                                     [b["mean_mse"]["ci_high"] - b["mean_mse"]["mean"] for b in rows]],
                               marker="o", ms=3, ls="none", capsize=2)
            c = line[0].get_color()
            fit = r[kind]["fit_mean_mse"]
            if "exponent" in fit:
                fitted = [math.exp(fit["intercept"]) * m ** (-fit["exponent"]) for m in ms]
                ax.plot(ms, fitted, "-", color=c,
                        label=f"d={r['d']}: slope {-fit['exponent']:.2f} "
                              f"[{-fit['ci_high']:.2f}, {-fit['ci_low']:.2f}], theory {-fit['theory']:.2f}"
                              + (f", same-t {-fit['theory_same_t']:.2f}" if "theory_same_t" in fit else ""))
                # theory slope through the fitted line's geometric centre
                mid = math.exp(sum(math.log(m) for m in ms) / len(ms))
                ymid = math.exp(fit["intercept"]) * mid ** (-fit["exponent"])
                ax.plot(ms, [ymid * (m / mid) ** (-fit["theory"]) for m in ms], ":", color=c)
                if "theory_same_t" in fit and kind == "adapted":
                    ax.plot(ms, [ymid * (m / mid) ** (-fit["theory_same_t"]) for m in ms], "-.", color=c, lw=0.8)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("support size m")
        ax.set_ylabel("E|m_hat - m*|^2 (NW mean vs truth, same t)")
        p = sec["parameters"]
        ax.set_title(f"{kind} bandwidth " + (f"h = {p['c']} m^(-1/(4+d))" if kind == "adapted"
                                            else f"h = {p['h_fixed']}") + "\n(solid: fit, dotted: SPEC theory slope"
                     + (", dash-dot: same-t variance slope)" if kind == "adapted" else ")"))
        ax.legend(fontsize=6)
    save(fig, outdir, "regimes_scarcity_error.png", written)

    if all("mmd2_by_m" in r for r in sec["results"]):
        fig, ax = plt.subplots(figsize=(5.5, 4.2))
        for r in sec["results"]:
            rows = r["mmd2_by_m"]
            errbar(ax, [b["m"] for b in rows], [b["mmd2"] for b in rows], label=f"d = {r['d']}")
        ax.axhline(0, color="gray", lw=0.8)
        ax.set_xscale("log")
        ax.set_xlabel("support size m")
        ax.set_ylabel("MMD² of Euler samples vs held-out targets")
        ax.set_title(f"scarcity: samples vs m ({sec['parameters']['steps']} Euler steps)")
        ax.legend(fontsize=7)
        save(fig, outdir, "regimes_scarcity_mmd.png", written)


def plot_data(doc, outdir, written):
    sec = doc["data"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    rows = sec["by_t"]
    ts = [r["t"] for r in rows]
    for kernel in ("isotropic", "whitened"):
        errbar(axes[0], ts, [r[kernel]["neff"] for r in rows], label=kernel)
    axes[0].axhline(1.0, color="gray", ls=":", label="n_eff = 1")
    axes[0].set_yscale("log")
    axes[0].set_xlabel("flow time t")
    axes[0].set_ylabel("mean n_eff")
    axes[0].set_title(f"{os.path.basename(str(sec.get('source', 'data')))}: n_eff vs t")
    axes[0].legend(fontsize=7)
    by_m = sec["scarcity"]["by_m"]
    if by_m:
        errbar(axes[1], [b["m"] for b in by_m], [b["mean_mse_rel"] for b in by_m], label="NW mean vs pool proxy")
        axes[1].set_xscale("log")
        axes[1].set_yscale("log")
    axes[1].set_xlabel("support size m")
    axes[1].set_ylabel("E|m_hat - m_pool|^2 / spread^2")
    axes[1].set_title("verdict: " + sec["verdict"]["regime"])
    save(fig, outdir, "regimes_data.png", written)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("json")
    ap.add_argument("--outdir", default="results/figures")
    args = ap.parse_args(argv)
    doc = load(args.json)
    os.makedirs(args.outdir, exist_ok=True)
    written = []
    for name, fn in (("collapse", plot_collapse), ("mismatch", plot_mismatch),
                     ("scarcity", plot_scarcity), ("data", plot_data)):
        if name in doc:
            fn(doc, args.outdir, written)
    for p in written:
        print(p)
    return 0


import math  # noqa: E402  (used in plot_scarcity)

if __name__ == "__main__":
    sys.exit(main())
