#include "sink_server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sfb/printable.h>
#include <sfb/retry.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <system_error>
#include <utility>
#include <vector>

#include "cpu_meter.h"
#include "machine_context.h"
#include "net_info.h"
#include "pattern.h"
#include "placement.h"
#include "protocol.h"

namespace sfb::sink {

namespace {

std::string address_text(const sockaddr_storage& address) {
    char host[INET6_ADDRSTRLEN] = "?";
    std::uint16_t port = 0;
    if (address.ss_family == AF_INET) {
        const auto& in = reinterpret_cast<const sockaddr_in&>(address);
        ::inet_ntop(AF_INET, &in.sin_addr, host, sizeof host);
        port = ntohs(in.sin_port);
        return std::string(host) + ":" + std::to_string(port);
    }
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(address);
    ::inet_ntop(AF_INET6, &in6.sin6_addr, host, sizeof host);
    port = ntohs(in6.sin6_port);
    return "[" + std::string(host) + "]:" + std::to_string(port);
}

bool is_loopback(const sockaddr_storage& address) {
    if (address.ss_family == AF_INET) {
        const auto& in = reinterpret_cast<const sockaddr_in&>(address);
        return (ntohl(in.sin_addr.s_addr) >> 24) == 127;
    }
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(address);
    return IN6_IS_ADDR_LOOPBACK(&in6.sin6_addr);
}

// What makes an IPv4 address (host order) one the sink must not listen on, or nullptr.
const char* forbidden_ipv4(std::uint32_t ip) {
    if (ip == INADDR_ANY) {
        return "the wildcard address";
    }
    if (ip == INADDR_BROADCAST) {
        return "the broadcast address";
    }
    return (ip >> 28) == 0xe ? "a multicast address" : nullptr;
}

// Why the sink must not listen on `address`, or nullptr: it must be the one unicast address
// the sender connects to, never a wildcard (every interface), a broadcast or a multicast group.
const char* forbidden_address(const sockaddr_storage& address) {
    if (address.ss_family == AF_INET) {
        return forbidden_ipv4(ntohl(reinterpret_cast<const sockaddr_in&>(address).sin_addr.s_addr));
    }
    const in6_addr& in6 = reinterpret_cast<const sockaddr_in6&>(address).sin6_addr;
    if (IN6_IS_ADDR_UNSPECIFIED(&in6)) {
        return "the wildcard address";
    }
    if (IN6_IS_ADDR_MULTICAST(&in6)) {
        return "a multicast address";
    }
    if (IN6_IS_ADDR_V4MAPPED(&in6)) {
        std::uint32_t ip = 0;
        std::memcpy(&ip, &in6.s6_addr[12], sizeof ip);
        return forbidden_ipv4(ntohl(ip));
    }
    return nullptr;
}

// Blocking sends on `fd` give up after `timeout`, so a peer that stops reading cannot hold a
// serving thread for ever.
void set_send_timeout(int fd, std::chrono::milliseconds timeout) {
    const timeval limit{static_cast<time_t>(timeout.count() / 1000),
                        static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
}

// Compares in time independent of where the first difference is.
bool same_secret(std::string_view a, std::string_view b) {
    unsigned char differ = a.size() == b.size() ? 0 : 1;
    for (std::size_t i = 0; i < a.size(); ++i) {
        differ |= static_cast<unsigned char>(a[i] ^ b[i % std::max<std::size_t>(b.size(), 1)]);
    }
    return differ == 0;
}

std::string status_text(line_reader::status status, const line_reader& reader,
                        std::chrono::milliseconds timeout) {
    switch (status) {
        case line_reader::status::line:
            return "line";
        case line_reader::status::timeout:
            return "silent past the " + std::to_string(timeout.count()) + " ms handshake timeout";
        case line_reader::status::closed:
            return "closed before finishing its handshake";
        case line_reader::status::oversized:
            return "oversized handshake (no end of line in " + std::to_string(max_line) + " bytes)";
        case line_reader::status::failed:
            return std::string("recv: ") + std::strerror(reader.error_number());
    }
    return "?";
}

std::uint64_t thread_cpu_ns() {
    timespec now{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000'000U +
           static_cast<std::uint64_t>(now.tv_nsec);
}

// This host's system-wide busy and softirq time since boot, in microseconds.
void host_cpu(pass_report& report) {
    static const auto ticks_per_second = static_cast<std::uint64_t>(::sysconf(_SC_CLK_TCK));
    if (const auto ticks = bench::read_proc_stat(); ticks && ticks_per_second > 0) {
        report.host_busy_us = ticks->busy * 1'000'000U / ticks_per_second;
        report.host_softirq_us = ticks->softirq * 1'000'000U / ticks_per_second;
    }
}

// The receiving host's context, sent on a control connection: the same keys bench_sendfile
// records for its own host, plus the receiving side of the route of connection `fd`.
bench::context_entries host_context(int fd) {
    auto entries = bench::host_description();
    const bench::interface_info route = bench::interface_of_socket(fd);
    entries.emplace_back("interface", route.name);
    entries.emplace_back("mtu", route.mtu);
    entries.emplace_back("path_mtu", route.path_mtu);
    entries.emplace_back("driver", route.driver);
    entries.emplace_back("offloads", route.offloads);
    // Values come from files of this host (os-release, /proc): shown escaped and cut, so every
    // CONTEXT line is printable and within max_line.
    for (auto& [key, value] : entries) {
        value = printable(value, max_line - 128 - std::min<std::size_t>(key.size(), 64));
    }
    return entries;
}

// The offset in [data, data + size) of the first byte that differs from the file's pattern at
// stream offset `offset`, or `size` when every byte matches.
std::size_t first_mismatch(const unsigned char* data, std::size_t size, std::uint64_t offset,
                           std::uint64_t pass_bytes, std::vector<unsigned char>& expected) {
    std::size_t done = 0;
    while (done < size) {
        const std::uint64_t in_pass = (offset + done) % pass_bytes;
        const auto piece =
            static_cast<std::size_t>(std::min<std::uint64_t>(size - done, pass_bytes - in_pass));
        expected.resize(piece);
        bench::fill_pattern(in_pass, expected);
        if (std::memcmp(expected.data(), data + done, piece) != 0) {
            std::size_t at = 0;
            while (expected[at] == data[done + at]) {
                ++at;
            }
            return done + at;
        }
        done += piece;
    }
    return size;
}

// Pins the receiving thread and sets the data socket's options as `request` asks; returns
// the error, or an empty string.
std::string prepare_data_socket(int fd, const data_request& request,
                                std::chrono::milliseconds idle_timeout) {
    std::string error = bench::pin_this_thread(request.cpu, "receiving thread");
    if (error.empty() && request.rcvbuf > 0 &&
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &request.rcvbuf, sizeof request.rcvbuf) != 0) {
        error = std::string("setsockopt(SO_RCVBUF): ") + std::strerror(errno);
    }
    // SO_RCVTIMEO bounds the silence without a poll() before every recv().
    const timeval idle{static_cast<time_t>(idle_timeout.count() / 1000),
                       static_cast<suseconds_t>((idle_timeout.count() % 1000) * 1000)};
    if (error.empty() && ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &idle, sizeof idle) != 0) {
        error = std::string("setsockopt(SO_RCVTIMEO): ") + std::strerror(errno);
    }
    // A sender that never reads its reports fills the send buffer: give up after as long.
    if (error.empty() && ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &idle, sizeof idle) != 0) {
        error = std::string("setsockopt(SO_SNDTIMEO): ") + std::strerror(errno);
    }
    return error;
}

}  // namespace

