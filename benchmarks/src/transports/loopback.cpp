#include "loopback.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <sfb/format_contract.h>
#include <sfb/retry.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "contract_enum.h"
#include "pattern.h"

namespace sfb::bench {

// The enumerators are in the contract's order (format/contract.json), so each one's value is
// its index in the contract's table.
static_assert(sfb::format::transports.size() == static_cast<std::size_t>(transport::remote6) + 1);
static_assert(sfb::format::receivers.size() == static_cast<std::size_t>(receive_mode::discard) + 1);

std::string_view transport_name(transport t) noexcept {
    return sfb::format::to_string(static_cast<sfb::format::transport_id>(t));
}

std::optional<transport> parse_transport(std::string_view name) noexcept {
    const auto t = from_contract<transport>(sfb::format::parse_transport_id(name));
    return t && is_remote(*t) ? std::nullopt : t;
}

std::string_view receive_mode_name(receive_mode m) noexcept {
    return sfb::format::to_string(static_cast<sfb::format::receiver_id>(m));
}

std::optional<receive_mode> parse_receive_mode(std::string_view name) noexcept {
    return from_contract<receive_mode>(sfb::format::parse_receiver_id(name));
}

namespace {

std::string failure(const char* what) {
    return std::string(what) + ": " + std::strerror(errno);
}

bool set_int_option(int fd, int level, int name, int value) {
    return ::setsockopt(fd, level, name, &value, sizeof value) == 0;
}

// A stream socket of `family` with the buffer size `option` (SO_RCVBUF or SO_SNDBUF, spelled
// `option_name` in the error) set to `bytes` when that is positive. On failure the descriptor
// is empty and `error` says why.
unique_fd buffered_socket(int family, int option, const char* option_name, int bytes,
                          std::string& error) {
    unique_fd fd(::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) {
        error = failure("socket");
        return {};
    }
    if (bytes > 0 && !set_int_option(fd.get(), SOL_SOCKET, option, bytes)) {
        error = failure(option_name);
        return {};
    }
    return fd;
}

}  // namespace

bool set_sender_options(int fd, bool tcp, const socket_options& options, std::string& error) {
    if (options.sndbuf > 0 && !set_int_option(fd, SOL_SOCKET, SO_SNDBUF, options.sndbuf)) {
        error = failure("setsockopt(SO_SNDBUF)");
        return false;
    }
    if (!tcp) {
        return true;
    }
    if (options.nodelay && !set_int_option(fd, IPPROTO_TCP, TCP_NODELAY, 1)) {
        error = failure("setsockopt(TCP_NODELAY)");
        return false;
    }
    if (const int e = set_tcp_congestion(fd, options.congestion); e != 0) {
        error = "setsockopt(TCP_CONGESTION, " + options.congestion + "): " + std::strerror(e);
        return false;
    }
    return true;
}

connection connect_loopback(transport t, const socket_options& options, std::string& error) {
    const int family = t == transport::tcp4 ? AF_INET : t == transport::tcp6 ? AF_INET6 : AF_UNIX;
    // SO_RCVBUF must be set before listen() to shape the window scale the accepted socket
    // inherits (tcp(7)).
    const unique_fd listener =
        buffered_socket(family, SO_RCVBUF, "setsockopt(SO_RCVBUF)", options.rcvbuf, error);
    if (!listener) {
        return {};
    }
    sockaddr_storage address{};
    socklen_t length = 0;
    if (t == transport::tcp4) {
        auto& in = reinterpret_cast<sockaddr_in&>(address);
        in.sin_family = AF_INET;
        in.sin_port = 0;
        in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        length = sizeof in;
    } else if (t == transport::tcp6) {
        auto& in6 = reinterpret_cast<sockaddr_in6&>(address);
        in6.sin6_family = AF_INET6;
        in6.sin6_port = 0;
        in6.sin6_addr = in6addr_loopback;
        length = sizeof in6;
    } else {
        // Binding only the family makes Linux autobind a unique abstract address (unix(7)):
        // the Unix-socket equivalent of port 0, with nothing created in the file system.
        address.ss_family = AF_UNIX;
        length = sizeof(sa_family_t);
    }
    if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&address), length) != 0) {
        error = failure("bind");
        return {};
    }
    if (::listen(listener.get(), 1) != 0) {
        error = failure("listen");
        return {};
    }
    length = sizeof address;
    if (::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        error = failure("getsockname");
        return {};
    }
    unique_fd sender(::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!sender) {
        error = failure("socket");
        return {};
    }
    if (!set_sender_options(sender.get(), is_tcp(t), options, error)) {
        return {};
    }
    // A blocking connect() to a listening loopback socket completes from the backlog, so the
    // same thread can accept() right after.
    if (retry_on_eintr([&] {
            return ::connect(sender.get(), reinterpret_cast<sockaddr*>(&address), length);
        }) != 0) {
        error = failure("connect");
        return {};
    }
    unique_fd receiver(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!receiver) {
        error = failure("accept");
        return {};
    }
    return connection{std::move(sender), std::move(receiver)};
}

