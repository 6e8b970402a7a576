#pragma once
// The population (infinite-support) velocity of a Gaussian-mixture target under
// the path x_t = t x_1 + sigma_t x_0 (SPEC §2), in closed form:
//   x_t | k ~ N(t mu_k, t^2 Sigma_k + sigma_t^2 C)       (C = noise covariance, I by default)
//   p(k | x) ∝ pi_k N(x; t mu_k, t^2 Sigma_k + sigma_t^2 C)   (log-sum-exp)
//   E[x_1 | x, k] = mu_k + t Sigma_k (t^2 Sigma_k + sigma_t^2 C)^-1 (x - t mu_k)
//   u*(x) = (E[x_1 | x] - (1 - sigma_min) x) / sigma_t
// The affine form holds for any noise covariance because sigma_t + (1 - sigma_min) t = 1.
// A noise covariance C = M^-1 is the path whose exact plug-in field is the
// NW smoother with metric M (SPEC §1, identity 5).
// All solves use Cholesky factors; no explicit inverse.
#include "kfm/flow_time.hpp"
#include "kfm/generators.hpp"
#include "kfm/matrix.hpp"

namespace kfm {

// n x K posterior component probabilities p(k | x_t = x).
Matrix<double> gmm_posterior_weights(const GaussianMixture& gmm, const Matrix<double>& x,
                                     const FlowTime& time);
Matrix<double> gmm_posterior_weights(const GaussianMixture& gmm, const Matrix<double>& x,
                                     const FlowTime& time, const Matrix<double>& noise_cov);

// n x d: E[x_1 | x_t = x] (the population counterpart of the NW mean m_h).
Matrix<double> gmm_posterior_mean(const GaussianMixture& gmm, const Matrix<double>& x,
                                  const FlowTime& time);
Matrix<double> gmm_posterior_mean(const GaussianMixture& gmm, const Matrix<double>& x,
                                  const FlowTime& time, const Matrix<double>& noise_cov);

// n x d: the population velocity u*(x).
Matrix<double> gmm_velocity(const GaussianMixture& gmm, const Matrix<double>& x,
                            const FlowTime& time);
Matrix<double> gmm_velocity(const GaussianMixture& gmm, const Matrix<double>& x,
                            const FlowTime& time, const Matrix<double>& noise_cov);

// n: log p_t(x), the marginal density of the path at time t (noise covariance I).
Vector<double> gmm_path_log_density(const GaussianMixture& gmm, const Matrix<double>& x,
                                    const FlowTime& time);

// All functions throw kfm::Error on an empty mixture, a column mismatch, non-finite
// x, or a noise covariance that is not d x d symmetric positive definite.

}  // namespace kfm
