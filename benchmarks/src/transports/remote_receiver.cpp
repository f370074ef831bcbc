#include "remote_receiver.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sfb/printable.h>
#include <sfb/retry.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

namespace sfb::bench {

namespace {

using namespace std::chrono_literals;

// How long the sink may take to accept, and then to answer a handshake and send its whole
// context (one total deadline, however slowly the lines come).
constexpr auto handshake_timeout = 10s;
// Addresses of one name tried in turn, at most.
constexpr int max_addresses = 16;

using steady = std::chrono::steady_clock;

// What is left until `deadline`, at most `most`, never negative.
std::chrono::milliseconds until(steady::time_point deadline, std::chrono::milliseconds most) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now());
    return std::clamp(left, 0ms, most);
}

std::string numeric_address(const sockaddr* address, socklen_t length) {
    char host[NI_MAXHOST] = "?";
    char port[NI_MAXSERV] = "?";
    ::getnameinfo(address, length, host, sizeof host, port, sizeof port,
                  NI_NUMERICHOST | NI_NUMERICSERV);
    return address->sa_family == AF_INET6 ? "[" + std::string(host) + "]:" + port
                                          : std::string(host) + ":" + port;
}

std::string describe(sink::line_reader::status status, const sink::line_reader& reader) {
    switch (status) {
        case sink::line_reader::status::line:
            return "a line";
        case sink::line_reader::status::timeout:
            return "no answer in time";
        case sink::line_reader::status::closed:
            return "the sink closed the connection";
        case sink::line_reader::status::oversized:
            return "an answer longer than the protocol allows";
        case sink::line_reader::status::failed:
            return std::string("recv: ") + std::strerror(reader.error_number());
    }
    return "?";
}

bool set_int_option(int fd, int level, int name, int value) {
    return ::setsockopt(fd, level, name, &value, sizeof value) == 0;
}

// connect(2) with a deadline, so an unreachable host is an error in seconds, not minutes.
bool connect_with_timeout(int fd, const sockaddr_storage& address, socklen_t length,
                          std::string& error) {
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) {
        error = std::string("fcntl: ") + std::strerror(errno);
        return false;
    }
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), length) != 0 &&
        errno != EINPROGRESS) {
        error = std::string("connect: ") + std::strerror(errno);
        return false;
    }
    pollfd p{fd, POLLOUT, 0};
    const int ready =
        retry_on_eintr([&] { return ::poll(&p, 1, static_cast<int>(handshake_timeout / 1ms)); });
    if (ready <= 0) {
        error = "connect: no answer within " + std::to_string(handshake_timeout / 1s) + " s";
        return false;
    }
    int result = 0;
    socklen_t result_length = sizeof result;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &result, &result_length) != 0 || result != 0) {
        error = std::string("connect: ") + std::strerror(result != 0 ? result : errno);
        return false;
    }
    if (::fcntl(fd, F_SETFL, flags) != 0) {
        error = std::string("fcntl: ") + std::strerror(errno);
        return false;
    }
    return true;
}

// The sink's one-line answer to a handshake, by `deadline`; the session id (empty for a data
// connection's plain OK), or nullopt with `error` set.
std::optional<std::string> expect_ok(sink::line_reader& reader, steady::time_point deadline,
                                     std::string& error) {
    std::string line;
    const auto status = reader.next(line, until(deadline, handshake_timeout));
    if (status != sink::line_reader::status::line) {
        error = describe(status, reader);
        return std::nullopt;
    }
    auto answer = sink::parse_answer(line);
    switch (answer.what) {
        case sink::answer::kind::ok:
            return std::move(answer.argument);
        case sink::answer::kind::busy:
            error = "the sink is busy with another session: " + answer.argument;
            break;
        case sink::answer::kind::refused:
            error = "the sink refused: " + answer.argument;
            break;
        case sink::answer::kind::other:
            error = "not an sfb-sink (it answered \"" + answer.argument + "\")";
            break;
    }
    return std::nullopt;
}

