#include "protocol.h"

#include <poll.h>
#include <sfb/retry.h>
#include <sys/random.h>
#include <sys/socket.h>

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
    if (!pass || *pass == 0 || *pass > (1ULL << 40)) {
        error = "pass bytes must be from 1 to 2^40";
        return std::nullopt;
    }
    if (!rcvbuf || *rcvbuf < 0 || *rcvbuf > (1 << 30)) {
        error = "rcvbuf must be from 0 to 2^30";
        return std::nullopt;
    }
    if (!cpu || *cpu < -1 || *cpu > 65535) {
        error = "cpu must be -1 or a CPU number";
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
