// Confidence intervals for the rates a campaign estimates, and the Leveugle sample size.
//
// A campaign estimates proportions: the share of sampled faults (or of fault-image
// injections) in a class. Two intervals are reported, each named in the output:
//   wilson        Wilson score interval (Wilson 1927): p in the set where
//                 |p_hat - p| <= z sqrt(p (1-p) / n); well-behaved at 0 of n and n of n,
//                 where the normal-approximation (Wald) interval collapses to a point.
//   leveugle_fpc  the margin of statistical fault injection (Leveugle et al., DATE 2009):
//                 e = t sqrt(p (1-p) / n * (N - n) / (N - 1)), the normal approximation with
//                 the finite population correction for n faults drawn without replacement
//                 from a population of N. It is the inverse of their sample size
//                 n = N / (1 + e^2 (N-1) / (t^2 p (1-p))).
// Both take the two-sided normal quantile t (= z) of a confidence level: 0.99 gives 2.5758
// (Leveugle's lists use the rounded 2.58).
#pragma once
#include <cstdint>
#include <limits>

namespace faultbench::stats {

// Phi^-1(p), the standard normal quantile, for p in (0, 1): Acklam's rational
// approximation refined by one Halley step on std::erfc (relative error below 1e-15 in
// the central region). Throws UsageError outside (0, 1).
double normal_quantile(double p);

// The two-sided quantile of a confidence level c in (0, 1): Phi^-1(1 - (1 - c) / 2).
// Throws UsageError naming the rule outside (0, 1).
double z_for_confidence(double confidence);

struct Interval {
  double estimate = 0, low = 0, high = 0;
  double half_width() const { return (high - low) / 2; }
};

// Wilson score interval of `successes` out of `n` (n > 0, 0 <= successes <= n; both may be
// fractional, e.g. an effective n). n == 0 gives the uninformative [0, 1] around 0.
Interval wilson_interval(double successes, double n, double z);

// The effective sample size that folds the finite population correction into a
// with-replacement interval: n (N - 1) / (N - n). Infinite when n >= N (every member seen:
// the rate is exact); n itself when N is infinite (population unknown).
double fpc_effective_n(double n, double population);

// Wilson interval with the finite population correction (n replaced by fpc_effective_n):
// the interval the campaign's --until-margin stops on.
Interval wilson_fpc_interval(double successes, double n, double population, double z);

inline constexpr double kUnknownPopulation = std::numeric_limits<double>::infinity();

// Leveugle's margin e = t sqrt(p (1-p) / n * (N - n) / (N - 1)); with an unknown (infinite)
// population the correction is 1. n >= N gives 0; n == 0 gives infinity.
double leveugle_margin(double n, double population, double t, double p);

// Leveugle's sample size N / (1 + e^2 (N-1) / (t^2 p (1-p))), unrounded (the fault-list
// generator rounds it half to even: faults/sampling.h).
double leveugle_sample_size(double population, double error, double t, double p);

// p_hat +- leveugle_margin(n, N, t, p_hat), clipped to [0, 1]: the normal-approximation
// interval of statistical fault injection, evaluated at the observed rate.
Interval leveugle_fpc_interval(double successes, double n, double population, double t);

}  // namespace faultbench::stats
