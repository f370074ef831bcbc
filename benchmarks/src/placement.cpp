#include "placement.h"

#include <sched.h>
#include <unistd.h>

namespace sfb::bench {

std::string_view placement_name(placement p) noexcept {
    switch (p) {
        case placement::same:
            return "same";
        case placement::split:
            return "split";
        case placement::free:
            return "free";
    }
    return "free";
}

std::optional<placement> parse_placement(std::string_view name) noexcept {
    for (const placement p : {placement::same, placement::split, placement::free}) {
        if (name == placement_name(p)) {
            return p;
        }
    }
    return std::nullopt;
}

bool placement_fits(placement p, int cpu_count) noexcept {
    return p != placement::split || cpu_count >= 2;
}

std::vector<placement> default_placements(int cpu_count) {
    if (cpu_count < 2) {
        return {placement::same};
    }
    return {placement::same, placement::split, placement::free};
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
