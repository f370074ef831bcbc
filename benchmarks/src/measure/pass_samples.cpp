#include "pass_samples.h"

#include <algorithm>
#include <cmath>

#include "regimes.h"
#include "sorted_quantile.h"

namespace sfb::bench {

void pass_samples::reserve(std::size_t passes) {
    times_us_.clear();
    times_us_.reserve(std::min(passes, max_kept));
    seen_ = 0;
    stride_ = 1;
    min_us_ = 0;
    max_us_ = 0;
}

void pass_samples::halve() {
    for (std::size_t i = 0; i < times_us_.size() / 2; ++i) {
        times_us_[i] = times_us_[2 * i];
    }
    times_us_.resize(times_us_.size() / 2);
    stride_ *= 2;
}

void pass_samples::end_pass() {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    const double us = static_cast<double>(now.tv_sec - started_.tv_sec) * 1e6 +
                      static_cast<double>(now.tv_nsec - started_.tv_nsec) / 1e3;
    const std::size_t pass = seen_++;
    min_us_ = pass == 0 ? us : std::min(min_us_, us);
    max_us_ = pass == 0 ? us : std::max(max_us_, us);
    if ((pass & (stride_ - 1)) != 0) {
        return;
    }
    if (times_us_.size() == max_kept) {
        halve();
        if ((pass & (stride_ - 1)) != 0) {
            return;
        }
    }
    times_us_.push_back(us);
}

pass_summary pass_samples::summarize() const {
    pass_summary s = summarize_passes(times_us_);
    if (seen_ > 0) {
        s.passes = seen_;
        s.min_us = min_us_;
        s.max_us = max_us_;
    }
    return s;
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
    s.q10_us = harness::sorted_quantile(sorted, 0.10);
    s.q25_us = harness::sorted_quantile(sorted, 0.25);
    s.median_us = harness::sorted_quantile(sorted, 0.50);
    s.q75_us = harness::sorted_quantile(sorted, 0.75);
    s.q90_us = harness::sorted_quantile(sorted, 0.90);
    s.max_us = sorted.back();
    s.regimes = sfb::harness::find_regimes(sorted).size();
    return s;
}

}  // namespace sfb::bench
