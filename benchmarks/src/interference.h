// How much CPU the rest of the machine took while a benchmark ran.
//
// A noisy neighbour (another process, a CI job, the hypervisor running another guest) changes
// what a loopback benchmark measures, and nothing in the times says so. This meter measures
// it: system-wide busy time from /proc/stat (user + nice + system + irq + softirq over every
// CPU) minus the CPU time of this process (every thread of the suite) minus softirq time (the
// loopback receive work the benchmark itself causes, wherever the kernel runs it) is the CPU
// time other processes used: other_cpu_us. The "steal" column is the time the hypervisor ran
// something else while this guest wanted a CPU: steal_us. /proc/stat counts in clock ticks
// (USER_HZ, 10 ms on Linux), so a single short interval is coarse; the meter accumulates over
// every pass of a run, and the suite reports the average per pass.
#pragma once

#include <cstdint>
#include <optional>

namespace sfb::bench {

struct system_times {
    std::uint64_t busy = 0;     // user + nice + system + irq + softirq, in ticks
    std::uint64_t softirq = 0;  // of which softirq
    std::uint64_t steal = 0;    // time stolen by the hypervisor, in ticks
};

// Parses the first line of /proc/stat ("cpu  user nice system idle iowait irq softirq steal
// ..."); kernels before 2.6.11 have no steal column, which then reads as 0.
std::optional<system_times> parse_system_times(const char* line);
std::optional<system_times> read_system_times();

// CPU time of the whole process (every thread), CLOCK_PROCESS_CPUTIME_ID, in microseconds.
double process_cpu_us() noexcept;

// Accumulates other processes' CPU time and steal time over start()/stop() intervals.
class interference_meter {
  public:
    void start();
    void stop();
    // Never below 0: tick rounding can make the difference slightly negative on an idle
    // machine.
    double other_cpu_us() const noexcept { return other_cpu_us_ < 0 ? 0.0 : other_cpu_us_; }
    double steal_us() const noexcept { return steal_us_; }
    bool valid() const noexcept { return valid_; }

  private:
    system_times at_start_{};
    double process_at_start_ = 0.0;
    bool running_ = false;
    bool valid_ = true;
    double other_cpu_us_ = 0.0;
    double steal_us_ = 0.0;
};

}  // namespace sfb::bench