// Reads the sink's CONTEXT lines up to END into `context`, at most max_context_entries of
// them, all by `deadline`; false with `error` set when the sink at `text` sent something else,
// too much, or not in time.
bool read_context(sink::line_reader& reader, steady::time_point deadline, const std::string& text,
                  context_entries& context, std::string& error) {
    std::string line;
    for (;;) {
        const auto status = reader.next(line, until(deadline, handshake_timeout));
        if (status != sink::line_reader::status::line) {
            error = "sink at " + text + ", reading its context: " + describe(status, reader);
            return false;
        }
        if (line == "END") {
            return true;
        }
        if (context.size() >= sink::max_context_entries) {
            error = "sink at " + text + ": more than " + std::to_string(sink::max_context_entries) +
                    " context lines";
            return false;
        }
        std::string failed;
        auto entry = sink::parse_context_line(line, failed);
        if (!entry) {
            error = "sink at " + text + ": " + failed;
            return false;
        }
        context.push_back(std::move(*entry));
    }
}

// Connects to the first address of `found` that accepts, in getaddrinfo's order, as clients
// do: a name such as localhost may give ::1 and 127.0.0.1, and the sink listens on one of them.
unique_fd connect_any(const addrinfo* found, sockaddr_storage& address, socklen_t& length,
                      std::string& error) {
    int tried = 0;
    for (const addrinfo* at = found; at != nullptr && tried < max_addresses; at = at->ai_next) {
        if (at->ai_addrlen > sizeof address) {
            continue;
        }
        ++tried;
        const std::string shown = numeric_address(at->ai_addr, at->ai_addrlen);
        unique_fd socket(::socket(at->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
        std::string failed = socket ? "" : std::string("socket: ") + std::strerror(errno);
        // Keepalive lets the sink notice a sender that vanished without closing (and the other
        // way round) during the long silence of a run.
        if (socket && set_int_option(socket.get(), SOL_SOCKET, SO_KEEPALIVE, 1)) {
            std::memcpy(&address, at->ai_addr, at->ai_addrlen);
            length = at->ai_addrlen;
            if (connect_with_timeout(socket.get(), address, length, failed)) {
                return socket;
            }
        }
        error += (error.empty() ? "" : "; ") + shown + ": " + failed;
    }
    return {};
}

}  // namespace

bool remote_receiver::next_report(std::chrono::milliseconds stall, steady::time_point deadline,
                                  std::uint64_t sent, sink::pass_report& report, bool& end) {
    std::string line;
    const auto status = reader_.next(line, until(deadline, stall));
    if (status == sink::line_reader::status::timeout) {
        error_ = "the sink counted " + std::to_string(last_.received) +
                 " bytes and sent no report for " + std::to_string(stall.count()) + " ms";
        return false;
    }
    if (status != sink::line_reader::status::line) {
        error_ = "after " + std::to_string(last_.received) + " bytes: " + describe(status, reader_);
        return false;
    }
    if (line.starts_with("FAIL ")) {
        error_ = "the sink: " + printable(std::string_view(line).substr(5), 200);
        return false;
    }
    const auto parsed = sink::parse_report(line);
    if (!parsed) {
        error_ = "the sink sent a malformed report: \"" + printable(line, 80) + "\"";
        return false;
    }
    end = line.starts_with("END");
    if (!sink::report_follows(last_, *parsed, end, pass_bytes_, sent, error_)) {
        return false;
    }
    report = *parsed;
    return true;
}

bool remote_receiver::wait_for_total(std::uint64_t total, std::chrono::milliseconds stall) {
    // Each PASS names a later pass, so the sink owes at most one line per pass still to come;
    // the wait is bounded by as many stalls (capped), however the sink paces its lines.
    const std::uint64_t passes =
        pass_bytes_ == 0 || total <= last_.received ? 1 : (total - last_.received) / pass_bytes_;
    const auto deadline =
        steady::now() + stall * static_cast<int>(std::min<std::uint64_t>(passes + 1, 64));
    while (last_.received < total) {
        sink::pass_report report;
        bool end = false;
        if (!next_report(stall, deadline, total, report, end)) {
            return false;
        }
        if (end) {
            error_ = "the stream ended after " + std::to_string(report.received) + " of " +
                     std::to_string(total) + " bytes";
            last_.received = report.received;
            return false;
        }
        last_ = report;
    }
    return true;
}

bool remote_receiver::finish(std::chrono::milliseconds stall) {
    // After the sender's shutdown the sink owes at most the last PASS and the END.
    const auto deadline = steady::now() + 2 * stall;
    for (;;) {
        sink::pass_report report;
        bool end = false;
        if (!next_report(stall, deadline, std::numeric_limits<std::uint64_t>::max(), report, end)) {
            return false;
        }
        if (end) {
            last_.received = report.received;
            last_.verified = report.verified;
            last_.thread_cpu_ns = report.thread_cpu_ns;
            return true;
        }
        last_ = report;
    }
}

std::unique_ptr<remote_sink> remote_sink::connect(std::string_view host_port,
                                                  std::string_view token, std::string& error) {
    const auto split = sink::split_host_port(host_port);
    if (!split) {
        error = "--sfb_remote=\"" + printable(host_port, 100) + "\": expected HOST:PORT";
        return nullptr;
    }
    const auto& [host, port] = *split;
    if (!sink::parse_port(port, false)) {
        error = sink::port_error("--sfb_remote", port, false);
        return nullptr;
    }
    if (!token.empty() && !sink::valid_token(token)) {
        error = "--sfb_token: expected up to 128 characters from [A-Za-z0-9._-]";
        return nullptr;
    }
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* found = nullptr;
    std::unique_ptr<remote_sink> sink(new remote_sink());
    sink->text_ = printable(host_port, 100);
    if (const int err = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found); err != 0) {
        error = "cannot resolve " + sink->text_ + ": " + ::gai_strerror(err);
        return nullptr;
    }
    std::string failed;
    sink->control_ = connect_any(found, sink->address_, sink->address_length_, failed);
    ::freeaddrinfo(found);
    if (!sink->control_) {
        error = "cannot reach the sink at " + sink->text_ + ": " + failed;
        return nullptr;
    }
    if (!sink->handshake(token, error)) {
        return nullptr;
    }
    sink->local_route_ = interface_of_socket(sink->control_.get());
    return sink;
}