sink_server::~sink_server() {
    {
        const std::lock_guard lock(mutex_);
        for (const int fd : open_fds_) {
            ::shutdown(fd, SHUT_RDWR);
        }
    }
    reap(true);
}

bool log_limiter::allow(std::chrono::steady_clock::time_point now, std::size_t& suppressed) {
    if (now - window_ >= std::chrono::seconds(1)) {
        window_ = now;
        in_window_ = 0;
    }
    if (in_window_ >= burst_) {
        ++suppressed_;
        return false;
    }
    ++in_window_;
    suppressed = std::exchange(suppressed_, 0);
    return true;
}

// Every message is built from the sink's own words, numbers and the peer's bytes already
// escaped (sfb::printable); it is still cut here so no line of the log is unbounded.
void sink_server::log(const std::string& peer, const std::string& message) {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    ::gmtime_r(&now, &utc);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &utc);
    const std::lock_guard lock(log_mutex_);
    std::size_t suppressed = 0;
    if (!log_limit_.allow(std::chrono::steady_clock::now(), suppressed)) {
        return;
    }
    if (suppressed > 0) {
        std::cerr << stamp << " sfb-sink: " << suppressed
                  << " log line(s) left out (more than 20 a second)\n";
    }
    std::cerr << stamp << " sfb-sink: " << (peer.empty() ? "" : peer + ": ")
              << std::string_view(message).substr(0, 2 * max_line) << std::endl;
}

