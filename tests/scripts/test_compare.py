import re
import unittest

from script_test_support import MALFORMED, fixture, run_script


def row(stdout, key):
    """Cells of the table row for benchmark `key`."""
    for line in stdout.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells and cells[0] == key:
            return cells
    raise AssertionError("no row for %s in:\n%s" % (key, stdout))


D64 = "BM_Velocity/fused/f32/iso/d:64/m:16384/n:8192/t:500/threads:all"
D8_REPEATED = "BM_Velocity/fused/f32/iso/d:8/m:1024/n:8192/t:500/threads:all"
D32_NOISY = "BM_Velocity/fused/f32/iso/d:32/m:1024/n:8192/t:500/threads:all"


class CompareTest(unittest.TestCase):
    def test_identical_files_have_unit_ratios_and_pass_any_threshold(self):
        r = run_script("compare", fixture("base.json"), fixture("base.json"), "--fail-above", "1.01")
        self.assertEqual(r.returncode, 0, r.stderr)
        cells = row(r.stdout, D64)
        self.assertEqual(cells[3:6], ["1.000", "1.000", "1.000"])
        self.assertEqual(cells[-1], "same")
        self.assertEqual(row(r.stdout, "**geometric mean** (20)")[3], "1.000")

    def test_ratios_of_a_slower_case(self):
        r = run_script("compare", fixture("base.json"), fixture("new_slower.json"))
        self.assertEqual(r.returncode, 0, r.stderr)  # no --fail-above: report only
        cells = row(r.stdout, D64)
        self.assertEqual(cells[3], "1.500")   # time ratio
        self.assertEqual(cells[4], "0.667")   # throughput ratio
        self.assertEqual(cells[5], "0.667")   # roofline-fraction ratio
        self.assertEqual(cells[-1], "slower")

    def test_noise_rule_with_repetitions(self):
        r = run_script("compare", fixture("base.json"), fixture("new_slower.json"))
        # Old runs 40, 42, 44 ms; new 50, 52, 54: best new > worst old, significant.
        self.assertEqual(row(r.stdout, D8_REPEATED)[-1], "slower")
        self.assertEqual(row(r.stdout, D8_REPEATED)[6], "3/3")
        # +3 ms on 40..44 ms: the runs overlap, so it is noise.
        self.assertEqual(row(r.stdout, D32_NOISY)[-1], "noise")

    def test_fail_above_counts_only_significant_ratios(self):
        r = run_script("compare", fixture("base.json"), fixture("new_slower.json"),
                       "--fail-above", "1.05")
        self.assertEqual(r.returncode, 1)
        self.assertIn(D64, r.stderr)
        self.assertIn(D8_REPEATED, r.stderr)
        self.assertNotIn(D32_NOISY, r.stderr)  # 1.071 > 1.05 but noise
        r = run_script("compare", fixture("base.json"), fixture("new_slower.json"),
                       "--fail-above", "1.6")
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_geometric_mean_of_time_ratios(self):
        r = run_script("compare", fixture("base.json"), fixture("other_machine.json"))
        self.assertEqual(r.returncode, 0, r.stderr)
        # Every velocity case is exactly 2x faster; the 2 calibration rows are equal:
        # geometric mean = (0.5^18 * 1^2)^(1/20).
        expected = "%.3f" % (0.5 ** (18 / 20))
        self.assertEqual(row(r.stdout, "**geometric mean** (20)")[3], expected)

    def test_machines_with_different_core_counts_line_up(self):
        r = run_script("compare", fixture("base.json"), fixture("other_machine.json"))
        self.assertEqual(row(r.stdout, D64)[3], "0.500")
        self.assertNotIn("threads:4", r.stdout)

    def test_several_new_files_each_get_a_table(self):
        r = run_script("compare", fixture("base.json"), fixture("new_slower.json"),
                       fixture("other_machine.json"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(re.findall(r"^## ", r.stdout, re.M)), 2)

    def test_failed_benchmark_in_new_file_fails_with_threshold(self):
        r = run_script("compare", fixture("base.json"), fixture("failed_check.json"),
                       "--fail-above", "10")
        self.assertEqual(r.returncode, 1)
        self.assertIn("result check failed", r.stderr)
        self.assertIn("ERROR", r.stdout)

    def test_filter(self):
        r = run_script("compare", fixture("base.json"), fixture("new_slower.json"),
                       "--filter", "d:64/")
        self.assertIn(D64, r.stdout)
        self.assertNotIn(D8_REPEATED, r.stdout)

    def test_malformed_files_exit_2_with_one_line(self):
        for name in MALFORMED:
            with self.subTest(name=name):
                r = run_script("compare", fixture("base.json"), fixture(name))
                self.assertEqual(r.returncode, 2)
                self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
                self.assertTrue(r.stderr.startswith("compare: error: "), r.stderr)
                self.assertIn(name, r.stderr)

    def test_usage_errors_exit_2(self):
        self.assertEqual(run_script("compare", fixture("base.json")).returncode, 2)
        self.assertEqual(run_script("compare", fixture("base.json"), fixture("base.json"),
                                    "--fail-above", "-1").returncode, 2)
        self.assertEqual(run_script("compare", fixture("base.json"), fixture("base.json"),
                                    "--filter", "(").returncode, 2)

    def test_help_states_the_noise_rule(self):
        r = run_script("compare", "--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("best (fastest) new run is slower than the worst", r.stdout)


if __name__ == "__main__":
    unittest.main()
