// TEMPORARY stub: implementation follows.
#include "kfm/gmm_velocity.hpp"

#include "kfm/error.hpp"

namespace kfm {
Matrix<double> gmm_posterior_weights(const GaussianMixture&, const Matrix<double>&, const FlowTime&) { throw Error("not implemented"); }
Matrix<double> gmm_posterior_weights(const GaussianMixture&, const Matrix<double>&, const FlowTime&, const Matrix<double>&) { throw Error("not implemented"); }
Matrix<double> gmm_posterior_mean(const GaussianMixture&, const Matrix<double>&, const FlowTime&) { throw Error("not implemented"); }
Matrix<double> gmm_posterior_mean(const GaussianMixture&, const Matrix<double>&, const FlowTime&, const Matrix<double>&) { throw Error("not implemented"); }
Matrix<double> gmm_velocity(const GaussianMixture&, const Matrix<double>&, const FlowTime&) { throw Error("not implemented"); }
Matrix<double> gmm_velocity(const GaussianMixture&, const Matrix<double>&, const FlowTime&, const Matrix<double>&) { throw Error("not implemented"); }
Vector<double> gmm_path_log_density(const GaussianMixture&, const Matrix<double>&, const FlowTime&) { throw Error("not implemented"); }
}  // namespace kfm
