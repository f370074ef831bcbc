// The far end of a benchmark connection as the sending side sees it: something that counts
// (and optionally verifies) the bytes of each pass and reports when a pass has fully arrived.
// loopback_receiver is a thread in this process; remote_receiver is sfb-sink on another host
// (or in another network namespace), reporting over the data connection itself.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "placement.h"
#include "thread_counters.h"

namespace sfb::bench {

// System-wide CPU of the receiving host since an arbitrary origin, in microseconds
// (/proc/stat there: user + nice + system + irq + softirq, and softirq alone).
struct host_cpu_us {
    double busy = 0.0;
    double softirq = 0.0;
};

class pass_receiver {
  public:
    virtual ~pass_receiver() = default;
    // Waits until `total` bytes have arrived since the start; false, with error() set, when
    // the receiver failed, counted more than `total`, or made no progress for `stall`.
    virtual bool wait_for_total(std::uint64_t total, std::chrono::milliseconds stall) = 0;
    // To call after the sender shut down its side: waits for the end of the stream.
    virtual bool finish(std::chrono::milliseconds stall) = 0;
    virtual std::uint64_t bytes_received() const noexcept = 0;
    virtual std::uint64_t bytes_verified() const noexcept = 0;
    // CPU time of the receiving thread so far, in microseconds.
    virtual double cpu_us() const noexcept = 0;
    // Where the receiving thread ran (empty, last() == -1, when it is on another host).
    virtual const cpu_trace& cpus() const noexcept = 0;
    virtual std::string error() const = 0;
    // The receiving host's system CPU, when that host is not this one (nullopt otherwise:
    // the sender's own system CPU meter already counts it).
    virtual std::optional<host_cpu_us> receiver_host_cpu() const { return std::nullopt; }
    // The receiving thread's perf_event_open counters so far, when it is a thread of this
    // process that opened them (receiver_config::counters).
    virtual std::optional<thread_counts> read_counters() const { return std::nullopt; }
};

}  // namespace sfb::bench
