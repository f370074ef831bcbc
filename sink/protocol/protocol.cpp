#include "protocol.h"

#include <poll.h>
#include <sfb/printable.h>
#include <sfb/retry.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <charconv>

namespace sfb::sink {

namespace {

template <typename T>
std::optional<T> parse_number(std::string_view text) {
    T value{};
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

bool starts_protocol(const std::vector<std::string_view>& words, std::string_view kind) {
    return words.size() >= 3 && words[0] == protocol_magic && words[1] == protocol_version &&
           words[2] == kind;
}

// A word of the peer's in a message: escaped and cut short.
std::string shown(std::string_view word) {
    return "\"" + printable(word, 40) + "\"";
}

std::optional<handshake> parse_control(const std::vector<std::string_view>& words,
                                       std::string& error) {
    if (words.size() < 4 || words[3].empty()) {
        error = "missing token after CONTROL (send - when the sink has none)";
        return std::nullopt;
    }
    if (words.size() > 4) {
        error = "malformed CONTROL handshake: words after the token";
        return std::nullopt;
    }
    if (words[3] != "-" && !valid_token(words[3])) {
        error = "malformed token: expected 1 to 128 characters from [A-Za-z0-9._-]";
        return std::nullopt;
    }
    handshake result;
    result.control = true;
    result.token = std::string(words[3]);
    return result;
}

bool valid_context_key(std::string_view key) {
    if (key.empty() || key.size() > max_context_key) {
        return false;
    }
    return std::all_of(key.begin(), key.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
}

}  // namespace

line_reader::status line_reader::next(std::string& line, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (const auto end = buffer_.find('\n'); end != std::string::npos) {
            if (end + 1 > max_line) {
                return status::oversized;
            }
            line.assign(buffer_, 0, end);
            buffer_.erase(0, end + 1);
            return status::line;
        }
        if (buffer_.size() >= max_line) {
            return status::oversized;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            return status::timeout;
        }
        pollfd p{fd_, POLLIN, 0};
        const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
        if (ready < 0) {
            if (errno == EINTR) {
                continue;
            }
            errno_ = errno;
            return status::failed;
        }
        if (ready == 0) {
            return status::timeout;
        }
        char chunk[max_line];
        const ssize_t n = retry_on_eintr(
            [&] { return ::recv(fd_, chunk, max_line - buffer_.size(), MSG_DONTWAIT); });
        if (n < 0) {
            if (errno == EAGAIN) {
                continue;
            }
            errno_ = errno;
            return status::failed;
        }
        if (n == 0) {
            return status::closed;
        }
        buffer_.append(chunk, static_cast<std::size_t>(n));
    }
}

bool send_line(int fd, std::string_view line) {
    std::string out(line);
    out += '\n';
    std::size_t done = 0;
    while (done < out.size()) {
        const ssize_t n = retry_on_eintr(
            [&] { return ::send(fd, out.data() + done, out.size() - done, MSG_NOSIGNAL); });
        if (n < 0) {
            return false;
        }
        done += static_cast<std::size_t>(n);
    }
    return true;
}

std::vector<std::string_view> split_words(std::string_view line) {
    std::vector<std::string_view> words;
    while (!line.empty()) {
        const auto space = line.find(' ');
        words.push_back(line.substr(0, space));
        if (space == std::string_view::npos) {
            break;
        }
        line.remove_prefix(space + 1);
    }
    return words;
}

std::optional<std::pair<std::string, std::string>> split_host_port(std::string_view text) {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) {
        return std::nullopt;
    }
    std::string host(text.substr(0, colon));
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    return std::pair{std::move(host), std::string(text.substr(colon + 1))};
}

std::optional<std::uint16_t> parse_port(std::string_view text, bool allow_zero) {
    if (text.empty() || text.size() > 5 ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return std::nullopt;
    }
    const auto value = parse_number<unsigned>(text);
    if (!value || *value > 65535 || (*value == 0 && !allow_zero)) {
        return std::nullopt;
    }
    return static_cast<std::uint16_t>(*value);
}

std::string port_error(std::string_view option, std::string_view text, bool allow_zero) {
    return std::string(option) + ": " + shown(text) + " is not a port (expected " +
           (allow_zero ? "0" : "1") + " to 65535)";
}

bool valid_token(std::string_view token) noexcept {
    if (token.empty() || token.size() > max_token) {
        return false;
    }
    for (const char c : token) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
        if (!ok) {
            return false;
        }
    }
    return true;
}

