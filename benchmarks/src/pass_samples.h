// The wall time of every pass of a benchmark run, kept so that the result shows their
// distribution, not only their mean.
//
// Google Benchmark reports one mean per run (per repetition); a run whose passes jump between
// two speeds (receive processing moving between CPUs) gives a mean that no pass had. The
// suite therefore times each pass itself (CLOCK_MONOTONIC, a vDSO call, into a vector
// reserved before the first pass: no allocation and no system call while measuring) and
// writes quantiles of the passes and a flag for passes that fall into separate clusters as
// counters, which every Google Benchmark JSON reader already keeps.
#pragma once

#include <time.h>

#include <cstddef>
#include <vector>

namespace sfb::bench {

struct pass_summary {
    std::size_t passes = 0;
    double min_us = 0, q10_us = 0, q25_us = 0, median_us = 0, q75_us = 0, q90_us = 0, max_us = 0;
    std::size_t regimes = 0;  // clusters found by the harness's regime rule (regimes.h)
    bool bimodal() const noexcept { return regimes > 1; }
};

class pass_samples {
  public:
    // Room for `passes` passes; more are still kept, at the cost of a reallocation.
    void reserve(std::size_t passes);
    void begin_pass() noexcept { ::clock_gettime(CLOCK_MONOTONIC, &started_); }
    void end_pass();
    const std::vector<double>& times_us() const noexcept { return times_us_; }
    pass_summary summarize() const;

  private:
    timespec started_{};
    std::vector<double> times_us_;
};

// Summarizes any set of pass times (exposed for the tests).
pass_summary summarize_passes(const std::vector<double>& times_us);

}  // namespace sfb::bench
