// CPU accounting beyond Google Benchmark's per-thread timer.
//
// Loopback TCP does much of its work in softirq context, charged to no thread of ours by name;
// netperf therefore measures system-wide busy time and reports "service demand" (CPU usec per
// KB moved). /proc/stat, netperf's source, counts 10 ms ticks (USER_HZ), coarser than a
// benchmark's repetition can average away, so the system-wide meter here reads the root
// cpuacct cgroup's cpuacct.usage instead: the run time of every task on the machine in
// nanoseconds, softirq work done in a task's context included. It counts every process, so a
// busy neighbour inflates it: the run's context records the load average for that reason.
#pragma once

#include <time.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

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

// The mount point of the cgroup v1 hierarchy that holds the cpuacct controller, from one line
// of /proc/self/mountinfo, when that line mounts the hierarchy's root ("/": not a container's
// sub-cgroup, which would count only its own tasks). nullopt for any other line, malformed
// ones included.
std::optional<std::string> parse_cpuacct_mount(std::string_view line);
// cpuacct.usage's content: one decimal count of nanoseconds and a newline. nullopt when it is
// anything else (empty, signed, not a number, trailing text, beyond 64 bits).
std::optional<std::uint64_t> parse_cpuacct_usage(std::string_view text);
// The root cpuacct.usage of this machine (found once, from /proc/self/mountinfo), or nullopt
// when there is none: a cgroup v2-only host, whose root cpu.stat counts ticks, or a container
// that sees only its own cgroup.
const std::optional<std::string>& system_cpu_usage_path();
// Every task's CPU time on this machine, in nanoseconds since boot, from that file.
std::optional<std::uint64_t> read_system_cpu_ns();

// Accumulates system-wide busy CPU time over one or more start()/stop() intervals, in
// nanoseconds from the root cpuacct cgroup. A CPU that is running a task has charged it only
// up to that task's last scheduler update (a tick at most earlier), so start() and stop() first
// read the calling thread's CPU clock, which brings its own charge up to date; a caller that
// wants another thread of its own exact (the receiver) reads that thread's CPU clock just
// before. Once the source cannot be read, or where there is none, valid() is false for good.
class system_cpu_meter {
  public:
    void start();
    void stop();
    bool running() const noexcept { return running_; }
    double busy_us() const noexcept { return busy_us_; }
    bool valid() const noexcept { return valid_; }

  private:
    std::uint64_t at_start_ = 0;
    bool running_ = false;
    bool valid_ = true;
    double busy_us_ = 0.0;
};

// CPU time of the calling thread in microseconds (CLOCK_THREAD_CPUTIME_ID).
double thread_cpu_us() noexcept;

// Burns `usec` of the calling thread's CPU time: the --sfb_inject_cpu_us test hook, which
// makes a known regression appear in one path's cpu_time (and real_time).
void burn_thread_cpu(double usec) noexcept;

}  // namespace sfb::bench
