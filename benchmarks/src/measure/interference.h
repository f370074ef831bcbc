// How much CPU the rest of the machine took while a benchmark ran.
//
// A noisy neighbour (another process, a CI job) changes what a loopback benchmark measures,
// and nothing in the times says so. This meter measures it: the run time of every task on the
// machine (the root cpuacct cgroup, system_cpu_meter, in nanoseconds) minus the CPU time of
// this process (every thread of the suite, softirq work done in their context included) is the
// CPU time other processes used: other_cpu_us. Time the hypervisor steals is counted only by
// /proc/stat, in 10 ms ticks, too coarse for a repetition: the suite does not report it.
#pragma once

#include "cpu_meter.h"

namespace sfb::bench {

// CPU time of the whole process (every thread), CLOCK_PROCESS_CPUTIME_ID, in microseconds.
double process_cpu_us() noexcept;

// Accumulates other processes' CPU time over start()/stop() intervals.
class interference_meter {
  public:
    void start();
    void stop();
    // Never below 0: a task of this process charged late (a tick at most) can make the
    // difference slightly negative on an idle machine.
    double other_cpu_us() const noexcept;
    bool valid() const noexcept { return system_.valid(); }

  private:
    system_cpu_meter system_;
    double process_at_start_ = 0.0;
    double process_us_ = 0.0;
};

}  // namespace sfb::bench