sink_server::listen_status sink_server::listen(const sink_options& options, std::string& error) {
    options_ = options;
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* found = nullptr;
    if (const int err = ::getaddrinfo(options.host.c_str(), options.port.c_str(), &hints, &found);
        err != 0) {
        error = "cannot resolve " + printable(options.host, 100) + ":" +
                printable(options.port, 20) + ": " + ::gai_strerror(err);
        return listen_status::failed;
    }
    sockaddr_storage address{};
    std::memcpy(&address, found->ai_addr, found->ai_addrlen);
    const socklen_t length = found->ai_addrlen;
    ::freeaddrinfo(found);
    if (const char* what = forbidden_address(address)) {
        error = "refusing to listen on " + std::string(what) + " (" + address_text(address) +
                "): give the one unicast address the sender will connect to";
        return listen_status::refused;
    }
    loopback_ = is_loopback(address);
    // Never without a token on a network: one is generated (and printed by the caller).
    if (!loopback_ && options_.token.empty()) {
        options_.token = random_hex_id();
        if (options_.token.empty()) {
            error = "getrandom gave no token for the non-loopback address " +
                    address_text(address) + "; give one with --token";
            return listen_status::failed;
        }
        token_generated_ = true;
    }
    // Non-blocking: after a failed accept() the loop retries it without knowing whether a
    // connection is still queued.
    listener_.reset(::socket(address.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!listener_) {
        error = std::string("socket: ") + std::strerror(errno);
        return listen_status::failed;
    }
    const int on = 1;
    ::setsockopt(listener_.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (address.ss_family == AF_INET6) {
        ::setsockopt(listener_.get(), IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
    }
    if (::bind(listener_.get(), reinterpret_cast<const sockaddr*>(&address), length) != 0) {
        error = "bind " + address_text(address) + ": " + std::strerror(errno);
        return listen_status::failed;
    }
    if (::listen(listener_.get(), 16) != 0) {
        error = std::string("listen: ") + std::strerror(errno);
        return listen_status::failed;
    }
    socklen_t bound_length = sizeof address;
    ::getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&address), &bound_length);
    bound_ = address_text(address);
    return listen_status::listening;
}

void sink_server::reap(bool all) {
    for (auto it = workers_.begin(); it != workers_.end();) {
        if (all || it->done.load(std::memory_order_acquire)) {
            it->thread.join();
            it = workers_.erase(it);
        } else {
            ++it;
        }
    }
}

void sink_server::serve(int stop_fd) {
    std::chrono::milliseconds backoff{0};
    for (;;) {
        // While backing off the listener is left out of the poll: it stays readable while
        // descriptors are exhausted, and polling it would spin.
        pollfd fds[2] = {{stop_fd, POLLIN, 0}, {listener_.get(), POLLIN, 0}};
        const bool backing_off = backoff.count() > 0;
        const int wait_ms = backing_off ? static_cast<int>(backoff.count()) : 1000;
        if (retry_on_eintr([&] { return ::poll(fds, backing_off ? 1 : 2, wait_ms); }) < 0) {
            log("", std::string("poll: ") + std::strerror(errno));
            break;
        }
        reap(false);
        if ((fds[0].revents & POLLIN) != 0) {
            break;
        }
        if (backing_off || (fds[1].revents & POLLIN) != 0) {
            accept_one(backoff);
        }
    }
    log("", "stopping: closing " + std::to_string(workers_.size()) + " connection(s)");
    {
        const std::lock_guard lock(mutex_);
        for (const int fd : open_fds_) {
            ::shutdown(fd, SHUT_RDWR);
        }
    }
    reap(true);
    listener_.reset();
}

void sink_server::accept_one(std::chrono::milliseconds& backoff) {
    sockaddr_storage peer_address{};
    socklen_t length = sizeof peer_address;
    unique_fd socket(::accept4(listener_.get(), reinterpret_cast<sockaddr*>(&peer_address), &length,
                               SOCK_CLOEXEC));
    if (!socket) {
        const int error = errno;
        if (error == EAGAIN || error == EWOULDBLOCK || error == EINTR || error == ECONNABORTED) {
            backoff = std::chrono::milliseconds(0);
            return;
        }
        // Descriptors or memory exhausted (EMFILE, ENFILE, ENOBUFS, ENOMEM) or anything else:
        // the connection stays queued; wait, twice as long each time up to a second.
        backoff =
            std::clamp(backoff * 2, std::chrono::milliseconds(50), std::chrono::milliseconds(1000));
        log("", std::string("accept: ") + std::strerror(error) + "; retrying in " +
                    std::to_string(backoff.count()) + " ms");
        return;
    }
    backoff = std::chrono::milliseconds(0);
    const std::string peer = address_text(peer_address);
    if (workers_.size() >= options_.max_connections) {
        log(peer, "refused: " + std::to_string(workers_.size()) + " connections already open");
        set_send_timeout(socket.get(), options_.handshake_timeout);
        send_line(socket.get(), "BUSY too many connections");
        return;
    }
    {
        const std::lock_guard lock(mutex_);
        open_fds_.insert(socket.get());
    }
    const int fd = socket.get();
    worker& w = workers_.emplace_back();
    w.fd = fd;
    try {
        w.thread = std::thread([this, &w, s = std::move(socket), peer]() mutable {
            serve_connection(w, std::move(s), peer);
        });
    } catch (const std::system_error& e) {
        // No thread (EAGAIN: a limit on threads): the connection is closed with its lambda.
        workers_.pop_back();
        const std::lock_guard lock(mutex_);
        open_fds_.erase(fd);
        log(peer, std::string("refused: cannot start a thread: ") + e.what());
    }
}

void sink_server::serve_connection(worker& self, unique_fd socket, std::string peer) {
    set_send_timeout(socket.get(), options_.handshake_timeout);
    line_reader reader(socket.get());
    std::string line;
    const auto status = reader.next(line, options_.handshake_timeout);
    if (status != line_reader::status::line) {
        log(peer, "refused: " + status_text(status, reader, options_.handshake_timeout));
        if (status != line_reader::status::closed && status != line_reader::status::failed) {
            send_line(socket.get(),
                      "ERR " + status_text(status, reader, options_.handshake_timeout));
        }
    } else if (reader.buffered() != 0) {
        log(peer, "refused: bytes sent before the handshake was answered");
        send_line(socket.get(), "ERR bytes sent before the handshake was answered");
    } else if (std::string error; const auto request = parse_handshake(line, error)) {
        if (request->control) {
            serve_control(socket.get(), peer, request->token);
        } else {
            serve_data(socket.get(), peer, request->data);
        }
    } else {
        log(peer, "refused: " + error);
        send_line(socket.get(), "ERR " + error);
    }
    {
        const std::lock_guard lock(mutex_);
        open_fds_.erase(socket.get());
    }
    socket.reset();
    self.done.store(true, std::memory_order_release);
}

void sink_server::serve_control(int fd, const std::string& peer, std::string_view token) {
    if (!options_.token.empty() && !same_secret(token, options_.token)) {
        log(peer, "refused: wrong token");
        send_line(fd, "ERR wrong token");
        return;
    }
    std::string session;
    {
        const std::lock_guard lock(mutex_);
        if (!session_.empty()) {
            log(peer, "refused: busy (a session is running)");
            send_line(fd, "BUSY another session is running");
            return;
        }
        session_ = random_hex_id();
        session = session_;
    }
    if (session.empty()) {
        log(peer, "refused: getrandom gave no session id");
        send_line(fd, "ERR no randomness for a session id");
        end_session(session);
        return;
    }
    const int on = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
    bool sent = send_line(fd, "OK " + session);
    for (const auto& [key, value] : host_context(fd)) {
        sent = sent && send_line(fd, "CONTEXT " + key + " " + value);
    }
    sent = sent && send_line(fd, "END");
    if (sent) {
        log(peer, "session " + session.substr(0, 8) + " started");
        // The sender stays silent until it ends the session by closing the connection, or
        // the session reaches its limit (SO_RCVTIMEO).
        const auto limit = options_.max_session;
        const timeval until_limit{static_cast<time_t>(limit.count() / 1000),
                                  static_cast<suseconds_t>((limit.count() % 1000) * 1000)};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &until_limit, sizeof until_limit);
        char byte = 0;
        const ssize_t n = retry_on_eintr([&] { return ::recv(fd, &byte, 1, 0); });
        const bool expired = n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
        const std::string name = "session " + session.substr(0, 8) + " ended";
        log(peer, n == 0  ? name
                  : n > 0 ? name +
                                ": the sender broke the protocol (bytes on the control "
                                "connection)"
                  : expired ? name + ": it reached the " + std::to_string(limit.count() / 1000) +
                                  " s limit (--max-session)"
                            : name + ": " + std::strerror(errno));
    }
    end_session(session);
}

