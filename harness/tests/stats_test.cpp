// Reference values come from SciPy 1.10.1 (Debian 12's python3-scipy), computed
// independently of this code with
//   scipy.stats.mannwhitneyu(x, y, alternative="two-sided", method="exact")
//   scipy.stats.mannwhitneyu(x, y, alternative="two-sided", method="asymptotic",
//                            use_continuity=True)
// and numpy.percentile(v, q) (linear interpolation) / numpy.std(v, ddof=1).
// The samples of the random cases were drawn once with numpy.random.default_rng and rounded;
// they are written out here so the test does not depend on any generator.
#include "stats.h"
#include "confidence.h"

#include <gtest/gtest.h>
#include <algorithm>
#include <vector>

namespace sfb::harness {
namespace {

struct reference_case {
    const char* name;
    std::vector<double> x;
    std::vector<double> y;
    double u;
    double exact_p;  // < 0: not applicable (ties)
    double asymptotic_p;
};

const std::vector<reference_case>& cases() {
    static const std::vector<reference_case> all = {
        {"separated_5_5",
         {1, 2, 3, 4, 5},
         {6, 7, 8, 9, 10},
         0.0,
         0.007936507936507936,
         0.012185780355344813},
        {"interleaved_4_7",
         {1.5, 3.25, 8.0, 9.5},
         {1.0, 2.0, 4.0, 5.0, 6.5, 7.0, 10.0},
         15.0,
         0.9272727272727272,
         0.9247190374867695},
        {"normal_9_9",
         {98.13, 98.722, 104.692, 106.961, 92.918, 100.362, 109.396, 104.415, 91.454},
         {109.562, 100.924, 99.281, 105.989, 104.427, 102.303, 111.006, 107.293, 102.943},
         23.0,
         0.13591114767585355,
         0.1333202155896274},
        {"normal_12_15",
         {1005.75, 971.99, 992.93, 1020.17, 1021.47, 1019.99, 1036.05, 997.0, 965.49, 1045.86,
          1048.45, 954.48},
         {984.26, 984.2, 990.46, 995.05, 979.68, 992.89, 1034.22, 1057.97, 981.82, 1035.46, 1009.71,
          1016.83, 1005.22, 974.81, 1012.9},
         102.0,
         0.5806391675956895,
         0.5747003688897911},
        {"exact_30_25",
         {10.0012, 10.2987, 9.7259,  9.1094,  9.5453,  9.0084,  10.0601, 11.3402, 9.5078, 9.3795,
          10.4898, 10.3569, 10.1054, 9.0695,  9.9707,  10.6953, 8.6558,  9.5424,  8.0988, 8.7105,
          8.1583,  9.7649,  8.7326,  10.2713, 10.1568, 9.8131,  7.4832,  9.4613,  9.9515, 10.1133},
         {9.0699,  10.1222, 9.6215,  9.7912, 11.6609, 9.7925,  10.5675, 11.4844, 10.0164,
          10.4883, 10.7105, 10.6638, 9.3749, 10.6761, 11.9588, 9.0529,  11.4594, 10.7194,
          9.9585,  12.6004, 11.3623, 9.4007, 10.6745, 11.1767, 10.4112},
         176.0,
         0.0005754206348020462,
         -1},
        {"ties_6_6", {1, 2, 2, 3, 3, 3}, {2, 3, 4, 4, 5, 5}, 5.5, -1, 0.047967873742731204},
        {"rounded_ties_60_60",
         {49, 50, 46, 49, 48, 48, 44, 47, 49, 51, 49, 54, 53, 48, 50, 52, 48, 53, 46, 53,
          54, 51, 52, 56, 50, 54, 46, 47, 51, 58, 47, 50, 53, 50, 51, 47, 50, 57, 49, 47,
          46, 50, 46, 52, 44, 54, 54, 46, 52, 51, 46, 48, 48, 49, 49, 49, 51, 49, 51, 49},
         {51, 52, 57, 55, 50, 55, 55, 55, 50, 46, 51, 52, 46, 48, 52, 47, 46, 51, 49, 54,
          51, 51, 54, 49, 53, 53, 57, 54, 52, 47, 49, 57, 50, 57, 54, 45, 53, 50, 50, 51,
          51, 50, 53, 54, 47, 50, 49, 50, 52, 52, 53, 56, 45, 58, 50, 46, 50, 57, 53, 55},
         1261.0,
         -1,
         0.004519322451703822},
    };
    return all;
}

// Every reference case that has a p-value for `method` (the member `reference_p`; < 0: none).
void expect_reference_p_values(p_value_method method, double reference_case::*reference_p) {
    for (const auto& c : cases()) {
        if (c.*reference_p < 0) {
            continue;
        }
        SCOPED_TRACE(c.name);
        const auto r = mann_whitney_u(c.x, c.y, method);
        EXPECT_EQ(r.exact, method == p_value_method::exact);
        EXPECT_DOUBLE_EQ(r.u_base, c.u);
        EXPECT_NEAR(r.p_value, c.*reference_p, 1e-12);
    }
}

TEST(MannWhitney, ExactMatchesReference) {
    expect_reference_p_values(p_value_method::exact, &reference_case::exact_p);
}

TEST(MannWhitney, AsymptoticMatchesReference) {
    expect_reference_p_values(p_value_method::asymptotic, &reference_case::asymptotic_p);
}

TEST(MannWhitney, AutomaticIsExactWithoutTiesAndNormalWithTies) {
    for (const auto& c : cases()) {
        SCOPED_TRACE(c.name);
        const auto r = mann_whitney_u(c.x, c.y);
        const bool ties = c.exact_p < 0;
        EXPECT_EQ(r.ties, ties);
        EXPECT_EQ(r.exact, !ties);
        EXPECT_NEAR(r.p_value, ties ? c.asymptotic_p : c.exact_p, 1e-12);
    }
}

TEST(MannWhitney, SymmetricInItsArguments) {
    for (const auto& c : cases()) {
        SCOPED_TRACE(c.name);
        const auto forward = mann_whitney_u(c.x, c.y);
        const auto backward = mann_whitney_u(c.y, c.x);
        EXPECT_NEAR(forward.p_value, backward.p_value, 1e-12);
        EXPECT_DOUBLE_EQ(forward.u_base + backward.u_base,
                         static_cast<double>(c.x.size() * c.y.size()));
    }
}

TEST(MannWhitney, AllValuesEqualGivesPOne) {
    const std::vector<double> same = {5, 5, 5, 5};
    const auto r = mann_whitney_u(same, same);
    EXPECT_DOUBLE_EQ(r.p_value, 1.0);
    EXPECT_TRUE(r.ties);
}

TEST(MannWhitney, IdenticalSamplesWithoutTiesInsideGiveLargeP) {
    // Each value appears once per side: ties across, p must be 1 (U at its mean).
    const std::vector<double> x = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    EXPECT_NEAR(mann_whitney_u(x, x).p_value, 1.0, 1e-12);
}

TEST(MannWhitney, EmptySampleIsRejected) {
    const std::vector<double> empty;
    const std::vector<double> some = {1, 2};
    EXPECT_THROW(mann_whitney_u(empty, some), std::invalid_argument);
}

TEST(MannWhitney, MinimumPValue) {
    // 2 / C(n1 + n2, n1), e.g. 2 / C(8, 4) = 2 / 70.
    EXPECT_DOUBLE_EQ(mann_whitney_min_p_value(1, 1), 1.0);
    EXPECT_NEAR(mann_whitney_min_p_value(2, 2), 2.0 / 6, 1e-15);
    EXPECT_NEAR(mann_whitney_min_p_value(3, 3), 2.0 / 20, 1e-15);
    EXPECT_NEAR(mann_whitney_min_p_value(4, 4), 2.0 / 70, 1e-15);
    EXPECT_NEAR(mann_whitney_min_p_value(9, 9), 2.0 / 48620, 1e-15);
    EXPECT_NEAR(mann_whitney_min_p_value(5, 5), mann_whitney_u(cases()[0].x, cases()[0].y).p_value,
                1e-15);
}

// References: scipy.stats.wilcoxon(candidate, base, method="exact" or "approx") of SciPy
// 1.10.1 (zero_method="wilcox", correction=False: its defaults).
TEST(Wilcoxon, ExactMatchesReference) {
    const std::vector<double> a = {110.2, 87.22, 102.09, 97.16, 97.74, 98.92, 89.9, 98.84, 95.67};
    const std::vector<double> b = {119.85, 90.67, 104.38, 99.6, 99.4, 99.81, 92.12, 102.8, 98.19};
    auto r = wilcoxon_signed_rank(a, b);
    EXPECT_TRUE(r.exact);
    EXPECT_DOUBLE_EQ(r.w_plus, 45);  // every difference positive
    EXPECT_NEAR(r.p_value, 0.00390625, 1e-12);
    r = wilcoxon_signed_rank(a, b, p_value_method::asymptotic);
    EXPECT_NEAR(r.p_value, 0.007685794055213263, 1e-12);

    const std::vector<double> a3 = {50.137, 55.439, 54.899, 47.959, 48.808, 47.89,  52.279,
                                    49.776, 52.988, 42.611, 56.266, 49.614, 52.722, 49.454,
                                    48.484, 51.852, 53.298, 49.19,  49.389, 52.743};
    const std::vector<double> b3 = {46.026, 49.396, 54.584, 44.447, 41.547, 43.948, 49.376,
                                    44.696, 47.011, 41.221, 57.458, 47.415, 48.991, 49.109,
                                    49.136, 49.452, 53.432, 50.819, 47.268, 48.802};
    r = wilcoxon_signed_rank(a3, b3);
    EXPECT_TRUE(r.exact);
    EXPECT_DOUBLE_EQ(std::min(r.w_plus, 210 - r.w_plus), 17);
    EXPECT_NEAR(r.p_value, 0.0003948211669921875, 1e-12);
    r = wilcoxon_signed_rank(a3, b3, p_value_method::asymptotic);
    EXPECT_NEAR(r.p_value, 0.0010188290449538871, 1e-12);

    const std::vector<double> five = {1, 2, 3, 4, 5};
    const std::vector<double> doubled = {2, 4, 6, 8, 10};
    EXPECT_NEAR(wilcoxon_signed_rank(five, doubled).p_value, 0.0625, 1e-12);
}

TEST(Wilcoxon, ZerosAndTiesUseTheApproximation) {
    const std::vector<double> x = {10, 12, 11, 13, 10, 12, 14, 11, 10, 13, 12, 11, 15, 9};
    const std::vector<double> y = {11, 12, 13, 12, 11, 13, 14, 13, 12, 13, 14, 12, 13, 10};
    const auto r = wilcoxon_signed_rank(x, y);
    EXPECT_FALSE(r.exact);
    EXPECT_TRUE(r.ties);
    EXPECT_EQ(r.pairs, 11u);  // three zero differences dropped
    EXPECT_DOUBLE_EQ(std::min(r.w_plus, 66 - r.w_plus), 12.5);
    EXPECT_NEAR(r.p_value, 0.060886840039593826, 1e-12);
}

TEST(Wilcoxon, DegenerateCases) {
    const std::vector<double> same = {1, 2, 3};
    EXPECT_DOUBLE_EQ(wilcoxon_signed_rank(same, same).p_value, 1.0);
    EXPECT_EQ(wilcoxon_signed_rank(same, same).pairs, 0u);
    const std::vector<double> shorter = {1, 2};
    EXPECT_THROW(wilcoxon_signed_rank(same, shorter), std::invalid_argument);
    EXPECT_NEAR(wilcoxon_min_p_value(9), 2.0 / 512, 1e-15);
    EXPECT_DOUBLE_EQ(wilcoxon_min_p_value(1), 1.0);
}

TEST(Descriptive, QuantilesMatchNumpy) {
    const std::vector<double> v = {3, 1, 4, 1, 5, 9, 2, 6};
    EXPECT_DOUBLE_EQ(quantile(v, 0.25), 1.75);
    EXPECT_DOUBLE_EQ(median(v), 3.5);
    EXPECT_DOUBLE_EQ(quantile(v, 0.75), 5.25);
    EXPECT_DOUBLE_EQ(quantile(v, 0.0), 1);
    EXPECT_DOUBLE_EQ(quantile(v, 1.0), 9);
    EXPECT_NEAR(sample_stddev(v), 2.748376143938713, 1e-12);
    EXPECT_DOUBLE_EQ(mean(v), 31.0 / 8);
    const std::vector<double> one = {7};
    EXPECT_DOUBLE_EQ(median(one), 7);
    EXPECT_DOUBLE_EQ(sample_stddev(one), 0);
}

}  // namespace
}  // namespace sfb::harness

