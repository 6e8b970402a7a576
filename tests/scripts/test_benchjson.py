import math
import unittest

from script_test_support import MALFORMED, fixture

from benchjson import (BenchJsonError, benchmark_key, geometric_mean, load, median,
                       velocity_case, velocity_points)


class LoadTest(unittest.TestCase):
    def test_groups_repetitions_and_strips_time_suffix(self):
        result = load(fixture("base.json"))
        key = "BM_Velocity/fused/f32/iso/d:8/m:1024/n:8192/t:500/threads:2"
        self.assertIn(key, result.runs)
        self.assertEqual(len(result.runs[key]), 3)
        self.assertAlmostEqual(result.runs[key][0].seconds, 0.040)  # 40 ms
        self.assertFalse(any(k.endswith("/real_time") for k in result.runs))

    def test_counters_exclude_standard_fields(self):
        run = load(fixture("base.json")).runs[
            "BM_Velocity/fused/f32/iso/d:16/m:16384/n:8192/t:500/threads:2"][0]
        self.assertEqual(set(run.counters), {"GFLOP/s", "check_err_u", "extra_bytes",
                                             "neff_mean", "pairs/s", "roofline_fraction"})
        self.assertAlmostEqual(run.counters["pairs/s"], 16384 * 8192 / 0.26, delta=1.0)

    def test_threads_of_all_cores_normalized_on_request(self):
        other = load(fixture("other_machine.json"), normalize_threads=True)
        self.assertIn("BM_Velocity/fused/f32/iso/d:16/m:16384/n:8192/t:500/threads:all",
                      other.runs)
        self.assertIn("BM_Velocity/fused/f32/iso/d:16/m:16384/n:8192/t:500/threads:1",
                      other.runs)
        entry = {"name": "BM_x/threads:20/real_time"}
        self.assertEqual(benchmark_key(entry, {"tbb_threads": "2"}, True), "BM_x/threads:20")

    def test_failed_run_is_kept_with_its_message(self):
        result = load(fixture("failed_check.json"))
        failed = [r for runs in result.runs.values() for r in runs if r.error]
        self.assertEqual(len(failed), 1)
        self.assertIn("result check failed", failed[0].error)
        self.assertIsNone(failed[0].seconds)

    def test_malformed_files_raise_one_line_errors_naming_the_file(self):
        for name in MALFORMED:
            with self.subTest(name=name):
                with self.assertRaises(BenchJsonError) as ctx:
                    load(fixture(name))
                message = str(ctx.exception)
                self.assertIn(name, message)
                self.assertNotIn("\n", message)


class HelpersTest(unittest.TestCase):
    def test_velocity_case_parses_every_axis(self):
        case = velocity_case("BM_Velocity/fused/f64/mahalanobis/d:64/m:16384/n:8192/t:999/threads:2")
        self.assertEqual(case, {"backend": "fused", "precision": "f64", "kernel": "mahalanobis",
                                "d": 64, "m": 16384, "n": 8192, "t": 999, "threads": "2"})
        self.assertIsNone(velocity_case("BM_Calibration/fma_f32/threads:1"))
        self.assertIsNone(velocity_case("BM_Velocity/fused/f32/iso/d:x/m:1/n:1/t:1"))

    def test_median_and_geometric_mean(self):
        self.assertEqual(median([3.0, 1.0, 2.0]), 2.0)
        self.assertEqual(median([4.0, 1.0, 2.0, 3.0]), 2.5)
        self.assertIsNone(median([]))
        self.assertAlmostEqual(geometric_mean([2.0, 0.5]), 1.0)
        self.assertAlmostEqual(geometric_mean([1.0, 8.0, None]), math.sqrt(8.0))
        self.assertIsNone(geometric_mean([None]))

    def test_velocity_points_take_the_median_of_repetitions(self):
        points = velocity_points([load(fixture("base.json"), normalize_threads=True)])
        d8 = [p for p in points if p["d"] == 8]
        self.assertEqual(len(d8), 1)
        self.assertAlmostEqual(d8[0]["seconds"], 0.042)
        self.assertEqual(d8[0]["threads"], "all")


if __name__ == "__main__":
    unittest.main()
