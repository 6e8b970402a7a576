// Geometry mismatch (SPEC §3.2): how far the isotropic kernel's local mean m_h
// falls off the data, the plug-in velocity error against the population field
// and n_eff, for the isotropic kernel and for a whitened one (metric
// M = Cov_reg(S)^-1, whose exact field is that of the path with noise
// covariance M^-1 = Cov_reg, SPEC §1.5), and MMD of each flow's samples
// against held-out targets. The population field is the closed form for gmm
// and, for shells, the NW field of a large independent support (the published
// 50,000-point proxy) with the same metric at the same t.
#include <optional>

#include <fmt/format.h>

#include "kfm/error.hpp"
#include "kfm/generators.hpp"
#include "kfm/gmm_velocity.hpp"
#include "kfm/metrics.hpp"
#include "kfm/sampler.hpp"
#include "regime_common.hpp"

namespace kfm::regimes {
namespace {

using detail::Experiment;

// Per kernel (isotropic, whitened) and t.
struct KernelAtT {
  double neff = 0.0;
  double off_data = 0.0;   // shells: mean |‖m_h‖ - nearest radius| / noise; gmm: log-density gap
  double rel_error = 0.0;  // E|u - u*|^2 / E|u*|^2 over the compared queries
  std::vector<double> off_data_queries;
};

struct TaskResult {
  std::vector<KernelAtT> iso, white;  // [t]
  double mmd_iso = 0.0, mmd_white = 0.0, mmd_support = 0.0;
  double targets_off_data = 0.0;      // the same off-data measure on the targets themselves
};

double mean_distance_to_shells(const Shells& shells, const Matrix<double>& points,
                               std::vector<double>* each) {
  double total = 0.0;
  for (Eigen::Index i = 0; i < points.rows(); ++i) {
    const double v =
        shells.distance_to_nearest_shell(points.row(i).transpose()) / shells.noise;
    total += v;
    if (each) each->push_back(v);
  }
  return total / static_cast<double>(points.rows());
}

TaskResult run_task(const std::string& generator, int d, int task, const MismatchConfig& c,
                    const Common& common) {
  Rng rng = detail::task_rng(common.seed, Experiment::mismatch, detail::generator_id(generator),
                             d, task);
  std::optional<GaussianMixture> gmm;
  std::optional<Shells> shells;
  Task draw;
  if (generator == "gmm") {
    gmm = make_gmm(d, GmmParams{}, rng);
    draw = make_task(*gmm, c.m, c.targets, rng);
  } else {
    shells = make_shells(d, ShellsParams{}, rng);
    draw = make_task(*shells, c.m, c.targets, rng);
  }
  const Matrix<double> proxy = shells ? shells->sample(c.proxy_size, rng) : Matrix<double>();
  const Matrix<double> noise_cov = detail::regularized_covariance(draw.support, c.whiten_ridge);
  const Matrix<double> noise_factor = detail::cholesky_lower(noise_cov);
  const Metric whitened = Metric::mahalanobis(detail::spd_inverse(noise_cov));
  const Matrix<double> x1 = draw.targets.topRows(c.queries);
  const FlowTime data_time(1.0, common.sigma_min);  // gmm off-data: log p_1 (the data density)
  const double targets_log_density =
      gmm ? gmm_path_log_density(*gmm, x1, data_time).mean() : 0.0;

  TaskResult r;
  r.targets_off_data =
      shells ? mean_distance_to_shells(*shells, x1, nullptr) : 0.0;
  for (double t : c.times) {
    const FlowTime time(t, common.sigma_min);
    const Matrix<double> z = rng.normal_matrix(c.queries, d);
    for (int kernel = 0; kernel < 2; ++kernel) {
      const bool white = kernel == 1;
      const Metric& metric = white ? whitened : Metric::isotropic();
      // The whitened path's noise is N(0, Cov_reg): rows z L^T.
      const Matrix<double> x0 = white ? Matrix<double>(z * noise_factor.transpose()) : z;
      const Matrix<double> q = detail::path_points(x1, x0, time);
      const detail::NwField f = detail::nw_field(q, draw.support, time, metric, common.backend);
      KernelAtT k;
      k.neff = f.neff.mean();
      if (shells) {
        k.off_data = mean_distance_to_shells(*shells, f.local_mean, &k.off_data_queries);
        const Eigen::Index nq = std::min<Eigen::Index>(c.proxy_queries, q.rows());
        const Matrix<double> qp = q.topRows(nq);
        const Matrix<double> truth =
            detail::nw_field(qp, proxy, time, metric, common.backend).u;
        k.rel_error = detail::mean_squared_distance(f.u.topRows(nq), truth) /
                      detail::mean_squared_norm(truth);
      } else {
        const Vector<double> logp = gmm_path_log_density(*gmm, f.local_mean, data_time);
        k.off_data = targets_log_density - logp.mean();
        k.off_data_queries.assign(logp.data(), logp.data() + logp.size());
        for (double& v : k.off_data_queries) v = targets_log_density - v;
        const Matrix<double> truth = white ? gmm_velocity(*gmm, q, time, noise_cov)
                                           : gmm_velocity(*gmm, q, time);
        k.rel_error =
            detail::mean_squared_distance(f.u, truth) / detail::mean_squared_norm(truth);
      }
      (white ? r.white : r.iso).push_back(std::move(k));
    }
  }
  SampleOptions options;
  options.steps = c.steps;
  options.sigma_min = common.sigma_min;
  options.backend = common.backend;
  const Matrix<double> z = rng.normal_matrix(c.samples, d);
  const Matrix<double> iso_samples = sample_flow(draw.support, z, options);
  options.metric = whitened;
  const Matrix<double> white_samples =
      sample_flow(draw.support, Matrix<double>(z * noise_factor.transpose()), options);
  // One bandwidth for both flows so their MMDs are comparable (paired).
  const double bandwidth = median_heuristic_bandwidth(draw.support, draw.targets);
  r.mmd_iso = mmd2_unbiased(iso_samples, draw.targets, bandwidth);
  r.mmd_white = mmd2_unbiased(white_samples, draw.targets, bandwidth);
  r.mmd_support = mmd2_unbiased(draw.support, draw.targets, bandwidth);
  return r;
}

nlohmann::json kernel_json(const std::vector<TaskResult>& tasks, size_t k, bool white) {
  std::vector<double> neff, off, err, pooled_off;
  for (const auto& r : tasks) {
    const KernelAtT& v = white ? r.white[k] : r.iso[k];
    neff.push_back(v.neff);
    off.push_back(v.off_data);
    err.push_back(v.rel_error);
    pooled_off.insert(pooled_off.end(), v.off_data_queries.begin(), v.off_data_queries.end());
  }
  return {{"neff", detail::summary(neff)},
          {"off_data", detail::summary(off)},
          {"off_data_queries", detail::quantiles(pooled_off)},
          {"velocity_rel_mse", detail::summary(err)}};
}

void validate(const MismatchConfig& c) {
  detail::check_times(c.times, "mismatch");
  if (c.m < 2 || c.tasks < 1 || c.queries < 1 || c.proxy_size < 1 || c.proxy_queries < 1 ||
      c.samples < 2 || c.targets < 2 || c.steps < 1)
    throw Error("mismatch: sizes must be positive (m, samples, targets >= 2)");
  if (c.targets < c.queries) throw Error("mismatch: targets must be >= queries");
  if (!(c.whiten_ridge > 0.0)) throw Error("mismatch: whiten_ridge must be > 0");
  for (int d : c.dims)
    if (d < 1) throw Error(fmt::format("mismatch: dimension must be >= 1, got {}", d));
  for (const auto& g : c.generators) (void)detail::generator_id(g);
}

}  // namespace

nlohmann::json run_mismatch(const MismatchConfig& c, const Common& common) {
  validate(c);
  nlohmann::json results = nlohmann::json::array();
  const size_t total = c.generators.size() * c.dims.size();
  size_t done = 0;
  for (const auto& generator : c.generators) {
    for (int d : c.dims) {
      detail::report(common, fmt::format("mismatch {} d={} ({}/{})", generator, d, ++done, total));
      std::vector<TaskResult> tasks(static_cast<size_t>(c.tasks));
      detail::for_each_task(c.tasks, [&](int task) {
        tasks[size_t(task)] = run_task(generator, d, task, c, common);
      });
      nlohmann::json by_t = nlohmann::json::array();
      for (size_t k = 0; k < c.times.size(); ++k) {
        const FlowTime time(c.times[k], common.sigma_min);
        std::vector<double> err_diff, neff_diff;
        for (const auto& r : tasks) {
          err_diff.push_back(r.iso[k].rel_error - r.white[k].rel_error);
          neff_diff.push_back(r.iso[k].neff - r.white[k].neff);
        }
        by_t.push_back({{"t", time.t()},
                        {"h", time.bandwidth()},
                        {"isotropic", kernel_json(tasks, k, false)},
                        {"whitened", kernel_json(tasks, k, true)},
                        {"rel_mse_iso_minus_white", detail::summary(err_diff)},
                        {"neff_iso_minus_white", detail::summary(neff_diff)}});
      }
      std::vector<double> mi, mw, ms, md, toff;
      for (const auto& r : tasks) {
        mi.push_back(r.mmd_iso);
        mw.push_back(r.mmd_white);
        ms.push_back(r.mmd_support);
        md.push_back(r.mmd_iso - r.mmd_white);
        toff.push_back(r.targets_off_data);
      }
      nlohmann::json row{{"generator", generator},
                         {"d", d},
                         {"by_t", by_t},
                         {"mmd2",
                          {{"isotropic", detail::summary(mi)},
                           {"whitened", detail::summary(mw)},
                           {"support_baseline", detail::summary(ms)},
                           {"iso_minus_white", detail::summary(md)}}}};
      if (generator == "shells") row["targets_off_data"] = detail::summary(toff);
      results.push_back(row);
    }
  }
  return {{"parameters",
           {{"generators", c.generators},
            {"dims", c.dims},
            {"times", c.times},
            {"m", c.m},
            {"tasks", c.tasks},
            {"queries", c.queries},
            {"proxy_size", c.proxy_size},
            {"proxy_queries", c.proxy_queries},
            {"samples", c.samples},
            {"targets", c.targets},
            {"steps", c.steps},
            {"solver", "euler"},
            {"whiten_ridge", c.whiten_ridge},
            {"sigma_min", common.sigma_min},
            {"mmd_bandwidth", "median heuristic over support and targets, shared by both flows"},
            {"off_data",
             {{"shells", "|norm(m_h) - nearest radius| / noise"},
              {"gmm", "mean log p_1(targets) - log p_1(m_h), p_1 the data density"}}}}},
          {"results", results}};
}

}  // namespace kfm::regimes
