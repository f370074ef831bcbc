#include "remote_receiver.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sfb/retry.h>

#include <cerrno>
#include <cstring>

namespace sfb::bench {

namespace {

using namespace std::chrono_literals;

// How long the sink may take to accept, answer a handshake or send its context.
constexpr auto handshake_timeout = 10s;

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

// The sink's one-line answer to a handshake; false with `error` set unless it starts with OK.
bool expect_ok(sink::line_reader& reader, std::string& line, std::string& error) {
    const auto status = reader.next(line, handshake_timeout);
    if (status != sink::line_reader::status::line) {
        error = describe(status, reader);
        return false;
    }
    if (line == "OK" || line.rfind("OK ", 0) == 0) {
        return true;
    }
    if (line.rfind("BUSY ", 0) == 0) {
        error = "the sink is busy with another session: " + line.substr(5);
    } else if (line.rfind("ERR ", 0) == 0) {
        error = "the sink refused: " + line.substr(4);
    } else {
        error = "not an sfb-sink (it answered \"" + line.substr(0, 60) + "\")";
    }
    return false;
}

// Reads the sink's CONTEXT lines up to END into `context`; false with `error` set when the
// sink at `text` sent something else or nothing in time.
bool read_context(sink::line_reader& reader, const std::string& text, context_entries& context,
                  std::string& error) {
    std::string line;
    for (;;) {
        const auto status = reader.next(line, handshake_timeout);
        if (status != sink::line_reader::status::line) {
            error = "sink at " + text + ", reading its context: " + describe(status, reader);
            return false;
        }
        if (line == "END") {
            return true;
        }
        const auto words = sink::split_words(line);
        if (words.size() < 2 || words[0] != "CONTEXT") {
            error = "sink at " + text + ": malformed context line \"" + line.substr(0, 60) + "\"";
            return false;
        }
        const auto value_at = line.find(' ', 8);
        context.emplace_back(std::string(words[1]), value_at == std::string::npos
                                                        ? std::string()
                                                        : line.substr(value_at + 1));
    }
}

}  // namespace

bool remote_receiver::next_report(std::chrono::milliseconds stall, sink::pass_report& report,
                                  bool& end) {
    std::string line;
    const auto status = reader_.next(line, stall);
    if (status == sink::line_reader::status::timeout) {
        error_ = "the sink counted " + std::to_string(last_.received) +
                 " bytes and sent no report for " + std::to_string(stall.count()) + " ms";
        return false;
    }
    if (status != sink::line_reader::status::line) {
        error_ = "after " + std::to_string(last_.received) + " bytes: " + describe(status, reader_);
        return false;
    }
    if (line.rfind("FAIL ", 0) == 0) {
        error_ = "the sink: " + line.substr(5);
        return false;
    }
    const auto parsed = sink::parse_report(line);
    if (!parsed) {
        error_ = "the sink sent a malformed report: \"" + line.substr(0, 60) + "\"";
        return false;
    }
    report = *parsed;
    end = line.rfind("END", 0) == 0;
    return true;
}

bool remote_receiver::wait_for_total(std::uint64_t total, std::chrono::milliseconds stall) {
    while (last_.received < total) {
        sink::pass_report report;
        bool end = false;
        if (!next_report(stall, report, end)) {
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
    if (last_.received > total) {
        error_ = "the sink counted " + std::to_string(last_.received) + " bytes, more than the " +
                 std::to_string(total) + " sent";
        return false;
    }
    return true;
}

bool remote_receiver::finish(std::chrono::milliseconds stall) {
    for (;;) {
        sink::pass_report report;
        bool end = false;
        if (!next_report(stall, report, end)) {
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
        error = "--sfb_remote=" + std::string(host_port) + ": expected HOST:PORT";
        return nullptr;
    }
    const auto& [host, port] = *split;
    if (!token.empty() && !sink::valid_token(token)) {
        error = "--sfb_token: expected up to 128 characters from [A-Za-z0-9._-]";
        return nullptr;
    }
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* found = nullptr;
    if (const int err = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found); err != 0) {
        error = "cannot resolve " + std::string(host_port) + ": " + ::gai_strerror(err);
        return nullptr;
    }
    std::unique_ptr<remote_sink> sink(new remote_sink());
    std::memcpy(&sink->address_, found->ai_addr, found->ai_addrlen);
    sink->address_length_ = found->ai_addrlen;
    ::freeaddrinfo(found);
    sink->text_ = std::string(host_port);

    sink->control_.reset(::socket(sink->address_.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!sink->control_) {
        error = std::string("socket: ") + std::strerror(errno);
        return nullptr;
    }
    // Keepalive lets the sink notice a sender that vanished without closing (and the other
    // way round) during the long silence of a run.
    set_int_option(sink->control_.get(), SOL_SOCKET, SO_KEEPALIVE, 1);
    std::string failed;
    if (!connect_with_timeout(sink->control_.get(), sink->address_, sink->address_length_,
                              failed)) {
        error = "cannot reach the sink at " + sink->text_ + ": " + failed;
        return nullptr;
    }
    const std::string hello = std::string(sink::protocol_magic) + " " +
                              std::string(sink::protocol_version) + " CONTROL " +
                              (token.empty() ? std::string("-") : std::string(token));
    if (!sink::send_line(sink->control_.get(), hello)) {
        error = "sending the handshake to " + sink->text_ + ": " + std::strerror(errno);
        return nullptr;
    }
    sink::line_reader reader(sink->control_.get());
    std::string line;
    if (!expect_ok(reader, line, failed)) {
        error = "sink at " + sink->text_ + ": " + failed;
        return nullptr;
    }
    sink->session_ = line.size() > 3 ? line.substr(3) : "";
    if (!sink::valid_token(sink->session_)) {
        error = "sink at " + sink->text_ + ": no valid session id in \"" + line + "\"";
        return nullptr;
    }
    if (!read_context(reader, sink->text_, sink->context_, error)) {
        return nullptr;
    }
    sink->local_route_ = interface_of_socket(sink->control_.get());
    return sink;
}

remote_connection remote_sink::open_data(const socket_options& sockets,
                                         const receiver_config& receiver,
                                         std::string& error) const {
    unique_fd sender(::socket(address_.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!sender) {
        error = std::string("socket: ") + std::strerror(errno);
        return {};
    }
    if (sockets.sndbuf > 0 &&
        !set_int_option(sender.get(), SOL_SOCKET, SO_SNDBUF, sockets.sndbuf)) {
        error = std::string("setsockopt(SO_SNDBUF): ") + std::strerror(errno);
        return {};
    }
    if (sockets.nodelay && !set_int_option(sender.get(), IPPROTO_TCP, TCP_NODELAY, 1)) {
        error = std::string("setsockopt(TCP_NODELAY): ") + std::strerror(errno);
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
    auto far_end = std::make_unique<remote_receiver>(sender.get());
    sink::line_reader reader(sender.get());
    std::string line;
    if (!expect_ok(reader, line, failed)) {
        error = "data connection to the sink at " + text_ + ": " + failed;
        return {};
    }
    return remote_connection{std::move(sender), std::move(far_end)};
}

}  // namespace sfb::bench
