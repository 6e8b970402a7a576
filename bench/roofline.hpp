#pragma once
// The roofline every velocity case is measured against (SPEC §6): a query-support
// pair costs 4d flops and one exp, so on a machine with measured fp32 FMA peak P
// (flop/s) and vector exp rate E (exp/s) the best possible time per pair is
//   4d / P + 1 / E.
// The rates are measured per thread count by calibration.cpp before any velocity
// case runs; roofline_fraction = (roofline time) / (measured time).
#include <map>

namespace kfm::bench {

struct MachineRates {
  double fma_flops = 0;    // fp32 FMA peak, flop/s
  double exp_per_s = 0;    // vector exp throughput, exp/s
  double bytes_per_s = 0;  // memory bandwidth (STREAM triad), bytes/s
};

class Roofline {
 public:
  void set(int threads, const MachineRates& rates) { rates_[threads] = rates; }
  bool empty() const { return rates_.empty(); }
  // Rates for `threads` threads: measured if that count was calibrated, else the
  // nearest calibrated count below, scaled linearly (capped by the largest one).
  MachineRates at(int threads) const;
  // Best possible seconds per query-support pair at dimension d (0 if uncalibrated).
  double seconds_per_pair(long d, int threads) const;
  const std::map<int, MachineRates>& measured() const { return rates_; }

 private:
  std::map<int, MachineRates> rates_;
};

// The process-wide roofline, filled once at start-up (main.cpp) before the
// velocity benchmarks run.
Roofline& roofline();

}  // namespace kfm::bench
