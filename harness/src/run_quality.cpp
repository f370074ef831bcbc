#include "run_quality.h"

namespace sfb::harness {

benchmark_quality assess(const benchmark_series& series) {
    return assess_rounds(series.name, series.repetitions);
}

std::vector<std::string> not_converged(const result_set& set, double target) {
    std::vector<std::string> names;
    for (const auto& series : set.benchmarks) {
        const auto ci = median_interval(series.values("real_time"));
        if (!ci || !(ci->relative_half_width() <= target)) {
            names.push_back(series.name);
        }
    }
    return names;
}

std::vector<std::string> quality_warnings(const result_set& set) {
    std::vector<std::string> lines;
    for (const auto& series : set.benchmarks) {
        const auto quality = assess(series);
        if (quality.flagged()) {
            lines.push_back(series.name + ": " + describe_flags(quality));
        }
    }
    return lines;
}

}  // namespace sfb::harness
