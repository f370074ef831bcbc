// Distribution-free confidence intervals: for a median, and for the change between two
// samples.
//
// Benchmark times are skewed and sometimes bimodal, so intervals that assume a normal
// distribution (mean +- t * s / sqrt(n)) are wrong in exactly the cases that matter. Both
// intervals here assume only independent samples:
// - median: the order-statistic interval. The number of samples below the true median is
//   Binomial(n, 1/2), so [x(k), x(n+1-k)] (sorted, 1-based) covers the median with
//   probability 1 - 2 P(B <= k - 1); k is the largest for which that reaches the level. With
//   fewer than 6 samples even [min, max] covers less than 95%, and there is no interval.
// - change: the Hodges-Lehmann estimate of the shift between two samples (the median of all
//   differences y_j - x_i) with the interval that inverts the Mann-Whitney U test: the k-th
//   smallest and k-th largest of those differences, k the largest with P(U <= k - 1) <=
//   (1 - level) / 2 (exact distribution of U up to 50 samples a side, normal approximation
//   above). On logarithms of positive values the shift is a ratio, which is how a relative
//   change is reported.
//
// Both intervals of a change look at all m x n pairs, which is quadratic in the number of
// repetitions. Above kMaxPairedSample values a side, each side is replaced by that many of its
// evenly spaced order statistics (its quantiles, thinned()), so the work stays below a million
// pairs; the estimate barely moves and the interval is that of kMaxPairedSample values a side
// (a little wider than the full sample's would be: it errs on the safe side).
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

namespace sfb::harness {

inline constexpr std::size_t kMaxPairedSample = 1000;

// `values` sorted, or, when there are more than `at_most`, `at_most` of its order statistics
// evenly spaced over it (the (i + 0.5) / at_most quantiles, i = 0 .. at_most - 1).
std::vector<double> thinned(std::span<const double> values, std::size_t at_most = kMaxPairedSample);

struct confidence_interval {
    double estimate = 0;  // the median, or the shift
    double low = 0;
    double high = 0;
    double coverage = 0;  // the interval's actual coverage (at least the level asked for)
    // The larger distance from the estimate to an end, relative to |estimate|: what
    // `sfb run --target-ci` compares with its target. Infinite when the estimate is 0.
    double relative_half_width() const noexcept;
};

// P(B <= k) for B ~ Binomial(n, 1/2).
double binomial_half_cdf(std::size_t n, std::size_t k);

// The order-statistic interval for the median; nullopt when n is too small for `level`.
std::optional<confidence_interval> median_interval(std::span<const double> values,
                                                   double level = 0.95);
// Its 1-based order-statistic rank k (the interval is [x(k), x(n+1-k)]); 0 when none.
std::size_t median_interval_rank(std::size_t n, double level = 0.95);

// P(U <= u) for the Mann-Whitney U statistic of samples of sizes m and n under the null
// hypothesis, exact (no ties).
double mann_whitney_cdf(std::size_t m, std::size_t n, std::size_t u);

// The 1-based rank k of the Hodges-Lehmann interval [D(k), D(mn+1-k)]; 0 when none.
std::size_t shift_interval_rank(std::size_t m, std::size_t n, double level = 0.95);

// Hodges-Lehmann shift of `candidate` against `base`; nullopt for an empty sample or too few
// samples for `level`.
std::optional<confidence_interval> shift_interval(std::span<const double> base,
                                                  std::span<const double> candidate,
                                                  double level = 0.95);

// The relative change candidate / base - 1 (from the shift of the logarithms), with its
// interval also as relative changes; nullopt when a value is not positive or as above.
std::optional<confidence_interval> ratio_interval(std::span<const double> base,
                                                  std::span<const double> candidate,
                                                  double level = 0.95);

// The same ratio interval from every ratio candidate_j / base_i already computed (there are
// base count x `candidate_count` of them, in any order): the median of the ratios and their
// k-th smallest and largest, as ratios (not changes). nullopt when the count does not divide
// or as above.
std::optional<confidence_interval> pairwise_ratio_interval(std::span<const double> ratios,
                                                           std::size_t candidate_count,
                                                           double level = 0.95);

}  // namespace sfb::harness
