// The stopping rule of `sfb ab` (src/sequential_gate.h) on hand-made comparisons.
#include "sequential_gate.h"

#include <gtest/gtest.h>

#include <string>

namespace sfb::harness {
namespace {

metric_comparison gating_metric(const std::string& name, double low, double high) {
    metric_comparison m;
    m.metric = name;
    m.gating = true;
    m.change_interval = confidence_interval{(low + high) / 2, low, high, 0.95};
    return m;
}

comparison_result one_benchmark(std::vector<metric_comparison> metrics) {
    comparison_result c;
    c.options.threshold = 0.05;
    benchmark_comparison b;
    b.name = "sendfile/tcp4/discard/warm/file:8388608/block:65536/conns:1/placement:split";
    b.metrics = std::move(metrics);
    c.benchmarks.push_back(b);
    return c;
}

TEST(SequentialPlan, LooksAlphaAndRounds) {
    const sequential_plan plan{15, 60};
    EXPECT_EQ(plan.looks(), 4U);
    EXPECT_DOUBLE_EQ(plan.look_alpha(0.05), 0.0125);
    EXPECT_EQ(plan.rounds_at(1), 15U);
    EXPECT_EQ(plan.rounds_at(4), 60U);
    const sequential_plan uneven{15, 40};  // looks at 15, 30 and 40 rounds
    EXPECT_EQ(uneven.looks(), 3U);
    EXPECT_EQ(uneven.rounds_at(3), 40U);
    const sequential_plan fixed{9, 9};  // one look: the fixed-round gate of before
    EXPECT_EQ(fixed.looks(), 1U);
    EXPECT_DOUBLE_EQ(fixed.look_alpha(0.05), 0.05);
}

TEST(SequentialPlan, TheDefaultsLookThreeTimesWithinFiveMinutes) {
    const sequential_plan plan;
    EXPECT_EQ(plan.looks(), 3U);
    EXPECT_EQ(plan.rounds_at(3), 45U);
    EXPECT_DOUBLE_EQ(plan.time_limit_seconds, 300);
}

TEST(SequentialPlan, ANextBatchPastTheLimitIsOutOfTime) {
    // 15 rounds in 100 s: 30 rounds would take 200 s, 45 rounds 300 s.
    EXPECT_FALSE(next_batch_exceeds_limit(100, 15, 30, 300));
    EXPECT_FALSE(next_batch_exceeds_limit(100, 15, 45, 300));  // ends at the limit: fits
    EXPECT_TRUE(next_batch_exceeds_limit(100, 15, 45, 299));
    EXPECT_TRUE(next_batch_exceeds_limit(210, 30, 45, 300));
    EXPECT_FALSE(next_batch_exceeds_limit(1e9, 15, 30, 0));  // 0: no limit
    EXPECT_FALSE(next_batch_exceeds_limit(100, 0, 15, 1));   // no pace yet: the first batch runs
}

TEST(SequentialPlan, APlanTooLargeForTheLimitIsSaidBeforeTheFirstRound) {
    const sequential_plan plan;  // looks at 15, 30, 45 rounds within 5 minutes
    // 6 benchmarks x 2 x 0.4 s = 4.8 s a round: 45 rounds take 216 s, every look fits.
    EXPECT_FALSE(time_limit_warning(plan, 6, 0.4));
    // 9 x 2 x 0.4 = 7.2 s: 30 rounds fit (216 s), 45 do not (324 s).
    const auto two = time_limit_warning(plan, 9, 0.4);
    ASSERT_TRUE(two);
    EXPECT_NE(two->find("at least 7.2 s a round"), std::string::npos) << *two;
    EXPECT_NE(two->find("at most 2 of the 3 looks (30 of 45 rounds)"), std::string::npos) << *two;
    EXPECT_EQ(two->find("cannot decide"), std::string::npos) << *two;
    // 27 x 2 x 0.4 = 21.6 s: the second look would end at 648 s: one look only, said so.
    const auto one = time_limit_warning(plan, 27, 0.4);
    ASSERT_TRUE(one);
    EXPECT_NE(one->find("at most 1 of the 3 looks"), std::string::npos) << *one;
    EXPECT_NE(one->find("reported as no regression"), std::string::npos) << *one;
    // No limit, no benchmarks, or one look planned: nothing to say.
    EXPECT_FALSE(time_limit_warning(sequential_plan{15, 45, 0}, 27, 0.4));
    EXPECT_FALSE(time_limit_warning(plan, 0, 0.4));
    EXPECT_FALSE(time_limit_warning(sequential_plan{15, 15, 300}, 27, 0.4));
}

TEST(SequentialPlan, SecondsPerBenchmarkReadTheMinimumTime) {
    EXPECT_DOUBLE_EQ(seconds_per_benchmark({}, 0.3, 0.1), 0.4);
    EXPECT_DOUBLE_EQ(
        seconds_per_benchmark({"--sfb_paths=sendfile", "--benchmark_min_time=1"}, 0.3, 0.1), 1.1);
    // The last one wins, as in Google's parser; newer Googles' "0.5s" is seconds too.
    EXPECT_DOUBLE_EQ(
        seconds_per_benchmark({"--benchmark_min_time=1", "--benchmark_min_time=0.5s"}, 0.3, 0.0),
        0.5);
    // An iteration count has no known time; what does not parse keeps the default.
    EXPECT_DOUBLE_EQ(seconds_per_benchmark({"--benchmark_min_time=100x"}, 0.3, 0.1), 0.1);
    EXPECT_DOUBLE_EQ(seconds_per_benchmark({"--benchmark_min_time=soon"}, 0.3, 0.1), 0.4);
    EXPECT_DOUBLE_EQ(seconds_per_benchmark({"--benchmark_min_time=-1"}, 0.3, 0.1), 0.4);
}

TEST(SequentialGate, ClearWhenEveryIntervalIsInsideTheThreshold) {
    auto c = one_benchmark(
        {gating_metric("real_time", -0.02, 0.03), gating_metric("cpu_time", -0.04, 0.049)});
    EXPECT_TRUE(clear_of_threshold(c));
    EXPECT_EQ(decide_after_look(c, false), look_decision::clear);
}

TEST(SequentialGate, GoesOnWhileAnIntervalReachesTheThreshold) {
    auto c = one_benchmark(
        {gating_metric("real_time", -0.02, 0.03), gating_metric("cpu_time", -0.01, 0.12)});
    EXPECT_FALSE(clear_of_threshold(c));
    EXPECT_EQ(decide_after_look(c, false), look_decision::go_on);
    EXPECT_EQ(decide_after_look(c, true), look_decision::last_look);
    EXPECT_EQ(decide_after_look(c, false, true), look_decision::time_limit);
    EXPECT_EQ(decide_after_look(c, true, true), look_decision::last_look);
}

TEST(SequentialGate, OutOfTimeNeverHidesARegressionOrAClearPass) {
    auto clear = one_benchmark({gating_metric("cpu_time", -0.01, 0.01)});
    EXPECT_EQ(decide_after_look(clear, false, true), look_decision::clear);
    auto regressed = one_benchmark({gating_metric("cpu_time", 0.06, 0.14)});
    regressed.benchmarks[0].verdict = benchmark_verdict::regression;
    regressed.benchmarks[0].regressed = {"cpu_time"};
    EXPECT_EQ(decide_after_look(regressed, false, true), look_decision::regression);
}

TEST(SequentialGate, ThroughputIsClearWhenItsLowEndStaysAboveMinusThreshold) {
    // bytes_per_second is better when higher: only a fall counts.
    EXPECT_TRUE(clear_of_threshold(one_benchmark({gating_metric("bytes_per_second", -0.04, 0.3)})));
    EXPECT_FALSE(
        clear_of_threshold(one_benchmark({gating_metric("bytes_per_second", -0.06, 0.01)})));
}

TEST(SequentialGate, NoIntervalOrNoGatingMetricIsNotClear) {
    auto c = one_benchmark({gating_metric("real_time", -0.01, 0.01)});
    c.benchmarks[0].metrics[0].change_interval.reset();
    EXPECT_FALSE(clear_of_threshold(c));
    auto none = one_benchmark({gating_metric("real_time", -0.01, 0.01)});
    none.benchmarks[0].metrics[0].gating = false;
    EXPECT_FALSE(clear_of_threshold(none));
}

TEST(SequentialGate, ARegressionStopsAtOnce) {
    auto c = one_benchmark({gating_metric("cpu_time", 0.06, 0.14)});
    c.benchmarks[0].verdict = benchmark_verdict::regression;
    c.benchmarks[0].regressed = {"cpu_time"};
    ASSERT_TRUE(c.any_regression());
    EXPECT_EQ(decide_after_look(c, false), look_decision::regression);
    EXPECT_EQ(decide_after_look(c, true), look_decision::regression);
}

TEST(SequentialGate, TheStopIsDescribedWithTheLooksLevel) {
    const sequential_plan plan{15, 60};
    const std::string text = describe_stop(plan, 2, look_decision::clear, 0.05);
    EXPECT_NE(text.find("look 2 of 4 after 30 rounds"), std::string::npos) << text;
    EXPECT_NE(text.find("0.0125"), std::string::npos) << text;
    const std::string late = describe_stop(sequential_plan{}, 2, look_decision::time_limit, 0.01);
    EXPECT_NE(late.find("after 30 rounds (another 15 rounds would have ended after the time "
                        "limit of 5 minutes)"),
              std::string::npos)
        << late;
}

}  // namespace
}  // namespace sfb::harness