loopback_receiver::loopback_receiver(unique_fd socket, const receiver_config& config)
    : socket_(std::move(socket)), config_(config) {
    thread_ = std::thread([this] { run(); });
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return ready_; });
}

loopback_receiver::~loopback_receiver() {
    if (thread_.joinable()) {
        ::shutdown(socket_.get(), SHUT_RDWR);
        thread_.join();
    }
}

void loopback_receiver::fail(std::string message) {
    {
        const std::lock_guard lock(mutex_);
        if (error_.empty()) {
            error_ = std::move(message);
        }
        failed_.store(true, std::memory_order_release);
    }
    changed_.notify_all();
}

std::string loopback_receiver::error() const {
    const std::lock_guard lock(mutex_);
    return error_;
}

double loopback_receiver::cpu_us() const noexcept {
    const std::lock_guard lock(mutex_);
    if (!has_clock_) {
        return final_cpu_us_;
    }
    // Holding the mutex keeps the thread from reaching the point where it records its final
    // time and exits, so the clock id is still valid here.
    timespec now{};
    if (::clock_gettime(clock_, &now) != 0) {
        return final_cpu_us_;
    }
    return static_cast<double>(now.tv_sec) * 1e6 + static_cast<double>(now.tv_nsec) / 1e3;
}

bool loopback_receiver::check_content(const unsigned char* data, std::size_t size,
                                      std::uint64_t stream_offset) {
    std::vector<unsigned char> expected;
    std::size_t done = 0;
    while (done < size) {
        const std::uint64_t in_pass = (stream_offset + done) % config_.pass_bytes;
        const auto piece = static_cast<std::size_t>(
            std::min<std::uint64_t>(size - done, config_.pass_bytes - in_pass));
        expected.resize(piece);
        fill_pattern(in_pass, expected);
        if (std::memcmp(expected.data(), data + done, piece) != 0) {
            std::size_t at = 0;
            while (expected[at] == data[done + at]) {
                ++at;
            }
            const std::uint64_t byte = stream_offset + done + at;
            fail("content check failed: byte " + std::to_string(byte % config_.pass_bytes) +
                 " of pass " + std::to_string(byte / config_.pass_bytes + 1) +
                 " differs from the file");
            return false;
        }
        done += piece;
    }
    return true;
}

