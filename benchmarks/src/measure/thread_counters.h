// Per-thread counters through perf_event_open(2): instructions and cycles of one thread
// (the sender, or the receiver), or its task clock, a software event that takes the very same
// path through this code and is what the tests use, since the development machine exposes no
// PMU (benchmarks/README.md, "CPU counters: sources and resolution").
//
// Counters with pid 0 count the calling thread, so each thread opens its own; any thread may
// then read them (read(2) on the descriptors), which is how the sender reads the receiver's at
// pass boundaries. User and kernel are both counted (the kernel is where a send path works);
// the hypervisor is not. The events of a set form one group, scheduled onto the PMU together;
// when the PMU multiplexed the group (it ran for less time than it was enabled), the counts of
// an interval are scaled by enabled / running, as perf stat does.
#pragma once

#include <sfb/unique_fd.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sfb::bench {

// The events counted (--sfb_thread_counters): instructions and CPU cycles, the task clock
// (nanoseconds on a CPU), or nothing.
enum class thread_counter_set { hardware, task_clock, off };
// "hardware", "task-clock", "off".
std::string_view thread_counter_set_name(thread_counter_set set) noexcept;
std::optional<thread_counter_set> parse_thread_counter_set(std::string_view name) noexcept;

// The most events a set has.
inline constexpr std::size_t kMaxThreadCounters = 2;

// One read of a thread's counters: the raw counts, in the set's order (hardware: instructions,
// cycles; task-clock: nanoseconds), and how long the group was enabled and running (ns).
struct thread_counts {
    std::size_t size = 0;
    std::array<std::uint64_t, kMaxThreadCounters> values{};
    std::uint64_t time_enabled = 0;
    std::uint64_t time_running = 0;
};

// What the counters counted from `from` to `to`, each difference scaled by the enabled time
// over the running time of the interval when the group was multiplexed. nullopt when the
// reads are of different sets or the group never ran on the PMU in the interval (nothing to
// scale).
std::optional<std::array<double, kMaxThreadCounters>> counted_between(const thread_counts& from,
                                                                      const thread_counts& to);

class thread_counters {
  public:
    // Nothing open (the set `off`).
    thread_counters() = default;
    // Opens `set` for the calling thread and enables it. Never throws: on failure nothing is
    // open and reason() says why (perf_event_open's error and what it means here).
    static thread_counters open(thread_counter_set set);

    // Whether the counters are open and counting.
    bool active() const noexcept { return static_cast<bool>(leader_); }
    // Why open() failed; empty when the counters are active or the set was `off`.
    const std::string& reason() const noexcept { return reason_; }
    thread_counter_set set() const noexcept { return set_; }
    // The counts so far, from any thread; nullopt when nothing is open or the read failed.
    std::optional<thread_counts> read() const;

  private:
    thread_counter_set set_ = thread_counter_set::off;
    unique_fd leader_;
    unique_fd member_;  // the group's second event (hardware: cycles)
    std::size_t size_ = 0;
    std::string reason_;
};

}  // namespace sfb::bench
