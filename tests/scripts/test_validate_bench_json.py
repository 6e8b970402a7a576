import unittest

from script_test_support import MALFORMED, fixture, run_script


class ValidateTest(unittest.TestCase):
    def test_valid_kfm_file(self):
        r = run_script("validate_bench_json.py", fixture("base.json"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("valid", r.stdout)

    def test_valid_peers_file_needs_peers_flag(self):
        self.assertEqual(run_script("validate_bench_json.py", "--peers",
                                    fixture("peers.json")).returncode, 0)
        r = run_script("validate_bench_json.py", fixture("peers.json"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("context has no 'kfm_commit'", r.stderr)

    def test_failed_check_is_invalid(self):
        r = run_script("validate_bench_json.py", fixture("failed_check.json"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("result check failed", r.stderr)

    def test_missing_counter_and_context_are_invalid(self):
        r = run_script("validate_bench_json.py", fixture("missing_counters.json"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("counter 'roofline_fraction' missing", r.stderr)
        self.assertIn("context has no 'kfm_isa'", r.stderr)

    def test_every_registered_backend_must_have_run(self):
        # base.json lists fused,reference and both ran.
        self.assertEqual(run_script("validate_bench_json.py", "--require-all-backends",
                                    fixture("base.json")).returncode, 0)
        r = run_script("validate_bench_json.py", "--require-all-backends",
                       fixture("other_machine.json"), fixture("new_slower.json"))
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_malformed_files_exit_2(self):
        for name in MALFORMED:
            with self.subTest(name=name):
                r = run_script("validate_bench_json.py", fixture(name))
                self.assertEqual(r.returncode, 2)
                self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)


if __name__ == "__main__":
    unittest.main()
