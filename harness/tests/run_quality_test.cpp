// Per-benchmark quality: intervals, interference warnings, bimodal and disagreeing rounds,
// and the --target-ci convergence check, on hand-made results.
#include "run_quality.h"

#include <gtest/gtest.h>

namespace sfb::harness {
namespace {

benchmark_series series_of(const std::string& name, const std::vector<double>& real_times) {
    benchmark_series s;
    s.name = name;
    for (const double t : real_times) {
        s.repetitions.push_back({{"real_time", t}, {"cpu_time", t / 2}});
    }
    return s;
}

TEST(RunQuality, IntervalOfTheMedianOverRounds) {
    const auto q = assess(series_of("a", {105, 101, 99, 100, 103, 98, 102, 97, 104}));
    ASSERT_TRUE(q.real_time);
    EXPECT_DOUBLE_EQ(q.real_time->estimate, 101);
    EXPECT_DOUBLE_EQ(q.real_time->low, 98);    // x(2) of 9
    EXPECT_DOUBLE_EQ(q.real_time->high, 104);  // x(8)
    EXPECT_FALSE(q.flagged());
    EXPECT_EQ(describe_flags(q), "");
    EXPECT_FALSE(q.other_cpu_share);
    EXPECT_FALSE(q.rounds_disagree);  // no per-pass quantiles
    EXPECT_EQ(with_interval(101, q.real_time, [](double v) { return std::to_string(int(v)); }),
              "101 [98, 104]");
    EXPECT_EQ(with_interval(5, std::nullopt, [](double v) { return std::to_string(int(v)); }),
              "5 [n<6]");
}

TEST(RunQuality, InterferenceAboveTheShareIsWarned) {
    auto s = series_of("a", {1000, 1000, 1000, 1000, 1000, 1000});
    for (auto& round : s.repetitions) {
        round["other_cpu_us"] = 50;  // 5%: below the share
        round["steal_us"] = 0;
    }
    EXPECT_FALSE(assess(s).interference());
    for (auto& round : s.repetitions) {
        round["other_cpu_us"] = 800;  // 80% of a CPU: a hog
    }
    const auto q = assess(s);
    EXPECT_TRUE(q.interference());
    EXPECT_NEAR(*q.other_cpu_share, 0.8, 1e-12);
    EXPECT_EQ(describe_flags(q), "other processes used 80% of a CPU");
    for (auto& round : s.repetitions) {
        round["other_cpu_us"] = 0;
        round["steal_us"] = 200;
    }
    EXPECT_EQ(describe_flags(assess(s)), "steal 20% of a pass");
}

TEST(RunQuality, BimodalAndDisagreeingRounds) {
    auto s = series_of("a", {100, 130, 101, 129, 100, 131, 99, 130, 100});
    for (std::size_t i = 0; i < s.repetitions.size(); ++i) {
        auto& round = s.repetitions[i];
        const double mid = round["real_time"];
        round["pass_median_us"] = mid;
        round["pass_q25_us"] = mid - 2;
        round["pass_q75_us"] = mid + 2;
        round["pass_bimodal"] = i == 3 ? 1.0 : 0.0;
    }
    const auto q = assess(s);
    EXPECT_EQ(q.bimodal_rounds, 1U);
    EXPECT_EQ(q.rounds_disagree, true);
    EXPECT_EQ(describe_flags(q), "bimodal passes in 1/9 rounds; rounds disagree");
    result_set set;
    set.benchmarks.push_back(s);
    set.benchmarks.push_back(series_of("quiet", {100, 100, 100, 100, 100, 100}));
    const auto warnings = quality_warnings(set);
    ASSERT_EQ(warnings.size(), 1U);
    EXPECT_EQ(warnings[0], "a: bimodal passes in 1/9 rounds; rounds disagree");
}

TEST(RunQuality, NotConvergedNamesWideAndShortSeries) {
    result_set set;
    // Nine rounds: [x(2), x(8)] = [99, 101] around 100: +-1%.
    set.benchmarks.push_back(series_of("tight", {100, 99, 101, 100, 98, 102, 100, 99, 101}));
    // [80, 120] around 100: +-20%.
    set.benchmarks.push_back(series_of("wide", {100, 80, 120, 100, 70, 130, 100, 80, 120}));
    // Five rounds: no 95% interval yet.
    set.benchmarks.push_back(series_of("short", {100, 100, 100, 100, 100}));
    EXPECT_EQ(not_converged(set, 0.05), (std::vector<std::string>{"wide", "short"}));
    EXPECT_EQ(not_converged(set, 0.25), (std::vector<std::string>{"short"}));
    EXPECT_EQ(not_converged(set, 0.005), (std::vector<std::string>{"tight", "wide", "short"}));
}

}  // namespace
}  // namespace sfb::harness
