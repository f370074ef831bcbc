// What a result says about its own trustworthiness, per benchmark: the median's
// distribution-free interval, how much CPU other processes and the hypervisor took during
// the passes (other_cpu_us, steal_us), rounds whose passes fell into separate clusters
// (pass_bimodal), and rounds that disagree with each other beyond their own spread. `sfb run`,
// `sfb ab`, `sfb compare` and `sfb report` print these next to the numbers, and
// `sfb run --target-ci` decides from the intervals when to stop.
#pragma once

#include "benchmark_json.h"
#include "confidence.h"

#include <optional>
#include <string>
#include <vector>

namespace sfb::harness {

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

benchmark_quality assess(const benchmark_series& series);

// A short text of the flags, e.g. "other CPU 23% of a pass; bimodal in 2/9 rounds; rounds
// disagree"; empty when nothing is flagged.
std::string describe_flags(const benchmark_quality& quality);

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

// The benchmarks of `set` whose real-time interval is wider than +-target of their median
// (relative half-width, see confidence_interval), or that have too few rounds for an
// interval at all.
std::vector<std::string> not_converged(const result_set& set, double target);

// One line per flagged benchmark of `set` ("NAME: flags"), for summaries and the stored
// context; empty when nothing is flagged.
std::vector<std::string> quality_warnings(const result_set& set);

}  // namespace sfb::harness
