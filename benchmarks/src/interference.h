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

#include "cpu_meter.h"

namespace sfb::bench {

// CPU time of the whole process (every thread), CLOCK_PROCESS_CPUTIME_ID, in microseconds.
double process_cpu_us() noexcept;

// Accumulates other processes' CPU time and steal time over start()/stop() intervals.
class interference_meter {
  public:
    void start();
    void stop();
    // Never below 0: tick rounding can make the difference slightly negative on an idle
    // machine.
    double other_cpu_us() const noexcept;
    double steal_us() const noexcept { return system_.steal_us(); }
    bool valid() const noexcept { return system_.valid(); }

  private:
    system_cpu_meter system_;
    double process_at_start_ = 0.0;
    double process_us_ = 0.0;
};

}  // namespace sfb::bench
