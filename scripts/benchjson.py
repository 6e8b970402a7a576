"""Reading Google Benchmark JSON result files (kfm_bench's and the peers').

Shared by compare, bench_tables.py, bench_plots.py and validate_bench_json.py.
Every problem with a file raises BenchJsonError with a one-line message naming
the file, so the scripts can print it and exit 2.
"""
import json
import math
import re
from collections import OrderedDict

# Fields Google Benchmark writes itself; every other numeric field is a user counter.
STANDARD_FIELDS = {
    "name", "family_index", "per_family_instance_index", "run_name", "run_type",
    "repetitions", "repetition_index", "threads", "iterations", "real_time", "cpu_time",
    "time_unit", "aggregate_name", "aggregate_unit", "error_occurred", "error_message",
    "label", "big_o", "rms", "complexity_n",
}
TIME_UNITS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
# Google Benchmark appends these to the names of wall-clock / manually timed runs.
TIME_SUFFIX = re.compile(r"/(real_time|manual_time)$")


class BenchJsonError(Exception):
    """A result file that cannot be used; str() is one line."""


class Run:
    """One measured run (one repetition) of one benchmark."""

    def __init__(self, key, entry):
        self.key = key
        self.entry = entry
        self.error = entry.get("error_message", "error") if entry.get("error_occurred") else None
        unit = entry.get("time_unit", "ns")
        self.seconds = float(entry["real_time"]) * TIME_UNITS[unit] if self.error is None else None
        self.counters = {k: float(v) for k, v in entry.items()
                         if k not in STANDARD_FIELDS and isinstance(v, (int, float))
                         and not isinstance(v, bool)}


class ResultFile:
    """A parsed result file: its context and its runs grouped by benchmark key."""

    def __init__(self, path, doc, normalize_threads=False):
        self.path = path
        self.context = doc.get("context", {})
        self.runs = OrderedDict()  # key -> [Run]
        aggregates = OrderedDict()
        for entry in doc["benchmarks"]:
            key = benchmark_key(entry, self.context, normalize_threads)
            if entry.get("run_type", "iteration") == "aggregate":
                if entry.get("aggregate_name") == "mean":
                    aggregates[key] = entry
                continue
            self.runs.setdefault(key, []).append(Run(key, entry))
        # Files written with --benchmark_report_aggregates_only hold only aggregates.
        for key, entry in aggregates.items():
            if key not in self.runs:
                self.runs[key] = [Run(key, entry)]

    def machine(self):
        c = self.context
        return c.get("cpu_model") or c.get("host_name") or self.path


def all_threads(context):
    """Core count the file's "threads:all" cases used."""
    for field in ("tbb_threads", "num_cpus"):
        try:
            return int(context[field])
        except (KeyError, TypeError, ValueError):
            continue
    return None


def benchmark_key(entry, context=None, normalize_threads=False):
    """The benchmark's name without Google Benchmark's time suffix (and, with
    normalize_threads, threads:<this machine's cores> written as threads:all)."""
    name = entry.get("run_name") or entry["name"]
    name = TIME_SUFFIX.sub("", name)
    if normalize_threads and context is not None:
        cores = all_threads(context)
        if cores and cores > 1:
            name = re.sub(r"/threads:%d(?=/|$)" % cores, "/threads:all", name)
    return name


def parse_fields(key):
    """'BM_Velocity/fused/f32/iso/d:64/...' -> ('BM_Velocity', ['fused','f32','iso'],
    {'d': '64', ...})."""
    parts = key.split("/")
    plain, named = [], OrderedDict()
    for p in parts[1:]:
        if ":" in p:
            k, v = p.split(":", 1)
            named[k] = v
        else:
            plain.append(p)
    return parts[0], plain, named


def velocity_case(key):
    """Fields of a BM_Velocity key as a dict (backend, precision, kernel, d, m, n, t,
    threads), or None for other benchmarks."""
    family, plain, named = parse_fields(key)
    if family != "BM_Velocity" or len(plain) < 3:
        return None
    case = {"backend": plain[0], "precision": plain[1], "kernel": plain[2]}
    for axis in ("d", "m", "n", "t"):
        try:
            case[axis] = int(named[axis])
        except (KeyError, ValueError):
            return None
    case["threads"] = named.get("threads", "?")
    return case


def _check_entry(path, i, entry):
    where = "%s: benchmarks[%d]" % (path, i)
    if not isinstance(entry, dict):
        raise BenchJsonError("%s is not an object" % where)
    name = entry.get("name")
    if not isinstance(name, str) or not name:
        raise BenchJsonError("%s has no string 'name'" % where)
    if entry.get("error_occurred"):
        return
    if entry.get("run_type", "iteration") == "aggregate" and entry.get("aggregate_name") != "mean":
        return  # stddev/cv aggregates may carry other units
    for field in ("real_time",):
        v = entry.get(field)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
            raise BenchJsonError("%s (%s): '%s' is missing or not a finite number >= 0"
                                 % (where, name, field))
    unit = entry.get("time_unit", "ns")
    if unit not in TIME_UNITS:
        raise BenchJsonError("%s (%s): unknown time_unit '%s'" % (where, name, unit))


def load(path, normalize_threads=False):
    """Parse and check one result file; raises BenchJsonError. normalize_threads:
    see benchmark_key."""
    try:
        with open(path, "r", encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise BenchJsonError("%s: cannot read: %s" % (path, e.strerror or e)) from None
    except UnicodeDecodeError:
        raise BenchJsonError("%s: not UTF-8 text" % path) from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise BenchJsonError("%s: not valid JSON (line %d, column %d: %s)"
                             % (path, e.lineno, e.colno, e.msg)) from None
    if not isinstance(doc, dict):
        raise BenchJsonError("%s: top level is not a JSON object" % path)
    if not isinstance(doc.get("benchmarks"), list):
        raise BenchJsonError("%s: no 'benchmarks' list (not a Google Benchmark result file)" % path)
    if "context" in doc and not isinstance(doc["context"], dict):
        raise BenchJsonError("%s: 'context' is not an object" % path)
    for i, entry in enumerate(doc["benchmarks"]):
        _check_entry(path, i, entry)
    return ResultFile(path, doc, normalize_threads)


def median(values):
    v = sorted(values)
    if not v:
        return None
    mid = len(v) // 2
    return v[mid] if len(v) % 2 else 0.5 * (v[mid - 1] + v[mid])


def geometric_mean(values):
    v = [x for x in values if x is not None and x > 0 and math.isfinite(x)]
    if not v:
        return None
    return math.exp(sum(math.log(x) for x in v) / len(v))


def velocity_points(results):
    """One dict per BM_Velocity benchmark over all files (median of repetitions,
    failed runs left out): the case fields plus 'seconds', the counters and 'file'.
    Load the files with normalize_threads=True to get threads == 'all'."""
    points = []
    for result in results:
        for key, runs in result.runs.items():
            case = velocity_case(key)
            good = [r for r in runs if r.error is None]
            if case is None or not good:
                continue
            point = dict(case)
            point["key"] = key
            point["file"] = result.path
            point["seconds"] = median([r.seconds for r in good])
            for counter in good[0].counters:
                values = [r.counters[counter] for r in good if counter in r.counters]
                point[counter] = median(values)
            points.append(point)
    return points


def failed_runs(results):
    """(file, key, message) of every run that failed."""
    return [(result.path, key, run.error) for result in results
            for key, runs in result.runs.items() for run in runs if run.error is not None]


def load_all(paths, normalize_threads=True):
    return [load(p, normalize_threads=normalize_threads) for p in paths]
