"""The peers must compute kfm's velocity: checked against a float64 evaluation
written independently here (explicit differences, the paper's form of u)."""
import unittest

import numpy as np

from script_test_support import run_script

import peers_bench


def paper_velocity(x, s, t, sigma_min=0.01):
    """u = xt + (m_h - xt) / sigma_t with xt = x / t (SPEC §1, first form), float64."""
    x, s = x.astype(np.float64), s.astype(np.float64)
    sigma_t = 1 - (1 - sigma_min) * t
    h = sigma_t / t
    xt = x / t
    d2 = ((xt[:, None, :] - s[None, :, :]) ** 2).sum(-1)
    logits = -d2 / (2 * h * h)
    w = np.exp(logits - logits.max(axis=1, keepdims=True))
    w /= w.sum(axis=1, keepdims=True)
    return xt + (w @ s - xt) / sigma_t


def inputs(n=40, m=70, d=5):
    rng = np.random.default_rng(7)
    return (rng.standard_normal((n, d)).astype(np.float32),
            rng.standard_normal((m, d)).astype(np.float32))


class PeersTest(unittest.TestCase):
    def assert_close(self, u, want):
        err = np.max(np.abs(u - want)) / (1 + np.max(np.abs(want)))
        self.assertLess(err, 3e-4)

    def test_numpy_gemm_matches_the_velocity(self):
        velocity, _ = peers_bench.numpy_gemm(np)
        x, s = inputs()
        for t in (0.2, 0.5, 0.9):
            self.assert_close(velocity(x, s, t), paper_velocity(x, s, t))

    def test_reference_sample_and_check(self):
        x, s = inputs()
        rows, u_ref, neff_mean = peers_bench.reference_sample(np, x, s, 0.5)
        self.assertEqual(rows[0], 0)
        self.assertEqual(rows[-1], len(x) - 1)
        np.testing.assert_allclose(u_ref, paper_velocity(x, s, 0.5)[rows], rtol=1e-9, atol=1e-9)
        self.assertTrue(1.0 <= neff_mean <= len(s))
        good = paper_velocity(x, s, 0.5).astype(np.float32)
        self.assertLess(peers_bench.check(np, good, rows, u_ref), 3e-4)
        bad = good.copy()
        bad[rows[3], 0] += 1.0
        self.assertGreater(peers_bench.check(np, bad, rows, u_ref), 3e-4)
        bad[rows[3], 0] = np.nan
        self.assertEqual(peers_bench.check(np, bad, rows, u_ref), float("inf"))

    def test_torch_peers_match_the_velocity(self):
        try:
            import torch
        except ImportError:
            self.skipTest("torch is not installed")
        x, s = inputs()
        for make in (peers_bench.torch_naive, peers_bench.torch_gemm):
            velocity, _ = make(torch)
            for t in (0.2, 0.9):
                u = velocity(torch.from_numpy(x), torch.from_numpy(s), t).numpy()
                self.assert_close(u, paper_velocity(x, s, t))

    def test_grid_names_follow_kfm_bench(self):
        cases = peers_bench.grid(quick=False, all_threads=2)
        self.assertIn((16, 16384, 8192, 500, 2), cases)
        self.assertIn((16, 16384, 8192, 500, 1), cases)
        self.assertEqual(len(cases), len(set(cases)))
        self.assertEqual(peers_bench.case_name("numpy-gemm", 16, 1024, 256, 500, 2),
                         "BM_Velocity/numpy-gemm/f32/iso/d:16/m:1024/n:256/t:500/threads:2")

    def test_unknown_peer_is_a_usage_error(self):
        r = run_script("peers_bench.py", "--out", "/tmp/x.json", "--peers", "jax")
        self.assertEqual(r.returncode, 2)
        self.assertIn("unknown peer", r.stderr)


if __name__ == "__main__":
    unittest.main()
