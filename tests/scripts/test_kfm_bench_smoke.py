"""kfm_bench end to end on its smallest cases: runs, checks every answer against the
reference, writes JSON that validate_bench_json.py accepts. Needs the binary (ctest
passes its path in KFM_BENCH); skipped when kfm_bench is not built."""
import json
import os
import subprocess
import tempfile
import unittest

from script_test_support import run_script

BENCH = os.environ.get("KFM_BENCH", "")


@unittest.skipUnless(BENCH and os.path.exists(BENCH), "kfm_bench not built (KFM_BENCH unset)")
class KfmBenchSmokeTest(unittest.TestCase):
    def run_bench(self, *args):
        return subprocess.run([BENCH] + list(args), capture_output=True, text=True, timeout=300,
                              check=False)

    def test_small_cases_run_verified_and_validate(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "quick.json")
            r = self.run_bench("--quick", "--benchmark_filter=BM_Velocity/.*/m:1024/n:256/t:500/",
                               "--benchmark_min_time=0.01", "--benchmark_out=" + out,
                               "--benchmark_out_format=json")
            self.assertEqual(r.returncode, 0, r.stderr[-2000:])
            v = run_script("validate_bench_json.py", "--require-all-backends", out)
            self.assertEqual(v.returncode, 0, v.stderr)
            with open(out, encoding="utf-8") as f:
                doc = json.load(f)
            backends = doc["context"]["kfm_backends"].split(",")
            names = {b["name"] for b in doc["benchmarks"]}
            threads = doc["context"]["tbb_threads"]
            for backend in backends:
                self.assertIn("BM_Velocity/%s/f64/iso/d:16/m:1024/n:256/t:500/threads:%s/real_time"
                              % (backend, threads), names)
            for b in doc["benchmarks"]:
                self.assertLess(b["check_err_u"], 3e-4 if "/f32/" in b["name"] else 1e-9, b["name"])
                self.assertGreater(b["roofline_fraction"], 0.0, b["name"])
                self.assertGreaterEqual(b["neff_mean"], 1.0, b["name"])

    def test_help_and_unknown_flags(self):
        r = self.run_bench("--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("Filter examples", r.stdout)
        self.assertIn("BM_Velocity/", r.stdout)
        r = self.run_bench("--bogus")
        self.assertEqual(r.returncode, 2)
        self.assertIn("unknown argument '--bogus'", r.stderr)

    def test_list_names_follow_the_axes(self):
        r = self.run_bench("--benchmark_list_tests")
        self.assertEqual(r.returncode, 0, r.stderr)
        names = r.stdout.split()
        self.assertEqual(len(names), len(set(names)))
        velocity = [n for n in names if n.startswith("BM_Velocity/")]
        self.assertTrue(velocity)
        for n in velocity:
            parts = n.split("/")
            self.assertEqual([p.split(":")[0] for p in parts[4:9]], ["d", "m", "n", "t", "threads"], n)
            self.assertIn(parts[2], ("f32", "f64"))
            self.assertIn(parts[3], ("iso", "mahalanobis"))


if __name__ == "__main__":
    unittest.main()