void sink_server::end_session(const std::string& session) {
    const std::lock_guard lock(mutex_);
    if (session_ == session) {
        session_.clear();
        for (const int data : session_fds_) {
            ::shutdown(data, SHUT_RDWR);
        }
    }
}

void sink_server::serve_data(int fd, const std::string& peer, const data_request& request) {
    std::string error;
    {
        const std::lock_guard lock(mutex_);
        if (session_.empty() || !same_secret(request.session, session_)) {
            error = "no running session has that id";
        } else {
            session_fds_.insert(fd);
        }
    }
    if (!error.empty()) {
        log(peer, "refused: " + error);
        send_line(fd, "ERR " + error);
        return;
    }
    error = prepare_data_socket(fd, request, options_.idle_timeout);
    if (!error.empty()) {
        log(peer, "refused: " + error);
        send_line(fd, "ERR " + error);
    } else if (send_line(fd, "OK")) {
        receive_passes(fd, peer, request);
    }
    const std::lock_guard lock(mutex_);
    session_fds_.erase(fd);
}

void sink_server::receive_passes(int fd, const std::string& peer, const data_request& request) {
    // 128 KiB per recv(), as the loopback receiver (iperf3's default TCP read size).
    std::vector<unsigned char> buffer(128 * 1024);
    std::vector<unsigned char> expected;
    const int flags = request.discard ? MSG_TRUNC : 0;
    pass_report report;
    bool checking = request.verify;
    std::uint64_t next_report = request.pass_bytes;
    for (;;) {
        const ssize_t n =
            retry_on_eintr([&] { return ::recv(fd, buffer.data(), buffer.size(), flags); });
        if (n < 0) {
            log(peer, errno == EAGAIN || errno == EWOULDBLOCK
                          ? "closed: silent past the " +
                                std::to_string(options_.idle_timeout.count()) + " ms idle timeout"
                          : std::string("closed: recv: ") + std::strerror(errno));
            break;
        }
        if (n == 0) {
            report.thread_cpu_ns = thread_cpu_ns();
            send_line(fd, format_end_report(report));
            break;
        }
        const auto got = static_cast<std::size_t>(n);
        if (checking) {
            const std::size_t bad =
                first_mismatch(buffer.data(), got, report.received, request.pass_bytes, expected);
            if (bad < got) {
                const std::uint64_t byte = report.received + bad;
                const std::string message =
                    "content check failed: byte " + std::to_string(byte % request.pass_bytes) +
                    " of pass " + std::to_string(byte / request.pass_bytes + 1) +
                    " differs from the file";
                log(peer, message);
                send_line(fd, "FAIL " + message);
                checking = false;
            } else {
                report.verified += got;
            }
        }
        report.received += got;
        if (report.received >= next_report) {
            next_report = (report.received / request.pass_bytes + 1) * request.pass_bytes;
            report.thread_cpu_ns = thread_cpu_ns();
            host_cpu(report);
            if (!send_line(fd, format_pass_report(report))) {
                log(peer, std::string("closed: sending a report: ") + std::strerror(errno));
                break;
            }
        }
    }
}

}  // namespace sfb::sink
