// Descriptive statistics, the two rank tests `sfb compare` uses (Mann-Whitney U for
// independent samples, Wilcoxon signed-rank for paired rounds) and Holm's correction.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <vector>

#include "sorted_quantile.h"

namespace sfb::harness {

double median(std::span<const double> values);
// Linear interpolation between order statistics (Hyndman & Fan type 7, the default of R and
// numpy), q in [0, 1].
double quantile(std::span<const double> values, double q);
// The same on values already sorted is sorted_quantile(sorted, q), in host/ beside the regime
// rule that uses it too (sorted_quantile.h).
double mean(std::span<const double> values);
// Sample standard deviation (n - 1 in the denominator), 0 for fewer than two values.
double sample_stddev(std::span<const double> values);

// How a rank test computes its p-value: from the exact null distribution, from the normal
// approximation, or automatically (exact when it is exact and cheap, see each test).
enum class p_value_method { automatic, exact, asymptotic };

struct mann_whitney_result {
    double u_base = 0;  // U statistic of the first sample: pairs (x, y) with x > y, ties 1/2
    double p_value = 1;
    bool exact = false;  // which distribution gave the p-value
    bool ties = false;
};

// Two-sided Mann-Whitney U test of "x and y come from the same distribution".
// automatic: the exact null distribution when there are no ties and both samples have at
// most 50 values, otherwise the normal approximation with the tie correction of the variance
// and a continuity correction of 0.5. Both samples must be non-empty.
mann_whitney_result mann_whitney_u(std::span<const double> x, std::span<const double> y,
                                   p_value_method method = p_value_method::automatic);

// The smallest two-sided p-value the test can give for samples of these sizes (all of one
// sample below all of the other, no ties): 2 / C(n1 + n2, n1). When it is above alpha no
// outcome can be significant, so the comparison needs more repetitions.
double mann_whitney_min_p_value(std::size_t n1, std::size_t n2);

struct wilcoxon_result {
    double w_plus = 0;      // sum of the ranks of the positive differences (candidate - base)
    std::size_t pairs = 0;  // pairs with a non-zero difference (zeros are dropped)
    double p_value = 1;
    bool exact = false;
    bool ties = false;  // ties among the absolute differences
};

// Two-sided Wilcoxon signed-rank test of "the differences candidate[i] - base[i] are
// symmetric around 0", for paired samples of equal size. Zero differences are dropped
// (Wilcoxon's own rule). automatic: the exact null distribution when no absolute differences
// tie, none were zero and at most 50 pairs remain; otherwise the normal approximation with
// the tie correction of the variance and no continuity correction. No pairs left: p = 1.
wilcoxon_result wilcoxon_signed_rank(std::span<const double> base,
                                     std::span<const double> candidate,
                                     p_value_method method = p_value_method::automatic);

// The smallest two-sided p-value the signed-rank test can give for n pairs: 2 / 2^n.
double wilcoxon_min_p_value(std::size_t pairs);

// Holm's step-down adjustment (Holm 1979) of a family of p-values, in the same order: the
// adjusted p-value of the k-th smallest of m is max over j <= k of (m - j + 1) * p_(j),
// capped at 1. It keeps the chance of any false rejection in the family at or below alpha.
std::vector<double> holm_adjust(std::span<const double> p_values);

}  // namespace sfb::harness
