#pragma once
// Every benchmark verifies its answer (a benchmark must never report the speed of
// a wrong result): the backend's velocity and n_eff on a sample of the queries
// are compared with the float64 reference backend on the same inputs, using the
// accuracy contract of include/kfm/velocity.hpp.
#include <string>
#include <vector>

#include "kfm/matrix.hpp"
#include "kfm/velocity.hpp"

namespace kfm::bench {

struct ReferenceSample {
  std::vector<Eigen::Index> rows;  // sampled query rows, evenly spread, first and last included
  Matrix<double> u;                // reference velocity at those rows
  Vector<double> neff;             // reference n_eff at those rows
  Vector<double> max_logit;        // L = the row's largest logit -|x/t - s|^2 / (2 h^2)
};

// `queries` and `support` are the benchmark's inputs (as stored in its precision)
// widened to double; options.backend is ignored (the reference is used).
ReferenceSample reference_sample(const Matrix<double>& queries, const Matrix<double>& support,
                                 VelocityOptions options, int count);

// The part of `sample` whose rows are < limit (for a run on the leading rows only).
ReferenceSample rows_below(const ReferenceSample& sample, Eigen::Index limit);

struct CheckOutcome {
  bool ok = true;
  double u_err = 0;     // max|U - U_ref| / (1 + max|U_ref|) over the sample
  double neff_err = 0;  // max relative n_eff error (float: divided by 1 + |L|)
  std::string message;  // one line, empty when ok
};

// Compares rows `sample.rows` of a backend's full result. `neff` may be null.
template <class T>
CheckOutcome check_against_reference(const ReferenceSample& sample, const Matrix<T>& u,
                                     const Vector<T>* neff);

}  // namespace kfm::bench
