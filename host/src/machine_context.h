// Everything about the machine that changes a result, for the JSON "context" of every run
// (benchmark::AddCustomContext), and the machine fingerprint the harness files results under.
#pragma once

#include <sfb/fingerprint.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sfb::bench {

using context_entries = std::vector<std::pair<std::string, std::string>>;

// The suite's machine keys, in this order: sfb_version, sfb_git_commit, sfb_backend, os,
// os_release, kernel_release, libc, cpu_model, cpu_count, cpu_governor, loopback_mtu, tcp_rmem,
// tcp_wmem, tcp_congestion_control, irq_time_accounting, machine_fingerprint (each described in
// format/contract.json).
context_entries machine_context();

// machine_context() plus the socket buffer limits (rmem_max, wmem_max): how a host describes
// itself, in bench_sendfile's receiver keys and in sfb-sink's context.
context_entries host_description();

// The file system type of the mount holding `directory` (from /proc/self/mountinfo).
std::string file_system_of(const std::string& directory);

// "<os>-<kernel_release>-<cpu model>-<N>cpu", lowercase, every run of characters other than
// [a-z0-9] replaced by one '-': the contract's recipe (format/contract.json), which sfb uses too.
using sfb::format::machine_fingerprint;

// The machine_fingerprint context value for uname's `os` and `kernel_release`, the text of
// /proc/cpuinfo and sysconf(_SC_NPROCESSORS_ONLN).
std::string fingerprint_from_proc(std::string_view os, std::string_view kernel_release,
                                  std::string_view proc_cpuinfo, long online_cpus);

}  // namespace sfb::bench
