#include "cpu_meter.h"

#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <vector>

namespace sfb::bench {

std::optional<system_times> parse_system_times(const char* line) {
    // proc(5): cpu user nice system idle iowait irq softirq steal guest guest_nice. Guest
    // time is already inside user, so it is not added again.
    std::uint64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0;
    std::uint64_t steal = 0;
    // sscanf's "cpu " would also match "cpu0 " (a blank matches no blank), so the aggregate
    // line is recognized by its prefix first.
    if (std::strncmp(line, "cpu ", 4) != 0) {
        return std::nullopt;
    }
    const int fields = std::sscanf(line,
                                   "cpu %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
                                   " %" SCNu64 " %" SCNu64 " %" SCNu64,
                                   &user, &nice, &system, &idle, &iowait, &irq, &softirq, &steal);
    if (fields < 7) {
        return std::nullopt;
    }
    return system_times{user + nice + system + irq + softirq, softirq, fields == 8 ? steal : 0};
}

std::optional<system_times> read_system_times() {
    std::FILE* stat = std::fopen("/proc/stat", "re");
    if (stat == nullptr) {
        return std::nullopt;
    }
    char line[512];
    const bool got = std::fgets(line, sizeof line, stat) != nullptr;
    std::fclose(stat);
    return got ? parse_system_times(line) : std::nullopt;
}

// The one parser of the line is parse_system_times; cpu_ticks keeps busy and softirq.
std::optional<cpu_ticks> parse_proc_stat_line(const char* line) {
    const auto times = parse_system_times(line);
    if (!times) {
        return std::nullopt;
    }
    return cpu_ticks{times->busy, times->softirq};
}

std::optional<cpu_ticks> read_proc_stat() {
    const auto times = read_system_times();
    if (!times) {
        return std::nullopt;
    }
    return cpu_ticks{times->busy, times->softirq};
}

namespace {

// The blank-separated fields of a line (mountinfo has no empty fields).
std::vector<std::string_view> fields_of(std::string_view line) {
    std::vector<std::string_view> fields;
    std::size_t at = 0;
    while (at < line.size()) {
        const std::size_t begin = line.find_first_not_of(" \n", at);
        if (begin == std::string_view::npos) {
            break;
        }
        const std::size_t stop = std::min(line.find_first_of(" \n", begin), line.size());
        fields.push_back(line.substr(begin, stop - begin));
        at = stop;
    }
    return fields;
}

// Whether a comma-separated option list holds `option` as a whole item.
bool has_option(std::string_view options, std::string_view option) {
    while (!options.empty()) {
        const std::size_t comma = std::min(options.find(','), options.size());
        if (options.substr(0, comma) == option) {
            return true;
        }
        options.remove_prefix(std::min(comma + 1, options.size()));
    }
    return false;
}

// A mountinfo path with its octal escapes (\040 for a blank, proc(5)) decoded; nullopt when an
// escape is not three octal digits.
std::optional<std::string> unescape_mount_path(std::string_view path) {
    std::string out;
    for (std::size_t i = 0; i < path.size(); ++i) {
        if (path[i] != '\\') {
            out.push_back(path[i]);
            continue;
        }
        if (path.size() - i < 4) {  // fewer than three digits follow
            return std::nullopt;
        }
        int value = 0;
        for (std::size_t k = 1; k <= 3; ++k) {
            const char digit = path[i + k];
            if (digit < '0' || digit > '7') {
                return std::nullopt;
            }
            value = value * 8 + (digit - '0');
        }
        out.push_back(static_cast<char>(value));
        i += 3;
    }
    return out;
}

}  // namespace

std::optional<std::string> parse_cpuacct_mount(std::string_view line) {
    // proc(5): id parent major:minor root mount-point options [optional...] - type source
    // super-options.
    const auto fields = fields_of(line);
    std::size_t dash = 6;
    while (dash < fields.size() && fields[dash] != "-") {
        ++dash;
    }
    // The separator, then the type, the source and the super options must all be there.
    if (dash + 3 >= fields.size()) {
        return std::nullopt;
    }
    if (fields[3] != "/" || fields[dash + 1] != "cgroup" ||
        !has_option(fields[dash + 3], "cpuacct")) {
        return std::nullopt;
    }
    return unescape_mount_path(fields[4]);
}

std::optional<std::uint64_t> parse_cpuacct_usage(std::string_view text) {
    if (!text.empty() && text.back() == '\n') {
        text.remove_suffix(1);
    }
    if (text.empty()) {
        return std::nullopt;
    }
    std::uint64_t value = 0;
    constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
    for (const char c : text) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        const auto digit = static_cast<std::uint64_t>(c - '0');
        if (value > (kMax - digit) / 10) {
            return std::nullopt;
        }
        value = value * 10 + digit;
    }
    return value;
}

const std::optional<std::string>& system_cpu_usage_path() {
    static const std::optional<std::string> path = []() -> std::optional<std::string> {
        std::ifstream mounts("/proc/self/mountinfo");
        std::string line;
        while (std::getline(mounts, line)) {
            if (auto point = parse_cpuacct_mount(line)) {
                return *point + "/cpuacct.usage";
            }
        }
        return std::nullopt;
    }();
    return path;
}

std::optional<std::uint64_t> read_system_cpu_ns() {
    const auto& path = system_cpu_usage_path();
    if (!path) {
        return std::nullopt;
    }
    std::FILE* usage = std::fopen(path->c_str(), "re");
    if (usage == nullptr) {
        return std::nullopt;
    }
    char text[64];
    const std::size_t got = std::fread(text, 1, sizeof text, usage);
    std::fclose(usage);
    if (got == 0 || got == sizeof text) {
        return std::nullopt;
    }
    return parse_cpuacct_usage(std::string_view(text, got));
}

void system_cpu_meter::start() {
    // Charges the calling thread's run time so far (the kernel updates a running task's
    // accounting when its CPU clock is read), so the reading below misses none of it.
    (void)thread_cpu_us();
    if (const auto now = read_system_cpu_ns()) {
        at_start_ = *now;
        running_ = true;
    } else {
        valid_ = false;
    }
}

void system_cpu_meter::stop() {
    if (!running_) {
        return;
    }
    running_ = false;
    (void)thread_cpu_us();
    const auto now = read_system_cpu_ns();
    if (!now) {
        valid_ = false;
        return;
    }
    // A counter that went backwards adds nothing rather than wrapping around.
    busy_us_ += *now >= at_start_ ? static_cast<double>(*now - at_start_) / 1e3 : 0.0;
}

double thread_cpu_us() noexcept {
    timespec now{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) * 1e6 + static_cast<double>(now.tv_nsec) / 1e3;
}

void burn_thread_cpu(double usec) noexcept {
    const double until = thread_cpu_us() + usec;
    volatile std::uint64_t sink = 0;
    while (thread_cpu_us() < until) {
        for (int i = 0; i < 64; ++i) {
            sink = sink + static_cast<std::uint64_t>(i);
        }
    }
}

}  // namespace sfb::bench
