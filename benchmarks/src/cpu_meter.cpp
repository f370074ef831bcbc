#include "cpu_meter.h"

#include "interference.h"

#include <unistd.h>

namespace sfb::bench {

// The one parser of the line is interference.h's; this meter keeps busy and softirq.
std::optional<cpu_ticks> parse_proc_stat_line(const char* line) {
    const auto times = parse_system_times(line);
    if (!times) {
        return std::nullopt;
    }
    return cpu_ticks{times->busy, times->softirq};
}

std::optional<cpu_ticks> read_proc_stat() {
    const auto times = read_system_times();
    if (!times) {
        return std::nullopt;
    }
    return cpu_ticks{times->busy, times->softirq};
}

void system_cpu_meter::start() {
    if (const auto now = read_proc_stat()) {
        at_start_ = *now;
        running_ = true;
    } else {
        valid_ = false;
    }
}

void system_cpu_meter::stop() {
    if (!running_) {
        return;
    }
    running_ = false;
    const auto now = read_proc_stat();
    if (!now) {
        valid_ = false;
        return;
    }
    const double us_per_tick = 1e6 / static_cast<double>(::sysconf(_SC_CLK_TCK));
    busy_us_ += static_cast<double>(now->busy - at_start_.busy) * us_per_tick;
    softirq_us_ += static_cast<double>(now->softirq - at_start_.softirq) * us_per_tick;
}

double thread_cpu_us() noexcept {
    timespec now{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) * 1e6 + static_cast<double>(now.tv_nsec) / 1e3;
}

void burn_thread_cpu(double usec) noexcept {
    const double until = thread_cpu_us() + usec;
    volatile std::uint64_t sink = 0;
    while (thread_cpu_us() < until) {
        for (int i = 0; i < 64; ++i) {
            sink = sink + static_cast<std::uint64_t>(i);
        }
    }
}

}  // namespace sfb::bench
