// Comparing two sets of benchmark results in stages: pairing the benchmarks of both sides, per
// metric the change of the median and a two-sided rank test over the repetitions (Mann-Whitney
// U, or Wilcoxon signed-rank for paired rounds), Holm's correction over the gating tests, and
// verdicts that need both significance (p < alpha) and size (|change| >= threshold).
#pragma once

#include "benchmark_json.hpp"
#include "confidence.h"
#include "stats.hpp"

#include <optional>
#include <string>
#include <vector>

namespace sfb::harness {

struct CompareOptions {
    double alpha = 0.05;
    double threshold = 0.05;  // minimum relative change of the median, as a fraction
    // Metrics whose regression is a regression of the benchmark (and exit code 1).
    std::vector<std::string> gate = {"real_time", "cpu_time"};
    bool run_test = true;  // false: show the changes only, no test, no verdict
    // Holm's correction of the gating metrics' p-values for testing many at once.
    bool holm = true;
    // Pair repetition i of the base with repetition i of the new side (the rounds of `sfb ab`)
    // and use the Wilcoxon signed-rank test instead of the Mann-Whitney U test.
    bool paired = false;
};

// "Mann-Whitney U", or "Wilcoxon signed-rank" with CompareOptions::paired: the test the
// comparison runs, for every message that names it.
const char* rank_test_name(const CompareOptions& options);

// Times and most counters are better when lower; rates ("..._per_second") when higher.
bool higher_is_better(const std::string& metric);

enum class Outcome { unchanged, worse, better };
NLOHMANN_JSON_SERIALIZE_ENUM(Outcome, {{Outcome::unchanged, "unchanged"},
                                       {Outcome::worse, "worse"},
                                       {Outcome::better, "better"}})

// The outcome of whichever test ran: Mann-Whitney U (statistic U of the base sample) or, with
// CompareOptions::paired, Wilcoxon signed-rank (statistic W+ of new - base).
struct TestResult {
    double statistic = 0;
    double p_value = 1;
    bool exact = false;
};

struct MetricComparison {
    std::string metric;
    std::size_t base_count = 0;
    std::size_t new_count = 0;
    double base_median = 0;
    double new_median = 0;
    double change = 0;  // new / base - 1; NaN when the base median is 0 and the new one is not
    // The Hodges-Lehmann relative change (median of every new_j / base_i, minus 1) with its
    // 95% interval from the Mann-Whitney test (confidence.h); nullopt for too few repetitions
    // or values that are not all positive.
    std::optional<confidence_interval> change_interval;
    std::optional<TestResult> test;
    // The p-value the verdict uses: for gating metrics Holm-adjusted over every gating test of
    // the comparison (unless switched off), for the others the test's own.
    double p_gate = 1;
    bool gating = false;
    Outcome outcome = Outcome::unchanged;
};

enum class Verdict { unchanged, regression, improvement, untested };
NLOHMANN_JSON_SERIALIZE_ENUM(Verdict, {{Verdict::unchanged, "unchanged"},
                                       {Verdict::regression, "regression"},
                                       {Verdict::improvement, "improvement"},
                                       {Verdict::untested, "untested"}})

struct BenchmarkComparison {
    std::string name;
    std::string time_unit;  // for display
    std::vector<MetricComparison> metrics;
    Verdict verdict = Verdict::unchanged;
    std::vector<std::string> regressed;  // gating metrics that got worse
    std::vector<std::string> improved;   // gating metrics that got better
};

struct Comparison {
    CompareOptions options;
    std::string base_label;
    std::string new_label;
    std::vector<BenchmarkComparison> benchmarks;
    std::vector<std::string> only_base;
    std::vector<std::string> only_new;
    std::vector<std::string> failed;  // "name: side: message" for benchmarks that errored
    std::vector<std::string> notes;
    std::size_t gating_tests = 0;  // size of the family Holm's correction is over

    bool any_regression() const;
    int exit_code() const { return any_regression() ? 1 : 0; }
};

// Throws InputError (exit code 2) when a benchmark present on both sides has too few
// repetitions for the test to ever reach alpha, or when a gating metric exists nowhere.
Comparison compare_results(const ResultSet& base, const ResultSet& candidate,
                           const CompareOptions& options, const std::string& base_label,
                           const std::string& new_label);

std::string render_text(const Comparison& comparison, bool colour, bool all_metrics);
std::string render_markdown(const Comparison& comparison, bool all_metrics);
std::string render_json(const Comparison& comparison);

}  // namespace sfb::harness
