// CPU accounting beyond Google Benchmark's per-thread timer.
//
// Loopback TCP does much of its work in softirq context, often on whichever CPU the packet
// lands, and that time is charged to no thread of ours; netperf therefore measures system-wide
// busy time from /proc/stat and reports "service demand" (CPU usec per KB moved). This meter
// does the same. It counts every process on the machine, so a busy neighbour inflates it:
// the run's context records the load average for that reason.
#pragma once

#include <time.h>

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

struct cpu_ticks {
    std::uint64_t busy = 0;     // user + nice + system + irq + softirq (not idle, iowait, steal)
    std::uint64_t softirq = 0;  // of which softirq
};

// The first line of /proc/stat ("cpu ..."), in clock ticks (USER_HZ).
std::optional<cpu_ticks> read_proc_stat();
// Parses such a line; exposed for the tests.
std::optional<cpu_ticks> parse_proc_stat_line(const char* line);

// Accumulates system-wide busy, softirq and steal time over one or more start()/stop()
// intervals. Once /proc/stat cannot be read, valid() is false for good.
class system_cpu_meter {
  public:
    void start();
    void stop();
    bool running() const noexcept { return running_; }
    double busy_us() const noexcept { return busy_us_; }
    double softirq_us() const noexcept { return softirq_us_; }
    double steal_us() const noexcept { return steal_us_; }
    bool valid() const noexcept { return valid_; }

  private:
    system_times at_start_{};
    bool running_ = false;
    bool valid_ = true;
    double busy_us_ = 0.0;
    double softirq_us_ = 0.0;
    double steal_us_ = 0.0;
};

// CPU time of the calling thread in microseconds (CLOCK_THREAD_CPUTIME_ID).
double thread_cpu_us() noexcept;

// Burns `usec` of the calling thread's CPU time: the --sfb_inject_cpu_us test hook, which
// makes a known regression appear in one path's cpu_time (and real_time).
void burn_thread_cpu(double usec) noexcept;

}  // namespace sfb::bench
