#include "faultbench/campaign/intervals.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numbers>

#include "faultbench/error.h"

namespace faultbench::stats {

namespace {

// Acklam's coefficients (P. J. Acklam, "An algorithm for computing the inverse normal
// cumulative distribution function", 2003): relative error 1.15e-9 before refinement.
constexpr double kA[] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                         1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
constexpr double kB[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
                         -1.328068155288572e+01};
constexpr double kC[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                         -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
constexpr double kD[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00};
constexpr double kLow = 0.02425;

// The lower tail's rational function of q = sqrt(-2 log p).
double acklam_tail(double q) {
  return (((((kC[0] * q + kC[1]) * q + kC[2]) * q + kC[3]) * q + kC[4]) * q + kC[5]) /
         ((((kD[0] * q + kD[1]) * q + kD[2]) * q + kD[3]) * q + 1);
}

double acklam(double p) {
  if (p < kLow) return acklam_tail(std::sqrt(-2 * std::log(p)));
  if (p > 1 - kLow) return -acklam_tail(std::sqrt(-2 * std::log1p(-p)));
  const double q = p - 0.5, r = q * q;
  return (((((kA[0] * r + kA[1]) * r + kA[2]) * r + kA[3]) * r + kA[4]) * r + kA[5]) * q /
         (((((kB[0] * r + kB[1]) * r + kB[2]) * r + kB[3]) * r + kB[4]) * r + 1);
}

}  // namespace

double normal_quantile(double p) {
  if (!(p > 0 && p < 1)) throw UsageError(fmt::format("normal quantile of {}: the probability must be in (0, 1)", p));
  double x = acklam(p);
  // One Halley step on Phi(x) - p, Phi written with erfc (accurate in the lower tail; the
  // upper tail is refined on the complement so that 1 - p keeps its digits).
  const bool upper = p > 0.5;
  const double target = upper ? 1 - p : p;
  const double xs = upper ? -x : x;
  const double err = 0.5 * std::erfc(-xs / std::numbers::sqrt2) - target;
  const double u = err * std::sqrt(2 * std::numbers::pi) * std::exp(xs * xs / 2);
  const double refined = xs - u / (1 + xs * u / 2);
  return upper ? -refined : refined;
}

double z_for_confidence(double confidence) {
  if (!(confidence > 0 && confidence < 1))
    throw UsageError(fmt::format("confidence {}: must be in (0, 1), e.g. 0.99", confidence));
  return normal_quantile(1 - (1 - confidence) / 2);
}

Interval wilson_interval(double successes, double n, double z) {
  FAULTBENCH_CHECK(n >= 0 && successes >= 0 && successes <= n && z >= 0, "wilson_interval: bad counts");
  if (n == 0) return Interval{0, 0, 1};
  const double p = successes / n;
  if (std::isinf(n)) return Interval{p, p, p};
  const double z2n = z * z / n;
  const double center = (p + z2n / 2) / (1 + z2n);
  const double half = z / (1 + z2n) * std::sqrt(p * (1 - p) / n + z2n / (4 * n));
  Interval i{p, std::max(0.0, center - half), std::min(1.0, center + half)};
  // Exactly 0 of n and n of n: the bound the data reaches is the rate itself (rounding
  // would otherwise leave 1e-17 on the wrong side).
  if (successes == 0) i.low = 0;
  if (successes == n) i.high = 1;
  return i;
}

double fpc_effective_n(double n, double population) {
  FAULTBENCH_CHECK(n >= 0 && population >= 0, "fpc_effective_n: negative size");
  if (std::isinf(population)) return n;
  if (n >= population) return std::numeric_limits<double>::infinity();
  if (population <= 1) return n;
  return n * (population - 1) / (population - n);
}

Interval wilson_fpc_interval(double successes, double n, double population, double z) {
  if (n == 0) return wilson_interval(0, 0, z);
  const double n_eff = fpc_effective_n(n, population);
  if (std::isinf(n_eff)) return wilson_interval(successes / n, 1, 0);  // exact: zero width
  return wilson_interval(successes / n * n_eff, n_eff, z);
}

double leveugle_margin(double n, double population, double t, double p) {
  FAULTBENCH_CHECK(n >= 0 && population >= 0 && p >= 0 && p <= 1, "leveugle_margin: bad arguments");
  if (n == 0) return std::numeric_limits<double>::infinity();
  if (n >= population) return 0;
  const double fpc = std::isinf(population) || population <= 1 ? 1.0 : (population - n) / (population - 1);
  return t * std::sqrt(p * (1 - p) / n * fpc);
}

double leveugle_sample_size(double population, double error, double t, double p) {
  FAULTBENCH_CHECK(population >= 0 && error > 0 && t > 0 && p > 0 && p < 1, "leveugle_sample_size: bad arguments");
  if (population == 0) return 0;
  return population / (1 + error * error * (population - 1) / (t * t * p * (1 - p)));
}

Interval leveugle_fpc_interval(double successes, double n, double population, double t) {
  if (n == 0) return Interval{0, 0, 1};
  const double p = successes / n;
  const double e = leveugle_margin(n, population, t, p);
  return Interval{p, std::max(0.0, p - e), std::min(1.0, p + e)};
}

}  // namespace faultbench::stats
