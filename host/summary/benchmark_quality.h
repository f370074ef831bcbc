// What a benchmark's rounds say about their own trustworthiness: how much CPU other processes
// and the hypervisor took during the passes (other_cpu_us, steal_us), rounds whose passes fell
// into separate clusters (pass_bimodal), and rounds that disagree with each other beyond their
// own spread. sfb (run_quality.h) and bench_sendfile's console rows flag a benchmark by these
// same rules and thresholds.
#pragma once

#include "confidence.h"

#include <cstddef>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace sfb::harness {

// One round (repetition) of a benchmark: "real_time" and "cpu_time" in microseconds, then
// every counter (bytes_per_second and the suite's counters) by name.
using round_values = std::map<std::string, double>;

// The values of `metric` over `rounds`, in order, skipping rounds without it.
std::vector<double> values_of(std::span<const round_values> rounds, const std::string& metric);

// Interference above this share of a pass's wall time is warned about: other processes used
// more than a tenth of one CPU during the pass, or the hypervisor stole more than a tenth of
// it. The threshold is loose on purpose: /proc/stat counts in 10 ms ticks, and a loopback
// pass keeps up to two CPUs busy, so smaller shares are within its error on short runs.
inline constexpr double kInterferenceWarnShare = 0.10;

struct benchmark_quality {
    std::string name;
    std::size_t rounds = 0;
    std::optional<confidence_interval> real_time;  // median over the rounds, us per pass
    std::optional<double> other_cpu_share;  // median over the rounds of other_cpu_us / real_time
    std::optional<double> steal_share;      // the same for steal_us
    std::size_t bimodal_rounds = 0;         // rounds whose passes split (pass_bimodal)
    std::optional<bool> rounds_disagree;    // nullopt without per-pass quantiles
    bool interference() const noexcept;
    bool flagged() const noexcept;
};

benchmark_quality assess_rounds(std::string name, std::span<const round_values> rounds);

// A short text of the flags, e.g. "other processes used 23% of a CPU; bimodal passes in 2/9
// rounds; rounds disagree"; empty when nothing is flagged.
std::string describe_flags(const benchmark_quality& quality);

// The same in a few words, for a console row: "other 23%, bimodal 2/9, disagree".
std::string brief_flags(const benchmark_quality& quality);

// "8123 [8010, 8302]": a median with its 95% interval, or "8123 [n<6]" without one, each
// number printed by `format_value`.
template <typename Format>
std::string with_interval(double median, const std::optional<confidence_interval>& ci,
                          Format format_value) {
    if (!ci) {
        return format_value(median) + " [n<6]";
    }
    return format_value(median) + " [" + format_value(ci->low) + ", " + format_value(ci->high) +
           "]";
}

}  // namespace sfb::harness
