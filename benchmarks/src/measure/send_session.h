// One connection of one benchmark: the loopback connection, its receiver thread, the send
// path, and the rules of a pass. A pass sends the whole file once and ends only when the
// receiver has counted every one of its bytes; any other count fails the pass with a message.
// This is the benchmark's fixture. It is an ordinary RAII class rather than a
// benchmark::Fixture so that teardown (shut the socket, join the receiver, close everything)
// happens on every way out, including a failed setup, and so the tests can drive it without
// Google Benchmark.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "benchmark_case.h"
#include "loopback.h"
#include "remote_receiver.h"
#include "send_paths.h"
#include "test_file.h"

namespace sfb::bench {

struct session_config {
    benchmark_case bench;  // path, transport, receiver, cache, block (file size: the file's)
    bool verify = false;
    int receiver_cpu = -1;
    bool sample_cpus = true;  // the receiver notes its CPU (receiver_cpus())
    socket_options sockets{};
    bool cork = false;           // TCP_CORK around each pass (TCP only)
    double inject_cpu_us = 0.0;  // burnt on the sending thread in every pass (test hook)
    std::chrono::milliseconds stall{10'000};  // no byte for this long fails the pass
    int mtu = 1500;                           // of the veth pair (veth transports)
    const remote_sink* remote = nullptr;      // the sink (remote transports)
    // perf_event_open counters of the sender (the thread that calls open()) and the receiver
    thread_counter_set thread_counters = thread_counter_set::off;
};

// Per-pass totals since the session started (the benchmark takes differences).
struct session_totals {
    std::uint64_t passes = 0;
    std::uint64_t syscalls = 0;
    std::uint64_t zerocopy_completions = 0;
    std::uint64_t zerocopy_copied = 0;
};

class send_session {
  public:
    // Connects, starts the receiver and builds the path. Returns nullptr with `error` set.
    static std::unique_ptr<send_session> open(const session_config& config, const bench_file& file,
                                              std::string& error);
    ~send_session();
    send_session(const send_session&) = delete;
    send_session& operator=(const send_session&) = delete;

    // Evicts the file from the page cache; call outside the timed region.
    bool drop_cache();
    // One pass. False with error() set when the path failed or the receiver's count is wrong.
    bool run_pass();
    // Shuts the sending side, lets the receiver read to the end of the stream and joins it;
    // checks that the stream held exactly passes x file size bytes.
    bool finish();

    const std::string& error() const noexcept { return error_; }
    const session_totals& totals() const noexcept { return totals_; }
    std::uint64_t bytes_received() const noexcept { return receiver_->bytes_received(); }
    std::uint64_t bytes_verified() const noexcept { return receiver_->bytes_verified(); }
    double receiver_cpu_us() const noexcept { return receiver_->cpu_us(); }
    // The receiving host's system CPU when it is another host (a remote transport).
    std::optional<host_cpu_us> receiver_host_cpu() const { return receiver_->receiver_host_cpu(); }
    const cpu_trace& receiver_cpus() const noexcept { return receiver_->cpus(); }
    // The perf_event_open counters of the sending thread and of the receiving thread so far;
    // nullopt where they are off or did not open (or the receiver is another host's).
    std::optional<thread_counts> sender_counts() const { return sender_counters_.read(); }
    std::optional<thread_counts> receiver_counts() const { return receiver_->read_counters(); }
    std::uint64_t pass_bytes() const noexcept { return file_.size(); }

    // For tests: replaces the send path (e.g. with one that misbehaves on purpose).
    void replace_path(std::unique_ptr<send_path> path) { path_ = std::move(path); }
    int sender_socket() const noexcept { return sender_.get(); }

  private:
    send_session(const session_config& config, const bench_file& file)
        : config_(config), file_(file) {}
    bool set_cork(bool on);

    session_config config_;
    const bench_file& file_;
    unique_fd sender_;
    std::unique_ptr<pass_receiver> receiver_;
    std::unique_ptr<send_path> path_;
    thread_counters sender_counters_;
    session_totals totals_{};
    std::uint64_t expected_ = 0;  // bytes the receiver must have counted after the last pass
    bool finished_ = false;
    std::string error_;
};

}  // namespace sfb::bench