std::string format_data_request(const data_request& request) {
    return std::string(protocol_magic) + " " + std::string(protocol_version) + " DATA " +
           request.session + (request.discard ? " discard " : " copy ") +
           (request.verify ? "1 " : "0 ") + std::to_string(request.pass_bytes) + " " +
           std::to_string(request.rcvbuf) + " " + std::to_string(request.cpu);
}

std::optional<data_request> parse_data_request(std::string_view line, std::string& error) {
    const auto words = split_words(line);
    if (!starts_protocol(words, "DATA") || words.size() != 9) {
        error = "malformed DATA handshake";
        return std::nullopt;
    }
    data_request request;
    if (!valid_token(words[3])) {
        error = "malformed session id";
        return std::nullopt;
    }
    request.session = std::string(words[3]);
    if (words[4] != "copy" && words[4] != "discard") {
        error = "receive mode must be copy or discard";
        return std::nullopt;
    }
    request.discard = words[4] == "discard";
    if (words[5] != "0" && words[5] != "1") {
        error = "verify must be 0 or 1";
        return std::nullopt;
    }
    request.verify = words[5] == "1";
    const auto pass = parse_number<std::uint64_t>(words[6]);
    const auto rcvbuf = parse_number<int>(words[7]);
    const auto cpu = parse_number<int>(words[8]);
    if (!pass || *pass == 0 || *pass > max_pass_bytes) {
        error = "pass bytes " + shown(words[6]) + " not from 1 to 2^40";
        return std::nullopt;
    }
    if (!rcvbuf || *rcvbuf < 0 || *rcvbuf > max_rcvbuf) {
        error = "rcvbuf " + shown(words[7]) + " not from 0 to 2^30";
        return std::nullopt;
    }
    if (!cpu || *cpu < -1 || *cpu > max_cpu) {
        error = "cpu " + shown(words[8]) + " not -1 or a CPU number from 0 to 65535";
        return std::nullopt;
    }
    if (request.verify && request.discard) {
        error = "verify needs the copy mode";
        return std::nullopt;
    }
    request.pass_bytes = *pass;
    request.rcvbuf = *rcvbuf;
    request.cpu = *cpu;
    return request;
}

std::optional<handshake> parse_handshake(std::string_view line, std::string& error) {
    const auto words = split_words(line);
    if (words.size() < 2 || words[0] != protocol_magic) {
        error = "malformed handshake";
        return std::nullopt;
    }
    if (words[1] != protocol_version) {
        error = "unsupported protocol version " + shown(words[1]) + " (this sink speaks " +
                std::string(protocol_version) + ")";
        return std::nullopt;
    }
    if (words.size() >= 3 && words[2] == "CONTROL") {
        return parse_control(words, error);
    }
    if (words.size() >= 3 && words[2] == "DATA") {
        auto request = parse_data_request(line, error);
        if (!request) {
            return std::nullopt;
        }
        handshake result;
        result.data = std::move(*request);
        return result;
    }
    error = words.size() < 3
                ? "malformed handshake: no connection kind (CONTROL or DATA)"
                : "unknown connection kind " + shown(words[2]) + " (expected CONTROL or DATA)";
    return std::nullopt;
}

answer parse_answer(std::string_view line) {
    answer result;
    if (line == "OK") {
        result.what = answer::kind::ok;
    } else if (line.starts_with("OK ")) {
        result.what = answer::kind::ok;
        result.argument = std::string(line.substr(3));
        if (!valid_token(result.argument)) {
            result.what = answer::kind::other;
            result.argument = printable(line, 80);
        }
    } else if (line.starts_with("BUSY ")) {
        result.what = answer::kind::busy;
        result.argument = printable(line.substr(5), 200);
    } else if (line.starts_with("ERR ")) {
        result.what = answer::kind::refused;
        result.argument = printable(line.substr(4), 200);
    } else {
        result.argument = printable(line, 80);
    }
    return result;
}

