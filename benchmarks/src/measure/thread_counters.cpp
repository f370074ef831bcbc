#include "thread_counters.h"

#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace sfb::bench {

namespace {

struct event_spec {
    std::uint32_t type;
    std::uint64_t config;
};

constexpr std::array<event_spec, 2> kHardwareEvents{{
    {PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS},
    {PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES},
}};
constexpr std::array<event_spec, 1> kTaskClockEvents{{
    {PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK},
}};

// glibc has no wrapper for perf_event_open(2).
int perf_event_open(const event_spec& event, int group_fd) {
    perf_event_attr attr{};
    attr.size = sizeof attr;
    attr.type = event.type;
    attr.config = event.config;
    // The group starts disabled and is enabled at once when complete (PERF_EVENT_IOC_ENABLE).
    if (group_fd < 0) {
        attr.disabled = 1;
    }
    // User and kernel both: a send path does its work in system calls. Not the hypervisor's
    // time, which is no work of the thread (and which a guest's virtual PMU may not offer).
    attr.exclude_user = 0;
    attr.exclude_kernel = 0;
    attr.exclude_hv = 1;
    attr.read_format =
        PERF_FORMAT_GROUP | PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
    // pid 0, cpu -1: the calling thread, on whichever CPU it runs.
    return static_cast<int>(
        ::syscall(SYS_perf_event_open, &attr, 0, -1, group_fd, PERF_FLAG_FD_CLOEXEC));
}

int perf_event_paranoid() {
    std::FILE* file = std::fopen("/proc/sys/kernel/perf_event_paranoid", "re");
    if (file == nullptr) {
        return -100;
    }
    int level = -100;
    if (std::fscanf(file, "%d", &level) != 1) {
        level = -100;
    }
    std::fclose(file);
    return level;
}

// What perf_event_open's errno `err` means for `set` here.
std::string meaning_of(int err, thread_counter_set set) {
    const bool hardware = set == thread_counter_set::hardware;
    switch (err) {
        case ENOENT:
        case ENODEV:
            return hardware ? "this machine exposes no PMU: a VM without a virtual PMU, or a CPU "
                              "whose PMU the kernel does not drive"
                            : "the kernel does not offer the event";
        case EOPNOTSUPP:
            return hardware ? "no PMU here counts these events for one thread: a VM without a "
                              "virtual PMU, or a PMU without them"
                            : "the kernel does not support the event this way";
        case EACCES:
        case EPERM: {
            const int paranoid = perf_event_paranoid();
            std::string text = "not permitted: ";
            if (paranoid != -100) {
                text += "kernel.perf_event_paranoid is " + std::to_string(paranoid) +
                        ", and counting kernel work needs 1 or less or CAP_PERFMON; or ";
            }
            return text + "a seccomp filter, such as a container's default profile, refuses it";
        }
        case ENOSYS:
            return "perf_event_open is not in this kernel, CONFIG_PERF_EVENTS being off, or a "
                   "seccomp filter, such as a container's default profile, hides it";
        case EMFILE:
        case ENFILE:
            return "no descriptor left for the counters";
        case EINVAL:
            return "the kernel refused the event's attributes";
        default:
            return "perf_event_open failed";
    }
}

std::string failure(thread_counter_set set, int err) {
    const char* what = set == thread_counter_set::hardware ? "hardware events unavailable"
                                                           : "task-clock event unavailable";
    return std::string(what) + " (perf_event_open: " + std::strerror(err) + "; " +
           meaning_of(err, set) + ")";
}

}  // namespace

std::string_view thread_counter_set_name(thread_counter_set set) noexcept {
    switch (set) {
        case thread_counter_set::hardware:
            return "hardware";
        case thread_counter_set::task_clock:
            return "task-clock";
        case thread_counter_set::off:
            break;
    }
    return "off";
}

std::optional<thread_counter_set> parse_thread_counter_set(std::string_view name) noexcept {
    for (const auto set :
         {thread_counter_set::hardware, thread_counter_set::task_clock, thread_counter_set::off}) {
        if (name == thread_counter_set_name(set)) {
            return set;
        }
    }
    return std::nullopt;
}

std::optional<std::array<double, kMaxThreadCounters>> counted_between(const thread_counts& from,
                                                                      const thread_counts& to) {
    if (from.size != to.size || from.size == 0 || to.time_running <= from.time_running ||
        to.time_enabled < from.time_enabled) {
        return std::nullopt;
    }
    // Equal times: the group ran all the time it was enabled, and the counts are exact.
    const double scale = static_cast<double>(to.time_enabled - from.time_enabled) /
                         static_cast<double>(to.time_running - from.time_running);
    std::array<double, kMaxThreadCounters> counted{};
    for (std::size_t i = 0; i < to.size; ++i) {
        counted[i] = static_cast<double>(to.values[i] - from.values[i]) * scale;
    }
    return counted;
}

thread_counters thread_counters::open(thread_counter_set set) {
    thread_counters counters;
    counters.set_ = set;
    if (set == thread_counter_set::off) {
        return counters;
    }
    const event_spec* events =
        set == thread_counter_set::hardware ? kHardwareEvents.data() : kTaskClockEvents.data();
    const std::size_t size =
        set == thread_counter_set::hardware ? kHardwareEvents.size() : kTaskClockEvents.size();
    unique_fd leader(perf_event_open(events[0], -1));
    if (!leader) {
        counters.reason_ = failure(set, errno);
        return counters;
    }
    unique_fd member;
    if (size > 1) {
        member.reset(perf_event_open(events[1], leader.get()));
        if (!member) {
            counters.reason_ = failure(set, errno);
            return counters;
        }
    }
    if (::ioctl(leader.get(), PERF_EVENT_IOC_ENABLE, PERF_IOC_FLAG_GROUP) != 0) {
        counters.reason_ = failure(set, errno);
        return counters;
    }
    counters.leader_ = std::move(leader);
    counters.member_ = std::move(member);
    counters.size_ = size;
    return counters;
}

std::optional<thread_counts> thread_counters::read() const {
    if (!leader_) {
        return std::nullopt;
    }
    // PERF_FORMAT_GROUP with both times: nr, time_enabled, time_running, then one value per
    // event in the order they joined the group.
    std::array<std::uint64_t, 3 + kMaxThreadCounters> buffer{};
    const auto want = static_cast<ssize_t>((3 + size_) * sizeof(std::uint64_t));
    if (::read(leader_.get(), buffer.data(), sizeof buffer) != want || buffer[0] != size_) {
        return std::nullopt;
    }
    thread_counts counts;
    counts.size = size_;
    counts.time_enabled = buffer[1];
    counts.time_running = buffer[2];
    for (std::size_t i = 0; i < size_; ++i) {
        counts.values[i] = buffer[3 + i];
    }
    return counts;
}

}  // namespace sfb::bench
