"""Shared helpers for the kfm.regimes/1 scripts (plots, tables, checks)."""
import json
import math

SCHEMA = "kfm.regimes/1"

# Published figures (SPEC §3), the numbers our results are compared with.
PUBLISHED = {
    "collapse_gmm_neff_t056_d16": 1.0,
    "shells_neff_d8": 6.5,
    "shells_neff_d32": 8.0,
    "shells_ratio_learned_vs_plugin_d8": 11.2,
    "shells_ratio_learned_vs_plugin_d32": 6.4,
    "dinov2_neff": 13.4,
    "dinov2_whitened_neff": 1.05,
}


def load(path):
    with open(path) as f:
        doc = json.load(f)
    if doc.get("schema") != SCHEMA:
        raise SystemExit(f"{path}: schema is {doc.get('schema')!r}, expected {SCHEMA!r}")
    return doc


def at_t(by_t, t, tol=1e-9):
    """The by_t row at time t (None if absent)."""
    for row in by_t:
        if abs(row["t"] - t) < tol:
            return row
    return None


def result(section, generator, d):
    for r in section["results"]:
        if r.get("generator") == generator and r["d"] == d:
            return r
    return None


def dims_of(section, generator):
    return sorted(r["d"] for r in section["results"] if r.get("generator") == generator)


def fmt_ci(s, digits=3):
    """'mean [lo, hi]' of a summary object."""
    if s is None:
        return "n/a"
    g = lambda v: "nan" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.{digits}g}"
    return f"{g(s['mean'])} [{g(s['ci_low'])}, {g(s['ci_high'])}]"