bool remote_sink::handshake(std::string_view token, std::string& error) {
    const std::string hello = std::string(sink::protocol_magic) + " " +
                              std::string(sink::protocol_version) + " CONTROL " +
                              (token.empty() ? std::string("-") : std::string(token));
    if (!sink::send_line(control_.get(), hello)) {
        error = "sending the handshake to " + text_ + ": " + std::strerror(errno);
        return false;
    }
    const auto deadline = steady::now() + handshake_timeout;
    sink::line_reader reader(control_.get());
    std::string failed;
    auto session = expect_ok(reader, deadline, failed);
    if (!session || session->empty()) {
        error = "sink at " + text_ + ": " + (session ? "no session id after OK" : failed);
        return false;
    }
    session_ = std::move(*session);
    return read_context(reader, deadline, text_, context_, error);
}

remote_connection remote_sink::open_data(const socket_options& sockets,
                                         const receiver_config& receiver,
                                         std::string& error) const {
    unique_fd sender(::socket(address_.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!sender) {
        error = std::string("socket: ") + std::strerror(errno);
        return {};
    }
    if (!set_sender_options(sender.get(), true, sockets, error)) {
        return {};
    }
    std::string failed;
    if (!connect_with_timeout(sender.get(), address_, address_length_, failed)) {
        error = "data connection to the sink at " + text_ + ": " + failed;
        return {};
    }
    sink::data_request request;
    request.session = session_;
    request.discard = receiver.mode == receive_mode::discard && !receiver.verify;
    request.verify = receiver.verify;
    request.pass_bytes = receiver.pass_bytes;
    request.rcvbuf = sockets.rcvbuf;
    request.cpu = receiver.cpu;
    if (!sink::send_line(sender.get(), sink::format_data_request(request))) {
        error = "data connection to the sink at " + text_ + ": send: " + std::strerror(errno);
        return {};
    }
    auto far_end = std::make_unique<remote_receiver>(sender.get(), receiver.pass_bytes);
    if (!expect_ok(far_end->reader_, steady::now() + handshake_timeout, failed)) {
        error = "data connection to the sink at " + text_ + ": " + failed;
        return {};
    }
    return remote_connection{std::move(sender), std::move(far_end)};
}

}  // namespace sfb::bench
