// TEMPORARY stub: implementation follows.
#include "kfm/sampler.hpp"

#include "kfm/error.hpp"

namespace kfm {
Solver parse_solver(std::string_view) { throw Error("not implemented"); }
std::string_view solver_name(Solver s) { return s == Solver::euler ? "euler" : "heun"; }
Matrix<double> sample_flow(const VelocityFunction&, const Matrix<double>&, const SampleOptions&) { throw Error("not implemented"); }
Matrix<double> sample_flow(const Matrix<double>&, const Matrix<double>&, const SampleOptions&) { throw Error("not implemented"); }
}  // namespace kfm
