// The loopback connection every benchmark sends over, and the receiver thread at its far end.
//
// The listener binds port 0 (TCP) or an autobound abstract address (Unix), so concurrent runs
// never collide and no file is left behind. The receiver thread signals when it is running
// (a handshake, never a sleep), counts every byte, optionally checks every byte against the
// file's pattern, and keeps reading until end of stream even after it found an error, so a
// sender is never left blocked on a full socket.
#pragma once

#include <pthread.h>
#include <sfb/tcp_congestion.h>
#include <sfb/unique_fd.h>
#include <time.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "pass_receiver.h"
#include "placement.h"

namespace sfb::bench {

// veth4/veth6: across a veth pair into a private network namespace (veth_transport.h);
// remote4/remote6: to sfb-sink on another host (--sfb_remote, remote_receiver.h).
enum class transport { tcp4, tcp6, unix_stream, veth4, veth6, remote4, remote6 };
std::string_view transport_name(transport t) noexcept;
// The transports --sfb_transport accepts (the remote ones come from --sfb_remote).
std::optional<transport> parse_transport(std::string_view name) noexcept;
inline bool is_tcp(transport t) noexcept {
    return t != transport::unix_stream;
}
inline bool is_veth(transport t) noexcept {
    return t == transport::veth4 || t == transport::veth6;
}
inline bool is_remote(transport t) noexcept {
    return t == transport::remote4 || t == transport::remote6;
}
// The loopback transport with the same kind of socket, for probing what a path supports.
inline transport loopback_equivalent(transport t) noexcept {
    return t == transport::veth4 || t == transport::remote4   ? transport::tcp4
           : t == transport::veth6 || t == transport::remote6 ? transport::tcp6
                                                              : t;
}

struct socket_options {
    int sndbuf = 0;        // SO_SNDBUF of the sending socket; 0 keeps the kernel's autotuning
    int rcvbuf = 0;        // SO_RCVBUF of the receiving socket; 0 keeps the kernel's autotuning
    bool nodelay = false;  // TCP_NODELAY on the sending socket (TCP only)
    std::string congestion = std::string(system_congestion);  // TCP_CONGESTION (TCP only)
};

// Sets SO_SNDBUF, TCP_NODELAY and TCP_CONGESTION of `options` on a sending socket before it
// connects (`tcp`: a TCP socket, which the last two need); false with `error` set on failure.
bool set_sender_options(int fd, bool tcp, const socket_options& options, std::string& error);

struct connection {
    unique_fd sender;
    unique_fd receiver;
};

// Connects a fresh pair over loopback. On failure both are empty and `error` says why.
connection connect_loopback(transport t, const socket_options& options, std::string& error);

enum class receive_mode {
    copy,     // recv() into a buffer: what a real client does, so the whole path is measured
    discard,  // recv(MSG_TRUNC): TCP drops the bytes without copying, isolating the sender
};
std::string_view receive_mode_name(receive_mode m) noexcept;
std::optional<receive_mode> parse_receive_mode(std::string_view name) noexcept;

struct receiver_config {
    receive_mode mode = receive_mode::copy;
    // The file size; with `verify`, byte k of the stream must equal byte (k % pass_bytes) of
    // the file's pattern.
    std::uint64_t pass_bytes = 0;
    bool verify = false;  // read (even in discard mode) and check every byte
    int cpu = -1;         // pin the receiver thread to this CPU; -1 leaves it free
    // 128 KiB per recv(), iperf3's default TCP read size, so the comparison with it is fair.
    std::size_t buffer_bytes = 128 * 1024;
    bool sample_cpus = true;  // note the CPU after every recv() (cpus()): one vDSO call
    // The thread opens these perf_event_open counters on itself (read_counters()).
    thread_counter_set counters = thread_counter_set::off;
};

class loopback_receiver final : public pass_receiver {
  public:
    // Takes the receiving socket and starts the thread; returns once the thread runs.
    loopback_receiver(unique_fd socket, const receiver_config& config);
    // Stops the thread (shutting the socket down if it still reads) and joins it.
    ~loopback_receiver() override;
    loopback_receiver(const loopback_receiver&) = delete;
    loopback_receiver& operator=(const loopback_receiver&) = delete;

    // Waits until `total` bytes have arrived since the start. Fails, with error() set, when
    // the receiver hit an error, when more than `total` bytes arrived, or when no byte arrived
    // for `stall` (a pass that came up short would otherwise wait forever).
    bool wait_for_total(std::uint64_t total, std::chrono::milliseconds stall) override;
    // To call after the sender shut down its side: waits for the end of the stream (or
    // `stall` without progress, then forces the socket down) and joins the thread.
    bool finish(std::chrono::milliseconds stall) override;

    std::uint64_t bytes_received() const noexcept override {
        return received_.load(std::memory_order_acquire);
    }
    std::uint64_t bytes_verified() const noexcept override {
        return verified_.load(std::memory_order_acquire);
    }
    // CPU time of the receiver thread so far, in microseconds (CLOCK_THREAD_CPUTIME_ID of that
    // thread, read from outside through pthread_getcpuclockid).
    double cpu_us() const noexcept override;
    std::string error() const override;
    // The CPU the receiver thread was on at its latest recv(), and how often that changed.
    const cpu_trace& cpus() const noexcept override { return cpus_; }
    // The receiver thread's counters, opened by it before it signalled it runs (so any thread
    // may read them once the constructor returned); nullopt when they did not open.
    std::optional<thread_counts> read_counters() const override { return counters_.read(); }

  private:
    void run();
    void fail(std::string message);
    bool check_content(const unsigned char* data, std::size_t size, std::uint64_t stream_offset);

    unique_fd socket_;
    receiver_config config_;
    std::atomic<std::uint64_t> received_{0};
    std::atomic<std::uint64_t> verified_{0};
    std::atomic<std::uint64_t> awaited_{0};
    std::atomic<bool> failed_{false};
    std::atomic<bool> ended_{false};
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    bool ready_ = false;
    bool has_clock_ = false;
    clockid_t clock_{};
    double final_cpu_us_ = 0.0;
    std::string error_;
    cpu_trace cpus_;
    thread_counters counters_;
    std::thread thread_;
};

}  // namespace sfb::bench
