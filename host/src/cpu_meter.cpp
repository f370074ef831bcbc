#include "cpu_meter.h"

#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <cstring>

namespace sfb::bench {

std::optional<system_times> parse_system_times(const char* line) {
    // proc(5): cpu user nice system idle iowait irq softirq steal guest guest_nice. Guest
    // time is already inside user, so it is not added again.
    std::uint64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0;
    std::uint64_t steal = 0;
    // sscanf's "cpu " would also match "cpu0 " (a blank matches no blank), so the aggregate
    // line is recognized by its prefix first.
    if (std::strncmp(line, "cpu ", 4) != 0) {
        return std::nullopt;
    }
    const int fields = std::sscanf(line,
                                   "cpu %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
                                   " %" SCNu64 " %" SCNu64 " %" SCNu64,
                                   &user, &nice, &system, &idle, &iowait, &irq, &softirq, &steal);
    if (fields < 7) {
        return std::nullopt;
    }
    return system_times{user + nice + system + irq + softirq, softirq, fields == 8 ? steal : 0};
}

std::optional<system_times> read_system_times() {
    std::FILE* stat = std::fopen("/proc/stat", "re");
    if (stat == nullptr) {
        return std::nullopt;
    }
    char line[512];
    const bool got = std::fgets(line, sizeof line, stat) != nullptr;
    std::fclose(stat);
    return got ? parse_system_times(line) : std::nullopt;
}

// The one parser of the line is parse_system_times; cpu_ticks keeps busy and softirq.
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
    if (const auto now = read_system_times()) {
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
    const auto now = read_system_times();
    if (!now) {
        valid_ = false;
        return;
    }
    // A counter that went backwards adds nothing rather than wrapping around.
    const double us_per_tick = 1e6 / static_cast<double>(::sysconf(_SC_CLK_TCK));
    const auto delta = [&](std::uint64_t later, std::uint64_t earlier) {
        return later >= earlier ? static_cast<double>(later - earlier) * us_per_tick : 0.0;
    };
    busy_us_ += delta(now->busy, at_start_.busy);
    softirq_us_ += delta(now->softirq, at_start_.softirq);
    steal_us_ += delta(now->steal, at_start_.steal);
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