std::optional<std::pair<std::string, std::string>> parse_context_line(std::string_view line,
                                                                      std::string& error) {
    const auto words = split_words(line);
    if (words.size() < 2 || words[0] != "CONTEXT" || !valid_context_key(words[1])) {
        error = "malformed context line \"" + printable(line, 80) + "\"";
        return std::nullopt;
    }
    const std::size_t value_at = words[0].size() + 1 + words[1].size() + 1;
    const std::string_view value =
        value_at < line.size() ? line.substr(value_at) : std::string_view{};
    return std::pair{std::string(words[1]), printable(value, max_line)};
}

std::string format_pass_report(const pass_report& report) {
    return "PASS " + std::to_string(report.received) + " " + std::to_string(report.verified) + " " +
           std::to_string(report.thread_cpu_ns) + " " + std::to_string(report.host_busy_us) + " " +
           std::to_string(report.host_softirq_us);
}

std::string format_end_report(const pass_report& report) {
    return "END " + std::to_string(report.received) + " " + std::to_string(report.verified) + " " +
           std::to_string(report.thread_cpu_ns);
}

std::optional<pass_report> parse_report(std::string_view line) {
    const auto words = split_words(line);
    const bool pass = words.size() == 6 && words[0] == "PASS";
    const bool end = words.size() == 4 && words[0] == "END";
    if (!pass && !end) {
        return std::nullopt;
    }
    std::vector<std::uint64_t> values;
    for (std::size_t i = 1; i < words.size(); ++i) {
        const auto value = parse_number<std::uint64_t>(words[i]);
        if (!value) {
            return std::nullopt;
        }
        values.push_back(*value);
    }
    pass_report report{values[0], values[1], values[2], 0, 0};
    if (pass) {
        report.host_busy_us = values[3];
        report.host_softirq_us = values[4];
    }
    return report;
}

bool report_follows(const pass_report& previous, const pass_report& next, bool end,
                    std::uint64_t pass_bytes, std::uint64_t sent, std::string& error) {
    const auto name = [&] { return std::string(end ? "END" : "PASS"); };
    if (next.received < previous.received || next.verified < previous.verified ||
        next.thread_cpu_ns < previous.thread_cpu_ns ||
        (!end && (next.host_busy_us < previous.host_busy_us ||
                  next.host_softirq_us < previous.host_softirq_us))) {
        error = "the sink's " + name() + " report went backwards (received " +
                std::to_string(next.received) + " after " + std::to_string(previous.received) + ")";
        return false;
    }
    if (next.verified > next.received) {
        error = "the sink's " + name() + " report has more bytes verified (" +
                std::to_string(next.verified) + ") than received (" +
                std::to_string(next.received) + ")";
        return false;
    }
    if (next.received > sent) {
        error = "the sink counted " + std::to_string(next.received) + " bytes, more than the " +
                std::to_string(sent) + " sent";
        return false;
    }
    if (!end && pass_bytes > 0 && next.received / pass_bytes <= previous.received / pass_bytes) {
        error = "the sink sent a PASS report for no new pass (received " +
                std::to_string(next.received) + " after " + std::to_string(previous.received) + ")";
        return false;
    }
    return true;
}

std::string random_hex_id() {
    unsigned char bytes[16];
    std::size_t got = 0;
    while (got < sizeof bytes) {
        const ssize_t n =
            retry_on_eintr([&] { return ::getrandom(bytes + got, sizeof bytes - got, 0); });
        if (n < 0) {
            return {};
        }
        got += static_cast<std::size_t>(n);
    }
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (const unsigned char b : bytes) {
        out += digits[b >> 4];
        out += digits[b & 15];
    }
    return out;
}

}  // namespace sfb::sink