namespace sfb::harness {
namespace {

// Holm (1979): sorted 0.01, 0.02, 0.03, 0.04, 0.9 over m = 5 become 0.05, 0.08, 0.09, 0.09
// (made monotone) and 0.9; returned in the input's order, capped at 1.
TEST(Holm, AdjustsStepDownInInputOrder) {
    const std::vector<double> p = {0.03, 0.01, 0.04, 0.02, 0.9};
    const std::vector<double> adjusted = holm_adjust(p);
    ASSERT_EQ(adjusted.size(), p.size());
    EXPECT_DOUBLE_EQ(adjusted[1], 0.05);  // 5 x 0.01
    EXPECT_DOUBLE_EQ(adjusted[3], 0.08);  // 4 x 0.02
    EXPECT_DOUBLE_EQ(adjusted[0], 0.09);  // 3 x 0.03
    EXPECT_DOUBLE_EQ(adjusted[2], 0.09);  // 2 x 0.04 = 0.08, raised to the running 0.09
    EXPECT_DOUBLE_EQ(adjusted[4], 0.9);   // 1 x 0.9
    EXPECT_TRUE(holm_adjust({}).empty());
    EXPECT_DOUBLE_EQ(holm_adjust(std::vector<double>{0.6, 0.7})[0], 1.0);
}

}  // namespace
}  // namespace sfb::harness

namespace sfb::harness {
namespace {

// Above the cap a sample is its evenly spaced order statistics: bounded, sorted, spread over
// the whole range; at or below it, the sample itself, sorted.
TEST(Thinned, KeepsAtMostTheCapOfOrderStatistics) {
    std::vector<double> values;
    for (int i = 100000; i > 0; --i) {
        values.push_back(i);
    }
    const auto kept = thinned(values, 1000);
    ASSERT_EQ(kept.size(), 1000U);
    EXPECT_TRUE(std::is_sorted(kept.begin(), kept.end()));
    EXPECT_NEAR(kept.front(), 51, 1);
    EXPECT_NEAR(kept.back(), 99951, 1);
    EXPECT_EQ(thinned(std::vector<double>{3, 1, 2}, 1000), (std::vector<double>{1, 2, 3}));
    // The change between two large samples is still found, from a million pairs at most.
    std::vector<double> shifted;
    for (double v : values) {
        shifted.push_back(v + 500);
    }
    const auto change = shift_interval(values, shifted);
    ASSERT_TRUE(change);
    EXPECT_NEAR(change->estimate, 500, 100);
}

}  // namespace
}  // namespace sfb::harness
