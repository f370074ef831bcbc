// Confidence intervals against reference values worked out by hand from the binomial and
// the Mann-Whitney distributions (the counts are in the comments), and against brute force.
#include "confidence.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>
#include <vector>

namespace sfb::harness {
namespace {

std::vector<double> one_to(int n) {
    std::vector<double> v(static_cast<std::size_t>(n));
    std::iota(v.begin(), v.end(), 1.0);
    return v;
}

// `ci` exists and is [low, high] around `estimate` with this coverage.
void expect_interval(const std::optional<confidence_interval>& ci, double estimate, double low,
                     double high, double coverage) {
    ASSERT_TRUE(ci);
    EXPECT_DOUBLE_EQ(ci->estimate, estimate);
    EXPECT_DOUBLE_EQ(ci->low, low);
    EXPECT_DOUBLE_EQ(ci->high, high);
    EXPECT_NEAR(ci->coverage, coverage, 1e-12);
}

TEST(MedianInterval, NineSamples) {
    // B ~ Binomial(9, 1/2): P(B <= 1) = (1 + 9) / 512. 1 - 2 * 10/512 = 0.9609 >= 0.95,
    // and k = 3 would give 1 - 2 * (1 + 9 + 36)/512 = 0.8203: the interval is [x(2), x(8)].
    EXPECT_NEAR(binomial_half_cdf(9, 1), 10.0 / 512.0, 1e-12);
    EXPECT_EQ(median_interval_rank(9), 2U);
    const std::vector<double> values = {9.5, 3, 7, 1, 5, 8, 2, 6, 4};
    const auto ci = median_interval(values);
    expect_interval(ci, 5, 2, 8, 1.0 - 20.0 / 512.0);
    ASSERT_TRUE(ci);
    EXPECT_NEAR(ci->relative_half_width(), 0.6, 1e-12);
}

TEST(MedianInterval, FifteenSamples) {
    // Binomial(15, 1/2): P(B <= 3) = (1 + 15 + 105 + 455) / 32768 = 576/32768, coverage
    // 0.9648; P(B <= 4) adds 1365: 1941/32768, coverage 0.8815. So [x(4), x(12)].
    EXPECT_NEAR(binomial_half_cdf(15, 3), 576.0 / 32768.0, 1e-12);
    EXPECT_EQ(median_interval_rank(15), 4U);
    expect_interval(median_interval(one_to(15)), 8, 4, 12, 1.0 - 2.0 * 576.0 / 32768.0);
}

TEST(MedianInterval, LevelsAndSmallSamples) {
    // Five samples: [min, max] covers 1 - 2/32 = 0.9375 < 0.95: no 95% interval, but a 90% one.
    EXPECT_EQ(median_interval_rank(5), 0U);
    EXPECT_FALSE(median_interval(one_to(5)));
    EXPECT_EQ(median_interval_rank(5, 0.90), 1U);
    // Six: 1 - 2/64 = 0.96875.
    EXPECT_EQ(median_interval_rank(6), 1U);
    const auto six = median_interval(one_to(6));
    ASSERT_TRUE(six);
    EXPECT_DOUBLE_EQ(six->estimate, 3.5);
    EXPECT_DOUBLE_EQ(six->low, 1);
    EXPECT_DOUBLE_EQ(six->high, 6);
    // 99%, n = 15: P(B <= 2) = 121/32768, coverage 0.9926; P(B <= 3) gives 0.9648. k = 3.
    EXPECT_EQ(median_interval_rank(15, 0.99), 3U);
    EXPECT_FALSE(median_interval({}));
}

TEST(MedianInterval, LargeSamplesStayFinite) {
    // n = 1000: the normal approximation puts k near 500 - 1.96 * sqrt(1000)/2 = 469.
    const std::size_t k = median_interval_rank(1000);
    EXPECT_GE(k, 468U);
    EXPECT_LE(k, 471U);
}

// P(U <= u) by enumerating every way to choose which of the m + n ranks belong to x.
double brute_force_u_cdf(std::size_t m, std::size_t n, std::size_t u) {
    std::vector<bool> is_x(m + n, false);
    std::fill(is_x.begin(), is_x.begin() + static_cast<long>(m), true);
    std::size_t below = 0;
    std::size_t total = 0;
    do {
        // U: pairs (x, y) with x above y, x at a higher rank.
        std::size_t stat = 0;
        std::size_t ys_below = 0;
        for (std::size_t r = 0; r < m + n; ++r) {
            if (is_x[r]) {
                stat += ys_below;
            } else {
                ++ys_below;
            }
        }
        ++total;
        if (stat <= u) {
            ++below;
        }
    } while (std::prev_permutation(is_x.begin(), is_x.end()));
    return static_cast<double>(below) / static_cast<double>(total);
}

TEST(ShiftInterval, MannWhitneyDistributionMatchesEnumeration) {
    // m = n = 5: 252 arrangements; U = 0, 1, 2, 3 in 1, 1, 2, 3 ways (partitions of u into at
    // most 5 parts of at most 5).
    EXPECT_NEAR(mann_whitney_cdf(5, 5, 2), 4.0 / 252.0, 1e-12);
    EXPECT_NEAR(mann_whitney_cdf(5, 5, 3), 7.0 / 252.0, 1e-12);
    for (const auto& [m, n] : {std::pair<std::size_t, std::size_t>{3, 4}, {4, 6}, {6, 6}}) {
        for (std::size_t u = 0; u <= m * n; u += 3) {
            EXPECT_NEAR(mann_whitney_cdf(m, n, u), brute_force_u_cdf(m, n, u), 1e-12)
                << m << "x" << n << " u=" << u;
        }
    }
}

TEST(ShiftInterval, FiveAgainstFive) {
    // P(U <= 2) = 4/252 = 0.0159 <= 0.025 < P(U <= 3) = 7/252: k = 3, the interval is
    // [D(3), D(23)] of the 25 differences, coverage 1 - 8/252.
    EXPECT_EQ(shift_interval_rank(5, 5), 3U);
    const std::vector<double> base = {10, 11, 12, 13, 14};
    const std::vector<double> candidate = {20, 21, 22, 23, 24};
    // Differences y - x: 6..14, with 6 once, 7 twice, 8 three times... 14 once.
    // Low D(3): 6, 7, 7; high D(23): ... 13, 13, 14.
    expect_interval(shift_interval(base, candidate), 10, 7, 13, 1.0 - 8.0 / 252.0);
}

TEST(ShiftInterval, TooFewSamplesGiveNoInterval) {
    // 3 against 3: P(U <= 0) = 1/20 > 0.025.
    EXPECT_EQ(shift_interval_rank(3, 3), 0U);
    const std::vector<double> three = {1, 2, 3};
    EXPECT_FALSE(shift_interval(three, three));
    EXPECT_FALSE(shift_interval({}, three));
}

TEST(ShiftInterval, LargeSamplesUseTheNormalApproximation) {
    // 60 x 60: k = floor(1800 - 1.95996 * sqrt(3600 * 121 / 12)) = floor(1800 - 1.95996 *
    // 190.526) = 1426.
    EXPECT_EQ(shift_interval_rank(60, 60), 1426U);
}

TEST(RatioInterval, RelativeChangeOfPositiveValues) {
    const std::vector<double> base = {100, 101, 99, 100, 102, 98, 100, 101, 99};
    std::vector<double> candidate;
    for (const double v : base) {
        candidate.push_back(v * 1.10);
    }
    const auto ci = ratio_interval(base, candidate);
    ASSERT_TRUE(ci);
    EXPECT_NEAR(ci->estimate, 0.10, 1e-9);
    EXPECT_LT(ci->low, 0.10 + 1e-9);
    EXPECT_GT(ci->high, 0.10 - 1e-9);
    EXPECT_GT(ci->low, 0.05);
    EXPECT_LT(ci->high, 0.15);
    const std::vector<double> with_zero = {0, 1, 2, 3, 4, 5};
    EXPECT_FALSE(ratio_interval(with_zero, base));
}

TEST(RatioInterval, FromPairwiseRatiosMatchesTheDirectOne) {
    const std::vector<double> base = {100, 104, 97, 101, 99, 103, 98};
    const std::vector<double> candidate = {120, 118, 125, 121, 119, 123, 117, 122};
    std::vector<double> ratios;
    for (const double y : candidate) {
        for (const double x : base) {
            ratios.push_back(y / x);
        }
    }
    const auto direct = ratio_interval(base, candidate);
    const auto pairwise = pairwise_ratio_interval(ratios, candidate.size());
    ASSERT_TRUE(direct);
    ASSERT_TRUE(pairwise);
    EXPECT_NEAR(pairwise->estimate, 1 + direct->estimate, 1e-12);
    EXPECT_NEAR(pairwise->low, 1 + direct->low, 1e-12);
    EXPECT_NEAR(pairwise->high, 1 + direct->high, 1e-12);
    EXPECT_DOUBLE_EQ(pairwise->coverage, direct->coverage);
    EXPECT_FALSE(pairwise_ratio_interval(ratios, 5));  // 56 ratios are not 5 x something
    EXPECT_FALSE(pairwise_ratio_interval({}, 3));
}

}  // namespace
}  // namespace sfb::harness
