// TEMPORARY stub: implementation follows.
#include "kfm/metrics.hpp"

#include "kfm/error.hpp"

namespace kfm {
double median_heuristic_bandwidth(const Matrix<double>&, const Matrix<double>&) { throw Error("not implemented"); }
double mmd2_unbiased(const Matrix<double>&, const Matrix<double>&, double) { throw Error("not implemented"); }
double energy_distance(const Matrix<double>&, const Matrix<double>&) { throw Error("not implemented"); }
PowerLawFit fit_power_law(const std::vector<double>&, const std::vector<double>&) { throw Error("not implemented"); }
double quantile(std::vector<double>, double) { throw Error("not implemented"); }
double student_t_quantile(double, int) { throw Error("not implemented"); }
}  // namespace kfm
