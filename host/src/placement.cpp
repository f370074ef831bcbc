#include "placement.h"

#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <sfb/format_contract.h>

#include <cstring>

#include "contract_enum.h"

namespace sfb::bench {

// The enumerators are in the contract's order (format/contract.json), so each one's value is
// its index in the contract's table.
static_assert(sfb::format::placements.size() == static_cast<std::size_t>(placement::free) + 1);

std::string_view placement_name(placement p) noexcept {
    return sfb::format::to_string(static_cast<sfb::format::placement_id>(p));
}

std::optional<placement> parse_placement(std::string_view name) noexcept {
    return from_contract<placement>(sfb::format::parse_placement_id(name));
}

bool placement_fits(placement p, int cpu_count) noexcept {
    return p != placement::split || cpu_count >= 2;
}

std::vector<placement> default_placements(int cpu_count) {
    if (cpu_count < 2) {
        return {placement::same};
    }
    return {placement::same, placement::split};
}

thread_cpus placement_cpus(placement p, int connection, int cpu_count) noexcept {
    const int cpus = cpu_count < 1 ? 1 : cpu_count;
    switch (p) {
        case placement::same:
            return {connection % cpus, connection % cpus};
        case placement::split:
            return {(2 * connection) % cpus, (2 * connection + 1) % cpus};
        case placement::free:
            break;
    }
    return {};
}

int online_cpus() noexcept {
    const long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
    return cpus < 1 ? 1 : static_cast<int>(cpus);
}

std::string pin_this_thread(int cpu, std::string_view who) {
    if (cpu < 0) {
        return {};
    }
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(static_cast<unsigned>(cpu), &set);
    if (const int err = ::pthread_setaffinity_np(::pthread_self(), sizeof set, &set); err != 0) {
        return "cannot pin the " + std::string(who) + " to CPU " + std::to_string(cpu) + ": " +
               std::strerror(err);
    }
    return {};
}

void cpu_trace::sample() noexcept {
    const int now = ::sched_getcpu();
    const int before = last_.load(std::memory_order_relaxed);
    if (now == before) {
        return;
    }
    last_.store(now, std::memory_order_relaxed);
    if (before >= 0) {
        changes_.store(changes_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }
}

void placement_record::start(const cpu_trace& receiver) noexcept {
    sender_.sample();
    sender_changes_at_start_ = sender_.changes();
    receiver_changes_at_start_ = receiver.changes();
    passes_ = 0;
    same_ = 0;
}

void placement_record::end_pass(const cpu_trace& receiver) noexcept {
    sender_.sample();
    ++passes_;
    if (sender_.last() == receiver.last()) {
        ++same_;
    }
}

std::uint64_t placement_record::migrations(const cpu_trace& receiver) const noexcept {
    return (sender_.changes() - sender_changes_at_start_) +
           (receiver.changes() - receiver_changes_at_start_);
}

double placement_record::same_cpu_share() const noexcept {
    return passes_ == 0 ? 0.0 : static_cast<double>(same_) / static_cast<double>(passes_);
}

}  // namespace sfb::bench
