#include "suite_context.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sfb/format_contract.h>

#include "cpu_meter.h"

#include <ranges>
#include <string_view>
#include <vector>

namespace sfb::bench {

namespace {

// "a,b,c" from the names `name` gives the items.
template <typename T, typename Namer>
std::string join_names(const std::vector<T>& items, Namer name) {
    return fmt::format("{}", fmt::join(items | std::views::transform(name), ","));
}

std::string pinning(const suite_options& options) {
    if (options.sender_cpu < 0) {
        return "none";
    }
    return "sender " + std::to_string(options.sender_cpu) + ", receiver " +
           std::to_string(options.receiver_cpu) + " (+connection index)";
}

std::string socket_options_text(const suite_options& options) {
    return "sndbuf=" + (options.sndbuf > 0 ? std::to_string(options.sndbuf) : "auto") +
           " rcvbuf=" + (options.rcvbuf > 0 ? std::to_string(options.rcvbuf) : "auto") +
           " nodelay=" + (options.nodelay ? "on" : "off") +
           " cork=" + (options.cork ? "on" : "off") + " congestion=" + options.congestion;
}

// Where system_cpu_us and the counters derived from it come from, or why they are absent.
std::string system_cpu_source() {
    if (const auto& path = system_cpu_usage_path()) {
        return *path + " (root cgroup v1 cpuacct.usage, nanoseconds)";
    }
    return "none: no root cgroup v1 cpuacct hierarchy on this host (a cgroup v2-only host or a "
           "container), and /proc/stat counts 10 ms ticks: system_cpu_us, "
           "service_demand_us_per_kib, receiver_system_cpu_us and other_cpu_us are not written";
}

// Which per-thread counters the benchmarks carry, or why none.
std::string thread_counters_text(const suite_options& options) {
    if (options.thread_counters != thread_counter_set::off) {
        return std::string(thread_counter_set_name(options.thread_counters));
    }
    if (!options.thread_counters_unavailable.empty()) {
        return "none: " + options.thread_counters_unavailable;
    }
    return "none: --sfb_thread_counters=off";
}

}  // namespace

context_entries suite_context(const suite_options& options, const std::string& file_fs,
                              const suite_plan& plan) {
    // Every key is named by the contract (format/contract.json).
    namespace key = sfb::format::context_key_name;
    const auto page_cache = [](cache_mode c) -> std::string_view {
        return c == cache_mode::warm ? "warm" : "cold (posix_fadvise DONTNEED before each pass)";
    };
    return {
        {std::string(key::format_version), std::to_string(sfb::format::format_version)},
        {std::string(key::transport), join_names(options.transports, transport_name)},
        {std::string(key::receiver), join_names(options.receivers, receive_mode_name)},
        {std::string(key::file_dir), options.directory},
        {std::string(key::file_fs), file_fs},
        {std::string(key::file_write_chunk), std::to_string(options.write_chunk)},
        {std::string(key::page_cache), join_names(options.caches, page_cache)},
        {std::string(key::paths_available), fmt::format("{}", fmt::join(plan.available, ","))},
        {std::string(key::paths_skipped), fmt::format("{}", fmt::join(plan.skipped, "; "))},
        {std::string(key::connections), fmt::format("{}", fmt::join(options.connections, ","))},
        {std::string(key::pinning), pinning(options)},
        {std::string(key::placement), join_names(planned_placements(options), placement_name)},
        {std::string(key::sampling), options.sampling ? "on" : "off"},
        {std::string(key::system_cpu_source), system_cpu_source()},
        {std::string(key::thread_counters), thread_counters_text(options)},
        {std::string(key::verify), options.verify ? "on" : "off"},
        {std::string(key::socket_options), socket_options_text(options)},
        {std::string(key::sfb_flags), options.flags_given},
    };
}

}  // namespace sfb::bench
