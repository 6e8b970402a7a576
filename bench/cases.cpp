#include "cases.hpp"

#include <set>

#include <fmt/format.h>

namespace kfm::bench {

std::string VelocityCase::name() const {
  return fmt::format("BM_Velocity/{}/{}/{}/d:{}/m:{}/n:{}/t:{}/threads:{}", backend,
                     precision == Precision::f32 ? "f32" : "f64",
                     kernel == Kernel::iso ? "iso" : "mahalanobis", d, m, n, t_milli, threads);
}

namespace {

class SweepBuilder {
 public:
  SweepBuilder(const std::vector<std::string>& backends, int all_threads)
      : all_threads_(all_threads) {
    for (const std::string& b : backends) {
      if (b == "reference")
        has_reference_ = true;
      else
        fast_.push_back(b);
    }
  }

  // Starts a group; `fast` cases go to every non-reference backend, `reference`
  // cases to the reference backend only.
  void group(std::string purpose) { groups_.push_back({std::move(purpose), {}}); }
  void fast(VelocityCase c) {
    for (const std::string& b : fast_) add(c, b);
  }
  void everyone(VelocityCase c) {
    fast(c);
    if (has_reference_) add(c, "reference");
  }
  int all() const { return all_threads_; }

  std::vector<SweepGroup> done() {
    std::vector<SweepGroup> out;
    for (SweepGroup& g : groups_)
      if (!g.cases.empty()) out.push_back(std::move(g));
    return out;
  }

 private:
  void add(VelocityCase c, const std::string& backend) {
    c.backend = backend;
    if (seen_.insert(c.name()).second) groups_.back().cases.push_back(c);
  }

  int all_threads_;
  bool has_reference_ = false;
  std::vector<std::string> fast_;
  std::vector<SweepGroup> groups_;
  std::set<std::string> seen_;
};

VelocityCase make(Precision p, Kernel k, long d, long m, long n, int t_milli, int threads) {
  VelocityCase c;
  c.precision = p;
  c.kernel = k;
  c.d = d;
  c.m = m;
  c.n = n;
  c.t_milli = t_milli;
  c.threads = threads;
  return c;
}

void full_sweep(SweepBuilder& s) {
  using enum Precision;
  using enum Kernel;
  const int all = s.all();
  s.group("small cases, every backend incl. reference (f32 and f64)");
  for (long d : {2L, 16L, 64L})
    for (Precision p : {f32, f64}) s.everyone(make(p, iso, d, 1024, 256, 500, all));
  s.everyone(make(f64, mahalanobis, 16, 1024, 256, 500, all));
  s.everyone(make(f64, iso, 16, 1024, 256, 500, 1));
  s.group("throughput vs dimension d (f32, m=16384, n=8192, t=0.5)");
  for (long d : kDims) s.fast(make(f32, iso, d, 16384, 8192, 500, all));
  s.group("throughput vs support size m (f32, d=16, n=8192, t=0.5)");
  for (long m : kSupportSizes) s.fast(make(f32, iso, 16, m, 8192, 500, all));
  s.group("few queries n=256 (f32, d=16, 64)");
  for (long d : {16L, 64L}) s.fast(make(f32, iso, d, 16384, 256, 500, all));
  s.group("time across t (f32, d=16 and 64, m=16384, n=8192)");
  for (long d : {16L, 64L})
    for (int t : kTimesMilli) s.fast(make(f32, iso, d, 16384, 8192, t, all));
  s.group("thread scaling: 1 thread vs all cores (f32, m=16384, n=8192)");
  for (long d : {4L, 16L, 64L})
    for (int threads : {1, all}) s.fast(make(f32, iso, d, 16384, 8192, 500, threads));
  s.group("float64 (d=16, 64, m=16384, n=8192)");
  for (long d : {16L, 64L}) s.fast(make(f64, iso, d, 16384, 8192, 500, all));
  s.group("Mahalanobis kernel (d=16, 64, m=16384, n=8192)");
  for (long d : {16L, 64L})
    for (Precision p : {f32, f64}) s.fast(make(p, mahalanobis, d, 16384, 8192, 500, all));
}

void quick_sweep(SweepBuilder& s) {
  using enum Precision;
  using enum Kernel;
  const int all = s.all();
  s.group("quick (CI): small cases on every backend, two large cases per fast backend");
  s.everyone(make(f32, iso, 16, 1024, 256, 500, all));
  s.everyone(make(f64, iso, 16, 1024, 256, 500, all));
  s.everyone(make(f32, mahalanobis, 16, 1024, 256, 500, all));
  s.fast(make(f32, iso, 64, 1024, 256, 500, all));
  s.fast(make(f32, iso, 16, 1024, 256, 999, all));
  s.fast(make(f32, iso, 16, 16384, 256, 500, 1));
  s.fast(make(f32, iso, 16, 16384, 8192, 500, all));
}

}  // namespace

std::vector<SweepGroup> velocity_sweep(SweepKind kind, const std::vector<std::string>& backends,
                                       int all_threads) {
  SweepBuilder builder(backends, all_threads);
  if (kind == SweepKind::quick)
    quick_sweep(builder);
  else
    full_sweep(builder);
  return builder.done();
}

}  // namespace kfm::bench