void loopback_receiver::run() {
    if (std::string error = pin_this_thread(config_.cpu, "receiver"); !error.empty()) {
        fail(std::move(error));
    }
    // pid 0 counts the calling thread: this one. A failure leaves the counters out.
    counters_ = thread_counters::open(config_.counters);
    {
        const std::lock_guard lock(mutex_);
        has_clock_ = ::pthread_getcpuclockid(::pthread_self(), &clock_) == 0;
        ready_ = true;
    }
    changed_.notify_all();

    std::vector<unsigned char> buffer(config_.buffer_bytes);
    // MSG_TRUNC on a TCP socket drops the bytes without copying them (tcp(7)); verification
    // needs the bytes, so it reads them in either mode.
    const bool read_bytes = config_.mode == receive_mode::copy || config_.verify;
    const int flags = read_bytes ? 0 : MSG_TRUNC;
    bool checking = config_.verify && config_.pass_bytes > 0;
    for (;;) {
        const ssize_t n = retry_on_eintr(
            [&] { return ::recv(socket_.get(), buffer.data(), buffer.size(), flags); });
        if (n < 0) {
            fail(failure("receiver recv"));
            break;
        }
        if (n == 0) {
            break;
        }
        if (config_.sample_cpus) {
            cpus_.sample();
        }
        const auto got = static_cast<std::size_t>(n);
        const std::uint64_t offset = received_.load(std::memory_order_relaxed);
        if (checking) {
            checking = check_content(buffer.data(), got, offset);
            if (checking) {
                verified_.fetch_add(got, std::memory_order_release);
            }
        }
        const std::uint64_t now = offset + got;
        received_.store(now, std::memory_order_release);
        if (now >= awaited_.load(std::memory_order_acquire)) {
            // The empty critical section orders this store before a waiter's predicate check,
            // so a wake-up between its check and its sleep cannot be lost.
            { const std::lock_guard lock(mutex_); }
            changed_.notify_all();
        }
    }
    {
        const std::lock_guard lock(mutex_);
        timespec now{};
        if (has_clock_ && ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now) == 0) {
            final_cpu_us_ =
                static_cast<double>(now.tv_sec) * 1e6 + static_cast<double>(now.tv_nsec) / 1e3;
        }
        has_clock_ = false;
        ended_.store(true, std::memory_order_release);
    }
    changed_.notify_all();
}

bool loopback_receiver::wait_for_total(std::uint64_t total, std::chrono::milliseconds stall) {
    awaited_.store(total, std::memory_order_release);
    std::unique_lock lock(mutex_);
    std::uint64_t last = received_.load(std::memory_order_acquire);
    const auto done = [&] {
        return received_.load(std::memory_order_acquire) >= total ||
               failed_.load(std::memory_order_acquire) || ended_.load(std::memory_order_acquire);
    };
    while (!changed_.wait_for(lock, stall, done)) {
        const std::uint64_t now = received_.load(std::memory_order_acquire);
        if (now == last) {
            error_ = "the receiver counted " + std::to_string(now) + " of " +
                     std::to_string(total) + " bytes and nothing arrived for " +
                     std::to_string(stall.count()) + " ms";
            return false;
        }
        last = now;
    }
    if (failed_.load(std::memory_order_acquire)) {
        return false;
    }
    const std::uint64_t now = received_.load(std::memory_order_acquire);
    if (now < total) {
        error_ = "the stream ended after " + std::to_string(now) + " of " + std::to_string(total) +
                 " bytes";
        return false;
    }
    if (now > total) {
        error_ = "the receiver counted " + std::to_string(now) + " bytes, more than the " +
                 std::to_string(total) + " sent";
        return false;
    }
    return true;
}

bool loopback_receiver::finish(std::chrono::milliseconds stall) {
    {
        std::unique_lock lock(mutex_);
        std::uint64_t last = received_.load(std::memory_order_acquire);
        const auto ended = [this] { return ended_.load(std::memory_order_acquire); };
        while (!changed_.wait_for(lock, stall, ended)) {
            const std::uint64_t now = received_.load(std::memory_order_acquire);
            if (now == last) {
                if (error_.empty()) {
                    error_ = "the stream did not end within " + std::to_string(stall.count()) +
                             " ms of the sender shutting down";
                    failed_.store(true, std::memory_order_release);
                }
                break;
            }
            last = now;
        }
    }
    if (thread_.joinable()) {
        ::shutdown(socket_.get(), SHUT_RDWR);
        thread_.join();
    }
    return !failed_.load(std::memory_order_acquire);
}

}  // namespace sfb::bench
