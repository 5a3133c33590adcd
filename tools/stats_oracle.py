#!/usr/bin/env python3
"""Expected values for tests/stats/intervals_test.cpp, computed with SciPy.

Independent of faultbench's C++: the normal quantile is scipy.stats.norm.ppf, the Wilson
interval is scipy.stats.binomtest(k, n).proportion_ci(method="wilson") (SciPy's own
implementation), and Leveugle's sample size and margin are the DATE 2009 formulas written
out here. Prints C++ initializers that the test keeps verbatim; rerun after changing a case:

    /usr/bin/python3 tools/stats_oracle.py
Needs python3-scipy (Debian; scripts/install-deps.sh --test).
"""
import math

from scipy.stats import binomtest, norm

QUANTILES = [1e-12, 1e-6, 0.001, 0.01, 0.02425, 0.05, 0.3, 0.5, 0.7, 0.95, 0.975, 0.995, 0.999, 1 - 1e-9]
CONFIDENCES = [0.8, 0.9, 0.95, 0.99, 0.999]
# (successes, n, confidence): small and extreme counts, 0 of n, n of n, n = 1.
WILSON = [(0, 1, 0.95), (1, 1, 0.95), (0, 10, 0.95), (10, 10, 0.95), (3, 10, 0.95), (1, 2, 0.99),
          (0, 16627, 0.99), (16627, 16627, 0.99), (5838, 16627, 0.99), (1, 1000, 0.9), (999, 1000, 0.999)]
# (N, e, t, p) for Leveugle's sample size, and (n, N, t, p) for the margin.
LEVEUGLE_N = [(27712 * 64, 0.01, 2.58, 0.5), (11220132 * 64, 0.01, 2.58, 0.5), (1000, 0.05, 1.96, 0.5),
              (100, 0.01, 2.58, 0.2), (2, 0.01, 2.58, 0.5)]
LEVEUGLE_E = [(16627, 27712 * 64, 2.58, 0.5), (1000, 1e6, 1.96, 0.3), (1, 10, 2.58, 0.5), (9, 10, 2.58, 0.5),
              (500, 16627, 2.5758293035489004, 0.35)]


def leveugle_n(N, e, t, p):
    return N / (1 + e * e * (N - 1) / (t * t * p * (1 - p)))


def leveugle_e(n, N, t, p):
    return t * math.sqrt(p * (1 - p) / n * (N - n) / (N - 1))


def main():
    print("// tools/stats_oracle.py: {p, scipy.stats.norm.ppf(p)}")
    for p in QUANTILES:
        print(f"    {{{p!r}, {norm.ppf(p)!r}}},")
    print("// {confidence, norm.ppf(1 - (1 - c) / 2)}")
    for c in CONFIDENCES:
        print(f"    {{{c!r}, {norm.ppf(1 - (1 - c) / 2)!r}}},")
    print("// {k, n, confidence, low, high}: binomtest(k, n).proportion_ci(c, method='wilson')")
    for k, n, c in WILSON:
        ci = binomtest(k, n).proportion_ci(c, method="wilson")
        print(f"    {{{k}, {n}, {c!r}, {ci.low!r}, {ci.high!r}}},")
    print("// {N, e, t, p, n}: N / (1 + e^2 (N-1) / (t^2 p (1-p)))")
    for N, e, t, p in LEVEUGLE_N:
        print(f"    {{{N!r}, {e!r}, {t!r}, {p!r}, {leveugle_n(N, e, t, p)!r}}},")
    print("// {n, N, t, p, e}: t sqrt(p (1-p) / n (N-n) / (N-1))")
    for n, N, t, p in LEVEUGLE_E:
        print(f"    {{{n!r}, {N!r}, {t!r}, {p!r}, {leveugle_e(n, N, t, p)!r}}},")


if __name__ == "__main__":
    main()
