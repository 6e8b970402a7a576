#!/usr/bin/python3
"""Unit tests of the regime scripts on a small kfm.regimes/1 fixture (a trimmed
`kfm regimes all --quick --data` output). Run: /usr/bin/python3 -m unittest
discover -s tests/scripts  (or this file directly)."""
import copy
import io
import json
import os
import sys
import tempfile
import unittest
from contextlib import redirect_stdout

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))

import check_regimes  # noqa: E402
import regimes_plots  # noqa: E402
import regimes_tables  # noqa: E402

FIXTURE = os.path.join(HERE, "fixtures", "regimes_small.json")


def run_quietly(fn, argv):
    out = io.StringIO()
    with redirect_stdout(out):
        rc = fn(argv)
    return rc, out.getvalue()


class RegimesScripts(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        with open(FIXTURE) as f:
            self.doc = json.load(f)

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, doc):
        path = os.path.join(self.tmp.name, "doc.json")
        with open(path, "w") as f:
            json.dump(doc, f)
        return path

    def test_plots_written_and_non_empty(self):
        outdir = os.path.join(self.tmp.name, "figures")
        rc, out = run_quietly(regimes_plots.main, [FIXTURE, "--outdir", outdir])
        self.assertEqual(rc, 0)
        names = sorted(os.listdir(outdir))
        for expected in ("regimes_collapse_neff_vs_d.png", "regimes_collapse_neff_vs_t.png",
                         "regimes_bandwidth.png", "regimes_mismatch.png", "regimes_scarcity_error.png",
                         "regimes_scarcity_mmd.png", "regimes_data.png"):
            self.assertIn(expected, names)
            with open(os.path.join(outdir, expected), "rb") as f:
                self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")

    def test_tables_carry_our_and_published_numbers(self):
        outdir = os.path.join(self.tmp.name, "tables")
        rc, _ = run_quietly(regimes_tables.main, [FIXTURE, "--outdir", outdir])
        self.assertEqual(rc, 0)
        with open(os.path.join(outdir, "regimes.md")) as f:
            text = f.read()
        neff16 = next(b for r in self.doc["collapse"]["results"] if r["generator"] == "gmm" and r["d"] == 16
                      for b in r["by_t"] if abs(b["t"] - 0.56) < 1e-9)["neff"]["mean"]
        self.assertIn(f"{neff16:.3g}", text)
        self.assertIn("6.5", text)  # published shells n_eff at d = 8
        self.assertIn("| 16 |", text)
        for name in ("regimes_collapse.md", "regimes_mismatch.md", "regimes_scarcity.md", "regimes_data.md"):
            self.assertTrue(os.path.getsize(os.path.join(outdir, name)) > 100)

    def test_check_passes_on_fixture(self):
        rc, out = run_quietly(check_regimes.main, [FIXTURE])
        self.assertEqual(rc, 0, out)
        self.assertIn("PASS collapse-d16", out)
        self.assertIn("SKIP mismatch-off-shells", out)  # quick output: not judged

    def test_check_fails_when_gmm_does_not_collapse(self):
        doc = copy.deepcopy(self.doc)
        for r in doc["collapse"]["results"]:
            if r["generator"] == "gmm" and r["d"] == 16:
                for b in r["by_t"]:
                    if abs(b["t"] - 0.56) < 1e-9:
                        b["neff"]["mean"] = 2.0
        rc, out = run_quietly(check_regimes.main, [self.write(doc)])
        self.assertEqual(rc, 1)
        self.assertIn("FAIL collapse-d16", out)
        self.assertIn("FAIL collapse-monotone", out)  # 2.0 at d=16 > 1.39 at d=8

    def test_check_fails_when_exponent_rises_with_d(self):
        doc = copy.deepcopy(self.doc)
        res = sorted(doc["scarcity"]["results"], key=lambda r: r["d"])
        res[-1]["adapted"]["fit_mean_mse"]["exponent"] = 5.0
        rc, out = run_quietly(check_regimes.main, [self.write(doc)])
        self.assertEqual(rc, 1)
        self.assertIn("FAIL scarcity-exponent-falls", out)

    def test_wrong_schema_is_rejected(self):
        doc = copy.deepcopy(self.doc)
        doc["schema"] = "kfm.regimes/0"
        with self.assertRaises(SystemExit):
            check_regimes.main([self.write(doc)])


if __name__ == "__main__":
    unittest.main()
