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
    std::size_t regimes = 0;  // clusters found by the regime rule (host/src/regimes.h)
    bool bimodal() const noexcept { return regimes > 1; }
};

// At most `max_kept` pass times are kept, so memory stays bounded however long a run is (a
// 4 KiB file passes in about 10 us: an hour-long run would otherwise keep 360 million). When
// the buffer is full every other kept time is dropped and from then on only every second pass
// is recorded, then every fourth, and so on: the kept passes stay evenly spread over the whole
// run, so quantiles and regimes describe all of it. The fastest and slowest pass are tracked
// over every pass, kept or not.
class pass_samples {
  public:
    static constexpr std::size_t max_kept = std::size_t{1} << 20;

    // Room for `passes` passes (at most max_kept), reserved before the first one.
    void reserve(std::size_t passes);
    void begin_pass() noexcept { ::clock_gettime(CLOCK_MONOTONIC, &started_); }
    void end_pass();
    const std::vector<double>& times_us() const noexcept { return times_us_; }
    std::size_t passes_seen() const noexcept { return seen_; }
    pass_summary summarize() const;

  private:
    void halve();

    timespec started_{};
    std::vector<double> times_us_;
    std::size_t seen_ = 0;
    std::size_t stride_ = 1;  // a power of two: every stride_-th pass is kept
    double min_us_ = 0;
    double max_us_ = 0;
};

// Summarizes any set of pass times (exposed for the tests).
pass_summary summarize_passes(const std::vector<double>& times_us);

}  // namespace sfb::bench
