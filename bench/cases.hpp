#pragma once
// The velocity benchmark grid: one VelocityCase per benchmark, its name, and the
// built-in sweeps (default and --quick) over the axes of issue 4.
#include <string>
#include <vector>

namespace kfm::bench {

enum class Precision { f32, f64 };
enum class Kernel { iso, mahalanobis };
enum class SweepKind { full, quick };

struct VelocityCase {
  std::string backend;
  Precision precision = Precision::f32;
  Kernel kernel = Kernel::iso;
  long d = 16;
  long m = 1024;
  long n = 256;
  int t_milli = 500;  // flow time in thousandths
  int threads = 1;    // size of the oneTBB arena the velocity runs in

  double t() const { return t_milli / 1000.0; }
  double pairs() const { return double(n) * double(m); }
  // BM_Velocity/<backend>/<f32|f64>/<iso|mahalanobis>/d:../m:../n:../t:../threads:..
  std::string name() const;
};

// The axes (issue 4).
inline const std::vector<long> kDims{2, 4, 8, 16, 32, 64, 128, 256, 768};
inline const std::vector<long> kSupportSizes{64, 1024, 16384, 65536};
inline const std::vector<long> kQueryCounts{256, 8192};
inline const std::vector<int> kTimesMilli{50, 500, 950, 999};

// A named part of a sweep, for --help.
struct SweepGroup {
  std::string purpose;
  std::vector<VelocityCase> cases;
};

// `backends`: the registered backends; "reference" (scalar, ~1000x slower) only
// gets the small cases, every other backend the whole grid. `all_threads` is the
// core count. Case names are unique across the groups.
std::vector<SweepGroup> velocity_sweep(SweepKind kind, const std::vector<std::string>& backends,
                                       int all_threads);

}  // namespace kfm::bench
