#include "machine_context.h"

#include <gnu/libc-version.h>
#include <sfb/fingerprint.h>
#include <sfb/sendfile.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#ifndef SFB_GIT_COMMIT
#error "SFB_GIT_COMMIT must be defined by the build"
#endif

namespace sfb::bench {

namespace {

// The first line of a /proc or /sys file, tabs turned into spaces; `missing` if unreadable.
std::string read_line(const char* path, const char* missing = "unavailable") {
    std::ifstream in(path);
    std::string line;
    if (!std::getline(in, line)) {
        return missing;
    }
    for (char& c : line) {
        if (c == '\t') {
            c = ' ';
        }
    }
    return line;
}

// The whole of a /proc file ("" if unreadable).
std::string read_text(const char* path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string os_release() {
    std::ifstream in("/etc/os-release");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("PRETTY_NAME=", 0) == 0) {
            auto value = line.substr(12);
            if (value.size() >= 2 && value.front() == '"') {
                value = value.substr(1, value.size() - 2);
            }
            return value;
        }
    }
    return "unknown";
}

// mountinfo paths escape space, tab, newline and backslash as octal (\040 ...).
std::string unescape_mount_path(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\\' && i + 3 < text.size()) {
            out += static_cast<char>(std::strtol(text.substr(i + 1, 3).c_str(), nullptr, 8));
            i += 3;
        } else {
            out += text[i];
        }
    }
    return out;
}

// Whether the kernel accounts softirq time apart from the task it interrupted
// (CONFIG_IRQ_TIME_ACCOUNTING). Without it, the loopback receive processing that runs in
// softirq on the sender's CPU is charged to the sending thread, i.e. to cpu_time.
std::string irq_time_accounting() {
    std::FILE* config = ::popen("zcat /proc/config.gz 2>/dev/null", "r");
    if (config == nullptr) {
        return "unknown";
    }
    std::string verdict = "unknown (no /proc/config.gz)";
    char line[256];
    while (std::fgets(line, sizeof line, config) != nullptr) {
        const std::string text = line;
        if (text.rfind("CONFIG_IRQ_TIME_ACCOUNTING=y", 0) == 0) {
            verdict = "on";
        } else if (text.rfind("# CONFIG_IRQ_TIME_ACCOUNTING is not set", 0) == 0) {
            verdict = "off";
        }
    }
    ::pclose(config);
    return verdict;
}

}  // namespace

std::string fingerprint_from_proc(std::string_view os, std::string_view kernel_release,
                                  std::string_view proc_cpuinfo, long online_cpus) {
    return machine_fingerprint(os, kernel_release,
                               sfb::format::cpu_model_from_cpuinfo(proc_cpuinfo),
                               std::to_string(online_cpus));
}

std::string file_system_of(const std::string& directory) {
    char resolved[PATH_MAX];
    if (::realpath(directory.c_str(), resolved) == nullptr) {
        return "unknown";
    }
    const std::string target = resolved;
    std::ifstream in("/proc/self/mountinfo");
    std::string line;
    std::string best_mount;
    std::string best_type = "unknown";
    while (std::getline(in, line)) {
        // proc(5): id parent major:minor root mount-point options [optional...] - type source
        std::istringstream fields(line);
        std::string id, parent, device, root, mount_point;
        fields >> id >> parent >> device >> root >> mount_point;
        mount_point = unescape_mount_path(mount_point);
        const auto separator = line.find(" - ");
        if (separator == std::string::npos) {
            continue;
        }
        std::istringstream tail(line.substr(separator + 3));
        std::string type;
        tail >> type;
        const bool contains =
            target == mount_point || mount_point == "/" || target.rfind(mount_point + "/", 0) == 0;
        // The longest matching mount point wins; a later mount on the same point hides an
        // earlier one, hence >=.
        if (contains && mount_point.size() >= best_mount.size()) {
            best_mount = mount_point;
            best_type = type;
        }
    }
    return best_type;
}

context_entries machine_context() {
    utsname names{};
    ::uname(&names);
    const std::string os = names.sysname;
    const std::string release = names.release;
    const std::string cpuinfo = read_text("/proc/cpuinfo");
    const long online_cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
    return {
        {"sfb_version", sfb_version()},
        {"sfb_git_commit", SFB_GIT_COMMIT},
        {"sfb_backend", sfb_backend_name()},
        {"os", os},
        {"os_release", os_release()},
        {"kernel_release", release},
        {"libc", std::string("glibc ") + gnu_get_libc_version()},
        {"cpu_model", sfb::format::cpu_model_from_cpuinfo(cpuinfo)},
        {"cpu_count", std::to_string(online_cpus)},
        {"cpu_governor", read_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor",
                                   "unavailable (no cpufreq)")},
        {"loopback_mtu", read_line("/sys/class/net/lo/mtu")},
        {"tcp_rmem", read_line("/proc/sys/net/ipv4/tcp_rmem")},
        {"tcp_wmem", read_line("/proc/sys/net/ipv4/tcp_wmem")},
        {"tcp_congestion_control", read_line("/proc/sys/net/ipv4/tcp_congestion_control")},
        {"irq_time_accounting", irq_time_accounting()},
        {"machine_fingerprint", fingerprint_from_proc(os, release, cpuinfo, online_cpus)},
    };
}

context_entries host_description() {
    context_entries entries = machine_context();
    entries.emplace_back("rmem_max", read_line("/proc/sys/net/core/rmem_max"));
    entries.emplace_back("wmem_max", read_line("/proc/sys/net/core/wmem_max"));
    return entries;
}

}  // namespace sfb::bench
