import os
import tempfile
import unittest

from script_test_support import MALFORMED, fixture, run_script


class BenchTablesTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.out = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def read(self, name):
        with open(os.path.join(self.out, name), encoding="utf-8") as f:
            return f.read()

    def table_row(self, text, first_cells):
        for line in text.splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if cells[:len(first_cells)] == first_cells:
                return cells
        raise AssertionError("no row starting %s in:\n%s" % (first_cells, text))

    def test_writes_the_three_tables(self):
        r = run_script("bench_tables.py", fixture("base.json"), fixture("peers.json"),
                       "--out-dir", self.out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sorted(os.listdir(self.out)),
                         ["calibration.md", "kfm_vs_peers.md", "velocity.md"])

    def test_velocity_table_values(self):
        run_script("bench_tables.py", fixture("base.json"), "--out-dir", self.out)
        text = self.read("velocity.md")
        # fused d=16, m=16384, n=8192, all cores: 260 ms -> 16384*8192/0.26 = 516 M pairs/s,
        # 4*16*516e6 = 33.0 GFLOP/s, 64 KiB extra = 0.0625 MiB.
        cells = self.table_row(text, ["fused", "f32", "iso", "16", "16384", "8192", "0.5", "all"])
        self.assertEqual(cells[8:], ["260", "516 M", "33", "22%", "0.0625", "2.5"])
        # Repeated runs: the median (42 ms of 40, 42, 44).
        cells = self.table_row(text, ["fused", "f32", "iso", "8", "1024", "8192", "0.5", "all"])
        self.assertEqual(cells[8], "42")

    def test_kfm_vs_peers_side_by_side(self):
        run_script("bench_tables.py", fixture("base.json"), fixture("peers.json"),
                   "--out-dir", self.out)
        text = self.read("kfm_vs_peers.md")
        header = self.table_row(text, ["case"])
        self.assertEqual(header, ["case", "fused", "reference", "numpy-gemm"])
        cells = self.table_row(text, ["f32/iso/d:64/m:16384/n:8192/t:500/threads:all"])
        # fused 740 ms, numpy-gemm 306 ms for 16384 * 8192 pairs.
        self.assertEqual(cells[1], "181 M (25%)")
        self.assertEqual(cells[3], "439 M (61%)")
        self.assertEqual(cells[2], "-")  # the reference did not run this case

    def test_failed_runs_are_listed_not_tabulated(self):
        r = run_script("bench_tables.py", fixture("failed_check.json"), "--out-dir", self.out)
        self.assertEqual(r.returncode, 0, r.stderr)
        text = self.read("velocity.md")
        self.assertIn("FAILED BM_Velocity/fused/f32/iso/d:2/m:16384/n:8192/t:500/threads:1", text)
        with self.assertRaises(AssertionError):
            self.table_row(text, ["fused", "f32", "iso", "2", "16384", "8192", "0.5", "1"])

    def test_calibration_table_has_machine_and_rates(self):
        run_script("bench_tables.py", fixture("base.json"), "--out-dir", self.out)
        text = self.read("calibration.md")
        self.assertIn("| cpu_model | Fixture CPU |", text)
        self.assertIn("| calib_fma_gflops_threads:2 | 200.00 |", text)

    def test_malformed_files_exit_2(self):
        for name in MALFORMED:
            with self.subTest(name=name):
                r = run_script("bench_tables.py", fixture(name), "--out-dir", self.out)
                self.assertEqual(r.returncode, 2)
                self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
                self.assertIn(name, r.stderr)


if __name__ == "__main__":
    unittest.main()
