// Per-pass times: their quantiles and the bimodal flag.
#include <gtest/gtest.h>

#include <thread>

#include "pass_samples.h"

namespace sfb::bench {
namespace {

TEST(pass_samples, QuantilesOfKnownPasses) {
    // 1..11: type 7 quantiles fall on whole samples at 0.1 steps.
    std::vector<double> times;
    for (int i = 11; i >= 1; --i) {
        times.push_back(i);
    }
    const auto s = summarize_passes(times);
    EXPECT_EQ(s.passes, 11U);
    EXPECT_DOUBLE_EQ(s.min_us, 1);
    EXPECT_DOUBLE_EQ(s.q10_us, 2);
    EXPECT_DOUBLE_EQ(s.q25_us, 3.5);
    EXPECT_DOUBLE_EQ(s.median_us, 6);
    EXPECT_DOUBLE_EQ(s.q75_us, 8.5);
    EXPECT_DOUBLE_EQ(s.q90_us, 10);
    EXPECT_DOUBLE_EQ(s.max_us, 11);
    EXPECT_EQ(s.regimes, 1U);
    EXPECT_FALSE(s.bimodal());
}

// A run longer than the buffer keeps at most max_kept times, evenly spread over the run, and
// still knows how many passes there were and the fastest and slowest of them.
TEST(pass_samples, LongRunsKeepBoundedEvenlySpreadSamples) {
    pass_samples samples;
    samples.reserve(std::size_t{1} << 30);
    const std::size_t total = 3 * pass_samples::max_kept + 12345;
    for (std::size_t i = 0; i < total; ++i) {
        samples.begin_pass();
        samples.end_pass();
    }
    EXPECT_LE(samples.times_us().size(), pass_samples::max_kept);
    EXPECT_GE(samples.times_us().size(), pass_samples::max_kept / 2);
    EXPECT_LE(samples.times_us().capacity(), pass_samples::max_kept);
    const pass_summary s = samples.summarize();
    EXPECT_EQ(s.passes, total);
    EXPECT_LE(s.min_us, s.median_us);
    EXPECT_GE(s.max_us, s.median_us);
}

TEST(pass_samples, TwoSpeedsAreBimodal) {
    std::vector<double> times;
    for (int i = 0; i < 20; ++i) {
        times.push_back(i % 2 == 0 ? 1000.0 + i : 2000.0 + i);
    }
    const auto s = summarize_passes(times);
    EXPECT_EQ(s.regimes, 2U);
    EXPECT_TRUE(s.bimodal());
}

TEST(pass_samples, NoPassesGiveAnEmptySummary) {
    const auto s = summarize_passes({});
    EXPECT_EQ(s.passes, 0U);
    EXPECT_EQ(s.regimes, 0U);
}

TEST(pass_samples, TimesRealPassesWithoutReallocating) {
    pass_samples samples;
    samples.reserve(3);
    const double* storage = samples.times_us().data();
    for (int i = 0; i < 3; ++i) {
        samples.begin_pass();
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        samples.end_pass();
    }
    ASSERT_EQ(samples.times_us().size(), 3U);
    EXPECT_EQ(samples.times_us().data(), storage);
    for (const double t : samples.times_us()) {
        EXPECT_GE(t, 2000.0);
        EXPECT_LT(t, 2e6);
    }
    EXPECT_EQ(samples.summarize().passes, 3U);
}

}  // namespace
}  // namespace sfb::bench
