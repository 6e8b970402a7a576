// Collapse (SPEC §3.1): n_eff of the isotropic kernel on a t grid x d, over
// queries drawn on the path from held-out targets, for gmm and shells at fixed
// m; the gmm plug-in velocity error against the closed-form truth; n_eff
// averaged over t ~ U(0, 1) (stratified: one t per stratum and task).
#include <algorithm>
#include <variant>

#include <fmt/format.h>

#include "kfm/error.hpp"
#include "kfm/generators.hpp"
#include "kfm/gmm_velocity.hpp"
#include "regime_common.hpp"

namespace kfm::regimes {
namespace {

using detail::Experiment;

struct TaskResult {
  std::vector<std::vector<double>> neff;  // [t][query]
  std::vector<double> rel_error;          // [t], gmm error tasks only
  std::vector<double> uniform_neff;       // [stratum * queries]
};

TaskResult run_task(const std::string& generator, int d, int task, const CollapseConfig& c,
                    const Common& common) {
  Rng rng = detail::task_rng(common.seed, Experiment::collapse, detail::generator_id(generator),
                             d, task);
  std::optional<GaussianMixture> gmm;
  Task draw;
  if (generator == "gmm") {
    gmm = make_gmm(d, GmmParams{}, rng);
    draw = make_task(*gmm, c.m, c.queries, rng);
  } else {
    const Shells shells = make_shells(d, ShellsParams{}, rng);
    draw = make_task(shells, c.m, c.queries, rng);
  }
  const bool with_error = gmm && task < c.error_tasks;
  TaskResult r;
  for (double t : c.times) {
    const FlowTime time(t, common.sigma_min);
    const Matrix<double> x0 = rng.normal_matrix(c.queries, d);
    const Matrix<double> q = detail::path_points(draw.targets, x0, time);
    const detail::NwField f =
        detail::nw_field(q, draw.support, time, Metric::isotropic(), common.backend);
    r.neff.emplace_back(f.neff.data(), f.neff.data() + f.neff.size());
    if (with_error) {
      const Matrix<double> truth = gmm_velocity(*gmm, q, time);
      r.rel_error.push_back(detail::mean_squared_distance(f.u, truth) /
                            detail::mean_squared_norm(truth));
    }
  }
  const int per = c.uniform_t_queries, strata = c.uniform_t_strata;
  for (int j = 0; j < strata; ++j) {
    const double t = (j + 1.0 - rng.uniform()) / strata;  // in (j/J, (j+1)/J]
    const FlowTime time(t, common.sigma_min);
    Matrix<double> x1(per, d);
    for (int i = 0; i < per; ++i) x1.row(i) = draw.targets.row((j * per + i) % c.queries);
    const Matrix<double> q = detail::path_points(x1, rng.normal_matrix(per, d), time);
    const detail::NwField f =
        detail::nw_field(q, draw.support, time, Metric::isotropic(), common.backend);
    r.uniform_neff.insert(r.uniform_neff.end(), f.neff.data(), f.neff.data() + f.neff.size());
  }
  return r;
}

void validate(const CollapseConfig& c) {
  detail::check_times(c.times, "collapse");
  if (c.m < 1 || c.tasks < 1 || c.queries < 1 || c.uniform_t_strata < 1 ||
      c.uniform_t_queries < 1 || c.error_tasks < 0)
    throw Error("collapse: m, tasks, queries and strata must be positive");
  for (int d : c.dims)
    if (d < 1) throw Error(fmt::format("collapse: dimension must be >= 1, got {}", d));
  for (const auto& g : c.generators) (void)detail::generator_id(g);
}

}  // namespace

nlohmann::json run_collapse(const CollapseConfig& c, const Common& common) {
  validate(c);
  nlohmann::json results = nlohmann::json::array();
  const size_t total = c.generators.size() * c.dims.size();
  size_t done = 0;
  for (const auto& generator : c.generators) {
    for (int d : c.dims) {
      detail::report(common, fmt::format("collapse {} d={} ({}/{})", generator, d, ++done, total));
      std::vector<TaskResult> tasks(static_cast<size_t>(c.tasks));
      detail::for_each_task(c.tasks, [&](int task) {
        tasks[size_t(task)] = run_task(generator, d, task, c, common);
      });
      nlohmann::json by_t = nlohmann::json::array();
      for (size_t k = 0; k < c.times.size(); ++k) {
        const FlowTime time(c.times[k], common.sigma_min);
        std::vector<double> task_means, pooled, errors;
        size_t below = 0;
        for (const auto& r : tasks) {
          task_means.push_back(detail::mean_of(r.neff[k]));
          pooled.insert(pooled.end(), r.neff[k].begin(), r.neff[k].end());
          if (!r.rel_error.empty()) errors.push_back(r.rel_error[k]);
        }
        for (double v : pooled) below += v < 1.5 ? 1 : 0;
        nlohmann::json row{{"t", time.t()},
                           {"h", time.bandwidth()},
                           {"neff", detail::summary(task_means)},
                           {"neff_queries", detail::quantiles(pooled)},
                           {"frac_neff_below_1_5", double(below) / double(pooled.size())}};
        if (!errors.empty()) row["velocity_rel_mse"] = detail::summary(errors);
        by_t.push_back(row);
      }
      std::vector<double> uniform_means, uniform_pooled;
      for (const auto& r : tasks) {
        uniform_means.push_back(detail::mean_of(r.uniform_neff));
        uniform_pooled.insert(uniform_pooled.end(), r.uniform_neff.begin(),
                              r.uniform_neff.end());
      }
      results.push_back({{"generator", generator},
                         {"d", d},
                         {"by_t", by_t},
                         {"neff_t_uniform",
                          {{"neff", detail::summary(uniform_means)},
                           {"neff_queries", detail::quantiles(uniform_pooled)}}}});
    }
  }
  return {{"parameters",
           {{"generators", c.generators},
            {"dims", c.dims},
            {"times", c.times},
            {"m", c.m},
            {"tasks", c.tasks},
            {"queries", c.queries},
            {"error_tasks", c.error_tasks},
            {"uniform_t_strata", c.uniform_t_strata},
            {"uniform_t_queries", c.uniform_t_queries},
            {"sigma_min", common.sigma_min},
            {"gmm", {{"k_min", GmmParams{}.k_min}, {"k_max", GmmParams{}.k_max},
                     {"mean_scale", GmmParams{}.mean_scale}, {"cov_scale", GmmParams{}.cov_scale}}},
            {"shells", {{"k_min", ShellsParams{}.k_min}, {"k_max", ShellsParams{}.k_max},
                        {"radius_scale", ShellsParams{}.radius_scale},
                        {"noise", ShellsParams{}.noise}}}}},
          {"results", results}};
}

}  // namespace kfm::regimes
