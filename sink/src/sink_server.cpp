#include "sink_server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sfb/retry.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <vector>

#include "cpu_meter.h"
#include "machine_context.h"
#include "net_info.h"
#include "pattern.h"
#include "placement.h"
#include "protocol.h"
#include "transport_route.h"

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

bool is_wildcard(const sockaddr_storage& address) {
    if (address.ss_family == AF_INET) {
        return reinterpret_cast<const sockaddr_in&>(address).sin_addr.s_addr == INADDR_ANY;
    }
    return IN6_IS_ADDR_UNSPECIFIED(&reinterpret_cast<const sockaddr_in6&>(address).sin6_addr);
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

void sink_server::log(const std::string& peer, const std::string& message) {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    ::gmtime_r(&now, &utc);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &utc);
    const std::lock_guard lock(log_mutex_);
    std::cerr << stamp << " sfb-sink: " << (peer.empty() ? "" : peer + ": ") << message
              << std::endl;
}

bool sink_server::listen(const sink_options& options, std::string& error) {
    options_ = options;
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* found = nullptr;
    if (const int err = ::getaddrinfo(options.host.c_str(), options.port.c_str(), &hints, &found);
        err != 0) {
        error = "cannot resolve " + options.host + ":" + options.port + ": " + ::gai_strerror(err);
        return false;
    }
    sockaddr_storage address{};
    std::memcpy(&address, found->ai_addr, found->ai_addrlen);
    const socklen_t length = found->ai_addrlen;
    ::freeaddrinfo(found);
    if (is_wildcard(address)) {
        error = "refusing to listen on the wildcard address " + options.host +
                ": give the one address the sender will connect to";
        return false;
    }
    loopback_ = is_loopback(address);
    // Never without a token on a network: one is generated (and printed by the caller).
    if (!loopback_ && options_.token.empty()) {
        options_.token = random_hex_id();
        if (options_.token.empty()) {
            error = "getrandom gave no token for the non-loopback address " + options.host +
                    "; give one with --token";
            return false;
        }
        token_generated_ = true;
    }
    listener_.reset(::socket(address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!listener_) {
        error = std::string("socket: ") + std::strerror(errno);
        return false;
    }
    const int on = 1;
    ::setsockopt(listener_.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (address.ss_family == AF_INET6) {
        ::setsockopt(listener_.get(), IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
    }
    if (::bind(listener_.get(), reinterpret_cast<const sockaddr*>(&address), length) != 0) {
        error = "bind " + options.host + ":" + options.port + ": " + std::strerror(errno);
        return false;
    }
    if (::listen(listener_.get(), 16) != 0) {
        error = std::string("listen: ") + std::strerror(errno);
        return false;
    }
    socklen_t bound_length = sizeof address;
    ::getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&address), &bound_length);
    bound_ = address_text(address);
    return true;
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
    for (;;) {
        pollfd fds[2] = {{listener_.get(), POLLIN, 0}, {stop_fd, POLLIN, 0}};
        if (retry_on_eintr([&] { return ::poll(fds, 2, 1000); }) < 0) {
            log("", std::string("poll: ") + std::strerror(errno));
            break;
        }
        reap(false);
        if ((fds[1].revents & POLLIN) != 0) {
            break;
        }
        if ((fds[0].revents & POLLIN) == 0) {
            continue;
        }
        sockaddr_storage peer_address{};
        socklen_t length = sizeof peer_address;
        unique_fd socket(::accept4(listener_.get(), reinterpret_cast<sockaddr*>(&peer_address),
                                   &length, SOCK_CLOEXEC));
        if (!socket) {
            if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED) {
                log("", std::string("accept: ") + std::strerror(errno));
            }
            continue;
        }
        const std::string peer = address_text(peer_address);
        if (workers_.size() >= options_.max_connections) {
            log(peer, "refused: " + std::to_string(workers_.size()) + " connections already open");
            send_line(socket.get(), "BUSY too many connections");
            continue;
        }
        {
            const std::lock_guard lock(mutex_);
            open_fds_.insert(socket.get());
        }
        worker& w = workers_.emplace_back();
        w.fd = socket.get();
        w.thread = std::thread([this, &w, s = std::move(socket), peer]() mutable {
            serve_connection(w, std::move(s), peer);
        });
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

void sink_server::serve_connection(worker& self, unique_fd socket, std::string peer) {
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
    } else {
        const auto words = split_words(line);
        if (words.size() == 4 && words[0] == protocol_magic && words[1] == protocol_version &&
            words[2] == "CONTROL") {
            serve_control(socket.get(), peer, words[3]);
        } else if (words.size() >= 3 && words[0] == protocol_magic &&
                   words[1] == protocol_version && words[2] == "DATA") {
            serve_data(socket.get(), peer, line);
        } else {
            const bool other_version = words.size() >= 2 && words[0] == protocol_magic;
            const std::string reason = other_version
                                           ? "unsupported protocol version (this sink speaks " +
                                                 std::string(protocol_version) + ")"
                                           : "malformed handshake";
            log(peer, "refused: " + reason);
            send_line(socket.get(), "ERR " + reason);
        }
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
        std::string clean = value.substr(0, max_line - 64);
        std::replace(clean.begin(), clean.end(), '\n', ' ');
        sent = sent && send_line(fd, "CONTEXT " + key + " " + clean);
    }
    sent = sent && send_line(fd, "END");
    if (sent) {
        log(peer, "session " + session.substr(0, 8) + " started");
        // The sender stays silent until it ends the session by closing the connection.
        char byte = 0;
        const ssize_t n = retry_on_eintr([&] { return ::recv(fd, &byte, 1, 0); });
        log(peer, n == 0  ? "session " + session.substr(0, 8) + " ended"
                  : n > 0 ? "session " + session.substr(0, 8) +
                                " ended: the sender broke the protocol (bytes on the control "
                                "connection)"
                          : "session " + session.substr(0, 8) + " ended: " + std::strerror(errno));
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

void sink_server::serve_data(int fd, const std::string& peer, std::string_view line) {
    std::string error;
    const auto request = parse_data_request(line, error);
    if (!request) {
        log(peer, "refused: " + error);
        send_line(fd, "ERR " + error);
        return;
    }
    {
        const std::lock_guard lock(mutex_);
        if (session_.empty() || !same_secret(request->session, session_)) {
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
    error = prepare_data_socket(fd, *request, options_.idle_timeout);
    if (!error.empty()) {
        log(peer, "refused: " + error);
        send_line(fd, "ERR " + error);
    } else if (send_line(fd, "OK")) {
        receive_passes(fd, peer, *request);
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
