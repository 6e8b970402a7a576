#pragma once
// The flow's time schedule (SPEC §1): the single place where t, sigma_min,
// sigma_t, the bandwidth h(t) and the velocity's affine form are defined.
// Every backend takes its scalars from here.

namespace kfm {

class FlowTime {
 public:
  // Throws kfm::Error unless t is in (0, 1] and sigma_min in (0, 1] (both finite).
  FlowTime(double t, double sigma_min);

  double t() const { return t_; }
  double sigma_min() const { return sigma_min_; }
  // sigma_t = 1 - (1 - sigma_min) t, the noise scale of the path at time t.
  double sigma_t() const { return sigma_t_; }
  // h(t) = sigma_t / t, the bandwidth of the kernel on de-scaled queries x / t.
  double bandwidth() const { return sigma_t_ / t_; }
  // logit = -|x/t - s|^2 * logit_scale(), i.e. 1 / (2 h^2) = t^2 / (2 sigma_t^2).
  double logit_scale() const;
  // Coefficient of x in u = (m_h - (1 - sigma_min) x) / sigma_t.
  double drift() const { return 1.0 - sigma_min_; }

 private:
  double t_;
  double sigma_min_;
  double sigma_t_;
};

}  // namespace kfm
