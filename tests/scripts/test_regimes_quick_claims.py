"""`kfm regimes all --quick` end to end: the JSON it writes passes every claim of
issue 5 that a quick run can support (scripts/check_regimes.py), and the figures and
tables scripts accept it. Needs the binary (ctest passes its path in KFM); skipped
when it is not given."""
import json
import os
import subprocess
import tempfile
import unittest

from script_test_support import run_script

KFM = os.environ.get("KFM", "")


@unittest.skipUnless(KFM and os.path.exists(KFM), "kfm not built (KFM unset)")
class RegimesQuickClaimsTest(unittest.TestCase):
    def test_quick_run_passes_the_quick_claims(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "regimes.json")
            r = subprocess.run([KFM, "regimes", "all", "--quick", "--quiet", "--out", out],
                               capture_output=True, text=True, timeout=600, check=False)
            self.assertEqual(r.returncode, 0, r.stderr[-2000:])
            with open(out, encoding="utf-8") as f:
                self.assertEqual(json.load(f)["schema"], "kfm.regimes/1")
            check = run_script("check_regimes.py", out)
            self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
            self.assertNotIn("FAIL", check.stdout)
            for script, sub in (("regimes_plots.py", "figures"), ("regimes_tables.py", "tables")):
                p = run_script(script, out, "--outdir", os.path.join(tmp, sub))
                self.assertEqual(p.returncode, 0, p.stderr)


if __name__ == "__main__":
    unittest.main()
