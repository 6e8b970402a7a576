// Closed-form population velocity of a Gaussian mixture (SPEC §2). Per component k the
// path marginal is N(t mu_k, A_k) with A_k = t^2 Sigma_k + sigma_t^2 C; with A_k = L L^T:
//   log N = -|L^-1 r|^2 / 2 - sum log diag L - d/2 log 2 pi,   r = x - t mu_k
//   E[x_1 | x, k] = mu_k + t Sigma_k L^-T L^-1 r
// Rows are processed in independent blocks (parallel, thread-count independent).
#include "kfm/gmm_velocity.hpp"

#include <cmath>
#include <numbers>

#include <Eigen/Cholesky>
#include <fmt/format.h>
#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>

#include "kfm/error.hpp"

namespace kfm {
namespace {

using ColMatrix = Eigen::MatrixXd;
constexpr Eigen::Index kBlockRows = 256;

struct ComponentFactor {
  Eigen::LLT<ColMatrix> llt;
  double log_norm = 0.0;  // log pi_k - sum log diag L - d/2 log 2 pi
};

void validate(const GaussianMixture& gmm, const Matrix<double>& x, const Matrix<double>* noise) {
  if (gmm.weights.empty()) throw Error("Gaussian mixture has no components");
  if (gmm.means.size() != gmm.weights.size() || gmm.covs.size() != gmm.weights.size())
    throw Error("Gaussian mixture has inconsistent weights, means and covariances");
  const Eigen::Index d = gmm.dim();
  for (size_t k = 0; k < gmm.weights.size(); ++k) {
    if (gmm.means[k].size() != d || gmm.covs[k].rows() != d || gmm.covs[k].cols() != d)
      throw Error(fmt::format("Gaussian mixture component {} does not have dimension {}", k, d));
    if (!(gmm.weights[k] > 0.0) || !std::isfinite(gmm.weights[k]))
      throw Error(fmt::format("Gaussian mixture weight {} is not positive", k));
  }
  if (x.cols() != d)
    throw Error(fmt::format("points have {} columns but the mixture has dimension {}", x.cols(), d));
  if (!x.allFinite()) throw Error("points contain a non-finite value");
  if (noise) {
    if (noise->rows() != d || noise->cols() != d)
      throw Error(fmt::format("noise covariance is {}x{} but the dimension is {}", noise->rows(),
                              noise->cols(), d));
    if (!noise->allFinite()) throw Error("noise covariance contains NaN or Inf");
    const double scale = noise->cwiseAbs().maxCoeff();
    if ((*noise - noise->transpose()).cwiseAbs().maxCoeff() > 1e-8 * scale)
      throw Error("noise covariance is not symmetric");
  }
}

std::vector<ComponentFactor> factorize(const GaussianMixture& gmm, const FlowTime& time,
                                       const Matrix<double>* noise) {
  const double t = time.t(), s = time.sigma_t();
  const auto d = static_cast<double>(gmm.dim());
  std::vector<ComponentFactor> factors(gmm.weights.size());
  for (size_t k = 0; k < factors.size(); ++k) {
    ColMatrix a = (t * t) * gmm.covs[k];
    if (noise)
      a += (s * s) * 0.5 * (*noise + noise->transpose());
    else
      a.diagonal().array() += s * s;
    factors[k].llt.compute(a);
    const ColMatrix lower = factors[k].llt.matrixL();
    if (factors[k].llt.info() != Eigen::Success || !(lower.diagonal().array() > 0.0).all())
      throw Error(noise ? "noise covariance is not positive definite"
                        : "Gaussian mixture covariance is not positive semi-definite");
    factors[k].log_norm = std::log(gmm.weights[k]) -
                          lower.diagonal().array().log().sum() -
                          0.5 * d * std::log(2.0 * std::numbers::pi);
  }
  return factors;
}

// For rows [begin, end): whichever of posterior weights, posterior mean and log density
// are wanted (non-null).
void process_block(const GaussianMixture& gmm, const std::vector<ComponentFactor>& factors,
                   const Matrix<double>& x, const FlowTime& time, Eigen::Index begin,
                   Eigen::Index end, Matrix<double>* weights, Matrix<double>* mean,
                   Vector<double>* log_density) {
  const Eigen::Index b = end - begin, K = gmm.components();
  const double t = time.t();
  ColMatrix log_joint(b, K);  // log pi_k N(x; t mu_k, A_k)
  std::vector<ColMatrix> cond_means;  // d x b per component
  const ColMatrix xt = x.middleRows(begin, b).transpose();  // d x b
  for (Eigen::Index k = 0; k < K; ++k) {
    const auto& f = factors[size_t(k)];
    ColMatrix r = xt;
    r.colwise() -= t * gmm.means[size_t(k)];
    const ColMatrix y = f.llt.matrixL().solve(r);
    log_joint.col(k) = (f.log_norm - 0.5 * y.colwise().squaredNorm().array()).transpose();
    if (mean) {
      ColMatrix cm = t * (gmm.covs[size_t(k)] * f.llt.matrixU().solve(y));
      cm.colwise() += gmm.means[size_t(k)];
      cond_means.push_back(std::move(cm));
    }
  }
  for (Eigen::Index j = 0; j < b; ++j) {
    const double top = log_joint.row(j).maxCoeff();
    const double log_sum = top + std::log((log_joint.row(j).array() - top).exp().sum());
    if (log_density) (*log_density)(begin + j) = log_sum;
    const Eigen::RowVectorXd w = (log_joint.row(j).array() - log_sum).exp();
    if (weights) weights->row(begin + j) = w;
    if (mean) {
      Eigen::VectorXd acc = Eigen::VectorXd::Zero(x.cols());
      for (Eigen::Index k = 0; k < K; ++k) acc += w(k) * cond_means[size_t(k)].col(j);
      mean->row(begin + j) = acc.transpose();
    }
  }
}

void run(const GaussianMixture& gmm, const Matrix<double>& x, const FlowTime& time,
         const Matrix<double>* noise, Matrix<double>* weights, Matrix<double>* mean,
         Vector<double>* log_density) {
  validate(gmm, x, noise);
  const auto factors = factorize(gmm, time, noise);
  const Eigen::Index n = x.rows();
  if (weights) weights->resize(n, gmm.components());
  if (mean) mean->resize(n, x.cols());
  if (log_density) log_density->resize(n);
  const Eigen::Index blocks = (n + kBlockRows - 1) / kBlockRows;
  tbb::parallel_for(Eigen::Index{0}, blocks, [&](Eigen::Index block) {
    const Eigen::Index begin = block * kBlockRows;
    process_block(gmm, factors, x, time, begin, std::min(n, begin + kBlockRows), weights, mean,
                  log_density);
  });
}

Matrix<double> velocity_from_mean(const Matrix<double>& mean, const Matrix<double>& x,
                                  const FlowTime& time) {
  // u* = E[x_1 - (1 - sigma_min) x_0 | x] = (E[x_1 | x] - (1 - sigma_min) x) / sigma_t.
  return (mean - time.drift() * x) / time.sigma_t();
}

}  // namespace

Matrix<double> gmm_posterior_weights(const GaussianMixture& gmm, const Matrix<double>& x,
                                     const FlowTime& time) {
  Matrix<double> w;
  run(gmm, x, time, nullptr, &w, nullptr, nullptr);
  return w;
}

Matrix<double> gmm_posterior_weights(const GaussianMixture& gmm, const Matrix<double>& x,
                                     const FlowTime& time, const Matrix<double>& noise_cov) {
  Matrix<double> w;
  run(gmm, x, time, &noise_cov, &w, nullptr, nullptr);
  return w;
}

Matrix<double> gmm_posterior_mean(const GaussianMixture& gmm, const Matrix<double>& x,
                                  const FlowTime& time) {
  Matrix<double> mean;
  run(gmm, x, time, nullptr, nullptr, &mean, nullptr);
  return mean;
}

Matrix<double> gmm_posterior_mean(const GaussianMixture& gmm, const Matrix<double>& x,
                                  const FlowTime& time, const Matrix<double>& noise_cov) {
  Matrix<double> mean;
  run(gmm, x, time, &noise_cov, nullptr, &mean, nullptr);
  return mean;
}

Matrix<double> gmm_velocity(const GaussianMixture& gmm, const Matrix<double>& x,
                            const FlowTime& time) {
  return velocity_from_mean(gmm_posterior_mean(gmm, x, time), x, time);
}

Matrix<double> gmm_velocity(const GaussianMixture& gmm, const Matrix<double>& x,
                            const FlowTime& time, const Matrix<double>& noise_cov) {
  return velocity_from_mean(gmm_posterior_mean(gmm, x, time, noise_cov), x, time);
}

Vector<double> gmm_path_log_density(const GaussianMixture& gmm, const Matrix<double>& x,
                                    const FlowTime& time) {
  Vector<double> log_density;
  run(gmm, x, time, nullptr, nullptr, nullptr, &log_density);
  return log_density;
}

}  // namespace kfm
