// The wire protocol between bench_sendfile (the sender) and sfb-sink (the receiver on another
// host). Version 1. Everything but the file's bytes is a line of printable ASCII ending in
// '\n', at most max_line bytes, words separated by one space, so a session can be read in a
// packet capture and every field is bounded before it is parsed.
//
// Control connection, one per bench_sendfile run (the session):
//   sender: SFB-SINK 1 CONTROL <token>          ("-" when the sink was started without one)
//   sink:   OK <session-id>                     (32 hex digits)
//           CONTEXT <key> <value...>            (zero or more: the receiving host's context)
//           END
//      or:  BUSY <reason> | ERR <reason>        and the sink closes the connection.
//   The sender then keeps the connection open, silent, for the whole run; closing it ends the
//   session, and the sink closes the session's data connections.
//
// Data connection, one per benchmark connection:
//   sender: SFB-SINK 1 DATA <session-id> <copy|discard> <verify 0|1> <pass-bytes> <rcvbuf>
//           <cpu>                               (rcvbuf 0: autotuning; cpu -1: unpinned)
//   sink:   OK | ERR <reason>
//   then the sender streams passes of <pass-bytes> bytes each. Each time the count reaches a
//   multiple of <pass-bytes> the sink answers on the same connection
//           PASS <received> <verified> <thread-cpu-ns> <host-busy-us> <host-softirq-us>
//   (running totals since the data connection opened; the host CPU is /proc/stat's since boot).
//   A byte that differs from the file's pattern gives one FAIL <message> line; the sink keeps
//   reading to the end of the stream. At the end of the stream it sends
//           END <received> <verified> <thread-cpu-ns>
//   and closes.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sfb::sink {

inline constexpr std::string_view protocol_magic = "SFB-SINK";
inline constexpr std::string_view protocol_version = "1";
// Longest line either side sends or accepts, '\n' included.
inline constexpr std::size_t max_line = 512;
// Longest token and session id; tokens are [A-Za-z0-9._-].
inline constexpr std::size_t max_token = 128;

// Reads '\n'-terminated lines from a stream socket, with a deadline per line.
class line_reader {
  public:
    enum class status { line, timeout, closed, oversized, failed };
    explicit line_reader(int fd) : fd_(fd) {}
    // The next line without its '\n'. `closed`: the peer ended the stream before a '\n';
    // `oversized`: max_line bytes arrived without one; `failed`: errno is in error_number().
    status next(std::string& line, std::chrono::milliseconds timeout);
    // Bytes that arrived after the last line returned.
    std::size_t buffered() const noexcept { return buffer_.size(); }
    int error_number() const noexcept { return errno_; }

  private:
    int fd_;
    int errno_ = 0;
    std::string buffer_;
};

// Writes the whole line plus '\n' (MSG_NOSIGNAL); false with errno set on failure.
bool send_line(int fd, std::string_view line);

std::vector<std::string_view> split_words(std::string_view line);
bool valid_token(std::string_view token) noexcept;
// "HOST:PORT" or "[ADDR]:PORT" (IPv6) split at the last colon, the brackets taken off; nullopt
// when a part is missing.
std::optional<std::pair<std::string, std::string>> split_host_port(std::string_view text);

struct data_request {
    std::string session;
    bool discard = false;  // recv(MSG_TRUNC) instead of copying
    bool verify = false;
    std::uint64_t pass_bytes = 0;
    int rcvbuf = 0;
    int cpu = -1;
};
std::string format_data_request(const data_request& request);
// The request in `line`, or nullopt with `error` saying what is wrong.
std::optional<data_request> parse_data_request(std::string_view line, std::string& error);

struct pass_report {
    std::uint64_t received = 0;
    std::uint64_t verified = 0;
    std::uint64_t thread_cpu_ns = 0;
    std::uint64_t host_busy_us = 0;
    std::uint64_t host_softirq_us = 0;
};
std::string format_pass_report(const pass_report& report);
std::string format_end_report(const pass_report& report);
// Parses a PASS or END line (END leaves the host fields 0).
std::optional<pass_report> parse_report(std::string_view line);

// 32 hex digits from getrandom(2); empty if the kernel gave no randomness.
std::string random_hex_id();

}  // namespace sfb::sink
