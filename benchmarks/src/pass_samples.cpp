#include "pass_samples.h"

#include <algorithm>
#include <cmath>

#include "regimes.h"

namespace sfb::bench {

namespace {

// Hyndman & Fan type 7 (R's and numpy's default), as the harness computes quantiles.
double quantile_of_sorted(const std::vector<double>& sorted, double q) {
    const double position = q * static_cast<double>(sorted.size() - 1);
    const auto below = static_cast<std::size_t>(std::floor(position));
    const std::size_t above = std::min(below + 1, sorted.size() - 1);
    return sorted[below] +
           (position - static_cast<double>(below)) * (sorted[above] - sorted[below]);
}

}  // namespace

void pass_samples::reserve(std::size_t passes) {
    times_us_.clear();
    times_us_.reserve(passes);
}

void pass_samples::end_pass() {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    times_us_.push_back(static_cast<double>(now.tv_sec - started_.tv_sec) * 1e6 +
                        static_cast<double>(now.tv_nsec - started_.tv_nsec) / 1e3);
}

pass_summary pass_samples::summarize() const {
    return summarize_passes(times_us_);
}

pass_summary summarize_passes(const std::vector<double>& times_us) {
    pass_summary s;
    if (times_us.empty()) {
        return s;
    }
    std::vector<double> sorted = times_us;
    std::sort(sorted.begin(), sorted.end());
    s.passes = sorted.size();
    s.min_us = sorted.front();
    s.q10_us = quantile_of_sorted(sorted, 0.10);
    s.q25_us = quantile_of_sorted(sorted, 0.25);
    s.median_us = quantile_of_sorted(sorted, 0.50);
    s.q75_us = quantile_of_sorted(sorted, 0.75);
    s.q90_us = quantile_of_sorted(sorted, 0.90);
    s.max_us = sorted.back();
    s.regimes = sfb::harness::find_regimes(sorted).size();
    return s;
}

}  // namespace sfb::bench
