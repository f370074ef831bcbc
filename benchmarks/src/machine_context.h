// Everything about the machine that changes a result, for the JSON "context" of every run
// (benchmark::AddCustomContext), and the machine fingerprint the harness files results under.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sfb::bench {

using context_entries = std::vector<std::pair<std::string, std::string>>;

// os, kernel_release, libc, cpu_model, cpu_count, cpu_governor, loopback_mtu, tcp_rmem,
// tcp_wmem, tcp_congestion_control, machine_fingerprint, os_release, sfb_version,
// sfb_git_commit, sfb_backend.
context_entries machine_context();

// The file system type of the mount holding `directory` (from /proc/self/mountinfo).
std::string file_system_of(const std::string& directory);

// "<os>-<kernel_release>-<cpu model>-<N>cpu", lowercase, every run of characters other than
// [a-z0-9] replaced by one '-'.
std::string machine_fingerprint(std::string_view os, std::string_view kernel_release,
                                std::string_view cpu_model, std::string_view cpu_count);

}  // namespace sfb::bench
