// The suite's own command-line flags (--sfb_*), which live next to Google Benchmark's, and the
// list of benchmarks they select.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "benchmark_case.h"
#include "loopback.h"
#include "send_paths.h"
#include "thread_counters.h"

namespace sfb::bench {

class remote_sink;

struct suite_options {
    std::vector<path_id> paths;              // empty: every path
    std::vector<std::uint64_t> file_sizes;   // empty: the default plan's
    std::vector<std::uint64_t> block_sizes;  // empty: the default plan's; 0 means whole file
    std::vector<receive_mode> receivers;     // empty: discard and copy (copy with --sfb_verify)
    std::vector<transport> transports{transport::tcp4};
    std::vector<cache_mode> caches{cache_mode::warm};
    std::vector<int> connections{1};
    std::vector<placement> placements;  // empty: same, and split with two CPUs or more
    bool sampling = true;               // per-pass times, CPU traces, interference (--sfb_sampling)
    bool all_counters = false;          // Google's console output, every counter (--sfb_counters)
    // The per-thread perf_event_open counters (--sfb_thread_counters); main sets it to off,
    // with the reason in thread_counters_unavailable, when they cannot be opened here.
    thread_counter_set thread_counters = thread_counter_set::hardware;
    std::string thread_counters_unavailable;
    std::string directory = "/var/tmp";
    std::uint64_t write_chunk = 1 << 20;  // pwrite() size that fills the files
    bool full = false;
    bool verify = false;
    int sender_cpu = -1;
    int receiver_cpu = -1;
    int sndbuf = 0;
    int rcvbuf = 0;
    bool nodelay = false;
    std::string congestion = "cubic";  // TCP_CONGESTION of the sending sockets, or "system"
    bool cork = false;
    std::map<path_id, double> inject_cpu_us;
    int mtu = 1500;                     // of the veth pair (--sfb_transport=veth4,veth6)
    std::string remote;                 // HOST:PORT of an sfb-sink (--sfb_remote); empty: none
    std::string token;                  // presented to the sink; never written to the JSON
    const remote_sink* sink = nullptr;  // connected by main when `remote` is set
    std::string flags_given;            // the --sfb_ flags as given, for the JSON context
};

// Takes the --sfb_ flags out of argv (Google Benchmark then sees only its own) and fills
// `options`. Returns false with `error` set for a malformed or unknown --sfb_ flag.
bool parse_suite_flags(int& argc, char** argv, suite_options& options, std::string& error);

// The placements the plan runs: with --sfb_pin the one its CPUs give (same when the sender's
// and the receiver's are equal, split otherwise), else --sfb_placement's, else the default
// for this machine's CPU count.
std::vector<placement> planned_placements(const suite_options& options);

// The --sfb_ part of --help.
std::string suite_usage();

// "4096", "64K", "64KiB", "1M", "1G" (powers of 1024); "file" or "0" (block sizes) = 0.
std::optional<std::uint64_t> parse_size(std::string_view text);

// Every benchmark the options select, before paths the machine cannot run are taken out.
// Combinations that can never work (a discard receiver on a Unix socket) are left out and
// described in `left_out`.
std::vector<benchmark_case> plan_benchmarks(const suite_options& options,
                                            std::vector<std::string>& left_out);

}  // namespace sfb::bench
