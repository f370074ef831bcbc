// Where the sending and receiving threads run: a dimension of every benchmark.
//
// On loopback TCP the receive work (the protocol stack's softirq) runs on the CPU that sent
// the packet unless that CPU hands it to ksoftirqd, so the same program measures a different
// machine depending on whether the sender and the receiver share a CPU. `same` puts both
// threads (and so the softirq) on one CPU; `split` puts them on two different CPUs; `free`
// lets the scheduler decide, and the suite then records where the threads actually ran.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sfb::bench {

enum class placement { same, split, free };
std::string_view placement_name(placement p) noexcept;
std::optional<placement> parse_placement(std::string_view name) noexcept;

// The placements the default plan runs on a machine with `cpu_count` online CPUs: the two
// pinned ones that the answer depends on, `same` and (from two CPUs) `split`. `free` leaves
// the choice to the scheduler, which mostly gives one of the two (its `same_cpu_share` says
// which) and makes a run bimodal when it changes its mind: it is planned only when asked.
std::vector<placement> default_placements(int cpu_count);
// Whether `p` can be given on a machine with `cpu_count` CPUs.
bool placement_fits(placement p, int cpu_count) noexcept;

struct thread_cpus {
    int sender = -1;  // -1: not pinned
    int receiver = -1;
};

// The CPUs of connection `connection` (0-based) under placement `p`: same puts connection i's
// pair on CPU i, split puts its sender on CPU 2i and its receiver on CPU 2i+1, both modulo
// the CPU count; free pins nothing.
thread_cpus placement_cpus(placement p, int connection, int cpu_count) noexcept;

// The online CPU count (sysconf(_SC_NPROCESSORS_ONLN)), at least 1.
int online_cpus() noexcept;

// Pins the calling thread to CPU `cpu`; a negative `cpu` leaves it free. Returns an empty
// string, or "cannot pin the <who> to CPU <cpu>: <reason>".
std::string pin_this_thread(int cpu, std::string_view who);

// The CPU one thread was last seen on, and how often that changed. Only the owning thread
// calls sample(); any thread may read. sample() is one sched_getcpu(), a vDSO call on Linux
// (no system call), so it can run once per receive or per pass without a measurable cost.
class cpu_trace {
  public:
    void sample() noexcept;
    int last() const noexcept { return last_.load(std::memory_order_relaxed); }
    std::uint64_t changes() const noexcept { return changes_.load(std::memory_order_relaxed); }

  private:
    std::atomic<int> last_{-1};
    std::atomic<std::uint64_t> changes_{0};
};

// Where a run's threads were, pass by pass: the sender samples its own CPU at the end of each
// pass and compares it with the CPU the receiver was last seen on.
class placement_record {
  public:
    // Called by the sending thread before the first measured pass.
    void start(const cpu_trace& receiver) noexcept;
    // Called by the sending thread at the end of each measured pass.
    void end_pass(const cpu_trace& receiver) noexcept;
    // Migrations of the sender and the receiver together since start().
    std::uint64_t migrations(const cpu_trace& receiver) const noexcept;
    // The share of passes that ended with the sender and the receiver on one CPU, in [0, 1];
    // 0 when no pass was recorded.
    double same_cpu_share() const noexcept;
    // The CPU of the sender at the last sample.
    int sender_cpu() const noexcept { return sender_.last(); }

  private:
    cpu_trace sender_;
    std::uint64_t sender_changes_at_start_ = 0;
    std::uint64_t receiver_changes_at_start_ = 0;
    std::uint64_t passes_ = 0;
    std::uint64_t same_ = 0;
};

}  // namespace sfb::bench
