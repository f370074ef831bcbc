// The wire protocol between bench_sendfile (the sender) and sfb-sink (the receiver on another
// host). Version 1. Everything but the file's bytes is a line of printable text ending in
// '\n', at most max_line bytes, words separated by one space, so a session can be read in a
// packet capture and every field is bounded before it is parsed. Each side checks every
// number it reads against the range the protocol allows, and shows a peer's bytes only through
// sfb::printable (escaped and cut).
//
// Control connection, one per bench_sendfile run (the session):
//   sender: SFB-SINK 1 CONTROL <token>          ("-" when the sink was started without one)
//   sink:   OK <session-id>                     (32 hex digits)
//           CONTEXT <key> <value...>            (at most max_context_entries: the receiving
//                                                host's context; keys [a-z0-9_])
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
//   Every total is at least the previous one, verified is at most received, and each PASS
//   names a later pass than the one before, so the sender can bound how many lines it reads.
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
// Most CONTEXT lines a sink may send, and the longest key.
inline constexpr std::size_t max_context_entries = 256;
inline constexpr std::size_t max_context_key = 64;
// The ranges of the DATA handshake's numbers.
inline constexpr std::uint64_t max_pass_bytes = std::uint64_t{1} << 40;
inline constexpr int max_rcvbuf = 1 << 30;
inline constexpr int max_cpu = 65535;

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
// A TCP port: decimal digits only, at most 65535, and 0 only when `allow_zero` (a listener's
// "any free port"). nullopt for anything else, never a value wrapped into range.
std::optional<std::uint16_t> parse_port(std::string_view text, bool allow_zero);
// "--NAME: PORT is not a port (expected 1 to 65535)": the refusal of parse_port, with the
// value shown escaped and cut.
std::string port_error(std::string_view option, std::string_view text, bool allow_zero);

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

// The first line of a connection, as the sink reads it: a control connection with its token
// ("-" for none) or a data connection with its request.
struct handshake {
    bool control = false;
    std::string token;
    data_request data;
};
// The handshake in `line`, or nullopt with `error` saying what is wrong (the peer's bytes
// escaped and cut), to send back as ERR <error>.
std::optional<handshake> parse_handshake(std::string_view line, std::string& error);

// The sink's one-line answer to a handshake, as the sender reads it.
struct answer {
    enum class kind { ok, busy, refused, other };
    kind what = kind::other;
    std::string argument;  // after OK: the session id (checked); otherwise the reason, escaped
};
answer parse_answer(std::string_view line);
// One CONTEXT line: the key ([a-z0-9_], 1 to max_context_key) and the value shown through
// sfb::printable. nullopt with `error` set when the line is not one.
std::optional<std::pair<std::string, std::string>> parse_context_line(std::string_view line,
                                                                      std::string& error);

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
// Whether `next` may follow `previous` on a data connection of passes of `pass_bytes`, after
// the sender sent at most `sent` bytes: no total goes down, verified <= received <= sent, and a
// PASS (not `end`) names a later pass than `previous`. False with `error` set otherwise.
bool report_follows(const pass_report& previous, const pass_report& next, bool end,
                    std::uint64_t pass_bytes, std::uint64_t sent, std::string& error);

// 32 hex digits from getrandom(2); empty if the kernel gave no randomness.
std::string random_hex_id();

}  // namespace sfb::sink
