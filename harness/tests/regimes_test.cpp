// Regime detection and the rounds-disagree flag on fixed synthetic samples.
#include "regimes.h"

#include <gtest/gtest.h>

#include <vector>

namespace sfb::harness {
namespace {

TEST(Regimes, OneClusterStaysOne) {
    // 25 passes between 9800 and 10200 us, spread evenly: no gap stands out.
    std::vector<double> samples;
    for (int i = 0; i < 25; ++i) {
        samples.push_back(9800.0 + 16.0 * ((i * 7) % 25));
    }
    const auto regimes = find_regimes(samples);
    ASSERT_EQ(regimes.size(), 1U);
    EXPECT_EQ(regimes[0].count, 25U);
    EXPECT_DOUBLE_EQ(regimes[0].low, 9800.0);
    EXPECT_DOUBLE_EQ(regimes[0].high, 9800.0 + 16.0 * 24);
    EXPECT_DOUBLE_EQ(regimes[0].median, 9800.0 + 16.0 * 12);
}

TEST(Regimes, TwoClustersAreFound) {
    // Two speeds, as when receive processing moves between CPUs: 12 passes near 5 ms and 8
    // near 9 ms, interleaved.
    const std::vector<double> samples = {5010, 9020, 4990, 5005, 9100, 4980, 8950,
                                         5020, 5000, 9060, 4995, 5015, 8990, 5030,
                                         9040, 4970, 9010, 5025, 8980, 5008};
    const auto regimes = find_regimes(samples);
    ASSERT_EQ(regimes.size(), 2U);
    EXPECT_EQ(regimes[0].count, 12U);
    EXPECT_EQ(regimes[1].count, 8U);
    EXPECT_DOUBLE_EQ(regimes[0].low, 4970);
    EXPECT_DOUBLE_EQ(regimes[0].high, 5030);
    EXPECT_DOUBLE_EQ(regimes[1].low, 8950);
    EXPECT_DOUBLE_EQ(regimes[1].high, 9100);
}

TEST(Regimes, ThreeClustersAreFound) {
    std::vector<double> samples;
    for (int i = 0; i < 10; ++i) {
        samples.push_back(100 + i);
        samples.push_back(200 + i);
        samples.push_back(400 + i);
    }
    const auto regimes = find_regimes(samples);
    ASSERT_EQ(regimes.size(), 3U);
    EXPECT_EQ(regimes[1].count, 10U);
    EXPECT_DOUBLE_EQ(regimes[1].median, 204.5);
}

TEST(Regimes, OutliersAreNotARegime) {
    // Two slow passes out of 20 (10%, under the 15% share): a tail, not a second regime.
    std::vector<double> samples(18, 1000.0);
    for (int i = 0; i < 18; ++i) {
        samples[static_cast<std::size_t>(i)] += i;
    }
    samples.push_back(3000);
    samples.push_back(3100);
    EXPECT_EQ(find_regimes(samples).size(), 1U);
}

TEST(Regimes, SmallGapsRelativeToTheMedianAreNotRegimes) {
    // Clusters 1% apart: below the 5% relative gap, however tight they are.
    std::vector<double> samples;
    for (int i = 0; i < 10; ++i) {
        samples.push_back(1000.0);
        samples.push_back(1010.0);
    }
    EXPECT_EQ(find_regimes(samples).size(), 1U);
}

TEST(Regimes, EmptyAndTinyInputs) {
    EXPECT_TRUE(find_regimes({}).empty());
    const std::vector<double> one = {5};
    EXPECT_EQ(find_regimes(one).size(), 1U);
    const std::vector<double> five = {1, 2, 3, 10000, 10001};
    EXPECT_EQ(find_regimes(five).size(), 1U);  // no split leaves 3 samples on each side
    const std::vector<double> six = {1, 2, 3, 10000, 10001, 10002};
    EXPECT_EQ(find_regimes(six).size(), 2U);
}

TEST(RoundsDisagree, ComparesBetweenAndWithinSpread) {
    // Nine rounds agreeing: medians within 1% while each round's passes spread 4%.
    const std::vector<double> agree = {100, 101, 99, 100.5, 99.5, 100, 101, 99, 100};
    const std::vector<double> within(9, 4.0);
    EXPECT_EQ(rounds_disagree(agree, within), false);
    // Rounds in two conditions: medians 100 and 130, each round spreading 4.
    const std::vector<double> split = {100, 130, 101, 129, 100, 131, 99, 130, 100};
    EXPECT_EQ(rounds_disagree(split, within), true);
    // Unknown within-round spread or too few rounds: no verdict.
    EXPECT_FALSE(rounds_disagree(split, {}));
    const std::vector<double> two = {1, 2};
    const std::vector<double> two_within = {1, 1};
    EXPECT_FALSE(rounds_disagree(two, two_within));
}

}  // namespace
}  // namespace sfb::harness
