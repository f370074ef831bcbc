// Comparing two sets of benchmark results in stages: pairing the benchmarks of both sides, per
// metric the change of the median and a two-sided rank test over the repetitions (Mann-Whitney
// U, or Wilcoxon signed-rank for paired rounds), Holm's correction over the gating tests, and
// verdicts that need both significance (p < alpha) and size (|change| >= threshold).
#pragma once

#include "benchmark_json.h"
#include "confidence.h"
#include "stats.h"

#include <optional>
#include <string>
#include <vector>

namespace sfb::harness {

struct compare_options {
    double alpha = 0.05;
    double threshold = 0.05;  // minimum relative change of the median, as a fraction
    // Metrics whose regression is a regression of the benchmark (and exit code 1). The default
    // adds the fastest quarter of the passes (pass_q25_us) to real and CPU time: a stall of the
    // machine that slows some passes of a round leaves it alone (harness/README.md, "Quality
    // bars, measured"). A default metric that no benchmark of both sides has (results without
    // pass samples) is left out of the gate with a note; a metric named by --gate must exist.
    std::vector<std::string> gate = {"real_time", "cpu_time", "pass_q25_us"};
    bool gate_given = false;  // --gate named the metrics
    bool run_test = true;     // false: show the changes only, no test, no verdict
    // Holm's correction of the gating metrics' p-values for testing many at once.
    bool holm = true;
    // Pair repetition i of the base with repetition i of the new side (the rounds of `sfb ab`)
    // and use the Wilcoxon signed-rank test instead of the Mann-Whitney U test.
    bool paired = false;
};

// "Mann-Whitney U", or "Wilcoxon signed-rank" with compare_options::paired: the test the
// comparison runs, for every message that names it.
const char* rank_test_name(const compare_options& options);

// Times and most counters are better when lower; rates ("..._per_second") when higher.
bool higher_is_better(const std::string& metric);

enum class metric_outcome { unchanged, worse, better };
NLOHMANN_JSON_SERIALIZE_ENUM(metric_outcome, {{metric_outcome::unchanged, "unchanged"},
                                              {metric_outcome::worse, "worse"},
                                              {metric_outcome::better, "better"}})

// The outcome of whichever test ran: Mann-Whitney U (statistic U of the base sample) or, with
// compare_options::paired, Wilcoxon signed-rank (statistic W+ of new - base).
struct rank_test_result {
    double statistic = 0;
    double p_value = 1;
    bool exact = false;
};

struct metric_comparison {
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
    std::optional<rank_test_result> test;
    // The p-value the verdict uses: for gating metrics Holm-adjusted over every gating test of
    // the comparison (unless switched off), for the others the test's own.
    double p_gate = 1;
    bool gating = false;
    metric_outcome outcome = metric_outcome::unchanged;
};

enum class benchmark_verdict { unchanged, regression, improvement, untested };
NLOHMANN_JSON_SERIALIZE_ENUM(benchmark_verdict, {{benchmark_verdict::unchanged, "unchanged"},
                                                 {benchmark_verdict::regression, "regression"},
                                                 {benchmark_verdict::improvement, "improvement"},
                                                 {benchmark_verdict::untested, "untested"}})

struct benchmark_comparison {
    std::string name;
    std::string time_unit;  // for display
    std::vector<metric_comparison> metrics;
    benchmark_verdict verdict = benchmark_verdict::unchanged;
    std::vector<std::string> regressed;  // gating metrics that got worse
    std::vector<std::string> improved;   // gating metrics that got better
};

struct comparison_result {
    compare_options options;
    std::string base_label;
    std::string new_label;
    std::vector<benchmark_comparison> benchmarks;
    std::vector<std::string> only_base;
    std::vector<std::string> only_new;
    std::vector<std::string> failed;  // "name: side: message" for benchmarks that errored
    std::vector<std::string> notes;
    std::size_t gating_tests = 0;  // size of the family Holm's correction is over
    // Both sides ran under qemu's instruction clock: every time counts guest instructions (a
    // microsecond is 1000 of them), every rate is per 10^9 instructions.
    bool instruction_clock = false;

    bool any_regression() const;
    int exit_code() const { return any_regression() ? 1 : 0; }
};

// Throws input_error (exit code 2) when a benchmark present on both sides has too few
// repetitions for the test to ever reach alpha, or when a gating metric exists nowhere.
comparison_result compare_results(const result_set& base, const result_set& candidate,
                                  const compare_options& options, const std::string& base_label,
                                  const std::string& new_label);

std::string render_text(const comparison_result& comparison, bool colour, bool all_metrics);
std::string render_markdown(const comparison_result& comparison, bool all_metrics);
std::string render_json(const comparison_result& comparison);

}  // namespace sfb::harness
