import os
import tempfile
import unittest

from script_test_support import MALFORMED, fixture, run_script

ALL_FIGURES = ["kfm_vs_peers.png", "pairs_vs_d.png", "pairs_vs_m.png", "roofline_fraction.png",
               "thread_scaling.png", "time_across_t.png"]


class BenchPlotsTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.out = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def test_writes_every_figure_as_png(self):
        r = run_script("bench_plots.py", fixture("base.json"), fixture("peers.json"),
                       "--out-dir", self.out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sorted(os.listdir(self.out)), ALL_FIGURES)
        for name in ALL_FIGURES:
            with open(os.path.join(self.out, name), "rb") as f:
                self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n", name)

    def test_figures_without_data_are_skipped_and_named(self):
        r = run_script("bench_plots.py", fixture("peers.json"), "--out-dir", self.out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("thread_scaling.png", os.listdir(self.out))
        self.assertIn("no data for", r.stdout)
        self.assertIn("thread_scaling.png", r.stdout)

    def test_malformed_files_exit_2(self):
        for name in MALFORMED:
            with self.subTest(name=name):
                r = run_script("bench_plots.py", fixture(name), "--out-dir", self.out)
                self.assertEqual(r.returncode, 2)
                self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)


if __name__ == "__main__":
    unittest.main()
